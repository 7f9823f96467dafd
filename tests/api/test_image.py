"""POST /api/image/filter: every image flavour a learner sends, every refusal, the numbers.

Every file is generated here with Pillow (or written byte by byte when Pillow cannot make it).
"""

import base64
import builtins
import io
import json
import os
import struct
import tempfile
import zlib

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PIL import Image

from app.api.image import FRAMING_BYTES
from app.core.filters import preset_kernel, quantize
from app.schemas.image import MAX_SPEC_CHARS, PREVIEW_MAX_VALUES
from tests.core.test_filters import STEP_3, STEP_5, STEP_EXPECTED

URL = "/api/image/filter"
SOBEL = {"filters": [{"preset": "sobel_x"}]}
SOBEL_SPEC = json.dumps(SOBEL).encode()


def encode(im: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def post(client, data: bytes, spec=SOBEL, filename="image.png"):
    form = {"spec": spec if isinstance(spec, str) else json.dumps(spec)}
    return client.post(URL, files={"file": (filename, data, "application/octet-stream")}, data=form)


def form_body(*parts: tuple[str, str | None, bytes], boundary="b0undary") -> tuple[bytes, dict]:
    """A multipart body written out by hand: (name, filename or None, data) per part."""
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def pixels(body) -> np.ndarray:
    """The response's input image as (H, W, C) integers."""
    info = body["input"]
    data = base64.b64decode(info["data"])
    if info["encoding"] == "png":
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "PNG" and im.size == (body["width"], body["height"])
            raw = np.asarray(im)
    else:
        raw = np.frombuffer(data, dtype=np.dtype("<u2"))
    return raw.reshape(body["height"], body["width"], info["channels"])


def stage_codes(stage) -> np.ndarray:
    data = base64.b64decode(stage["image"].removeprefix("data:image/png;base64,"))
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        return np.asarray(im)


def noise(size, mode="RGB", seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(array[:, :, 0] if channels == 1 else array, mode)


SMALL_PNG = encode(Image.new("L", (6, 5), 128))


# ---------- what comes back ----------


def test_response_shape_and_stages(client):
    spec = {
        "color": "rgb",
        "filters": [{"preset": "sobel_x"}, {"kernel": np.ones((3, 3, 3)).tolist()}],
        "pool": {"mode": "max", "size": 2, "stride": 2},
    }
    response = post(client, encode(noise((40, 30))), spec)
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"], body["channels"]) == (40, 30, 3)
    assert body["scaled"] is False and body["original_width"] is None
    assert body["format"] == "PNG" and body["mode"] == "RGB"
    per_channel, full = body["maps"]
    assert per_channel["kind"] == "per-channel" and full["kind"] == "full-depth"
    assert per_channel["stages"]["conv"]["shape"] == [3, 30, 40]
    assert per_channel["stages"]["pool"]["shape"] == [3, 15, 20]
    assert full["stages"]["conv"]["shape"] == [30, 40]
    assert full["stages"]["activation"]["min"] >= 0
    assert per_channel["stages"]["conv"]["below_zero"] > 0
    assert full["stages"]["conv"]["below_zero"] is None
    for m in body["maps"]:
        for stage in m["stages"].values():
            assert stage["image"].startswith("data:image/png;base64,")
            assert stage["values"] is None
            codes = stage_codes(stage)
            assert codes.shape == tuple(stage["shape"][-2:]) + (
                (3,) if len(stage["shape"]) == 3 else ()
            )


@pytest.mark.parametrize("name", sorted(STEP_EXPECTED))
def test_every_preset_through_the_api(client, name):
    step = STEP_5 if preset_kernel(name).shape[0] == 5 else STEP_3
    image = Image.fromarray((step * 255).astype(np.uint8), "L")
    spec = {"filters": [{"preset": name}], "padding": "valid", "activation": "none", "values": True}
    response = post(client, encode(image), spec)
    assert response.status_code == 200
    conv = response.json()["maps"][0]["stages"]["conv"]
    assert conv["shape"] == [1, 3]
    assert_allclose(conv["values"][0], STEP_EXPECTED[name], atol=1e-6)
    assert conv["min"] == pytest.approx(min(STEP_EXPECTED[name]), abs=1e-6)
    assert conv["max"] == pytest.approx(max(STEP_EXPECTED[name]), abs=1e-6)


def test_values_and_images_agree_with_the_core(client):
    image = noise((24, 20), "L", seed=5)
    spec = {
        "filters": [{"preset": "laplacian"}, {"preset": "gaussian_blur_5"}],
        "stride": 2,
        "pool": {"mode": "avg", "size": 2},
        "values": True,
    }
    response = post(client, encode(image), spec)
    assert response.status_code == 200
    body = response.json()
    x = np.asarray(image, np.float32)[None] / np.float32(255)
    assert_allclose(pixels(body)[:, :, 0], np.asarray(image))
    from app.core.filters import pipeline

    expected = pipeline(
        x,
        [preset_kernel("laplacian"), preset_kernel("gaussian_blur_5")],
        "same",
        2,
        "relu",
        {"mode": "avg", "size": 2},
    )
    for m, stages in zip(body["maps"], expected, strict=True):
        for name in ("conv", "activation", "pool"):
            assert_allclose(m["stages"][name]["values"], stages[name], rtol=1e-6, atol=1e-7)
            codes, lo, hi = quantize(stages[name])
            assert np.abs(stage_codes(m["stages"][name]).astype(int) - codes).max() <= 1
            assert m["stages"][name]["min"] == pytest.approx(lo)


def test_full_depth_preset_and_convolution_mode(client):
    image = noise((12, 10), seed=2)
    spec = {
        "color": "rgb",
        "filters": [{"preset": "emboss", "full_depth": True}],
        "mode": "convolution",
        "values": True,
    }
    body = post(client, encode(image), spec).json()
    m = body["maps"][0]
    assert m["kind"] == "full-depth" and m["label"] == "Emboss (full depth)"
    assert_allclose(m["kernel"], [preset_kernel("emboss") / 3] * 3, rtol=1e-6)
    x = np.asarray(image, np.float32).transpose(2, 0, 1) / 255
    gray_mean = x.mean(axis=0)
    k = preset_kernel("emboss")[::-1, ::-1]  # convolution: the kernel flipped, then slid
    padded = np.pad(gray_mean, 1)
    expected = sum(k[i, j] * padded[i : i + 10, j : j + 12] for i in range(3) for j in range(3))
    assert_allclose(m["stages"]["conv"]["values"], expected, atol=1e-5)
    assert body["conv_mode"] == "convolution"


# ---------- image flavours ----------


def transparent(mode: str) -> Image.Image:
    """Left half opaque black, right half fully transparent (black underneath)."""
    im = Image.new("RGBA", (8, 4), (0, 0, 0, 0))
    im.paste((0, 0, 0, 255), (0, 0, 4, 4))
    return im.convert(mode) if mode != "RGBA" else im


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_is_composited_onto_white(client, mode):
    body = post(client, encode(transparent(mode)), {**SOBEL, "color": "rgb"}).json()
    p = pixels(body)
    assert (p[:, :4] == 0).all() and (p[:, 4:] == 255).all()
    assert any("white" in note for note in body["notes"])


def test_palette_with_transparency(client):
    im = Image.new("P", (6, 6), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (0, 0, 3, 6))
    im.info["transparency"] = 0  # index 0 (red) is transparent: drawn as white
    body = post(client, encode(im, transparency=0), {**SOBEL, "color": "rgb"}).json()
    p = pixels(body)
    assert (p[:, :3] == [0, 0, 255]).all() and (p[:, 3:] == 255).all()
    assert body["mode"] == "P"


def test_one_bit_image(client):
    im = Image.new("1", (10, 4), 0)
    im.paste(1, (5, 0, 10, 4))
    body = post(client, encode(im)).json()
    assert body["mode"] == "1"
    p = pixels(body)[:, :, 0]
    assert set(np.unique(p)) == {0, 255}
    assert (p[:, 5:] == 255).all()


def test_sixteen_bit_grayscale_keeps_its_precision(client):
    array = np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000 + 7
    im = Image.fromarray(array)
    assert im.mode.startswith("I;16")
    spec = {"filters": [{"preset": "identity"}], "activation": "none", "values": True}
    body = post(client, encode(im), spec).json()
    assert body["input"]["bits"] == 16 and body["input"]["scale"] == 65535
    assert_allclose(pixels(body)[:, :, 0], array)
    conv = body["maps"][0]["stages"]["conv"]
    assert_allclose(conv["values"], array / 65535, rtol=1e-6)
    assert any("65535" in note for note in body["notes"])
    rgb = post(client, encode(im), {**spec, "color": "rgb"}).json()
    assert rgb["channels"] == 3 and (pixels(rgb)[:, :, 2] == array).all()


def test_sixteen_bit_grayscale_downscaled(client_with):
    client = client_with(image_working_size=64)
    array = np.full((40, 210), 50_000, dtype=np.uint16)
    body = post(client, encode(Image.fromarray(array))).json()
    assert (body["width"], body["height"]) == (64, 12)
    assert np.abs(pixels(body).astype(int) - 50_000).max() <= 1


def test_cmyk_jpeg(client):
    im = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan, full magenta and yellow: red
    body = post(client, encode(im, "JPEG", quality=95), {**SOBEL, "color": "rgb"}).json()
    assert body["format"] == "JPEG" and body["mode"] == "CMYK"
    r, g, b = pixels(body).reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 60 and b < 60
    assert any("CMYK" in note for note in body["notes"])


def test_animated_gif_uses_the_first_frame(client):
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    body = post(client, data, {**SOBEL, "color": "rgb"}, "anim.gif").json()
    assert body["format"] == "GIF" and body["frames"] == 2
    assert (pixels(body) == [255, 0, 0]).all()
    assert any("first of 2 frames" in note for note in body["notes"])


def test_exif_rotated_jpeg_comes_out_upright(client):
    # Stored 40 wide × 20 high with a white block at the stored top-left; orientation 6 means
    # "rotate 90° clockwise to view": upright it is 20 × 40 with the block at the top right.
    im = Image.new("L", (40, 20), 0)
    im.paste(255, (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    body = post(client, encode(im, "JPEG", quality=95, exif=exif.tobytes())).json()
    assert (body["width"], body["height"], body["orientation"]) == (20, 40, 6)
    p = pixels(body)[:, :, 0].astype(int)
    assert p[:10, 10:].mean() > 230 and p[:10, :10].mean() < 25 and p[10:].mean() < 25
    assert any("orientation 6" in note for note in body["notes"])


@pytest.mark.parametrize(
    ("fmt", "options"), [("WEBP", {"lossless": True}), ("BMP", {}), ("GIF", {}), ("PNG", {})]
)
def test_other_formats(client, fmt, options):
    im = Image.new("RGB", (9, 7), (10, 200, 30))
    body = post(client, encode(im, fmt, **options), {**SOBEL, "color": "rgb"}).json()
    assert body["format"] == fmt and (body["width"], body["height"]) == (9, 7)


def test_large_stages_are_previews_unless_full_images(client):
    im = noise((1000, 300), "L", seed=4)
    spec = {"filters": [{"preset": "sobel_x"}], "pool": {"mode": "max", "size": 2}}
    body = post(client, encode(im), spec).json()
    conv, pool = body["maps"][0]["stages"]["conv"], body["maps"][0]["stages"]["pool"]
    assert conv["shape"] == [300, 1000] and conv["image_factor"] == 2
    assert stage_codes(conv).shape == (150, 500)
    assert pool["shape"] == [150, 500] and pool["image_factor"] == 1
    full = post(client, encode(im), {**spec, "full_images": True}).json()
    conv_full = full["maps"][0]["stages"]["conv"]
    assert conv_full["image_factor"] == 1 and stage_codes(conv_full).shape == (300, 1000)
    assert (conv_full["min"], conv_full["max"]) == (conv["min"], conv["max"])


def test_robust_contrast_clips_and_counts(client):
    rng = np.random.default_rng(3)
    a = np.full((64, 64), 128, np.uint8)
    a[rng.integers(0, 64, 20), rng.integers(0, 64, 20)] = 255  # a few bright specks
    a = np.clip(a + rng.integers(-3, 4, a.shape), 0, 255).astype(np.uint8)
    spec = {"filters": [{"preset": "laplacian"}], "activation": "none", "values": True}
    full = post(client, encode(Image.fromarray(a)), spec).json()["maps"][0]["stages"]["conv"]
    robust = post(client, encode(Image.fromarray(a)), {**spec, "contrast": "robust"}).json()
    stage = robust["maps"][0]["stages"]["conv"]
    values = np.array(stage["values"], np.float32)
    p1, p99 = np.percentile(values, [1, 99])
    assert (full["display_min"], full["display_max"]) == (full["min"], full["max"])
    assert full["clipped_percent"] == 0
    assert_allclose([stage["display_min"], stage["display_max"]], [p1, p99], rtol=1e-6)
    assert stage["clipped_below"] == np.count_nonzero(values < np.float32(stage["display_min"]))
    assert stage["clipped_above"] == np.count_nonzero(values > np.float32(stage["display_max"]))
    assert 0 < stage["clipped_percent"] <= 2.5
    assert (stage["min"], stage["max"]) == (full["min"], full["max"])  # the true range
    codes = stage_codes(stage).astype(np.float64)
    expected = np.clip((values - p1) / (p99 - p1) * 255, 0, 255)
    assert np.abs(codes - expected).max() <= 1


def test_magnitude_view_draws_absolute_values(client):
    im = Image.fromarray(np.kron(np.eye(4, dtype=np.uint8) * 255, np.ones((8, 8), np.uint8)))
    spec = {"filters": [{"preset": "sobel_x"}], "activation": "none", "view": "magnitude"}
    stage = post(client, encode(im), {**spec, "values": True}).json()["maps"][0]["stages"]["conv"]
    values = np.abs(np.array(stage["values"], np.float32))
    assert stage["view"] == "magnitude" and stage["display_min"] == 0
    assert_allclose(stage["display_max"], values.max(), rtol=1e-6)
    assert stage["min"] < 0  # the true range is still the signed one
    codes = stage_codes(stage).astype(np.float64)
    assert np.abs(codes - values / values.max() * 255).max() <= 1


def test_one_full_size_stage_at_a_time(client):
    im = noise((1000, 300), "L", seed=4)
    spec = {"filters": [{"preset": "sobel_x"}, {"preset": "box_blur_3"}], "pool": {"mode": "max"}}
    body = post(client, encode(im), {**spec, "full": {"map": 1, "stage": "pool"}, "input": False})
    body = body.json()
    assert body["input"] is None
    assert [m["index"] for m in body["maps"]] == [1]
    assert list(body["maps"][0]["stages"]) == ["pool"]
    pool = body["maps"][0]["stages"]["pool"]
    assert pool["image_factor"] == 1 and stage_codes(pool).shape == (150, 500)
    refused = post(client, encode(im), {**spec, "full": {"map": 2, "stage": "conv"}})
    assert refused.status_code == 422 and refused.json()["field"] == "spec.full.map"
    refused = post(
        client, encode(im), {"filters": spec["filters"], "full": {"map": 0, "stage": "pool"}}
    )
    assert refused.status_code == 422 and "needs pool settings" in refused.json()["detail"]


def test_the_largest_request_is_bounded_by_its_bytes(client):
    """1024² RGB, 16 per-channel 11×11 kernels: 155 MB of JSON with full_images before; now
    refused with the field, and its previews fit the preview budget."""
    rng = np.random.default_rng(0)
    im = Image.fromarray(rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8))
    kernel = (rng.standard_normal((11, 11)) / 11).tolist()
    spec = {"color": "rgb", "filters": [{"kernel": kernel}] * 16, "pool": {"mode": "max"}}
    data = encode(im)
    refused = post(client, data, {**spec, "full_images": True})
    assert refused.status_code == 422 and refused.json()["field"] == "spec.full_images"
    assert '"full": {"map": 0, "stage": "conv"}' in refused.json()["detail"]
    response = post(client, data, {**spec, "input": False})
    assert response.status_code == 200
    body = response.json()
    assert len(response.content) < 2_500_000
    shown = sum(stage_codes(st).size for m in body["maps"] for st in m["stages"].values())
    assert shown <= PREVIEW_MAX_VALUES
    assert body["preview_side"] < 512


def test_input_can_be_left_out(client):
    body = post(client, SMALL_PNG, {**SOBEL, "input": False}).json()
    assert body["input"] is None and body["maps"][0]["stages"]["conv"]["shape"] == [5, 6]


def test_large_images_are_downscaled_and_say_so(client_with):
    client = client_with(image_working_size=100)
    im = Image.new("RGB", (400, 200), (120, 120, 120))
    body = post(client, encode(im, "JPEG")).json()
    assert (body["width"], body["height"]) == (100, 50)
    assert body["scaled"] is True and body["working_size"] == 100
    assert (body["original_width"], body["original_height"]) == (400, 200)
    assert any("downscaled from 400×200 to 100×50" in note for note in body["notes"])


def test_uploads_never_touch_the_disk(client, monkeypatch):
    """The body is parsed in memory: no file is opened while an upload is processed (Starlette's
    own form parser would spool a part over 1 MB to a temporary file)."""
    data = encode(noise((720, 720)))
    assert len(data) > 1_100_000
    assert post(client, data).status_code == 200  # modules and Pillow plugins loaded first

    def no_disk(*args, **kwargs):
        raise AssertionError(f"a file was opened during the upload: {args[:1]}")

    for module, name in [
        (builtins, "open"),
        (io, "open"),
        (os, "open"),
        (tempfile, "SpooledTemporaryFile"),
        (tempfile, "TemporaryFile"),
        (tempfile, "NamedTemporaryFile"),
        (tempfile, "mkstemp"),
    ]:
        monkeypatch.setattr(module, name, no_disk)
    response = post(client, data)
    assert response.status_code == 200
    assert response.json()["width"] == 720


# ---------- refusals: the file ----------


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with almost no data behind it."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def truncated_gif() -> bytes:
    frames = [noise((32, 32), seed=s).convert("P") for s in range(3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    return data[: int(len(data) * 0.8)]  # the first frame whole, a later one cut


def truncated_png() -> bytes:
    data = encode(noise((64, 64)))
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    data = encode(noise((64, 64)), "JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        (b"", 422, "empty"),
        (b"this is a text file, not a picture\n" * 10, 415, "not an image"),
        (b"\x00" * 100, 415, "not an image"),
        (encode(Image.new("RGB", (8, 8)), "TIFF"), 415, "TIFF"),
        (encode(Image.new("RGB", (8, 8)), "PDF"), 415, "PDF"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', 415, "SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 415, "SVG"),
        (truncated_png(), 422, "truncated"),
        (truncated_jpeg(), 422, "truncated"),
        (png_header(30000, 30000), 422, "too many pixels"),
    ],
    ids=[
        "empty",
        "text",
        "zeros",
        "tiff",
        "pdf",
        "svg-xml",
        "svg",
        "trunc-png",
        "trunc-jpeg",
        "30k",
    ],
)
def test_files_that_are_refused(client, data, status, fragment):
    response = post(client, data)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_gif_with_a_damaged_later_frame_uses_the_first(client):
    response = post(client, truncated_gif(), SOBEL, "cut.gif")
    assert response.status_code == 200
    assert response.json()["format"] == "GIF"


def test_invalid_exif_orientation_is_ignored(client):
    exif = Image.Exif()
    exif[0x0112] = 9
    body = post(client, encode(Image.new("L", (12, 6)), "JPEG", exif=exif.tobytes())).json()
    assert (body["width"], body["height"], body["orientation"]) == (12, 6, 1)


def test_decompression_bomb_is_refused_before_decoding(client):
    data = encode(Image.new("1", (8000, 8000), 0))  # ~ 10 kB that decodes to 64 megapixels
    assert len(data) < 60_000
    response = post(client, data)
    assert response.status_code == 422
    body = response.json()
    assert "8000×8000 = 64.0 megapixels" in body["detail"] and body["field"] == "file"


def test_header_claiming_too_many_pixels_below_pillows_own_guard(client_with):
    client = client_with(image_max_pixels=10_000)
    response = post(client, png_header(100, 101))
    assert response.status_code == 422
    assert response.json() == {
        "detail": "the image is 100×101 = 0.0 megapixels, more than the limit of 0.01 megapixels; "
        "it was not decoded (a file this small that decodes this large is a decompression bomb)",
        "field": "file",
    }
    assert post(client, png_header(100, 100)).status_code != 413


def jpeg_claiming(width: int, height: int) -> bytes:
    """A 64×64 JPEG whose frame header is rewritten to claim width × height."""
    data = bytearray(encode(noise((64, 64)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_jpeg_header_claiming_more_than_its_data_is_truncated(client):
    response = post(client, jpeg_claiming(7000, 7000))
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    detail = response.json()["detail"]
    assert "truncated" in detail and "7000×7000" in detail and "95,704 bytes" in detail
    # The same data under its own size decodes.
    assert post(client, jpeg_claiming(64, 64)).status_code == 200


@pytest.mark.parametrize(
    ("im", "fmt", "cost"),
    [
        (Image.new("RGBA", (300, 300)), "PNG", 360_000),
        (Image.new("LA", (300, 300)), "PNG", 360_000),
        (Image.new("RGB", (300, 300)), "PNG", 360_000),  # Pillow keeps RGB as 4 bytes a pixel
        (Image.new("RGB", (150, 150)), "WEBP", 360_000),  # libwebp's buffers: 16 bytes a pixel
        (Image.new("I;16", (300, 300)), "PNG", 180_000),
    ],
    ids=["rgba", "la", "rgb", "webp", "16-bit"],
)
def test_decoding_over_the_memory_budget_is_refused_before_decoding(client_with, im, fmt, cost):
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = encode(im, fmt, **options)
    refused = post(client_with(image_decode_max_bytes=cost - 1), data)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert f"needs about {cost / 1e6:.0f} MB of memory to decode" in detail
    assert "it was not decoded" in detail and "Send it at most" in detail
    assert post(client_with(image_decode_max_bytes=cost), data).status_code == 200


def test_a_large_jpeg_is_costed_at_its_draft_size(client_with):
    # 2000×2000 decodes at 1/8 scale for a 100 px working size: 250×250×4 bytes, not 16 MB.
    data = encode(noise((2000, 2000)), "JPEG")
    client = client_with(image_working_size=100, image_decode_max_bytes=250 * 250 * 4)
    body = post(client, data).json()
    assert (body["width"], body["height"]) == (100, 100)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "I;16", "RGB"])
def test_strips_give_the_whole_image_reduction(mode):
    """shrink() reduces a strip at a time; the result equals reducing the whole image."""
    from app.imaging import STRIP_PIXELS, flatten, shrink

    rng = np.random.default_rng(7)
    W, H = 3000, 1100  # more than STRIP_PIXELS: several strips, the last a partial one
    assert W * H > 2 * STRIP_PIXELS
    if mode == "I;16":
        im = Image.fromarray(rng.integers(0, 65536, (H, W), dtype=np.uint16))
        convert = lambda part: part.convert("I")  # noqa: E731
    else:
        bands = {"RGBA": 4, "LA": 2, "P": 1, "RGB": 3}[mode]
        array = rng.integers(0, 256, (H, W, bands), dtype=np.uint8)
        im = Image.fromarray(array[:, :, 0] if bands == 1 else array, "L" if mode == "P" else mode)
        if mode == "P":
            im = im.convert("P")
            im.info["transparency"] = 5
        convert = flatten
    target = (700, 257)
    whole = (
        convert(im).reduce((4, 4)).resize(target, Image.Resampling.LANCZOS, box=(0, 0, 750, 275))
    )
    assert_allclose(np.asarray(shrink(im, target, convert)), np.asarray(whole), atol=0)


def test_upload_over_the_limit(client_with):
    client = client_with(upload_max_bytes=1000)
    response = post(client, b"\x89PNG\r\n\x1a\n" + b"\0" * 1000)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "the image is larger than the upload limit of 1,000 bytes",
        "field": "file",
    }
    assert post(client, encode(Image.new("L", (4, 4)))).status_code == 200


def test_body_over_the_upload_body_limit_is_json_413(client_with):
    client = client_with(upload_max_bytes=1000)
    limit = 1000 + MAX_SPEC_CHARS + FRAMING_BYTES
    response = post(client, b"\0" * (limit + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json() == {
        "detail": f"request body too large: the limit is {limit:,} bytes",
        "field": "body",
    }


def test_a_body_without_a_length_is_counted_as_it_arrives(client_with):
    client = client_with(upload_max_bytes=1000)
    body, headers = form_body(
        ("spec", None, json.dumps(SOBEL).encode()), ("file", "a.png", b"\0" * 400_000)
    )

    def chunks():
        for start in range(0, len(body), 10_000):
            yield body[start : start + 10_000]

    response = client.post(URL, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["field"] == "body"


# ---------- refusals: the form ----------


@pytest.mark.parametrize(
    ("parts", "field", "fragment"),
    [
        ([("file", "a.png", SMALL_PNG)], "spec", "spec: missing; the form takes file and spec"),
        ([("spec", None, b"{}")], "file", "file: missing"),
        (
            [
                ("file", "a.png", SMALL_PNG),
                ("file", "b.png", SMALL_PNG),
                ("spec", None, SOBEL_SPEC),
            ],
            "file",
            "file: sent more than once; send one file",
        ),
        (
            [("file", "a.png", SMALL_PNG), ("spec", None, SOBEL_SPEC), ("spec", None, SOBEL_SPEC)],
            "spec",
            "sent more than once",
        ),
        (
            [("file", "a.png", SMALL_PNG), ("spec", None, SOBEL_SPEC), ("colour", None, b"red")],
            "colour",
            "colour: not a field of this form, which takes file and spec",
        ),
        ([("file", "a.png", SMALL_PNG), ("spec", None, b"\xff\xfe")], "spec", "not UTF-8"),
    ],
)
def test_forms_that_are_refused(client, parts, field, fragment):
    body, headers = form_body(*parts)
    response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize("declared", ["10", str(len(SMALL_PNG) + 1), "many"])
def test_a_part_whose_declared_size_disagrees_is_refused(client, declared):
    body, headers = form_body(("file", "a.png", SMALL_PNG), ("spec", None, SOBEL_SPEC))
    head = b'filename="a.png"\r\n'
    body = body.replace(head, head + f"Content-Length: {declared}\r\n".encode(), 1)
    response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    assert "Content-Length" in response.json()["detail"]


def test_a_part_whose_declared_size_agrees_is_taken(client):
    body, headers = form_body(("file", "a.png", SMALL_PNG), ("spec", None, SOBEL_SPEC))
    head = b'filename="a.png"\r\n'
    body = body.replace(head, head + f"Content-Length: {len(SMALL_PNG)}\r\n".encode(), 1)
    assert client.post(URL, content=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "cut", "fragment"),
    [
        ({"content-type": "application/json"}, 0, "send multipart/form-data with the fields"),
        ({"content-type": "multipart/form-data"}, 0, "gives no boundary"),
        ({}, 40, "ends before its closing boundary"),
        ({"content-type": "multipart/form-data; boundary=other"}, 0, "malformed"),
    ],
)
def test_bodies_that_are_not_a_form(client, headers, cut, fragment):
    body, form_headers = form_body(("file", "a.png", SMALL_PNG), ("spec", None, SOBEL_SPEC))
    response = client.post(URL, content=body[: len(body) - cut], headers=form_headers | headers)
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert fragment in response.json()["detail"]


# ---------- refusals: the spec ----------


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({"filters": [{"kernel": [[1, 2], [3, 4]]}]}, "spec.filters[0].kernel", "odd size"),
        ({"filters": [{"kernel": [[1, 2, 3], [4, 5, 6]]}]}, "spec.filters[0].kernel", "square"),
        ({"filters": [{"kernel": [[1, 2, 3], [4, 5]]}]}, "spec.filters[0].kernel", "ragged"),
        ({"filters": [{"kernel": [[1, "2", 3]] * 3}]}, "spec.filters[0].kernel", "number"),
        ({"filters": [{"kernel": [[1, True, 3]] * 3}]}, "spec.filters[0].kernel", "number"),
        ({"filters": [{"preset": "blurry"}]}, "spec.filters[0].preset", "sobel_x"),
        ({"filters": []}, "spec.filters", "at least 1"),
        ({"filters": [{"preset": "identity"}] * 17}, "spec.filters", "at most 16"),
        ({"filters": [{}]}, "spec.filters[0]", "either"),
        (
            {"filters": [{"preset": "identity", "kernel": [[1]]}]},
            "spec.filters[0]",
            "not both",
        ),
        ({"filters": [{"preset": "identity"}], "strides": 2}, "spec.strides", "not permitted"),
        ({"filters": [{"preset": "identity"}], "color": "cmyk"}, "spec.color", "gray"),
        ({"filters": [{"preset": "identity"}], "stride": 0}, "spec.stride", "greater than"),
        (
            {"filters": [{"preset": "identity"}], "pool": {"mode": "max", "size": 7}},
            "spec.pool.size",
            "larger than the 6×5 (width×height) feature map",
        ),
        (
            {"filters": [{"preset": "identity"}], "pool": {"mode": "median"}},
            "spec.pool.mode",
            "max",
        ),
        (
            {"filters": [{"kernel": [[[1]], [[1]], [[1]]]}]},
            "spec.filters[0].kernel",
            "filter depth 3 does not match the 1 input channel",
        ),
        (
            {"color": "rgb", "filters": [{"kernel": [[[0] * 3] * 3] * 2}]},
            "spec.filters[0].kernel",
            "filter depth 2 does not match the 3 input channels",
        ),
        (
            {"filters": [{"kernel": np.ones((7, 7)).tolist()}], "padding": "valid"},
            "spec.filters[0].kernel",
            "does not fit",
        ),
        ([1, 2], "spec", "JSON object"),
    ],
)
def test_specs_that_are_refused(client, spec, field, fragment):
    response = post(client, SMALL_PNG, spec)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert fragment in body["detail"]
    assert body["detail"].startswith(field)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"filters": [{"kernel": [[NaN]]}]}', "finite"),
        ('{"filters": [{"kernel": [[Infinity, 0, 0], [0, 1, 0], [0, 0, 0]]}]}', "finite"),
        ('{"filters": [', "not valid JSON"),
        ("", "spec: empty; send the filters as JSON"),
        (" \n", "spec: empty"),
        ("[" * 100_000, "nested too deeply"),
        ('{"stride": ' + "1" * 5000 + "}", "spec: not usable JSON"),
    ],
)
def test_malformed_spec_text(client, text, fragment):
    response = post(client, SMALL_PNG, text)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_values_only_for_small_images(client_with):
    side = 16
    client = client_with(image_values_max_side=side)
    spec = {**SOBEL, "values": True}
    assert post(client, encode(Image.new("L", (side, 3))), spec).status_code == 200
    response = post(client, encode(Image.new("L", (side + 1, 3))), spec)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "spec.values"
    assert f"up to {side} px" in body["detail"] and f"{side + 1}×3" in body["detail"]


def test_openapi_documents_the_route(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    assert {"413", "415", "422"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP"])
def test_damaged_files_never_give_a_server_error(client, fmt):
    """Bytes flipped, cut or repeated anywhere in a valid file: a clear 4xx or a picture."""
    valid = encode(noise((24, 16), seed=9), fmt)
    rng = np.random.default_rng(sum(fmt.encode()))
    for _ in range(25):
        data = bytearray(valid)
        kind = rng.integers(3)
        at = int(rng.integers(0, len(data)))
        if kind == 0:
            for i in rng.integers(0, len(data), size=4):
                data[i] = int(rng.integers(256))
        elif kind == 1:
            data = data[:at]
        else:
            data = data[:at] + data[at : at + 64] * 3 + data[at:]
        response = post(client, bytes(data))
        assert response.status_code in (200, 415, 422), (fmt, kind, at, response.text[:200])
        if response.status_code != 200:
            assert response.json()["detail"]
