"""What `cnnlab` itself holds without a proxy: slow clients cut off, no server header, the
forwarded headers believed only from the proxy, host checks, versioned assets, the busy 503."""

import gc
import os
import re
import socket
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.server import HEAVY_NICE, STATIC_PREFIX, HeavyWorkLimiter
from app.settings import Settings
from tests.deploy.conftest import Cnnlab


@pytest.fixture(scope="module")
def cnnlab():
    server = Cnnlab(workers=1, env={"CNNLAB_HEADER_TIMEOUT": "2"})
    yield server
    server.stop()


def test_slow_headers_are_cut_off(cnnlab):
    """Slowloris: connections that never finish their headers are closed after the deadline,
    while a connection that completes its request is answered."""
    slow = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", cnnlab.port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ")
        slow.append(sock)
    with urllib.request.urlopen(cnnlab.url + "/healthz", timeout=5) as response:
        assert response.status == 200
    time.sleep(3.5)
    closed = 0
    for sock in slow:
        sock.settimeout(2)
        try:
            closed += sock.recv(100) == b""
        except (ConnectionResetError, TimeoutError):
            closed += 0
        sock.close()
    assert closed == len(slow)


def test_the_default_header_deadline_closes_slowloris_within_8_seconds():
    # the test above runs a 2 s deadline; the default leaves room for the loop's wake-up
    assert Settings().header_timeout <= 6


