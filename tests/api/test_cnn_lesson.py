"""/api/cnn for the /cnn page: a network described without training (POST /api/cnn/network),
and the training chunk's page-side fields (smoothed loss, layer statistics at fixed steps, the
first layer's filters, a subset to overfit, a gradient check of a trained state)."""

import copy
import json
import math
import re

import numpy as np
import pytest

from app.core import datasets
from app.core.nn.layers import LAYER_TYPES
from app.core.nn.network import PRESETS, build_network, preset_layers
from app.core.nn.train import LOSS_SMOOTHING, MAX_TRAIN_PARAMS
from app.schemas.cnn import REPLAY_CHUNKS, NetworkResponse, TrainRequest, TrainResponse

SMALL = preset_layers("small", 8)
TINY = [
    {"type": "conv", "filters": 2, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 4},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]


def describe(client, layers, **extra):
    response = client.post("/api/cnn/network", json={"layers": layers, **extra})
    assert response.status_code == 200, response.text
    return NetworkResponse.model_validate(response.json())


def train_body(**extra):
    return {
        "layers": copy.deepcopy(TINY),
        "dataset": "shapes",
        "seed": 4,
        "optimizer": {"name": "adam", "lr": 0.01},
        "batch_size": 8,
        "steps": 3,
        **extra,
    }


def train(client, **extra) -> dict:
    response = client.post("/api/cnn/train", json=train_body(**extra))
    assert response.status_code == 200, response.text
    return TrainResponse.model_validate(response.json()).model_dump()


# ---------------------------------------------------------------- POST /api/cnn/network


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("dataset, classes", [("shapes", 8), ("fashion", 10)])
def test_presets_are_described_with_shapes_formulas_and_counts(client, name, dataset, classes):
    layers = preset_layers(name, classes)
    out = describe(client, layers, dataset=dataset)
    network = build_network(layers, (1, 28, 28), classes)
    assert out.fits and out.trainable and out.error is None and out.train_error is None
    assert out.classes == classes and out.ln_classes == pytest.approx(math.log(classes))
    assert out.num_params == network.num_params <= MAX_TRAIN_PARAMS
    assert [layer.output_shape for layer in out.layers] == [
        list(layer.out_shape) for layer in network.layers
    ]
    assert [layer.params for layer in out.layers] == [layer.num_params for layer in network.layers]
    assert out.replay_steps == REPLAY_CHUNKS * out.max_chunk_steps > 0


def test_the_small_nets_formulas_have_the_numbers(client):
    out = describe(client, SMALL)
    conv, pool, flatten, linear = out.layers[0], out.layers[2], out.layers[6], out.layers[7]
    assert conv.sizes["height"].formula == "(28 + 2·1 − 3) / 1 + 1 = 27/1 + 1 = 28"
    assert conv.params_formula == "F·C·k·k + F = 8·1·3·3 + 8 = 80"
    assert pool.sizes["width"].output == 14 and pool.sizes["width"].exact
    assert flatten.shape_formula == "C·H·W = 16·7·7 = 784"
    assert linear.params_formula == "in·out + out = 784·8 + 8 = 6,280"
    assert out.num_params == 80 + 1168 + 6280


def test_a_floored_size_says_what_is_never_visited(client):
    layers = [{"type": "maxpool", "size": 3}, {"type": "flatten"}, {"type": "linear", "out": 8}]
    pool = describe(client, layers).layers[0].sizes["height"]
    assert not pool.exact and pool.output == 9 and pool.unvisited == [27]
    assert pool.formula == "(28 + 2·0 − 3) / 3 + 1 = 25/3 + 1 = 9.33333 → floor → 9"


