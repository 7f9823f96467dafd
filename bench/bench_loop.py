"""Is the event loop free? A tiny request's latency while maximal requests run on every worker.

Starts `cnnlab --workers N` on a free port of 127.0.0.1, keeps every worker's heavy-work slots
busy with the largest requests of bench/worst_requests.py (each load thread sends one after
another, retrying a 503), and meanwhile times a tiny request (GET /api/optimizers and a 3-point
POST /api/activations) every 50 ms. Prints the tiny requests' p50/p95/p99/max, idle and loaded.

    python bench/bench_loop.py                 # 2 workers, 20 s of load
    python bench/bench_loop.py --workers 1 --seconds 30
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from worst_requests import worst_requests  # noqa: E402

TINY = [
    ("GET", "/api/optimizers", None),
    ("POST", "/api/activations", {"name": "relu", "x": [-1, 0, 1]}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send(base, method, path, body, timeout=300):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def percentiles(values):
    values = sorted(values)
    if not values:
        return "no samples"
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return (
        f"p50 {pick(0.5) * 1000:6.1f} ms  p95 {pick(0.95) * 1000:6.1f} ms  "
        f"p99 {pick(0.99) * 1000:6.1f} ms  max {values[-1] * 1000:6.1f} ms  (n={len(values)})"
    )


def probe(base, seconds):
    latencies = []
    end = time.time() + seconds
    while time.time() < end:
        for method, path, body in TINY:
            started = time.perf_counter()
            status = send(base, method, path, body, timeout=30)
            latencies.append(time.perf_counter() - started)
            assert status == 200, (path, status)
        time.sleep(0.05)
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--port", str(port), "--workers", str(args.workers)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # workers start slowly on a busy machine
        while True:
            try:
                if send(base, "GET", "/healthz", None, timeout=2) == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("cnnlab did not start within 120 s") from None
                time.sleep(0.2)
        idle = probe(base, 3)

        heavy = [r for r in worst_requests() if r[1] == "POST"]
        slots = int(os.environ.get("CNNLAB_HEAVY_CONCURRENCY", "4"))
        stop = threading.Event()
        done = {"ok": 0, "busy": 0, "other": 0}

        def load(offset):
            i = offset
            while not stop.is_set():
                _, method, path, body = heavy[i % len(heavy)]
                status = send(base, method, path, body)
                key = "ok" if status == 200 else "busy" if status == 503 else "other"
                done[key] += 1
                if status == 503:
                    time.sleep(0.2)
                i += 1

        threads = [
            threading.Thread(target=load, args=(i,), daemon=True)
            for i in range(args.workers * slots)
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)  # every slot busy
        loaded = probe(base, args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"cnnlab --workers {args.workers}, {len(threads)} load threads ({slots} heavy slots "
        f"per worker), {args.seconds:.0f} s; os.cpu_count()={os.cpu_count()}"
    )
    print(f"tiny requests, idle:   {percentiles(idle)}")
    print(f"tiny requests, loaded: {percentiles(loaded)}")
    print(f"maximal requests done: {done['ok']} (503 busy answers: {done['busy']}, other: "
          f"{done['other']})")  # fmt: skip


if __name__ == "__main__":
    main()
