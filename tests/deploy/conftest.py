"""The deployment as a school runs it: `cnnlab --workers N` as a real process, nginx in front.

Tools a test needs (nginx, openssl, Chromium) fail the test under CI (CI=true), where .ci/run
installs them, and skip it loudly elsewhere.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if in_ci():
        pytest.fail(reason)
    pytest.skip(f"DEPLOYMENT TEST SKIPPED: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30, context=None) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds} s")
        time.sleep(0.2)


class Cnnlab:
    """`cnnlab --workers N` on a free port of 127.0.0.1, stopped by stop()."""

    def __init__(self, workers: int = 2, env: dict | None = None, log: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "wb") if log else subprocess.DEVNULL
        command = [sys.executable, "-m", "app.cli", "--port", str(self.port)]
        command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(self.url + "/healthz")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


@pytest.fixture(scope="module")
def cnnlab_two_workers(tmp_path_factory):
    server = Cnnlab(workers=2, log=tmp_path_factory.mktemp("cnnlab") / "cnnlab.log")
    yield server
    server.stop()


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
