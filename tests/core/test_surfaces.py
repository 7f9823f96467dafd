"""Surfaces: analytic gradients against float64 central differences, minima, broadcasting."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.errors import InputError
from app.core.surfaces import SURFACES, get_surface, sample_grid

NAMES = sorted(SURFACES)


def test_the_issue_s_surfaces_are_all_there():
    expected = {
        "bowl", "rosenbrock", "beale", "himmelblau", "booth", "saddle", "monkey_saddle",
        "rastrigin", "ackley", "six_hump_camel", "styblinski_tang", "goldstein_price",
    }  # fmt: skip
    assert expected <= set(SURFACES)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    surface = SURFACES[name]
    (x0, x1), (y0, y1) = surface.domain
    rng = np.random.default_rng(0)
    x = rng.uniform(x0, x1, 200)
    y = rng.uniform(y0, y1, 200)
    h = 1e-6
    dx, dy = surface.grad(x, y)
    num_dx = (surface.f(x + h, y) - surface.f(x - h, y)) / (2 * h)
    num_dy = (surface.f(x, y + h) - surface.f(x, y - h)) / (2 * h)
    # Relative to the gradient's scale (Goldstein-Price reaches 10⁶) with a floor near zero.
    scale = 1.0 + np.abs(num_dx) + np.abs(num_dy)
    assert np.max(np.abs(dx - num_dx) / scale) < 1e-6
    assert np.max(np.abs(dy - num_dy) / scale) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_stationary_with_the_stated_value(name):
    surface = SURFACES[name]
    for x, y in surface.minima:
        assert_allclose(surface.f(x, y), surface.f_min, atol=1e-9)
        assert_allclose(surface.grad(x, y), (0.0, 0.0), atol=1e-6)
    if surface.f_min is not None:
        _, _, values = sample_grid(surface, 101)
        assert values.min() >= surface.f_min - 1e-9


@pytest.mark.parametrize("name", NAMES)
def test_f_and_grad_broadcast_over_a_meshgrid(name):
    surface = SURFACES[name]
    gx, gy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3))
    values = surface.f(gx, gy)
    dx, dy = surface.grad(gx, gy)
    assert values.shape == dx.shape == dy.shape == (3, 5)
    assert_allclose(values[1, 2], surface.f(gx[1, 2], gy[1, 2]))
    assert_allclose((dx[2, 4], dy[2, 4]), surface.grad(gx[2, 4], gy[2, 4]))
    start = surface.default_start
    (x0, x1), (y0, y1) = surface.domain
    assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1


def test_known_values():
    assert SURFACES["rosenbrock"].f(-1.2, 1.0) == pytest.approx(24.2)
    assert SURFACES["goldstein_price"].f(0.0, -1.0) == pytest.approx(3.0)
    assert SURFACES["beale"].f(3.0, 0.5) == pytest.approx(0.0)
    assert SURFACES["ackley"].grad(0.0, 0.0) == (0.0, 0.0)


def test_grid_rows_run_along_y():
    xs, ys, values = sample_grid(SURFACES["saddle"], 3)
    assert_allclose(xs, [-2, 0, 2])
    assert_allclose(values[0], [4 - 4, 0 - 4, 4 - 4])  # first row: y = -2


def test_unknown_surface_names_the_choices():
    with pytest.raises(InputError, match="rosenbrock") as info:
        get_surface("banana")
    assert info.value.field == "surface"
