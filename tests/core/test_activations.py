"""Activations against closed forms, central differences away from kinks, PyTorch kink rules."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from app.core.activations import (
    FUNCTIONS,
    NAMES,
    activation,
    dead_relu,
    sample,
    vanishing_gradients,
)
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
    result = activation(name, X, pieces=PIECES if name == "maxout" else None)
    y, dy = result.y, result.dy
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
    dy = activation(name, x, alpha, pieces).dy
    numeric = (
        activation(name, x + h, alpha, pieces).y - activation(name, x - h, alpha, pieces).y
    ) / (2 * h)
    assert_allclose(dy, numeric, rtol=1e-6, atol=1e-8)


def test_derivatives_at_the_kinks_follow_pytorch():
    zero = np.array([0.0])
    assert activation("relu", zero).dy[0] == 0.0
    assert activation("leaky_relu", zero).dy[0] == 0.01
    assert activation("prelu", zero, alpha=0.3).dy[0] == pytest.approx(0.3)
    assert activation("elu", zero, alpha=2.0).dy[0] == 2.0
    # Maxout tie at x = 0 between w = 0 and w = 1: the first piece wins.
    tie = activation("maxout", zero, pieces=[[0.0, 0.0], [1.0, 0.0]])
    assert (tie.y[0], tie.dy[0], tie.winner[0]) == (0.0, 0.0, 0)
    assert activation("maxout", zero, pieces=[[1.0, 0.0], [0.0, 0.0]]).dy[0] == 1.0


def test_sigmoid_derivative_peaks_at_a_quarter():
    dy = activation("sigmoid", X).dy
    assert dy.max() == pytest.approx(0.25)
    assert dy[np.abs(X) > 5].max() < 0.01


def test_relu_and_leaky_relu_are_maxout_special_cases():
    # Two implementations of the same function: equal to rounding, compared with a tolerance.
    relu = activation("relu", X)
    maxout = activation("maxout", X, pieces=[[0, 0], [1, 0]])
    assert_allclose(maxout.y, relu.y, rtol=1e-15, atol=0)
    assert_allclose(maxout.dy, relu.dy, rtol=1e-15, atol=0)
    leaky = activation("leaky_relu", X, alpha=0.1)
    maxout = activation("maxout", X, pieces=[[0.1, 0], [1, 0]])
    assert_allclose(maxout.y, leaky.y, rtol=1e-15, atol=0)
    assert_allclose(maxout.dy[X != 0], leaky.dy[X != 0], rtol=1e-15, atol=0)


def test_prelu_reports_the_gradient_of_its_learned_alpha():
    x = np.array([-2.0, -0.5, 0.0, 3.0])
    result = activation("prelu", x, alpha=0.25)
    assert result.alpha == 0.25 and result.winner is None
    assert_array_equal(result.dalpha, [-2.0, -0.5, 0.0, 0.0])  # x itself: no arithmetic


def test_large_inputs_stay_finite():
    x = np.array([-1000.0, -50.0, 50.0, 1000.0])
    for name in NAMES:
        result = activation(name, x, pieces=PIECES if name == "maxout" else None)
        assert np.isfinite(result.y).all() and np.isfinite(result.dy).all(), name
    tail = math.exp(-50) / (1 + math.exp(-50))  # σ(−50); σ(−1000) underflows to 0
    assert_allclose(activation("softplus", x).dy, [0.0, tail, 1, 1], rtol=1e-12, atol=0)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NAMES), st.lists(st.floats(-50, 50), min_size=1, max_size=20))
def test_float32_stays_float32(name, values):
    x = np.asarray(values, dtype=np.float32)
    result = activation(name, x, pieces=PIECES if name == "maxout" else None)
    y, dy = result.y, result.dy
    assert y.dtype == dy.dtype == np.float32
    y64 = activation(name, x.astype(np.float64), pieces=PIECES if name == "maxout" else None).y
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
    result = vanishing_gradients(["sigmoid", "tanh", "relu"], 10, 500, seed=3).functions
    depth = np.arange(1, 11)
    assert np.all(result["sigmoid"].mean <= 0.25**depth)
    assert np.all(np.diff(result["sigmoid"].mean) < 0)
    # ReLU's product is 1 or 0: its mean is the fraction of paths still alive, about 0.5^k.
    assert_allclose(result["relu"].mean, 1 - result["relu"].fraction_zero)
    assert_allclose(result["relu"].mean, 0.5**depth, atol=0.06)
    assert result["tanh"].mean[0] > result["sigmoid"].mean[0]


def test_vanishing_gradients_are_seeded():
    # The same code twice: equal to the last bit.
    r1 = vanishing_gradients(["tanh"], 5, 50, "uniform", 0.5, 2.0, seed=7)
    r2 = vanishing_gradients(["tanh"], 5, 50, "uniform", 0.5, 2.0, seed=7)
    assert (r1.draws_mean, r1.draws_std) == (r2.draws_mean, r2.draws_std)
    assert_array_equal(r1.functions["tanh"].mean, r2.functions["tanh"].mean)
    z = sample("uniform", 0.5, 2.0, (50, 5), 7)
    assert z.min() >= -1.5 and z.max() <= 2.5
    assert_allclose(r1.draws_mean, z.mean(), rtol=1e-12)


def test_vanishing_gradients_report_depths_and_the_sigmoid_bound():
    result = vanishing_gradients(["sigmoid"], 4, 10, seed=0)
    assert_array_equal(result.depth, [1, 2, 3, 4])
    assert_allclose(result.sigmoid_bound, [0.25, 0.0625, 0.015625, 0.00390625], rtol=1e-15)


def test_dead_relu_gets_no_gradient():
    dead = dead_relu(weight=1.0, bias=-10.0, samples=1000, seed=0)
    assert dead.dead and dead.fraction_active == 0.0
    assert dead.grad_weight == 0.0 and dead.grad_bias == 0.0
    alive = dead_relu(weight=1.0, bias=0.0, samples=1000, seed=0)
    assert not alive.dead and 0.4 < alive.fraction_active < 0.6
    assert alive.grad_bias == alive.fraction_active
    assert alive.grad_weight == pytest.approx(np.mean(np.maximum(alive.x, 0)))
    assert dead.kink == 10.0 and alive.kink == 0.0
    assert dead_relu(weight=0.0, bias=1.0, samples=10).kink is None


def test_sample_refuses_unknown_distributions():
    with pytest.raises(InputError) as info:
        sample("cauchy", 0, 1, (3,), 0)
    assert info.value.field == "distribution"


def test_the_catalogue_names_and_labels():
    for name, function in FUNCTIONS.items():
        assert function.name == name and function.label and function.label_zh
        assert function.formula and function.derivative and function.range
    assert [n for n, f in FUNCTIONS.items() if f.alpha is not None] == [
        "leaky_relu",
        "prelu",
        "elu",
    ]
    assert activation("elu", X[:3]).alpha == FUNCTIONS["elu"].alpha
    assert activation("sigmoid", X[:3], alpha=3.0).alpha is None
