"""/api/cnn: data sets, examples, gradients, gradient check, training in chunks, and every 4xx."""

import copy
import json
import math

import numpy as np
import pytest

from app.core import datasets
from app.core.nn.network import build_network
from app.schemas.cnn import GradcheckResponse, GradientsResponse, TrainResponse

TINY = [
    {"type": "conv", "filters": 2, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 3},
]
SMALL = [
    {"type": "conv", "filters": 4, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 4},
    {"type": "batchnorm"},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]


def tiny_body(rng=None, N=2):
    rng = rng or np.random.default_rng(0)
    net = build_network(TINY, (1, 4, 4))
    flat = rng.standard_normal(net.num_params)
    params = [{k: v.tolist() for k, v in p.items()} for p in net.unflatten(flat)]
    return {
        "layers": copy.deepcopy(TINY),
        "params": params,
        "x": rng.standard_normal((N, 1, 4, 4)).tolist(),
        "labels": [0, 2][:N],
    }


def train_body(**extra):
    return {
        "layers": copy.deepcopy(SMALL),
        "dataset": "shapes",
        "seed": 1,
        "optimizer": {"name": "adam", "lr": 0.01},
        "batch_size": 16,
        "steps": 3,
        **extra,
    }


def assert_error(response, field_part, status=422):
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert field_part in (body.get("field") or "") or field_part in body["detail"], body
    return body


def test_datasets_are_listed_with_classes_in_english_and_chinese(client):
    response = client.get("/api/cnn/datasets")
    assert response.status_code == 200
    by_name = {d["name"]: d for d in response.json()}
    assert set(by_name) == {"shapes", "fashion"}
    fashion = by_name["fashion"]
    assert fashion["classes"][0] == "T-shirt/top" and fashion["classes_zh"][9] == "短靴"
    assert fashion["shape"] == [1, 28, 28] and fashion["licence"] == "MIT"
    assert fashion["train_size"] >= 10_000 and fashion["test_size"] >= 2_000
    assert len(by_name["shapes"]["classes"]) == len(by_name["shapes"]["classes_zh"]) >= 6


def test_examples_are_exactly_what_the_network_receives(client):
    response = client.get("/api/cnn/datasets/fashion/examples?split=test&start=5&count=3")
    assert response.status_code == 200
    body = response.json()
    data = datasets.get_dataset("fashion")
    assert body["indices"] == [5, 6, 7] and body["labels"] == data.test_y[5:8].tolist()
    np.testing.assert_array_equal(np.array(body["x"], np.float32), data.test_x[5:8])
    picked = client.get("/api/cnn/datasets/shapes/examples?indices=3,17").json()
    assert picked["indices"] == [3, 17] and np.array(picked["x"]).shape == (2, 1, 28, 28)


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/cnn/datasets/mnist/examples", "dataset"),
        ("/api/cnn/datasets/shapes/examples?split=val", "split"),
        ("/api/cnn/datasets/shapes/examples?count=100000", "count"),
        ("/api/cnn/datasets/shapes/examples?start=99999", "start"),
        ("/api/cnn/datasets/shapes/examples?indices=1,x", "indices"),
        ("/api/cnn/datasets/shapes/examples?indices=10000", "indices"),
    ],
)
def test_examples_errors(client, url, field):
    assert_error(client.get(url), field)


