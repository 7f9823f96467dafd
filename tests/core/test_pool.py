"""Pooling against hand-worked cases, its naive loop twin and central differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from app.core.errors import InputError, ShapeError
from app.core.pool import (
    largest_output,
    pool2d_backward,
    pool2d_backward_naive,
    pool2d_forward,
    pool2d_lesson,
    pool2d_naive,
    pool2d_trace,
)

X44 = np.array(
    [
        [
            [1.0, 3.0, 2.0, 1.0],
            [4.0, 2.0, 0.0, 1.0],
            [5.0, 6.0, 1.0, 2.0],
            [0.0, 1.0, 3.0, 4.0],
        ]
    ]
)


def test_max_pool_2x2_by_hand():
    out, _ = pool2d_forward(X44, "max", 2)
    assert_array_equal(out, [[[4.0, 2.0], [6.0, 4.0]]])


def test_avg_pool_2x2_by_hand():
    out, _ = pool2d_forward(X44, "avg", 2)
    assert_allclose(out, [[[10 / 4, 4 / 4], [12 / 4, 10 / 4]]])


def test_avg_pool_counts_padding_in_the_divisor():
    x = np.ones((1, 2, 2))
    out, _ = pool2d_forward(x, "avg", 3, stride=1, padding=1)
    # Every 3×3 window over the zero-padded 4×4 holds four ones and five zeros.
    assert_allclose(out, np.full((1, 2, 2), 4 / 9))


def test_padding_never_wins_a_max():
    x = -np.ones((1, 2, 2))
    out, cache = pool2d_forward(x, "max", 3, stride=1, padding=1)
    assert_array_equal(out, -np.ones((1, 2, 2)))
    dx = pool2d_backward(np.ones((1, 2, 2)), cache)
    assert dx.sum() == 4.0  # every gradient reaches an input cell


def test_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array([[[7.0, 7.0], [7.0, 7.0]]])
    out, cache = pool2d_forward(x, "max", 2)
    assert_array_equal(pool2d_backward(np.array([[[5.0]]]), cache), [[[5.0, 0.0], [0.0, 0.0]]])
    step = pool2d_trace(x, "max", 2)[0]
    assert step["winner"] == 0 and step["winner_input"] == [0, 0] and step["ties"] == 4
    assert out[0, 0, 0] == 7.0


def test_max_backward_routes_to_the_winner_only():
    _, cache = pool2d_forward(X44, "max", 2)
    dx = pool2d_backward(np.array([[[1.0, 2.0], [3.0, 4.0]]]), cache)
    expected = np.zeros((1, 4, 4))
    expected[0, 1, 0], expected[0, 0, 2], expected[0, 2, 1], expected[0, 3, 3] = 1, 2, 3, 4
    assert_array_equal(dx, expected)


def test_avg_backward_shares_equally():
    _, cache = pool2d_forward(X44, "avg", 2)
    dx = pool2d_backward(np.array([[[4.0, 8.0], [12.0, 16.0]]]), cache)
    assert_array_equal(dx[0, :2, :2], np.ones((2, 2)))
    assert_array_equal(dx[0, 2:, 2:], np.full((2, 2), 4.0))


def test_overlapping_windows_add_their_gradients():
    x = np.array([[[0.0, 9.0, 0.0]]])
    _, cache = pool2d_forward(x, "max", (1, 2), stride=1)
    assert_array_equal(pool2d_backward(np.array([[[1.0, 2.0]]]), cache), [[[0.0, 3.0, 0.0]]])


def test_floor_output_size_and_default_stride():
    out, _ = pool2d_forward(np.zeros((2, 7, 5)), "max", 2)
    assert out.shape == (2, 3, 2)
    out, _ = pool2d_forward(np.zeros((2, 7, 5)), "avg", (3, 2), stride=(2, 1), padding=(1, 0))
    assert out.shape == (2, (7 + 2 - 3) // 2 + 1, 4)


def test_global_average_pooling():
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    out, _ = pool2d_forward(x, "avg", (3, 4))
    assert_allclose(out[:, 0, 0], x.mean(axis=(1, 2)))


def test_float32_stays_float32_and_batches_work():
    x = np.random.default_rng(0).standard_normal((3, 2, 6, 6)).astype(np.float32)
    out, cache = pool2d_forward(x, "max", 2)
    assert out.dtype == np.float32 and out.shape == (3, 2, 3, 3)
    assert pool2d_backward(np.ones_like(out), cache).dtype == np.float32
    out, _ = pool2d_forward(x, "avg", 3, stride=1, padding=1)
    assert out.dtype == np.float32 and out.shape == (3, 2, 6, 6)


def test_integers_are_pooled_as_floats():
    out, _ = pool2d_forward(np.arange(16).reshape(1, 4, 4), "avg", 2)
    assert out.dtype == np.float64
    assert_allclose(out, [[[2.5, 4.5], [10.5, 12.5]]])


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    H = draw(st.integers(max(1, kh - 2 * ph), 8))
    W = draw(st.integers(max(1, kw - 2 * pw), 8))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), H, W)
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    seed = draw(st.integers(0, 2**32 - 1))
    ties = draw(st.booleans())
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    dout_seed = draw(st.integers(0, 2**32 - 1))
    return x, (kh, kw), stride, (ph, pw), dout_seed


@settings(max_examples=60, deadline=None)
@given(pool_cases(), st.sampled_from(["max", "avg"]))
def test_fast_pooling_equals_the_naive_twin(case, mode):
    x, size, stride, padding, dout_seed = case
    out, cache = pool2d_forward(x, mode, size, stride, padding)
    assert_allclose(out, pool2d_naive(x, mode, size, stride, padding), rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(dout_seed).standard_normal(out.shape)
    assert_allclose(
        pool2d_backward(dout, cache),
        pool2d_backward_naive(dout, x, mode, size, stride, padding),
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(
    "size,stride,padding", [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0)), (3, 2, 1)]
)
def test_backward_matches_central_differences(mode, size, stride, padding):
    rng = np.random.default_rng(1)
    # Distinct values well apart: no ties, so max pooling is differentiable everywhere used.
    x = rng.permutation(2 * 5 * 6).reshape(2, 5, 6).astype(np.float64) * 0.1
    out, cache = pool2d_forward(x, mode, size, stride, padding)
    dout = rng.standard_normal(out.shape)
    dx = pool2d_backward(dout, cache)
    h = 1e-6
    numeric = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        f_plus = (pool2d_forward(plus, mode, size, stride, padding)[0] * dout).sum()
        f_minus = (pool2d_forward(minus, mode, size, stride, padding)[0] * dout).sum()
        numeric[index] = (f_plus - f_minus) / (2 * h)
    assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


def test_trace_of_an_average_step_lists_sum_and_divisor():
    steps = pool2d_trace(np.arange(16.0).reshape(1, 4, 4), "avg", 3, stride=1, padding=1)
    assert len(steps) == 16
    first = steps[0]
    assert first["top"] == 0 and first["left"] == 0
    assert first["is_padding"] == [True, True, True, True, False, False, True, False, False]
    assert first["values"] == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 4.0, 5.0]
    assert first["sum"] == 10.0 and first["divisor"] == 9
    assert first["value"] == pytest.approx(10 / 9)
    assert "winner" not in first


def test_trace_of_a_max_step_names_the_winner():
    steps = pool2d_trace(X44, "max", 2)
    assert [s["value"] for s in steps] == [4.0, 2.0, 6.0, 4.0]
    assert steps[2]["winner"] == 1 and steps[2]["winner_cell"] == [2, 1]
    assert steps[2]["winner_input"] == [2, 1] and steps[2]["ties"] == 1
    assert [(s["channel"], s["row"], s["col"]) for s in steps] == [
        (0, 0, 0),
        (0, 0, 1),
        (0, 1, 0),
        (0, 1, 1),
    ]


@pytest.mark.parametrize(
    "kwargs,error,field",
    [
        ({"mode": "min"}, InputError, "mode"),
        ({"size": 0}, InputError, "size"),
        ({"size": 5}, ShapeError, "size"),
        ({"size": (2, 5)}, ShapeError, "size"),
        ({"stride": 0}, InputError, "stride"),
        ({"padding": -1}, InputError, "padding"),
        ({"size": 3, "padding": 2}, InputError, "padding"),
        ({"size": "big"}, InputError, "size"),
    ],
)
def test_bad_parameters_name_their_field(kwargs, error, field):
    args = {"mode": "max", "size": 2, "stride": None, "padding": 0, **kwargs}
    with pytest.raises(error) as info:
        pool2d_forward(np.zeros((1, 4, 4)), **args)
    assert info.value.field == field


def test_padding_error_says_the_limit():
    with pytest.raises(InputError, match="at most 1"):
        pool2d_forward(np.zeros((1, 4, 4)), "max", 3, padding=2)


def test_bad_shapes():
    with pytest.raises(ShapeError) as info:
        pool2d_forward(np.zeros((4, 4)), "max", 2)
    assert info.value.field == "input"
    with pytest.raises(ShapeError):
        pool2d_forward(np.zeros((1, 0, 4)), "max", 1)
    _, cache = pool2d_forward(np.zeros((1, 4, 4)), "max", 2)
    with pytest.raises(ShapeError) as info:
        pool2d_backward(np.zeros((1, 3, 2)), cache)
    assert info.value.field == "grad_output" and "1×2×2" in info.value.message


def test_global_pooling_is_one_window_per_channel():
    x = np.arange(2 * 3 * 5, dtype=np.float64).reshape(2, 3, 5)
    out, cache = pool2d_forward(x, "max", size=2, stride=1, padding=1, global_pool=True)
    assert cache.kernel == (3, 5) and cache.stride == (3, 5) and cache.padding == (0, 0)
    assert_array_equal(out[:, 0, 0], x.max(axis=(1, 2)))


def test_lesson_gives_the_window_used_sizes_and_steps():
    lesson = pool2d_lesson(X44, "avg", 3, 2, 1)
    assert (lesson.kernel, lesson.stride, lesson.padding) == ((3, 3), (2, 2), (1, 1))
    assert lesson.padded_shape == (1, 6, 6) and lesson.output.shape == (1, 2, 2)
    assert lesson.sizes["width"]["formula"] == "(4 + 2·1 − 3) / 2 + 1 = 3/2 + 1 = 2.5 → floor → 2"
    assert lesson.sizes["width"]["output"] == 2
    assert len(lesson.steps) == 4
    default = pool2d_lesson(X44, "max")
    assert default.kernel == (2, 2) and default.stride == (2, 2)
    assert pool2d_lesson(X44, "max", global_pool=True).output.shape == (1, 1, 1)


def test_lesson_refuses_a_trace_over_the_limit():
    # 4 outputs × 2×2 windows = 16 values.
    with pytest.raises(InputError, match="would list 16 window values") as info:
        pool2d_lesson(X44, "max", 2, max_trace_values=15)
    assert info.value.field == "input"
    assert pool2d_lesson(X44, "max", 2, trace=False, max_trace_values=1).steps is None


def test_largest_output():
    assert largest_output(32) == 33  # window 2, padding 1, stride 1
    assert largest_output(1) == 1
