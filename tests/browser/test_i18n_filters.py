"""/filters in Chinese (lang=zh): the status, notes, stage titles, arithmetic and refusals."""

import re

from playwright.sync_api import expect

from tests.browser.test_filters import SAMPLES, click_map_pixel, expected_sobel_x

LOAD = 60_000  # ms: first maps of a 256×256 image on a shared machine


def real_errors(console_errors):
    """Chromium logs every 4xx/503 as a console error: the refusal asked for and busy retries."""
    return [e for e in console_errors if not re.search(r"status of (422|503)", e)]


def test_maps_and_arithmetic_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/filters?lang=zh&presets=sobel_x")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    cards = page.locator(".fl-card")
    expect(cards).to_have_count(1, timeout=LOAD)
    expect(page.locator("#fl-status")).to_have_text(
        re.compile(r"^1 个滤波器作用于 256×256（宽×高）的图像，用时 [0-9.]+ 秒$")
    )
    notes = page.locator("#fl-notes")
    expect(notes).to_contain_text("所用图像：256×256（宽×高），灰度，像素值 ÷ 255。")
    sobel = cards.first
    expect(sobel.locator("figcaption strong")).to_have_text(
        ["卷积", "ReLU max(0, x)", "最大池化 2×2，步长 2"]
    )
    expect(sobel.locator(".fl-min").first).to_contain_text("最小值 -")
    expect(sobel.locator(".fl-drawn").first).to_contain_text("按稳健范围绘制，值 ")
    expect(sobel.locator(".fl-zoom-button").first).to_have_text("全分辨率")
    expect(page.locator(".fl-sample").first).to_have_attribute("title", "几何图形：边缘与角点")

    # The left edge of the blue square, near row 60, column 24 of the convolution map.
    click_map_pixel(page, sobel.locator(".fm-canvas").first, 60, 24, 256, 256)
    arith = page.locator("#fl-arith")
    heading = re.compile(r"^索贝尔 x · 卷积 · 输出第 (\d+) 行、第 (\d+) 列$")
    expect(arith.locator(".fl-where")).to_have_text(heading, timeout=LOAD)
    r, c = map(int, heading.match(arith.locator(".fl-where").inner_text()).groups())
    expect(arith.locator("h4").first).to_have_text(f"第 {r} 行、第 {c} 列处的卷积")
    expect(arith.locator(".fl-apart .fl-explain").first).to_have_text(
        f"数据窗口为输入的第 {r - 1}…{r + 1} 行、第 {c - 1}…{c + 1} 列（灰色单元格是零填充）。"
    )
    expect(arith.locator(".fl-agrid-label").first).to_have_text("数据窗口（x = 像素值 ÷ 255）")
    expect(arith.locator(".fl-agrid-label").nth(2)).to_have_text("乘积 x·w")
    total = arith.locator(".fl-apart .arith .total").first.inner_text()
    assert abs(float(total) - expected_sobel_x(SAMPLES / "shapes.png", r, c)) < 1e-3

    page.select_option("#fl-pool", "avg")
    pool_title = sobel.locator("figcaption strong").nth(2)
    expect(pool_title).to_have_text("平均池化 2×2，步长 2", timeout=LOAD)
    page.locator('#fl-color input[value="full"]').check()
    expect(page.locator("#fl-color-explain")).to_contain_text("这正是 CNN 层的做法")
    expect(page.locator("#fl-notes")).to_contain_text("RGB，像素值 ÷ 255。", timeout=LOAD)
    assert real_errors(console_errors) == []


def test_refusals_in_chinese(page, live_server, console_errors):
    page.goto(f"{live_server}/filters?lang=zh&presets=sobel_x")
    expect(page.locator(".fl-card")).to_have_count(1, timeout=LOAD)
    # No filter at all (no request is sent): the page says what to do, in Chinese.
    page.locator(".fl-chip", has_text="索贝尔 x").click()
    expect(page.locator("#fl-presets-error")).to_have_text(
        "请至少选择一个预设滤波器，或加入自定义卷积核：没有滤波器就没有特征图可显示。"
    )

    stride = page.locator("#fl-stride")
    stride.fill("0")
    stride.press("Enter")
    refusal = r"^步长必须是 1 到 \d+ 之间的整数；0 不符合要求。下面的特征图对应上一个有效的值。$"
    expect(page.locator("#fl-layer-error")).to_have_text(re.compile(refusal))
    assert real_errors(console_errors) == []
