"""The README's deployment for real: deploy/nginx.conf in Debian's nginx with TLS, in front of
`cnnlab --workers 2`, every page loaded in Chromium under a public-looking host name.

The shipped file is used as it is but for its three addresses (the test cannot take ports 80,
443 and 8000): it is included by a small main config that puts nginx's pid, logs and temporary
directories in a temporary prefix, so the test can see whether anything reaches the disk.
"""

import gzip
import io
import json
import shutil
import ssl
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from app.pages import LESSONS
from tests.browser.conftest import find_chromium
from tests.deploy.conftest import ROOT, find_nginx, free_port, require, wait_for

HOST = "cnnlab.school.example"
SHIPPED = ROOT / "deploy" / "nginx.conf"
# The shipped file's addresses, and what the test puts in their place.
ADDRESSES = {
    "listen 80;": "listen 127.0.0.1:{http};",
    "listen 443 ssl http2;": "listen 127.0.0.1:{https} ssl http2;",
    "server 127.0.0.1:8000;": "server 127.0.0.1:{app};",
}
# The README's prefixed mount: the shipped `location / { ... }` block copied as
# `location /cnnlab/ { ... }` with `proxy_pass http://cnnlab/;` (the slash strips the prefix).
PREFIX = "/cnnlab"
TEMP_DIRS = ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp")

MAIN_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body_temp;
    proxy_temp_path {prefix}/proxy_temp;
    fastcgi_temp_path {prefix}/fastcgi_temp;
    uwsgi_temp_path {prefix}/uwsgi_temp;
    scgi_temp_path {prefix}/scgi_temp;
    include cnnlab.conf;
}}
"""


def self_signed(directory: Path) -> None:
    """tls/cnnlab.crt and tls/cnnlab.key for HOST, made with openssl."""
    directory.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
         "-keyout", str(directory / "cnnlab.key"), "-out", str(directory / "cnnlab.crt")],
        check=True, capture_output=True,
    )  # fmt: skip


def with_prefixed_location(site: str, prefix: str) -> str:
    """The site with the README's second mount: its `location / {` block again, at the prefix."""
    start = site.index("    location / {\n")
    end = site.index("\n    }\n", start) + len("\n    }\n")
    block = site[start:end]
    assert block.count("proxy_pass http://cnnlab;") == 1, block
    prefixed = block.replace("location / {", f"location {prefix}/ {{").replace(
        "proxy_pass http://cnnlab;", "proxy_pass http://cnnlab/;"
    )
    return site[:end] + "\n" + prefixed + site[end:]


