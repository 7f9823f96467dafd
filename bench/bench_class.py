"""A class at once: N simulated students working through the lessons against a running server.

Each student, started one after another over the ramp, loads pages with their assets (every
module a page imports, once, as a browser with a cache would), steps a convolution, drags the
optimiser race's sliders, uploads a 1.5 MP photo to the image filters, and trains a few chunks of
the CNN lesson, with a second or two of thinking between actions. Busy answers (503) are retried
after Retry-After, as static/js/api.js does. Prints per-endpoint p50/p95/p99, the 5xx count and
the throughput. Only ever against 127.0.0.1 (any other host is refused); bounded by --seconds.

The client stays lean, so that it does not take the CPU from the server it measures (it prints
its own CPU time beside the server's): one keep-alive connection per student and one TLS context
for all, each page or script parsed for the assets it names once for the whole class (a student
still fetches each one once), responses otherwise read and dropped, request bodies built once.

    cnnlab --workers 2 &  python bench/bench_class.py --url http://127.0.0.1:8000
    python bench/bench_class.py --nginx --workers 2     # starts cnnlab and deploy/nginx.conf
"""

import argparse
import gzip
import http.client
import io
import json
import os
import random
import re
import resource
import ssl
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/conv", "/pooling", "/activations", "/optimizers", "/filters", "/training", "/cnn"]
# Pages name their assets relative to themselves (./static/<version>/...), scripts their imports.
ASSET = re.compile(r'(?:src|href)="((?:\.{1,2}/)*static/[^"]+)"')
IMPORT = re.compile(r'(?:from|import)\s*"(\.{1,2}/[^"]+\.js)"')
HOST_HEADER = "cnnlab.school.example"
# One client TLS context for every student (the certificate is the test's self-signed one).
TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE
# URL -> the assets or modules it names: parsed by the first student to fetch it, for all.
NAMED: dict[str, list[str]] = {}
STATE = re.compile(rb'"state":"([^"]*)"')


