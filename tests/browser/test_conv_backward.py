"""/conv's backward mode in real Chromium: dL/dW, dL/db and dL/dX stepped with the API's numbers,
dL/dY seeded, edited or from a loss, the link to /conv-transpose, the URL, three screen sizes."""

import re

import numpy as np
from numpy.testing import assert_allclose
from playwright.sync_api import expect

from tests.browser.urls import wait_url

BACKWARD = re.compile(r"/api/conv2d/backward$")
TRANSPOSE = re.compile(r"/api/conv_transpose2d$")
SHOTS = "/work/notes/shots"


def shown(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def open_backward(page, live_server, query=""):
    """Opens /conv forward, switches to backward with the radio; returns the backward answer."""
    with page.expect_response(re.compile(r"/api/conv2d$")):
        page.goto(f"{live_server}/conv{query}")
    with page.expect_response(BACKWARD) as info:
        page.get_by_label("Backward: the gradients").check()
    body = info.value.json()
    count = len(body["weight_steps"]) + len(body["bias_steps"]) + len(body["input_steps"])
    expect(page.locator(".tl-readout")).to_have_text(f"step 1 / {count}")
    wait_url(page, lambda url: "pass=backward" in url)
    return body, count


def sent(info):
    return info.value.request.post_data_json


def signed(value):
    return f"({shown(value)})" if value < 0 else shown(value)


def go_to(page, step):
    page.locator(".tl-slider").fill(str(step))
    expect(page.locator(".tl-readout")).to_contain_text(f"step {step + 1} /")


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def save(page, name):
    try:
        page.screenshot(path=f"{SHOTS}/backward-{name}.png", full_page=True)
    except OSError:
        pass  # the notes folder exists only in the session that wrote these tests


def test_the_weight_gradient_steps_are_the_apis(page, live_server, console_errors):
    body, count = open_backward(page, live_server)
    assert count == 2 * 3 * 3 * 3 + 2 + 3 * 7 * 7  # the CS231n demo: 54 weights, 2 biases, 7×7×3
    arith = page.locator("#conv-arith")
    for index in (0, 1, 13):
        if index:
            go_to(page, index)
        step = body["weight_steps"][index]
        expect(arith).to_contain_text(
            f"dL/dW{step['filter']}[{step['row']}, {step['col']}, {step['channel']}]"
        )
        expect(arith.locator(".total")).to_have_text(shown(step["total"]))
        products = " + ".join(signed(p) for p in step["products"])
        expect(arith).to_contain_text(f"= {products} = {shown(step['total'])}")
        # the input cells it reads on its channel, every cell of dL/dY[filter]
        channel = page.locator("#conv-input .grid").nth(step["channel"])
        expect(channel.locator(".cell.hl-window")).to_have_count(len(step["cells"]))
        for r, c in step["cells"][:3]:
            expect(channel.locator(f'.cell[data-r="{r}"][data-c="{c}"]')).to_have_class(
                re.compile("hl-window")
            )
        dy = page.locator("#conv-bw-dy-grids .grid").nth(step["filter"])
        expect(dy.locator(".cell.hl-window")).to_have_count(9)
        current = page.locator("#conv-bw-dw-grids .cell.hl-current")
        expect(current).to_have_text(shown(step["total"]))
    # the gradient grid: the total equals grad_weights, later weights (and both biases) hidden
    assert body["weight_steps"][13]["total"] == body["grad_weights"][0][1][1][1]
    expect(page.locator("#conv-bw-dw-grids .cell.hl-pending")).to_have_count(
        54 - 14 + 2
    )  # and both biases
    save(page, "weights-desktop")
    assert console_errors == []


def test_the_bias_and_input_gradient_steps(page, live_server, console_errors):
    body, count = open_backward(page, live_server)
    arith = page.locator("#conv-arith")
    page.get_by_role("button", name="dL/db: the biases").click()
    expect(page.locator(".tl-readout")).to_have_text(f"step 55 / {count}")
    bias = body["bias_steps"][0]
    dy = body["grad_output"]
    assert bias["total"] == sum(np.ravel(dy[0]))
    expect(arith).to_contain_text("dL/db0 = Σ dL/dY[0]")
    expect(arith.locator(".total")).to_have_text(shown(bias["total"]))
    expect(page.locator("#conv-bw-dy-grids .cell.hl-window")).to_have_count(9)
    page.get_by_role("button", name="dL/dX: the input").click()
    expect(page.locator(".tl-readout")).to_have_text(f"step 57 / {count}")
    # the first padded cell is padding: its gradient is summed, then dropped
    corner = body["input_steps"][0]
    assert corner["is_padding"] and (corner["row"], corner["col"]) == (0, 0)
    expect(arith).to_contain_text("padding cell (row 0, column 0) of channel 0")
    expect(arith).to_contain_text("dropped")
    expect(arith.locator(".total.dropped")).to_have_text(shown(corner["total"]))
    dx = page.locator("#conv-bw-dx-grids .grid").first
    expect(dx.locator(".cell.hl-current")).to_have_text(shown(corner["total"]))
    # the first real pixel: dL/dX[0, 0, 0] from every window that covered it
    index = next(i for i, s in enumerate(body["input_steps"]) if (s["row"], s["col"]) == (1, 1))
    go_to(page, 56 + index)
    step = body["input_steps"][index]
    terms = step["terms"]
    expect(arith).to_contain_text("dL/dX[0, 0, 0]")
    expect(arith.locator(".total")).to_have_text(shown(body["grad_input"][0][0][0]))
    assert_allclose(sum(terms["product"]), step["total"], rtol=1e-12, atol=1e-12)
    pairs = " + ".join(
        f"{signed(w)}·{signed(g)}" for w, g in zip(terms["weight"], terms["grad"], strict=True)
    )
    expect(arith).to_contain_text(pairs)
    # the windows that covered it: their dL/dY cells, and the kernel taps on each filter
    expect(page.locator("#conv-bw-dy-grids .cell.hl-window")).to_have_count(len(terms["filter"]))
    expect(page.locator("#conv-filters .cell.hl-window")).to_have_count(len(terms["filter"]))
    expect(dx.locator(".cell.hl-current")).to_have_text(shown(body["grad_input"][0][0][0]))
    save(page, "input-desktop")
    # a tapped gradient cell jumps to its step; Enter on a focused one too
    page.locator("#conv-bw-dw-grids .grid").nth(5).locator(".cell").nth(
        5
    ).click()  # W1 c 1 [1, 2]: after W0 and b0
    expect(page.locator(".tl-readout")).to_have_text(f"step {(3 + 1) * 9 + 5 + 1} / {count}")
    expect(arith).to_contain_text("dL/dW1[1, 2, 1]")
    dx.locator('.cell[data-r="2"][data-c="3"]').focus()
    page.keyboard.press("Enter")
    cell = next(
        i
        for i, s in enumerate(body["input_steps"])
        if (s["channel"], s["row"], s["col"]) == (0, 2, 3)
    )
    expect(page.locator(".tl-readout")).to_have_text(f"step {56 + cell + 1} / {count}")
    assert console_errors == []


def test_the_link_opens_the_same_numbers_as_a_transposed_convolution(page, live_server):
    body, _ = open_backward(page, live_server, "?mode=convolution&seed=7")
    expect(page.locator("#conv-bw-transpose")).to_contain_text(
        "transposed convolution (转置卷积) of dL/dY with the same filters, stride 2, padding 1 and "
        "dilation 1"
    )
    link = page.locator("#conv-bw-transpose-link")
    with page.expect_response(TRANSPOSE) as info:
        link.click()
    answer = info.value.json()
    wait_url(page, lambda url: "/conv-transpose?" in url)
    assert_allclose(answer["output"], body["grad_input"], rtol=1e-12, atol=1e-12)
    expect(page.locator("#ct-output-dims")).to_contain_text("3×5×5")
    first = page.locator("#ct-output .grid").first.locator(".cell").first
    page.locator(".tl-slider").fill(str(len(answer["steps"]) - 1))  # every stamp landed
    expect(first).to_have_text(shown(body["grad_input"][0][0][0]))


def test_a_leftover_row_becomes_output_padding(page, live_server):
    # 6 + 2 - 3 = 5 is odd at stride 2: the floor drops a row, output padding 1 brings it back
    body, _ = open_backward(page, live_server, "?h=6&w=6&c=1&f=1&k=3&s=2&p=1&seed=3")
    expect(page.locator("#conv-bw-transpose")).to_contain_text("output padding 1")
    with page.expect_response(TRANSPOSE) as info:
        page.locator("#conv-bw-transpose-link").click()
    assert_allclose(info.value.json()["output"], body["grad_input"], rtol=1e-12, atol=1e-12)


def test_what_conv_transpose_cannot_take_is_said(page, live_server):
    open_backward(page, live_server, "?h=12&w=12&c=1&f=1&k=3&s=1&p=0")
    expect(page.locator("#conv-bw-transpose")).to_contain_text(
        "/conv-transpose cannot show this one: dL/dY's height (its input height) would be 10, "
        "it takes 1 to 8"
    )
    expect(page.locator("#conv-bw-transpose-link")).to_be_hidden()


def test_dy_from_a_loss_is_the_apis(page, live_server, console_errors):
    with page.expect_response(re.compile(r"/api/conv2d$")) as forward:
        with page.expect_response(BACKWARD):  # the seeded dL/dY's answer, first
            page.goto(f"{live_server}/conv?pass=backward")
    y = forward.value.json()["output"]
    with page.expect_response(BACKWARD) as info:
        page.get_by_label("Upstream gradient dL/dY").select_option("half_sum_squares")
    assert sent(info)["loss"] == "half_sum_squares" and "grad_output" not in sent(info)
    body = info.value.json()
    assert_allclose(body["grad_output"], y, rtol=1e-12)
    expect(page.locator("#conv-bw-grad-note")).to_contain_text(
        f"L = ½ Σ y², so dL/dY = Y; here L = {shown(body['loss'])}"
    )
    cells = page.locator("#conv-bw-dy-grids .grid").first.locator(".cell")
    expect(cells.nth(0)).to_have_text(shown(y[0][0][0]))
    wait_url(page, lambda url: "grad=half_sum_squares" in url)
    page.get_by_label("Edit values").check()
    expect(page.locator("#conv-bw-dy-grids .grid.editable")).to_have_count(0)  # computed, not typed
    assert console_errors == []


def test_an_edited_dy_cell_is_sent_and_the_url_reopens_the_step(page, live_server, context):
    open_backward(page, live_server, "?c=1&f=1&h=4&w=4&k=3&s=1&p=0")
    page.get_by_label("Edit values").check()
    page.locator("#conv-bw-dy-grids .cell").first.click()
    editor = page.locator("#conv-bw-dy-grids .cell-input")
    editor.fill("5")
    with page.expect_response(BACKWARD) as info:
        editor.press("Enter")
    assert sent(info)["grad_output"][0][0][0] == 5
    body = info.value.json()
    wait_url(page, lambda url: "g.0.0.0%3D5" in url)
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 3 / 26")  # 9 weights, 1 bias, 16 cells
    expect(page.locator("#conv-arith .total")).to_have_text(shown(body["weight_steps"][2]["total"]))
    url = page.url
    arithmetic = page.locator("#conv-arith").inner_text()
    other = context.new_page()
    with other.expect_response(BACKWARD):
        other.goto(url)
    expect(other.locator(".tl-readout")).to_have_text("step 3 / 26")
    expect(other.get_by_label("Backward: the gradients")).to_be_checked()
    assert other.locator("#conv-arith").inner_text() == arithmetic
    # and back to the forward pass: its own steps again
    with other.expect_response(re.compile(r"/api/conv2d$")):
        other.get_by_label("Forward: the output").check()
    expect(other.locator(".tl-readout")).to_have_text("step 1 / 4")
    expect(other.locator("#conv-bw-panel")).to_be_hidden()
    expect(other.locator("#conv-arith")).to_contain_text("output o[0, 0, 0]")


def test_projector_mode_at_1024_by_768(page, live_server, console_errors):
    page.set_viewport_size({"width": 1024, "height": 768})
    body, count = open_backward(page, live_server, "?large=1")
    expect(page.locator("html")).to_have_class("large")
    no_sideways_scroll(page, 1024)
    page.locator("h1").click()
    page.keyboard.press("End")
    expect(page.locator(".tl-readout")).to_have_text(f"step {count} / {count}")
    last = body["input_steps"][-1]
    expect(page.locator("#conv-arith .total")).to_have_text(shown(last["total"]))
    expect(page.locator("#conv-bw-dx-grids .cell.hl-pending")).to_have_count(0)
    save(page, "projector")
    assert console_errors == []


def test_phone_at_390_by_844(page, live_server, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    body, count = open_backward(page, live_server)
    no_sideways_scroll(page, 390)
    page.locator(".tl-button", has_text="Next").click()
    expect(page.locator(".tl-readout")).to_have_text(f"step 2 / {count}")
    expect(page.locator("#conv-arith .total")).to_have_text(shown(body["weight_steps"][1]["total"]))
    page.get_by_role("button", name="dL/dX: the input").click()
    no_sideways_scroll(page, 390)
    save(page, "phone")
    assert console_errors == []
