"""Transposed convolution, as torch.nn.functional.conv_transpose2d computes it, in two views.

x (C, H, W); w (C, F, KH, KW), PyTorch's transposed layout (input channels first); b (F,).

    H_out = (H − 1)·sh − 2·ph + dh·(KH − 1) + oh + 1      (likewise W_out)

Scatter: each input cell x[c, i, j] stamps x[c, i, j]·w[c, f] into a full output at rows
i·sh + m·dh and columns j·sw + n·dw, stamps summing where they overlap; the full output is then
cropped by the padding (ph rows top and bottom), and the output padding adds oh rows at the
bottom (zeros beyond the full output).

Direct: the same numbers as an ordinary stride-1 convolution of the zero-stuffed input
(sh − 1 zeros between rows, sw − 1 between columns), bordered by dh·(KH − 1) − ph zeros (a
negative border crops), plus oh extra rows at the bottom, with the kernel flipped and its two
channel axes swapped, as Dumoulin and Visin's conv_arithmetic guide draws it.

It is also the backward of conv2d with respect to its input: dL/dX = conv_transpose2d(dL/dY, W).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from app.core.conv import as_pair, conv2d_forward, conv2d_trace
from app.core.errors import InputError, ShapeError


class TransposeParams(NamedTuple):
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]


def check_params(stride=1, padding=0, output_padding=0, dilation=1) -> TransposeParams:
    """Pairs, checked as torch checks them: output padding smaller than stride or dilation."""
    s, p, o, d = (as_pair(v, n) for v, n in (
        (stride, "stride"), (padding, "padding"),
        (output_padding, "output_padding"), (dilation, "dilation"),
    ))  # fmt: skip
    if min(s) < 1:
        raise InputError(f"stride must be at least 1, got {list(s)}", "stride")
    if min(d) < 1:
        raise InputError(f"dilation must be at least 1, got {list(d)}", "dilation")
    if min(p) < 0:
        raise InputError(f"padding must be 0 or more, got {list(p)}", "padding")
    if min(o) < 0:
        raise InputError(f"output_padding must be 0 or more, got {list(o)}", "output_padding")
    for axis, k in ((0, "height"), (1, "width")):
        if o[axis] >= s[axis] and o[axis] >= d[axis]:
            raise InputError(
                f"output_padding ({o[axis]}) must be smaller than the stride ({s[axis]}) or the "
                f"dilation ({d[axis]}) along the {k}: it only chooses between output sizes that "
                "the same input could come from",
                "output_padding",
            )
    return TransposeParams(s, p, o, d)


def output_length(size: int, kernel: int, pad: int, stride: int, dilation: int, extra: int):
    """(size − 1)·stride − 2·pad + dilation·(kernel − 1) + extra + 1, as torch computes it."""
    return (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + extra + 1


def size_report(size, kernel, pad, stride, dilation, extra, axis: str) -> dict:
    """The output-size formula along one axis, with the numbers."""
    out = output_length(size, kernel, pad, stride, dilation, extra)
    return {
        "axis": axis,
        "input": size,
        "kernel": kernel,
        "padding": pad,
        "stride": stride,
        "dilation": dilation,
        "output_padding": extra,
        "full": (size - 1) * stride + dilation * (kernel - 1) + 1,
        "output": out,
        "formula": (
            f"({size} − 1)·{stride} − 2·{pad} + {dilation}·({kernel} − 1) + {extra} + 1 = {out}"
        ),
    }


def check_shapes(x, w, b, params: TransposeParams) -> tuple[int, int]:
    """The output size (H_out, W_out), or a ShapeError naming what does not fit."""
    if x.ndim != 3:
        raise ShapeError(f"input must be C×H×W, got {x.ndim} dimensions", "input")
    if w.ndim != 4:
        raise ShapeError(f"weights must be C×F×KH×KW, got {w.ndim} dimensions", "weights")
    C, H, W = x.shape
    if w.shape[0] != C:
        raise ShapeError(
            f"the weights' first dimension ({w.shape[0]}) must equal the input's {C} "
            f"channel{'s' if C != 1 else ''}: "
            "a transposed convolution's weights are C_in×F×KH×KW",
            "weights",
        )
    F = w.shape[1]
    if b is not None and b.shape != (F,):
        raise ShapeError(f"bias must have one value per filter ({F}), got {b.shape[0]}", "bias")
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = params
    Ho = output_length(H, w.shape[2], ph, sh, dh, oh)
    Wo = output_length(W, w.shape[3], pw, sw, dw, ow)
    if Ho < 1 or Wo < 1:
        raise ShapeError(
            f"the output would be {Ho}×{Wo}: the padding crops more than the full output; use "
            "less padding",
            "padding",
        )
    return Ho, Wo


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The output (F, H_out, W_out): one matrix product per kernel tap, stamped by slicing."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, b, params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = params.stride, params.padding, params.dilation
    rows, cols = ph + Ho, pw + Wo  # the full output, extended by the output padding
    full = np.zeros((F, max(rows, (H - 1) * sh + dh * (KH - 1) + 1),
                     max(cols, (W - 1) * sw + dw * (KW - 1) + 1)))  # fmt: skip
    flat = x.reshape(C, H * W)
    for m in range(KH):
        for n in range(KW):
            stamp = (w[:, :, m, n].T @ flat).reshape(F, H, W)
            full[:, m * dh : m * dh + (H - 1) * sh + 1 : sh,
                 n * dw : n * dw + (W - 1) * sw + 1 : sw] += stamp  # fmt: skip
    out = full[:, ph : ph + Ho, pw : pw + Wo]
    if b is not None:
        out = out + b[:, None, None]
    return np.ascontiguousarray(out)


def conv_transpose2d_naive(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The scatter, one product at a time: the fast path's twin."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, None if b is None else np.asarray(b), params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = params.stride, params.padding, params.dilation
    out = np.zeros((F, Ho, Wo))
    for c in range(C):
        for i in range(H):
            for j in range(W):
                for f in range(F):
                    for m in range(KH):
                        for n in range(KW):
                            r, q = i * sh + m * dh - ph, j * sw + n * dw - pw
                            if 0 <= r < Ho and 0 <= q < Wo:
                                out[f, r, q] += x[c, i, j] * w[c, f, m, n]
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[:, None, None]
    return out


@dataclass(frozen=True)
class DirectForm:
    """The equivalent direct convolution: its input, kernel and how they were made."""

    input: np.ndarray  # (C, rows, cols): zero-stuffed, bordered (or cropped), output-padded
    weights: np.ndarray  # (F, C, KH, KW): flipped, channel axes swapped
    is_input: np.ndarray  # (rows, cols) bool: the cell holds an input value (not a zero)
    source: np.ndarray  # (rows, cols, 2) int: the input cell [i, j] it holds, or -1
    border: tuple[int, int]  # d·(k − 1) − p per axis (negative: cropped)
    dilation: tuple[int, int]


def reframe(a: np.ndarray, axis: int, before: int, after: int, fill) -> np.ndarray:
    """Add `before` and `after` cells of `fill` along an axis; a negative count removes cells."""
    length = a.shape[axis]
    keep = slice(max(-before, 0), length - max(-after, 0))
    a = a[(slice(None),) * axis + (keep,)]
    pads = [(0, 0)] * a.ndim
    pads[axis] = (max(before, 0), max(after, 0))
    return np.pad(a, pads, constant_values=fill)


def direct_form(x, w, stride=1, padding=0, output_padding=0, dilation=1) -> DirectForm:
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    check_shapes(x, w, None, params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = params
    stuffed_h, stuffed_w = (H - 1) * sh + 1, (W - 1) * sw + 1
    stuffed = np.zeros((C, stuffed_h, stuffed_w))
    stuffed[:, ::sh, ::sw] = x
    source = np.full((stuffed_h, stuffed_w, 2), -1)
    ii, jj = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    source[::sh, ::sw, 0], source[::sh, ::sw, 1] = ii, jj
    bh, bw = dh * (KH - 1) - ph, dw * (KW - 1) - pw
    # left border B = d·(k − 1) − p, right border B + output padding (negative: crop)
    padded = reframe(reframe(stuffed, 1, bh, bh + oh, 0.0), 2, bw, bw + ow, 0.0)
    where = reframe(reframe(source, 0, bh, bh + oh, -1), 1, bw, bw + ow, -1)
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return DirectForm(padded, flipped, where[..., 0] >= 0, where, (bh, bw), (dh, dw))


def conv_transpose2d_direct(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The output computed as the direct convolution of the zero-stuffed input."""
    form = direct_form(x, w, stride, padding, output_padding, dilation)
    out, _ = conv2d_forward(form.input, form.weights, b, 1, 0, form.dilation)
    return out


