"""/conv (forward and backward) and /conv-transpose in Chinese (lang=zh) in real Chromium: the
sentences the pages build as they step and as controls change are the conv and conv_transpose
catalogues' Chinese, with the API's numbers in them."""

import re

from playwright.sync_api import expect

CONV = re.compile(r"/api/conv2d$")
BACKWARD = re.compile(r"/api/conv2d/backward$")
TRANSPOSE = re.compile(r"/api/conv_transpose2d$")

# Latin-script words these regions may show in Chinese: names, symbols and code.
ALLOWED = {
    "PyTorch",
    "CNN",
    "C_in",
    "H_out",
    "W_out",
    "b_f",
    "Home",
    "End",
    "Enter",
}  # and key names
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_]{2,}")


def english_words(text):
    """Words of three or more Latin letters, leaving out symbols with digits (dW0, conv2d,
    CS231n) and the allowed names."""
    text = re.sub(r"/[a-z][\w-]*", "", text)  # paths: /conv-transpose
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED and not re.search(r"\d", w)})


def assert_chinese(page, *regions):
    """No English words in the visible text of these regions (the page's own sentences)."""
    found = {
        region: english_words(" ".join(page.locator(region).all_inner_texts()))
        for region in regions
    }
    assert not any(found.values()), found


def open_zh(page, url, api):
    with page.expect_response(api) as info:
        page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    return info.value.json()


def test_conv_steps_and_controls_speak_chinese(page, live_server, console_errors):
    body = open_zh(page, f"{live_server}/conv?lang=zh", CONV)
    expect(page.locator("h1")).to_contain_text("卷积")
    arith = page.locator("#conv-arith")
    expect(arith).to_contain_text(
        "第 1 步，共 18 步：输出 o[0, 0, 0]（特征图 0 的第 0 行，第 0 列）"
    )
    expect(arith).to_contain_text("窗口：填充后输入的第 0–2 行、第 0–2 列")
    expect(arith).to_contain_text("通道 0：Σ(x·w) = ")
    expect(page.locator("#conv-input-dims")).to_have_text("5×5×3，填充后为 7×7×3")
    expect(page.locator("#conv-formula-h")).to_contain_text("输出高度：")
    page.keyboard.press("ArrowRight")
    step = body["steps"][1]
    expect(arith).to_contain_text(
        f"第 2 步，共 18 步：输出 o[{step['row']}, {step['col']}, {step['filter']}]"
    )
    assert_chinese(
        page,
        "#conv-arith",
        "#conv-input",
        "#conv-filters",
        "#conv-output",
        "#conv-flip-note",
        "main .legend",
    )

    # A control changed: stride 1 gives 5×5×2 outputs, the sentences follow.
    stride = page.get_by_label("步长")
    stride.fill("1")
    with page.expect_response(CONV):
        stride.dispatch_event("change")
    expect(arith).to_contain_text("第 2 步，共 50 步：输出 o[0, 1, 0]")  # the step is kept
    expect(page.locator("#conv-output-dims")).to_have_text("5×5×2")

    # True convolution: the note and the window say the kernel is flipped.
    with page.expect_response(CONV):
        page.get_by_label("运算").select_option("convolution")
    expect(page.locator("#conv-flip-note")).to_contain_text("把每个卷积核旋转 180° 后再滑动")
    expect(arith).to_contain_text("；卷积核翻转 180°")

    # A refused combination is said in Chinese next to the control just changed.
    page.get_by_label("卷积核大小").fill("7")
    with page.expect_response(CONV):
        page.get_by_label("卷积核大小").dispatch_event("change")
    padding = page.locator('input[name="p"]')
    padding.fill("0")
    with page.expect_response(CONV) as info:
        padding.dispatch_event("change")
    assert info.value.status == 422
    expect(page.locator(".field-error:not(:empty)")).to_contain_text("这组设置行不通。")
    expect(arith).to_have_text("请先修正上面的设置，再逐步查看卷积。")
    assert not [e for e in console_errors if "422" not in e]


def test_conv_leftover_border_is_explained_in_chinese(page, live_server):
    open_zh(page, f"{live_server}/conv?h=7&w=7&c=1&f=1&k=3&s=3&p=0&d=1&lang=zh", CONV)
    note = page.locator("#conv-fit-note")
    expect(note).to_contain_text("4 / 3 不是整数：最后一个窗口会超出边界 2 格")
    expect(note).to_contain_text("在高度方向上，这些设置正好合适：填充 1")
    expect(note).to_contain_text("没有任何窗口经过的输入列：6。")
    assert english_words(note.inner_text()) == []


