"""Layout in real Chromium: the projector (1024×768, 1280×720, 1920×1080 with projector mode), the
phone (390×844 with touch), the remembered choices and the 404 page.

What is measured is what a teacher or a student would see: the key panel of a lesson inside the
viewport below the sticky timeline, nothing wider than the page, no sideways scroll.
"""

import re

import pytest
from playwright.sync_api import expect

from app.pages import LESSONS as ALL_LESSONS
from tests.browser.urls import wait_url

LESSONS = ["/", *(f"/{lesson.slug}" for lesson in ALL_LESSONS)]
PROJECTORS = [(1024, 768), (1280, 720), (1920, 1080)]
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

# Each stepper's key panel: the container scrolled to, and what must then be fully in view.
KEY_PANELS = {
    "conv": (
        "#conv-key-panel",
        [
            "#conv-input .cell.hl-window",
            ".filter-block.current",
            "#conv-output .cell.hl-current",
            ".conv-arith-area",
        ],
    ),
    "pooling": (
        "#pool-key-panel",
        ["#pool-input .cell.hl-window", "#pool-output .cell.hl-current", ".pool-arith-area"],
    ),
    "optimizers": ("#race-key-panel", ["#race-map", ".optim-numbers-panel"]),
}

# Elements of `selectors` not fully inside the viewport below the sticky timeline.
OUT_OF_VIEW = """(selectors) => {
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const timeline = document.querySelector(".timeline");
  const top = timeline ? timeline.getBoundingClientRect().bottom : 0;
  const out = [];
  for (const sel of selectors) {
    const found = [...document.querySelectorAll(sel)];
    if (!found.length) out.push(`${sel}: not on the page`);
    for (const el of found) {
      const r = el.getBoundingClientRect();
      if (r.top < top - 1 || r.bottom > vh + 1 || r.left < -1 || r.right > vw + 1) {
        out.push(`${sel}: [${Math.round(r.left)}, ${Math.round(r.top)}, ${Math.round(r.right)}, `
          + `${Math.round(r.bottom)}] outside ${vw}×${vh} below ${Math.round(top)}`);
      }
    }
  }
  return out;
}"""

# Elements wider than the page that no scroll region holds: they would scroll the page sideways
# or be cut off. With strict=true, scroll regions must not scroll either (nothing hidden).
TOO_WIDE = """(strict) => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    const name = `${el.tagName}#${el.id}.${el.className}`;
    if (!r.width || el.clientWidth <= 1 || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) {
      continue;
    }
    const scrolls = getComputedStyle(el).overflowX !== "visible";
    if (strict && scrolls && el.scrollWidth > el.clientWidth + 1 && el.tagName !== "NAV") {
      out.push(`${name}: scrolls ${el.scrollWidth} in ${el.clientWidth}`);
    }
    if (r.right <= vw + 1) continue;
    let clip = el.parentElement;
    while (clip && getComputedStyle(clip).overflowX === "visible") clip = clip.parentElement;
    if (!clip) out.push(`${name}: right edge ${Math.round(r.right)} > ${vw}`);
  }
  return out.slice(0, 10);
}"""


