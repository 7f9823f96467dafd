"""/optimizers with your own f(x, y) in real Chromium: type it, see the map, the gradient and the
points where f is not finite, a typo explained with its column, a race on it whose numbers are the
API's, the URL round trip, the lesson and the search on it; desktop, projector and phone."""

import json
import re
from urllib.parse import parse_qs, quote, urlparse

import pytest
from playwright.sync_api import expect

from app.pages import optimizers_catalogue

BUMPY = "sin(x)*cos(y) + 0.1*(x^2+y^2)"
DOMAIN = [[-5.0, 5.0], [-5.0, 5.0]]
TWO = "sgd:lr=0.05;adam:lr=0.1"
CUSTOM_API = "**/api/surfaces/custom"


def query(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


def link(live_server, fx, dom, extra=""):
    flat = ",".join(f"{v:g}" for pair in dom for v in pair)
    return f"{live_server}/optimizers?surface=custom&fx={quote(fx)}&dom={flat}{extra}"


def api(page, live_server, path, body):
    response = page.request.post(live_server + path, data=json.dumps(body),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.ok, response.text()
    return response.json()


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def races_on(response, fx, dom):
    """A race's answer for your own f over dom."""
    if not (response.url.endswith("/api/optimize") and response.ok):
        return False
    return response.request.post_data_json["surface"] == {"expression": fx, "domain": dom}


def said(text):
    """The API's sentence as the page shows it (its first letter may be a capital)."""
    return re.compile(re.escape(text), re.IGNORECASE)


def latex_of(locator):
    return locator.locator('annotation[encoding="application/x-tex"]').text_content()


def shown_number(locator):
    return float(locator.text_content())


def test_type_an_expression_see_the_map_the_gradient_and_a_typo_s_column(
    page, live_server, console_errors
):
    page.goto(live_server + "/optimizers")
    expect(page.locator("#custom-controls")).to_be_hidden()
    with page.expect_response(CUSTOM_API):
        page.locator("#race-surface").select_option(label="Your own f(x, y)")
    field = page.get_by_label("f(x, y) =")
    expect(field).to_be_visible()

    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/api/surfaces/custom") else None)
    field.fill("")
    with page.expect_response(lambda r: races_on(r, BUMPY, DOMAIN), timeout=15000):
        field.press_sequentially(BUMPY, delay=15)
        page.get_by_label("x from").fill("-5")
        page.get_by_label("x from").press("Tab")
        for name, value in (("x to", "5"), ("y from", "-5"), ("y to", "5")):
            page.get_by_label(name, exact=True).fill(value)
            page.get_by_label(name, exact=True).press("Tab")
    # Typing is coalesced: far fewer requests than keys pressed.
    assert 1 <= len(sent) < len(BUMPY) / 3

    body = api(page, live_server, "/api/surfaces/custom", {"expression": BUMPY, "domain": DOMAIN})
    expect(page.locator("#race-formula math")).to_be_visible()
    assert latex_of(page.locator("#race-formula")) == body["formula"]
    assert latex_of(page.locator("#custom-dx")).endswith("= " + body["gradient"]["x"])
    assert latex_of(page.locator("#custom-dy")).endswith("= " + body["gradient"]["y"])
    expect(page.locator("#race-surface-note")).to_have_text("read as " + body["expression"])
    expect(page.locator("#custom-nonfinite")).to_have_text("")  # finite everywhere
    expect(page.locator("#race-key-nonfinite")).to_be_hidden()
    expect(page.locator("#race-status p")).to_have_count(4)
    params = query(page)
    assert params["fx"] == BUMPY and params["dom"] == "-5,5,-5,5"

    # A typo: the API's sentence with its column under the field, a caret under the column,
    # and the last f that worked still drawn.
    with page.expect_response(CUSTOM_API):
        field.fill("sinn(x)*cos(y)")
    error = page.locator("#custom-expr-error")
    expect(error).to_contain_text(said("unknown name 'sinn' at column 1 (did you mean sin?)"))
    expect(error).to_contain_text("still use the last f that worked")
    expect(error).not_to_contain_text("422")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#custom-caret")).to_have_text("sinn(x)*cos(y)\n^")
    with page.expect_response(CUSTOM_API):
        field.fill("(x - 1")
    expect(error).to_contain_text(said("missing ')' at column 7"))
    expect(page.locator("#custom-caret")).to_have_text("(x - 1\n      ^")
    assert latex_of(page.locator("#race-formula")) == body["formula"]

    # Back to what is drawn: no request needed, nothing wrong.
    field.fill(BUMPY)
    expect(error).to_be_hidden()
    expect(field).not_to_have_attribute("aria-invalid", "true")

    # A domain the wrong way round is explained at the domain.
    with page.expect_response(CUSTOM_API):
        page.get_by_label("y to").fill("-6")
        page.get_by_label("y to").press("Tab")
    expect(page.locator("#custom-domain-error")).to_contain_text(
        said("the y range must go from low to high, got [-5, -6]")
    )
    expect(page.get_by_label("y to")).to_have_attribute("aria-invalid", "true")
    assert [e for e in console_errors if "422" not in e] == []


def test_race_two_optimisers_numbers_equal_the_api_and_a_reload_restores_it(
    page, live_server, console_errors
):
    start = [4.0, 4.0]
    url = link(live_server, BUMPY, DOMAIN, f"&start=4,4&steps=200&opts={quote(TWO)}&step=3&sel=1")
    posted, searched = [], []
    page.on(
        "request",
        lambda r: posted.append(r.post_data_json) if r.url.endswith("/api/optimize") else None,
    )
    page.on(
        "request",
        lambda r: searched.append(r.post_data_json) if r.url.endswith("/search") else None,
    )
    page.goto(url)
    expect(page.locator("#race-status p")).to_have_count(2)
    expect(page.locator(".optim-step-head")).to_contain_text("Adam, step 4 (t = 4)")
    assert posted[0]["surface"] == {"expression": BUMPY, "domain": DOMAIN}

    race = api(page, live_server, "/api/optimize", {
        "surface": {"expression": BUMPY, "domain": DOMAIN}, "start": start, "steps": 200,
        "optimizers": [{"name": "sgd", "lr": 0.05}, {"name": "adam", "lr": 0.1}],
    })  # fmt: skip
    adam = race["runs"][1]
    cells = page.locator('#race-numbers tr[data-quantity="x_t"] td')
    assert shown_number(cells.nth(2)) == pytest.approx(adam["points"][3][0], rel=1e-5)
    assert shown_number(cells.nth(3)) == pytest.approx(adam["points"][3][1], rel=1e-5)
    loss = page.locator('#race-numbers tr[data-quantity="f(x_t)"] td').nth(2)
    assert shown_number(loss) == pytest.approx(adam["losses"][3], rel=1e-5)
    grad = page.locator('#race-numbers tr[data-quantity="g = ∇f"] td')
    assert shown_number(grad.nth(2)) == pytest.approx(adam["internals"]["grad"][3][0], rel=1e-5)
    sgd_line = page.locator("#race-status p").first
    expect(sgd_line).to_contain_text("SGD: f = ")
    assert float(sgd_line.text_content().split("f = ")[1].split(" ")[0]) == pytest.approx(
        race["runs"][0]["final_loss"], rel=1e-5
    )

    # The learning-rate lesson and the search run on it too.
    with page.expect_response(
        lambda r: races_on(r, BUMPY, DOMAIN) and '"internals":false' in (r.request.post_data or "")
    ):
        page.locator("#lr-surface").select_option("custom")
    expect(page.locator(".optim-small h3").nth(0)).to_contain_text("too low: α = ")
    assert query(page)["lr_surface"] == "custom"
    expect(page.locator('#search-summary tr[data-row="runs"] td')).to_have_text(
        ["runs", "64", "64"]
    )
    assert searched and searched[-1]["surface"] == {"expression": BUMPY, "domain": DOMAIN}
    assert searched[-1]["start"] == start
    lesson = [p for p in posted if p.get("internals") is False]
    assert lesson[-1]["surface"] == {"expression": BUMPY, "domain": DOMAIN}
    # The link reopens the same view.
    page.reload()
    expect(page.get_by_label("f(x, y) =")).to_have_value(BUMPY)
    expect(page.get_by_label("x from")).to_have_value("-5")
    expect(page.locator("#race-surface")).to_have_value("custom")
    expect(page.locator(".optim-step-head")).to_contain_text("Adam, step 4 (t = 4)")
    assert shown_number(cells.nth(2)) == pytest.approx(adam["points"][3][0], rel=1e-5)
    expect(page.locator("#lr-surface")).to_have_value("custom")
    assert console_errors == []


def test_points_where_f_is_not_finite_are_shaded_and_said(page, live_server, console_errors):
    example = next(e for e in optimizers_catalogue()["custom"]["examples"] if e["name"] == "log")
    page.goto(live_server + "/optimizers")
    with page.expect_response(CUSTOM_API):
        page.locator("#race-surface").select_option("custom")
    with page.expect_response(CUSTOM_API):
        page.locator("#custom-example").select_option(example["name"])
    expect(page.get_by_label("f(x, y) =")).to_have_value(example["expression"])
    body = api(page, live_server, "/api/surfaces/custom",
               {"expression": example["expression"], "domain": example["domain"]})  # fmt: skip
    count = body["nonfinite_count"]
    assert 0 < count < 128 * 128
    expect(page.locator("#custom-nonfinite")).to_have_text(
        f"f is not finite at {count:,} of 16,384 grid points, shaded."
    )
    expect(page.locator("#race-key-nonfinite")).to_be_visible()
    expect(page.locator("#race-key-nonfinite")).to_have_text("f not finite")
    # The start is the example's; a run that steps into x ≤ 0 is reported as diverged.
    assert query(page)["start"] == ",".join(f"{v:g}" for v in example["start"])
    expect(page.locator("#race-status")).to_contain_text("diverged at step")
    # A built-in surface has no such points: the key goes.
    page.locator("#race-surface").select_option("bowl")
    expect(page.locator("#race-key-nonfinite")).to_be_hidden()
    expect(page.locator("#custom-controls")).to_be_hidden()
    assert console_errors == []


def test_a_link_with_a_mistake_opens_with_the_sentence_not_a_blank_page(
    page, live_server, console_errors
):
    page.goto(link(live_server, "x^2 + 10*z", [[-2, 2], [-2, 2]]))
    expect(page.locator("#custom-expr-error")).to_contain_text(
        said("unknown name 'z' at column 10")
    )
    nothing = "Nothing to race on until f(x, y) above works."
    expect(page.locator("#race-error")).to_have_text(nothing)
    page.locator("#race-steps").select_option("100")  # nothing to race on: no error either
    page.locator("#race-noise").fill("0.5")
    page.locator("#race-noise").press("Tab")
    field = page.get_by_label("f(x, y) =")
    with page.expect_response(lambda r: r.url.endswith("/api/optimize") and r.ok):
        field.fill("x^2 + 10*y^2")
    expect(page.locator("#race-error")).to_have_text("")
    expect(page.locator("#race-status p")).to_have_count(4)
    assert [e for e in console_errors if "422" not in e] == []


def test_values_that_span_decades_are_coloured_on_a_log_scale(page, live_server, console_errors):
    fx, dom = "exp(x^2 + y^2)", [[-2, 2], [-2, 2]]
    assert api(page, live_server, "/api/surfaces/custom", {"expression": fx, "domain": dom})[
        "log_scale"
    ]
    page.goto(link(live_server, fx, dom))
    caption = page.locator("#race-colorbar .colorbar-caption")
    expect(caption).to_have_text("colour: log₁₀(f − the grid’s min)")
    with page.expect_response(CUSTOM_API):
        page.get_by_label("f(x, y) =").fill("x^2 + y^2")
    expect(caption).to_have_text("colour: f")
    assert console_errors == []


@pytest.mark.parametrize(
    ("width", "height", "extra", "shot"),
    [(1024, 768, "&large=1", "projector"), (390, 844, "", "phone"), (1440, 900, "", "desktop")],
)
def test_layouts(page, live_server, console_errors, width, height, extra, shot, tmp_path):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(link(live_server, "abs(x) + y^2", [[-2, 2], [-2, 2]], "&start=1.5,1.5" + extra))
    expect(page.locator("#race-status p")).to_have_count(4)
    field = page.get_by_label("f(x, y) =")
    expect(field).to_be_visible()
    no_sideways_scroll(page, width)
    with page.expect_response(CUSTOM_API):
        field.fill("abs(x) + y^2 +")
    expect(page.locator("#custom-expr-error")).to_be_visible()
    no_sideways_scroll(page, width)
    box = page.locator("#custom-expr-error").bounding_box()
    field_box = field.bounding_box()
    assert 0 <= box["y"] - (field_box["y"] + field_box["height"]) < 120  # right under the field
    page.screenshot(path=str(tmp_path / f"custom-{shot}.png"))
    assert [e for e in console_errors if "422" not in e] == []
