"""Every backward endpoint takes the gradient of what its forward returned, at each lesson's limits.

The bounds on grad_output are derived from the forward's (the longest output side follows from
the longest input side, the padding and the smallest window), so a forward pass at its limits
gives an output its backward pass accepts.
"""

import json

import numpy as np
import pytest

from app.schemas import conv, pool, training


def post(client, path, payload):
    # Compact JSON: the largest gradients are over a megabyte written with spaces.
    body = json.dumps(payload, separators=(",", ":"))
    return client.post(path, content=body, headers={"content-type": "application/json"})


def ones(*shape):
    return np.ones(shape, dtype=int).tolist()


def test_derived_output_bounds():
    assert conv.MAX_OUTPUT_SIDE == conv.MAX_SIDE + 2 * conv.MAX_PADDING == 192
    assert pool.MAX_OUTPUT_SIDE == pool.MAX_SIDE + 1 == 33


@pytest.mark.parametrize(
    ("channels", "side", "filters", "kernel", "padding"),
    [
        (1, 4, 1, 1, 40),  # the case: 4×4 with padding 40 gives 84×84
        (1, conv.MAX_SIDE, conv.MAX_FILTERS, 1, conv.MAX_PADDING),  # the longest output side
        (conv.MAX_CHANNELS, conv.MAX_SIDE, 2, conv.MAX_KERNEL, 0),  # the largest input and kernel
    ],
)
def test_conv_backward_takes_the_forward_output(client, channels, side, filters, kernel, padding):
    payload = {
        "input": ones(channels, side, side),
        "weights": ones(filters, channels, kernel, kernel),
        "padding": padding,
        "trace": False,
    }
    forward = post(client, "/api/conv2d", payload)
    assert forward.status_code == 200, forward.text
    out = np.array(forward.json()["output"])
    expected = side + 2 * padding - kernel + 1
    assert out.shape == (filters, expected, expected)
    backward = post(client, "/api/conv2d/backward", payload | {"grad_output": ones(*out.shape)})
    assert backward.status_code == 200, backward.text
    body = backward.json()
    assert np.shape(body["grad_input"]) == (channels, side, side)
    assert np.shape(body["grad_weights"]) == (filters, channels, kernel, kernel)
    assert body["grad_bias"] == [expected * expected] * filters


@pytest.mark.parametrize(
    ("mode", "size", "stride", "padding"),
    [
        ("avg", 2, 1, 1),  # the case: 32×32 gives 33×33
        ("max", 2, 1, 1),
        ("max", pool.MAX_SIDE, 1, pool.MAX_PADDING),
        ("avg", 1, 1, 0),
    ],
)
def test_pool_backward_takes_the_forward_output(client, mode, size, stride, padding):
    x = np.arange(pool.MAX_CHANNELS * pool.MAX_SIDE**2).reshape(
        pool.MAX_CHANNELS, pool.MAX_SIDE, pool.MAX_SIDE
    )
    payload = {
        "input": x.tolist(),
        "mode": mode,
        "size": size,
        "stride": stride,
        "padding": padding,
        "trace": False,
    }
    forward = post(client, "/api/pool2d", payload)
    assert forward.status_code == 200, forward.text
    out = np.array(forward.json()["output"])
    side = (pool.MAX_SIDE + 2 * padding - size) // stride + 1
    assert out.shape == (pool.MAX_CHANNELS, side, side)
    backward = post(client, "/api/pool2d/backward", payload | {"grad_output": ones(*out.shape)})
    assert backward.status_code == 200, backward.text
    grad = np.array(backward.json()["grad_input"])
    assert grad.shape == x.shape
    # Every output's gradient of 1 lands on input cells: all of it (max), or all but the shares
    # that fall on padding (average).
    if mode == "max":
        np.testing.assert_allclose(grad.sum(), out.size)
    else:
        assert grad.sum() <= out.size


def test_pool_backward_says_which_shape_it_needs(client):
    payload = {"input": ones(1, 32, 32), "mode": "avg", "size": 2, "stride": 1, "padding": 1}
    response = post(client, "/api/pool2d/backward", payload | {"grad_output": ones(1, 32, 32)})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "grad_output must have the output's shape 1×33×33, got 1×32×32",
        "field": "grad_output",
    }


def test_conv_backward_says_which_shape_it_needs(client):
    payload = {"input": ones(1, 4, 4), "weights": ones(1, 1, 1, 1), "padding": 40}
    response = post(client, "/api/conv2d/backward", payload | {"grad_output": ones(1, 84, 83)})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "grad_output must have the output's shape 1×84×84, got 1×84×83",
        "field": "grad_output",
    }


def test_batchnorm_backward_at_its_limits(client):
    N, D = training.MAX_ROWS, training.MAX_FEATURES
    x = np.arange(N * D).reshape(N, D) % 7
    payload = {"x": x.tolist(), "gamma": [1] * D, "beta": [0] * D}
    forward = post(client, "/api/training/batchnorm", payload)
    assert forward.status_code == 200, forward.text
    out = np.array(forward.json()["out"])
    assert out.shape == (N, D)
    backward = post(client, "/api/training/batchnorm", payload | {"grad_output": ones(N, D)})
    assert backward.status_code == 200, backward.text
    body = backward.json()
    assert np.shape(body["dx"]) == (N, D)
    np.testing.assert_allclose(body["dx"], 0, atol=1e-9)  # a constant gradient is normalised away
    np.testing.assert_allclose(body["dbeta"], [N] * D)
