"""The Share & export menu and the embedded view in real Chromium.

The embed is checked the way a course site uses it: a page on another origin (a second server
on another port) holds an 800×600 iframe of the app, built with the frame-ancestors setting
that allows that origin, and without it the browser refuses the frame.
"""

import csv
import http.server
import io
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import uvicorn
from PIL import Image
from playwright.sync_api import expect

from app.main import create_app
from app.settings import Settings
from tests.browser.conftest import free_port
from tests.browser.urls import wait_url

SHOTS = Path("/work/notes/shots")


def shoot(page, name):
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"embed-{name}.png"))


def serve_app(settings: Settings):
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline, "the app server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


class CourseSite:
    """Another origin (localhost on its own port) serving one page with an iframe of src."""

    def __init__(self):
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.src = ""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = (
                    "<!doctype html><title>Course</title><h1>Week 3</h1>"
                    f'<iframe src="{site.src}" width="800" height="600" '
                    'title="cnnlab: Convolution"></iframe>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def course_site():
    site = CourseSite()
    yield site
    site.close()


@pytest.fixture
def framed_app(course_site):
    server, thread, url = serve_app(Settings(frame_ancestors=course_site.origin))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_embed_fits_an_iframe_on_another_origin(page, course_site, framed_app):
    page.set_viewport_size({"width": 1000, "height": 700})
    course_site.src = f"{framed_app}/conv?embed=1&controls=0&text=0"
    with page.expect_response(re.compile(r"/api/conv2d$")):
        page.goto(course_site.origin)
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1")).to_contain_text("Convolution")
    expect(frame.locator(".tl-readout")).to_have_text("step 1 / 18")
    expect(frame.locator(".site-header")).to_have_count(0)
    expect(frame.locator("#conv-controls")).to_be_hidden()
    expect(frame.locator(".lead").first).to_be_hidden()
    expect(frame.locator(".share-menu")).to_have_count(0)
    link = frame.locator("a.share-open")
    expect(link).to_have_text("open in cnnlab ↗")
    href = link.get_attribute("href")
    assert href.startswith(f"{framed_app}/conv") and "embed" not in href
    inner = page.frames[1]
    size = inner.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth,"
        " window.innerWidth, window.innerHeight]"
    )
    assert size[2:] == [800, 600]
    assert size[1] <= size[0], f"the embed scrolls sideways: {size}"
    # The embed keeps the strict CSP, with the course site's origin as its only frame ancestor.
    response = page.request.get(course_site.src)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert f"frame-ancestors {course_site.origin}" in policy
    assert "x-frame-options" not in response.headers
    shoot(page, "iframe-other-origin")


def test_embed_is_refused_without_the_setting(page, course_site, live_server):
    course_site.src = f"{live_server}/conv?embed=1"
    page.goto(course_site.origin)
    page.wait_for_timeout(1500)
    inner = page.frames[1]
    # Chromium replaces a frame its ancestors' policy forbids by an error page.
    assert inner.url != course_site.src
    assert inner.locator("#conv-output").count() == 0


def test_embed_keeps_controls_unless_asked(page, live_server, console_errors):
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(f"{live_server}/pooling?embed=1&s=1")
    expect(page.locator("#pool-controls")).to_be_visible()
    expect(page.locator(".lead").first).to_be_visible()
    expect(page.locator(".site-header")).to_have_count(0)
    href = page.locator("a.share-open").get_attribute("href")
    assert parse_qs(urlparse(href).query).get("s") == ["1"] and "embed" not in href
    assert console_errors == []


def open_menu(page):
    page.locator(".share-menu > summary").click()
    expect(page.locator(".share-panel")).to_be_visible()


