"""The largest requests each non-image endpoint accepts, as (name, method, path, JSON body), and
the costliest uploads the image endpoints take or refuse (worst_uploads).

Shared by tests/deploy/test_memory.py (the worst-case RSS a worker reaches) and
bench/bench_loop.py (a tiny request's latency while these run). Each is at or near the bound the
endpoint checks before computing: the conv traces at ~12 MB of JSON (MAX_TRACE_BYTES), the race at
its step and internals limits, the search at its run-step limit, init at its multiply-add limit,
a CNN chunk at its listed-example limit. Random full-precision values: the longest JSON.
"""

import numpy as np

LENET = [
    {"type": "conv", "filters": 6, "size": 5, "padding": 2},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 16, "size": 5},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 60},
    {"type": "relu"},
    {"type": "linear", "out": 10},
]
OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd", "adam"]


def rand(*shape, seed=0) -> list:
    return (-np.random.default_rng(seed).random(shape) - 1e-3).tolist()


def worst_requests() -> list[tuple[str, str, str, dict | None]]:
    race = [{"name": n, "lr": 0.001} for n in OPTIMIZERS]
    return [
        ("conv2d trace", "POST", "/api/conv2d",
         {"input": rand(3, 32, 32), "weights": rand(8, 3, 3, 3, seed=1), "padding": 1}),
        ("conv2d trace, 1 channel 64²", "POST", "/api/conv2d",
         {"input": rand(2, 64, 64), "weights": rand(1, 2, 5, 5, seed=1), "padding": 2}),
        ("conv2d backward trace", "POST", "/api/conv2d/backward",
         {"input": rand(2, 20, 20), "weights": rand(4, 2, 5, 5, seed=1), "padding": 2,
          "grad_output": rand(4, 20, 20, seed=2), "trace": True}),
        ("conv_transpose2d traces", "POST", "/api/conv_transpose2d",
         {"input": rand(1, 64, 64), "weights": rand(1, 2, 3, 3, seed=1)}),
        ("pool2d trace", "POST", "/api/pool2d",
         {"input": rand(8, 32, 32), "mode": "avg", "size": 2, "stride": 1}),
        ("activations, 10,000 points", "POST", "/api/activations",
         {"name": "maxout", "x": rand(10_000), "pieces": [[1, 0], [-1, 0], [0.5, 1]]}),
        ("optimize, 8 × 3000 with internals", "POST", "/api/optimize",
         {"surface": "rosenbrock", "start": [-1.2, 1], "steps": 3000, "optimizers": race}),
        ("optimize, 8 × 10,000", "POST", "/api/optimize",
         {"surface": "rosenbrock", "start": [-1.2, 1], "steps": 10_000, "optimizers": race,
          "internals": False}),
        ("optimize/search", "POST", "/api/optimize/search",
         {"surface": "booth", "start": [0, 0], "optimizer": "momentum", "budget": 256,
          "steps": 950}),
        ("surface grid 256²", "GET", "/api/surfaces/rosenbrock/grid?resolution=256", None),
        ("custom surface 256²", "POST", "/api/surfaces/custom",
         {"expression": "sin(x)*cos(y) + x^2", "domain": [[-3, 3], [-3, 3]], "resolution": 256}),
        ("training/init", "POST", "/api/training/init",
         {"scheme": "he", "layers": 10, "width": 500, "batch": 1000}),
        ("cnn/train, a chunk", "POST", "/api/cnn/train",
         {"layers": LENET, "dataset": "fashion", "seed": 1,
          "optimizer": {"name": "adam", "lr": 0.001}, "batch_size": 200, "steps": 4,
          "eval": True, "return_params": True, "filters": True, "stats_every": 1}),
        ("cnn examples", "GET", "/api/cnn/datasets/fashion/examples?split=train&start=0&count=256",
         None),
    ]  # fmt: skip


# ---------------------------------------------------------------- uploads


def encode(image, fmt: str = "PNG", **options) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(side: int = 1024) -> bytes:
    """A side² RGB PNG of gradients and noise (the lesson's largest photo)."""
    from PIL import Image

    y, x = np.mgrid[0:side, 0:side]
    noise = np.random.default_rng(0).normal(0, 20, (side, side, 3))
    pixels = np.stack([x / 4, y / 4, (x + y) / 8], -1) + noise
    return encode(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))


def jpeg_claiming(side: int) -> bytes:
    """A 64×64 JPEG whose header claims side×side."""
    from PIL import Image

    data = bytearray(encode(Image.new("RGB", (64, 64), (120, 30, 200)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
    return bytes(data)


def palette_with_transparency(side: int = 7000) -> bytes:
    from PIL import Image

    image = Image.new("P", (side, side), 0)
    image.putpalette([0, 0, 0] * 256)
    return encode(image, transparency=0)


def worst_uploads(decode_budget: int = 128_000_000) -> list[tuple[str, str, bytes, dict | None]]:
    """(name, path, file, spec) of the costliest uploads: the largest an endpoint decodes (an
    RGBA PNG just under CNNLAB_IMAGE_DECODE_MAX_BYTES, a 7000² palette PNG with transparency),
    the most work on the largest photo (16 per-channel 11×11 filters, one full-size stage), and
    the hostile files refused before decoding (a lossless WebP and a JPEG header that claim
    7000²). The spec goes into the form's `spec` part (None: /api/cnn/example, no spec)."""
    from PIL import Image

    side = int((decode_budget / 4) ** 0.5)  # the largest square RGBA PNG under the budget
    kernel = [[(i * 11 + j) % 7 / 50 - 0.06 for j in range(11)] for i in range(11)]
    worst = {"color": "rgb", "filters": [{"kernel": kernel}] * 16, "pool": {"mode": "max"}}
    sobel = {"filters": [{"preset": "sobel_x"}], "color": "rgb"}
    rgba = encode(Image.new("RGBA", (side, side)))
    big_photo = photo()
    return [
        ("RGBA PNG under the decode budget", "/api/image/filter", rgba, sobel),
        ("1024² photo, 16 filters 11×11", "/api/image/filter", big_photo,
         {**worst, "contrast": "robust"}),
        ("1024² photo, one full-size stage", "/api/image/filter", big_photo,
         {**worst, "full": {"map": 15, "stage": "conv"}}),
        ("7000² palette PNG, transparency", "/api/image/filter", palette_with_transparency(),
         sobel),
        ("7000² lossless WebP (refused)", "/api/image/filter",
         encode(Image.new("RGB", (7000, 7000)), "WEBP", lossless=True), sobel),
        ("JPEG claiming 7000² (refused)", "/api/image/filter", jpeg_claiming(7000), sobel),
        ("RGBA PNG under the budget, as a CNN example", "/api/cnn/example?dataset=fashion", rgba,
         None),
    ]  # fmt: skip


def multipart(file: bytes, spec: dict | None, boundary: str = "cnnlabworstcase") -> tuple:
    """(body, content type) of an upload form: the file, and the spec when given."""
    import json

    parts = b""
    if spec is not None:
        parts += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="spec"\r\n\r\n'.encode()
            + json.dumps(spec).encode()
            + b"\r\n"
        )
    parts += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + file
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return parts, f"multipart/form-data; boundary={boundary}"
