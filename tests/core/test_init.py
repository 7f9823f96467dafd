"""Weight initialisation: the schemes' standard deviations and what they do to deep networks."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import init
from app.core.errors import InputError


@pytest.mark.parametrize(
    "scheme,expected",
    [
        ("small", lambda n: 0.01),
        ("large", lambda n: 1.0),
        ("xavier", lambda n: 1 / np.sqrt(n)),
        ("he", lambda n: np.sqrt(2 / n)),
    ],
)
@pytest.mark.parametrize("fan_in", [50, 400])
def test_weight_stds_follow_the_formulas(scheme, expected, fan_in):
    w = init.init_weights(scheme, fan_in, 300, np.random.default_rng(0))
    assert w.shape == (fan_in, 300)
    assert_allclose(w.std(), expected(fan_in), rtol=0.03)
    assert abs(w.mean()) < 0.02 * expected(fan_in) * 10
    assert init.weight_std(scheme, fan_in) == pytest.approx(expected(fan_in))


def test_zeros_are_zeros():
    assert not init.init_weights("zeros", 5, 4, np.random.default_rng(0)).any()


def test_same_seed_same_statistics():
    a = init.layer_statistics("xavier", "tanh", 3, 40, 30, seed=7)
    b = init.layer_statistics("xavier", "tanh", 3, 40, 30, seed=7)
    assert [s.std for s in a.layers] == [s.std for s in b.layers]


def test_small_weights_collapse_with_depth():
    stats = init.layer_statistics("small", "tanh", 10, 500, 200, seed=0)
    stds = [s.std for s in stats.layers]
    # about ×0.22 per layer (0.01·√500)
    assert all(b < a / 3 for a, b in zip(stds[:-1], stds[1:], strict=True))
    assert stds[-1] < 1e-5
    # Everything is within a hair of 0: the two bins either side of it hold all the values.
    assert_allclose(
        stats.layers[-1].histogram[19] + stats.layers[-1].histogram[20], 1.0, rtol=1e-12
    )


def test_xavier_keeps_tanh_spread_and_he_keeps_relu_spread():
    tanh = init.layer_statistics("xavier", "tanh", 10, 500, 200, seed=0).layers
    assert tanh[-1].std > 0.15
    relu_he = init.layer_statistics("he", "relu", 10, 500, 200, seed=0).layers
    relu_xavier = init.layer_statistics("xavier", "relu", 10, 500, 200, seed=0).layers
    assert 0.4 < relu_he[-1].std < 1.5
    assert relu_xavier[-1].std < relu_he[-1].std / 10  # Xavier halves the variance per ReLU


def test_large_weights_saturate_tanh():
    layers = init.layer_statistics("large", "tanh", 5, 300, 100, seed=0).layers
    assert all(s.saturated > 0.8 for s in layers)


def test_zeros_make_every_unit_identical():
    for activation in init.ACTIVATIONS:
        for s in init.layer_statistics("zeros", activation, 4, 50, 20, seed=0).layers:
            assert s.std == 0 and s.unit_spread == 0


def test_histograms_are_shares_over_fixed_bins():
    stats = init.layer_statistics("he", "relu", 3, 100, 50, seed=1)
    assert len(stats.bin_edges) == init.BINS + 1
    assert stats.bin_edges[0] == 0 and stats.bin_edges[-1] == 4
    for s in stats.layers:
        assert_allclose(s.histogram.sum(), 1.0)
        assert s.saturated is None


@pytest.mark.parametrize(
    "args,field",
    [
        (("uniform", "tanh", 2, 10, 10), "scheme"),
        (("small", "sigmoid", 2, 10, 10), "activation"),
        (("small", "tanh", 0, 10, 10), "layers"),
        (("small", "tanh", 21, 10, 10), "layers"),
        (("small", "tanh", 2, 1001, 10), "width"),
        (("small", "tanh", 2, 10, 1001), "batch"),
        (("small", "tanh", 20, 1000, 1000), "width"),
    ],
)
def test_bad_arguments_raise_input_errors(args, field):
    with pytest.raises(InputError) as caught:
        init.layer_statistics(*args)
    assert caught.value.field == field


def test_the_catalogue_names_labels_and_formulas():
    for name, scheme in init.SCHEMES.items():
        assert scheme.name == name and scheme.label and scheme.label_zh
        assert scheme.formula.startswith("W = ")
    assert init.SCHEMES["xavier"].label == "Xavier 1/√n"


def test_the_result_names_its_scheme_and_layers():
    lesson = init.layer_statistics("he", "relu", 3, 20, 10, seed=0)
    assert lesson.scheme is init.SCHEMES["he"]
    assert [s.layer for s in lesson.layers] == [1, 2, 3]
    assert lesson.weight_std == pytest.approx(np.sqrt(2 / 20))
