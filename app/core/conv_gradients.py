"""The backward pass of a convolution, written out term by term for the stepper.

For one input x (C, H, W), filters w (F, C, KH, KW) and the upstream gradient dy = dL/dY
(F, Ho, Wo), cross-correlation with stride s, padding p and dilation d:

    dL/dW[f, c, m, n] = Σ_i Σ_j xp[c, i·s + m·d, j·s + n·d] · dy[f, i, j]     (xp: x padded)
    dL/db[f]          = Σ_i Σ_j dy[f, i, j]
    dL/dX[c, r, q]    = Σ over every (f, i, j, m, n) whose window put w[f, c, m, n] on the
                        padded cell (r, q): w[f, c, m, n] · dy[f, i, j]

Padding cells receive gradient too, which is dropped. In "convolution" mode the kernel was
flipped before sliding, so the tap that read a cell is w[f, c, KH − 1 − m', KW − 1 − n'].
dL/dX is the transposed convolution of dy with the same filters (app.core.conv_transpose).
Each step's total is conv2d_backward's own value, so the trace and the gradients agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.conv import (
    conv2d_backward,
    conv2d_forward,
    output_length,
    pad_input,
    prepare,
    windows_of,
)
from app.core.errors import InputError, ShapeError
from app.i18n import N_, gettext


@dataclass
class BackwardTrace:
    weight_steps: list[dict]  # one per weight, in (filter, channel, row, column) order
    bias_steps: list[dict]  # one per filter
    input_steps: list[dict]  # one per padded input cell that receives a term, row-major
    grad_input: np.ndarray
    grad_weights: np.ndarray
    grad_bias: np.ndarray


# Losses whose upstream gradient the lesson computes from the forward output y (F, Ho, Wo):
# name -> (what the page says, L(y), dL/dY(y)).
LOSSES = {
    "half_sum_squares": (
        N_("L = ½ Σ y², so dL/dY = Y"),
        lambda y: 0.5 * float(np.sum(y * y)),
        np.copy,
    ),
    "sum": (N_("L = Σ y, so dL/dY = 1 everywhere"), lambda y: float(np.sum(y)), np.ones_like),
}


@dataclass
class BackwardLesson:
    grad_output: np.ndarray  # (F, Ho, Wo): the upstream gradient used, given or from the loss
    loss: float | None  # L, when the gradient came from a loss
    grad_input: np.ndarray  # (C, H, W)
    grad_weights: np.ndarray  # (F, C, KH, KW)
    grad_bias: np.ndarray  # (F,)
    trace: BackwardTrace | None


def conv2d_backward_lesson(x, w, b, dy, stride=1, padding=0, dilation=1,
                           mode="cross-correlation", trace=False,
                           max_trace_products=None, loss=None) -> BackwardLesson:  # fmt: skip
    """The gradients for one input x (C, H, W), and their trace if asked.

    dy is the upstream gradient (F, Ho, Wo), or None with loss (a key of LOSSES): then dy is
    that loss's gradient at the forward output.

    The trace lists F·C·KH·KW·H_out·W_out products for dL/dW and as many terms for dL/dX (one
    per product of the forward pass); more than max_trace_products is refused before computing.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ShapeError(
            gettext("input must be C×H×W, got {ndim} dimensions").format(ndim=x.ndim), "input"
        )
    _, _, kernel, _, (sh, sw), (ph, pw), (dh, dw_) = prepare(
        x, w, b, stride, padding, dilation, mode
    )
    C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    products = (
        F * C * KH * KW * output_length(H, KH, ph, sh, dh) * output_length(W, KW, pw, sw, dw_)
    )
    if trace and max_trace_products is not None and products > max_trace_products:
        raise InputError(
            gettext(
                "the backward trace would list {products:,} products "
                "(F·C·KH·KW·Ho·Wo) for dL/dW and as many for dL/dX; the stepper "
                "shows at most {max_trace_products:,}: use a smaller input or "
                "fewer filters, or set trace to false"
            ).format(products=products, max_trace_products=max_trace_products),
            "input",
        )
    if (dy is None) == (loss is None):
        raise InputError(
            gettext(
                "give the upstream gradient grad_output or a loss to take it "
                "from, not both or neither"
            ),
            "grad_output" if dy is None else "loss",
        )
    out, cache = conv2d_forward(x, w, b, stride, padding, dilation, mode)
    value = None
    if loss is not None:
        _, loss_of, gradient_of = LOSSES[loss]
        value, dy = loss_of(out), gradient_of(out)
    dy = np.asarray(dy, dtype=np.float64)
    if trace:
        steps = conv2d_backward_trace(x, w, dy, b, stride, padding, dilation, mode)
        dx, dw, db = steps.grad_input, steps.grad_weights, steps.grad_bias
        return BackwardLesson(dy, value, dx, dw, db, steps)
    dx, dw, db = conv2d_backward(dy, cache)
    return BackwardLesson(dy, value, np.asarray(dx), dw, db, None)


