"""POST /api/training/init and /api/training/batchnorm: status first, then the JSON."""

import json
import math

import pytest

from app.core import init

BN = {"x": [[1, 10], [3, 20], [8, 30]], "gamma": [2, 1], "beta": [0.5, 0]}


def post(client, path, payload):
    return client.post("/api/training" + path, json=payload)


def test_init_small_weights_collapse(client):
    response = post(client, "/init", {"scheme": "small", "layers": 6, "width": 200, "batch": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["formula"] == "W = 0.01·randn(n_in, n_out)" and body["weight_std"] == 0.01
    stds = [layer["std"] for layer in body["layers"]]
    assert [layer["layer"] for layer in body["layers"]] == [1, 2, 3, 4, 5, 6]
    assert stds == sorted(stds, reverse=True) and stds[-1] < 1e-4
    assert len(body["bin_edges"]) == init.BINS + 1
    assert len(body["layers"][0]["histogram"]) == init.BINS
    assert math.isclose(sum(body["layers"][0]["histogram"]), 1.0)


def test_init_defaults_and_he_relu(client):
    response = post(client, "/init", {"scheme": "he", "activation": "relu"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["layers"]) == 10 and body["weight_std"] == pytest.approx(math.sqrt(2 / 500))
    assert body["layers"][-1]["std"] > 0.4 and body["layers"][-1]["saturated"] is None


def test_init_zeros_make_units_identical(client):
    response = post(client, "/init", {"scheme": "zeros", "layers": 2, "width": 10, "batch": 5})
    assert response.status_code == 200
    assert all(layer["unit_spread"] == 0 for layer in response.json()["layers"])


@pytest.mark.parametrize(
    "payload,field,fragment",
    [
        ({"scheme": "kaiming"}, "scheme", "Input should be"),
        ({"activation": "sigmoid"}, "activation", "Input should be"),
        ({"layers": 0}, "layers", "greater than or equal to 1"),
        ({"layers": 21}, "layers", "less than or equal to 20"),
        ({"width": 1001}, "width", "less than or equal to 1000"),
        ({"batch": 0}, "batch", "greater than or equal to 1"),
        ({"seed": -1}, "seed", "greater than or equal to 0"),
        ({"seed": 2**32}, "seed", "less than or equal to 4294967295"),
        ({"layers": 20, "width": 1000, "batch": 1000}, "width", "over the limit"),
    ],
)
def test_init_errors(client, payload, field, fragment):
    response = post(client, "/init", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and fragment in body["detail"]


def test_batchnorm_forward_and_the_mistake(client):
    response = post(client, "/batchnorm", BN)
    assert response.status_code == 200
    body = response.json()
    assert body["mean"] == [pytest.approx(4), pytest.approx(20)]
    assert body["var"] == [pytest.approx(26 / 3), pytest.approx(200 / 3)]
    s = math.sqrt(26 / 3 + 1e-5)
    assert body["x_hat"][0][0] == pytest.approx((1 - 4) / s)
    assert body["out"][0][0] == pytest.approx(2 * (1 - 4) / s + 0.5)
    assert body["out_mean"] == [pytest.approx(0.5), pytest.approx(0, abs=1e-12)]
    assert body["out_std"] == [pytest.approx(2, rel=1e-5), pytest.approx(1, rel=1e-5)]
    sigma = math.sqrt(26 / 3)
    assert body["wrong_x_hat"][0][0] == pytest.approx((1 - sigma) / s)
    assert body["wrong_mean"][0] == pytest.approx((4 - sigma) / s)
    assert body["unbiased_var"] == [pytest.approx(13), pytest.approx(100)]
    assert body["running_mean"] == [pytest.approx(0.4), pytest.approx(2)]
    assert body["running_var"] == [pytest.approx(0.9 + 1.3), pytest.approx(0.9 + 10)]
    assert body["dx"] is None and body["dgamma"] is None and body["dbeta"] is None


def test_batchnorm_backward_with_ones(client):
    response = post(client, "/batchnorm", {**BN, "grad_output": [[1, 1]] * 3})
    assert response.status_code == 200
    body = response.json()
    assert body["dbeta"] == [3, 3]
    assert body["dgamma"] == [pytest.approx(0, abs=1e-12)] * 2
    assert all(v == pytest.approx(0, abs=1e-12) for row in body["dx"] for v in row)


def test_batchnorm_running_statistics_given(client):
    payload = {**BN, "running_mean": [4, 20], "running_var": [13, 100], "momentum": 0}
    response = post(client, "/batchnorm", payload)
    assert response.status_code == 200
    body = response.json()
    assert body["running_mean"] == [4, 20]
    assert body["inference_out"][1][1] == pytest.approx(0)


@pytest.mark.parametrize(
    "patch,field,fragment",
    [
        ({"gamma": [1, 2, 3]}, "gamma", "gamma has 3 values, one per feature is needed (2)"),
        ({"beta": [1]}, "beta", "beta has 1 values"),
        ({"x": [[1, 2]]}, "x", "at least 2"),
        ({"x": [[1, 2], [3]]}, "x", "ragged"),
        ({"x": [[1, 2], [3, 1e7]]}, "x[1][1]", "less than or equal to 1000000"),
        ({"x": [[1, 2], [3, float("nan")]]}, "x[1][1]", "finite"),
        ({"x": [[0] * 17] * 2, "gamma": [1] * 17, "beta": [0] * 17}, "x[0]", "at most 16"),
        ({"x": [[1, 2]] * 65}, "x", "at most 64"),
        ({"eps": 0}, "eps", "greater than or equal to"),
        ({"momentum": 2}, "momentum", "less than or equal to 1"),
        ({"grad_output": [[1, 2, 3]] * 3}, "grad_output", "must match x (3×2)"),
        ({"grad_output": [[1, 2]] * 2}, "grad_output", "must match x"),
        ({"running_mean": [1]}, "running_mean", "running_mean has 1 values"),
        ({"running_var": [1, -1]}, "running_var", "0 or more"),
    ],
)
def test_batchnorm_errors(client, patch, field, fragment):
    response = client.post(
        "/api/training/batchnorm",
        content=json.dumps({**BN, **patch}),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and fragment in body["detail"], body
