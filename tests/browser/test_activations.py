"""/activations in real Chromium: toggling functions, hovered values, experiments, URL state."""

import math
import re

import pytest
from playwright.sync_api import expect

from tests.browser.urls import wait_url


def open_activations(page, live_server, query=""):
    page.goto(f"{live_server}/activations{query}")
    expect(page.locator("#act-readout tbody tr").first).to_be_visible()


def row(page, name):
    return page.locator(f'#act-readout tr[data-name="{name}"] td')


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_default_view_reads_the_values_at_x_1(page, live_server, console_errors):
    open_activations(page, live_server)
    expect(page.locator("#act-readout-caption")).to_have_text("at x = 1")
    expect(row(page, "sigmoid")).to_have_text(["0.7311", "0.1966"])
    expect(row(page, "tanh")).to_have_text(["0.7616", "0.42"])
    expect(row(page, "relu")).to_have_text(["1", "1"])
    expect(page.locator("#act-details-heading")).to_have_text("Sigmoid")
    expect(page.locator("#act-saturated")).to_have_text("|f'| < 0.01 for x ≤ -4.6 and x ≥ 4.6")
    expect(page.locator("#act-centred")).to_contain_text("no")
    expect(page.locator("#act-range")).to_have_text("(0, 1)")
    assert console_errors == []


def test_derivatives_at_the_kink_follow_pytorch(page, live_server, console_errors):
    open_activations(page, live_server, "?fns=relu,leaky_relu,elu&focus=relu&x=0")
    expect(page.locator("#act-readout-caption")).to_have_text("at x = 0")
    expect(row(page, "relu")).to_have_text(["0", "0"])
    expect(row(page, "leaky_relu")).to_have_text(["0", "0.01"])
    expect(row(page, "elu")).to_have_text(["0", "1"])
    expect(page.locator("#act-saturated")).to_have_text("|f'| < 0.01 for x ≤ 0")
    assert console_errors == []


def test_toggling_functions_overlays_them_and_lands_in_the_url(page, live_server, console_errors):
    open_activations(page, live_server)
    page.locator("#act-function-list label", has_text="Leaky ReLU").click()
    expect(row(page, "leaky_relu")).to_have_text(["1", "1"])
    expect(page.locator("#act-details-heading")).to_have_text("Leaky ReLU")
    expect(page.locator("#act-alpha-label")).to_have_text("α")
    page.locator("#act-function-list label", has_text="tanh").click()
    expect(page.locator('#act-readout tr[data-name="tanh"]')).to_have_count(0)
    expect(page.locator("#act-readout tbody tr")).to_have_count(3)
    wait_url(
        page, lambda url: "fns=sigmoid%2Crelu%2Cleaky_relu" in url and "focus=leaky_relu" in url
    )
    page.reload()
    expect(page.locator("#act-readout tbody tr")).to_have_count(3)
    expect(page.locator("#act-details-heading")).to_have_text("Leaky ReLU")
    assert console_errors == []


