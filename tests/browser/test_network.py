"""Requests a classroom network can carry: a slider drag sends a handful of requests, not one per
pointer move, and the default race plays in seconds.

Run with -s to see the figures: `python -m pytest tests/browser/test_network.py -s -q`.
"""

import re
import time

import pytest
from playwright.sync_api import expect

SIZES = {"desktop": {"width": 1280, "height": 900}, "projector": {"width": 1024, "height": 768}}


def drag(page, slider, moves):
    """A pointer drag across the slider's track in `moves` moves, like a hand on a mouse."""
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    x0 = box["x"] + box["width"] * 0.2
    x1 = box["x"] + box["width"] * 0.8
    page.mouse.move(x0, y)
    page.mouse.down()
    for k in range(1, moves + 1):
        page.mouse.move(x0 + (x1 - x0) * k / moves, y)
    page.mouse.up()


def watch(page, path):
    """Counts the requests to `path` and the bytes of their answers."""
    seen = {"requests": 0, "responses": 0, "bytes": 0}

    def on_request(request):
        if request.url.split("?")[0].endswith(path):
            seen["requests"] += 1

    def on_response(response):
        if response.url.split("?")[0].endswith(path):
            seen["responses"] += 1
            try:
                seen["bytes"] += len(response.body())
            except Exception:  # an answer dropped by the browser has no body
                pass

    page.on("request", on_request)
    page.on("response", on_response)
    return seen


@pytest.mark.parametrize("size", SIZES)
def test_a_30_move_learning_rate_drag_sends_a_handful_of_requests(
    page, live_server, size, console_errors
):
    page.set_viewport_size(SIZES[size])
    page.goto(live_server + "/optimizers")
    expect(page.locator("#race-status p")).to_have_count(4)
    page.wait_for_load_state("networkidle")
    seen = watch(page, "/api/optimize")
    slider = page.get_by_label("SGD learning rate (log scale)")
    slider.scroll_into_view_if_needed()
    before = page.locator("#race-status p").first.text_content()
    started = time.monotonic()
    drag(page, slider, 30)
    took = time.monotonic() - started
    lr = page.get_by_label("SGD learning rate", exact=True).input_value()
    expect(page).to_have_url(re.compile(rf"opts=sgd%3Alr%3D{re.escape(lr)}%3B"))
    expect(page.locator("#race-status p").first).not_to_have_text(before)
    time.sleep(1.0)  # anything still to come would be sent by now
    page.wait_for_load_state("networkidle")
    megabytes = seen["bytes"] / 1e6
    print(
        f"\n[{size}] 30-move drag over {took:.2f} s: {seen['requests']} requests, "
        f"{megabytes:.2f} MB received"
    )
    # At most one request every 0.5 s while the slider moves (coalesce.js), one at the end.
    # (On an idle machine 30 moves take about a second: 1-3 requests.)
    assert 1 <= seen["requests"] <= 2 + took / 0.5
    assert seen["bytes"] < 0.6e6 * seen["requests"]
    assert console_errors == []


def test_the_default_race_plays_in_seconds_and_still_steps_one_at_a_time(
    page, live_server, console_errors
):
    page.goto(live_server + "/optimizers")
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 501")
    expect(page.locator("#race-status p")).to_have_count(4)
    speed = page.locator("#race-timeline select")
    expect(speed).to_have_value("1")
    expect(speed.locator("option").first).to_have_text("0.01× (1 step/s)")
    started = time.monotonic()
    page.get_by_role("button", name="Play / pause (space)").click()
    expect(page.locator(".tl-readout")).to_have_text("step 501 / 501", timeout=20_000)
    played = time.monotonic() - started
    print(f"\nthe default 500-step race played in {played:.1f} s at 1×")
    assert played < 12  # 5 s at 100 steps/s, with room for a loaded machine
    expect(page).to_have_url(re.compile(r"[?&]step=500(&|$)"))
    # Step by step: the slowest speed moves one step a second; → moves exactly one.
    page.get_by_role("button", name=re.compile("First step")).click()
    speed.select_option("0.01")
    page.locator("#race-numbers-heading").click()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 501")
    page.keyboard.press("Space")
    time.sleep(1.6)
    page.keyboard.press("Space")
    text = page.locator(".tl-readout").text_content()
    assert text in ("step 3 / 501", "step 4 / 501"), text
    assert console_errors == []
