"""The worst-case memory of a worker, held: every heavy-work slot busy with the largest requests
the non-image endpoints accept and the costliest uploads (bench/worst_requests.py), twice over,
while the worker's peak resident set (VmHWM in /proc/<pid>/status) stays under the bound the
README states.
"""

import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, Cnnlab

sys.path.insert(0, str(ROOT / "bench"))
from worst_requests import multipart, worst_requests, worst_uploads  # noqa: E402

# README, "Serving a whole class": the peak resident memory of one worker.
WORKER_PEAK_MB = 900


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        pytest.skip("no /proc: the memory test reads Linux's VmHWM")
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def send(base: str, method: str, path: str, body: dict | None, upload: tuple = ()) -> int:
    """One request, retried while the worker answers 503 (busy), as the pages do. An upload is
    (file, spec), sent as the pages' multipart form."""
    if upload:
        data, content_type = multipart(*upload)
    else:
        data, content_type = None if body is None else json.dumps(body).encode(), "application/json"
    deadline = time.monotonic() + 600  # 44 requests share 4 slots: some wait minutes
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            base + path, data=data, method=method, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            error.read()
            if error.code != 503:
                return error.code
            time.sleep(float(error.headers["Retry-After"]) / 4)
    return 503


# What each upload gets: the hostile files are refused before decoding.
UPLOAD_STATUS = {"7000² lossless WebP (refused)": 422, "JPEG claiming 7000² (refused)": 422}


def test_worst_requests_stay_under_the_stated_peak():
    uploads = [
        (name, "POST", path, None, (file, spec)) for name, path, file, spec in worst_uploads()
    ]
    requests = [(*r, ()) for r in worst_requests()]
    requests = (requests + uploads) * 2
    server = Cnnlab(workers=1)  # one process: its pid is the worker's
    try:
        base = peak_rss_mb(server.process.pid)
        with ThreadPoolExecutor(len(requests)) as pool:
            statuses = list(pool.map(lambda r: send(server.url, *r[1:]), requests))
        peak = peak_rss_mb(server.process.pid)
    finally:
        server.stop()
    failed = [
        (r[0], s)
        for r, s in zip(requests, statuses, strict=True)
        if s != UPLOAD_STATUS.get(r[0], 200)
    ]
    print(f"worker peak RSS {peak:.0f} MB (at start {base:.0f} MB)")
    assert failed == []
    assert peak < WORKER_PEAK_MB
