"""/cnn in Chinese (lang=zh) in real Chromium: the sentences the page builds while it trains, the
sanity checks and section 6's arithmetic come from the `cnn` catalogue, and none of the lesson's
own English sentences is left on the page.

The network is the tiny preset (1,616 parameters), as in test_cnn.py.
"""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser.test_cnn_inside import click_map_cell
from tests.browser.urls import wait_url

TINY = "?net=conv_4_3__1*relu*maxpool_4*flatten*linear_8&lang=zh"
CATALOGUE = Path(__file__).parents[2] / "app/locale/zh_CN/LC_MESSAGES/cnn.po"

# Visible text outside code, formulas and the glosses (which Chinese mode hides anyway).
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === 3) {
      const parent = node.parentElement;
      if (!parent || parent.closest("code, .formula, script, style, [lang=zh]")) return;
      const style = getComputedStyle(parent);
      if (style.display !== "none" && style.visibility !== "hidden") out.push(node.textContent);
    } else if (node.nodeType === 1 && !node.hidden) node.childNodes.forEach(walk);
  };
  walk(document.querySelector("main"));
  document.querySelectorAll("main [aria-label], main [title], main option").forEach((el) => {
    out.push(el.getAttribute("aria-label") || "", el.getAttribute("title") || "");
    if (el.tagName === "OPTION") out.push(el.textContent);
  });
  return out.join("\\n");
}"""


def english_sentences() -> list[str]:
    """The catalogue's English fragments of four words or more, split at its placeholders:
    a lesson sentence shown untranslated contains one of them."""
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            for piece in re.split(r"\{\w+\}|<[^>]+>", text):
                piece = piece.strip(" .,:;()")
                if len(re.findall(r"[A-Za-z]{2,}", piece)) >= 4:
                    pieces.add(piece)
    return sorted(pieces)


def assert_no_english_sentence(page):
    text = page.evaluate(VISIBLE_TEXT)
    left = [piece for piece in english_sentences() if piece in text]
    assert left == [], left


def open_zh(page, live_server, query=TINY):
    page.goto(f"{live_server}/cnn{query}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#cnn-net-summary")).to_contain_text("个参数")
    expect(page.locator("#cnn-play")).to_be_enabled()


def test_building_and_training_in_chinese(page, live_server, console_errors):
    open_zh(page, live_server, TINY + "&ev=25&opt=adam:lr=0.003")
    expect(page.locator("h1")).to_contain_text("训练一个卷积网络")
    summary = page.locator("#cnn-net-summary")
    expect(summary).to_have_text(
        "5 层，1,616 个参数：输入 1×28×28，输出 8 个类别得分（softmax 交叉熵）。"
    )
    conv = page.locator('.cnn-layer[data-index="0"]')
    expect(conv.locator(".cnn-option span").first).to_have_text("滤波器数")
    expect(conv.locator(".cnn-params")).to_have_text("40 个参数")
    expect(page.locator('.cnn-layer[data-index="1"] .cnn-params')).to_have_text("无参数")
    relu = page.locator('.cnn-layer[data-index="1"]')
    expect(relu.locator(".cnn-desc")).to_have_text("ReLU")  # the API's "relu" in English
    expect(relu.locator(".cnn-formulas")).to_have_text("形状与输入相同（逐元素运算）")
    # A pooling window that does not divide its map: the sentences under it change.
    size = page.locator('[data-focus="2.size"]')
    size.fill("8")
    size.press("Enter")
    pool = page.locator('.cnn-layer[data-index="2"] .cnn-layer-info')
    expect(pool).to_contain_text("不是整数：最后一个窗口会超出边界")
    expect(pool).to_contain_text("20/8 + 1 = 3.5 → 向下取整 → 3")
    expect(pool).to_contain_text("4 个通道各自独立池化")
    expect(pool).to_contain_text("没有任何窗口经过的输入行：24, 25, 26, 27。")
    wait_url(page, lambda url: "maxpool_8" in url)
    size.fill("4")
    size.press("Enter")
    wait_url(page, lambda url: "maxpool_4" in url)
    # A refused batch size: the sentence next to the control says what training still uses.
    batch = page.locator("#cnn-batch")
    batch.fill("0")
    batch.press("Enter")
    expect(page.locator("#cnn-train-controls .field-error")).to_contain_text("训练仍使用 64。")
    # Train, pause, one step: the status line, buttons, charts and checks are Chinese.
    status = page.locator("#cnn-status")
    expect(status).to_contain_text("第 0 步：按“训练”或“训练一个批量”")
    play = page.locator("#cnn-play")
    play.click()
    expect(play).to_have_text("❚❚ 暂停")
    expect(status).to_contain_text("的测试准确率", timeout=60_000)  # past the first evaluation
    play.click()
    expect(play).to_have_text("▶ 训练")
    page.click("#cnn-step")
    expect(status).to_contain_text(re.compile(r"^第 \d+ 步（第 [\d.]+ 轮） · 损失 "))
    expect(page.locator("#cnn-initial")).to_contain_text("第一个批量上的初始损失：2.079")
    expect(page.locator("#cnn-loss .plot-legend")).to_contain_text("每个批量的损失")
    expect(page.locator("#cnn-loss-note")).to_contain_text("对数坐标。第一个批量的损失为")
    expect(page.locator("#cnn-acc-note")).to_contain_text("每 25 步在训练集和测试集的固定子集上")
    expect(page.locator("#cnn-filters-note")).to_contain_text("第 0 层在第")
    expect(page.locator("#cnn-stats thead")).to_contain_text("死亡单元")
    expect(page.locator('#cnn-stats tr[data-layer="0"] td').nth(1)).to_have_text("卷积层")
    # Another evaluation interval, chosen by its Chinese option.
    page.select_option("#cnn-eval", "50")
    expect(page.locator("#cnn-eval option:checked")).to_have_text("50 步")
    # The gradient check, in the table's and the summary's words.
    page.click("#cnn-gc-run")
    expect(page.locator("#cnn-gc-summary")).to_contain_text("第 0 步，损失 2.079", timeout=30_000)
    expect(page.locator("#cnn-gc-table thead")).to_contain_text("误差最大的元素：解析梯度 a")
    first = page.locator("#cnn-gc-table tbody tr").first
    expect(first.locator("td").nth(1)).to_have_text("权重")
    # The verdict: its label in Chinese, the row's class from its fixed key (the colour).
    expect(first.locator("td.verdict")).to_have_text(re.compile("^(正确|可以接受)$"))
    expect(first).to_have_class(re.compile(r"\bverdict-(right|fine)\b"))
    expect(page.locator("#cnn-gc-summary")).to_contain_text(re.compile("（(正确|可以接受)）"))
    expect(page.locator("#cnn-gc-meaning li").first).to_have_text(
        "正确（不超过 1e-7）：解析梯度与中心差分一致"
    )
    expect(page.locator("#cnn-of-intro")).to_contain_text("只在 20 个训练样本上训练同一个网络")
    expect(page.locator("#cnn-cmp-note")).to_contain_text("每个优化器第 1 步的损失都相同")
    assert_no_english_sentence(page)
    assert console_errors == []


def test_inside_the_network_in_chinese(page, live_server, console_errors):
    page.set_viewport_size({"width": 1400, "height": 900})
    open_zh(page, live_server, TINY + "&ev=25&opt=adam:lr=0.003&step=30")
    example = page.locator("#cnn-in-example")
    expect(example).to_contain_text("测试样本 0：真实类别", timeout=90_000)
    expect(example).to_contain_text("预测为")
    expect(page.locator("#cnn-in-status")).to_have_text("第 30 步时的网络。")
    expect(page.locator("#cnn-in-layers-note")).to_contain_text(
        "前向传播：按层的顺序显示每一层的输出"
    )
    expect(page.locator('.cnn-in-layer[data-layer="0"] .cnn-in-min')).to_contain_text("最小值")
    # A conv cell's arithmetic and a kernel weight's gradient, written out in Chinese.
    click_map_cell(page, 0, 29 + 12, 14, 57, 57)
    arith = page.locator("#cnn-in-arith")
    expect(arith).to_contain_text("第 0 层（")
    expect(arith).to_contain_text("输入通道 0")
    expect(arith).to_contain_text("填充后输入的窗口：第 ")
    arith.locator('td[data-weight="2,0,1,2"]').click()
    grad = page.locator("#cnn-in-grad")
    expect(grad).to_contain_text("dL/dw[2, 0, 1, 2] = 对所有输出位置 (i, j) 求和")
    expect(grad).to_contain_text("优化器对它的下一步：Adam，t = 31")
    expect(grad.locator(".optim-table thead")).to_contain_text("含义")
    # Backward: the note and the captions change.
    page.click("#cnn-in-backward")
    expect(page.locator("#cnn-in-layers-note")).to_contain_text("反向传播：dL/dy")
    expect(page.locator("#cnn-in-layers figure").first).to_contain_text("输入：dL/dx")
    # The confusion matrix and its cells.
    note = page.locator("#cnn-in-confusion-note")
    expect(note).to_contain_text("训练时用于评估的 1000 个固定测试样本")
    expect(page.locator("#cnn-in-confusion thead")).to_contain_text("真实 ↓ · 预测 →")
    page.locator("#cnn-in-confusion td.cnn-in-count").first.click()
    expect(page.locator("#cnn-in-cell-note")).to_contain_text("被预测为")
    # A bad index is refused in Chinese.
    page.fill("#cnn-in-index", "5000")
    page.click("#cnn-in-show")
    expect(page.locator("#cnn-in-index-error")).to_have_text("序号必须是 0 到 1999 之间的整数。")
    assert_no_english_sentence(page)
    assert console_errors == []


def test_english_stays_english(page, live_server, console_errors):
    page.goto(f"{live_server}/cnn{TINY.replace('lang=zh', 'lang=en')}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#cnn-net-summary")).to_have_text(
        "5 layers, 1,616 parameters: 1×28×28 in, 8 class scores out (softmax cross-entropy)."
    )
    option = page.locator('.cnn-layer[data-index="0"] .cnn-option span').first
    expect(option).to_have_text("filters")
    expect(page.locator("#cnn-status")).to_contain_text("Step 0: press Train")
    assert console_errors == []
