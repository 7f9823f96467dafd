"""The race: hand-computed first two steps, closed forms, the race against a naive twin (one run,
NumPy arrays), floats against arrays, Nesterov against PyTorch's form, the internals, divergence
as data, gradient noise, schedules and the search.

Different implementations (floats vs arrays, the race vs its twin, NumPy vs hand-written
formulas) round differently in pow on some CPUs, so they are compared with a tolerance; exact
equality only where the same code runs twice.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.core import search
from app.core.errors import InputError
from app.core.optimizers import OPTIMIZERS, get_optimizer, hyper, quantities, resolve
from app.core.race import race, run_internals
from app.core.schedules import lr_schedule
from app.core.surfaces import SURFACES

BOWL = SURFACES["bowl"]  # f = 0.05 x² + y², ∇f = (0.1 x, 2 y)
# Trajectories of two implementations drift apart from a 1-ulp difference; over a few hundred
# steps on these surfaces they stay within this (measured: below 1e-13).
TWIN_RTOL = 1e-10


def race_one(name, steps=2, start=(1.0, 1.0), surface=BOWL, **params):
    params = resolve(name, params)
    return race(surface, start, [name], [params], steps)


def reference(surface, start, name, params, steps, schedule=None):
    """The race's naive twin: one run, the rule stepping a (2,) NumPy array."""
    optimizer = get_optimizer(name)
    rates = lr_schedule(params["lr"], steps, **(schedule or {}))[:, 0]
    hp = hyper(params)
    x = np.asarray(start, dtype=np.float64)
    state = optimizer.zero_state(x)
    points = [x]
    with np.errstate(all="ignore"):
        for i in range(steps):
            at = optimizer.gradient_point(x, state, hp)
            g = np.array(surface.grad(at[0], at[1]), dtype=np.float64)
            x, state, _ = optimizer.rule(x, g, state, i + 1, float(rates[i]), hp)
            points.append(x)
    return np.array(points)


def points(name, **params):
    return race_one(name, **params).points[:, 0]


# ---- hand-computed first two steps from (1, 1) on the bowl, where g = (0.1, 2)


def test_sgd_first_two_steps():
    # x1 = (1 - 0.1·0.1, 1 - 0.1·2) = (0.99, 0.8); g1 = (0.099, 1.6); x2 = x1 - 0.1·g1
    assert_allclose(points("sgd", lr=0.1), [[1, 1], [0.99, 0.8], [0.9801, 0.64]], rtol=1e-15)


def test_momentum_first_two_steps():
    # v1 = g0 = (0.1, 2), x1 = (0.99, 0.8); v2 = 0.9·v1 + (0.099, 1.6) = (0.189, 3.4)
    assert_allclose(
        points("momentum", lr=0.1, rho=0.9), [[1, 1], [0.99, 0.8], [0.9711, 0.46]], rtol=1e-15
    )


def test_nesterov_first_two_steps():
    # v1 = -0.1·∇f(1, 1) = (-0.01, -0.2), x1 = (0.99, 0.8)
    # look-ahead x1 + 0.9·v1 = (0.981, 0.62), ∇f there = (0.0981, 1.24)
    # v2 = 0.9·v1 - 0.1·(0.0981, 1.24) = (-0.01881, -0.304), x2 = (0.97119, 0.496)
    run = race_one("nesterov", lr=0.1, rho=0.9)
    assert_allclose(run.points[:, 0], [[1, 1], [0.99, 0.8], [0.97119, 0.496]], rtol=1e-14)
    inside = run_internals(run, 0)
    assert_allclose(inside["lookahead"], [[1, 1], [0.981, 0.62]], rtol=1e-15)
    assert_allclose(inside["velocity"], [[-0.01, -0.2], [-0.01881, -0.304]], rtol=1e-14)


def test_adagrad_first_two_steps():
    eps = 1e-7
    g0 = np.array([0.1, 2.0])
    G1 = g0**2
    x1 = 1 - 0.1 * g0 / (np.sqrt(G1) + eps)  # ≈ (0.9, 0.9): the first step is ≈ α per axis
    g1 = np.array([0.1 * x1[0], 2 * x1[1]])
    G2 = G1 + g1**2
    x2 = x1 - 0.1 * g1 / (np.sqrt(G2) + eps)
    assert_allclose(points("adagrad", lr=0.1), [[1, 1], x1, x2], rtol=1e-15)
    assert_allclose(x1, [0.9, 0.9], atol=1e-6)


