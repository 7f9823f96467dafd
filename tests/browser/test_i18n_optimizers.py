"""/optimizers in Chinese (lang=zh): the race's status, the numbers panel, the cards, the
learning-rate lesson and the search summary speak Chinese as they change."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url

THREE = "sgd:lr=0.001;momentum:lr=0.001,rho=0.9;adam:lr=0.05"
# The first race of a page can take a while on a busy machine (the whole page loads with it).
FIRST = 20_000


def numbers_row(page, quantity):
    return page.locator(f'#race-numbers tr[data-quantity="{quantity}"] td')


def test_race_and_numbers_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/optimizers?lang=zh&opts={THREE}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("优化器")
    expect(page.locator("#race-status p").first).to_have_text(
        re.compile(r"^随机梯度下降：500 步后 f = "), timeout=FIRST
    )
    head = page.locator(".optim-step-head")
    expect(head).to_have_text("随机梯度下降，第 1 步（t = 1）：从 x_0 到 x_1")
    expect(page.locator("#race-numbers th")).to_have_text(["量", "含义", "x", "y"])
    expect(numbers_row(page, "x_t").nth(1)).to_have_text("当前点")
    expect(numbers_row(page, "x_{t+1}").nth(1)).to_have_text("下一个点")
    # The cards: parameters by their symbols, the remove button in Chinese.
    card = page.locator('#race-optimizers .optim-card[data-optimizer="momentum"]')
    expect(card.locator(".controls label")).to_have_text(["ρ"])
    sgd = page.locator('#race-optimizers .optim-card[data-optimizer="sgd"]')
    expect(sgd.locator(".optim-remove")).to_have_attribute("title", "移除 随机梯度下降")
    # Step, then another optimiser's numbers.
    page.locator("#race-numbers-heading").click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.locator("#race-selected").select_option(label="3. Adam")
    expect(head).to_have_text("Adam，第 4 步（t = 4）：从 x_3 到 x_4")
    expect(numbers_row(page, "1 − β1ᵗ").nth(2)).to_have_text("0.3439")
    wait_url(page, lambda url: "step=3" in url and "sel=2" in url and "lang=zh" in url)
    # The learning rate, changed on its card: the race reruns, still in Chinese.
    page.get_by_label("随机梯度下降 的学习率（对数刻度）").fill("-2")
    expect(page.get_by_label("随机梯度下降 的学习率", exact=True)).to_have_value("0.01")
    expect(page.locator("#race-status p").first).to_have_text(
        re.compile(r"^随机梯度下降：(\d+ 步后 f = |在第 \d+ 步发散)")
    )
    assert console_errors == []


def test_divergence_in_chinese(page, live_server, console_errors):
    page.goto(
        f"{live_server}/optimizers?lang=zh&surface=bowl&start=-7,2.5&steps=100&opts=sgd:lr=1.5"
    )
    expect(page.locator("#race-status p")).to_have_text(
        re.compile("随机梯度下降：在第 19 步发散"), timeout=FIRST
    )
    page.keyboard.press("End")
    expect(page.locator(".optim-step-head")).to_contain_text("随机梯度下降 在第 19 步发散：")
    assert console_errors == []


def test_learning_rate_lesson_and_search_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/optimizers?lang=zh")
    captions = page.locator(".optim-small h3")
    expect(captions.nth(0)).to_contain_text("太低：α = 0.02 → f = ", timeout=FIRST)
    expect(captions.nth(2)).to_contain_text("太高：α = 1.05 → ")
    page.locator("#lr-opt").select_option("adam")
    expect(captions.nth(1)).to_contain_text("合适：α = 0.6")
    summary = page.locator("#search-summary")
    expect(summary.locator("th")).to_have_text(["", "网格", "随机"])
    expect(
        page.locator('#search-summary tr[data-row="distinct learning rates tried"] td')
    ).to_have_text(["尝试过的不同学习率", "8", "64"])
    expect(summary.locator('tr[data-row="best beta1"] td').first).to_have_text("最佳 β1")
    expect(summary.locator("p")).to_contain_text("网格把预算只花在 8 个学习率上")
    page.locator("#search-budget").select_option("16")
    expect(page.locator('#search-summary tr[data-row="runs"] td')).to_have_text(
        ["运行次数", "16", "16"]
    )
    expect(summary.locator("p")).to_contain_text("同样运行 16 次")
    assert console_errors == []
