"""POST /api/conv2d and /api/conv2d/backward: fields, trace, size report, every 4xx."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.conv import conv2d_naive

X = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
W = [[[[1, 0], [0, -1]]]]


def test_forward_returns_output_steps_and_size(client):
    response = client.post("/api/conv2d", json={"input": X, "weights": W, "bias": [1]})
    assert response.status_code == 200
    body = response.json()
    assert body["output"] == [[[-3.0, -3.0], [-3.0, -3.0]]]
    assert body["output_shape"] == [1, 2, 2]
    assert body["padded_shape"] == [1, 3, 3]
    assert len(body["steps"]) == 4
    step = body["steps"][1]
    assert (step["filter"], step["row"], step["col"]) == (0, 0, 1)
    assert step["cells"] == [[0, 1], [0, 2], [1, 1], [1, 2]]
    assert step["products"] == [[[2.0, 0.0], [0.0, -6.0]]]
    assert step["channel_sums"] == [-4.0] and step["bias"] == 1.0 and step["value"] == -3.0
    assert body["size"]["height"]["formula"].startswith("(3 + 2·0 - 1·(2 - 1) - 1) / 1 + 1")


def test_forward_with_pairs_and_convolution_mode_matches_reference(client):
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, (2, 6, 7)).astype(float)
    w = rng.integers(-2, 3, (3, 2, 3, 2)).astype(float)
    b = [0.5, -1.0, 2.0]
    payload = {
        "input": x.tolist(),
        "weights": w.tolist(),
        "bias": b,
        "stride": [2, 1],
        "padding": [1, 2],
        "dilation": [1, 2],
        "mode": "convolution",
    }
    response = client.post("/api/conv2d", json=payload)
    assert response.status_code == 200
    body = response.json()
    expected = conv2d_naive(x, w, np.array(b), (2, 1), (1, 2), (1, 2), "convolution")
    assert_allclose(body["output"], expected)
    assert body["kernel_flipped"] is True
    assert len(body["steps"]) == expected.size


def test_size_report_lists_unvisited_rows(client):
    x = np.zeros((1, 7, 7)).tolist()
    w = np.zeros((1, 1, 3, 3)).tolist()
    body = client.post("/api/conv2d", json={"input": x, "weights": w, "stride": 3}).json()
    height = body["size"]["height"]
    assert height["exact"] is False and height["output"] == 2
    assert height["unvisited"] == [6]
    assert 1 in height["fitting_paddings"]


def test_trace_can_be_turned_off(client):
    body = client.post("/api/conv2d", json={"input": X, "weights": W, "trace": False}).json()
    assert body["steps"] is None


def test_backward(client):
    payload = {"input": X, "weights": W, "grad_output": [[[1, 0], [0, 2]]]}
    response = client.post("/api/conv2d/backward", json=payload)
    assert response.status_code == 200
    body = response.json()
    assert body["grad_bias"] == [3.0]
    # dW[i][j] = sum over outputs of dout · x at the tap: 1·x[0+i][0+j] + 2·x[1+i][1+j]
    assert body["grad_weights"] == [[[[11.0, 14.0], [20.0, 23.0]]]]
    assert body["grad_input"] == [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -2.0]]]


@pytest.mark.parametrize(
    "change,field,fragment",
    [
        ({"weights": [[[[1, 0], [0, 1]]], [[[1]]]]}, "weights", "ragged"),
        ({"weights": [[[[1]], [[1]]]]}, "weights", "filter depth 2 does not match the 1 input"),
        ({"bias": [1, 2]}, "bias", "bias has 2 values"),
        ({"stride": 0}, "stride", "stride: must be between 1 and 64, got 0"),
        ({"stride": [1, 2, 3]}, "stride", "stride: must be an integer or a pair [height, width]"),
        ({"stride": "2"}, "stride", "must be an integer or a pair"),
        ({"stride": True}, "stride", "must be an integer or a pair"),
        ({"padding": -1}, "padding", "padding: must be between 0 and 64, got -1"),
        ({"padding": [1, 65]}, "padding", "must be between 0 and 64, got 65"),
        ({"dilation": [1, 0]}, "dilation", "must be between 1 and 64, got 0"),
        ({"dilation": 5}, "weights", "dilated kernel"),
        ({"mode": "fft"}, "mode", "mode"),
        ({"input": [[[1, 2], [3]]]}, "input", "input is ragged: [0][1] has 1 entries"),
        ({"input": []}, "input", "at least 1"),
        ({"input": [[[1] * 65]]}, "input[0][0]", "at most 64"),
        ({"weights": [[[[1] * 12]]]}, "weights[0][0][0]", "at most 11"),
        ({"input": [[[1e308]]]}, "input[0][0][0]", "less than or equal to 1000000"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, change, field, fragment):
    payload = {"input": X, "weights": W} | change
    response = client.post("/api/conv2d", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert fragment in body["detail"]
    assert body["field"] == field


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, literal):
    body = '{"input": [[[1, LITERAL]]], "weights": [[[[1]]]]}'.replace("LITERAL", literal)
    response = client.post(
        "/api/conv2d", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("input[0][0][1]: must be a finite number")


def test_trace_too_large_is_refused_with_advice(client):
    x = np.ones((16, 64, 64)).tolist()
    w = np.ones((16, 16, 3, 3)).tolist()
    response = client.post("/api/conv2d", json={"input": x, "weights": w, "padding": 1})
    assert response.status_code == 422
    assert "trace to false" in response.json()["detail"]
    response = client.post(
        "/api/conv2d", json={"input": x, "weights": w, "padding": 1, "trace": False}
    )
    assert response.status_code == 200
    assert response.json()["output"][0][0][0] == 16 * 4  # corner: 2×2 window × 16 channels


def test_backward_grad_shape_mismatch(client):
    payload = {"input": X, "weights": W, "grad_output": [[[1, 0, 0], [0, 2, 0]]]}
    response = client.post("/api/conv2d/backward", json=payload)
    assert response.status_code == 422
    assert response.json()["field"] == "grad_output"
    assert "1×2×2" in response.json()["detail"]


def test_malformed_bodies(client):
    response = client.post("/api/conv2d", content="{", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "body: not valid JSON (error at character 1)",
        "field": "body",
    }
    deep = "[" * 5000 + "]" * 5000  # valid JSON, nested deeper than the parser goes
    response = client.post(
        "/api/conv2d", content=deep, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert response.json()["detail"].startswith("body: could not be parsed")


def test_a_body_over_the_limit_is_json_413(client_with):
    client = client_with(max_body_bytes=1000)
    payload = {"input": X, "weights": W, "bias": [0.5] * 1}
    assert client.post("/api/conv2d", json=payload).status_code == 200
    response = client.post(
        "/api/conv2d", content=b" " * 1001, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "request body too large: the limit is 1,000 bytes",
        "field": "body",
    }
    assert response.headers["x-content-type-options"] == "nosniff"

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 100

    response = client.post(
        "/api/conv2d", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["field"] == "body"


def test_each_steps_value_is_exactly_its_output_cell(client):
    # Not two implementations: the trace copies the forward pass's own output.
    rng = np.random.default_rng(11)
    payload = {
        "input": rng.standard_normal((3, 9, 8)).tolist(),
        "weights": rng.standard_normal((2, 3, 3, 3)).tolist(),
        "bias": [0.1, -0.2],
        "padding": 1,
        "stride": [2, 1],
        "dilation": 2,
    }
    body = client.post("/api/conv2d", json=payload).json()
    for step in body["steps"]:
        assert step["value"] == body["output"][step["filter"]][step["row"]][step["col"]]


@pytest.mark.parametrize("trace", [False, True])
def test_backward_from_a_loss(client, trace):
    # L = ½ Σ y² gives dL/dY = Y: the gradients equal those for grad_output = the forward output.
    forward = client.post("/api/conv2d", json={"input": X, "weights": W, "bias": [0.5]}).json()
    payload = {"input": X, "weights": W, "bias": [0.5], "trace": trace}
    body = client.post("/api/conv2d/backward", json={**payload, "loss": "half_sum_squares"}).json()
    given = client.post(
        "/api/conv2d/backward", json={**payload, "grad_output": forward["output"]}
    ).json()
    assert_allclose(body["grad_output"], forward["output"], rtol=1e-12)
    y = np.array(forward["output"])
    assert_allclose(body["loss"], 0.5 * np.sum(y * y), rtol=1e-12)
    for key in ("grad_input", "grad_weights", "grad_bias"):
        assert_allclose(body[key], given[key], rtol=1e-12)
    assert given["loss"] is None
    ones = client.post("/api/conv2d/backward", json={**payload, "loss": "sum"}).json()
    assert ones["grad_output"] == np.ones_like(y).tolist()
    assert_allclose(ones["loss"], y.sum(), rtol=1e-12)


@pytest.mark.parametrize(
    ("extra", "field"),
    [({}, "grad_output"), ({"loss": "sum", "grad_output": [[[1, 0], [0, 2]]]}, "loss")],
)
def test_backward_needs_one_gradient(client, extra, field):
    response = client.post("/api/conv2d/backward", json={"input": X, "weights": W, **extra})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert "not both or neither" in response.json()["detail"]


def test_backward_unknown_loss(client):
    response = client.post("/api/conv2d/backward", json={"input": X, "weights": W, "loss": "hinge"})
    assert response.status_code == 422
    assert response.json()["field"] == "loss"
