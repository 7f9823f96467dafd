"""conv2d core: fast path vs the naive twin, the CS231n demo by hand, gradients, trace, sizes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from app.core.conv import (
    conv2d_backward,
    conv2d_forward,
    conv2d_lesson,
    conv2d_naive,
    conv2d_trace,
    output_length,
    size_report,
)
from app.core.errors import InputError, ShapeError


@st.composite
def conv_cases(draw):
    N = draw(st.integers(1, 2))
    C = draw(st.integers(1, 3))
    F = draw(st.integers(1, 3))
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H = draw(st.integers(max(1, dh * (KH - 1) + 1 - 2 * ph), 10))
    W = draw(st.integers(max(1, dw * (KW - 1) + 1 - 2 * pw), 10))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, KH, KW))
    b = rng.standard_normal(F)
    mode = draw(st.sampled_from(["cross-correlation", "convolution"]))
    return x, w, b, (sh, sw), (ph, pw), (dh, dw), mode


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_fast_path_equals_naive_twin(case):
    x, w, b, stride, padding, dilation, mode = case
    out, _ = conv2d_forward(x, w, b, stride, padding, dilation, mode)
    expected = conv2d_naive(x, w, b, stride, padding, dilation, mode)
    assert out.shape == expected.shape
    assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_float32_stays_float32(case):
    x, w, b, stride, padding, dilation, mode = case
    out, _ = conv2d_forward(
        x.astype(np.float32),
        w.astype(np.float32),
        b.astype(np.float32),
        stride,
        padding,
        dilation,
        mode,
    )
    assert out.dtype == np.float32
    expected = conv2d_naive(x, w, b, stride, padding, dilation, mode)
    assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


# The CS231n demo's layout: 5×5×3 input, padding 1, two 3×3×3 filters, stride 2 -> 3×3×2.
DEMO_X = np.array(
    [
        [[2, 1, 0, 2, 1], [0, 1, 1, 0, 2], [1, 2, 2, 1, 0], [0, 0, 1, 2, 2], [2, 1, 0, 0, 1]],
        [[1, 0, 2, 2, 0], [2, 1, 1, 0, 1], [0, 2, 0, 1, 2], [1, 1, 2, 0, 0], [0, 2, 1, 1, 2]],
        [[0, 2, 1, 1, 2], [1, 0, 0, 2, 1], [2, 1, 1, 0, 0], [0, 2, 2, 1, 1], [1, 0, 1, 2, 0]],
    ],
    dtype=float,
)
DEMO_W = np.array(
    [
        [
            [[1, 0, -1], [0, 1, 0], [-1, 0, 1]],
            [[0, 1, 0], [1, -1, 1], [0, 1, 0]],
            [[-1, -1, 0], [0, 0, 0], [0, 1, 1]],
        ],
        [
            [[0, 1, 1], [-1, 0, 1], [0, -1, 0]],
            [[1, 0, 0], [0, 0, 0], [0, 0, -1]],
            [[1, 1, 1], [0, -1, 0], [-1, 0, 1]],
        ],
    ],
    dtype=float,
)
DEMO_B = np.array([1.0, 0.0])


def test_cs231n_demo_first_cell_by_hand():
    out, _ = conv2d_forward(DEMO_X, DEMO_W, DEMO_B, stride=2, padding=1)
    assert out.shape == (2, 3, 3)
    # Output (0, 0, 0): the window is padded rows/cols 0..2, i.e. input rows/cols 0..1 at the
    # lower right of the 3×3 kernel; the rest is zero padding.
    # channel 0: w[1][1]=1·x[0][0]=2 + w[1][2]=0·1 + w[2][1]=0·0 + w[2][2]=1·x[1][1]=1 -> 3
    # channel 1: w[1][1]=-1·1 + w[1][2]=1·0 + w[2][1]=1·2 + w[2][2]=0·1 -> 1
    # channel 2: w[1][1]=0·0 + w[1][2]=0·2 + w[2][1]=1·1 + w[2][2]=1·0 -> 1
    assert out[0, 0, 0] == 3 + 1 + 1 + 1  # plus bias b0 = 1
    # Output (1, 2, 2): window padded rows/cols 4..6 = input rows/cols 3..4 at the top left,
    # straight from the definition:
    manual = DEMO_B[1]
    for c in range(3):
        for i in range(3):
            for j in range(3):
                r, s = 4 + i - 1, 4 + j - 1
                if 0 <= r < 5 and 0 <= s < 5:
                    manual += DEMO_X[c, r, s] * DEMO_W[1, c, i, j]
    assert out[1, 2, 2] == manual


def test_single_channel_by_hand_and_convolution_flips():
    x = np.arange(1, 10, dtype=float).reshape(1, 3, 3)
    w = np.array([[[[1, 2], [3, 4]]]], dtype=float)
    out, _ = conv2d_forward(x, w)
    # [1 2; 4 5]·[1 2; 3 4] = 1 + 4 + 12 + 20 = 37, and so on.
    assert_allclose(out[0], [[37, 47], [67, 77]])
    flipped, _ = conv2d_forward(x, w, mode="convolution")
    # Kernel flipped to [4 3; 2 1]: 4 + 6 + 8 + 5 = 23.
    assert_allclose(flipped[0], [[23, 33], [53, 63]])


def test_output_size_is_floored_like_pytorch():
    x = np.zeros((1, 7, 7))
    w = np.zeros((1, 1, 3, 3))
    out, _ = conv2d_forward(x, w, stride=3)
    assert out.shape == (1, 2, 2)  # (7 - 3)/3 + 1 = 2.33 -> 2
    assert output_length(7, 3, 0, 3, 1) == 2


def numerical_gradient(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    it = np.nditer(array, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = array[idx]
        array[idx] = old + eps
        plus = f()
        array[idx] = old - eps
        minus = f()
        array[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize(
    "stride,padding,dilation,mode",
    [
        (1, 0, 1, "cross-correlation"),
        (2, 1, 1, "cross-correlation"),
        ((1, 2), (2, 0), (2, 1), "cross-correlation"),
        (2, 1, 1, "convolution"),
        (3, 2, 2, "convolution"),
    ],
)
def test_backward_matches_central_differences(stride, padding, dilation, mode):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 2, 7, 6))
    w = rng.standard_normal((3, 2, 3, 2))
    b = rng.standard_normal(3)
    out, cache = conv2d_forward(x, w, b, stride, padding, dilation, mode)
    dout = rng.standard_normal(out.shape)

    def loss():
        return float(np.sum(conv2d_forward(x, w, b, stride, padding, dilation, mode)[0] * dout))

    dx, dw, db = conv2d_backward(dout, cache)
    assert_allclose(dx, numerical_gradient(loss, x), rtol=1e-6, atol=1e-7)
    assert_allclose(dw, numerical_gradient(loss, w), rtol=1e-6, atol=1e-7)
    assert_allclose(db, numerical_gradient(loss, b), rtol=1e-6, atol=1e-7)


def test_backward_unbatched_shapes_and_bad_grad_shape():
    x = np.ones((2, 4, 4))
    w = np.ones((3, 2, 3, 3))
    out, cache = conv2d_forward(x, w, padding=1)
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (3,)
    with pytest.raises(ShapeError, match="grad_output must have the output's shape 3×4×4"):
        conv2d_backward(np.ones((3, 2, 2)), cache)


def test_trace_lists_every_cell_in_order_with_products():
    out, _ = conv2d_forward(DEMO_X, DEMO_W, DEMO_B, 2, 1)
    steps = conv2d_trace(DEMO_X, DEMO_W, DEMO_B, 2, 1)
    assert len(steps) == 2 * 3 * 3
    assert [(s["filter"], s["row"], s["col"]) for s in steps[:4]] == [
        (0, 0, 0),
        (0, 0, 1),
        (0, 0, 2),
        (0, 1, 0),
    ]
    first = steps[0]
    assert first["top"] == 0 and first["left"] == 0
    assert first["cells"][0] == [0, 0] and first["cells"][-1] == [2, 2]
    assert first["is_padding"] == [True, True, True, True, False, False, True, False, False]
    assert first["channel_sums"] == [3.0, 1.0, 1.0]
    assert first["value"] == out[0, 0, 0]
    for step in steps:
        products = np.array(step["products"])
        assert_allclose(products.sum(axis=(1, 2)), step["channel_sums"])
        assert_allclose(sum(step["channel_sums"]) + step["bias"], step["value"])
        assert_allclose(step["value"], out[step["filter"], step["row"], step["col"]])


def test_trace_includes_dilation_and_flipped_kernel():
    x = np.arange(25, dtype=float).reshape(1, 5, 5)
    w = np.array([[[[1, 0], [0, 2]]]], dtype=float)
    steps = conv2d_trace(x, w, None, stride=1, padding=0, dilation=2, mode="convolution")
    assert steps[0]["cells"] == [[0, 0], [0, 2], [2, 0], [2, 2]]
    # Flipped kernel [[2, 0], [0, 1]]: 2·x[0,0] + 1·x[2,2] = 0 + 12.
    assert steps[0]["value"] == 12


def test_size_report_explains_leftovers_and_fits():
    report = size_report(7, 3, 0, 3, 1, "width")
    assert report["output"] == 2
    assert not report["exact"]
    assert report["leftover"] == 1
    assert report["unvisited"] == [6]
    assert "floor" in report["formula"]
    assert report["fitting_strides"] == [1, 2, 4]
    assert report["fitting_paddings"] == [1]  # (7 + 2·1 - 3) / 3 = 2 exactly
    exact = size_report(5, 3, 1, 2, 1, "height")
    assert exact["exact"] and exact["output"] == 3 and exact["unvisited"] == []


def test_size_report_dilation_gaps():
    # A 2-tap kernel with dilation 2 and stride 2 only ever touches even rows.
    report = size_report(6, 2, 0, 2, 2, "height")
    assert report["output"] == 2
    assert report["unvisited"] == [1, 3, 5]


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        (
            {"w": np.ones((1, 2, 3, 3))},
            ShapeError,
            "filter depth 2 does not match the 3 input channels",
        ),
        (
            {"w": np.ones((1, 3, 9, 3))},
            ShapeError,
            "spans 9 cells, more than the padded input height",
        ),
        ({"stride": 0}, InputError, "stride must be at least 1"),
        ({"dilation": (1, 0)}, InputError, "dilation must be at least 1"),
        ({"padding": -1}, InputError, "padding must be 0 or more"),
        ({"mode": "fft"}, InputError, "mode must be one of"),
        ({"b": np.ones(3)}, ShapeError, "bias has 3 values"),
        ({"stride": "2"}, InputError, "stride must be an integer or a pair"),
    ],
)
def test_validation_messages(kwargs, error, message):
    args = {"x": np.ones((3, 5, 5)), "w": np.ones((1, 3, 3, 3)), "b": None}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        conv2d_forward(**args)


def test_lesson_gives_output_grid_sizes_and_steps():
    lesson = conv2d_lesson(DEMO_X, DEMO_W, DEMO_B, 2, 1)
    out, _ = conv2d_forward(DEMO_X, DEMO_W, DEMO_B, 2, 1)
    assert_array_equal(lesson.output, out)  # the same code: the lesson runs conv2d_forward
    assert lesson.padded_shape == (3, 7, 7)
    assert lesson.sizes["height"] == size_report(5, 3, 1, 2, 1, "height")
    assert len(lesson.steps) == 2 * 3 * 3
    assert conv2d_lesson(DEMO_X, DEMO_W, DEMO_B, 2, 1, trace=False).steps is None


def test_lesson_refuses_a_trace_over_the_limit_before_computing():
    # 2 filters × 3×3 outputs × 3 channels × 3×3 taps = 486 products.
    with pytest.raises(InputError, match="would list 486 products") as info:
        conv2d_lesson(DEMO_X, DEMO_W, DEMO_B, 2, 1, max_trace_products=485)
    assert info.value.field == "input"
    assert conv2d_lesson(DEMO_X, DEMO_W, DEMO_B, 2, 1, max_trace_products=486).steps
    assert (
        conv2d_lesson(DEMO_X, DEMO_W, DEMO_B, 2, 1, trace=False, max_trace_products=1).steps is None
    )