class Student:
    def __init__(self, base: str, stats, rng, deadline):
        parsed = urllib.parse.urlsplit(base)
        self.https = parsed.scheme == "https"
        self.address = (parsed.hostname, parsed.port or (443 if self.https else 80))
        self.stats, self.rng, self.deadline = stats, rng, deadline
        self.cache = set()
        self.connection = None

    def connect(self):
        host, port = self.address
        if self.https:
            return http.client.HTTPSConnection(host, port, timeout=120, context=TLS)
        return http.client.HTTPConnection(host, port, timeout=120)

    def request(self, label, method, path, body=None, headers=None):
        """One request on the student's keep-alive connection, 503s retried; records it."""
        headers = {"Host": HOST_HEADER, "Accept-Encoding": "gzip", **(headers or {})}
        started = time.perf_counter()
        for attempt in range(4):
            try:
                if self.connection is None:
                    self.connection = self.connect()
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.connection = None
                status, data = 599, b""
                break
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                self.connection = None
            if status != 503 or attempt == 3:
                break
            self.stats.busy[label] += 1
            time.sleep(float(response.getheader("retry-after") or 1) + self.rng.random() * 0.5)
        self.stats.record(label, status, time.perf_counter() - started, len(data))
        return status, data

    def think(self, low=0.5, high=2.0):
        time.sleep(self.rng.uniform(low, high))

    def page(self, path):
        """A page and, once per student (a browser's cache), every asset and module it needs."""
        if path not in NAMED:
            status, html = self.request("page", "GET", path)
            if status != 200:
                return
            NAMED[path] = [urllib.parse.urljoin(path, u) for u in ASSET.findall(self.text(html))]
        else:
            self.request("page", "GET", path)
        todo = list(NAMED[path])
        while todo:
            url = todo.pop()
            if url in self.cache:
                continue
            self.cache.add(url)
            status, data = self.request("static", "GET", url)
            if url.endswith(".js") and status == 200:
                if url not in NAMED:
                    imports = IMPORT.findall(self.text(data))
                    NAMED[url] = [urllib.parse.urljoin(url, rel) for rel in imports]
                todo += NAMED[url]

    @staticmethod
    def text(data: bytes) -> str:
        return Student.plain(data).decode(errors="replace")

    @staticmethod
    def plain(data: bytes) -> bytes:
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

    def post(self, label, path, payload):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request(label, "POST", path, body, {"Content-Type": "application/json"})

    def session(self, photo: bytes):
        steps = [
            lambda: self.page("/"),
            self.conv,
            self.optimizers,
            lambda: self.filters(photo),
            self.cnn,
            lambda: self.page(self.rng.choice(PAGES)),
        ]
        for step in steps:
            if time.time() > self.deadline:
                return
            step()
            self.think()

    def conv(self):
        self.page("/conv")
        rng = np.random.default_rng(self.rng.randrange(2**32))
        payload = {
            "input": rng.integers(0, 3, (3, 5, 5)).tolist(),
            "weights": rng.integers(-1, 2, (2, 3, 3, 3)).tolist(),
            "bias": [1, 0],
            "stride": 2,
            "padding": 1,
        }
        for _ in range(4):  # changing a control re-asks for the whole trace
            self.post("POST /api/conv2d", "/api/conv2d", payload)
            self.think(0.3, 1.0)

    def optimizers(self):
        self.page("/optimizers")
        self.request("GET /api/surfaces", "GET", "/api/surfaces")
        self.request("GET /api/optimizers", "GET", "/api/optimizers")
        self.request("GET grid", "GET", "/api/surfaces/rosenbrock/grid?resolution=128")
        race = [{"name": n, "lr": 0.001} for n in ("sgd", "momentum", "nesterov", "adam")]
        for _ in range(5):  # a slider drag: a race per position
            start = [self.rng.uniform(-1.5, 0), self.rng.uniform(0.5, 2)]
            payload = {"surface": "rosenbrock", "start": start, "steps": 500, "optimizers": race}
            self.post("POST /api/optimize", "/api/optimize", payload)
            self.think(0.2, 0.6)

    def filters(self, photo: bytes):
        self.page("/filters")
        boundary = f"cnnlab{self.rng.randrange(10**9)}"
        spec = {"filters": [{"preset": "sobel_x"}, {"preset": "gaussian_blur_3"}]}
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n'.encode()
            + json.dumps(spec).encode()
            + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + photo
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        self.request("POST /api/image/filter", "POST", "/api/image/filter", body, headers)

    def cnn(self):
        self.page("/cnn")
        payload = {**cnn_payload(), "seed": self.rng.randrange(1000)}
        for _ in range(3):
            status, data = self.post("POST /api/cnn/train", "/api/cnn/train", payload)
            if status != 200:
                return
            # Only the state is needed: found in the bytes, the rest is not parsed.
            payload["state"] = STATE.search(self.plain(data)).group(1).decode()
            self.think(0.1, 0.3)


_CNN_PAYLOAD = {}


