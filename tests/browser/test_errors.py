"""Errors as sentences: every refused value is explained once, next to its control, in words (what
is wrong and what would work), never as a status code or a field path, and the typed value is
kept, not silently reverted. At desktop and 1024×768 (projector) sizes.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

SIZES = {"desktop": {"width": 1280, "height": 900}, "projector": {"width": 1024, "height": 768}}
SHOTS = Path("/work/notes/shots")
RAW = re.compile(r"^[45]\d\d\b|\b[45]\d\d:|\w+\[\d+\]|Input should|HTTP")

# page, how to find the control, what to type, the sentence (a regular expression), ready check
CASES = {
    "optimizers-start": (
        "/optimizers",
        lambda page: page.locator("#race-sx"),
        "20000",
        r"^Start x must be at most 10000 \(you gave 20000\)\.$",
        "#race-status p",
    ),
    "optimizers-rate": (
        "/optimizers",
        lambda page: page.get_by_label("Adam beta1"),
        "2",
        r"^Adam beta1 must be at most 0\.9999 \(you gave 2\)\.$",
        "#race-status p",
    ),
    "optimizers-steps": (
        "/optimizers",
        lambda page: page.locator("#search-steps"),
        "5000",
        r"^Steps per run must be a whole number from 1 to 2000 \(you gave 5000\)\. "
        r"The lesson still uses 300\.$",
        "#search-summary tr",
    ),
    "conv-height": (
        "/conv",
        lambda page: page.locator('#conv-controls input[name="h"]'),
        "99",
        r"^Input height must be a whole number from 1 to 32 \(you gave 99\)\. "
        r"The lesson still uses 5\.$",
        "#conv-output .cell",
    ),
    "pooling-window": (
        "/pooling",
        lambda page: page.locator('#pool-controls input[name="k"]'),
        "2.5",
        r"^Window size must be a whole number from 1 to 12 \(you gave 2\.5\)\. "
        r"The lesson still uses 2\.$",
        "#pool-output .cell",
    ),
    "activations-samples": (
        "/activations",
        lambda page: page.locator('#van-controls input[name="samples"]'),
        "5000",
        r"^Samples must be a whole number from 1 to 2000 \(you gave 5000\)\. "
        r"The lesson still uses 500\.$",
        "#act-readout tbody tr",
    ),
    "training-cell": (
        "/training",
        lambda page: page.get_by_label("x row 1 feature 1", exact=True),
        "5000000",
        r"^Could not normalise the batch\. x row 1 feature 1 must be at most 1000000 "
        r"\(you gave 5000000\)\.$",
        "#bn-input input",
    ),
    "training-classes": (
        "/training",
        lambda page: page.locator("#check-classes"),
        "1",
        r"^Classes C must be a whole number from 2 to \d+ \(you gave 1\)\. "
        r"The lesson still uses 10\.$",
        "#bn-input input",
    ),
    "cnn-filters": (
        "/cnn",
        lambda page: page.get_by_label("Layer 0 filters", exact=True),
        "1000",
        r"^Layer 0 filters must be a whole number from 1 to \d+ \(you gave 1000\)\. "
        r"The network still uses 8\.$",
        "#cnn-layers input",
    ),
    "cnn-learning-rate": (
        "/cnn",
        lambda page: page.locator("#cnn-train").get_by_label("Adam learning rate", exact=True),
        "-1",
        r"^Adam learning rate must be more than 0 and at most \d+ \(you gave -1\)\. "
        r"It still uses 0\.001\.$",
        "#cnn-layers input",
    ),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("case", CASES)
def test_a_refused_value_is_one_sentence_next_to_its_control(page, live_server, case, size):
    path, find, typed, sentence, ready = CASES[case]
    page.set_viewport_size(SIZES[size])
    page.goto(live_server + path)
    expect(page.locator(ready).first).to_be_attached(timeout=15_000)
    page.wait_for_load_state("networkidle")
    control = find(page)
    control.scroll_into_view_if_needed()
    control.fill(typed)
    control.press("Enter")
    message = page.locator(".field-error:not(:empty)")
    expect(message).to_have_count(1, timeout=10_000)  # said once
    expect(message).to_have_text(re.compile(sentence))
    expect(page.locator(".message.error:not(:empty)")).to_have_count(0)
    assert not RAW.search(message.text_content()), message.text_content()
    # Right after the control (or its label, or its table), tied to it for a screen reader.
    beside = """m => {
        const c = document.querySelector(`[aria-describedby~="${m.id}"]`);
        const anchor = c && (c.closest("table") || c.closest("label") || c);
        return anchor !== null && anchor.nextElementSibling === m;
    }"""
    assert message.evaluate(beside)
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_value(typed)  # kept as typed, not reverted
    if size == "projector" and case in ("optimizers-start", "conv-height", "cnn-filters"):
        page.screenshot(path=str(SHOTS / f"keys-error-{case}-1024.png"))
    if size == "desktop" and case in ("training-cell", "optimizers-rate"):
        page.screenshot(path=str(SHOTS / f"keys-error-{case}-desktop.png"))