def test_rmsprop_first_two_steps():
    d, eps, lr = 0.99, 1e-7, 0.01
    g0 = np.array([0.1, 2.0])
    G1 = (1 - d) * g0**2
    x1 = 1 - lr * g0 / (np.sqrt(G1) + eps)  # √G1 = 0.1·|g|: the first step is ≈ 10·α per axis
    g1 = np.array([0.1 * x1[0], 2 * x1[1]])
    G2 = d * G1 + (1 - d) * g1**2
    x2 = x1 - lr * g1 / (np.sqrt(G2) + eps)
    assert_allclose(points("rmsprop", lr=lr, decay=d), [[1, 1], x1, x2], rtol=1e-14)
    assert_allclose(x1, [0.9, 0.9], atol=1e-5)


def test_adam_first_two_steps_with_bias_correction():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    g0 = np.array([0.1, 2.0])
    m1, v1 = (1 - b1) * g0, (1 - b2) * g0**2
    x1 = 1 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    g1 = np.array([0.1 * x1[0], 2 * x1[1]])
    m2, v2 = b1 * m1 + (1 - b1) * g1, b2 * v1 + (1 - b2) * g1**2
    x2 = x1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    run = race_one("adam", lr=lr)
    assert_allclose(run.points[:, 0], [[1, 1], x1, x2], rtol=1e-14)
    inside = run_internals(run, 0)
    assert_allclose(inside["bias_correction1"], [0.1, 0.19], rtol=1e-14)
    assert_allclose(inside["bias_correction2"], [0.001, 0.001999], rtol=1e-12)
    assert_allclose(inside["m_hat"][0], g0, rtol=1e-14)  # m̂1 = g: the correction undoes 1 - β1
    assert_allclose(inside["v_hat"][0], g0**2, rtol=1e-12)
    assert_allclose(inside["update"], np.diff(run.points[:, 0], axis=0), rtol=1e-15)


def test_adamw_decays_the_weights_before_the_step():
    lr, wd = 0.01, 0.5
    adam = points("adam", lr=lr)
    adamw = points("adamw", lr=lr, weight_decay=wd)
    assert_allclose(adamw[1], adam[1] - 1 * lr * wd * np.array([1, 1]), rtol=1e-14)


# ---- closed forms


