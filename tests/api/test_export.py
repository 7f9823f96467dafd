"""POST /api/export/animation: frames read back with Pillow, bounds, and each 4xx."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from app.animation import FRAME_SIZE, MAX_FRAMES, sample_steps

URL = "/api/export/animation"
RNG = np.random.default_rng(5)
CONV = {
    "input": RNG.integers(0, 3, (3, 5, 5)).tolist(),
    "weights": RNG.integers(-1, 2, (2, 3, 3, 3)).tolist(),
    "bias": [1, 0],
    "stride": 2,
    "padding": 1,
}
POOL = {"input": RNG.normal(size=(2, 6, 6)).round(2).tolist(), "mode": "avg", "size": 3}
POOL["stride"] = 2
RACE = {
    "surface": "himmelblau",
    "start": [-1, 1],
    "steps": 150,
    "optimizers": [{"name": "adam", "lr": 0.1}, {"name": "sgd", "lr": 0.001}],
}


def read(response):
    assert response.status_code == 200, response.text
    body = response.json()
    data = base64.b64decode(body["data"])
    assert len(data) == body["bytes"]
    image = Image.open(io.BytesIO(data))
    return body, image


@pytest.mark.parametrize("fmt, pil_format", [("gif", "GIF"), ("webp", "WEBP")])
def test_conv_one_frame_per_step(client, fmt, pil_format):
    body, image = read(client.post(URL, json={"lesson": "conv", "body": CONV, "format": fmt}))
    assert image.format == pil_format and image.size == FRAME_SIZE
    assert body["media_type"] == f"image/{fmt}"
    # 2 filters × 3×3 outputs: 18 steps, all of them under the default frame budget.
    assert body["steps"] == 18 and body["frames"] == 18 and image.n_frames == 18


def test_pool_frames_follow_the_trace(client):
    body, image = read(client.post(URL, json={"lesson": "pooling", "body": POOL, "frames": 5}))
    assert body["steps"] == 2 * 2 * 2 and image.n_frames == body["frames"] == 5


def test_race_is_sampled_to_the_frame_budget(client):
    body, image = read(client.post(URL, json={"lesson": "optimizers", "body": RACE, "frames": 30}))
    assert body["steps"] == 150 and image.n_frames == 30 and image.size == FRAME_SIZE


def test_frames_differ_step_to_step(client):
    _, image = read(client.post(URL, json={"lesson": "conv", "body": CONV, "frames": 3}))
    pictures = []
    for i in range(image.n_frames):
        image.seek(i)
        pictures.append(np.asarray(image.convert("RGB"), dtype=int))
    assert all(np.abs(a - b).sum() > 0 for a, b in zip(pictures, pictures[1:], strict=False))


def test_sample_steps_keeps_the_ends():
    assert sample_steps(5, 10) == [0, 1, 2, 3, 4]
    picked = sample_steps(1001, 60)
    assert picked[0] == 0 and picked[-1] == 1000 and len(picked) == 60
    assert picked == sorted(set(picked))


@pytest.mark.parametrize(
    "payload, field, words",
    [
        ({"lesson": "fft", "body": CONV}, "lesson", "conv"),
        ({"lesson": "conv", "body": CONV, "frames": MAX_FRAMES + 1}, "frames", "less than"),
        ({"lesson": "conv", "body": CONV, "frames": 1}, "frames", "greater than"),
        ({"lesson": "conv", "body": CONV, "format": "mp4"}, "format", "gif"),
        ({"lesson": "conv", "body": {**CONV, "stride": 0}}, "stride", "stride"),
        ({"lesson": "pooling", "body": {**POOL, "mode": "median"}}, "mode", "max"),
        ({"lesson": "optimizers", "body": {**RACE, "steps": 0}}, "steps", "greater"),
        ({"lesson": "conv"}, "body", "required"),
    ],
)
def test_bad_requests_name_the_field(client, payload, field, words):
    response = client.post(URL, json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in body["field"] and words in body["detail"]


def test_shape_mismatch_is_a_422(client):
    bad = {**CONV, "weights": RNG.integers(-1, 2, (2, 2, 3, 3)).tolist()}
    response = client.post(URL, json={"lesson": "conv", "body": bad})
    assert response.status_code == 422
    assert "channels" in response.json()["detail"]


def test_nan_is_refused(client):
    text = '{"lesson": "pooling", "body": {"input": [[[NaN, 1], [2, 3]]], "mode": "max"}}'
    response = client.post(URL, content=text, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "finite" in response.json()["detail"]


def test_a_trace_over_the_lessons_limit_is_a_422(client, monkeypatch):
    # The lesson's own bound holds: the animation draws no more than the stepper shows.
    from app.api import conv

    monkeypatch.setattr(conv, "MAX_TRACE_PRODUCTS", 10)
    response = client.post(URL, json={"lesson": "conv", "body": CONV})
    assert response.status_code == 422
    assert "the stepper shows at most 10" in response.json()["detail"]


def test_byte_limit_is_enforced(client, monkeypatch):
    from app.api import export

    monkeypatch.setattr(export, "MAX_BYTES", 1000)
    response = client.post(URL, json={"lesson": "conv", "body": CONV})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "frames" and "1,000-byte limit" in body["detail"]
