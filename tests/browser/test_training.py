"""/training in real Chromium: initialisation schemes, batch-norm edits and numbers, URL state."""

import math
import re

import pytest
from playwright.sync_api import expect

from tests.browser.urls import wait_url


def open_training(page, live_server, query=""):
    page.goto(f"{live_server}/training{query}")
    expect(page.locator("#init-readout tbody tr")).to_have_count(5)
    expect(page.locator("#bn-arith-xhat")).to_be_visible()


def std_of(page, scheme):
    return float(page.locator(f'#init-readout tr[data-scheme="{scheme}"] td').nth(1).inner_text())


def test_default_view_shows_small_weights_collapsing(page, live_server, console_errors):
    open_training(page, live_server)
    expect(page.locator("#init-status")).to_have_text(
        re.compile(r"^Layer 7 std = [0-9.]+e-5 with 0\.01·randn \(tanh\)\.$")
    )
    expect(page.locator("#init-hists figure")).to_have_count(10)
    expect(page.locator("#init-hists figure.selected")).to_have_attribute("data-layer", "7")
    assert std_of(page, "small") < 1e-4
    assert std_of(page, "xavier") > 0.2
    assert std_of(page, "zeros") == 0
    expect(page.locator("#init-explain")).to_contain_text("collapse towards zero")
    assert console_errors == []


def test_changing_scheme_activation_and_layer(page, live_server, console_errors):
    open_training(page, live_server)
    page.select_option("#init-scheme", "he")
    page.select_option("#init-act", "relu")
    expect(page.locator("#init-status")).to_have_text(
        re.compile(r"^Layer 7 std = 0\.\d+ with He √\(2/n\) \(ReLU\)\.$")
    )
    assert 0.4 < std_of(page, "he") < 1.5
    expect(page.locator("#init-readout tr.selected")).to_have_attribute("data-scheme", "he")
    page.locator('#init-hists figure[data-layer="3"] canvas').click()
    expect(page.locator("#init-caption")).to_contain_text("Layer 3 of 10")
    page.locator('#init-hists figure[data-layer="9"] canvas').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#init-caption")).to_contain_text("Layer 9 of 10")
    wait_url(page, lambda url: "scheme=he" in url and "act=relu" in url and "il=9" in url)
    page.select_option("#init-scheme", "zeros")
    expect(page.locator("#init-explain")).to_contain_text("symmetry is never broken")
    assert console_errors == []


def test_editing_a_cell_updates_mean_and_x_hat(page, live_server, console_errors):
    open_training(page, live_server, "?n=2&d=1")
    cell = page.locator('#bn-input input[data-key="x.0.0"]')
    cell.fill("1")
    cell.press("Enter")
    page.locator('#bn-input input[data-key="x.1.0"]').fill("3")
    page.locator('#bn-input input[data-key="x.1.0"]').press("Tab")
    expect(page.locator("#bn-mean td")).to_have_text(["2"])
    expect(page.locator("#bn-var td")).to_have_text(["1"])
    xhat = -1 / math.sqrt(1 + 1e-5)
    expect(page.locator("#bn-arith-mean")).to_have_text("μ_1 = (1 + 3) / 2 = 2")
    expect(page.locator("#bn-arith-xhat")).to_have_text(
        "x̂_1,1 = (x_1,1 − μ_1) / √(σ²_1 + ε) = (1 − 2) / √(1 + 0.00001) = -1 / 1.000005 = -0.999995"
    )
    assert f"{xhat:.6f}" == "-0.999995"
    expect(page.locator("#bn-arith-wrong")).to_contain_text("(1 − 1) / 1.000005 = 0")
    wait_url(page, lambda url: "ed=x.0.0%3D1%3Bx.1.0%3D3" in url)
    assert console_errors == []


def test_picking_a_cell_and_the_backward_pass(page, live_server, console_errors):
    open_training(page, live_server, "?grad=ones")
    page.locator('#bn-output td[data-i="2"][data-j="1"][data-kind="y"]').click()
    expect(page.locator("#bn-cell-name")).to_have_text("row 3, feature 2")
    expect(page.locator("#bn-arith-y")).to_contain_text("y_3,2 = γ_2 · x̂_3,2 + β_2")
    expect(page.locator("#bn-dbeta td")).to_have_text(["4", "4", "4"])
    expect(page.locator("#bn-dgamma td")).to_have_text(["0", "0", "0"])
    expect(page.locator("#bn-arith-dx")).to_contain_text(") = 0   (g = dL/dy")
    page.select_option("#bn-controls select[name=grad]", "seeded")
    expect(page.locator("#bn-backward-note")).to_contain_text("each column of dx sums to 0")
    # The written-out dx of the picked cell is the table's dx (row 3, feature 2: 4th column).
    table_dx = float(page.locator("#bn-backward tbody tr").nth(2).locator("td").nth(3).inner_text())
    line = page.locator("#bn-arith-dx").inner_text()
    written = float(re.search(r"\) = (-?[0-9.e-]+) {3}\(g = dL/dy", line).group(1))
    assert written == pytest.approx(table_dx, rel=1e-3, abs=1e-9)
    assert console_errors == []


def test_url_reproduces_the_view_and_bad_input_is_explained(page, live_server, console_errors):
    query = "?scheme=xavier&act=tanh&layers=6&width=250&il=4&n=3&d=2&bseed=5&ed=g.1%3D3&ci=1&cj=1"
    open_training(page, live_server, query)
    expect(page.locator("#init-caption")).to_contain_text("Layer 4 of 6 (tanh, n = 250")
    first = page.locator("#init-status").text_content()
    arith = page.locator("#bn-arith").text_content()
    expect(page.locator('#bn-input input[data-key="g.1"]')).to_have_value("3")
    assert "y_2,2 = γ_2 · x̂_2,2 + β_2 = 3 ·" in arith
    page.reload()
    expect(page.locator("#init-status")).to_have_text(first)
    expect(page.locator("#bn-arith")).to_have_text(arith)
    # A server-side refusal shows inline: 20 layers of 1000 units on 500 samples is too much work.
    page.select_option("#init-controls select[name=width]", "1000")
    page.locator("#init-controls input[name=layers]").fill("20")
    page.locator("#init-controls input[name=layers]").dispatch_event("change")
    expect(page.locator("#init-error")).to_contain_text("over the limit")
    expect(page.locator("#init-results")).to_have_class("tr-stale")
    # Chromium logs every 4xx response as a console error; anything else would be a bug.
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_initial_loss_check(page, live_server, console_errors):
    open_training(page, live_server)
    expect(page.locator("#check-loss")).to_have_text("expected initial loss ≈ ln(10) = 2.303")
    page.locator("#check-classes").fill("1000")
    page.locator("#check-classes").press("Enter")
    expect(page.locator("#check-loss")).to_have_text("expected initial loss ≈ ln(1000) = 6.908")
    wait_url(page, lambda url: "classes=1000" in url)
    assert console_errors == []