@pytest.mark.parametrize("lr", [0.01, 0.3, 0.9])
def test_sgd_on_a_quadratic_is_geometric(lr):
    run = race_one("sgd", steps=50, start=(-7.0, 2.5), lr=lr)
    t = np.arange(51)
    assert_allclose(run.points[:, 0, 0], -7.0 * (1 - 0.1 * lr) ** t, rtol=1e-12)
    assert_allclose(run.points[:, 0, 1], 2.5 * (1 - 2 * lr) ** t, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("lr", [1e-3, 0.05])
@pytest.mark.parametrize("surface", ["rosenbrock", "beale", "goldstein_price"])
def test_adam_first_step_moves_each_coordinate_by_about_lr(surface, lr):
    surface = SURFACES[surface]
    run = race_one("adam", steps=1, start=surface.default_start, surface=surface, lr=lr)
    assert_allclose(np.abs(run.points[1, 0] - run.points[0, 0]), [lr, lr], rtol=1e-6)


# ---- the race against its naive twin, all optimisers at once


PARAMS = {
    "sgd": {"lr": 1e-3},
    "momentum": {"lr": 1e-3, "rho": 0.8},
    "nesterov": {"lr": 1e-3},
    "adagrad": {"lr": 0.3},
    "rmsprop": {"lr": 1e-2, "decay": 0.9},
    "adam": {"lr": 3e-2, "beta1": 0.3},  # β1 < 0.5: torch.lerp's other rounding
    "adamw": {"lr": 3e-2, "weight_decay": 0.1},
}


def all_seven():
    names = list(PARAMS)
    return names, [resolve(n, PARAMS[n]) for n in names]


@pytest.mark.parametrize("surface", ["rosenbrock", "himmelblau", "beale", "six_hump_camel"])
def test_race_equals_its_naive_twin(surface):
    surface = SURFACES[surface]
    names, params = all_seven()
    result = race(surface, surface.default_start, names, params, 300)
    for r, name in enumerate(names):
        twin = reference(surface, surface.default_start, name, params[r], 300)
        n = result.length(r)
        assert_allclose(result.points[:n, r], twin[:n], rtol=TWIN_RTOL, atol=1e-12, err_msg=name)


def test_race_without_internals_gives_the_same_points():
    surface = SURFACES["rosenbrock"]
    names, params = all_seven()
    full = race(surface, (-1.2, 1), names, params, 200)
    light = race(surface, (-1.2, 1), names, params, 200, internals=False)
    assert np.array_equal(full.points, light.points)  # the same code, run twice
    assert light.internals is None


@pytest.mark.parametrize("floats", [True, False])
def test_internals_are_what_the_step_computed(floats):
    surface = SURFACES["rosenbrock"]
    names, params = all_seven()
    result = race(surface, (-1.2, 1), names, params, 100, floats=floats)
    for r, name in enumerate(names):
        inside = run_internals(result, r)
        assert list(inside) == [q.name for q in quantities(OPTIMIZERS[name])]
        for quantity in quantities(OPTIMIZERS[name]):
            expected = (100, 2) if quantity.kind == "pair" else (100,)
            assert inside[quantity.name].shape == expected, (name, quantity.name)
        points = result.points[:, r]
        assert_allclose(inside["update"], np.diff(points, axis=0), rtol=0)
        at = inside.get("lookahead", points[:-1])
        grads = np.array(surface.grad(at[:, 0], at[:, 1])).T
        assert_allclose(inside["grad"], grads, rtol=1e-15, atol=1e-300, err_msg=name)
        assert_allclose(inside["lr"], params[r]["lr"], rtol=0)
        if "m_hat" in inside:
            assert_allclose(inside["m_hat"], inside["m"] / inside["bias_correction1"][:, None])
            assert_allclose(inside["effective_lr"], inside["lr"][:, None] / inside["denominator"])


def test_nesterov_is_pytorch_s_form_for_the_look_ahead_point():
    # PyTorch: buf ← ρ·buf + ∇f(p); p ← p - α·(∇f(p) + ρ·buf), with p = x + ρ·v.
    surface, lr, rho = SURFACES["rosenbrock"], 1e-3, 0.9
    run = race_one("nesterov", steps=500, start=(-1.2, 1.0), surface=surface, lr=lr, rho=rho)
    v = run_internals(run, 0)["velocity"]
    p = np.array([-1.2, 1.0])
    buf = np.zeros(2)
    for t in range(500):
        g = np.array(surface.grad(p[0], p[1]))
        buf = rho * buf + g
        p = p - lr * (g + rho * buf)
        assert_allclose(p, run.points[t + 1, 0] + rho * v[t], rtol=1e-12, atol=1e-13)


def test_no_recorded_point_is_changed_afterwards():
    run = race_one("momentum", steps=5, lr=0.1)
    assert len({tuple(point) for point in run.points[:, 0]}) == 6


# ---- divergence is data


def test_runaway_stops_at_the_first_step_beyond_the_limit():
    # SGD with lr 1.5 multiplies y by 1 - 2·1.5 = -2 each step: 2.5·2¹⁹ > 10⁶.
    run = race_one("sgd", steps=100, start=(-7.0, 2.5), lr=1.5)
    assert run.diverged_at[0] == 19
    assert run.length(0) == 19
    assert np.abs(run.points[18, 0, 1]) == 2.5 * 2**18
    inside = run_internals(run, 0)
    assert len(inside["grad"]) == 18


def test_overflow_is_reported_and_nothing_kept_is_non_finite():
    surface = SURFACES["goldstein_price"]
    names = ["sgd", "adagrad", "adam"]
    params = [resolve(n, {"lr": 10.0}) for n in names]
    run = race(surface, (-1.0, 1.5), names, params, 50)
    assert run.diverged_at[0] is not None
    for r in range(3):
        n = run.length(r)
        assert np.all(np.isfinite(run.points[:n, r])) and np.all(np.isfinite(run.losses[:n, r]))
        for value in run_internals(run, r).values():
            assert np.all(np.isfinite(value))


def test_a_converging_run_does_not_diverge():
    assert race_one("adam", steps=1000, lr=0.01).diverged_at == [None]


def test_a_start_far_out_is_refused():
    with pytest.raises(InputError, match="too far out") as info:
        race_one("sgd", start=(1e4, 1e4), surface=SURFACES["goldstein_price"], lr=0.1)
    assert info.value.field == "start"


# ---- noise


def test_gradient_noise_is_seeded_and_shared_by_every_run():
    params = [resolve("sgd", {"lr": 0.1})] * 2
    a = race(BOWL, (1, 1), ["sgd", "sgd"], params, 20, noise_std=0.5, seed=3)
    b = race(BOWL, (1, 1), ["sgd", "sgd"], params, 20, noise_std=0.5, seed=3)
    c = race(BOWL, (1, 1), ["sgd", "sgd"], params, 20, noise_std=0.5, seed=4)
    clean = race(BOWL, (1, 1), ["sgd", "sgd"], params, 20)
    assert np.array_equal(a.points, b.points)  # the same code, run twice
    assert np.array_equal(a.points[:, 0], a.points[:, 1])
    assert not np.allclose(a.points, c.points)
    assert not np.allclose(a.points, clean.points)
    noise = run_internals(a, 0)["grad"][0] - np.array(BOWL.grad(1.0, 1.0))
    assert_allclose(noise, 0.5 * np.random.default_rng(3).standard_normal((20, 2))[0])


# ---- hyper-parameters


def test_defaults_are_the_lecture_s():
    assert resolve("momentum", {"lr": 1})["rho"] == 0.9
    assert resolve("rmsprop", {"lr": 1}) == {"lr": 1, "decay": 0.99, "eps": 1e-7}
    assert resolve("adagrad", {"lr": 1})["eps"] == 1e-7
    assert resolve("adam", {"lr": 1}) == {"lr": 1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


@pytest.mark.parametrize(
    "name, params, message",
    [
        ("lbfgs", {"lr": 1}, "unknown optimiser 'lbfgs'"),
        ("sgd", {"lr": 0.0}, "lr must be > 0"),
        ("sgd", {"lr": -1.0}, "lr must be > 0"),
        ("sgd", {"lr": 1, "rho": 0.9}, "has no parameter 'rho'"),
        ("adam", {"lr": 1, "beta1": 1.0}, "beta1 must be"),
    ],
)
def test_bad_hyper_parameters_are_input_errors(name, params, message):
    with pytest.raises(InputError, match=message):
        resolve(name, params)


# ---- search


def test_grid_and_random_search_share_the_budget():
    result = search.grid_vs_random(
        SURFACES["rosenbrock"], (-1.2, 1), "momentum", (1e-5, 1e-2), None, (0.0, 0.99), 64, 50,
        seed=1, resolution=4,
    )  # fmt: skip
    assert result.second == "rho"
    assert result.grid_lr.size == result.random_lr.size == 64
    assert np.unique(result.grid_lr).size == 8
    assert np.unique(result.random_lr).size == 64
    assert result.grid_lr.min() == 1e-5 and result.grid_lr.max() == 1e-2
    assert np.all((result.random_lr >= 1e-5) & (result.random_lr <= 1e-2))
    assert result.race.points.shape == (51, 64 + 64 + 16, 2)
    # Each run is the same as racing it alone.
    alone = race_one(
        "momentum", steps=50, start=(-1.2, 1), surface=SURFACES["rosenbrock"],
        lr=float(result.random_lr[5]), rho=float(result.random_second[5]),
    )  # fmt: skip
    # arrays of runs against floats: a tolerance
    assert_allclose(result.race.points[:, 64 + 5], alone.points[:, 0], rtol=TWIN_RTOL)


def test_search_needs_a_second_parameter():
    with pytest.raises(InputError, match="no second parameter"):
        search.grid_vs_random(SURFACES["bowl"], (1, 1), "sgd", (1e-3, 1), None, None, 16, 10)


# ---- learning-rate schedules (torch.optim.lr_scheduler's StepLR and CosineAnnealingLR)


def test_step_schedule_halves_every_step_size():
    rates = lr_schedule([0.8, 0.1], 7, "step", step_size=3, gamma=0.5)
    assert_allclose(rates[:, 0], [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])
    assert_allclose(rates[:, 1], rates[:, 0] / 8)


def test_cosine_schedule_follows_the_closed_form():
    rates = lr_schedule([0.1], 101, "cosine", t_max=100, eta_min=0.001)[:, 0]
    i = np.arange(101)
    assert_allclose(rates, 0.001 + 0.099 * (1 + np.cos(np.pi * i / 100)) / 2, atol=1e-15)


@pytest.mark.parametrize(
    "schedule",
    [{"kind": "step", "step_size": 40, "gamma": 0.3}, {"kind": "cosine", "eta_min": 1e-4}],
)
def test_race_with_a_schedule_equals_the_pure_steps(schedule):
    surface = SURFACES["rosenbrock"]
    names = list(PARAMS)
    params = [resolve(n, PARAMS[n]) for n in names]
    result = race(surface, (-1.2, 1.0), names, params, 150, schedule=schedule)
    for r, name in enumerate(names):
        twin = reference(surface, (-1.2, 1.0), name, params[r], 150, schedule)
        n = result.length(r)
        assert_allclose(result.points[:n, r], twin[:n], rtol=TWIN_RTOL, err_msg=name)
    sgd = run_internals(result, 0)
    assert sgd["lr"][0] == 1e-3 and sgd["lr"][-1] < 1e-3
    assert_allclose(sgd["update"], -sgd["lr"][:, None] * sgd["grad"], rtol=1e-8)


def test_unknown_schedule():
    with pytest.raises(InputError, match="schedule must be one of"):
        lr_schedule([0.1], 10, "warmup")


# ---- property: the race is its naive twin for any hyper-parameters, floats or arrays


def replay(surface, result, r, schedule=None):
    """Each step of run r again, from the point and state the race recorded before it, by the
    rule on a (2,) array: the next point it gives, (n, 2). One step at a time, so a chaotic
    trajectory's growth of a 1-ulp difference cannot hide a wrong step."""
    optimizer = OPTIMIZERS[result.names[r]]
    params = result.params[r]
    hp = hyper(params)
    inside = run_internals(result, r)
    rates = lr_schedule(params["lr"], len(result.points) - 1, **(schedule or {}))[:, 0]
    x0 = result.points[0, r]
    state = optimizer.zero_state(x0)
    nexts = []
    with np.errstate(all="ignore"):
        for i in range(result.length(r) - 1):
            x = result.points[i, r]
            at = optimizer.gradient_point(x, state, hp)
            g = np.array(surface.grad(at[0], at[1]), dtype=np.float64)
            nexts.append(optimizer.rule(x, g, state, i + 1, float(rates[i]), hp)[0])
            state = {q.state: inside[q.name][i] for q in optimizer.shows if q.state}
    return np.array(nexts).reshape(-1, 2)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(OPTIMIZERS)),
    surface=st.sampled_from(sorted(SURFACES)),
    log_lr=st.floats(-5, 0),
    rho=st.floats(0, 0.999),
    beta1=st.floats(0, 0.999),
    decay=st.floats(0, 0.999),
    floats=st.booleans(),
)
def test_every_step_of_the_race_is_the_rule_s(name, surface, log_lr, rho, beta1, decay, floats):
    surface = SURFACES[surface]
    wanted = {"lr": 10**log_lr, "rho": rho, "beta1": beta1, "decay": decay}
    params = resolve(name, {k: v for k, v in wanted.items() if k in OPTIMIZERS[name].params})
    runs = ([name, "sgd"], [params, resolve("sgd", {"lr": 1e-3})])
    result = race(surface, surface.default_start, *runs, 40, floats=floats)
    n = result.length(0)
    # one step: a few ulps of the gradient's size at most
    assert_allclose(result.points[1:n, 0], replay(surface, result, 0), rtol=1e-12, atol=1e-12)