def test_no_server_header_and_a_health_check(cnnlab):
    with urllib.request.urlopen(cnnlab.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Server"] is None
        assert response.headers["Content-Type"] == "application/json"


def test_oversized_headers_are_refused(cnnlab):
    sock = socket.create_connection(("127.0.0.1", cnnlab.port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-big: " + b"a" * 40_000 + b"\r\n\r\n")
    sock.settimeout(5)
    assert sock.recv(100).startswith(b"HTTP/1.1 400")
    sock.close()


def test_redirects_name_no_host(cnnlab):
    """The trailing-slash redirect is relative: whatever Host and X-Forwarded-* a proxy passes,
    it stays on the browser's host, scheme and path prefix."""
    request = urllib.request.Request(
        cnnlab.url + "/api/surfaces/",
        headers={"Host": "evil.example", "X-Forwarded-Proto": "http"},
    )
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=5)
    assert redirect.value.code == 307
    assert redirect.value.headers["Location"] == "../../api/surfaces"


def test_forwarded_allow_ips_option():
    from app.cli import main

    captured = {}

    def fake_run(app, **options):
        captured.update(options)

    import uvicorn

    original, uvicorn.run = uvicorn.run, fake_run
    try:
        main(["--forwarded-allow-ips", "10.0.0.5,10.0.0.6", "--workers", "3"])
    finally:
        uvicorn.run = original
    assert captured["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
    assert captured["workers"] == 3 and captured["server_header"] is False
    assert captured["http"] == "app.server:SlowClientProtocol"
    assert captured["timeout_keep_alive"] == 5 and captured["h11_max_incomplete_event_size"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_spoofed_host_never_reaches_a_page():
    client = TestClient(create_app(Settings()))
    html = client.get("/conv", headers={"Host": "evil.example"}).text
    assert "evil.example" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    # Relative paths and fragments only: nothing absolute, nothing protocol-relative.
    # query-only URLs (the language switch: "?lang=zh") keep the page's own path
    assert urls and all(url.startswith(("./", "#", "?")) for url in urls), urls


def test_allowed_hosts():
    client = TestClient(create_app(Settings(allowed_hosts="cnnlab.school.example, localhost")))
    assert client.get("/healthz", headers={"Host": "cnnlab.school.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200
    refused = client.get("/conv", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "Host" and "CNNLAB_ALLOWED_HOSTS" in refused.json()["detail"]
    assert client.post("/api/conv2d", json={}, headers={"Host": "evil.example"}).status_code == 400
    wildcard = TestClient(create_app(Settings(allowed_hosts="*.school.example")))
    assert wildcard.get("/conv", headers={"Host": "cnnlab.school.example"}).status_code == 200
    assert wildcard.get("/conv", headers={"Host": "school.example.evil"}).status_code == 400
    # the health check answers a probe at an address
    assert wildcard.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_the_host_refusal_is_in_the_schema():
    schema = create_app(Settings(allowed_hosts="localhost")).openapi()
    for operations in schema["paths"].values():
        for operation in operations.values():
            body = operation["responses"]["400"]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}
    # Without allowed hosts, a GET without a body or parameters cannot answer 400.
    assert (
        "400" not in create_app(Settings()).openapi()["paths"]["/api/surfaces"]["get"]["responses"]
    )


def test_assets_are_versioned_and_cached():
    client = TestClient(create_app(Settings()))
    html = client.get("/").text
    assert f'href=".{STATIC_PREFIX}/css/site.css"' in html
    versioned = client.get(f"{STATIC_PREFIX}/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["content-encoding"] == "gzip"
    plain = client.get("/static/css/site.css")
    assert plain.headers["cache-control"] == "no-cache" and plain.content == versioned.content
    assert client.get("/static/0123456789ab/css/site.css").status_code == 404


@pytest.mark.parametrize(
    ("path", "root"),
    [("/", "./"), ("/conv", "./"), ("/docs", "./"), ("/a/b", "../"), ("/a/b/c/", "../../../")],
)
def test_every_url_a_page_holds_is_relative(path, root):
    """Under a proxy's prefix (https://school.example/cnnlab/conv) each resolves below it."""
    client = TestClient(create_app(Settings()))
    html = client.get(path).text
    urls = re.findall(r'(?:href|src)="([^"#]*)"', html)
    assert urls and all(url.startswith((root, "?")) for url in urls), urls
    assert f'<meta name="cnnlab-root" content="{root}">' in html
    assert f'href="{root}{STATIC_PREFIX.lstrip("/")}/css/site.css"' in html


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/conv/", "../conv"),
        ("/api/surfaces/?resolution=9", "../../api/surfaces?resolution=9"),
        ("/docs/", "../docs"),
    ],
)
def test_trailing_slash_redirects_are_relative(path, location):
    client = TestClient(create_app(Settings()), follow_redirects=False)
    response = client.get(path, headers={"Host": "127.0.0.1:8000"})
    assert response.status_code == 307 and response.headers["location"] == location
    assert client.get("/a/b/", follow_redirects=False).status_code == 404


def test_the_schema_points_at_the_site_wherever_it_is_mounted():
    schema = TestClient(create_app(Settings())).get("/openapi.json").json()
    assert schema["servers"][0]["url"] == "."


def test_small_responses_are_not_compressed():
    client = TestClient(create_app(Settings()))
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers


def test_a_busy_worker_answers_503_at_once():
    """With every heavy-work slot taken and no room to wait, a heavy request is refused in
    milliseconds, with a Retry-After and a sentence; a light one (activations) still runs."""
    app = create_app(Settings(heavy_concurrency=2, heavy_queue=0))
    client = TestClient(app)
    limiter: HeavyWorkLimiter = app.state.heavy_work
    limiter.in_use = 2
    body = {"name": "sphere", "expression": None}
    started = time.perf_counter()
    response = client.post("/api/optimize", json=body)
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "busy" in response.json()["detail"]
    light = client.post("/api/activations", json={"name": "relu"})
    assert light.status_code != 503
    assert client.get("/api/surfaces").status_code == 200  # GETs pass freely
    limiter.in_use = 0
    assert client.post("/api/optimize", json=body).status_code == 422  # a slot again


def test_a_burst_waits_for_slots_then_overflows():
    """Two slots, room for two to wait 1 s: of six at once two run, two wait and run, and two
    are refused at once; a waiter whose slot never frees is refused after the wait."""
    import asyncio

    async def scenario():
        limiter = HeavyWorkLimiter(2, queue=2, wait=1.0)
        assert await limiter.acquire() and await limiter.acquire()
        waiting = [asyncio.create_task(limiter.acquire()) for _ in range(2)]
        await asyncio.sleep(0)
        assert not await limiter.acquire() and not await limiter.acquire()  # queue full
        limiter.release()
        limiter.release()
        assert await asyncio.gather(*waiting) == [True, True] and limiter.in_use == 2
        started = time.monotonic()
        assert not await limiter.acquire()  # waits the full second, then gives up
        assert 0.9 < time.monotonic() - started < 3
        limiter.release()
        limiter.release()
        assert limiter.in_use == 0 and not limiter.waiters

    # In a thread of its own: Playwright's sync API may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_heavy_work_runs_on_nicer_threads_off_the_event_loop():
    """A heavy POST runs (and its model response is validated and serialised) on one of the
    limiter's threads, which on Linux run at a nice value HEAVY_NICE above the event loop's; GET
    requests of the same routers do not take that path."""
    app = create_app(Settings(heavy_concurrency=2))
    client = TestClient(app)
    race = {"surface": "rosenbrock", "start": [-1, 1], "steps": 10}
    race["optimizers"] = [{"name": "sgd", "lr": 0.001}]
    response = client.post("/api/optimize", json=race)
    assert response.status_code == 200 and response.json()["runs"][0]["name"] == "sgd"
    threads = list(app.state.heavy_work.pool._threads)
    assert threads and all(t.name.startswith("cnnlab-heavy") for t in threads)
    if sys.platform.startswith("linux"):
        loop_nice = os.getpriority(os.PRIO_PROCESS, 0)
        for thread in threads:
            nice = os.getpriority(os.PRIO_PROCESS, thread.native_id)
            assert nice == min(19, loop_nice + HEAVY_NICE)
    assert app.state.heavy_work.in_use == 0


def test_startup_freezes_the_objects_it_made():
    """The lifespan freezes what startup allocated: no collection walks it again."""
    app = create_app(Settings())
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 10_000
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()


def test_slots_are_released_after_errors():
    app = create_app(Settings(heavy_concurrency=1))
    client = TestClient(app)
    for _ in range(3):
        assert client.post("/api/optimize", json={"bad": 1}).status_code == 422
    assert app.state.heavy_work.in_use == 0


def test_templates_build_no_urls_from_the_request():
    """url_for builds absolute URLs from the Host header (the bug behind pages without CSS behind
    a proxy): templates link assets with static() and pages by path."""
    from app.settings import resource_dir

    for template in resource_dir("templates").glob("*.html"):
        assert "url_for" not in template.read_text(), template.name
