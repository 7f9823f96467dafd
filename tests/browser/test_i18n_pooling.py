"""/pooling in Chinese (lang=zh): the static text, and the sentences the page builds as it steps."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url

CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin words these panels may show in Chinese: names, and the endpoint POST /api/pool2d/backward.
ALLOWED = {"PyTorch", "POST", "api", "backward"}


def open_zh(page, live_server, query=""):
    with page.expect_response(re.compile(r"/api/pool2d$")) as info:
        page.goto(f"{live_server}/pooling?lang=zh{query}")
    body = info.value.json()
    expect(page.locator(".tl-readout")).to_contain_text(f"/ {len(body['steps'])}")
    return body


def test_max_pooling_steps_in_chinese(page, live_server, console_errors):
    open_zh(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("池化层")
    expect(page.get_by_label("窗口大小")).to_have_value("2")
    arith = page.locator("#pool-arith")
    expect(arith).to_contain_text("第 1 步，共 4 步：通道 0，输出 y[0][0][0]（第 0 行，第 0 列）")
    expect(arith).to_contain_text("窗口 2×2：输入的第 0–1 行、第 0–1 列")
    expect(arith).to_contain_text(
        "胜出：x[0][1][0] = 5，窗口中第 3 个格子（共 4 个，按行优先顺序）"
    )  # noqa: E501
    expect(arith).to_contain_text("反向传播：dL/dy = 4 → 全部交给胜出的格子")
    note = page.locator("#pool-fit-note")
    expect(note).to_have_text("未设置步长：与 PyTorch 一样，默认等于窗口大小（2）。")
    expect(page.locator("#pool-formula-h")).to_contain_text("输出高度：")
    expect(page.locator("#pool-input .slice-caption")).to_have_text("x[0]  通道 0")
    expect(page.locator("#pool-grad-check")).to_contain_text("显示的是第 1–1 步传回的梯度")
    page.keyboard.press("ArrowRight")
    expect(arith).to_contain_text("第 2 步，共 4 步")
    expect(page.locator("#pool-grad-check")).to_contain_text("第 1–2 步")
    page.keyboard.press("End")
    expect(page.locator("#pool-grad-check")).to_have_text(
        "最后一步之后，这就是完整的 dL/dx，与 POST /api/pool2d/backward 返回的结果相同。"
    )
    wait_url(page, lambda url: "step=3" in url and "lang=zh" in url)
    assert console_errors == []


def test_a_tie_and_average_pooling_in_chinese(page, live_server, console_errors):
    open_zh(page, live_server, "&step=2")
    expect(page.locator("#pool-arith")).to_contain_text("并列：2 个格子都等于 7；与 PyTorch 一样")
    with page.expect_response(re.compile(r"/api/pool2d$")):
        page.locator('select[name="mode"]').select_option("avg")
    arith = page.locator("#pool-arith")
    expect(arith).to_contain_text("除数 = 2·2 = 4")
    expect(arith).to_contain_text("平均值 =")
    expect(arith).to_contain_text("分给 4 个输入格子中的每一个")
    with page.expect_response(re.compile(r"/api/pool2d$")):
        page.get_by_label("填充").fill("1")
        page.get_by_label("填充").press("Enter")
    expect(arith).to_contain_text("填充后输入的第")
    expect(arith).to_contain_text("个填充的 0 也计入，与 PyTorch 的 count_include_pad 一致")
    expect(page.locator("#pool-input-dims")).to_contain_text("，填充后为 1×6×6")
    assert console_errors == []


def test_no_output_and_global_pooling_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/pooling?lang=zh&k=3&p=2")
    expect(page.locator("#pool-output")).to_have_text(
        "没有输出：请修改上面的窗口大小、填充或步长。"
    )
    expect(page.locator("#pool-arith")).to_have_text("请先修正上面的设置，再逐步查看池化过程。")
    with page.expect_response(re.compile(r"/api/pool2d$")):
        page.get_by_role("button", name="全局平均池化").click()
    note = page.locator("#pool-fit-note")
    expect(note).to_contain_text("全局池化：窗口就是整个 4×4 的输入，每个通道得到一个数。")
    expect(page.locator("#pool-arith")).to_contain_text("除数 = 4·4 = 16")
    # What the page itself writes in these panels is Chinese, apart from symbols and numbers.
    for selector in ["#pool-arith", "#pool-fit-note", "#pool-grad-check"]:
        text = page.locator(selector).inner_text()
        assert CJK.search(text), selector
        words = re.findall(r"\b[A-Za-z]{3,}\b", text)
        assert set(words) <= ALLOWED, (selector, words)
    assert [e for e in console_errors if "422" not in e] == []
