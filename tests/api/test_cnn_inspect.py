"""POST /api/cnn/inspect and /api/cnn/trace: one example through every layer, any cell's
arithmetic, one weight's gradient written out; against the network core, a hand-built case and
central differences; and every 4xx."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.nn.layers import softmax_cross_entropy
from app.core.nn.network import build_network
from app.schemas.cnn import InspectResponse, TraceResponse

LAYERS = [
    {"type": "conv", "filters": 3, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "batchnorm"},
    {"type": "conv", "filters": 2, "size": 3, "stride": 2},
    {"type": "tanh"},
    {"type": "avgpool", "size": 2, "padding": 1},
    {"type": "flatten"},
    {"type": "linear", "out": 4},
]


def body(seed=0, label=2):
    network = build_network(LAYERS, (1, 12, 12))
    rng = np.random.default_rng(seed)
    flat = 0.5 * rng.standard_normal(network.num_params)
    params = [{k: v.tolist() for k, v in p.items()} for p in network.unflatten(flat)]
    running = [None] * len(LAYERS)
    running[3] = {"mean": [0.1, -0.2, 0.3], "var": [0.5, 1.5, 2.0]}
    x = rng.uniform(0, 1, (1, 12, 12)).tolist()
    return {"layers": LAYERS, "params": params, "running": running, "x": x, "label": label}


def test_inspect_equals_the_network_core(client):
    request = body()
    response = client.post("/api/cnn/inspect", json=request)
    assert response.status_code == 200, response.text
    data = response.json()
    InspectResponse.model_validate(data)
    network = build_network(LAYERS, (1, 12, 12))
    params = network.unflatten(network.flatten(request["params"]))
    running = network.zero_running()
    running[3] = {k: np.array(v) for k, v in request["running"][3].items()}
    x = np.array(request["x"])[None]
    forward = network.forward(params, x, train=False, running=running)
    for mine, core in zip(data["activations"], forward.outputs, strict=True):
        assert_allclose(mine, core[0], rtol=1e-12, atol=1e-14)
    loss, probs, dlogits = softmax_cross_entropy(forward.logits, np.array([2]))
    assert_allclose(data["loss"], loss, rtol=1e-12)
    assert_allclose(data["probs"], probs[0], rtol=1e-12)
    assert data["predicted"] == int(np.argmax(probs[0]))
    backward = network.backward(forward, dlogits, keep_output_grads=True, need_input_grad=True)
    for mine, core in zip(data["grads"], backward.output_grads, strict=True):
        assert_allclose(mine, core[0], rtol=1e-12, atol=1e-14)
    assert_allclose(data["param_grads"][4]["weight"], backward.grads[4]["dweight"], atol=1e-14)
    without = client.post("/api/cnn/inspect", json={**request, "label": None}).json()
    assert without["loss"] is None and without["grads"] is None


def test_a_hand_built_tiny_network(client):
    # 1×2×2 input, a 1×1 conv with weight 2 and bias 1, flatten, linear to 2 scores
    layers = [{"type": "conv", "filters": 1, "size": 1}, {"type": "flatten"},
              {"type": "linear", "out": 2}]  # fmt: skip
    params = [
        {"weight": [[[[2.0]]]], "bias": [1.0]},
        {},
        {"weight": [[1, 0, 0, 0], [0, 0, 0, 1]], "bias": [0.0, 0.5]},
    ]
    x = [[[0.0, 1.0], [2.0, 3.0]]]
    data = client.post(
        "/api/cnn/inspect", json={"layers": layers, "params": params, "x": x, "label": 1}
    ).json()
    assert data["activations"][0] == [[[1.0, 3.0], [5.0, 7.0]]]
    assert data["activations"][2] == [1.0, 7.5]
    p1 = math.exp(7.5) / (math.exp(1.0) + math.exp(7.5))
    assert_allclose(data["probs"][1], p1, rtol=1e-13)
    assert_allclose(data["loss"], -math.log(p1), rtol=1e-13)
    # dL/dscores = probs − onehot; dL/dconv output = Wᵀ·that
    assert_allclose(data["grads"][2], [1 - p1, p1 - 1], rtol=1e-12)
    assert_allclose(data["grads"][0], [[[1 - p1, 0], [0, p1 - 1]]], rtol=1e-12)


@pytest.mark.parametrize(
    "layer, cell, kind",
    [(0, [1, 3, 4], "conv"), (1, [1, 3, 4], "relu"), (2, [2, 1, 1], "maxpool"),
     (3, [0, 2, 3], "batchnorm"), (4, [1, 0, 1], "conv"), (6, [1, 1, 0], "avgpool"),
     (7, [5], "flatten"), (8, [3], "linear"), (9, [1], "softmax")],
)  # fmt: skip
def test_a_traced_cell_is_its_activation_written_out(client, layer, cell, kind):
    request = body()
    shown = client.post("/api/cnn/inspect", json=request).json()
    response = client.post("/api/cnn/trace", json={**request, "layer": layer, "cell": cell})
    assert response.status_code == 200, response.text
    data = response.json()
    TraceResponse.model_validate(data)
    trace = data["cell"]
    assert trace["kind"] == kind
    if kind == "softmax":
        assert trace["value"] == shown["probs"][cell[0]]
        assert_allclose(trace["exps"][cell[0]] / trace["sum"], trace["value"], rtol=1e-14)
        return
    value = np.array(shown["activations"][layer])[tuple(cell)]
    assert trace["value"] == value
    if kind == "conv":
        assert_allclose(sum(trace["channel_sums"]) + trace["bias"], value, rtol=1e-12)
        assert_allclose(np.sum(trace["products"], axis=(1, 2)), trace["channel_sums"], rtol=1e-12)
    if kind == "maxpool":
        r, c = trace["winner"]
        assert trace["window"][r][c] == value
    if kind == "avgpool":
        assert_allclose(trace["sum"] / trace["divisor"], value, rtol=1e-12)
    if kind == "batchnorm":
        x_hat = (trace["x"] - trace["running_mean"]) / math.sqrt(trace["running_var"] + 1e-5)
        assert_allclose(trace["x_hat"], x_hat, rtol=1e-12)
        assert_allclose(trace["gamma"] * trace["x_hat"] + trace["beta"], value, rtol=1e-12)
    if kind == "linear":
        assert_allclose(trace["products_sum"] + trace["bias"], value, rtol=1e-12)
        products = [abs(t["product"]) for t in trace["terms"]]
        assert products == sorted(products, reverse=True)  # the biggest contributions first


@pytest.mark.parametrize(
    "layer, param, weight",
    [(0, "weight", [1, 0, 2, 1]), (0, "bias", [2]), (3, "gamma", [1]), (3, "beta", [0]),
     (4, "weight", [0, 2, 1, 1]), (8, "weight", [2, 5]), (8, "bias", [3])],
)  # fmt: skip
def test_a_weight_s_gradient_is_its_terms_and_the_central_difference(client, layer, param, weight):
    request = body(seed=4)
    data = client.post(
        "/api/cnn/trace", json={**request, "layer": layer, "param": param, "weight": weight}
    ).json()
    TraceResponse.model_validate(data)
    trace = data["weight"]
    assert_allclose(
        sum(t["product"] for t in trace["terms"]), trace["total"], rtol=1e-10, atol=1e-14
    )
    assert_allclose(trace["numerical"], trace["total"], rtol=1e-5, atol=1e-9)
    grads = client.post("/api/cnn/inspect", json=request).json()["param_grads"]
    assert_allclose(trace["total"], np.array(grads[layer][param])[tuple(weight)], rtol=1e-12)
    assert data["update"] is None  # no optimiser named, no state


def test_a_weight_s_next_step_from_a_trained_state(client):
    small = [
        {"type": "conv", "filters": 2, "size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "maxpool", "size": 4},
        {"type": "flatten"},
        {"type": "linear", "out": 8},
    ]
    run = client.post("/api/cnn/train", json={
        "layers": small, "dataset": "shapes", "seed": 1, "steps": 3, "batch_size": 8,
        "optimizer": {"name": "adam", "lr": 0.01}, "precision": "float64", "return_params": True,
    }).json()  # fmt: skip
    example = client.get("/api/cnn/datasets/shapes/examples?split=test&count=1").json()
    request = {"layers": small, "state": run["state"], "x": example["x"][0],
               "label": example["labels"][0]}  # fmt: skip
    seen = client.post("/api/cnn/inspect", json=request).json()
    assert seen["step"] == 3
    by_params = client.post(
        "/api/cnn/inspect", json={**request, "state": None, "params": run["params"]}
    ).json()
    assert_allclose(seen["probs"], by_params["probs"], rtol=1e-12)
    data = client.post("/api/cnn/trace", json={**request, "layer": 4, "weight": [3, 10]}).json()
    update = data["update"]
    assert update["optimizer"] == "adam" and update["t"] == 4
    q = update["quantities"]
    assert_allclose(q["m_hat"], q["m"] / q["bias_correction1"], rtol=1e-14)
    assert_allclose(
        update["after"], update["before"] - 0.01 * q["m_hat"] / q["denominator"], rtol=1e-12
    )
    sgd = client.post(
        "/api/cnn/trace",
        json={**request, "layer": 4, "weight": [3, 10], "optimizer": {"name": "sgd", "lr": 0.1}},
    ).json()["update"]
    assert sgd["t"] == 1
    assert_allclose(sgd["after"], sgd["before"] - 0.1 * sgd["grad"], rtol=1e-14)


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"layer": 12, "cell": [0]}, "layer"),
        ({"layer": 0, "cell": [3, 0, 0]}, "cell"),
        ({"layer": 0, "cell": [0, 12, 0]}, "cell"),
        ({"layer": 0}, "cell"),
        ({"layer": 0, "cell": [0, 0, 0], "weight": [0, 0, 0, 0]}, "cell"),
        ({"layer": 1, "weight": [0]}, "param"),
        ({"layer": 0, "weight": [0, 0, 3, 0]}, "weight"),
        ({"layer": 0, "weight": [0, 0, 0, 0], "label": None}, "label"),
        ({"layer": 0, "weight": [0, 0, 0, 0], "label": 9}, "label"),
        ({"layer": 0, "cell": [0, 0, 0], "x": [[[0.5] * 7] * 7]}, "params"),
        ({"layer": 0, "cell": [0, 0, 0], "state": "cnn1.abc.def"}, "state"),
    ],
)
def test_trace_refusals(client, extra, field):
    response = client.post("/api/cnn/trace", json={**body(), **extra})
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field)


def test_inspect_refusals(client):
    request = body()
    tampered = client.post(
        "/api/cnn/inspect", json={**request, "params": None, "state": "cnn1.abc.def"}
    )
    assert tampered.status_code == 422 and tampered.json()["field"] == "state"
    neither = client.post("/api/cnn/inspect", json={**request, "params": None})
    assert neither.status_code == 422
    wide = [{"type": "conv", "filters": 64, "size": 3, "padding": 1}] * 6
    big = client.post("/api/cnn/inspect", json={
        "layers": [*wide, {"type": "flatten"}, {"type": "linear", "out": 2}],
        "params": [{}] * 8, "x": np.zeros((1, 32, 32)).tolist(),
    })  # fmt: skip
    assert big.status_code == 422 and big.json()["field"] == "layers"  # before the params