class Nginx:
    def __init__(self, prefix: Path, app_port: int):
        self.prefix = prefix
        self.http_port, self.https_port = free_port(), free_port()
        site = with_prefixed_location(SHIPPED.read_text(), PREFIX)
        for shipped, replacement in ADDRESSES.items():
            assert site.count(shipped) == 1, f"deploy/nginx.conf should have one '{shipped}'"
            ports = {"http": self.http_port, "https": self.https_port, "app": app_port}
            site = site.replace(shipped, replacement.format(**ports))
        prefix.chmod(0o755)  # nginx's workers run as an unprivileged user and write below it
        (prefix / "cnnlab.conf").write_text(site)
        (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix))
        self_signed(prefix / "tls")
        binary = find_nginx()
        self.command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        check = subprocess.run([*self.command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen([*self.command, "-g", "daemon off;"])
        self.url = f"https://{HOST}:{self.https_port}"
        self.local = f"https://127.0.0.1:{self.https_port}"
        wait_for(self.local + "/healthz", context=insecure())

    def error_log(self) -> str:
        return (self.prefix / "error.log").read_text(errors="replace")

    def temp_files(self) -> list[Path]:
        return [
            path
            for name in TEMP_DIRS
            if (self.prefix / name).is_dir()
            for path in (self.prefix / name).rglob("*")
            if path.is_file()
        ]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request through nginx, certificate unchecked."""
    request = urllib.request.Request(url, data=data, headers={"Host": HOST, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30, context=insecure()) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def nginx(cnnlab_two_workers, tmp_path_factory):
    require(find_nginx() is not None, "no nginx found: install Debian's nginx package")
    require(shutil.which("openssl") is not None, "no openssl found: install Debian's openssl")
    proxy = Nginx(tmp_path_factory.mktemp("nginx"), cnnlab_two_workers.port)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def chromium(playwright):
    path = find_chromium()
    require(path is not None, "no Chromium found: install Debian's chromium package")
    browser = playwright.chromium.launch(
        executable_path=path,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
        ],
    )
    yield browser
    browser.close()


def photo(side: int = 1200) -> bytes:
    """A 1.4 MP JPEG of noise, about a megabyte: far over any default in-memory body buffer."""
    import numpy as np

    pixels = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


PAGES = ["/", *(f"/{lesson.slug}" for lesson in LESSONS), "/docs"]


def response_status(responses: list) -> int | None:
    """The page's own status (its document is the first response)."""
    return responses[0].status if responses else None


def load(chromium, url: str) -> tuple[list, list, list]:
    """(responses, failed requests, console errors) of one page load, its API calls included
    (on /docs, once Swagger UI has drawn the schema it fetched)."""
    context = chromium.new_context(ignore_https_errors=True)
    page = context.new_page()
    failed, errors, responses = [], [], []
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: responses.append(r))
    page.goto(url, wait_until="networkidle")
    # A lesson's first API calls start after its modules load (later still on a busy machine).
    lesson = not url.endswith(("/", "/docs")) and response_status(responses) == 200
    if lesson and not any("/api/" in r.url for r in responses):
        page.wait_for_event("response", lambda r: "/api/" in r.url, timeout=20000)
    page.wait_for_timeout(500)
    page.wait_for_load_state("networkidle")
    if url.endswith("/docs"):
        page.locator(".swagger-ui .opblock-summary-path").first.wait_for(timeout=20000)
    context.close()
    return responses, failed, errors


@pytest.mark.parametrize("mount", ["", PREFIX], ids=["root", "prefix"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_through_nginx(nginx, chromium, mount, path):
    responses, failed, errors = load(chromium, nginx.url + mount + path)
    urls = [r.url for r in responses]
    # A busy worker's 503 (Retry-After) is retried by static/js/api.js: it counts as a success
    # when a later answer to the same URL did succeed (Chromium still logs the 503 it saw).
    recovered = {
        i
        for i, r in enumerate(responses)
        if r.status == 503 and any(later.url == r.url and later.ok for later in responses[i + 1 :])
    }
    bad = [f"{r.status} {r.url}" for r in responses if r.status >= 400]
    unrecovered = [
        f"{r.status} {r.url}"
        for i, r in enumerate(responses)
        if r.status >= 400 and i not in recovered
    ]
    busy_logs = [e for e in errors if "status of 503" in e]
    assert len(busy_logs) <= len(recovered), (errors, bad)
    assert failed == [] and [e for e in errors if e not in busy_logs] == [], (errors, bad)
    assert unrecovered == []
    # Every asset and API call went to the page's own origin, over TLS, below its mount: nothing
    # built from the Host header nginx passes (127.0.0.1:<port>), the app's own scheme (http),
    # or the path the app sees (the prefix stripped).
    assert all(url.startswith(nginx.url + mount + "/") for url in urls), urls
    assert any(f"{mount}/static/" in url for url in urls)
    if path not in ("/", "/docs"):
        assert any(f"{mount}/api/" in url for url in urls), f"{path} made no API call"
    if path == "/docs":
        assert any(url.endswith(f"{mount}/openapi.json") for url in urls), urls


@pytest.mark.parametrize("mount", ["", PREFIX], ids=["root", "prefix"])
def test_the_404_page_at_any_depth_has_its_assets(nginx, chromium, mount):
    responses, failed, errors = load(chromium, nginx.url + mount + "/lessons/old/pooling")
    assert responses[0].status == 404 and "text/html" in responses[0].headers["content-type"]
    assets = responses[1:]
    assert any("site.css" in r.url for r in assets)
    assert [f"{r.status} {r.url}" for r in assets if not r.ok] == []
    assert all(r.url.startswith(nginx.url + mount + "/static/") for r in assets)
    assert failed == [] and [e for e in errors if "404" not in e] == [], errors


def test_links_and_redirects_stay_under_the_prefix(nginx, chromium):
    base = nginx.url + PREFIX
    at = lambda path: lambda url: url.split("?")[0] == base + path  # noqa: E731 (pages add state)
    context = chromium.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.goto(base + "/conv/", wait_until="networkidle")  # the app's 307: relative
    page.wait_for_url(at("/conv"))
    page.click(".site-nav a[href$='pooling']")
    page.wait_for_url(at("/pooling"))
    page.click(".site-header .brand")
    page.wait_for_url(at("/"))
    page.goto(base, wait_until="networkidle")  # nginx's 301 adds the slash
    page.wait_for_url(at("/"))
    context.close()


@pytest.mark.parametrize("mount", ["", PREFIX], ids=["root", "prefix"])
def test_upload_through_the_page_stays_in_memory(nginx, chromium, tmp_path, mount):
    image = tmp_path / "photo.jpg"
    image.write_bytes(photo())
    assert image.stat().st_size > 500_000
    context = chromium.new_context(ignore_https_errors=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(nginx.url + mount + "/filters", wait_until="networkidle")
    upload = lambda r: f"{mount}/api/image/" in r.url and r.request.method == "POST"  # noqa: E731
    with page.expect_response(upload) as info:
        page.set_input_files("input[type=file]", str(image))
    assert info.value.status == 200, info.value.text()[:300]
    page.wait_for_load_state("networkidle")
    context.close()
    assert errors == []
    # nginx writes "a client request body is buffered to a temporary file" (and deletes the file
    # after the request) when a body outgrows client_body_buffer_size.
    log = nginx.error_log()
    assert "buffered to a temporary file" not in log, log[-2000:]
    assert nginx.temp_files() == []


def test_upload_bodies_never_reach_the_disk(nginx):
    """Bodies up to the limit, a few at once, while the temp directories are watched."""
    boundary = "cnnlabboundary"
    spec = json.dumps({"filters": [{"preset": "sobel_x"}]}).encode()
    data = photo(1400)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n'.encode()
        + spec
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    seen = []
    with ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(fetch, nginx.local + "/api/image/filter", body, headers) for _ in range(4)
        ]
        while not all(f.done() for f in futures):
            seen += nginx.temp_files()
            time.sleep(0.005)
        statuses = [f.result()[0] for f in futures]
    assert set(statuses) <= {200, 503} and 200 in statuses, statuses
    assert seen == [] and nginx.temp_files() == []
    assert "buffered to a temporary file" not in nginx.error_log()


def test_over_limit_upload_is_a_json_413(nginx):
    status, headers, body = fetch(
        nginx.local + "/api/image/filter",
        b"x" * 12_000_000,
        {"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert status == 413
    assert headers["Content-Type"].startswith("application/json")
    assert "too large" in json.loads(body)["detail"]


def test_headers_through_nginx(nginx):
    status, headers, body = fetch(nginx.local + "/conv", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Server"] == "nginx"  # no version, and no "uvicorn"
    assert "Strict-Transport-Security" in headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")

    html = gzip.decompress(body).decode()
    asset = html.split('href="')[2].split('"')[0]  # the stylesheet, after the favicon
    assert asset.startswith("./static/") and asset.endswith("site.css")
    status, headers, _ = fetch(nginx.local + asset[1:], headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Plain HTTP is sent to HTTPS.
    request = urllib.request.Request(
        f"http://127.0.0.1:{nginx.http_port}/conv", headers={"Host": HOST}, method="GET"
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 301 and redirect.headers["Location"] == f"https://{HOST}/conv"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_redirects_stay_on_the_public_name_and_prefix(nginx):
    """The app's trailing-slash redirect is relative: it names neither the Host nginx passes nor
    a scheme, so it stays on https, the public name and the prefix."""
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPSHandler(context=insecure())
    )
    for mount in ("", PREFIX):
        request = urllib.request.Request(
            nginx.local + mount + "/api/surfaces/", headers={"Host": HOST}
        )
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=10)
        assert redirect.value.code == 307
        assert redirect.value.headers["Location"] == "../../api/surfaces"
