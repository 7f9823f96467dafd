"""The backward pass written out: each step's terms add up to conv2d_backward's value, cells
and taps are the forward's, and a tiny case by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import conv
from app.core.conv_gradients import conv2d_backward_trace


@pytest.mark.parametrize("mode", ["cross-correlation", "convolution"])
@pytest.mark.parametrize(
    "stride, padding, dilation", [(1, 0, 1), (2, 1, 1), ((1, 2), (2, 0), (2, 1))]
)
def test_every_step_adds_up_to_the_gradient(mode, stride, padding, dilation):
    rng = np.random.default_rng(7)
    x, w, b = (
        rng.standard_normal((2, 6, 5)),
        rng.standard_normal((3, 2, 3, 2)),
        rng.standard_normal(3),
    )
    out, cache = conv.conv2d_forward(x, w, b, stride, padding, dilation, mode)
    dy = rng.standard_normal(out.shape)
    dx, dw, db = conv.conv2d_backward(dy, cache)
    trace = conv2d_backward_trace(x, w, dy, b, stride, padding, dilation, mode)
    assert len(trace.weight_steps) == w.size and len(trace.bias_steps) == 3
    for step in trace.weight_steps:
        f, c, m, n = step["filter"], step["channel"], step["row"], step["col"]
        assert step["total"] == dw[f, c, m, n]  # the backward's own value
        assert_allclose(sum(step["products"]), step["total"], rtol=1e-12, atol=1e-12)
        assert step["weight"] == w[f, c, m, n]
    for step in trace.bias_steps:
        assert step["total"] == db[step["filter"]]
        assert_allclose(sum(step["terms"]), step["total"], rtol=1e-12, atol=1e-12)
    ph, pw = conv.as_pair(padding, "padding")
    seen = np.zeros(x.shape, dtype=bool)
    for step in trace.input_steps:
        terms = step["terms"]
        assert_allclose(sum(terms["product"]), step["total"], rtol=1e-12, atol=1e-12)
        if not step["is_padding"]:
            c, r, q = step["channel"], step["row"] - ph, step["col"] - pw
            assert step["total"] == dx[c, r, q]
            seen[c, r, q] = True
        for f, m, n, weight in zip(terms["filter"], terms["kernel_row"], terms["kernel_col"],
                                   terms["weight"], strict=True):  # fmt: skip
            assert weight == w[f, step["channel"], m, n]
    # every input cell a window reached has a step; the others get no gradient
    reached = np.abs(dx) > 0
    assert np.all(seen[reached])
    terms = sum(len(s["terms"]["product"]) for s in trace.input_steps)
    assert terms == w.size * out.shape[1] * out.shape[2]  # one per forward product


def test_a_tiny_case_by_hand():
    # x 1×3×3, one 2×2 filter, stride 1: dW[m, n] = Σ_ij x[i + m, j + n]·dy[i, j]
    x = np.arange(9.0).reshape(1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    dy = np.array([[[1.0, 0.0], [0.0, 2.0]]])
    trace = conv2d_backward_trace(x, w, dy)
    first = trace.weight_steps[0]  # w[0, 0, 0, 0] reads x[0:2, 0:2]
    assert first["cells"] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert first["products"] == [0.0, 0.0, 0.0, 8.0] and first["total"] == 8.0
    centre = next(s for s in trace.input_steps if (s["row"], s["col"]) == (1, 1))
    assert centre["terms"]["product"] == [1.0, 0.0, 0.0, 2.0]  # every window covers the centre
    assert centre["total"] == 3.0


def test_padding_cells_receive_gradient_that_is_dropped():
    x, w = np.ones((1, 2, 2)), np.ones((1, 1, 3, 3))
    dy = np.ones((1, 2, 2))
    trace = conv2d_backward_trace(x, w, dy, None, 1, 1)
    corner = next(s for s in trace.input_steps if (s["row"], s["col"]) == (0, 0))
    assert corner["is_padding"] and corner["total"] == 1.0  # computed, not passed back
    assert np.all(trace.grad_input == 4.0)
