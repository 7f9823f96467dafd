"""Browser tests: real Chromium (the system's, never a downloaded one) against a live server.

CHROMIUM_PATH overrides where Chromium is looked for. Without a browser the tests fail under CI
(CI=true) and are skipped, loudly, elsewhere.
"""

import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn

from app.main import app

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        return override if os.path.exists(override) else None
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = find_chromium()
    if path is None:
        reason = (
            "no Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium and PATH); "
            "install Debian's chromium package to run the browser tests"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server():
    """The app served by uvicorn in a thread for the whole session; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def console_errors(page):
    """Collects console errors and CSP violations; a test asserts the list stays empty."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