def test_share_menu_gives_the_link_and_the_snippet(page, live_server, console_errors):
    with page.expect_response(re.compile(r"/api/conv2d$")):
        page.goto(f"{live_server}/conv")
    # The response arrives before the page draws it: a key pressed earlier steps a timeline of one.
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 18")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 18")
    open_menu(page)
    wait_url(page, lambda url: "step=1" in url)  # the page writes its URL a moment later
    expect(page.locator("#share-link")).to_have_value(re.compile(r"step=1"))
    link = page.locator("#share-link").input_value()
    # The page's URL, with the sender's language so the link opens in it.
    assert link == page.url + "&lang=en"
    snippet = page.locator("#share-snippet").input_value()
    match = re.fullmatch(
        r'<iframe src="([^"]+)" width="800" height="600" title="cnnlab: Convolution \(卷积\)" '
        r'loading="lazy"></iframe>',
        snippet,
    )
    assert match, snippet
    src = match.group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(src).query)
    assert query["embed"] == ["1"] and query["step"] == ["1"] and "controls" not in query
    page.locator("#share-hide-controls").check()
    page.locator("#share-hide-text").check()
    src = re.search(r'src="([^"]+)"', page.locator("#share-snippet").input_value()).group(1)
    query = parse_qs(urlparse(src.replace("&amp;", "&")).query)
    assert query["controls"] == ["0"] and query["text"] == ["0"] and query["step"] == ["1"]
    expect(page.locator(".share-note")).to_contain_text('CNNLAB_FRAME_ANCESTORS="https://')
    shoot(page, "menu-desktop")
    # The snippet opens the embed it describes.
    page.goto(src.replace("&amp;", "&"))
    expect(page.locator(".tl-readout")).to_have_text("step 2 / 18")
    expect(page.locator("#conv-controls")).to_be_hidden()
    assert console_errors == []


def download(page, button):
    with page.expect_download(timeout=30_000) as info:
        page.locator(button).click()
    return Path(info.value.path()).read_bytes(), info.value.suggested_filename


def test_exports_download_and_open(page, live_server, console_errors):
    with page.expect_response(re.compile(r"/api/conv2d$")) as info:
        page.goto(f"{live_server}/conv")
    body = info.value.json()
    expect(page.locator(".tl-readout")).to_have_text("step 1 / 18")
    open_menu(page)

    data, name = download(page, "#share-png")
    assert name == "cnnlab-conv.png"
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1920, 1080)
    # Not blank: the figure's colours are in it.
    assert len(image.convert("RGB").getcolors(1 << 20) or []) > 20
    image.save("/tmp/embed-export.png")

    data, name = download(page, "#share-gif")
    assert name == "cnnlab-conv.gif"
    animation = Image.open(io.BytesIO(data))
    assert animation.format == "GIF" and animation.n_frames == len(body["steps"]) == 18
    expect(page.locator(".share-status")).to_contain_text("18 frames of 18 steps")

    data, name = download(page, "#share-json")
    numbers = json.loads(data)
    conv = [e for e in numbers["exchanges"] if e["endpoint"] == "/api/conv2d"]
    assert conv and conv[-1]["response"]["output"] == body["output"]
    assert numbers["lesson"] == "conv" and numbers["url"] == page.url + "&lang=en"

    data, name = download(page, "#share-csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    cell = [r for r in rows if r["part"] == "response" and r["path"] == "output[1][2][0]"]
    assert cell and float(cell[0]["value"]) == pytest.approx(body["output"][1][2][0], abs=0)
    assert console_errors == []


def test_race_png_and_animation(page, live_server, console_errors):
    page.set_viewport_size({"width": 1024, "height": 768})

    def is_race(response):
        # The race asks for each step's internals; the learning-rate lesson below it does not.
        body = response.request.post_data_json if response.url.endswith("/api/optimize") else None
        return bool(body) and body.get("internals") is not False

    with page.expect_response(is_race) as info:
        page.goto(f"{live_server}/optimizers?large=1&steps=200&lr_steps=100")
    race = info.value.json()
    assert race["steps"] == 200
    page.wait_for_load_state("networkidle")
    open_menu(page)
    data, _ = download(page, "#share-png")
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)
    Image.open(io.BytesIO(data)).save("/tmp/embed-export-race.png")
    data, _ = download(page, "#share-gif")
    frames = Image.open(io.BytesIO(data)).n_frames
    assert frames == 60
    # The race's steps, not the learning-rate lesson's (both post /api/optimize).
    expect(page.locator(".share-status")).to_contain_text("60 frames of 200 steps")
    data, _ = download(page, "#share-json")
    kept = [e for e in json.loads(data)["exchanges"] if e["endpoint"] == "/api/optimize"]
    assert {e["request"]["steps"] for e in kept} >= {200, 100}
    shoot(page, "menu-projector")
    assert console_errors == []


def test_phone_menu(page, live_server, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/pooling")
    open_menu(page)
    box = page.locator(".share-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(page.locator("#share-csv")).to_be_visible()
    shoot(page, "menu-phone")
    page.keyboard.press("Escape")
    expect(page.locator(".share-panel")).to_be_hidden()
    assert console_errors == []
