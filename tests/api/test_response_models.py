"""Every JSON route's real response validates against the response model it declares.

Some routes build their JSON by hand for speed (the image filter splices its PNGs into the
serialized model); this holds each of them to the contract that /openapi.json documents. A route
without a sample here fails the test, so a new route cannot skip it.
"""

import io
import json

import numpy as np
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from PIL import Image
from pydantic import TypeAdapter

from app.main import app


def png(width=12, height=10) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buffer, "PNG")
    return buffer.getvalue()


IMAGE_SPEC = {
    "color": "rgb",
    "filters": [
        {"preset": "sobel_x"},
        {"preset": "emboss", "full_depth": True},
        {"kernel": [[0, 1, 0], [1, -4, 1], [0, 1, 0]]},
    ],
    "activation": "relu",
    "pool": {"mode": "max", "size": 2},
    "values": True,
}

# "METHOD path as routed": the request to send (keyword arguments of TestClient.request).
CNN_LAYERS = [
    {"type": "conv", "filters": 2, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]


def cnn_batch() -> dict:
    from app.core.nn.network import build_network

    network = build_network(CNN_LAYERS, (1, 28, 28))
    rng = np.random.default_rng(0)
    params = network.unflatten(0.1 * rng.standard_normal(network.num_params))
    return {
        "layers": CNN_LAYERS,
        "params": [{k: v.tolist() for k, v in p.items()} for p in params],
        "x": rng.uniform(0, 1, (2, 1, 28, 28)).tolist(),
        "labels": [1, 5],
    }


CNN_BATCH = cnn_batch()
CNN_EXAMPLE = {"layers": CNN_LAYERS, "params": CNN_BATCH["params"], "x": CNN_BATCH["x"][0]}

SAMPLES = {
    "POST /api/conv2d": {
        "json": {
            "input": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
            "weights": [[[[1, 0], [0, -1]]], [[[0.5, 1], [1, 0.5]]]],
            "bias": [0.5, -1],
            "padding": 1,
            "stride": [2, 1],
        }
    },
    "POST /api/conv2d/backward": {
        "json": {
            "input": [[[1, 2, 0], [0, 1, 2], [2, 0, 1]]],
            "weights": [[[[1, 0], [0, -1]]]],
            "grad_output": [[[1, 0], [0, 1]]],
        }
    },
    "POST /api/pool2d": {"json": {"input": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], "mode": "max"}},
    "POST /api/pool2d/backward": {
        "json": {
            "input": [[[1, 2], [3, 4]]],
            "mode": "avg",
            "size": 2,
            "grad_output": [[[1]]],
        }
    },
    "POST /api/activations": {"json": {"name": "prelu", "x": [-1, 0, 2]}},
    "POST /api/activations/vanishing": {"json": {"depth": 4, "samples": 20}},
    "POST /api/activations/dead-relu": {"json": {"weight": 1, "bias": -0.5, "samples": 20}},
    "POST /api/image/filter": {
        "files": {"file": ("image.png", png(), "image/png")},
        "data": {"spec": json.dumps(IMAGE_SPEC)},
    },
    "GET /api/surfaces": {},
    "GET /api/surfaces/{name}/grid": {"url": "/api/surfaces/rosenbrock/grid?resolution=8"},
    "GET /api/optimizers": {},
    "POST /api/image/probe": {
        "json": {
            "pixels": [[[10, 20, 30, 40], [50, 60, 70, 80], [90, 100, 110, 120], [5, 6, 7, 8]]],
            "scale": 255,
            "origin": [0, 0],
            "image_size": [4, 4],
            "filter": {"preset": "sobel_x"},
            "padding": "same",
            "stride": 1,
            "activation": "relu",
            "pool": {"mode": "max", "size": 2, "stride": 2},
            "stage": "pool",
            "row": 1,
            "col": 0,
        }
    },
    "GET /api/cnn/datasets": {},
    "GET /api/cnn/datasets/{name}/examples": {
        "url": "/api/cnn/datasets/shapes/examples?split=test&start=3&count=2"
    },
    "POST /api/cnn/gradients": {"json": CNN_BATCH},
    "POST /api/cnn/gradcheck": {"json": {**CNN_BATCH, "params": None, "seed": 3}},
    "POST /api/cnn/train": {
        "json": {
            "layers": CNN_LAYERS,
            "dataset": "shapes",
            "seed": 1,
            "optimizer": {"name": "adam", "lr": 0.01},
            "batch_size": 8,
            "steps": 2,
            "eval": True,
            "return_params": True,
            "filters": True,
            "stats_every": 1,
        }
    },
    "POST /api/cnn/network": {"json": {"layers": CNN_LAYERS, "dataset": "shapes"}},
    "POST /api/cnn/inspect": {"json": {**CNN_EXAMPLE, "label": 3}},
    "POST /api/cnn/trace": {
        "json": {**CNN_EXAMPLE, "label": 3, "layer": 0, "weight": [1, 0, 2, 2]}
    },
    "POST /api/cnn/confusion": {
        "json": {"layers": CNN_LAYERS, "params": CNN_BATCH["params"], "dataset": "shapes"}
    },
    "POST /api/cnn/filters": {"json": {"layers": CNN_LAYERS, "params": CNN_BATCH["params"]}},
    "POST /api/cnn/example": {
        "url": "/api/cnn/example?dataset=shapes",
        "files": {"file": ("image.png", png(), "image/png")},
    },
    "POST /api/code": {
        "json": {
            "endpoint": "/api/conv2d",
            "body": {"input": [[[1, 2], [3, 4]]], "weights": [[[[1, 0], [0, -1]]]], "stride": 1},
        }
    },
    "POST /api/conv_transpose2d": {
        "json": {"input": [[[1, 2], [3, 4]]], "weights": [[[[1, 2], [3, 4]]]], "stride": 2}
    },
    "POST /api/surfaces/custom": {
        "json": {"expression": "log(x) + y^2", "domain": [[-1, 2], [-1, 1]], "resolution": 6}
    },
    "POST /api/optimize": {
        "json": {
            "surface": "rosenbrock",
            "start": [-1.2, 1],
            "steps": 20,
            "optimizers": [{"name": "adam", "lr": 0.01}, {"name": "momentum", "lr": 1e-3}],
        }
    },
    "POST /api/optimize/search": {
        "json": {
            "surface": "booth",
            "start": [0, 0],
            "optimizer": "momentum",
            "budget": 16,
            "steps": 20,
        }
    },
    "POST /api/export/animation": {
        "json": {
            "lesson": "pooling",
            "body": {"input": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], "mode": "max"},
            "frames": 4,
        }
    },
    "POST /api/training/init": {"json": {"scheme": "xavier", "layers": 3, "width": 20}},
    "POST /api/training/batchnorm": {
        "json": {
            "x": [[1, 2], [3, 5], [0, -1]],
            "gamma": [1, 2],
            "beta": [0, 0.5],
            "grad_output": [[1, 0], [0, 1], [0.5, -1]],
        }
    },
}


def json_routes() -> dict[str, APIRoute]:
    """Every documented API route of the app, included routers flattened: {"METHOD path": route}."""
    routes = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in sorted(context.methods - {"HEAD"}):
                routes[f"{method} {context.path}"] = route
    return routes


def test_every_json_route_has_a_sample():
    routes = json_routes()
    assert len(routes) >= len(SAMPLES) > 10  # the walk did find the included routers
    assert set(routes) == set(SAMPLES)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_the_real_response_validates_against_the_declared_model(client, key):
    route = json_routes()[key]
    assert route.response_model is not None, f"{key} declares no response model"
    method, path = key.split(" ", 1)
    request = {"url": path} | SAMPLES[key]
    response = client.request(method, **request)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    # Strict: a string where the model says number, or a missing field, fails here.
    TypeAdapter(route.response_model).validate_json(response.content, strict=True)
