"""/filters with a real 2-megapixel photo, as a class uses it: uploaded once (downscaled in the
browser), five control changes that each send the small copy and get a few hundred KB back, maps
a person can see (robust contrast, magnitude), a full-resolution view, refusals next to their
control, at desktop, projector (1024×768, large text) and phone (390×844) sizes."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.urls import wait_url

SHOTS = Path(os.environ.get("CNNLAB_SHOTS", "/work/notes/shots"))
FILTER_URL = "/api/image/filter"


def photo_jpeg(path: Path, width: int = 1732, height: int = 1155) -> Path:
    """A photo-like 2 MP JPEG: a smooth sky-to-ground gradient, shapes with soft shading, noise."""
    rng = np.random.default_rng(11)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = np.stack([120 + 60 * y / height, 160 + 40 * y / height, 230 - 50 * y / height], -1)
    im = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, int(height * 0.62), width, height), fill=(86, 120, 60))  # the ground
    draw.ellipse((250, 180, 700, 630), fill=(230, 200, 80))  # a sun
    draw.polygon([(900, 700), (1250, 250), (1600, 700)], fill=(110, 100, 120))  # a mountain
    draw.rectangle((300, 650, 560, 900), fill=(160, 70, 50))  # a house
    draw.polygon([(280, 650), (430, 540), (580, 650)], fill=(90, 40, 40))
    a = np.asarray(im, np.float32) + rng.normal(0, 6, (height, width, 3))
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=90)
    return path


COUNT_SENT = """
window.__sent = [];
const originalFetch = window.fetch;
window.fetch = (url, options) => {
  if (options && options.body instanceof FormData) {
    let bytes = 0;
    for (const [, value] of options.body.entries()) bytes += value.size ?? new Blob([value]).size;
    window.__sent.push(bytes);
  }
  return originalFetch(url, options);
};
"""


def watch(page):
    """Every /api/image/filter exchange: (response body bytes, status); the bytes of each form
    sent are counted in the page (Chromium does not report the size of a Blob request body)."""
    seen = []

    def on_response(response):
        if response.url.endswith(FILTER_URL):
            seen.append((len(response.body()), response.status))

    page.add_init_script(COUNT_SENT)
    page.on("response", on_response)
    return seen


def settle(page, count, seen):
    """Wait until the page shows an answer and count exchanges were seen (events reach Python
    a little after the page has them)."""
    page.wait_for_function("() => !document.getElementById('fl-status').textContent.includes('…')")
    for _ in range(100):
        if len(seen) >= count:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(100)
    assert len(seen) == count, seen


@pytest.fixture
def photo(tmp_path):
    return photo_jpeg(tmp_path / "photo.jpg")


def test_five_changes_after_one_upload_send_a_small_copy(page, live_server, photo, console_errors):
    seen = watch(page)
    page.goto(live_server + "/filters?sample=&presets=sobel_x,laplacian&pool=max")
    page.set_input_files("#fl-file", str(photo))
    expect(page.locator(".fl-card")).to_have_count(2)
    settle(page, 1, seen)
    notes = page.locator("#fl-notes")
    expect(notes).to_contain_text("Downscaled in your browser from 1732×1155 to 1024×683")
    expect(notes).to_contain_text("Image used: 1024×683 (width×height)")
    assert photo.stat().st_size > 300_000

    changes = [
        lambda: page.locator(".fl-chip", has_text="Sobel y").click(),
        lambda: page.check('input[name="contrast"][value="full"]'),
        lambda: page.check('input[name="view"][value="magnitude"]'),
        lambda: page.select_option("#fl-padding", "valid"),
        lambda: page.select_option("#fl-pool", "avg"),
    ]
    for n, change in enumerate(changes, start=2):
        change()
        page.wait_for_timeout(50)
        settle(page, n, seen)
    expect(page.locator(".fl-card")).to_have_count(3)
    sent = page.evaluate("window.__sent")  # the form fields' bytes (file + spec) per request
    assert len(sent) == len(seen)
    received = [r for r, _ in seen]
    print("\nfilter requests (sent bytes, received bytes):", list(zip(sent, received, strict=True)))
    print(
        f"five changes: {len(seen) - 1} requests, {sum(sent[1:]):,} bytes sent, "
        f"{sum(received[1:]):,} bytes received"
    )
    assert all(status == 200 for _, status in seen)
    assert 10_000 < max(sent) < 400_000  # the downscaled copy, not the 2 MP original
    assert received[0] < 1_000_000  # with the input pixels, once
    assert max(received[1:]) < 500_000  # previews only
    # The magnitude view and the full range are said in words, with the true min and max.
    drawn = page.locator(".fl-drawn").first
    expect(drawn).to_contain_text("Drawn over the full range (|value| 0 to")
    expect(page.locator(".fl-min").first).to_contain_text("min -")
    assert console_errors == []


def test_rapid_changes_are_coalesced(page, live_server, photo, console_errors):
    seen = watch(page)
    page.goto(live_server + "/filters?sample=&presets=sobel_x&pool=none")
    page.set_input_files("#fl-file", str(photo))
    expect(page.locator(".fl-card")).to_have_count(1)
    settle(page, 1, seen)
    stride = page.locator("#fl-stride")
    stride.focus()
    for _ in range(6):  # six quick presses of ↑ on a focused number input: 1 -> 7
        page.keyboard.press("ArrowUp")
    page.wait_for_timeout(200)
    stride.blur()
    expect(page.locator("#fl-status")).to_contain_text("1 filter on 1024×683")
    page.wait_for_timeout(500)
    settle(page, len(seen), seen)
    assert 2 <= len(seen) <= 4, seen  # a handful, not one per press
    expect(stride).to_have_value("7")
    wait_url(page, lambda url: "stride=7" in url)
    expect(page.locator(".fl-card .fl-shape").first).to_have_text(" 147×98")
    assert console_errors == []


def test_robust_contrast_and_a_full_resolution_view(page, live_server, photo, console_errors):
    page.goto(live_server + "/filters?sample=&presets=laplacian&pool=none&color=rgb")
    page.set_input_files("#fl-file", str(photo))
    card = page.locator(".fl-card")
    expect(card).to_have_count(1)
    drawn = card.locator(".fl-drawn").first
    expect(drawn).to_contain_text("Drawn over the robust range, values")
    expect(drawn).to_contain_text("of the values lie outside it and are drawn at its ends")
    expect(card.locator("figcaption").first).to_contain_text("3 channels, 1024×683")
    expect(card.locator("figcaption").first).to_contain_text("preview 1:4")
    card.locator(".fl-zoom-button").first.click()
    zoom = page.locator("#fl-zoom")
    expect(zoom).to_be_visible()
    expect(page.locator("#fl-zoom-title")).to_contain_text("1024×683 at full resolution")
    box = page.locator("#fl-zoom-map .fm-canvas").bounding_box()
    assert abs(box["width"] - 1024) < 2  # one map pixel per CSS pixel
    page.locator("#fl-zoom-close").click()
    expect(zoom).to_be_hidden()
    assert console_errors == []


def test_a_bad_number_is_explained_next_to_it_and_kept(page, live_server, console_errors):
    seen = watch(page)
    page.goto(live_server + "/filters?sample=shapes&presets=identity")
    expect(page.locator(".fl-card")).to_have_count(1)
    settle(page, 1, seen)
    page.fill("#fl-stride", "0")
    page.locator("#fl-stride").press("Tab")
    error = page.locator("#fl-layer-error")
    expect(error).to_have_text(
        "Stride must be a whole number from 1 to 16; 0 is not one. "
        "The maps below are for the last value that worked."
    )
    expect(page.locator("#fl-stride")).to_have_value("0")  # not silently reverted
    expect(page.locator("#fl-stride")).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(300)
    assert len(seen) == 1  # nothing was sent
    page.fill("#fl-stride", "2")
    page.locator("#fl-stride").press("Tab")
    expect(error).to_be_empty()
    expect(page.locator(".fl-card .fl-shape").first).to_have_text(" 128×128")
    assert page.locator(".message.error:visible").count() == 0
    assert console_errors == []


@pytest.mark.parametrize(
    ("name", "viewport", "large"),
    [
        ("desktop", (1440, 900), False),
        ("projector", (1024, 768), True),
        ("phone", (390, 844), False),
    ],
)
def test_layouts_fit_and_screenshots(browser, live_server, photo, name, viewport, large):
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        has_touch=name == "phone",
        is_mobile=name == "phone",
        device_scale_factor=1,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + f"/filters?sample=&presets=sobel_x,sobel_y&large={int(large)}")
    page.set_input_files("#fl-file", str(photo))
    expect(page.locator(".fl-card")).to_have_count(2)
    page.wait_for_timeout(300)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0] + 1, f"{name}: the page scrolls sideways ({width} px)"
    # No feature map drawn over the input panel, and every map inside its card.
    overlap = page.evaluate(
        """() => {
          const side = document.querySelector('.fl-side').getBoundingClientRect();
          const hits = [];
          for (const c of document.querySelectorAll('.fl-card .fm-canvas')) {
            const r = c.getBoundingClientRect();
            const card = c.closest('.fl-card').getBoundingClientRect();
            const inter = !(r.right <= side.left || r.left >= side.right ||
                            r.bottom <= side.top || r.top >= side.bottom);
            if (inter || r.right > card.right + 1) hits.push([r.left, r.right, card.right]);
          }
          return hits;
        }"""
    )
    assert overlap == [], f"{name}: maps overlap the input panel or leave their card: {overlap}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".fl-results").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"image-{name}-maps.png"))
    page.locator(".fl-card").first.locator(".fm-canvas").first.click()
    expect(page.locator("#fl-arith")).to_contain_text("output row")
    page.locator("#fl-arith").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"image-{name}-arithmetic.png"))
    assert errors == []
    context.close()


def test_the_photo_helper_makes_two_megapixels(tmp_path):
    with Image.open(io.BytesIO(photo_jpeg(tmp_path / "p.jpg").read_bytes())) as im:
        assert im.size[0] * im.size[1] >= 2_000_000 and im.format == "JPEG"
