"""/activations in Chinese (lang=zh): the details panel, the readout and both experiments speak
Chinese as they change; the function names stay Latin."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url


def test_details_and_readout_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/activations?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("激活函数")
    expect(page.locator("#act-readout-caption")).to_have_text("在 x = 1 处")
    expect(page.locator("#act-readout thead th").first).to_have_text("函数")
    expect(page.locator("#act-saturated")).to_have_text("|f'| < 0.01 的区域：x ≤ -4.6 以及 x ≥ 4.6")
    expect(page.locator("#act-centred")).to_have_text("否：输出大多为正")
    expect(page.locator("#act-notes")).to_contain_text("输出是非0中心化的")
    # Another function in focus: its notes and zero-centring change, in Chinese.
    page.get_by_label("查看详情").select_option("tanh")
    expect(page.locator("#act-centred")).to_have_text("是：输出分布在 0 的两侧")
    expect(page.locator("#act-notes")).to_contain_text("压缩到 (−1, 1) 之间")
    wait_url(page, lambda url: "focus=tanh" in url and "lang=zh" in url)
    assert console_errors == []


def test_prelu_and_maxout_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/activations?lang=zh&fns=prelu&focus=prelu&x=-2")
    expect(page.locator("#act-details-heading")).to_have_text("PReLU（α = 0.25，可学习）")
    expect(page.locator("#act-alpha-label")).to_have_text("α（学习得到的参数）")
    expect(page.locator("#act-alpha-note")).to_contain_text("在 x = -2 处 ∂f/∂α = -2")
    page.goto(f"{live_server}/activations?lang=zh&fns=relu,maxout&focus=maxout&x=-1")
    expect(page.get_by_role("button", name="删除").first).to_be_disabled()
    expect(page.get_by_role("button", name="删除").first).to_have_attribute(
        "title", "Maxout 至少需要两个片段"
    )
    page.get_by_role("button", name="添加一个片段").click()
    expect(page.locator("#act-pieces tr")).to_have_count(3)
    page.get_by_label("片段 3 的 b").fill("2")
    page.get_by_label("片段 3 的 b").press("Enter")
    wait_url(page, lambda url: "pieces=0%2C0%3B1%2C0%3B0.5%2C2" in url)
    assert console_errors == []


def test_experiments_in_chinese(page, live_server, console_errors):
    with page.expect_response(re.compile(r"/api/activations/vanishing$")):
        page.goto(f"{live_server}/activations?lang=zh&vd=6&vseed=4&db=0.5")
    expect(page.locator("#van-caption")).to_have_text("经过 n = 6 层（500 个样本，随机种子 4）")
    expect(page.locator("#van-note")).to_contain_text(
        "Sigmoid：无论输入是什么，都不超过 0.25^6 = 2.441e-4。"
    )
    with page.expect_response(re.compile(r"/api/activations/vanishing$")):
        page.locator('#van-controls input[name="depth"]').fill("3")
    expect(page.locator("#van-caption")).to_contain_text("经过 n = 3 层")
    status = page.locator("#dead-status")
    expect(status).to_have_text("在 70.0% 的输入上处于激活状态（200 个中的 140 个）。")
    expect(page.locator("#dead-grads")).to_contain_text("所以每个输入的 dL/da = 1")
    page.get_by_label("学习率 η").fill("8")
    page.get_by_label("学习率 η").press("Enter")
    with page.expect_response(re.compile(r"/api/activations/dead-relu$")):
        page.get_by_role("button", name="对 L = mean(a) 走一步梯度下降").click()
    expect(status).to_contain_text("已死亡：200 个输入中没有一个能激活它。")
    assert console_errors == []