@pytest.mark.parametrize(
    "layers, where, words",
    [
        (SMALL[:6] + [{"type": "conv", "filters": 4, "size": 9}] + SMALL[6:], 6, "does not fit"),
        (SMALL[:-1] + [{"type": "linear", "out": 10}], 7, "the data has 8 classes"),
        (SMALL[:-2], 5, "add flatten and linear layers"),
        ([{"type": "linear", "out": 8}], 0, "add a flatten layer before it"),
        (SMALL[:2] + [{"type": "pool", "size": 2}] + SMALL[3:], 2, "unknown layer type"),
        (SMALL[:2] + [{"type": "maxpool", "size": 2, "padding": 2}] + SMALL[3:], 2, "padding"),
    ],
)
def test_a_layer_that_does_not_fit_is_explained_beside_earlier_ones(client, layers, where, words):
    out = describe(client, layers)
    assert not out.fits and not out.trainable and out.num_params is None
    assert out.error.layer == where and words in out.error.message
    assert out.error.field.startswith(f"layers[{where}]")
    # the layers before it are described; a last layer that fits but is not scores is too
    built = where + 1 if where == len(layers) - 1 and "scores" in out.error.message else where
    assert [layer.index for layer in out.layers] == list(range(built))


def test_a_network_too_large_to_train_still_fits(client):
    layers = [{"type": "conv", "filters": 64, "size": 3, "padding": 1}, *SMALL[6:]]
    out = describe(client, layers)
    assert out.fits and not out.trainable and out.num_params > MAX_TRAIN_PARAMS
    assert "training takes at most" in out.train_error and out.max_chunk_steps is None


def test_network_errors(client):
    for body, field in [
        ({"layers": SMALL, "dataset": "mnist"}, "dataset"),
        ({"layers": SMALL, "optimizer": "lbfgs"}, "optimizer"),
        ({"layers": []}, "layers"),
        ({"layers": SMALL, "batch_size": 0}, "batch_size"),
    ]:
        response = client.post("/api/cnn/network", json=body)
        assert response.status_code == 422, body
        assert field in response.json()["field"]


# ---------------------------------------------------------------- training for the page


def test_chunks_of_any_size_give_the_same_curves_and_statistics(client):
    whole = train(client, steps=7, stats_every=2, filters=True)
    first = train(client, steps=3, stats_every=2)
    rest = train(client, steps=4, stats_every=2, filters=True, state=first["state"])
    assert whole["losses"] == first["losses"] + rest["losses"]
    assert whole["smoothed_losses"] == first["smoothed_losses"] + rest["smoothed_losses"]
    steps = [entry["step"] for entry in first["layer_stats_history"] + rest["layer_stats_history"]]
    assert steps == [entry["step"] for entry in whole["layer_stats_history"]] == [2, 4, 6]
    assert whole["layer_stats_history"][2] == rest["layer_stats_history"][1]
    assert whole["first_filters"] == rest["first_filters"]
    assert whole["state"] == rest["state"]


def test_the_smoothed_loss_is_the_debiased_moving_average(client):
    out = train(client, steps=6)
    beta, s = LOSS_SMOOTHING, 0.0
    pairs = zip(out["losses"], out["smoothed_losses"], strict=True)
    for t, (loss, smoothed) in enumerate(pairs, start=1):
        s = beta * s + (1 - beta) * loss
        assert smoothed == pytest.approx(s / (1 - beta**t), rel=1e-12)
    assert out["smoothed_losses"][0] == out["losses"][0] and out["smoothing"] == beta
    assert out["epoch"] == pytest.approx(6 / out["steps_per_epoch"])


def test_the_first_filters_are_the_first_conv_layers_parameters(client):
    out = train(client, steps=2, filters=True, return_params=True)
    filters = out["first_filters"]
    assert filters["layer"] == 0 and filters["weight"] == out["params"][0]["weight"]
    assert filters["limit"] == np.abs(np.array(filters["weight"])).max()
    assert train(client, steps=1)["first_filters"] is None
    dense = [{"type": "flatten"}, {"type": "linear", "out": 8}]
    assert train(client, steps=1, layers=dense, filters=True)["first_filters"] is None


