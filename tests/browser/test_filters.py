"""The image filter lab in real Chromium: upload, presets, maps, the arithmetic of one pixel."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image
from playwright.sync_api import expect

SAMPLES = Path(__file__).resolve().parents[2] / "static" / "img" / "samples"
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)


def expected_sobel_x(path: Path, r: int, c: int) -> float:
    """Sobel x at (r, c) of the grayscale image, zero padding 1, as the page should report it."""
    gray = np.asarray(Image.open(path).convert("L"), dtype=np.float64) / 255
    padded = np.pad(gray, 1)
    return float((padded[r : r + 3, c : c + 3] * SOBEL_X).sum())


def click_map_pixel(page, canvas, r: int, c: int, rows: int, cols: int):
    box = canvas.bounding_box()
    canvas.click(
        position={"x": (c + 0.5) / cols * box["width"], "y": (r + 0.5) / rows * box["height"]}
    )


def test_upload_pick_presets_and_read_the_arithmetic(page, live_server, console_errors):
    page.goto(live_server + "/filters?sample=&presets=identity")
    sample = SAMPLES / "shapes.png"
    page.set_input_files("#fl-file", str(sample))
    cards = page.locator(".fl-card")
    expect(cards).to_have_count(1)
    expect(page.locator("#fl-status")).to_contain_text("1 filter on 256×256")
    expect(page.locator("#fl-notes")).to_contain_text(
        "Image used: 256×256 (width×height), grayscale"
    )

    page.locator(".fl-chip", has_text="Box blur 3").click()
    page.locator(".fl-chip", has_text="Sobel x").click()
    expect(cards).to_have_count(3)
    expect(cards.nth(2).locator("h3")).to_contain_text("Sobel x")
    query = parse_qs(urlparse(page.url).query, keep_blank_values=True)
    assert query["presets"] == ["identity,box_blur_3,sobel_x"]
    assert query["sample"] == [""]

    # Each Sobel x stage shows its map, min/max and a colour bar.
    sobel = cards.nth(2)
    expect(sobel.locator("figure")).to_have_count(3)
    expect(sobel.locator(".fl-min").first).to_contain_text("min -")
    expect(sobel.locator(".colorbar").first).to_be_visible()

    # The left edge of the blue square: row 60, column 24 of the convolution map.
    click_map_pixel(page, sobel.locator(".fm-canvas").first, 60, 24, 256, 256)
    arith = page.locator("#fl-arith")
    expect(arith).to_contain_text("Sobel x · convolution · output row 60, column 24")
    expect(arith).to_contain_text("Window rows 59…61, columns 23…25")
    total = arith.locator(".fl-apart .arith .total").first.inner_text()
    assert abs(float(total) - expected_sobel_x(sample, 60, 24)) < 1e-3
    assert abs(float(total)) > 0.5  # an edge, not a flat patch
    relu = arith.locator(".arith .total").last.inner_text()
    assert relu.startswith(f"max(0, {total})")
    assert console_errors == []


def test_pool_pixel_shows_its_window(page, live_server, console_errors):
    page.goto(live_server + "/filters?sample=checkerboard&presets=sobel_y&pool=max&psize=2")
    card = page.locator(".fl-card")
    expect(card).to_have_count(1)
    expect(card.locator("figcaption").nth(2)).to_contain_text("max pool 2×2, stride 2")
    expect(card.locator(".fl-shape").nth(2)).to_have_text(" 128×128")
    click_map_pixel(page, card.locator(".fm-canvas").nth(2), 15, 40, 128, 128)
    arith = page.locator("#fl-arith")
    expect(arith).to_contain_text("pooling · output row 15, column 40")
    expect(arith).to_contain_text("Max pooling of a 2×2 window")
    expect(arith.locator(".fl-apart").first.locator(".arith")).to_contain_text(re.compile(r"max\("))
    assert console_errors == []


def test_the_url_reopens_the_configuration(page, live_server, console_errors):
    page.goto(live_server + "/filters?sample=stripes&color=full&presets=prewitt_x&padding=valid")
    expect(page.locator(".fl-card")).to_have_count(1)
    expect(page.locator('#fl-color input[value="full"]')).to_be_checked()
    expect(page.locator(".fl-card h3")).to_contain_text("Prewitt x (full depth)")
    expect(page.locator(".fl-card .fl-shape").first).to_have_text(" 254×254")
    expect(page.locator('.fl-sample[data-sample="stripes"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert console_errors == []


def test_refusals_show_inline(page, live_server, tmp_path):
    page.goto(live_server + "/filters?sample=shapes&presets=identity")
    expect(page.locator(".fl-card")).to_have_count(1)
    text = tmp_path / "notes.png"
    text.write_text("not a picture at all\n")
    page.set_input_files("#fl-file", str(text))
    expect(page.locator("#fl-error")).to_contain_text("The image: The file is not an image")
    expect(page.locator("#fl-error")).not_to_contain_text("415")
    # The maps of the previous image are not left on screen as if they were this one's.
    expect(page.locator(".fl-card")).to_have_count(0)
    expect(page.locator("#fl-status")).to_contain_text("No feature maps are shown")
    page.goto(
        live_server + "/filters?sample=shapes&presets=identity&padding=valid&custom=1&ksize=11"
    )
    expect(page.locator(".fl-card")).to_have_count(2)
    small = tmp_path / "small.png"
    Image.new("RGB", (10, 12), (200, 30, 30)).save(small)
    page.goto(live_server + "/filters?sample=shapes&presets=identity&pool=max&psize=16")
    page.set_input_files("#fl-file", str(small))
    expect(page.locator("#fl-layer-error")).to_have_text(
        "Pool size: The 16×16 pooling window is larger than the 10×12 (width×height) feature map "
        "it pools: use a window of at most 10."
    )
    expect(page.locator(".fl-card")).to_have_count(0)
    for slot in ("#fl-error", "#fl-presets-error", "#fl-kernel-error"):
        expect(page.locator(slot)).to_be_empty()


def test_hover_shows_and_leaving_clears(page, live_server, console_errors):
    page.goto(live_server + "/filters?sample=text&presets=laplacian&pool=none")
    expect(page.locator("#fl-status")).to_contain_text("1 filter on 256×256")
    canvas = page.locator(".fl-card .fm-canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * (40.5 / 256), box["y"] + box["height"] * (50.5 / 256))
    expect(page.locator("#fl-arith")).to_contain_text("output row 50, column 40")
    page.mouse.move(box["x"] - 20, box["y"] - 20)
    expect(page.locator("#fl-arith-body")).to_be_empty()
    assert console_errors == []


def test_downloads_are_full_size_pngs(page, live_server, tmp_path, console_errors):
    big = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (600, 700), np.uint8)).save(big)
    page.goto(live_server + "/filters?sample=&presets=sobel_y&pool=max")
    page.set_input_files("#fl-file", str(big))
    card = page.locator(".fl-card")
    expect(card.locator("figcaption").first).to_contain_text("preview 1:3 (block means)")
    for index, size in ((0, (700, 600)), (2, (350, 300))):  # a preview, then a full-size stage
        with page.expect_download() as info:
            card.locator(".fl-download").nth(index).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        with Image.open(path) as png:
            assert png.format == "PNG" and png.size == size
    assert info.value.suggested_filename == "sobel_y-1-pool.png"
    assert console_errors == []
