"""Image filter lab, end to end: a 1024×1024 RGB PNG, 8 full-depth 3×3 filters, ReLU, 2×2 max pool.

Run by hand: python bench/bench_filters.py [--repeat 9]

Prints the best of --repeat rounds; each round runs every measurement once, in turn, so that the
API and PyTorch see the same machine load:
- api: POST /api/image/filter to the app served by uvicorn on a local port, as the page sends it
  (the multipart body is built once, outside the timing): upload, decode, conv, ReLU, pool,
  quantise + PNG-encode the 24 stage images (previews of at most 512 px, the page's default),
  base64, JSON, and the client reading the whole response;
- where the API's time goes (decode, compute, encode stages; the rest is HTTP, base64 and JSON);
- torch: the same decode (Pillow -> float32 / 255), then torch.nn.functional.conv2d + relu +
  max_pool2d on the same arrays (no image encoding);
- ratio = api / (decode + torch compute), the issue's target (at most 2.5), and the stricter
  api / torch compute alone.
PyTorch is only a reference here; the app never imports it.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn  # noqa: E402
from urllib3 import encode_multipart_formdata  # noqa: E402

from app.api.image import ENCODERS, encode  # noqa: E402
from app.core.filters import pipeline  # noqa: E402
from app.core.pool import pool2d_forward  # noqa: E402
from app.imaging import decode_image  # noqa: E402
from app.main import app  # noqa: E402
from app.schemas.image import FilterRequestSpec  # noqa: E402
from app.settings import get_settings  # noqa: E402

SIDE = 1024
FILTERS = 8


def photo_like(side: int = SIDE, seed: int = 0) -> bytes:
    """A deterministic 'photo': sky and ground gradients, a sun, hills, shapes and sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    img = np.stack([120 + 60 * y, 170 + 40 * y, 235 - 30 * y], -1)
    img[np.hypot(x - 0.75, y - 0.22) < 0.1] = (252, 220, 90)
    hills = 0.62 + 0.08 * np.sin(x * 9) + 0.04 * np.sin(x * 23 + 1)
    ground = y > hills
    img[ground] = np.stack([70 + 60 * y, 130 + 20 * y, 60 + 0 * y], -1)[ground]
    img[(np.abs(x - 0.25) < 0.08) & (np.abs(y - 0.8) < 0.1)] = (180, 40, 40)
    img += rng.normal(0, 6, img.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def serve() -> tuple[int, uvicorn.Server]:
    """The app on a free local port, in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return port, server


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    data = photo_like()
    kernels = np.random.default_rng(1).normal(size=(FILTERS, 3, 3, 3)).astype(np.float32)
    spec = {
        "color": "rgb",
        "filters": [{"kernel": k.tolist()} for k in kernels],
        "padding": "same",
        "activation": "relu",
        "pool": {"mode": "max", "size": 2, "stride": 2},
    }
    settings = get_settings()
    pool = {"mode": "max", "size": 2, "stride": 2}
    port, server = serve()
    body, content_type = encode_multipart_formdata(
        {"file": ("photo.png", data, "image/png"), "spec": json.dumps(spec)}
    )
    headers = {"Content-Type": content_type}

    def api():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", "/api/image/filter", body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        assert response.status == 200, content[:300]
        return content

    def decode():
        return decode_image(data, "rgb", settings.image_max_pixels, settings.image_working_size)

    def compute(x):
        return pipeline(x, list(kernels), "same", 1, "relu", pool)

    def encode_all(results):
        arrays = [a for stages in results for a in stages.values()]
        parsed = FilterRequestSpec.model_validate(spec)
        jobs = [ENCODERS.submit(encode, a, parsed, parsed.preview_side) for a in arrays]
        return [f.result() for f in jobs]

    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None

    def torch_decode():
        with Image.open(io.BytesIO(data)) as im:
            array = np.asarray(im.convert("RGB"))
        return torch.from_numpy(array.transpose(2, 0, 1).astype(np.float32) / np.float32(255))

    def torch_compute(tx, weights):
        with torch.no_grad():
            return F.max_pool2d(F.relu(F.conv2d(tx[None], weights, padding=1)), 2, 2)

    times: dict[str, list[float]] = {}
    for round_ in range(args.repeat + 1):  # round 0 warms up
        t = {}
        t["api"], content = timed(api)
        t["decode"], image = timed(decode)
        x = image.as_chw()
        t["compute"], results = timed(lambda x=x: compute(x))
        t["encode"], _ = timed(lambda r=results: encode_all(r))
        activations = [stages["activation"][None] for stages in results]
        t["pool"], _ = timed(lambda a=activations: [pool2d_forward(m, "max", 2, 2) for m in a])
        if torch is not None:
            weights = torch.from_numpy(kernels)
            t["torch decode"], tx = timed(torch_decode)
            t["torch compute"], out = timed(lambda tx=tx, w=weights: torch_compute(tx, w))
        if round_:
            for key, value in t.items():
                times.setdefault(key, []).append(value)
    server.should_exit = True
    best = {key: min(values) * 1e3 for key, values in times.items()}

    print(
        f"image: {SIDE}×{SIDE} RGB PNG, {len(data) / 1e6:.2f} MB; {FILTERS} full-depth 3×3 filters"
    )
    print(f"response: {len(content) / 1e6:.1f} MB JSON; best of {args.repeat} rounds")
    print(f"api end to end            {best['api']:8.1f} ms")
    print(f"  decode (Pillow)         {best['decode']:8.1f} ms")
    print(f"  conv + ReLU + pool      {best['compute']:8.1f} ms")
    print(f"    of which pool2d       {best['pool']:8.1f} ms   (app.core.pool, 8 maps)")
    print(f"  quantise + PNG stages   {best['encode']:8.1f} ms")
    rest = best["api"] - best["decode"] - best["compute"] - best["encode"]
    print(f"  the rest (HTTP, JSON)   {rest:8.1f} ms   (encoding overlaps compute: can be < 0)")
    if torch is None:
        print("torch not installed: no reference ratio")
        return
    ours = np.stack([r["pool"] for r in results])
    error = float(np.abs(out[0].numpy() - ours).max())
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"  decode                  {best['torch decode']:8.1f} ms")
    print(f"  conv2d + relu + pool    {best['torch compute']:8.1f} ms")
    print(f"  max |ours - torch| = {error:.1e}")
    reference = best["torch decode"] + best["torch compute"]
    print(f"ratio api / (decode + torch) = {best['api'] / reference:.2f}   (target ≤ 2.5)")
    strict = best["api"] / best["torch compute"]
    print(f"ratio api / torch compute    = {strict:.2f}   (stricter: no decode)")


if __name__ == "__main__":
    main()
