"""Image filter lab, end to end: a 1024×1024 RGB PNG, 8 full-depth 3×3 filters, ReLU, 2×2 max pool.

Run by hand: python bench/bench_filters.py [--repeat 7]

Prints, best of --repeat runs each:
- api: POST /api/image/filter to the app served by uvicorn on a local port (multipart upload,
  decode, conv, ReLU, pool, quantise + PNG-encode the 24 stage images, base64, JSON, and the
  client reading the whole response), as the page calls it;
- where the API's time goes (decode, compute, encode stages, the rest: JSON and HTTP);
- torch: the same decode (Pillow -> float32 / 255), then torch.nn.functional.conv2d + relu +
  max_pool2d on the same arrays (no image encoding);
- ratio = api / (decode + torch compute), the issue's target (at most 2.5), and the stricter
  api / torch compute alone.
PyTorch is only a reference here; the app never imports it.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from app.api.image import encode  # noqa: E402
from app.core.filters import pipeline  # noqa: E402
from app.imaging import decode_image  # noqa: E402
from app.main import app  # noqa: E402
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


def serve():
    """The app on a free local port, in a thread; returns (base URL, server)."""
    import socket
    import threading

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def best(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
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
    spec_text = json.dumps(spec)
    settings = get_settings()
    base, server = serve()
    client = httpx.Client(base_url=base, timeout=60)

    def api():
        response = client.post(
            "/api/image/filter",
            files={"file": ("photo.png", data, "image/png")},
            data={"spec": spec_text},
        )
        assert response.status_code == 200, response.text[:300]
        return response

    t_api, response = best(api, args.repeat)
    server.should_exit = True

    def decode():
        return decode_image(data, "rgb", settings.image_max_pixels, settings.image_working_size)

    t_decode, image = best(decode, args.repeat)
    x = image.as_chw()
    pool = {"mode": "max", "size": 2, "stride": 2}
    t_compute, results = best(
        lambda: pipeline(x, list(kernels), "same", 1, "relu", pool), args.repeat
    )
    arrays = [a for stages in results for a in stages.values()]
    from app.api.image import ENCODERS

    t_encode, _ = best(
        lambda: [f.result() for f in [ENCODERS.submit(encode, a, False) for a in arrays]],
        args.repeat,
    )

    print(
        f"image: {SIDE}×{SIDE} RGB PNG, {len(data) / 1e6:.2f} MB; {FILTERS} full-depth 3×3 filters"
    )
    print(f"response: {len(response.content) / 1e6:.1f} MB JSON, {len(arrays)} stage images")
    print(f"api end to end            {t_api * 1e3:8.1f} ms")
    print(f"  decode (Pillow)         {t_decode * 1e3:8.1f} ms")
    print(f"  conv + ReLU + pool      {t_compute * 1e3:8.1f} ms")
    print(f"  quantise + PNG stages   {t_encode * 1e3:8.1f} ms")
    rest = t_api - t_decode - t_compute - t_encode
    print(f"  the rest (HTTP, JSON)   {rest * 1e3:8.1f} ms")

    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("torch not installed: no reference ratio")
        return

    weights = torch.from_numpy(kernels)

    def torch_decode():
        with Image.open(io.BytesIO(data)) as im:
            array = np.asarray(im.convert("RGB"))
        return torch.from_numpy(array.transpose(2, 0, 1).astype(np.float32) / np.float32(255))

    t_tdecode, tx = best(torch_decode, args.repeat)

    def torch_compute():
        with torch.no_grad():
            out = F.conv2d(tx[None], weights, padding=1)
            return F.max_pool2d(F.relu(out), 2, 2)

    t_torch, out = best(torch_compute, args.repeat)
    ours = np.stack([r["pool"] for r in results])
    error = float(np.abs(out[0].numpy() - ours).max())
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"  decode                  {t_tdecode * 1e3:8.1f} ms")
    print(f"  conv2d + relu + pool    {t_torch * 1e3:8.1f} ms   (max |ours - torch| = {error:.1e})")
    print(f"ratio api / (decode + torch) = {t_api / (t_tdecode + t_torch):.2f}   (target ≤ 2.5)")
    print(f"ratio api / torch compute    = {t_api / t_torch:.2f}   (stricter: no decode)")


if __name__ == "__main__":
    main()
