"""/training in Chinese (lang=zh): the sentences the page builds as the learner steps and edits."""

import re

from playwright.sync_api import expect

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def real_errors(console_errors):
    """Chromium logs every 503 as a console error; a busy worker's 503 is retried by api.js."""
    return [e for e in console_errors if "status of 503" not in e]


LOAD = 60_000  # ms: the API runs five 10-layer networks per change; generous on a shared machine


def open_zh(page, live_server, query=""):
    page.goto(f"{live_server}/training?lang=zh{'&' + query if query else ''}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#init-readout tbody tr")).to_have_count(5, timeout=LOAD)
    expect(page.locator("#bn-arith-xhat")).to_be_visible(timeout=LOAD)


def test_initialisation_speaks_chinese_while_the_scheme_and_layer_change(
    page, live_server, console_errors
):
    open_zh(page, live_server)
    expect(page.locator("h1")).to_contain_text("训练之前与训练之中")
    expect(page.locator("#init-status")).to_have_text(
        re.compile(r"^使用 .+（tanh）时，第 7 层的标准差 = [0-9.]+e-5。$")
    )
    expect(page.locator("#init-formula")).to_contain_text("每个权重的标准差为 0.01（n = 500）")
    expect(page.locator("#init-explain")).to_contain_text("激活值逐层向 0 塌缩")
    expect(page.locator("#init-controls label").first).to_contain_text("初始化方案")
    expect(page.locator("#init-readout thead th")).to_have_text(
        ["层", "均值", "标准差", "神经元之间的离散度", "|h| > 0.99"]
    )

    page.select_option("#init-scheme", "he")
    page.select_option("#init-act", "relu")
    expect(page.locator("#init-status")).to_have_text(
        re.compile(r"^使用 .+（ReLU）时，第 7 层的标准差 = 0\.\d+。$"), timeout=LOAD
    )
    expect(page.locator("#init-explain")).to_contain_text("He（Kaiming）初始化是 PyTorch 中")
    page.locator('#init-hists figure[data-layer="3"] canvas').click()
    expect(page.locator("#init-caption")).to_contain_text("第 3 层 / 共 10 层（ReLU，n = 500")

    page.select_option("#init-scheme", "zeros")
    explain = page.locator("#init-explain")
    expect(explain).to_contain_text("对称性永远不会被打破", timeout=LOAD)
    assert LATIN_WORD.search(explain.inner_text()) is None
    assert real_errors(console_errors) == []


def test_batch_norm_arithmetic_and_notes_in_chinese(page, live_server, console_errors):
    open_zh(page, live_server, "grad=ones")
    page.locator('#bn-output td[data-i="2"][data-j="1"][data-kind="y"]').click()
    expect(page.locator("#bn-cell-name")).to_have_text("第 3 行、特征 2")
    expect(page.locator("#bn-arith-y")).to_contain_text("y_3,2 = γ_2 · x̂_3,2 + β_2")
    expect(page.locator("#bn-arith-wrong")).to_have_text(
        re.compile(r"^✗ 讲义：\(x_3,2 − σ_2\) / .+（错误：减去的是 σ 而不是 μ）$")
    )
    expect(page.locator("#bn-arith-dx")).to_have_text(
        re.compile(r"^反向传播：dx_3,2 = .+ = 0   （g = dL/dy；Σ g = dβ，Σ g·x̂ = dγ）$")
    )
    expect(page.locator("#bn-backward-note")).to_contain_text("只有 dβ = N")
    expect(page.locator("#bn-input thead th")).to_have_text(["", "特征 1", "特征 2", "特征 3"])
    expect(page.locator("#bn-mean th")).to_have_text("μ（均值）")
    expect(page.locator("#bn-run-mean th")).to_have_text("滑动均值")
    expect(page.locator("#bn-test")).to_contain_text("σ²·N/(N − 1) = σ²·4/3")

    page.select_option("#bn-controls select[name=grad]", "seeded")
    expect(page.locator("#bn-backward-note")).to_contain_text("dx 的每一列之和为 0")

    # A cell left empty is refused in Chinese next to it; the numbers stay.
    cell = page.locator('#bn-input input[data-key="x.0.0"]')
    cell.fill("")
    cell.press("Enter")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("这个单元格是空的：请输入一个数，例如 1.5。")).to_be_visible()
    assert real_errors(console_errors) == []


def test_initial_loss_check_in_chinese(page, live_server, console_errors):
    open_zh(page, live_server)
    expect(page.locator("#check-loss")).to_have_text("预期的初始损失 ≈ ln(10) = 2.303")
    page.locator("#check-classes").fill("1000")
    page.locator("#check-classes").press("Enter")
    expect(page.locator("#check-loss")).to_have_text("预期的初始损失 ≈ ln(1000) = 6.908")
    assert real_errors(console_errors) == []
