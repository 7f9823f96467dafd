"""Activations against closed forms, central differences away from kinks, PyTorch kink rules."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from app.core.activations import NAMES, activation, dead_relu, sample, vanishing_gradients
from app.core.errors import InputError

X = np.linspace(-6, 6, 241)
PIECES = [[0.0, 0.0], [1.0, 0.0], [0.3, 1.0]]


def closed_form(name, x, alpha):
    s = 1 / (1 + np.exp(-x))
    erf = np.vectorize(math.erf)
    return {
        "sigmoid": s,
        "tanh": np.tanh(x),
        "relu": np.where(x > 0, x, 0.0),
        "leaky_relu": np.where(x > 0, x, alpha * x),
        "prelu": np.where(x > 0, x, alpha * x),
        "elu": np.where(x > 0, x, alpha * (np.exp(x) - 1)),
        "maxout": np.max([w * x + b for w, b in PIECES], axis=0),
        "gelu": x * 0.5 * (1 + erf(x / np.sqrt(2))),
        "silu": x * s,
        "softplus": np.log(1 + np.exp(x)),
    }[name]


@pytest.mark.parametrize("name", NAMES)
def test_values_match_the_closed_forms(name):
    alpha = {"leaky_relu": 0.01, "prelu": 0.25}.get(name, 1.0)
    y, dy, _ = activation(name, X, pieces=PIECES if name == "maxout" else None)
    assert y.shape == dy.shape == X.shape
    assert_allclose(y, closed_form(name, X, alpha), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("alpha", [None, 0.2, 1.7])
def test_derivative_matches_central_differences_away_from_kinks(name, alpha):
    pieces = PIECES if name == "maxout" else None
    # Kinks: 0 for the ReLU family; where two maxout pieces cross (x = 0, -1/0.7·1 ...).
    crossings = [0.0, -10 / 7, -1 / 0.3]
    x = X[np.all([np.abs(X - c) > 1e-3 for c in crossings], axis=0)]
    h = 1e-6
    _, dy, _ = activation(name, x, alpha, pieces)
    numeric = (
        activation(name, x + h, alpha, pieces)[0] - activation(name, x - h, alpha, pieces)[0]
    ) / (2 * h)
    assert_allclose(dy, numeric, rtol=1e-6, atol=1e-8)


def test_derivatives_at_the_kinks_follow_pytorch():
    zero = np.array([0.0])
    assert activation("relu", zero)[1][0] == 0.0
    assert activation("leaky_relu", zero)[1][0] == 0.01
    assert activation("prelu", zero, alpha=0.3)[1][0] == pytest.approx(0.3)
    assert activation("elu", zero, alpha=2.0)[1][0] == 2.0
    # Maxout tie at x = 0 between w = 0 and w = 1: the first piece wins.
    y, dy, extras = activation("maxout", zero, pieces=[[0.0, 0.0], [1.0, 0.0]])
    assert (y[0], dy[0], extras["winner"][0]) == (0.0, 0.0, 0)
    y, dy, _ = activation("maxout", zero, pieces=[[1.0, 0.0], [0.0, 0.0]])
    assert dy[0] == 1.0


def test_sigmoid_derivative_peaks_at_a_quarter():
    _, dy, _ = activation("sigmoid", X)
    assert dy.max() == pytest.approx(0.25)
    assert dy[np.abs(X) > 5].max() < 0.01


def test_relu_and_leaky_relu_are_maxout_special_cases():
    relu = activation("relu", X)
    assert_array_equal(activation("maxout", X, pieces=[[0, 0], [1, 0]])[0], relu[0])
    leaky = activation("leaky_relu", X, alpha=0.1)
    maxout = activation("maxout", X, pieces=[[0.1, 0], [1, 0]])
    assert_allclose(maxout[0], leaky[0], rtol=1e-15)
    assert_allclose(maxout[1][X != 0], leaky[1][X != 0])


def test_prelu_reports_the_gradient_of_its_learned_alpha():
    x = np.array([-2.0, -0.5, 0.0, 3.0])
    _, _, extras = activation("prelu", x, alpha=0.25)
    assert_array_equal(extras["dalpha"], [-2.0, -0.5, 0.0, 0.0])


def test_large_inputs_stay_finite():
    x = np.array([-1000.0, -50.0, 50.0, 1000.0])
    for name in NAMES:
        y, dy, _ = activation(name, x, pieces=PIECES if name == "maxout" else None)
        assert np.isfinite(y).all() and np.isfinite(dy).all(), name
    assert_array_equal(activation("softplus", x)[1], [0.0, pytest.approx(1.9e-22, rel=0.1), 1, 1])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NAMES), st.lists(st.floats(-50, 50), min_size=1, max_size=20))
def test_float32_stays_float32(name, values):
    x = np.asarray(values, dtype=np.float32)
    y, dy, _ = activation(name, x, pieces=PIECES if name == "maxout" else None)
    assert y.dtype == dy.dtype == np.float32
    y64, _, _ = activation(name, x.astype(np.float64), pieces=PIECES if name == "maxout" else None)
    assert_allclose(y, y64, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"name": "swish2"}, "name"),
        ({"name": "maxout"}, "pieces"),
        ({"name": "maxout", "pieces": [[1, 0]]}, "pieces"),
        ({"name": "maxout", "pieces": [[1, 0, 2], [1, 1, 1]]}, "pieces"),
        ({"name": "maxout", "pieces": [[1, 0], [np.nan, 1]]}, "pieces"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError) as info:
        activation(x=X, **kwargs)
    assert info.value.field == field


def test_vanishing_gradients_sigmoid_is_bounded_by_a_quarter_to_the_n():
    _, result = vanishing_gradients(["sigmoid", "tanh", "relu"], 10, 500, seed=3)
    depth = np.arange(1, 11)
    assert np.all(result["sigmoid"]["mean"] <= 0.25**depth)
    assert np.all(np.diff(result["sigmoid"]["mean"]) < 0)
    # ReLU's product is 1 or 0: its mean is the fraction of paths still alive, about 0.5^k.
    assert_allclose(result["relu"]["mean"], 1 - result["relu"]["fraction_zero"])
    assert_allclose(result["relu"]["mean"], 0.5**depth, atol=0.06)
    assert result["tanh"]["mean"][0] > result["sigmoid"]["mean"][0]


def test_vanishing_gradients_are_seeded():
    z1, r1 = vanishing_gradients(["tanh"], 5, 50, "uniform", 0.5, 2.0, seed=7)
    z2, r2 = vanishing_gradients(["tanh"], 5, 50, "uniform", 0.5, 2.0, seed=7)
    assert_array_equal(z1, z2)
    assert_array_equal(r1["tanh"]["mean"], r2["tanh"]["mean"])
    assert z1.min() >= -1.5 and z1.max() <= 2.5


def test_dead_relu_gets_no_gradient():
    dead = dead_relu(weight=1.0, bias=-10.0, samples=1000, seed=0)
    assert dead["dead"] and dead["fraction_active"] == 0.0
    assert dead["grad_weight"] == 0.0 and dead["grad_bias"] == 0.0
    alive = dead_relu(weight=1.0, bias=0.0, samples=1000, seed=0)
    assert not alive["dead"] and 0.4 < alive["fraction_active"] < 0.6
    assert alive["grad_bias"] == alive["fraction_active"]
    assert alive["grad_weight"] == pytest.approx(np.mean(np.maximum(alive["x"], 0)))


def test_sample_refuses_unknown_distributions():
    with pytest.raises(InputError) as info:
        sample("cauchy", 0, 1, (3,), 0)
    assert info.value.field == "distribution"