def test_hovering_the_chart_reads_f_and_its_derivative(page, live_server, console_errors):
    open_activations(page, live_server)
    box = page.locator("#act-plot canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] / 2)
    caption = page.locator("#act-readout-caption")
    expect(caption).not_to_have_text("at x = 1")
    x = float(caption.text_content().split("=")[1])
    s = sigmoid(x)
    shown = [float(t) for t in row(page, "sigmoid").all_text_contents()]
    assert shown == [pytest.approx(s, rel=1e-3), pytest.approx(s * (1 - s), rel=1e-3)]
    assert float(row(page, "tanh").first.text_content()) == pytest.approx(math.tanh(x), rel=1e-3)
    expect(page).to_have_url(re.compile(rf"x={re.escape(str(x))}(&|$)"))
    assert console_errors == []


def test_keyboard_moves_the_readout_one_grid_point(page, live_server, console_errors):
    open_activations(page, live_server)
    page.locator("#act-plot canvas").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#act-readout-caption")).to_have_text("at x = 1.02")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#act-readout-caption")).to_have_text("at x = 0.98")
    assert console_errors == []


def test_touch_reads_a_value(browser, live_server):
    context = browser.new_context(has_touch=True, viewport={"width": 420, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    open_activations(page, live_server)
    canvas = page.locator("#act-plot canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
    caption = page.locator("#act-readout-caption")
    expect(caption).not_to_have_text("at x = 1")
    assert float(caption.text_content().split("=")[1]) > 1
    context.close()
    assert errors == []


def test_prelu_alpha_is_a_learned_parameter_with_a_slider(page, live_server, console_errors):
    open_activations(page, live_server, "?fns=prelu&focus=prelu&x=-2")
    expect(row(page, "prelu")).to_have_text(["-0.5", "0.25"])
    expect(page.locator("#act-alpha-label")).to_have_text("α (learned parameter)")
    expect(page.locator("#act-alpha-note")).to_contain_text("∂f/∂α at x = -2 is -2")
    page.locator("#act-alpha-range").fill("0.5")
    expect(row(page, "prelu")).to_have_text(["-1", "0.5"])
    wait_url(page, lambda url: "pa=0.5" in url)
    assert console_errors == []


def test_maxout_pieces_are_editable_and_relu_is_a_special_case(page, live_server, console_errors):
    open_activations(page, live_server, "?fns=relu,maxout&focus=maxout&x=-1")
    expect(row(page, "maxout")).to_have_text(["0", "0"])
    expect(page.get_by_role("button", name="Remove").first).to_be_disabled()
    page.get_by_role("button", name="= |x|").click()
    expect(row(page, "maxout")).to_have_text(["1", "-1"])
    page.get_by_label("b of piece 2").fill("3")
    page.get_by_label("b of piece 2").press("Enter")
    # max(-1·(-1) + 0, 1·(-1) + 3) = max(1, 2): the second piece wins, slope 1.
    expect(row(page, "maxout")).to_have_text(["2", "1"])
    wait_url(page, lambda url: "pieces=-1%2C0%3B1%2C3" in url)
    assert console_errors == []


def test_vanishing_gradients_table_equals_the_api(page, live_server, console_errors):
    with page.expect_response(re.compile(r"/api/activations/vanishing$")) as info:
        page.goto(f"{live_server}/activations?vd=6&vseed=4")
    body = info.value.json()
    expect(page.locator("#van-caption")).to_contain_text("n = 6 layers")
    sig = page.locator('#van-readout tr[data-name="sigmoid"] td')
    mean = body["functions"]["sigmoid"]["mean"][5]
    assert mean <= 0.25**6
    js_exponential = re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{mean:.3e}")
    expect(sig.first).to_have_text(js_exponential)
    expect(page.locator("#van-note")).to_contain_text("0.25^6 = 2.441e-4")
    with page.expect_response(re.compile(r"/api/activations/vanishing$")) as info:
        page.locator('#van-controls input[name="depth"]').fill("3")
    expect(page.locator("#van-caption")).to_contain_text("n = 3 layers")
    wait_url(page, lambda url: "vd=3" in url)
    assert console_errors == []


@pytest.mark.parametrize("bias,dead", [(-10, True), (0.5, False)])
def test_dead_relu_has_zero_gradient(page, live_server, console_errors, bias, dead):
    with page.expect_response(re.compile(r"/api/activations/dead-relu$")):
        page.goto(f"{live_server}/activations?db={bias}")
    status = page.locator("#dead-status")
    if dead:
        expect(status).to_contain_text("DEAD: active on none of the 200 inputs")
        expect(page.locator("#dead-grads")).to_contain_text("= 0,")
        page.get_by_role("button", name="One gradient step").click()
        expect(status).to_contain_text("DEAD")
        wait_url(
            page, lambda url: "db=-10&" in url and "dw=1&" in url
        )  # "a dead unit's step changes nothing"
    else:
        expect(status).to_contain_text("Active on 70.0% of the inputs (140 of 200)")
        page.locator('#dead-controls input[name="lr"]').fill("8")
        page.locator('#dead-controls input[name="lr"]').press("Enter")
        with page.expect_response(re.compile(r"/api/activations/dead-relu$")):
            page.get_by_role("button", name="One gradient step").click()
        # One step with a large learning rate pushes the bias far down: the unit dies.
        expect(status).to_contain_text("DEAD")
    assert console_errors == []
