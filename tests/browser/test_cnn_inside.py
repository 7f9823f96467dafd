"""/cnn section 6, inside the trained network, in real Chromium: train a few steps, pick a test
example, click a conv cell and read its arithmetic (equal to the API's value for the same
network), click a kernel weight and read its gradient (equal to the API's, beside the central
difference), draw an example and get a prediction, the confusion matrix, at desktop, 1024×768
projector and 390×844 phone sizes.

The network is the tiny preset; the test trains the same run through the API in one chunk, which
gives the same state as the page's chunks (same body, same seed, same batches).
"""

import io
import math
import os
import re
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.urls import wait_url

TINY_LAYERS = [
    {"type": "conv", "filters": 4, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 4},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]
STEPS = 30
QUERY = f"?net=conv_4_3__1*relu*maxpool_4*flatten*linear_8&ev=25&opt=adam:lr=0.003&step={STEPS}"
SIZES = {"desktop": (1400, 900), "projector": (1024, 768), "phone": (390, 844)}
SHOTS = os.environ.get("CNNLAB_SHOTS")  # a folder: save screenshots there


def post(page, url, body):
    response = page.request.post(url, data=body, timeout=60_000)
    assert response.ok, response.text()
    return response.json()


def api_state(page, live_server) -> str:
    body = {
        "layers": TINY_LAYERS, "dataset": "shapes", "seed": 0, "init": "auto",
        "optimizer": {"name": "adam", "lr": 0.003}, "batch_size": 64, "weight_decay": 0,
        "state": None, "steps": STEPS,
    }  # fmt: skip
    return post(page, f"{live_server}/api/cnn/train", body)["state"]


def example_of(page, live_server, index=0):
    url = f"{live_server}/api/cnn/datasets/shapes/examples?split=test&indices={index}"
    out = page.request.get(url).json()
    return out["x"][0], out["labels"][0]


