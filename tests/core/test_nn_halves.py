"""A training step in two halves of the batch, the second on a companion process (halves.py)."""

import time

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import datasets, optimizers
from app.core.nn import halves, train
from app.core.nn.network import build_network

NET = [
    {"type": "conv", "filters": 4, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]


def setup(precision="float64", batch=32, optimizer="adam"):
    data = datasets.get_dataset("shapes")
    net = build_network(NET, (1, 28, 28), 8)
    config = train.make_config(net, "shapes", 3, "auto", optimizer, {"lr": 0.01}, batch, 0.0)
    return data, net, config, train.new_state(net, config, precision)


@pytest.fixture
def companion(monkeypatch):
    """A started companion, used at every step (no load rule), counting its halves."""
    if not halves.ENABLED:
        pytest.skip("a single core: training steps never use a companion")
    monkeypatch.setattr(halves, "spare_core", lambda: True)
    monkeypatch.setattr(halves, "CONTENDED", float("inf"))
    deadline = time.monotonic() + 60
    while (started := halves.free_companion()) is None:
        assert time.monotonic() < deadline, "the companion did not start within 60 s"
        time.sleep(0.1)
    started.lock.release()
    used = []
    result = halves.Companion.result

    def counted(self):
        used.append(self)
        return result(self)

    monkeypatch.setattr(halves.Companion, "result", counted)
    return used


def test_a_batch_splits_in_halves_only_without_batch_norm_and_from_32_examples():
    net = build_network(NET, (1, 28, 28), 8)
    assert halves.split_batch(net, 31) == [slice(0, 31)]
    assert halves.split_batch(net, 32) == [slice(0, 16), slice(16, 32)]
    assert halves.split_batch(net, 65) == [slice(0, 32), slice(32, 65)]
    normed = build_network([*NET[:3], {"type": "batchnorm"}, *NET[3:]], (1, 28, 28), 8)
    assert halves.split_batch(normed, 64) == [slice(0, 64)]


def test_a_step_in_halves_is_the_rule_on_the_whole_batchs_gradient(monkeypatch):
    monkeypatch.setattr(halves, "ENABLED", False)  # both halves here; the companion: below
    data, net, config, state = setup()
    chunk = train.train_chunk(net, data, config, state, 3)
    opt = optimizers.OPTIMIZERS["adam"]
    x, s = state.x, state.opt_state
    for t, indices in enumerate(chunk.batches, start=1):
        loss, _, _, backward, _ = net.loss_and_gradients(
            x, data.train_x[indices].astype(np.float64), data.train_y[indices]
        )
        assert_allclose(chunk.losses[t - 1], loss, rtol=1e-13)
        x, s, _ = opt.rule(x, backward.flat, s, t, 0.01, config.hp)
    assert_allclose(chunk.state.x, x, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_the_companion_gives_the_numbers_of_this_process(companion, monkeypatch, precision):
    data, net, config, state = setup(precision)
    shared = train.train_chunk(net, data, config, state, 6)
    assert len(companion) == 5  # every step but the last, whose outputs the statistics read
    monkeypatch.setattr(halves, "ENABLED", False)
    alone = train.train_chunk(net, data, config, state, 6)
    # The same code on the same machine in two processes: the same numbers, to the last bit
    # on any ordinary machine; the tolerance only allows for a BLAS that picks its kernels
    # per thread.
    tolerance = 1e-6 if precision == "float32" else 1e-13
    assert_allclose(shared.losses, alone.losses, rtol=tolerance)
    assert_allclose(shared.state.x, alone.state.x, rtol=tolerance, atol=tolerance)
    for ours, theirs in zip(shared.layer_stats, alone.layer_stats, strict=True):
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            if isinstance(value, float):
                assert value == pytest.approx(theirs[key], rel=tolerance, abs=tolerance), key
            else:
                assert value == theirs[key], key


def test_a_companion_that_dies_mid_chunk_changes_nothing(companion, monkeypatch):
    data, net, config, state = setup("float32")
    result = halves.Companion.result

    def dying(self):
        if len(companion) == 2:
            self.process.kill()
            self.process.wait()
        return result(self)

    monkeypatch.setattr(halves.Companion, "result", dying)
    survived = train.train_chunk(net, data, config, state, 5)
    monkeypatch.setattr(halves, "ENABLED", False)
    alone = train.train_chunk(net, data, config, state, 5)
    assert_allclose(survived.losses, alone.losses, rtol=1e-6)
    assert_allclose(survived.state.x, alone.state.x, rtol=1e-6, atol=1e-6)
    assert halves.COMPANION is None or halves.COMPANION.process.poll() is None  # a new one


def test_without_a_companion_process_the_worker_computes_both_halves(monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("fork refused")

    monkeypatch.setattr(halves, "ENABLED", True)
    monkeypatch.setattr(halves, "COMPANION", None)
    monkeypatch.setattr(halves.subprocess, "Popen", refused)
    data, net, config, state = setup("float32")
    chunk = train.train_chunk(net, data, config, state, 3)
    assert len(chunk.losses) == 3 and halves.COMPANION is None