def cnn_payload() -> dict:
    """The CNN lesson's first chunk with the default network (built once)."""
    if not _CNN_PAYLOAD:
        from app.core import datasets
        from app.core.nn import network

        classes = len(datasets.CATALOGUE["shapes"].classes)
        _CNN_PAYLOAD.update(
            layers=network.preset_layers(network.DEFAULT_PRESET, classes),
            dataset="shapes",
            optimizer={"name": "adam", "lr": 0.001},
            batch_size=64,
            steps=10,
        )
    return _CNN_PAYLOAD


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.bytes = defaultdict(int)
        self.busy = defaultdict(int)

    def record(self, label, status, seconds, size):
        with self.lock:
            self.times[label].append(seconds)
            self.statuses[label][status] += 1
            self.bytes[label] += size


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def photo_bytes(side=1224) -> bytes:
    """A 1.5 MP photo-like JPEG (smooth shapes plus sensor-like grain): about 0.5 MB."""
    y, x = np.mgrid[0:side, 0:side] / side
    rgb = np.stack([x, y, 0.5 + 0.5 * np.sin(8 * x * y * np.pi)], axis=-1) * 235
    grain = np.random.default_rng(0).normal(0, 14, rgb.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(rgb + grain, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=88)
    return out.getvalue()


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of a process and its live descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, total = {}, 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree = {root_pid}
    for _ in range(3):
        tree |= {pid for pid, (ppid, _) in parents.items() if ppid in tree}
    for pid in tree:
        if pid in parents:
            total += parents[pid][1] / ticks
    return total


def own_cpu_seconds() -> float:
    """User + system CPU time of this process (the client) alone, not of its children."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(
    base: str,
    students: int,
    ramp: float,
    seconds: float,
    seed: int,
    server_pid=None,
    proxy_pid=None,
):
    host = urllib.parse.urlsplit(base).hostname
    if host != "127.0.0.1":
        sys.exit(f"bench_class only runs against 127.0.0.1, not {host!r}")
    stats, photo = Stats(), photo_bytes()
    cnn_payload()
    cpu_before = cpu_seconds(server_pid) if server_pid else None
    proxy_before = cpu_seconds(proxy_pid) if proxy_pid else None
    client_before = own_cpu_seconds()
    started = time.time()
    deadline = started + seconds
    threads = []
    for i in range(students):
        student = Student(base, stats, random.Random(seed + i), deadline)
        thread = threading.Thread(target=student.session, args=(photo,), daemon=True)
        threads.append(thread)
        time.sleep(ramp / students)
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, deadline - time.time() + 120))
    elapsed = time.time() - started
    client = own_cpu_seconds() - client_before
    total = sum(len(v) for v in stats.times.values())
    errors = sum(n for s in stats.statuses.values() for code, n in s.items() if code >= 500)
    print(f"{students} students, ramp {ramp:.0f} s, {base}; photo {len(photo) / 1e6:.1f} MB")
    print(f"{'endpoint':28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'MB':>7}  statuses")
    for label in sorted(stats.times):
        t = stats.times[label]
        codes = " ".join(f"{c}×{n}" for c, n in sorted(stats.statuses[label].items()))
        busy = f" (503 retried {stats.busy[label]}×)" if stats.busy[label] else ""
        print(
            f"{label:28} {len(t):6} {pct(t, 0.5):8.0f} {pct(t, 0.95):8.0f} {pct(t, 0.99):8.0f} "
            f"{stats.bytes[label] / 1e6:7.1f}  {codes}{busy}"
        )
    print(f"requests {total}, 5xx {errors}, {total / elapsed:.1f} requests/s over {elapsed:.0f} s")
    if server_pid:
        cpu = cpu_seconds(server_pid) - cpu_before
        print(
            f"cnnlab used {cpu:.0f} CPU-seconds: {cpu / students:.1f} per student session, "
            f"{cpu / elapsed:.2f} cores on average over the run"
        )
    if proxy_pid:
        cpu = cpu_seconds(proxy_pid) - proxy_before
        print(f"nginx used {cpu:.1f} CPU-seconds ({cpu / elapsed:.2f} cores)")
    print(
        f"this client used {client:.1f} CPU-seconds in {elapsed:.0f} s of wall time "
        f"({client / elapsed:.2f} cores; os.cpu_count()={os.cpu_count()})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running server")
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start them all")
    parser.add_argument("--seconds", type=float, default=120, help="no new action after this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nginx", action="store_true", help="start cnnlab behind nginx first")
    parser.add_argument("--workers", type=int, default=2, help="with --nginx")
    args = parser.parse_args()
    if not args.nginx:
        run(args.url, args.students, args.ramp, args.seconds, args.seed)
        return
    import tempfile

    sys.path.insert(0, str(ROOT))
    from tests.deploy.conftest import Cnnlab
    from tests.deploy.test_nginx import Nginx

    server = Cnnlab(workers=args.workers)
    try:
        with tempfile.TemporaryDirectory() as prefix:
            proxy = Nginx(Path(prefix), server.port)
            try:
                print(f"cnnlab --workers {args.workers} behind deploy/nginx.conf (TLS)")
                pids = server.process.pid, proxy.process.pid
                run(proxy.local, args.students, args.ramp, args.seconds, args.seed, *pids)
            finally:
                proxy.stop()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
