"""/conv-transpose in real Chromium: both views stepped, the arithmetic equals the API's numbers,
the formula, the output-padding rule as a sentence, the URL round trip, projector and phone."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url

API = re.compile(r"/api/conv_transpose2d$")


def open_page(page, live_server, query=""):
    with page.expect_response(API) as info:
        page.goto(f"{live_server}/conv-transpose{query}")
    body = info.value.json()
    expect(page.locator("#ct-output .cell").first).to_be_visible()
    return body


def shown(value):
    """A number as the grids and the arithmetic write it (grid.js's defaultFormat)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else str(round(value, 2))


def test_the_default_is_the_guide_s_two_by_two_to_five_by_five(page, live_server, console_errors):
    body = open_page(page, live_server)
    assert body["output_shape"] == [1, 5, 5]
    expect(page.locator("#ct-output-dims")).to_have_text("F×H_out×W_out = 1×5×5")
    expect(page.locator("#ct-output .cell")).to_have_count(25)
    expect(page.locator("#ct-input .cell")).to_have_count(4)
    formula = body["size"]["height"]["formula"]
    assert formula == "(2 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = 5"
    expect(page.locator("#ct-formula-h")).to_have_text(f"Output height: {formula}")
    expect(page.locator("#ct-formula-w")).to_contain_text("= 5")
    expect(page.locator("#ct-op-rule")).to_contain_text(
        "output padding (0) must be smaller than the stride (2) or the dilation (1)"
    )
    expect(page.locator("#ct-preset")).to_have_value("classic")
    expect(page.locator("#ct-preset-note")).to_contain_text("5×5")
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 5")  # 4 stamps and the crop
    assert console_errors == []


def test_the_scatter_steps_write_out_the_apis_running_sums(page, live_server, console_errors):
    body = open_page(page, live_server)
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 5")
    step = body["steps"][1]
    arith = page.locator("#ct-arith")
    expect(arith).to_contain_text(f"input x[0, 0, 1] = {shown(step['value'])} stamps")
    totals = arith.locator(".ct-tap .total")
    expect(totals).to_have_count(9)
    assert totals.all_inner_texts() == [shown(v) for v in step["after"][0]]
    first = arith.locator(".ct-tap").first
    r, c = step["canvas_cells"][0]
    expect(first).to_contain_text(f"[{r}, {c}]: {shown(step['before'][0][0])} + ")
    expect(page.locator("#ct-canvas .cell.hl-window")).to_have_count(9)
    expect(page.locator("#ct-output .cell.hl-pending")).to_have_count(25)  # cropped at the end
    # the last step crops the padding and adds the bias: the output's own numbers
    page.keyboard.press("End")
    expect(page.locator(".tl-readout")).to_have_text("step 5 / 5")
    expect(arith).to_contain_text("crop and add the bias")
    crop = arith.locator(".ct-crop .total")
    expect(crop).to_have_count(25)
    assert crop.all_inner_texts() == [shown(v) for row in body["output"][0] for v in row]
    expect(page.locator("#ct-output .cell.hl-pending")).to_have_count(0)
    cells = page.locator("#ct-output .cell").all_inner_texts()
    assert cells == [shown(v) for row in body["output"][0] for v in row]
    wait_url(page, lambda url: "step=4" in url)
    assert console_errors == []


def test_a_canvas_cell_lists_every_stamp_on_it(page, live_server):
    body = open_page(page, live_server, "?step=4")
    page.locator("#ct-canvas .cell").nth(2 * 5 + 2).hover()  # the middle: four stamps overlap
    arith = page.locator("#ct-arith")
    expect(arith).to_contain_text("Canvas cell [2, 2]")
    expect(arith.locator(".ct-stamp")).to_have_count(4)
    taps = [8, 6, 2, 0]  # each of the four input cells' tap that lands on [2, 2]
    products = [step["products"][0][tap] for step, tap in zip(body["steps"], taps, strict=True)]
    assert arith.locator(".ct-stamp .partial").all_inner_texts() == [shown(p) for p in products]
    expect(arith.locator(".total").first).to_have_text(shown(body["canvas"]["values"][0][2][2]))


def test_the_direct_view_steps_the_stuffed_input(page, live_server, console_errors):
    body = open_page(page, live_server)
    page.get_by_label("The equivalent direct convolution").check()
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 25")
    expect(page.locator("#ct-scatter")).to_be_hidden()
    expect(page.locator("#ct-stuffed .cell")).to_have_count(49)  # 3×3 stuffed, a border of 2
    expect(page.locator("#ct-stuffed .cell.hl-ct-zero")).to_have_count(5)
    expect(page.locator("#ct-view-note")).to_contain_text("a border of d(k − 1) − p = 2 rows")
    page.locator("h1").click()  # the radio button keeps its own arrows
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 7 / 25")
    step = body["direct"]["steps"][6]
    arith = page.locator("#ct-arith")
    expect(arith).to_contain_text(f"output o[0, {step['row']}, {step['col']}]")
    expect(arith.locator(".partial")).to_have_text([shown(v) for v in step["channel_sums"]])
    expect(arith.locator(".total")).to_have_text(shown(step["value"]))
    current = page.locator("#ct-output .cell.hl-current")
    expect(current).to_have_text(shown(body["output"][0][step["row"]][step["col"]]))
    expect(page.locator("#ct-stuffed .cell.hl-window")).to_have_count(9)
    # the flipped kernel is the API's
    flipped = page.locator("#ct-flipped .cell").all_inner_texts()
    assert flipped == [shown(v) for row in body["direct"]["weights"][0][0] for v in row]
    # tapping an output cell jumps to its step
    page.locator("#ct-output .cell").nth(24).click()
    expect(page.locator(".tl-readout")).to_have_text("step 25 / 25")
    wait_url(page, lambda url: "view=direct" in url and "step=24" in url)
    assert console_errors == []


def test_output_padding_not_below_the_stride_is_a_sentence_by_its_control(page, live_server):
    open_page(page, live_server)
    field = page.locator('input[name="op"]')
    with page.expect_response(API) as info:
        field.fill("2")
        field.press("Tab")
    assert info.value.status == 422
    error = page.locator("#ct-error-op")
    expect(error).to_have_text(
        "Output padding (2) must be smaller than the stride (2) or the dilation (1): it only picks "
        "one of the output sizes a strided convolution could have come from."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ct-op-rule")).to_contain_text("it is not")
    expect(page.locator("#ct-output")).to_contain_text("No output")
    assert "422" not in page.locator("main").inner_text()
    # a bigger stride makes it legal again
    stride = page.locator('input[name="s"]')
    with page.expect_response(API):
        stride.fill("3")
        stride.press("Tab")
    expect(error).to_be_hidden()
    expect(page.locator("#ct-formula-h")).to_contain_text("(2 − 1)·3 − 2·0 + 1·(3 − 1) + 2 + 1 = 8")
    # out of the control's range: said before asking the API
    field.fill("9")
    field.press("Tab")
    expect(error).to_have_text("Output padding must be a whole number from 0 to 3.")


def test_the_checkerboard_preset_shows_uneven_overlap_counts(page, live_server):
    open_page(page, live_server)
    with page.expect_response(API) as info:
        page.locator("#ct-preset").select_option("checkerboard")
    body = info.value.json()
    assert body["output_shape"] == [1, 9, 9]
    assert {v for row in body["output"][0] for v in row} == {1.0, 2.0, 4.0}
    expect(page.locator("#ct-preset-note")).to_contain_text("checkerboard artefact")
    expect(page.locator("#ct-output .cell").nth(2 * 9 + 2)).to_have_text("4")
    expect(page.locator("#ct-output .cell").nth(0)).to_have_text("1")


def test_a_copied_url_reopens_the_same_view(page, live_server, context):
    query = "?h=3&w=2&c=2&f=2&k=3&s=2&p=1&op=1&d=1&seed=5&fill=seeded&view=direct&step=7"
    body = open_page(page, live_server, query)
    assert body["output_shape"] == [2, 6, 4]
    expect(page.locator(".tl-readout")).to_have_text(f"step 8 / {2 * 6 * 4}")
    page.keyboard.press("ArrowRight")
    url = page.url
    arithmetic = page.locator("#ct-arith").inner_text()
    other = context.new_page()
    with other.expect_response(API):
        other.goto(url)
    expect(other.locator(".tl-readout")).to_have_text(f"step 9 / {2 * 6 * 4}")
    assert other.locator("#ct-arith").inner_text() == arithmetic
    for name, value in [("h", "3"), ("op", "1"), ("seed", "5")]:
        expect(other.locator(f'input[name="{name}"]')).to_have_value(value)
    expect(other.get_by_label("The equivalent direct convolution")).to_be_checked()


def test_keys_stay_with_a_focused_control(page, live_server):
    open_page(page, live_server, "?view=direct")
    page.locator('input[name="h"]').focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 25")
    # an output grid is one tab stop; its arrows move between its cells, not the timeline
    cells = page.locator("#ct-output .cell")
    assert page.locator('#ct-output .cell[tabindex="0"]').count() == 1
    cells.first.focus()
    page.keyboard.press("ArrowRight")
    expect(cells.nth(1)).to_be_focused()
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 25")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 25")


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_projector_mode_at_1024_by_768(page, live_server, console_errors):
    page.set_viewport_size({"width": 1024, "height": 768})
    body = open_page(page, live_server, "?large=1")
    expect(page.locator("html")).to_have_class("large")
    no_sideways_scroll(page, 1024)
    page.keyboard.press("ArrowRight")
    totals = page.locator("#ct-arith .ct-tap .total")
    assert totals.all_inner_texts() == [shown(v) for v in body["steps"][1]["after"][0]]
    page.get_by_label("The equivalent direct convolution").check()
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 25")
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    second = body["direct"]["steps"][1]
    expect(page.locator("#ct-arith .total")).to_have_text(shown(second["value"]))
    no_sideways_scroll(page, 1024)
    assert console_errors == []


def test_phone_at_390_by_844(page, live_server, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, live_server)
    no_sideways_scroll(page, 390)
    with page.expect_response(API):
        page.locator("#ct-preset").select_option("checkerboard")
    expect(page.locator("#ct-output .cell")).to_have_count(81)
    no_sideways_scroll(page, 390)
    page.get_by_label("The equivalent direct convolution").check()
    expect(page.locator("#ct-stuffed .cell").first).to_be_visible()
    no_sideways_scroll(page, 390)
    page.locator(".tl-button", has_text="Next").click()
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 81")
    assert console_errors == []


def test_the_lesson_is_in_the_nav_and_on_the_home_page(page, live_server):
    page.goto(live_server + "/")
    card = page.locator('.lesson-cards a[href="./conv-transpose"]')
    expect(card).to_contain_text("Transposed convolution")
    expect(card).to_contain_text("转置卷积")
    nav = page.locator('.site-nav a[href="./conv-transpose"]')
    expect(nav).to_have_text("Transposed convolution 转置卷积")
    with page.expect_response(API):
        nav.click()
    expect(page.locator("h1")).to_have_text("Transposed convolution 转置卷积")
    expect(nav).to_have_attribute("aria-current", "page")


def test_an_edited_value_is_sent_and_written_out(page, live_server):
    open_page(page, live_server)
    page.get_by_label("Edit values").check()
    cell = page.locator("#ct-input .cell").first
    assert page.locator('#ct-input .cell[tabindex="0"]').count() == 1  # one tab stop per grid
    cell.click()
    editor = page.locator("#ct-input .cell-input")
    editor.fill("7")
    with page.expect_response(API) as info:
        editor.press("Enter")
    body = info.value.json()
    assert body["steps"][0]["value"] == 7.0
    wait_url(page, lambda url: "edits=x.0.0.0%3D7" in url)
    expect(page.locator("#ct-arith")).to_contain_text("input x[0, 0, 0] = 7 stamps")
    expect(page.locator("#ct-preset")).to_have_value("")  # a custom view now


def test_a_preset_after_a_refusal_shows_its_own_settings(page, live_server):
    with page.expect_response(API):
        page.goto(f"{live_server}/conv-transpose?op=2")
    expect(page.locator("#ct-error-op")).to_contain_text("must be smaller than the stride")
    with page.expect_response(API):
        page.locator("#ct-preset").select_option("output_padding")
    expect(page.locator('input[name="op"]')).to_have_value("1")
    expect(page.locator("#ct-error-op")).to_be_hidden()
    expect(page.locator("#ct-output-dims")).to_have_text("F×H_out×W_out = 1×6×6")


def test_a_tapped_cell_keeps_its_stamps_on_a_touch_screen(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        open_page(page, live_server, "?step=4")
        page.locator("#ct-output .cell").nth(2 * 5 + 2).tap()
        arith = page.locator("#ct-arith")
        expect(arith).to_contain_text("Canvas cell [2, 2]")
        # a lifted touch "leaves" the grid (Pointer Events), which emulation does not send itself
        page.locator("#ct-output .grid").dispatch_event("pointerleave")
        expect(arith).to_contain_text("Canvas cell [2, 2]")
        expect(arith.locator(".ct-stamp")).to_have_count(4)
        page.locator(".tl-button", has_text="Back").tap()
        expect(arith).to_contain_text("Step 4 of 5")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
