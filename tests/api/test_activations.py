"""POST /api/activations and its two experiments: status first, then the JSON."""

import math

import pytest

from app.schemas.activations import MAX_POINTS
from app.schemas.common import MAX_SEED


def post(client, payload, path=""):
    return client.post("/api/activations" + path, json=payload)


def test_sigmoid_values_and_derivative(client):
    response = post(client, {"name": "sigmoid", "x": [0, 2]})
    assert response.status_code == 200
    body = response.json()
    s = 1 / (1 + math.exp(-2))
    assert body["y"] == [0.5, pytest.approx(s)]
    assert body["dy"] == [0.25, pytest.approx(s * (1 - s))]
    assert body["alpha"] is None and body["dalpha"] is None
    assert body["info"]["range"] == "(0, 1)" and body["info"]["zero_centred"] is False
    assert body["info"]["label"] == "Sigmoid" and body["info"]["label_zh"]


@pytest.mark.parametrize(
    "name,alpha,dy_at_zero",
    [("relu", None, 0.0), ("leaky_relu", None, 0.01), ("prelu", 0.3, 0.3), ("elu", 2.0, 2.0)],
)
def test_kinks_follow_pytorch(client, name, alpha, dy_at_zero):
    response = post(client, {"name": name, "x": [0], "alpha": alpha})
    assert response.status_code == 200
    assert response.json()["dy"] == [pytest.approx(dy_at_zero)]


def test_prelu_returns_the_gradient_of_alpha(client):
    response = post(client, {"name": "prelu", "x": [-2, 0, 3]})
    assert response.status_code == 200
    body = response.json()
    assert body["alpha"] == 0.25 and body["y"] == [-0.5, 0.0, 3.0]
    assert body["dalpha"] == [-2.0, 0.0, 0.0]


def test_maxout_is_relu_with_these_pieces(client):
    response = post(client, {"name": "maxout", "x": [-1, 0, 2], "pieces": [[0, 0], [1, 0]]})
    assert response.status_code == 200
    body = response.json()
    assert body["y"] == [0.0, 0.0, 2.0] and body["dy"] == [0.0, 0.0, 1.0]
    assert body["winner"] == [0, 0, 1]


@pytest.mark.parametrize(
    "payload,field,fragment",
    [
        ({"name": "swish2", "x": [0]}, "name", "Input should be 'sigmoid'"),
        ({"name": "maxout", "x": [0]}, "pieces", "at least 2"),
        ({"name": "maxout", "x": [0], "pieces": [[1, 0]]}, "pieces", "at least 2 linear pieces"),
        ({"name": "maxout", "x": [0], "pieces": [[1, 0, 1]] * 2}, "pieces[0]", "at most 2"),
        ({"name": "maxout", "x": [0], "pieces": [[1, 0]] * 9}, "pieces", "at most 8"),
        ({"name": "relu", "x": []}, "x", "at least 1"),
        ({"name": "relu", "x": [0] * (MAX_POINTS + 1)}, "x", "at most 10000"),
        ({"name": "relu", "x": ["a"]}, "x[0]", "valid number"),
        ({"name": "elu", "x": [0], "alpha": 1000}, "alpha", "less than or equal to 100"),
        ({"x": [0]}, "name", "Field required"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, payload, field, fragment):
    response = post(client, payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert fragment in body["detail"]
    assert body["field"] == field


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_nan_is_refused(client, literal):
    response = client.post(
        "/api/activations",
        content='{"name": "relu", "x": [1, LITERAL]}'.replace("LITERAL", literal),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "x[1]"
    assert "finite number" in response.json()["detail"]


def test_vanishing_gradients(client):
    response = post(client, {"depth": 4, "samples": 300, "seed": 5}, "/vanishing")
    assert response.status_code == 200
    body = response.json()
    assert body["depth"] == [1, 2, 3, 4]
    assert set(body["functions"]) == {"sigmoid", "tanh", "relu"}
    assert body["sigmoid_bound"] == pytest.approx([0.25, 0.0625, 0.015625, 0.00390625], rel=1e-15)
    for k in range(4):
        assert body["functions"]["sigmoid"]["mean"][k] <= body["sigmoid_bound"][k]
    relu = body["functions"]["relu"]
    assert relu["mean"] == pytest.approx([1 - f for f in relu["fraction_zero"]])
    assert post(client, {"seed": MAX_SEED, "depth": 2}, "/vanishing").status_code == 200
    again = post(client, {"depth": 4, "samples": 300, "seed": 5}, "/vanishing").json()
    assert again == body, "the same seed gives the same draws"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"depth": 0}, "depth"),
        ({"depth": 51}, "depth"),
        ({"samples": 2001}, "samples"),
        ({"functions": ["maxout"]}, "functions[0]"),
        ({"functions": []}, "functions"),
        ({"distribution": "cauchy"}, "distribution"),
        ({"scale": -1}, "scale"),
        ({"seed": -1}, "seed"),
        ({"seed": MAX_SEED + 1}, "seed"),
    ],
)
def test_vanishing_bad_input(client, payload, field):
    response = post(client, payload, "/vanishing")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_dead_relu(client):
    response = post(client, {"weight": 1, "bias": -8, "samples": 100}, "/dead-relu")
    assert response.status_code == 200
    body = response.json()
    assert body["dead"] is True and body["fraction_active"] == 0.0
    assert body["grad_weight"] == 0.0 and body["grad_bias"] == 0.0
    assert body["kink"] == 8.0 and len(body["x"]) == 100 and not any(body["active"])
    alive = post(client, {"weight": -2, "bias": 1, "samples": 100}, "/dead-relu").json()
    assert alive["dead"] is False and alive["kink"] == 0.5
    assert alive["fraction_active"] == pytest.approx(sum(x < 0.5 for x in alive["x"]) / 100)
    assert post(client, {"weight": 0, "bias": 1}, "/dead-relu").json()["kink"] is None


@pytest.mark.parametrize(
    "payload,field",
    [({"weight": 11}, "weight"), ({"bias": -51}, "bias"), ({"samples": 0}, "samples")],
)
def test_dead_relu_bad_input(client, payload, field):
    response = post(client, payload, "/dead-relu")
    assert response.status_code == 422
    assert response.json()["field"] == field