def test_gradients_are_returned_with_the_params_structure(client):
    body = tiny_body()
    response = client.post("/api/cnn/gradients", json=body)
    assert response.status_code == 200, response.text
    out = GradientsResponse.model_validate(response.json())
    assert [set(g) for g in out.grads] == [set(p) for p in body["params"]]
    assert np.array(out.grads[0]["weight"]).shape == (2, 1, 3, 3)
    assert np.array(out.probs).shape == (2, 3) and math.isclose(sum(out.probs[0]), 1)
    decayed = client.post("/api/cnn/gradients", json={**body, "weight_decay": 0.1}).json()
    assert decayed["data_loss"] == out.loss and decayed["loss"] > out.loss


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b["layers"].insert(0, {"type": "dropout"}), "layers[0].type"),
        (
            lambda b: b["layers"].__setitem__(0, {"type": "conv", "filters": 2, "size": 9}),
            "layers[0]",
        ),
        (lambda b: b["layers"].__setitem__(3, {"type": "relu"}), "layers[4]"),
        (lambda b: b["params"][0].__setitem__("weight", [[[[1.0]]]]), "params[0].weight"),
        (lambda b: b["params"][0].pop("bias"), "params[0]"),
        (lambda b: b["params"].pop(), "params"),
        (lambda b: b["labels"].__setitem__(0, 7), "labels"),
        (lambda b: b["labels"].pop(), "labels"),
        (lambda b: b["x"][0][0].pop(), "x"),
        (lambda b: b.__setitem__("x", [[[[1.0] * 4] * 4]] * 65), "x"),
    ],
)
def test_gradients_errors_name_the_field(client, change, field):
    body = tiny_body()
    change(body)
    assert_error(client.post("/api/cnn/gradients", json=body), field)


def test_nan_and_infinity_in_params_are_refused(client):
    for bad in (float("nan"), float("inf")):
        body = tiny_body()
        body["params"][0]["weight"][1][0][2][2] = bad
        text = json.dumps(body)  # Python's json writes NaN and Infinity literals
        response = client.post(
            "/api/cnn/gradients", content=text, headers={"content-type": "application/json"}
        )
        assert "finite" in assert_error(response, "params[0].weight")["detail"]


def test_gradcheck_on_given_params_and_on_a_data_set(client):
    body = tiny_body()
    body["params"][0]["bias"] = [0.3, -0.2]
    response = client.post("/api/cnn/gradcheck", json={**body, "samples": 5})
    assert response.status_code == 200, response.text
    out = GradcheckResponse.model_validate(response.json())
    assert [(c.layer, c.param) for c in out.checks] == [
        (0, "weight"),
        (0, "bias"),
        (4, "weight"),
        (4, "bias"),
    ]
    assert out.max_relative_error < 1e-5 and len(out.checks[0].entries) == 5
    seeded = client.post(
        "/api/cnn/gradcheck", json={"layers": SMALL, "dataset": "shapes", "count": 4, "samples": 3}
    )
    assert seeded.status_code == 200, seeded.text
    assert seeded.json()["checks"][0]["shape"] == [4, 1, 3, 3]
    assert_error(client.post("/api/cnn/gradcheck", json={**body, "labels": None}), "labels")
    assert_error(
        client.post("/api/cnn/gradcheck", json={"layers": SMALL, "dataset": "cifar"}), "dataset"
    )


def test_train_first_chunk_then_continue(client):
    first = client.post("/api/cnn/train", json=train_body(eval=True))
    assert first.status_code == 200, first.text
    one = TrainResponse.model_validate(first.json())
    assert one.step == 3 and one.first_step == 1 and len(one.losses) == len(one.batches) == 3
    assert abs(one.initial_loss - math.log(8)) < 0.05 and one.initial_loss == one.losses[0]
    assert one.ln_classes == pytest.approx(math.log(8))
    assert one.initial_params is not None and one.params is None and one.precision == "float32"
    assert one.eval.test_examples == datasets.EVAL_SIZE and len(one.layer_stats) == len(SMALL)
    second = client.post("/api/cnn/train", json=train_body(state=one.state, return_params=True))
    assert second.status_code == 200, second.text
    two = second.json()
    assert two["first_step"] == 4 and two["step"] == 6 and two["initial_params"] is None
    # the same six steps in one chunk: the same numbers
    whole = client.post("/api/cnn/train", json=train_body(steps=6, return_params=True)).json()
    assert whole["losses"] == one.losses + two["losses"] and whole["params"] == two["params"]
    assert whole["batches"] == one.batches + two["batches"]