def test_a_subset_the_size_of_the_batch_is_overfit(client):
    out = train(client, steps=60, subset=8, batch_size=8, optimizer={"name": "adam", "lr": 0.02})
    assert len(out["subset"]) == 8 and out["steps_per_epoch"] == 1
    assert all(sorted(batch) == out["subset"] for batch in out["batches"])
    assert out["losses"][0] > 1.5 and out["losses"][-1] < 0.05
    assert out["batch_accuracy"][-1] == 1.0
    # a subset is part of the run: its state does not continue a run without one
    response = client.post("/api/cnn/train", json=train_body(state=out["state"]))
    assert response.status_code == 422 and response.json()["field"] == "state"


@pytest.mark.parametrize("subset", [4, 10_001])
def test_a_subset_smaller_than_the_batch_or_the_data_is_refused(client, subset):
    response = client.post("/api/cnn/train", json=train_body(subset=subset))
    assert response.status_code == 422 and response.json()["field"] == "subset"


def test_gradient_check_of_a_trained_state(client):
    out = train(client, steps=5, return_params=True)
    body = {"layers": TINY, "dataset": "shapes", "seed": 4, "samples": 4}
    trained = client.post("/api/cnn/gradcheck", json={**body, "state": out["state"]}).json()
    given = client.post("/api/cnn/gradcheck", json={**body, "params": out["params"]}).json()
    assert trained["step"] == 5 and given["step"] == 0
    assert trained["checks"] == given["checks"]
    assert trained["verdict"] in [v["verdict"] for v in trained["verdicts"]]
    assert trained["verdicts"][0] == {
        "up_to": 1e-7,
        "verdict": "right",
        "label": "right",
        "meaning": "the analytic gradient agrees with the central difference",
    }
    assert trained["verdicts"][-1]["up_to"] is None
    # In Chinese the verdict stays the same fixed key; its label and meaning are translated.
    zh = client.post(
        "/api/cnn/gradcheck",
        json={**body, "state": out["state"]},
        headers={"Accept-Language": "zh-CN"},
    ).json()
    assert [v["verdict"] for v in zh["verdicts"]] == [v["verdict"] for v in trained["verdicts"]]
    assert zh["verdict"] == trained["verdict"]
    assert zh["verdicts"][0]["label"] == "正确"
    assert zh["verdicts"][0]["meaning"] == "解析梯度与中心差分一致"
    assert [c["label"] for c in zh["checks"]] != [c["verdict"] for c in zh["checks"]]
    both = client.post(
        "/api/cnn/gradcheck", json={**body, "state": out["state"], "params": out["params"]}
    )
    assert both.status_code == 422 and both.json()["field"] == "state"
    bad = client.post("/api/cnn/gradcheck", json={**body, "state": out["state"][:-3]})
    assert bad.status_code == 422 and bad.json()["field"] == "state"


# ---------------------------------------------------------------- the page's catalogue


def test_the_cnn_catalogue_comes_from_the_core_and_the_schemas(client):
    text = client.get("/cnn").text
    match = re.search(r'<script type="application/json" id="catalogue">(.*?)</script>', text, re.S)
    catalogue = json.loads(match.group(1))
    assert [d["name"] for d in catalogue["datasets"]] == list(datasets.CATALOGUE)
    assert catalogue["datasets"][1]["classes_zh"][9] == "短靴"
    assert list(catalogue["layer_types"]) == list(LAYER_TYPES)
    conv = catalogue["layer_types"]["conv"]["options"]
    # the core's range narrowed by the request schema's: conv stride 1..4 (core), filters 1..64
    assert conv["stride"] == {**conv["stride"], "default": 1, "min": 1, "max": 4}
    assert conv["filters"]["max"] == 64 and conv["filters"]["default"] is None
    assert catalogue["presets"]["small"]["layers"]["fashion"] == preset_layers("small", 10)
    batch = catalogue["controls"]["batch"]
    assert batch["max"] == TrainRequest.model_fields["batch_size"].metadata[-1].le
    assert catalogue["update_ratio_rule"] == 1e-3 and catalogue["smoothing"] == LOSS_SMOOTHING
    assert "js/pages/cnn/main.js" in text