def scatter_trace(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1) -> list[dict]:
    """One step per input cell (channel, then row, then column): its value, and for each filter
    and kernel tap the output cell it adds to and the product; a cell the padding crops is
    marked (its product is computed and dropped)."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, None if b is None else np.asarray(b), params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = params.stride, params.padding, params.dilation
    m, n = np.meshgrid(np.arange(KH), np.arange(KW), indexing="ij")
    steps = []
    for c in range(C):
        for i in range(H):
            for j in range(W):
                rows, cols = i * sh + m * dh - ph, j * sw + n * dw - pw
                inside = (rows >= 0) & (rows < Ho) & (cols >= 0) & (cols < Wo)
                steps.append({
                    "channel": c, "row": i, "col": j, "value": float(x[c, i, j]),
                    "targets": np.stack([rows, cols], -1).reshape(-1, 2).tolist(),
                    "cropped": (~inside).ravel().tolist(),
                    "products": (x[c, i, j] * w[c]).reshape(F, -1).tolist(),
                })  # fmt: skip
    return steps


def direct_trace(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1) -> list[dict]:
    """The direct view's steps: conv2d's trace over the stuffed input with the flipped kernel."""
    form = direct_form(x, w, stride, padding, output_padding, dilation)
    return conv2d_trace(form.input, form.weights, b, 1, 0, form.dilation)


@dataclass
class TransposeLesson:
    output: np.ndarray  # (F, H_out, W_out)
    sizes: dict  # size_report per axis
    form: DirectForm
    steps: list[dict] | None  # the scatter view, one per input cell
    direct_steps: list[dict] | None  # the direct view, one per output cell


def conv_transpose_lesson(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1,
                          trace=True, max_trace_products=None,
                          max_output_side=None) -> TransposeLesson:  # fmt: skip
    """Both views of one transposed convolution, bounded before computing: the output's sides,
    and the products both traces list (C·H·W·F·KH·KW scattered, F·Ho·Wo·C·KH·KW direct)."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, b, params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    if max_output_side is not None and max(Ho, Wo) > max_output_side:
        raise InputError(
            f"the output would be {Ho}×{Wo}; the lesson draws at most {max_output_side} a side: "
            "use a smaller stride, dilation or kernel",
            "stride",
        )
    products = F * C * KH * KW * (H * W + Ho * Wo)
    if trace and max_trace_products is not None and products > max_trace_products:
        raise InputError(
            f"the two traces would list {products:,} products; the stepper shows at most "
            f"{max_trace_products:,}: use a smaller input or fewer filters, or set trace to false",
            "input",
        )
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = params
    sizes = {
        "height": size_report(H, KH, ph, sh, dh, oh, "height"),
        "width": size_report(W, KW, pw, sw, dw, ow, "width"),
    }
    out = conv_transpose2d(x, w, b, *params)
    form = direct_form(x, w, *params)
    steps = scatter_trace(x, w, b, *params) if trace else None
    direct_steps = direct_trace(x, w, b, *params) if trace else None
    return TransposeLesson(out, sizes, form, steps, direct_steps)
