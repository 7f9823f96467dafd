"""The network core's parts the /cnn page reads: the build check, presets, a chunk's largest step
count, the smoothed loss carried by the state, and a subset's batches."""

import numpy as np
import pytest

from app.core import datasets
from app.core.errors import InputError
from app.core.nn import state as nn_state
from app.core.nn import train as nn_train
from app.core.nn.network import PRESETS, build_network, check_network, preset_layers

SHAPE = (1, 28, 28)


def test_check_network_keeps_the_layers_that_fit():
    specs = preset_layers("small", 8)
    good = check_network(specs, SHAPE, 8)
    assert good.error is None and good.network is not None and len(good.layers) == len(specs)
    bad = check_network(specs[:6] + [{"type": "conv", "filters": 2, "size": 9}], SHAPE, 8)
    assert bad.network is None and bad.error_layer == 6 and len(bad.layers) == 6
    assert bad.layers[-1].out_shape == (16, 7, 7)
    assert check_network([], SHAPE).error_layer is None
    with pytest.raises(InputError):  # build_network still raises
        build_network(specs[:6], SHAPE, 8)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_end_in_the_class_count(name):
    for classes in (8, 10):
        specs = preset_layers(name, classes)
        assert specs[-1] == {"type": "linear", "out": classes}
        assert build_network(specs, SHAPE, classes).num_params <= nn_train.MAX_TRAIN_PARAMS
    assert PRESETS[name]["layers"][-1]["out"] is None  # the catalogue itself is not changed


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("batch", [1, 64, 256])
def test_max_chunk_steps_is_the_largest_chunk_check_work_takes(name, batch):
    network = build_network(preset_layers(name, 8), SHAPE, 8)
    if batch * network.activation_size() > nn_train.MAX_BATCH_ACTIVATIONS:
        return  # not trainable at this batch size at all (POST /api/cnn/network says so)
    most = nn_train.max_chunk_steps(network, batch, True)
    assert most >= 1
    nn_train.check_work(network, batch, most, True)
    if most < nn_train.MAX_STEPS:
        with pytest.raises(InputError):
            nn_train.check_work(network, batch, most + 1, True)


def test_the_smoothed_loss_travels_in_the_state():
    network = build_network(preset_layers("tiny", 8), SHAPE, 8)
    config = nn_train.make_config(network, "shapes", 0, "auto", "sgd", {"lr": 0.05}, 4, 0.0)
    state = nn_train.new_state(network, config, "float32")
    data = datasets.get_dataset("shapes")
    chunk = nn_train.train_chunk(network, data, config, state, 3)
    assert chunk.state.loss_ema != 0.0
    text = nn_state.pack(chunk.state, config.digest(), b"k")
    back = nn_state.unpack(text, b"k", config.digest(), network.num_params, (), 0)
    assert back.loss_ema == chunk.state.loss_ema and back.step == 3


def test_a_subset_is_seeded_and_its_batches_stay_inside_it():
    chosen = datasets.subset_indices("shapes", 10_000, 3, 20)
    assert len(set(chosen.tolist())) == 20 and list(chosen) == sorted(chosen)
    assert np.array_equal(chosen, datasets.subset_indices("shapes", 10_000, 3, 20))
    assert not np.array_equal(chosen, datasets.subset_indices("shapes", 10_000, 4, 20))
    network = build_network(preset_layers("tiny", 8), SHAPE, 8)
    config = nn_train.make_config(
        network, "shapes", 3, "auto", "adam", {"lr": 0.01}, 5, 0.0, subset=20, train_size=10_000
    )
    info = datasets.get_info("shapes")
    seen = np.concatenate([config.batch(info, t) for t in range(1, 5)])  # one epoch of 4 batches
    assert sorted(seen.tolist()) == chosen.tolist()
    assert (
        config.digest()
        != nn_train.make_config(network, "shapes", 3, "auto", "adam", {"lr": 0.01}, 5, 0.0).digest()
    )