# ---- floats run by run for a race, arrays of runs for a search: the same rule, near-equal


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"noise_std": 2.0, "seed": 5},
        {"schedule": {"kind": "cosine"}},
        {"internals": False},
    ],
)
def test_floats_and_arrays_agree(surface, options):
    surface = SURFACES[surface]
    names = list(PARAMS) + ["sgd"]
    params = [resolve(n, PARAMS[n]) for n in PARAMS] + [resolve("sgd", {"lr": 5.0})]
    start = surface.default_start
    a = race(surface, start, names, params, 120, floats=False, **options)
    b = race(surface, start, names, params, 120, floats=True, **options)
    assert a.diverged_at == b.diverged_at
    for r in range(len(names)):
        n = a.length(r)
        assert_allclose(a.points[:n, r], b.points[:n, r], rtol=TWIN_RTOL, atol=1e-12)
        assert_allclose(a.losses[:n, r], b.losses[:n, r], rtol=TWIN_RTOL, atol=1e-12)
        if a.internals is not None:
            inside_a, inside_b = run_internals(a, r), run_internals(b, r)
            for key, value in inside_a.items():
                assert_allclose(value, inside_b[key], rtol=TWIN_RTOL, atol=1e-12, err_msg=key)


def test_zero_eps_and_a_zero_gradient_diverge_as_floats_and_as_arrays():
    # At the minimum with ε = 0, AdaGrad divides 0 by 0: NaN at step 1, reported, not raised.
    params = [resolve("adagrad", {"lr": 0.1, "eps": 0.0})]
    for floats in (True, False):
        run = race(BOWL, (0.0, 0.0), ["adagrad"], params, 5, floats=floats)
        assert run.diverged_at == [1]