def open_inside(page, live_server, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/cnn{QUERY}")
    if size == "projector":
        page.get_by_role("button", name="Projector mode").click()
    expect(page.locator("#cnn-in-example")).to_contain_text("Predicted", timeout=90_000)
    expect(page.locator("#cnn-in-status")).to_have_text(f"The network at step {STEPS}.")


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def click_map_cell(page, layer: int, row: int, col: int, rows: int, cols: int):
    canvas = page.locator(f'.cnn-in-layer[data-layer="{layer}"] canvas.fm-canvas')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    canvas.click(
        position={"x": (col + 0.5) / cols * box["width"], "y": (row + 0.5) / rows * box["height"]}
    )


def fits(page):
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def shot(page, name):
    if SHOTS:
        page.locator("#cnn-inside").screenshot(path=os.path.join(SHOTS, f"inside-{name}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_a_conv_cell_and_a_weight_written_out(page, live_server, console_errors, size):
    open_inside(page, live_server, size)
    expect(page.locator("#cnn-in-example")).to_contain_text("Test example 0: true class")
    expect(page.locator("#cnn-in-layers .cnn-in-layer")).to_have_count(6)  # the input and 5 layers
    expect(page.locator('.cnn-in-layer[data-layer="0"] .cnn-in-shape')).to_have_text(" 4×28×28")
    expect(page.locator("#cnn-in-probs .cnn-in-bar")).to_have_count(8)
    fits(page)
    # Channel 2, row 12, column 14 of the first conv layer: the mosaic is 2×2 maps of 28×28
    # with one-pixel gaps (57×57), channel 2 is the bottom-left one.
    click_map_cell(page, 0, 29 + 12, 14, 57, 57)
    assert query(page)["cell"] == "0:2,12,14"
    value = page.locator("#cnn-in-value")
    expect(value).to_be_visible()
    state = api_state(page, live_server)
    x, label = example_of(page, live_server, 0)
    seen = post(
        page,
        f"{live_server}/api/cnn/inspect",
        {"layers": TINY_LAYERS, "state": state, "x": x, "label": label},
    )
    expected = seen["activations"][0][2][12][14]
    assert math.isclose(
        float(value.get_attribute("data-value")), expected, rel_tol=1e-9, abs_tol=1e-12
    )
    arith = page.locator("#cnn-in-arith")
    expect(arith).to_contain_text("Layer 0 (conv 3×3×4, stride 1, padding 1), cell [2, 12, 14]")
    expect(arith).to_contain_text("input channel 0")
    expect(arith.locator(".cnn-in-kernel td")).to_have_count(9)
    # A weight of that kernel: its gradient written out, beside the central difference.
    arith.locator('td[data-weight="2,0,1,2"]').click()
    assert query(page)["wt"] == "0:2,0,1,2"
    total = page.locator("#cnn-in-grad-total")
    expect(total).to_be_visible()
    traced = post(
        page,
        f"{live_server}/api/cnn/trace",
        {"layers": TINY_LAYERS, "state": state, "x": x, "label": label, "layer": 0,
         "weight": [2, 0, 1, 2]},
    )  # fmt: skip
    grad = float(total.get_attribute("data-value"))
    assert math.isclose(grad, traced["weight"]["total"], rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(
        grad, seen["param_grads"][0]["weight"][2][0][1][2], rel_tol=1e-9, abs_tol=1e-12
    )
    numerical = float(page.locator("#cnn-in-grad-numerical").get_attribute("data-value"))
    assert math.isclose(numerical, grad, rel_tol=1e-4, abs_tol=1e-8)
    grad_box = page.locator("#cnn-in-grad")
    expect(grad_box).to_contain_text(
        "dL/dw[2, 0, 1, 2] = Σ over output positions (i, j) of x[0, 1·i + 1, 1·j + 2]"
    )
    expect(grad_box).to_contain_text("The optimiser's next step on it: Adam, t = 31")
    after = float(page.locator("#cnn-in-update-after").inner_text())
    assert math.isclose(after, traced["update"]["after"], rel_tol=1e-5)
    fits(page)
    shot(page, f"cell-{size}")
    # The link reopens the same example, cell and weight.
    page.reload()
    expect(page.locator("#cnn-in-value")).to_be_visible(timeout=90_000)
    expect(page.locator("#cnn-in-grad-total")).to_be_visible(timeout=30_000)
    assert math.isclose(
        float(page.locator("#cnn-in-grad-total").get_attribute("data-value")), grad, rel_tol=1e-12
    )
    assert console_errors == []


def test_the_keyboard_reaches_a_cell_and_the_backward_maps(page, live_server, console_errors):
    open_inside(page, live_server, "desktop")
    canvas = page.locator('.cnn-in-layer[data-layer="2"] canvas.fm-canvas')  # maxpool 4×7×7
    canvas.focus()
    page.keyboard.press("ArrowUp")  # from the middle, (7, 7), a gap between the maps
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    expect(page.locator("#cnn-in-arith")).to_contain_text(
        "Max pooling: the largest of the 4×4 window"
    )
    expect(page.locator("#cnn-in-arith .win")).to_have_count(1)
    assert query(page)["cell"].startswith("2:")
    # The softmax bars: one tab stop, the arrows move, Enter opens the softmax.
    bars = page.locator("#cnn-in-probs button")
    assert [b.get_attribute("tabindex") for b in bars.all()].count("0") == 1
    bars.first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#cnn-in-arith")).to_contain_text("Softmax, class horizontal line")
    page.get_by_role("button", name=re.compile("^Backward")).click()
    expect(page.locator("#cnn-in-backward")).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.cnn-in-layer[data-layer="4"] figcaption')).to_contain_text("dL/dy")
    expect(page.locator("#cnn-in-layers-note")).to_contain_text("p − one-hot")
    assert query(page)["bw"] == "1"
    assert console_errors == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_draw_an_example_and_get_a_prediction(page, live_server, console_errors, size):
    open_inside(page, live_server, size)
    canvas = page.locator("#cnn-in-draw canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.2 + 0.06 * k), box["y"] + box["height"] * 0.5)
    page.mouse.up()
    example = page.locator("#cnn-in-example")
    expect(example).to_contain_text("Your drawing: its class not given")
    expect(example).to_contain_text("Predicted")
    values = query(page)
    assert values["src"] == "drawn" and len(values["xd"]) < 400
    predicted = int(example.get_attribute("data-predicted"))
    assert 0 <= predicted < 8
    # Undo empties the canvas again; the class given makes the loss that class's.
    page.click("#cnn-in-undo")
    expect(page.locator("#cnn-in-example")).to_contain_text("Your drawing")
    assert query(page)["xd"] == "z" * 39 + "j"  # 784 = 39·20 + 4 black pixels
    page.select_option("#cnn-in-class", "0")
    expect(example).to_contain_text("true class horizontal line")
    fits(page)
    shot(page, f"draw-{size}")
    assert console_errors == []


def test_the_confusion_matrix_and_a_misclassified_example(page, live_server, console_errors):
    open_inside(page, live_server, "projector")
    note = page.locator("#cnn-in-confusion-note")
    expect(note).to_contain_text("The 1000 fixed test examples")
    cells = page.locator("#cnn-in-confusion td.cnn-in-count")
    expect(cells).to_have_count(64)
    total = sum(int(c.inner_text()) for c in cells.all())
    assert total == 1000
    # The first non-empty off-diagonal cell lists its examples; one of them is looked inside.
    for cell in cells.all():
        if (
            cell.get_attribute("data-t") != cell.get_attribute("data-p")
            and cell.inner_text() != "0"
        ):
            cell.click()
            break
    thumbs = page.locator("#cnn-in-cell-examples button")
    expect(thumbs.first).to_be_visible()
    index = thumbs.first.get_attribute("data-index")
    thumbs.first.click()
    expect(page.locator("#cnn-in-example")).to_contain_text(f"Test example {index}:")
    expect(page.locator("#cnn-in-example")).to_contain_text("✗ wrong")
    # The list of misclassified examples picks one too.
    options = page.locator("#cnn-in-wrong option")
    assert options.count() > 1
    chosen = options.nth(2).get_attribute("value")
    page.select_option("#cnn-in-wrong", chosen)
    expect(page.locator("#cnn-in-example")).to_contain_text(f"Test example {chosen}:")
    assert query(page)["ix"] == chosen
    # The first layer's kernels beside the presets they resemble.
    expect(page.locator(".cnn-in-filter")).to_have_count(4)
    expect(page.locator(".cnn-in-filter").first).to_contain_text("≈ ")
    # A bad index is refused next to its control, as a sentence.
    page.fill("#cnn-in-index", "5000")
    page.click("#cnn-in-show")
    expect(page.locator("#cnn-in-index-error")).to_have_text(
        "The index must be a whole number from 0 to 1999."
    )
    fits(page)
    shot(page, "confusion-projector")
    assert console_errors == []


def test_an_uploaded_image_and_an_earlier_checkpoint(page, live_server, console_errors):
    open_inside(page, live_server, "desktop")
    # A dark plus on white, as drawn on paper: converted as the data set's images are.
    image = Image.new("RGB", (90, 60), "white")
    ImageDraw.Draw(image).line([(20, 30), (70, 30)], fill="black", width=6)
    ImageDraw.Draw(image).line([(45, 8), (45, 52)], fill="black", width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    page.set_input_files(
        "#cnn-in-file",
        files=[{"name": "plus.png", "mimeType": "image/png", "buffer": buffer.getvalue()}],
    )
    notes = page.locator("#cnn-in-file-notes")
    expect(notes).to_contain_text("a 90×60 PNG image, made grayscale")
    expect(notes).to_contain_text("downscaled from 90×60 to 28×19")
    expect(notes).to_contain_text("inverted (1 − value), its border is light")
    expect(notes).to_contain_text("centred on a 28×28 black square")
    expect(page.locator("#cnn-in-example")).to_contain_text(
        "Your image, converted: its class not given"
    )
    expect(page.locator("#cnn-in-example")).to_contain_text("Predicted")
    assert query(page)["src"] == "drawn"
    # Its Code panel: the conversion from the decoded pixels, as POST /api/code writes it.
    panel = page.locator("#cnn-in-file-code")
    expect(panel).to_be_visible()
    with page.expect_response(re.compile(r"/api/code$")) as info:
        panel.get_by_text("The uploaded image as an example, in code").click()
    assert info.value.status == 200, info.value.text()
    assert info.value.json()["endpoint"] == "/api/cnn/example"
    expect(panel.locator(".code-program")).to_contain_text("inverted = bool(border.mean()")
    # A text file is refused next to the control, as a sentence.
    page.set_input_files(
        "#cnn-in-file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    expect(page.locator("#cnn-in-file-error")).to_contain_text(
        "notes.txt: the file is not an image"
    )
    # Training time scrubbed back: the same example at the checkpoint of step 25.
    page.select_option("#cnn-in-at", "25")
    expect(page.locator("#cnn-in-status")).to_have_text(
        f"The network at step 25 (the run is at step {STEPS})."
    )
    expect(page.locator("#cnn-in-confusion-note")).to_contain_text("at step 25")
    assert query(page)["ck"] == "25"
    # The browser logs the refused upload's 415 itself; nothing else went wrong.
    assert [e for e in console_errors if "status of 415" not in e] == []


def test_drawing_with_the_keyboard(page, live_server, console_errors):
    open_inside(page, live_server, "desktop")
    canvas = page.locator("#cnn-in-draw canvas")
    canvas.focus()
    page.keyboard.press(" ")  # the pen down at the middle
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    expect(page.locator("#cnn-in-example")).to_contain_text("Your drawing")
    expect(page.locator("#cnn-in-example")).to_contain_text("Predicted")
    assert query(page)["src"] == "drawn"
    wait_url(
        page, lambda url: "step=30" in url
    )  # the page's → (one step) did not fire while drawing
    expect(page.locator("#cnn-status")).to_contain_text(f"Step {STEPS} ")
    assert console_errors == []


def test_a_compared_run_looked_inside(page, live_server, console_errors):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server}/cnn{QUERY}&cmp=sgd:lr=0.05;adam:lr=0.001&cstep=25")
    expect(page.locator("#cnn-in-example")).to_contain_text("Predicted", timeout=90_000)
    expect(page.locator("#cnn-cmp-status")).to_contain_text("Steps: 25, 25", timeout=90_000)
    page.select_option("#cnn-in-run", "2")
    status = page.locator("#cnn-in-status")
    expect(status).to_have_text("The network of the Adam α = 0.001 run compared at step 25.")
    assert query(page)["rn"] == "2"
    page.fill("#cnn-in-wf", "1")
    page.click("#cnn-in-wshow")
    expect(page.locator("#cnn-in-grad")).to_contain_text(
        "The optimiser's next step on it: Adam, t = 26"
    )
    assert query(page)["wt"] == "0:1,0,0,0"
    # The weight form refuses a filter the layer does not have, next to it.
    page.fill("#cnn-in-wf", "9")
    page.click("#cnn-in-wshow")
    expect(page.locator("#cnn-in-weight-error")).to_contain_text("weight must be 4 indices inside")
    assert [e for e in console_errors if "status of 422" not in e] == []
