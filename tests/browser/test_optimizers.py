"""/optimizers in real Chromium: pick a start, race three optimisers, scrub, read the numbers."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

THREE = "sgd:lr=0.001;momentum:lr=0.001,rho=0.9;adam:lr=0.05"


def query(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


def numbers_row(page, quantity):
    return page.locator(f'#race-numbers tr[data-quantity="{quantity}"] td')


def test_click_a_start_race_three_scrub_and_read_the_numbers(page, live_server, console_errors):
    page.goto(live_server + "/optimizers")
    cards = page.locator("#race-optimizers .optim-card")
    expect(cards).to_have_count(4)
    page.get_by_role("button", name="Remove RMSProp").click()
    expect(cards).to_have_count(3)
    expect(page.locator("#race-status p")).to_have_count(3)
    assert query(page)["opts"] == THREE

    # Click the map: the start moves there, into the inputs and the URL.
    canvas = page.locator("#race-map canvas")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.6})
    expect(page).to_have_url(re.compile(r"start=-?[0-9.]+%2C-?[0-9.]+"))
    x, y = (float(v) for v in query(page)["start"].split(","))
    assert (x, y) != (-1.2, 1.0)
    assert -2 < x < 2 and -1 < y < 3
    expect(page.locator("#race-sx")).to_have_value(str(x).removesuffix(".0"))
    expect(page.locator("#race-status p").first).to_contain_text("after 500 steps")

    # Scrub: three steps forward with the keyboard, then read Adam's numbers.
    page.locator("#race-numbers-heading").click()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 4 / 501")
    page.locator("#race-selected").select_option(label="3. Adam")
    expect(page.locator(".optim-step-head")).to_contain_text("Adam, step 4 (t = 4)")
    expect(numbers_row(page, "1 − β1ᵗ").nth(2)).to_have_text("0.3439")  # 1 - 0.9⁴
    expect(numbers_row(page, "x_t").nth(2)).to_have_text(re.compile(r"^-?[0-9.]+$"))
    assert numbers_row(page, "m̂ = m / (1 − β1ᵗ)").count() == 4
    params = query(page)
    assert params["step"] == "3" and params["sel"] == "2"

    # The log-scale slider sets the learning rate; the race reruns with it.
    before = page.locator("#race-status p").first.text_content()
    page.get_by_label("SGD learning rate (log scale)").fill("-2")
    expect(page.get_by_label("SGD learning rate", exact=True)).to_have_value("0.01")
    expect(page).to_have_url(re.compile(r"opts=sgd%3Alr%3D0\.01%3B"))
    status = page.locator("#race-status p").first
    expect(status).not_to_have_text(before)  # the race reran (it may diverge from this start)
    expect(status).to_have_text(re.compile(r"^SGD: (f = |diverged at step )"))

    # The same link reopens the same view.
    page.goto(page.url)
    expect(page.locator(".optim-step-head")).to_contain_text("Adam, step 4 (t = 4)")
    expect(page.locator("#race-sx")).to_have_value(str(x).removesuffix(".0"))
    assert console_errors == []


def test_a_shared_link_opens_nesterov_with_its_look_ahead(page, live_server, console_errors):
    page.goto(
        live_server + "/optimizers?surface=himmelblau&start=0.5,-0.5&steps=100"
        "&opts=nesterov:lr=0.01,rho=0.9&step=5&sched=step"
    )
    expect(page.locator("#race-surface")).to_have_value("himmelblau")
    expect(page.locator(".tl-readout")).to_have_text("step 6 / 101")
    expect(page.locator(".optim-step-head")).to_contain_text("Nesterov momentum, step 6")
    expect(numbers_row(page, "x + ρ·v")).to_have_count(4)
    expect(page.locator("#race-sched")).to_have_value("step")
    expect(numbers_row(page, "α_t").nth(2)).to_have_text("0.01")  # halved after 25 steps
    # The surface's LaTeX, rendered as MathML (Temml): the rendered text and its source.
    formula = page.locator("#race-formula math")
    expect(formula).to_be_visible()
    expect(formula.locator("semantics > mrow")).to_have_text("f(x,y)=(x2+y−11)2+(x+y2−7)2")
    expect(formula.locator("msup")).to_have_count(4)
    expect(formula.locator("annotation")).to_have_text(
        "f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    )
    assert console_errors == []


def test_divergence_is_reported_on_the_page(page, live_server, console_errors):
    page.goto(live_server + "/optimizers?surface=bowl&start=-7,2.5&steps=100&opts=sgd:lr=1.5")
    expect(page.locator("#race-status p")).to_have_text(re.compile("SGD: diverged at step 19"))
    page.keyboard.press("End")
    expect(page.locator(".optim-step-head")).to_contain_text("diverged at step 19")
    assert console_errors == []


def test_a_bad_learning_rate_shows_the_server_s_message(page, live_server, console_errors):
    page.goto(live_server + "/optimizers?opts=" + THREE)
    page.get_by_label("SGD learning rate", exact=True).fill("0")
    page.get_by_label("SGD learning rate", exact=True).press("Enter")
    rate = page.get_by_label("SGD learning rate", exact=True)
    expect(rate).to_have_attribute("aria-invalid", "true")
    message = page.locator(".field-error:not(:empty)")
    expect(message).to_have_text("SGD learning rate must be more than 0 (you gave 0).")
    expect(rate).to_have_value("0")  # kept, not reverted
    expect(page.locator("#race-error")).to_have_text("")
    # The 422 is the expected answer, logged by the browser as a failed resource load.
    assert [e for e in console_errors if "422" not in e] == []


def test_learning_rate_lesson_and_search(page, live_server, console_errors):
    page.goto(live_server + "/optimizers")
    captions = page.locator(".optim-small h3")
    expect(captions).to_have_count(3)
    expect(captions.nth(0)).to_contain_text("too low: α = 0.02")
    expect(captions.nth(2)).to_contain_text("too high: α = 1.05")
    page.locator("#lr-opt").select_option("adam")
    expect(page.locator("#lr-surface")).to_have_value("rosenbrock")
    expect(captions.nth(1)).to_contain_text("good: α = 0.6")
    rows = page.locator("#search-summary tr")
    expect(
        page.locator('#search-summary tr[data-row="distinct learning rates tried"] td')
    ).to_have_text(["distinct learning rates tried", "8", "64"])
    assert rows.count() >= 7
    page.locator("#search-budget").select_option("16")
    expect(page.locator('#search-summary tr[data-row="runs"] td')).to_have_text(
        ["runs", "16", "16"]
    )
    assert query(page)["s_budget"] == "16"
    assert console_errors == []
