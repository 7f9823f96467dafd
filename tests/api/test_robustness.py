"""No input of any kind gives a 5xx: valid requests mutated at random leaves, for every endpoint."""

import copy
import json
import random

import pytest

from tests.api.test_image import SMALL_PNG, form_body

VALID = {
    "/api/conv2d": {
        "input": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
        "weights": [[[[1, 0], [0, -1]]]],
        "bias": [0.5],
        "stride": [1, 1],
        "padding": 1,
        "dilation": 1,
        "mode": "cross-correlation",
    },
    "/api/conv2d/backward": {
        "input": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
        "weights": [[[[1, 0], [0, -1]]]],
        "grad_output": [[[1, 0], [0, 1]]],
        "trace": True,
    },
    "/api/conv_transpose2d": {
        "input": [[[1, 2], [3, 4]]],
        "weights": [[[[1, 0, 1], [0, -1, 0], [1, 0, 1]]]],
        "stride": 2,
        "output_padding": 1,
    },
    "/api/surfaces/custom": {"expression": "x^2 + sin(y)", "domain": [[-1, 1], [-2, 2]]},
    "/api/pool2d": {"input": [[[1, 2], [3, 4]]], "mode": "max", "size": 2, "padding": 0},
    "/api/pool2d/backward": {
        "input": [[[1, 2], [3, 4]]],
        "mode": "avg",
        "size": 2,
        "grad_output": [[[1]]],
    },
    "/api/activations": {"name": "maxout", "x": [-1, 0, 2], "pieces": [[1, 0], [0.1, 0]]},
    "/api/activations/vanishing": {"functions": ["sigmoid", "relu"], "depth": 5, "samples": 50},
    "/api/activations/dead-relu": {"weight": 1, "bias": -0.5, "samples": 50, "seed": 1},
    "/api/optimize": {
        "surface": "rosenbrock",
        "start": [-1.2, 1],
        "steps": 20,
        "optimizers": [{"name": "adam", "lr": 0.01}, {"name": "momentum", "lr": 1e-3, "rho": 0.9}],
    },
    "/api/optimize/search": {
        "surface": "booth",
        "start": [0, 0],
        "optimizer": "momentum",
        "budget": 16,
        "steps": 20,
    },
    "/api/training/init": {"scheme": "xavier", "activation": "tanh", "layers": 3, "width": 20},
    "/api/cnn/gradients": {
        "layers": [
            {"type": "conv", "filters": 1, "size": 2, "stride": 1, "padding": 0},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "linear", "out": 2},
        ],
        "params": [
            {"weight": [[[[1, -1], [0.5, 0]]]], "bias": [0.1]},
            {},
            {},
            {"weight": [[1, 0, 0, 1], [0, 1, 1, 0]], "bias": [0, 0]},
        ],
        "x": [[[[1, 2, 0], [0, 1, 2], [2, 0, 1]]], [[[0, 1, 0], [1, 0, 1], [0, 1, 0]]]],
        "labels": [0, 1],
        "weight_decay": 0,
    },
    "/api/cnn/inspect": {
        "layers": [
            {"type": "conv", "filters": 1, "size": 2},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "linear", "out": 2},
        ],
        "params": [
            {"weight": [[[[1, -1], [0.5, 0]]]], "bias": [0.1]},
            {},
            {},
            {"weight": [[1, 0, 0, 1], [0, 1, 1, 0]], "bias": [0, 0]},
        ],
        "x": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
        "label": 1,
    },
    "/api/cnn/trace": {
        "layers": [
            {"type": "conv", "filters": 1, "size": 2},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "linear", "out": 2},
        ],
        "params": [
            {"weight": [[[[1, -1], [0.5, 0]]]], "bias": [0.1]},
            {},
            {},
            {"weight": [[1, 0, 0, 1], [0, 1, 1, 0]], "bias": [0, 0]},
        ],
        "x": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
        "label": 1,
        "layer": 0,
        "weight": [0, 0, 1, 0],
        "optimizer": {"name": "adam", "lr": 0.01},
    },
    "/api/cnn/gradcheck": {
        "layers": [
            {"type": "maxpool", "size": 4},
            {"type": "flatten"},
            {"type": "linear", "out": 8},
        ],
        "dataset": "shapes",
        "count": 2,
        "samples": 2,
    },
    "/api/cnn/train": {
        "layers": [
            {"type": "avgpool", "size": 4},
            {"type": "flatten"},
            {"type": "linear", "out": 8},
        ],
        "dataset": "shapes",
        "optimizer": {"name": "sgd", "lr": 0.1},
        "batch_size": 4,
        "steps": 2,
        "eval": False,
    },
    "/api/training/batchnorm": {
        "x": [[1, 2], [3, 5], [0, -1]],
        "gamma": [1, 2],
        "beta": [0, 0.5],
        "grad_output": [[1, 0], [0, 1], [0.5, -1]],
        "running_mean": [0, 0],
        "running_var": [1, 1],
    },
}

ODD_VALUES = [
    None,
    "",
    "x",
    [],
    {},
    [[]],
    0,
    -1,
    1e308,
    -1e308,
    1e-320,
    10**30,
    True,
    2**63,
    [1, [2]],
    {"a": 1},
    "NaN",
    3.5,
    -0.0,
]


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))
    yield path


def replaced(value, path, new):
    if not path:
        return new
    result = copy.deepcopy(value)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return result


@pytest.mark.parametrize("path", sorted(VALID))
def test_the_valid_example_is_accepted(client, path):
    response = client.post(path, json=VALID[path])
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", sorted(VALID))
def test_mutated_requests_never_give_a_5xx(client, path):
    rng = random.Random(path)
    body = VALID[path]
    for _ in range(60):
        mutated = body
        for _ in range(rng.randint(1, 2)):
            place = rng.choice(list(leaves(mutated)))
            mutated = replaced(mutated, place, rng.choice(ODD_VALUES))
        response = client.post(path, json=mutated)
        assert response.status_code < 500, (mutated, response.text)
        if response.status_code >= 400:
            detail = response.json()["detail"]
            assert isinstance(detail, str) and detail


@pytest.mark.parametrize("path", sorted(VALID))
@pytest.mark.parametrize("raw", ["", "null", "[]", '"text"', "{", "[" * 5000 + "]" * 5000])
def test_malformed_bodies_are_4xx(client, path, raw):
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert json.loads(response.text)["detail"]


@pytest.mark.parametrize("path", sorted(VALID))
def test_an_empty_object_uses_defaults_or_names_what_is_missing(client, path):
    response = client.post(path, json={})
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert "Field required" in response.json()["detail"]


def test_mangled_upload_forms_never_give_a_5xx(client):
    """A valid multipart upload cut, repeated or with bytes flipped anywhere, framing included."""
    body, headers = form_body(("file", "a.png", SMALL_PNG), ("spec", None, b'{"filters": []}'))
    rng = random.Random("upload")
    for _ in range(80):
        data = bytearray(body)
        at = rng.randrange(len(data))
        kind = rng.randrange(3)
        if kind == 0:
            for _ in range(3):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:
            data = data[:at]
        else:
            data = data[:at] + data[at : at + 40] * 3 + data[at:]
        response = client.post("/api/image/filter", content=bytes(data), headers=headers)
        assert response.status_code < 500, (kind, at, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail
