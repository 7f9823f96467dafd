"""/pooling in real Chromium: stepping, arithmetic equal to the API's numbers, URL state, errors."""

import re

from playwright.sync_api import expect

from tests.browser.urls import wait_url


def open_pooling(page, live_server, query=""):
    with page.expect_response(re.compile(r"/api/pool2d$")) as info:
        page.goto(f"{live_server}/pooling{query}")
    body = info.value.json()
    expect(page.locator(".tl-readout")).to_contain_text(f"/ {len(body['steps'])}")
    return body


def shown(value):
    return str(int(value)) if float(value).is_integer() else str(round(value, 2))


def test_default_view_steps_through_max_pooling(page, live_server, console_errors):
    body = open_pooling(page, live_server)
    assert body["output_shape"] == [1, 2, 2]
    expect(page.locator("#pool-formula-h")).to_have_text(
        "Output height: (4 + 2·0 − 2) / 2 + 1 = 2/2 + 1 = 2"
    )
    expect(page.locator("#pool-fit-note")).to_contain_text("defaults to the window size (2)")
    expect(page.locator("#pool-input .cell.hl-window")).to_have_count(4)
    arith = page.locator("#pool-arith")
    for index in range(4):
        step = body["steps"][index]
        expect(page.locator(".tl-readout")).to_have_text(f"step {index + 1} / 4")
        values = ", ".join(shown(v) for v in step["values"])
        expect(arith).to_contain_text(f"max({values}) = {shown(step['value'])}")
        r, c = step["winner_input"]
        expect(arith).to_contain_text(f"winner: x[0][{r}][{c}]")
        expect(page.locator("#pool-input .cell.hl-winner")).to_have_text(shown(step["value"]))
        current = page.locator("#pool-output .cell.hl-current")
        expect(current).to_have_text(shown(step["value"]))
        page.keyboard.press("ArrowRight")
    wait_url(page, lambda url: "step=3" in url)
    assert console_errors == []


def test_a_tie_says_which_cell_wins(page, live_server, console_errors):
    # Seed 7's third window is [5, 7, 7, 5]: the first 7 in row-major order wins.
    body = open_pooling(page, live_server, "?step=2")
    step = body["steps"][2]
    assert step["ties"] == 2 and step["winner"] == 1
    arith = page.locator("#pool-arith")
    expect(arith).to_contain_text("tie: 2 cells equal 7; the first in row-major order")
    expect(arith).to_contain_text("winner: x[0][2][1] = 7, cell 2 of 4")
    expect(arith).to_contain_text("dL/dx[0][2][1] +=")
    expect(page.locator("#pool-grad .cell.hl-winner")).to_have_count(1)
    assert console_errors == []


def test_average_pooling_with_padding_shows_sum_and_divisor(page, live_server, console_errors):
    body = open_pooling(page, live_server, "?mode=avg&h=5&w=5&c=2&k=3&s=2&p=1&seed=3")
    assert body["output_shape"] == [2, 3, 3]
    step = body["steps"][0]
    arith = page.locator("#pool-arith")
    pairs = zip(step["values"], step["is_padding"], strict=True)
    terms = " + ".join("0" if pad else shown(v) for v, pad in pairs)
    expect(arith).to_contain_text(f"sum = {terms} = {shown(step['sum'])}")
    expect(arith).to_contain_text("divisor = 3·3 = 9 (the 5 padding zeros count")
    expect(arith).to_contain_text(f"average = {shown(step['sum'])} / 9 = {shown(step['value'])}")
    expect(arith).to_contain_text("the 5 shares on padding are dropped")
    expect(page.locator("#pool-input-dims")).to_have_text("2×5×5, padded to 2×7×7")
    expect(page.locator("#pool-input .cell.pad").first).to_have_text("0")
    assert console_errors == []


def test_backward_at_the_last_step_equals_the_api(page, live_server, console_errors):
    open_pooling(page, live_server, "?mode=avg&h=4&w=4&k=3&s=1&p=1")
    page.keyboard.press("End")
    expect(page.locator("#pool-grad-check")).to_contain_text(
        "the same as POST /api/pool2d/backward returns"
    )
    wait_url(page, lambda url: "step=15" in url)
    assert console_errors == []


def test_global_average_pooling_in_one_click(page, live_server, console_errors):
    open_pooling(page, live_server, "?mode=max&h=3&w=5&c=2")
    with page.expect_response(re.compile(r"/api/pool2d$")) as info:
        page.get_by_role("button", name="Global average pooling").click()
    body = info.value.json()
    assert body["output_shape"] == [2, 1, 1] and body["size"] == [3, 5]
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 2")
    expect(page.locator("#pool-arith")).to_contain_text("divisor = 3·5 = 15")
    expect(page.locator("#pool-fit-note")).to_contain_text("the window is the whole 3×5 input")
    wait_url(page, lambda url: "global=1" in url and "mode=avg" in url)
    page.reload()
    expect(page.locator("#pool-arith")).to_contain_text("divisor = 3·5 = 15")
    assert console_errors == []


def test_a_shared_link_reopens_the_same_step(page, live_server):
    open_pooling(page, live_server, "?k=3&s=1&p=1&step=5")
    expect(page.locator(".tl-readout")).to_have_text("step 6 / 16")
    expect(page.locator("#pool-arith")).to_contain_text("output y[0][1][1]")


def test_tapping_an_output_cell_jumps_to_its_step(page, live_server, console_errors):
    open_pooling(page, live_server)
    page.locator("#pool-output .cell").nth(3).click()
    expect(page.locator(".tl-readout")).to_have_text("step 4 / 4")
    page.locator("#pool-output .cell").nth(1).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 4")
    assert console_errors == []


def test_editing_an_input_value_recomputes(page, live_server, console_errors):
    open_pooling(page, live_server)
    page.get_by_label("Edit values").check()
    page.locator("#pool-input .cell").first.click()
    with page.expect_response(re.compile(r"/api/pool2d$")):
        page.locator("#pool-input .cell-input").fill("42")
        page.keyboard.press("Enter")
    expect(page.locator("#pool-arith")).to_contain_text("max(42, 0, 5, 4) = 42")
    wait_url(page, lambda url: "x.0.0.0%3D42" in url or "x.0.0.0=42" in url)
    assert console_errors == []


def test_too_much_padding_is_explained_inline(page, live_server, console_errors):
    page.goto(f"{live_server}/pooling?k=3&p=2")
    # Next to the padding field (the API's field), said once.
    message = page.locator(".field-error:not(:empty)")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("Padding 2 is more than half the window height 3: at most 1")
    expect(message).not_to_contain_text("422")
    expect(page.locator('input[name="p"]')).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pool-error")).to_be_empty()
    expect(page.locator("#pool-output")).to_contain_text("No output")
    # The only console error allowed is the browser's note about the 422 response.
    assert [e for e in console_errors if "422" not in e] == []