def test_a_float64_run_stays_float64(client):
    first = client.post("/api/cnn/train", json=train_body(precision="float64", steps=1)).json()
    assert first["precision"] == "float64"
    again = client.post("/api/cnn/train", json=train_body(state=first["state"], steps=1))
    assert again.status_code == 200 and again.json()["precision"] == "float64"
    other = client.post(
        "/api/cnn/train", json=train_body(state=first["state"], precision="float32")
    )
    assert_error(other, "precision")


def tampered(state: str) -> list[str]:
    magic, payload, tag = state.split(".")
    flip = "A" if payload[100] != "A" else "B"
    return [
        f"{magic}.{payload[:100]}{flip}{payload[101:]}.{tag}",  # a changed byte
        state[: len(state) // 2],  # truncated
        state[:-4],
        f"{magic}.{payload}.{tag[::-1]}",  # another signature
        "cnn1.!!!!.????",
        "hello",
        "",
    ]


def test_tampered_truncated_foreign_and_oversized_states_are_422(client):
    state = client.post("/api/cnn/train", json=train_body(steps=1)).json()["state"]
    for bad in tampered(state):
        assert_error(client.post("/api/cnn/train", json=train_body(state=bad)), "state")
    # a state of another run (another seed, optimiser or architecture) is never used
    assert_error(client.post("/api/cnn/train", json=train_body(state=state, seed=2)), "state")
    other = train_body(state=state, optimizer={"name": "sgd", "lr": 0.01})
    assert_error(client.post("/api/cnn/train", json=other), "state")
    from app.schemas.cnn import MAX_STATE_CHARS

    huge = "cnn1." + "A" * (MAX_STATE_CHARS + 10) + ".x"
    response = client.post("/api/cnn/train", json=train_body(state=huge))
    assert response.status_code in (413, 422)
    assert "state" in response.text or "too large" in response.text


def test_state_from_another_secret_is_refused(client, client_with):
    state = client.post("/api/cnn/train", json=train_body(steps=1)).json()["state"]
    other = client_with(state_secret="another machine's secret")
    body = assert_error(other.post("/api/cnn/train", json=train_body(state=state)), "state")
    assert "CNNLAB_STATE_SECRET" in body["detail"]


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"steps": 100_000}, "steps"),
        ({"steps": 1000, "batch_size": 256}, "steps"),
        ({"dataset": "mnist"}, "dataset"),
        ({"optimizer": {"name": "lbfgs", "lr": 0.1}}, "optimizer"),
        ({"optimizer": {"name": "adam", "lr": 0.1, "rho": 0.9}}, "optimizer.rho"),
        ({"optimizer": {"name": "adam", "lr": -1}}, "optimizer.lr"),
        ({"init": "uniform"}, "init"),
        ({"batch_size": 0}, "batch_size"),
        ({"layers": SMALL[:-1] + [{"type": "linear", "out": 5}]}, "layers[5]"),
        (
            {"layers": [{"type": "conv", "filters": 64, "size": 3, "padding": 1}] * 2 + SMALL[4:]},
            "layers",
        ),
    ],
)
def test_train_errors_name_the_field(client, extra, field):
    assert_error(client.post("/api/cnn/train", json=train_body(**extra)), field)


def test_nan_in_a_training_body_is_refused(client):
    text = json.dumps(train_body(optimizer={"name": "adam", "lr": float("nan")}))
    response = client.post(
        "/api/cnn/train", content=text, headers={"content-type": "application/json"}
    )
    assert "finite" in assert_error(response, "optimizer.lr")["detail"]


def test_divergence_is_reported_not_an_error(client):
    body = train_body(optimizer={"name": "sgd", "lr": 900.0}, steps=40, batch_size=8)
    response = client.post("/api/cnn/train", json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["diverged_at"] is not None and out["step"] == out["diverged_at"] - 1
    assert all(math.isfinite(v) for v in out["losses"])


def test_openapi_documents_the_cnn_endpoints(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/cnn/datasets", "/api/cnn/gradients", "/api/cnn/gradcheck", "/api/cnn/train"):
        assert path in schema["paths"]
    fields = schema["components"]["schemas"]["TrainRequest"]["properties"]
    assert all(
        fields[name].get("description") for name in ("weight_decay", "state", "precision", "steps")
    )
