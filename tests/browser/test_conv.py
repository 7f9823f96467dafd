"""/conv in real Chromium: stepping, the arithmetic equals the API's numbers, URL state, errors."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url


def open_conv(page, live_server, query=""):
    with page.expect_response(re.compile(r"/api/conv2d$")) as info:
        page.goto(f"{live_server}/conv{query}")
    body = info.value.json()
    expect(page.locator(".tl-readout")).to_contain_text(f"/ {len(body['steps'])}")
    return body


def test_default_view_is_the_cs231n_demo(page, live_server, console_errors):
    body = open_conv(page, live_server)
    assert body["output_shape"] == [2, 3, 3]
    expect(page.locator("#conv-input-dims")).to_have_text("5×5×3, padded to 7×7×3")
    expect(page.locator("#conv-output-dims")).to_have_text("3×3×2")
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 18")
    expect(page.locator("#conv-formula-h")).to_contain_text("(5 + 2·1 - 1·(3 - 1) - 1) / 2 + 1")
    # The window is drawn on every channel: 9 cells × 3 channels.
    expect(page.locator("#conv-input .cell.hl-window")).to_have_count(27)
    assert console_errors == []


def test_stepping_shows_the_apis_numbers(page, live_server, console_errors):
    body = open_conv(page, live_server)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 3 / 18")
    step = body["steps"][2]
    arith = page.locator("#conv-arith")
    expect(arith).to_contain_text(f"output o[{step['row']}, {step['col']}, {step['filter']}]")
    total = arith.locator(".total")

    def shown(value):
        return str(int(value)) if float(value).is_integer() else str(value)

    expect(total).to_have_text(shown(step["value"]))
    partials = arith.locator(".partial")
    expect(partials).to_have_count(3)
    for i, value in enumerate(step["channel_sums"]):
        expect(partials.nth(i)).to_have_text(shown(value))
    current = page.locator("#conv-output .cell.hl-current")
    expect(current).to_have_text(shown(body["output"][step["filter"]][step["row"]][step["col"]]))
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 18")
    wait_url(page, lambda url: "step=1" in url)
    assert console_errors == []


def test_scrub_and_play(page, live_server):
    open_conv(page, live_server)
    slider = page.locator(".tl-slider")
    slider.fill("17")
    expect(page.locator(".tl-readout")).to_have_text("step 18 / 18")
    expect(page.locator("#conv-output .cell.hl-pending")).to_have_count(0)
    page.locator(".tl-button", has_text="|◀").click()
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 18")
    page.locator("body").press(" ")
    expect(page.locator(".tl-readout")).not_to_have_text("step 1 / 18", timeout=5000)


def test_a_copied_url_reopens_the_same_view(page, live_server, context):
    open_conv(page, live_server, "?h=6&w=7&c=2&f=3&k=3&s=2&p=0&d=1&seed=42")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.locator("#conv-output .grid").nth(1).locator(".cell").first.click()
    expect(page.locator("#conv-output .cell.hl-pin")).to_have_count(1)
    url = page.url
    readout = page.locator(".tl-readout").inner_text()
    arithmetic = page.locator("#conv-arith").inner_text()
    other = context.new_page()
    with other.expect_response(re.compile(r"/api/conv2d$")):
        other.goto(url)
    expect(other.locator(".tl-readout")).to_have_text(readout)
    assert other.locator("#conv-arith").inner_text() == arithmetic
    expect(other.locator("#conv-output .cell.hl-pin")).to_have_count(1)
    expect(other.locator("#conv-input-dims")).to_have_text("6×7×2, padded to 6×7×2")


def test_hover_shows_receptive_field_and_feeds(page, live_server):
    open_conv(page, live_server)
    page.locator("#conv-output .grid").first.locator(".cell").nth(4).hover()
    expect(page.locator("#conv-input .cell.hl-field")).to_have_count(27)
    # Input cell (1, 1) of the padded grid (the first real pixel) feeds output (0, 0) only.
    page.locator("#conv-input .grid").first.locator('.cell[data-r="1"][data-c="1"]').hover()
    expect(page.locator("#conv-output .cell.hl-feeds")).to_have_count(2)  # both feature maps


def test_leftover_border_is_explained(page, live_server):
    open_conv(page, live_server, "?h=7&w=7&c=1&f=1&k=3&s=3&p=0&d=1")
    note = page.locator("#conv-fit-note")
    expect(note).to_contain_text("4 / 3 is not a whole number")
    expect(note).to_contain_text("never visited by any window: 6")
    expect(note).to_contain_text("padding 1")
    expect(page.locator("#conv-formula-w")).to_contain_text("floor → 2")
    expect(page.locator("#conv-input .cell.hl-unvisited")).to_have_count(13)


def test_a_kernel_that_does_not_fit_is_explained_inline(page, live_server, console_errors):
    open_conv(page, live_server)
    kernel = page.locator('input[name="k"]')
    kernel.fill("7")
    padding = page.locator('input[name="p"]')
    with page.expect_response(re.compile(r"/api/conv2d$")) as info:
        kernel.dispatch_event("change")
    assert info.value.status == 200  # 5 + 2·1 = 7: a 7×7 kernel still fits
    padding.fill("0")
    with page.expect_response(re.compile(r"/api/conv2d$")) as info:
        padding.dispatch_event("change")
    assert info.value.status == 422
    # Said once, next to the control just changed, in words (no status code, no field path).
    message = page.locator(".field-error:not(:empty)")
    expect(message).to_have_count(1)
    expect(message).to_have_text(
        "This combination does not work. The kernel spans 7 cells, more than the padded input "
        "height 5 + 2·0 = 5."
    )
    beside = "e => e.previousElementSibling.contains(document.querySelector('[name=p]'))"
    assert message.evaluate(beside)
    expect(padding).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#conv-error")).to_be_empty()
    expect(page.locator("#conv-input .grid")).to_have_count(3)  # the input is still drawn
    padding.fill("1")
    padding.dispatch_event("change")
    expect(message).to_have_count(0)
    expect(padding).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#conv-output-dims")).to_have_text("1×1×2")
    assert not [e for e in console_errors if "422" not in e]


def test_editing_a_value_recomputes(page, live_server):
    body = open_conv(page, live_server, "?c=1&f=1&s=1&p=0&h=3&w=3&k=3&seed=5")
    first = page.locator("#conv-input .grid").first.locator(".cell").first
    old = float(first.inner_text())
    weight = float(page.locator("#conv-filters .grid").first.locator(".cell").first.inner_text())
    page.get_by_label("Edit values").check()
    wait_url(page, lambda url: "edit=1" in url)
    first.click()
    editor = page.locator(".cell-input")
    editor.fill("10")
    with page.expect_response(re.compile(r"/api/conv2d$")) as info:
        editor.press("Enter")
    new = info.value.json()
    wait_url(page, lambda url: "x.0.0.0%3D10" in url or "x.0.0.0=10" in url)
    # One output, one changed input: the output moves by (new - old) · its weight.
    assert new["output"][0][0][0] == body["output"][0][0][0] + (10 - old) * weight
    expect(first).to_have_text("10")