def page_at(browser, width, height, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context, context.new_page()


def settle(page):
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("size", PROJECTORS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", list(KEY_PANELS))
def test_projector_key_panel_fits_one_screen(browser, live_server, lesson, size):
    panel, keys = KEY_PANELS[lesson]
    context, page = page_at(browser, *size)
    try:
        for step in ("0", "999"):  # the first and the last step
            page.goto(f"{live_server}/{lesson}?large=1&step={step}")
            settle(page)
            settle(page)
            expect(page.locator(keys[1]).first).to_be_visible()
            page.locator(panel).evaluate("(el) => el.scrollIntoView({ block: 'start' })")
            assert page.evaluate(OUT_OF_VIEW, keys) == [], f"{lesson} step {step} at {size}"
            assert page.evaluate(TOO_WIDE, True) == []
    finally:
        context.close()


@pytest.mark.parametrize("size", PROJECTORS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_projector_no_page_is_wider_than_the_screen(browser, live_server, size):
    context, page = page_at(browser, *size)
    try:
        for path in LESSONS:
            page.goto(f"{live_server}{path}?large=1")
            settle(page)
            expect(page.locator("html")).to_have_class(re.compile(r"\blarge\b"))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], f"{path} scrolls sideways at {size}: {width}px"
            strict = path in ("/conv", "/pooling", "/filters", "/optimizers")
            assert page.evaluate(TOO_WIDE, strict) == [], f"{path} at {size}"
    finally:
        context.close()


def test_projector_timeline_stays_in_view(browser, live_server):
    context, page = page_at(browser, 1024, 768)
    try:
        page.goto(f"{live_server}/conv?large=1")
        settle(page)
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        box = page.locator("#conv-timeline").bounding_box()
        assert box["y"] == pytest.approx(0, abs=1) and box["height"] < 120
        page.locator("#conv-timeline .tl-button", has_text="Next").click()
        expect(page.locator(".tl-readout")).to_have_text("step 2 / 18")
    finally:
        context.close()


def test_projector_filters_maps_never_under_the_input_panel(browser, live_server):
    """The issue's bug: the first feature map drawn over "Input used". Side by side or stacked
    (the /filters layout decides by its width), the two never overlap."""
    context, page = page_at(browser, 1024, 768)
    try:
        page.goto(f"{live_server}/filters?large=1")
        canvas = page.locator(".fm-canvas").first
        expect(canvas).to_be_visible(timeout=15000)
        canvas.click(position={"x": 40, "y": 40})
        expect(page.locator("#fl-arith-body")).not_to_be_empty()
        figure = page.locator(".fl-maps .fl-figure").first.bounding_box()
        side = page.locator(".fl-side").bounding_box()
        apart = (
            figure["x"] + figure["width"] <= side["x"] + 1
            or side["x"] + side["width"] <= figure["x"] + 1
            or figure["y"] + figure["height"] <= side["y"] + 1
            or side["y"] + side["height"] <= figure["y"] + 1
        )
        assert apart, f"a feature map {figure} overlaps the input panel {side}"
        assert page.evaluate(TOO_WIDE, False) == []
    finally:
        context.close()


def test_phone_pages_never_scroll_sideways(browser, live_server):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        for path in [*LESSONS, "/convolution"]:
            page.goto(live_server + path)
            settle(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone: {width}px"
            assert page.evaluate(TOO_WIDE, False) == [], path
            header = page.locator(".site-header").bounding_box()
            assert header["height"] <= 0.12 * 844, f"{path}: header {header['height']}px"
    finally:
        context.close()


def test_phone_tap_on_an_output_cell_shows_its_window_and_arithmetic(browser, live_server):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/conv")
        expect(page.locator(".tl-readout")).to_have_text("step 1 / 18")
        last = page.locator("#conv-output .cell").last
        last.scroll_into_view_if_needed()
        last.tap()
        expect(page.locator(".tl-readout")).to_have_text("step 18 / 18")
        expect(page.locator("#conv-arith")).to_contain_text("Step 18 of 18")
        page.wait_for_timeout(200)  # the scroll happens on the next frame
        keys = ["#conv-input .cell.hl-window", "#conv-output .cell.hl-current", "#conv-arith"]
        assert page.evaluate(OUT_OF_VIEW, keys) == []
        # The step controls are there too: the timeline is sticky at the top.
        assert page.locator("#conv-timeline").bounding_box()["y"] == pytest.approx(0, abs=1)
        page.locator("#conv-timeline .tl-button", has_text="Back").tap()
        expect(page.locator(".tl-readout")).to_have_text("step 17 / 18")
    finally:
        context.close()


def test_choices_are_remembered_and_the_url_wins(page, live_server):
    html = page.locator("html")
    page.goto(f"{live_server}/pooling")
    page.get_by_role("button", name="中文 terms").click()
    expect(html).to_have_class(re.compile(r"\bno-zh\b"))
    expect(page.locator("h1 [lang=zh]")).to_be_hidden()
    page.get_by_role("button", name="Projector mode").click()
    page.goto(f"{live_server}/conv")  # remembered on another page
    expect(html).to_have_class(re.compile(r"\blarge\b.*\bno-zh\b|\bno-zh\b.*\blarge\b"))
    page.goto(f"{live_server}/conv?large=0&zh=1")  # an explicit URL parameter wins
    projector = page.get_by_role("button", name="Projector mode")
    expect(projector).to_have_attribute("aria-pressed", "false")
    expect(html).not_to_have_class(re.compile(r"\blarge\b|\bno-zh\b"))
    expect(page.locator("h1 [lang=zh]")).to_be_visible()
    # A change made on a page whose URL names the choice updates the URL, so a reload keeps it.
    page.get_by_role("button", name="Projector mode").click()
    wait_url(page, lambda url: "large=1" in url)
    page.reload()
    expect(html).to_have_class(re.compile(r"\blarge\b"))


def test_a_mistyped_lesson_address_gets_the_sites_404_page(page, live_server, console_errors):
    response = page.goto(f"{live_server}/convolution")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("No lesson at this address")
    expect(page.locator(".site-header .site-nav")).to_be_visible()
    links = page.locator(".not-found-list a")
    expect(links).to_have_count(len(ALL_LESSONS))
    links.first.click()
    # The lesson writes its view into the URL as soon as it has drawn it.
    expect(page).to_have_url(re.compile(r"/conv(\?|$)"))
    # The browser logs the 404 status itself; nothing else may go wrong.
    assert [e for e in console_errors if "status of 404" not in e] == []
    api = page.request.get(f"{live_server}/api/convolution")
    assert api.status == 404 and api.json()["detail"] == "Not Found"
