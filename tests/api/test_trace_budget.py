"""The traces' size is bounded before computing, by an estimate that is never below the real
JSON (app/schemas/conv.py): the 12.5 KB body that once returned 59 MB is a 422 naming `trace`."""

import numpy as np
import pytest

from app.schemas.conv import (
    MAX_TRACE_BYTES,
    Conv2dBackwardResponse,
    Conv2dResponse,
    backward_trace_bytes,
    forward_trace_bytes,
    transpose_trace_bytes,
)
from app.schemas.conv_transpose import ConvTransposeResponse


def rand(*shape, seed=0):
    # Full-precision negative floats: the longest numbers a trace lists.
    return (-np.random.default_rng(seed).random(shape) - 1e-3).tolist()


# (C, H, W, F, KH, KW, stride, padding, dilation)
SHAPES = [
    (1, 5, 5, 1, 3, 3, 1, 1, 1),
    (3, 7, 6, 2, 3, 3, 2, 1, 1),
    (2, 9, 9, 3, 1, 1, 1, 4, 1),
    (4, 8, 8, 2, 5, 5, 1, 2, 2),
    (1, 12, 12, 4, 2, 3, 3, 0, 1),
]


@pytest.mark.parametrize("shape", SHAPES)
def test_estimates_cover_the_real_size(client, shape):
    C, H, W, F, KH, KW, s, p, d = shape
    body = {
        "input": rand(C, H, W),
        "weights": rand(F, C, KH, KW, seed=1),
        "bias": rand(F, seed=2),
        "stride": s,
        "padding": p,
        "dilation": d,
    }
    forward = client.post("/api/conv2d", json=body)
    assert forward.status_code == 200, forward.text
    # The traces are serialised by orjson (app.schemas.common.json_response): still the model.
    Conv2dResponse.model_validate_json(forward.content)
    _, Ho, Wo = forward.json()["output_shape"]
    plain = client.post("/api/conv2d", json={**body, "trace": False})
    steps_bytes = len(forward.content) - len(plain.content)
    estimate = forward_trace_bytes(C, F, KH * KW, Ho, Wo)
    assert steps_bytes <= estimate <= 2.5 * steps_bytes, (steps_bytes, estimate)

    backward = {**body, "grad_output": rand(F, Ho, Wo, seed=3)}
    traced = client.post("/api/conv2d/backward", json={**backward, "trace": True})
    plain = client.post("/api/conv2d/backward", json=backward)
    assert traced.status_code == 200, traced.text
    Conv2dBackwardResponse.model_validate_json(traced.content)
    real = len(traced.content) - len(plain.content)
    estimate = backward_trace_bytes(C, F, KH * KW, Ho, Wo, H + 2 * p, W + 2 * p)
    assert real <= estimate <= 2.5 * real, (real, estimate)

    transpose = {
        "input": rand(C, H, W),
        "weights": rand(C, F, KH, KW, seed=1),
        "stride": s,
        "dilation": d,
    }
    traced = client.post("/api/conv_transpose2d", json=transpose)
    assert traced.status_code == 200, traced.text
    ConvTransposeResponse.model_validate_json(traced.content)
    plain = client.post("/api/conv_transpose2d", json={**transpose, "trace": False})
    real = len(traced.content) - len(plain.content)
    _, Ho, Wo = traced.json()["output_shape"]
    estimate = transpose_trace_bytes(C, F, KH * KW, H, W, Ho, Wo)
    assert real <= estimate <= 2.5 * real, (real, estimate)


def test_the_59_mb_body_is_refused_before_computing(client):
    """1×64×64 zeros, ten 1×1 filters, padding 64: 368,640 steps of one product each."""
    body = {"input": [[[0] * 64] * 64], "weights": [[[[1]]]] * 10, "padding": 64}
    response = client.post("/api/conv2d", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "trace"
    assert "MB of JSON" in response.json()["detail"]
    assert client.post("/api/conv2d", json={**body, "trace": False}).status_code == 200


def test_the_largest_allowed_trace_is_bounded(client):
    """The conv page's largest view (8 filters, 32×32×3, 3×3, padding 1): under the bound."""
    body = {"input": rand(3, 32, 32), "weights": rand(8, 3, 3, 3, seed=1), "padding": 1}
    response = client.post("/api/conv2d", json=body)
    assert response.status_code == 200
    assert len(response.content) < MAX_TRACE_BYTES
