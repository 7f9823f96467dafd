"""Training in chunks: determinism, chunking, the optimiser rules and weight decay, divergence,
bounds, and the signed state."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import datasets, optimizers
from app.core.errors import InputError
from app.core.nn import state as nn_state
from app.core.nn import train
from app.core.nn.network import build_network

SMALL_NET = [
    {"type": "conv", "filters": 4, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 4},
    {"type": "batchnorm"},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]
SECRET = b"test-secret"


def setup(optimizer="adam", params=None, precision="float32", weight_decay=0.0, batch=16, seed=0):
    data = datasets.get_dataset("shapes")
    net = build_network(SMALL_NET, (1, 28, 28), 8)
    config = train.make_config(
        net, "shapes", seed, "auto", optimizer, params or {"lr": 0.01}, batch, weight_decay
    )
    return data, net, config, train.new_state(net, config, precision)


def test_same_seed_same_numbers_and_chunks_join_exactly():
    data, net, config, state = setup()
    one = train.train_chunk(net, data, config, state, 6)
    again = train.train_chunk(net, data, config, train.new_state(net, config, "float32"), 6)
    assert one.losses == again.losses  # the same code twice: exactly the same numbers
    np.testing.assert_array_equal(one.state.x, again.state.x)
    first = train.train_chunk(net, data, config, train.new_state(net, config, "float32"), 3)
    text = nn_state.pack(first.state, config.digest(), SECRET)
    restored = nn_state.unpack(
        text, SECRET, config.digest(), net.num_params, ("m", "v"), train.running_size(net)
    )
    second = train.train_chunk(net, data, config, restored, 3)
    assert first.losses + second.losses == one.losses
    np.testing.assert_array_equal(second.state.x, one.state.x)
    np.testing.assert_array_equal(second.state.running, one.state.running)
    assert one.state.x.dtype == np.float32 and second.state.step == 6
    assert one.initial_loss == one.losses[0] and second.initial_loss is None
    assert [len(b) for b in one.batches] == [16] * 6


def test_a_step_is_the_optimisers_rule_on_the_networks_gradient():
    data, net, config, state = setup(
        "nesterov", {"lr": 0.05, "rho": 0.9}, "float64", weight_decay=0.01
    )
    chunk = train.train_chunk(net, data, config, state, 2)
    opt = optimizers.OPTIMIZERS["nesterov"]
    x, s = state.x, state.opt_state
    for t, indices in enumerate(chunk.batches, start=1):
        p = x + 0.9 * s["v"]  # the look-ahead point: the network's parameters
        _, _, _, backward, _ = net.loss_and_gradients(
            p, data.train_x[indices].astype(np.float64), data.train_y[indices]
        )
        x, s, _ = opt.rule(x, backward.flat + 0.01 * p, s, t, 0.05, config.hp)
    assert_allclose(chunk.state.x, x, rtol=1e-12)
    assert_allclose(train.network_params(chunk.state, config), x + 0.9 * s["v"], rtol=1e-12)


def test_weight_decay_is_coupled_except_for_adamw():
    net = build_network(SMALL_NET, (1, 28, 28), 8)
    adam = train.make_config(net, "shapes", 0, "auto", "adam", {"lr": 1e-3}, 8, 0.05)
    assert adam.weight_decay == 0.05 and "weight_decay" not in adam.hp
    adamw = train.make_config(net, "shapes", 0, "auto", "adamw", {"lr": 1e-3}, 8, 0.0)
    assert adamw.weight_decay == 0.0 and adamw.hp["weight_decay"] == 0.01  # torch's default
    adamw = train.make_config(net, "shapes", 0, "auto", "adamw", {"lr": 1e-3}, 8, 0.05)
    assert adamw.weight_decay == 0.0 and adamw.hp["weight_decay"] == 0.05


def test_batch_order_depends_only_on_the_data_set_seed_and_epoch():
    per_epoch = 10_000 // 64
    a = [datasets.batch_indices("shapes", 10_000, 3, 64, t) for t in range(1, per_epoch + 1)]
    epoch = np.concatenate(a)
    assert len(set(epoch.tolist())) == len(epoch)  # each example at most once per epoch
    np.testing.assert_array_equal(epoch, datasets.epoch_order("shapes", 10_000, 3, 0)[: len(epoch)])
    nxt = datasets.batch_indices("shapes", 10_000, 3, 64, per_epoch + 1)
    np.testing.assert_array_equal(nxt, datasets.epoch_order("shapes", 10_000, 3, 1)[:64])
    assert not np.array_equal(a[0], datasets.batch_indices("shapes", 10_000, 4, 64, 1))
    assert not np.array_equal(a[0], datasets.batch_indices("fashion", 10_000, 3, 64, 1))


def test_divergence_stops_at_the_first_non_finite_step():
    data, net, config, state = setup("sgd", {"lr": 900.0}, batch=8)
    chunk = train.train_chunk(net, data, config, state, 40)
    assert chunk.diverged_at is not None and chunk.state.step == chunk.diverged_at - 1
    assert len(chunk.losses) == chunk.state.step and all(math.isfinite(v) for v in chunk.losses)
    assert np.isfinite(chunk.state.x).all()


def test_evaluation_and_layer_statistics():
    data, net, config, state = setup()
    chunk = train.train_chunk(net, data, config, state, 2, evaluate=True)
    assert set(chunk.evaluation) >= {"train_accuracy", "test_accuracy", "test_loss"}
    assert chunk.evaluation["test_examples"] == datasets.EVAL_SIZE
    stats = chunk.layer_stats
    assert [s["layer"] for s in stats] == list(range(len(net.layers)))
    assert stats[0]["param"] == "weight" and stats[0]["update_ratio"] > 0
    assert stats[1]["dead_fraction"] is not None and stats[2]["weight_norm"] is None
    assert stats[3]["param"] == "gamma"


def test_work_is_bounded_before_computing():
    net = build_network(SMALL_NET, (1, 28, 28), 8)
    with pytest.raises(InputError, match="steps must be") as error:
        train.check_work(net, 64, 5000, False)
    assert error.value.field == "steps"
    heavy = build_network(
        [
            {"type": "conv", "filters": 32, "size": 3, "padding": 1},
            {"type": "conv", "filters": 32, "size": 3, "padding": 1},
            {"type": "maxpool", "size": 7},
            {"type": "flatten"},
            {"type": "linear", "out": 8},
        ],
        (1, 28, 28),
    )
    with pytest.raises(InputError, match="over the limit") as error:
        train.check_work(heavy, 32, 200, True)
    assert error.value.field == "steps" and "steps per chunk" in error.value.message
    train.check_work(heavy, 16, 2, True)  # a small chunk of the same network is fine
    with pytest.raises(InputError, match="keeps") as error:  # im2col columns count too
        train.check_work(heavy, 256, 1, False)
    assert error.value.field == "batch_size"


def test_state_refuses_changes_truncation_foreign_runs_and_bad_values():
    data, net, config, state = setup(precision="float64")
    text = nn_state.pack(
        train.train_chunk(net, data, config, state, 1).state, config.digest(), SECRET
    )
    sizes = (net.num_params, ("m", "v"), train.running_size(net))
    restored = nn_state.unpack(text, SECRET, config.digest(), *sizes)
    assert restored.precision == "float64" and restored.x.dtype == np.float64 and restored.step == 1
    payload = text.split(".")[1]
    changed = text.replace(
        payload, payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    )
    bad = [
        changed,
        text[:-10],
        text[: len(text) // 2],
        "cnn1.abc.def",
        "not a state",
        text + "A",
        "cnn1.%%%.%%%",
    ]
    for candidate in bad:
        with pytest.raises(InputError) as error:
            nn_state.unpack(candidate, SECRET, config.digest(), *sizes)
        assert error.value.field == "state"
    with pytest.raises(InputError, match="signature"):
        nn_state.unpack(text, b"another secret", config.digest(), *sizes)
    with pytest.raises(InputError, match="different run"):
        nn_state.unpack(text, SECRET, "0" * 32, *sizes)
    with pytest.raises(InputError, match="wrong shape"):
        nn_state.unpack(text, SECRET, config.digest(), net.num_params + 1, ("m", "v"), sizes[2])
    # signed but non-finite (a server with the same secret could only make this by a bug)
    nan_state = train.TrainState(1, state.x * np.nan, state.opt_state, state.running, "float64")
    with pytest.raises(InputError, match="non-finite"):
        nn_state.unpack(
            nn_state.pack(nan_state, config.digest(), SECRET), SECRET, config.digest(), *sizes
        )
