"""The keyboard does what the focused control says: page keys (the timeline's ←/→, Space,
Home/End; L for projector mode) give way to a focused button, checkbox, slider or grid; a skip
link on every page; a grid of numbers is one tab stop with arrows inside; Shift for bigger
steps. At desktop and 1024×768 (projector) sizes.
"""

import re

import pytest
from playwright.sync_api import expect

SIZES = {"desktop": {"width": 1280, "height": 900}, "projector": {"width": 1024, "height": 768}}
PAGES = ["/", "/conv", "/pooling", "/filters", "/activations", "/optimizers", "/training", "/cnn"]


@pytest.fixture(params=SIZES)
def sized(page, request):
    page.set_viewport_size(SIZES[request.param])
    return page


def readout(page):
    return page.locator(".tl-readout")


def blur(page):
    page.evaluate("document.activeElement && document.activeElement.blur()")


@pytest.mark.parametrize("path", PAGES)
def test_the_first_tab_reaches_a_skip_link_to_the_lesson(sized, live_server, path):
    page = sized
    page.goto(live_server + path)
    page.keyboard.press("Tab")
    link = page.locator(".skip-link")
    expect(link).to_be_focused()
    expect(link).to_be_visible()
    expect(link).to_have_text("Skip to the lesson")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab goes into the lesson, not back to the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_conv_space_and_enter_work_the_focused_button_and_checkbox(
    sized, live_server, console_errors
):
    page = sized
    page.goto(live_server + "/conv")
    expect(readout(page)).to_have_text("step 1 / 18")
    edit = page.get_by_label("Edit values")
    edit.focus()
    page.keyboard.press("Space")
    expect(edit).to_be_checked()
    expect(page).to_have_url(re.compile(r"edit=1"))
    expect(readout(page)).to_have_text("step 1 / 18")
    projector = page.get_by_role("button", name="Projector mode")
    projector.focus()
    page.keyboard.press("Space")
    expect(projector).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    expect(projector).to_have_attribute("aria-pressed", "false")
    play = page.get_by_role("button", name="Play / pause (space)")
    expect(play).to_have_attribute("aria-pressed", "false")
    # Off the controls, the page keys work: → steps, Shift+→ jumps 5, Home goes back.
    blur(page)
    page.keyboard.press("ArrowRight")
    expect(readout(page)).to_have_text("step 2 / 18")
    page.keyboard.press("Shift+ArrowRight")
    expect(readout(page)).to_have_text("step 7 / 18")
    page.keyboard.press("Home")
    expect(readout(page)).to_have_text("step 1 / 18")
    assert console_errors == []


def test_conv_grids_are_one_tab_stop_each_with_arrows_inside(sized, live_server, console_errors):
    page = sized
    page.goto(live_server + "/conv")
    expect(page.locator("#conv-output .cell")).to_have_count(18)
    page.locator("#conv-controls").get_by_role("button", name="CS231n demo").focus()
    presses = 0
    while presses < 60:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("!!document.activeElement.closest('#conv-output')"):
            break
    print(f"\n{presses} Tab presses from the form's last button to the first output cell")
    assert presses <= 15
    first = page.locator("#conv-output .grid").first.locator(".cell").first
    expect(first).to_be_focused()
    outline = first.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    # Arrows move inside the grid (its receptive field shows), not the timeline.
    page.keyboard.press("ArrowRight")
    second = page.locator("#conv-output .grid").first.locator('.cell[data-r="0"][data-c="1"]')
    expect(second).to_be_focused()
    expect(readout(page)).to_have_text("step 1 / 18")
    expect(page.locator("#conv-output .cell.hl-feeds")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator('#conv-output .cell.hl-pin[data-r="1"][data-c="1"]')).to_have_count(1)
    expect(page).to_have_url(re.compile(r"pin=o\.0\.1\.1"))
    # One tab stop: Tab leaves for the next grid, Shift+Tab comes back to the same cell.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.activeElement.closest('.grid') !== document.querySelector('#conv-output .grid')"
    )
    page.keyboard.press("Shift+Tab")
    expect(
        page.locator("#conv-output .grid").first.locator('.cell[data-r="1"][data-c="1"]')
    ).to_be_focused()
    # Every grid has rows, and only interactive ones are in the tab order.
    roles = page.evaluate(
        """() => [...document.querySelectorAll('#conv-input .grid, #conv-output .grid')].map(g =>
             [g.getAttribute('role'), g.querySelectorAll(':scope > [role=row]').length,
              g.querySelectorAll('[tabindex="0"]').length])"""
    )
    assert roles and all(role == "grid" and rows > 0 and stops == 1 for role, rows, stops in roles)
    assert console_errors == []


def test_pooling_space_on_global_pooling_toggles_it(sized, live_server, console_errors):
    page = sized
    page.goto(live_server + "/pooling")
    expect(readout(page)).to_have_text(re.compile(r"^step 1 / \d+$"))
    before = readout(page).text_content()
    box = page.get_by_label("Global pooling")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    expect(page).to_have_url(re.compile(r"global=1"))
    expect(page.get_by_role("button", name="Play / pause (space)")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert readout(page).text_content() != "" and before.startswith("step 1")
    assert console_errors == []


def test_optimizers_arrows_on_a_learning_rate_slider_move_the_slider(
    sized, live_server, console_errors
):
    page = sized
    page.goto(live_server + "/optimizers")
    expect(page.locator("#race-status p")).to_have_count(4)
    slider = page.get_by_label("SGD learning rate (log scale)")
    value = float(slider.input_value())
    slider.focus()
    with page.expect_response(re.compile(r"/api/optimize$")):
        page.keyboard.press("ArrowRight")
    assert float(slider.input_value()) == pytest.approx(value + 0.05, abs=1e-9)
    expect(readout(page)).to_have_text("step 1 / 501")
    # Space on the remove button removes, it does not play.
    page.get_by_role("button", name="Remove RMSProp").focus()
    page.keyboard.press("Space")
    expect(page.locator("#race-optimizers .optim-card")).to_have_count(3)
    expect(page.get_by_role("button", name="Play / pause (space)")).to_have_attribute(
        "aria-pressed", "false"
    )
    # Off the controls: Shift+→ jumps 25 of the 501 steps.
    page.locator("#race-numbers-heading").click()
    page.keyboard.press("Shift+ArrowRight")
    expect(readout(page)).to_have_text("step 26 / 501")
    assert [e for e in console_errors if "422" not in e] == []


def test_activations_chart_shift_moves_ten_times_further(sized, live_server, console_errors):
    page = sized
    page.goto(live_server + "/activations")
    caption = page.locator("#act-readout-caption")
    expect(caption).to_have_text("at x = 1")
    page.locator("#act-plot canvas").focus()
    page.keyboard.press("ArrowRight")
    expect(caption).to_have_text("at x = 1.02")
    page.keyboard.press("Shift+ArrowRight")
    x = float(caption.text_content().split("=")[1])
    assert x >= 1.02 + 0.5
    page.keyboard.press("Shift+ArrowLeft")
    expect(caption).to_have_text("at x = 1.02")
    assert console_errors == []
