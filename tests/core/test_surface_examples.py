"""The typed surfaces /optimizers offers as examples: each one parses, is drawn over a valid
domain, starts inside it, and reaches the page through its catalogue."""

import numpy as np
import pytest

from app.core.surfaces import EXAMPLES, SURFACES, custom_surface, sample_grid
from app.pages import optimizers_catalogue


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_each_example_is_a_working_surface(example):
    surface = custom_surface(example.expression, example.domain)
    (x0, x1), (y0, y1) = example.domain
    start = example.start or surface.default_start
    assert x0 <= start[0] <= x1 and y0 <= start[1] <= y1
    _, _, values = sample_grid(surface, 33)
    assert np.isfinite(values).any()
    with np.errstate(all="ignore"):
        assert np.isfinite(surface.f(*start))
        assert all(np.isfinite(g) for g in surface.grad(*start))


def test_the_written_out_rosenbrock_is_drawn_like_the_built_in_one():
    example = next(e for e in EXAMPLES if e.name == "rosenbrock")
    built_in = SURFACES["rosenbrock"]
    assert example.domain == built_in.domain
    assert example.start == built_in.default_start
    typed = custom_surface(example.expression, example.domain)
    _, _, ours = sample_grid(typed, 17)
    _, _, theirs = sample_grid(built_in, 17)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_one_example_shows_points_where_f_is_not_finite():
    counts = {}
    for e in EXAMPLES:
        _, _, values = sample_grid(custom_surface(e.expression, e.domain), 33)
        counts[e.name] = int((~np.isfinite(values)).sum())
    assert counts["log"] > 0
    assert sum(1 for c in counts.values() if c) == 1


def test_the_page_catalogue_serves_the_examples_and_the_grammar():
    custom = optimizers_catalogue()["custom"]
    assert [e["name"] for e in custom["examples"]] == [e.name for e in EXAMPLES]
    first = custom["examples"][0]
    assert first["expression"] == EXAMPLES[0].expression
    assert first["domain"] == [list(EXAMPLES[0].domain[0]), list(EXAMPLES[0].domain[1])]
    assert custom["max_length"] == 300
    assert "sigmoid" in custom["functions"] and custom["constants"] == ["pi", "e"]
