"""The image endpoints' worst allowed requests stay under a stated peak memory, measured for real.

Each case runs in one fresh Python process (the app through TestClient): the kernel's peak RSS
(VmHWM) is reset before each request by writing 5 to /proc/self/clear_refs, and the growth is
VmHWM after the request minus VmRSS before it. tracemalloc would miss Pillow's and libwebp's own
buffers, which were the problem (a 1.9 kB WebP that decodes to 7000×7000 grew a worker by
~750 MB).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# The most one image request may add to a worker's memory (README: "Serving a whole class").
IMAGE_REQUEST_PEAK_MB = 200

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import io, json, sys
    import numpy as np
    from PIL import Image
    from fastapi.testclient import TestClient
    from app.main import create_app
    from app.settings import Settings

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) // 1024

    def encode(im, fmt="PNG", **options):
        buffer = io.BytesIO()
        im.save(buffer, fmt, **options)
        return buffer.getvalue()

    def jpeg_claiming(side):
        data = bytearray(encode(Image.new("RGB", (64, 64), (120, 30, 200)), "JPEG"))
        sof = data.find(b"\\xff\\xc0")
        data[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
        return bytes(data)

    def photo():
        rng = np.random.default_rng(0)
        y, x = np.mgrid[0:1024, 0:1024]
        a = np.stack([x / 4, y / 4, (x + y) / 8], -1) + rng.normal(0, 20, (1024, 1024, 3))
        return encode(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)))

    def palette():
        im = Image.new("P", (7000, 7000), 0)
        im.putpalette([0, 0, 0] * 256)
        return encode(im, transparency=0)

    def blank(mode, side, fmt="PNG", **options):
        return lambda: encode(Image.new(mode, (side, side)), fmt, **options)

    budget = Settings().image_decode_max_bytes
    side = int((budget / 4) ** 0.5)  # the largest square RGBA PNG under the decode budget
    kernel = [[(i * 11 + j) % 7 / 50 - 0.06 for j in range(11)] for i in range(11)]
    worst = {"color": "rgb", "filters": [{"kernel": kernel}] * 16, "pool": {"mode": "max"}}
    sobel = {"filters": [{"preset": "sobel_x"}], "color": "rgb"}
    full = {**worst, "full": {"map": 15, "stage": "conv"}}
    cases = {  # name: (the file, the spec)
        "webp-7000-lossless": (blank("RGB", 7000, "WEBP", lossless=True), sobel),
        "png-rgba-7000": (blank("RGBA", 7000), sobel),
        "png-la-7000": (blank("LA", 7000), sobel),
        "png-palette-transparent-7000": (palette, sobel),
        "jpeg-claiming-7000": (lambda: jpeg_claiming(7000), sobel),
        "png-rgba-under-budget": (blank("RGBA", side), sobel),
        "rgb-1024-16-filters-11x11-robust": (photo, {**worst, "contrast": "robust"}),
        "rgb-1024-16-filters-full_images": (photo, {**worst, "full_images": True}),
        "rgb-1024-one-full-stage-with-input": (photo, full),
    }
    if sys.argv[1] == "list":
        print(json.dumps(list(cases)))
        sys.exit()
    make, spec = cases[sys.argv[1]]
    data = make()
    client = TestClient(create_app())
    warm = encode(Image.new("RGB", (8, 8)))
    client.post("/api/image/filter", files={"file": ("a", warm)}, data={"spec": json.dumps(sobel)})
    open("/proc/self/clear_refs", "w").write("5")
    before = status("VmRSS:")
    form = {"spec": json.dumps(spec)}
    r = client.post("/api/image/filter", files={"file": ("x", data)}, data=form)
    growth = status("VmHWM:") - before
    print(json.dumps({"status": r.status_code, "growth_mb": growth,
                      "response_bytes": len(r.content), "upload_bytes": len(data)}))
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_worst_image_requests_stay_under_the_stated_peak():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(case: str):
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, case],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    results = {case: run(case) for case in run("list")}  # one fresh process per case
    print(json.dumps(results, indent=1))  # the figures, with -s
    expected = {
        "webp-7000-lossless": 422,
        "png-rgba-7000": 422,
        "png-la-7000": 422,
        "png-palette-transparent-7000": 200,
        "jpeg-claiming-7000": 422,
        "rgb-1024-16-filters-11x11-robust": 200,
        "rgb-1024-16-filters-full_images": 422,
        "rgb-1024-one-full-stage-with-input": 200,
    }
    for name, status in expected.items():
        assert results[name]["status"] == status, (name, results[name])
    assert results["png-rgba-under-budget"]["status"] == 200
    for name, result in results.items():
        assert result["growth_mb"] < IMAGE_REQUEST_PEAK_MB, (name, result)
        assert result["response_bytes"] < 10_000_000, (name, result)