def test_conv_backward_steps_speak_chinese(page, live_server, console_errors):
    open_zh(page, f"{live_server}/conv?lang=zh", CONV)
    with page.expect_response(BACKWARD):
        page.get_by_label("反向传播：求梯度").check()
    arith = page.locator("#conv-arith")
    expect(arith).to_contain_text(
        "第 1 步，共 203 步：dL/dW0[0, 0, 0]（滤波器 0，通道 0，第 0 行，第 0 列）"
    )
    expect(arith).to_contain_text("= 对所有输出单元 (i, j) 求和 x[0, i·2 + 0·1, j·2 + 0·1]")
    expect(page.locator("#conv-bw-grad-note")).to_contain_text("由随机种子生成的小整数")
    expect(page.locator("#conv-bw-transpose")).to_contain_text("dL/dX 是 dL/dY 的转置卷积")
    expect(page.locator("#conv-bw-transpose-link")).to_have_text(
        "在 /conv-transpose 上打开这个转置卷积"
    )
    page.get_by_role("button", name="dL/db：偏置").click()
    expect(arith).to_contain_text("第 55 步，共 203 步：dL/db0 = Σ dL/dY[0]（dL/dY[0] 的所有单元）")
    page.get_by_role("button", name="dL/dX：输入").click()
    expect(arith).to_contain_text("第 57 步，共 203 步：通道 0 的填充单元（第 0 行，第 0 列）")
    expect(arith).to_contain_text("先求和，再丢弃：填充既不是输入，也不是参数")
    page.keyboard.press("ArrowRight")
    expect(arith).to_contain_text("第 58 步，共 203 步")
    expect(page.locator("#conv-bw-dx-dims")).to_contain_text("；填充圈上的梯度加了删除线：它被丢弃")
    # (the loss options' words come from app/, translated in the app domain)
    assert_chinese(
        page,
        "#conv-arith",
        "#conv-bw-panel > :not(label)",
        "#conv-bw-dx",
        "#conv-bw-dy",
        "#conv-bw-dw",
    )
    assert console_errors == []


def test_conv_transpose_views_speak_chinese(page, live_server, console_errors):
    open_zh(page, f"{live_server}/conv-transpose?lang=zh", TRANSPOSE)
    expect(page.locator("h1")).to_contain_text("转置卷积")
    arith = page.locator("#ct-arith")
    expect(arith).to_contain_text("第 1 步，共 5 步：输入 x[0, 0, 0]")
    expect(arith).to_contain_text("每个单元：目前的和 + 值·权重 = 新的和")
    full = page.locator("#ct-full")
    expect(full).to_contain_text("裁剪前，印块所在的画布大小为")
    expect(full).to_contain_text("5 行 × 5 列。填充从上下两边各裁掉 0 行")
    expect(page.locator("#ct-op-rule")).to_contain_text("——这里满足。")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(arith).to_contain_text("第 5 步，共 5 步：裁剪并加上偏置。")
    page.locator("#ct-canvas .cell").nth(2 * 5 + 2).hover()
    expect(arith).to_contain_text("输出通道 0 的画布单元 [2, 2]：落在它上面的每个印块")
    assert_chinese(
        page, "#ct-arith", "#ct-canvas", "#ct-input", "#ct-filters", "#ct-view-note", "main .legend"
    )

    page.get_by_label("等价的直接卷积").check()
    expect(page.locator("#ct-view-note")).to_contain_text(
        "等价的直接卷积：在相邻的输入行之间插入 1 个零"
    )
    expect(arith).to_contain_text(
        "第 1 步，共 25 步：输出 o[0, 0, 0]（输出通道 0 的第 0 行，第 0 列）"
    )
    expect(arith).to_contain_text("窗口：插零后输入的第 0–2 行、第 0–2 列，步长 1；卷积核翻转 180°")
    assert_chinese(page, "#ct-arith", "#ct-stuffed", "#ct-flipped")

    # A value the page refuses before sending, said next to its field.
    field = page.locator('input[name="op"]')
    field.fill("9")
    field.dispatch_event("change")
    expect(page.locator("#ct-error-op")).to_have_text("输出填充必须是 0 到 3 之间的整数。")
    assert console_errors == []