def conv2d_backward_trace(x, w, dy, b=None, stride=1, padding=0, dilation=1,
                          mode="cross-correlation") -> BackwardTrace:  # fmt: skip
    """Every term of dL/dW, dL/db and dL/dX for one C×H×W input (see the module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ShapeError(
            gettext("the step trace takes one C×H×W input, got {ndim} dimensions").format(
                ndim=x.ndim
            ),
            "input",
        )
    out, cache = conv2d_forward(x, w, b, stride, padding, dilation, mode)
    dx, dw, db = conv2d_backward(dy, cache)
    kernel = cache.kernel
    (sh, sw), (ph, pw), (dh, dw_) = cache.stride, cache.padding, cache.dilation
    dy = np.asarray(dy, dtype=np.float64)
    C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    Ho, Wo = out.shape[1:]
    flipped = mode == "convolution"
    windows = windows_of(pad_input(x[None], (ph, pw)), KH, KW, (sh, sw), (dh, dw_))[0]
    # products[f, c, i, j, oh, ow] = xp[c, oh·s + i·d, ow·s + j·d] · dy[f, oh, ow] (slid taps)
    products = np.einsum("chwij,fhw->fcijhw", windows, dy)
    rows = np.arange(Ho)[:, None] * sh
    cols = np.arange(Wo)[None, :] * sw

    def tap(i, j):  # the slid tap (i, j) is this entry of the given weights
        return (KH - 1 - i, KW - 1 - j) if flipped else (i, j)

    weight_steps = []
    for f in range(F):
        for c in range(C):
            for m in range(KH):
                for n in range(KW):
                    i, j = tap(m, n)  # flipping is its own inverse
                    r, q = np.broadcast_arrays(rows + i * dh, cols + j * dw_)
                    padding_cell = (r < ph) | (r >= ph + H) | (q < pw) | (q >= pw + W)
                    weight_steps.append({
                        "filter": f, "channel": c, "row": m, "col": n,
                        "weight": float(np.asarray(w)[f, c, m, n]),
                        "cells": np.stack([r, q], -1).reshape(-1, 2).tolist(),
                        "is_padding": padding_cell.ravel().tolist(),
                        "products": products[f, c, i, j].ravel().tolist(),
                        "total": float(dw[f, c, m, n]),
                    })  # fmt: skip
    bias_steps = [
        {"filter": f, "terms": dy[f].ravel().tolist(), "total": float(db[f])} for f in range(F)
    ]
    input_steps = input_cell_steps(kernel, dy, np.asarray(dx), (sh, sw), (ph, pw), (dh, dw_),
                                   (C, H, W), flipped)  # fmt: skip
    return BackwardTrace(weight_steps, bias_steps, input_steps, np.asarray(dx), dw, db)


def input_cell_steps(kernel, dy, dx, stride, padding, dilation, shape, flipped) -> list[dict]:
    """Per padded cell (channel, then row, then column), the terms w·dy that reach it."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    C, H, W = shape
    F, _, KH, KW = kernel.shape
    _, Ho, Wo = dy.shape
    f, c, i, j, oh, ow = np.meshgrid(
        np.arange(F), np.arange(C), np.arange(KH), np.arange(KW), np.arange(Ho), np.arange(Wo),
        indexing="ij",
    )  # fmt: skip
    f, c, i, j, oh, ow = (a.ravel() for a in (f, c, i, j, oh, ow))
    r, q = oh * sh + i * dh, ow * sw + j * dw
    weights = kernel[f, c, i, j]
    grads = dy[f, oh, ow]
    terms = weights * grads
    order = np.lexsort((ow, oh, f, q, r, c))  # by cell, then by the output that reached it
    keys = np.stack([c, r, q], 1)[order]
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
    ends = np.r_[starts[1:], len(order)]
    m, n = (KH - 1 - i, KW - 1 - j) if flipped else (i, j)
    columns = {
        "filter": f, "out_row": oh, "out_col": ow, "kernel_row": m, "kernel_col": n,
    }  # fmt: skip
    columns = {key: value[order] for key, value in columns.items()}
    columns.update(weight=weights[order], grad=grads[order], product=terms[order])
    steps = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        cc, rr, qq = (int(v) for v in keys[start])
        is_padding = rr < ph or rr >= ph + H or qq < pw or qq >= pw + W
        # a padding cell's gradient is summed here and dropped; the others are dx's own
        total = columns["product"][start:end].sum() if is_padding else dx[cc, rr - ph, qq - pw]
        steps.append({
            "channel": cc, "row": rr, "col": qq, "is_padding": is_padding,
            "terms": {key: value[start:end].tolist() for key, value in columns.items()},
            "total": float(total),
        })  # fmt: skip
    return steps
