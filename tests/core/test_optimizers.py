"""The update rules and their catalogue: any shape and dtype, pure, complete, lecture defaults."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import optimizers
from app.core.errors import InputError
from app.core.optimizers import OPTIMIZERS, quantities, resolve
from app.core.surfaces import SURFACES


def hp_of(name):
    return optimizers.hyper(resolve(name, {"lr": 0.01}))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_explain_gives_exactly_the_quantities_the_catalogue_lists(name):
    optimizer = OPTIMIZERS[name]
    x = np.ones(3)
    _, state, shown = optimizer.rule(
        x, x, optimizer.zero_state(x), 1, 0.01, hp_of(name), np.sqrt, explain=True
    )
    assert set(shown) == {q.name for q in optimizer.shows}
    assert set(state) == set(optimizer.state)
    assert optimizer.rule(x, x, optimizer.zero_state(x), 1, 0.01, hp_of(name))[2] is None


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_rule_steps_an_array_of_any_shape_element_by_element(name, dtype):
    # A conv layer's weights (F, C, K, K) step as each weight would alone, as a Python float.
    optimizer = OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    hp = hp_of(name)
    x = rng.standard_normal((2, 3, 2, 2)).astype(dtype)
    state = optimizer.zero_state(x)
    singles = [(float(v), optimizer.zero_state(0.0)) for v in x.ravel()]
    for t in range(1, 6):
        g = rng.standard_normal(x.shape).astype(dtype)
        x, state, _ = optimizer.rule(x, g, state, t, 0.01, hp)
        assert x.dtype == dtype and x.shape == (2, 3, 2, 2)
        singles = [
            optimizer.rule(v, float(gv), s, t, 0.01, hp, math.sqrt)[:2]
            for (v, s), gv in zip(singles, g.ravel(), strict=True)
        ]
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    assert_allclose(x.ravel(), [v for v, _ in singles], rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_rule_changes_nothing_it_was_given(name):
    optimizer = OPTIMIZERS[name]
    x, g = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    state = {key: np.array([0.1, 0.2]) for key in optimizer.state}
    copies = (x.copy(), g.copy(), {key: v.copy() for key, v in state.items()})
    optimizer.rule(x, g, state, 3, 0.1, hp_of(name), np.sqrt, explain=True)
    assert_allclose(x, copies[0], rtol=0)
    assert_allclose(g, copies[1], rtol=0)
    for key in state:
        assert_allclose(state[key], copies[2][key], rtol=0)


def test_lerp_rounds_like_torch_on_both_sides_of_one_half():
    # torch.lerp: start + w·(end − start) for |w| < 0.5, else end − (end − start)·(1 − w).
    start, end = 0.1, 0.7
    assert optimizers.lerp(start, end, 0.25) == start + 0.25 * (end - start)
    assert optimizers.lerp(start, end, 0.75) == end - (end - start) * (1 - 0.75)
    weights = np.array([0.25, 0.75])
    assert_allclose(optimizers.lerp(start, end, weights), [0.25, 0.55], rtol=1e-15)


def test_nesterov_takes_its_gradient_ahead_the_others_at_x():
    x, state = np.array([1.0, 2.0]), {"v": np.array([0.5, -1.0])}
    ahead = OPTIMIZERS["nesterov"].gradient_point(x, state, {"rho": 0.9})
    assert_allclose(ahead, [1.45, 1.1], rtol=1e-15)
    assert OPTIMIZERS["momentum"].gradient_point(x, state, {"rho": 0.9}) is x


def test_adamw_decay_is_decoupled_and_torch_s_form():
    x, g = np.array([2.0]), np.array([0.0])
    zero = OPTIMIZERS["adamw"].zero_state(x)
    hp = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.5}
    new, _, _ = optimizers.adam(x, g, zero, 1, 0.1, hp)
    assert_allclose(new, 2.0 * (1 - 0.1 * 0.5), rtol=1e-15)  # g = 0: only the decay acts


# ---- the catalogue


def test_every_entry_is_complete():
    for name, o in OPTIMIZERS.items():
        assert o.name == name and o.label and o.label_zh and o.equations
        assert "lr" in o.params
        assert o.search_second is None or o.search_second in o.params
        low, good, high = o.lesson_rates
        assert 0 < low < good < high
        if o.race_default is not None:
            resolve(name, o.race_default)
        if o.search_ranges is not None:
            assert o.search_second is not None
            lo, hi = o.search_ranges["second"]
            spec = o.params[o.search_second]
            assert spec.low <= lo < hi <= spec.high
        assert o.lesson_surface in SURFACES
        names = [q.name for q in quantities(o)]
        assert len(names) == len(set(names)) and names[-1] == "update"
        for q in quantities(o):
            assert q.kind in ("pair", "number")
            assert q.param is None or q.param in o.params
        # every piece of state is reported, so any step can be replayed from the internals
        assert sorted(q.state for q in o.shows if q.state) == sorted(o.state)


def test_defaults_are_the_lecture_s():
    assert resolve("momentum", {"lr": 1})["rho"] == 0.9
    assert resolve("rmsprop", {"lr": 1}) == {"lr": 1, "decay": 0.99, "eps": 1e-7}
    assert resolve("adagrad", {"lr": 1})["eps"] == 1e-7
    assert resolve("adam", {"lr": 1}) == {"lr": 1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert resolve("adamw", {"lr": 1})["weight_decay"] == 0.01


@pytest.mark.parametrize(
    "name, params, message, field",
    [
        ("lbfgs", {"lr": 1}, "unknown optimiser 'lbfgs'", "optimizers"),
        ("sgd", {"lr": 0.0}, "lr must be > 0", "optimizers.lr"),
        ("sgd", {"lr": -1.0}, "lr must be > 0", "optimizers.lr"),
        ("sgd", {"lr": 1, "rho": 0.9}, "has no parameter 'rho'", "optimizers.rho"),
        ("adam", {"lr": 1, "beta1": 1.0}, "beta1 must be", "optimizers.beta1"),
    ],
)
def test_bad_hyper_parameters_are_input_errors(name, params, message, field):
    with pytest.raises(InputError, match=message) as info:
        resolve(name, params)
    assert info.value.field == field
