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
from app.i18n import N_, gettext, ngettext


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
        raise InputError(
            gettext("stride must be at least 1, got {value}").format(value=list(s)), "stride"
        )
    if min(d) < 1:
        raise InputError(
            gettext("dilation must be at least 1, got {value}").format(value=list(d)), "dilation"
        )
    if min(p) < 0:
        raise InputError(
            gettext("padding must be 0 or more, got {value}").format(value=list(p)), "padding"
        )
    if min(o) < 0:
        raise InputError(
            gettext("output_padding must be 0 or more, got {value}").format(value=list(o)),
            "output_padding",
        )
    for axis, k in ((0, N_("height")), (1, N_("width"))):
        if o[axis] >= s[axis] and o[axis] >= d[axis]:
            raise InputError(
                gettext(
                    "output_padding ({o}) must be smaller than the stride ({s}) or "
                    "the dilation ({d}) along the {k}: it only chooses between "
                    "output sizes that the same input could come from"
                ).format(o=o[axis], s=s[axis], d=d[axis], k=gettext(k)),
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
        raise ShapeError(
            gettext("input must be C×H×W, got {ndim} dimensions").format(ndim=x.ndim), "input"
        )
    if w.ndim != 4:
        raise ShapeError(
            gettext("weights must be C×F×KH×KW, got {ndim} dimensions").format(ndim=w.ndim),
            "weights",
        )
    C, H, W = x.shape
    if w.shape[0] != C:
        raise ShapeError(
            ngettext(
                "the weights' first dimension ({shape}) must equal the input's {C} channel: "
                "a transposed convolution's weights are C_in×F×KH×KW",
                "the weights' first dimension ({shape}) must equal the input's {C} channels: "
                "a transposed convolution's weights are C_in×F×KH×KW",
                C,
            ).format(shape=w.shape[0], C=C),
            "weights",
        )
    F = w.shape[1]
    if b is not None and b.shape != (F,):
        raise ShapeError(
            gettext("bias must have one value per filter ({F}), got {shape}").format(
                F=F, shape=b.shape[0]
            ),
            "bias",
        )
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = params
    Ho = output_length(H, w.shape[2], ph, sh, dh, oh)
    Wo = output_length(W, w.shape[3], pw, sw, dw, ow)
    if Ho < 1 or Wo < 1:
        raise ShapeError(
            gettext(
                "the output would be {Ho}×{Wo}: the padding crops more than the "
                "full output; use less padding"
            ).format(Ho=Ho, Wo=Wo),
            "padding",
        )
    return Ho, Wo


def scatter_canvas(x, w, params: TransposeParams, Ho: int, Wo: int) -> np.ndarray:
    """The uncropped canvas (F, rows, cols): every stamp summed, no bias, before the crop.

    rows = max(full, ph + H_out): the full output, extended when the output padding reaches
    past it. The output is canvas[:, ph : ph + H_out, pw : pw + W_out] + b.
    """
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = params.stride, params.padding, params.dilation
    full = np.zeros((F, max(ph + Ho, (H - 1) * sh + dh * (KH - 1) + 1),
                     max(pw + Wo, (W - 1) * sw + dw * (KW - 1) + 1)))  # fmt: skip
    flat = x.reshape(C, H * W)
    for m in range(KH):
        for n in range(KW):
            stamp = (w[:, :, m, n].T @ flat).reshape(F, H, W)
            full[:, m * dh : m * dh + (H - 1) * sh + 1 : sh,
                 n * dw : n * dw + (W - 1) * sw + 1 : sw] += stamp  # fmt: skip
    return full


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The output (F, H_out, W_out): one matrix product per kernel tap, stamped by slicing."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, b, params)
    ph, pw = params.padding
    out = scatter_canvas(x, w, params, Ho, Wo)[:, ph : ph + Ho, pw : pw + Wo]
    if b is not None:
        out = out + b[:, None, None]
    return np.ascontiguousarray(out)


def canvas_kinds(full: tuple[int, int], params: TransposeParams, Ho: int, Wo: int) -> np.ndarray:
    """Each canvas cell's part: "kept" (in the output), "cropped" (the padding removes it) or
    "extra" (output padding past the full output: a zero in the output)."""
    (ph, pw), (full_h, full_w) = params.padding, full
    rows, cols = max(ph + Ho, full_h), max(pw + Wo, full_w)
    r, q = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    kept = (r >= ph) & (r < ph + Ho) & (q >= pw) & (q < pw + Wo)
    beyond = (r >= full_h) | (q >= full_w)
    return np.where(kept, np.where(beyond, "extra", "kept"), "cropped")


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
    kind: np.ndarray  # (rows, cols) str: "input", "zero" (inserted), "border" or "extra"
    source: np.ndarray  # (rows, cols, 2) int: the input cell [i, j] it holds, or -1
    border: tuple[int, int]  # d·(k − 1) − p per axis (negative: cropped)
    gaps: tuple[int, int]  # zeros inserted between neighbouring input cells: s − 1 per axis
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
    kind = np.where(source[..., 0] >= 0, "input", "zero").astype("<U6")
    kind = reframe(reframe(kind, 0, bh, bh + oh, "border"), 1, bw, bw + ow, "border")
    # the last cells the output padding adds (past a border, or past a crop) are "extra"
    extra_h, extra_w = min(oh, max(bh + oh, 0)), min(ow, max(bw + ow, 0))
    if extra_h:
        kind[-extra_h:, :] = "extra"
    if extra_w:
        kind[:, -extra_w:] = "extra"
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return DirectForm(
        padded, flipped, where[..., 0] >= 0, kind, where, (bh, bw), (sh - 1, sw - 1), (dh, dw)
    )


def conv_transpose2d_direct(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The output computed as the direct convolution of the zero-stuffed input."""
    form = direct_form(x, w, stride, padding, output_padding, dilation)
    out, _ = conv2d_forward(form.input, form.weights, b, 1, 0, form.dilation)
    return out


def scatter_trace(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1) -> list[dict]:
    """One step per input cell (channel, then row, then column): its value, and for each filter
    and kernel tap the output cell it adds to and the product; a cell the padding crops is
    marked (its product is computed and dropped). On the uncropped canvas (scatter_canvas) each
    tap's cell, and that cell's running sum before and after this stamp (no bias)."""
    params = check_params(stride, padding, output_padding, dilation)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    Ho, Wo = check_shapes(x, w, None if b is None else np.asarray(b), params)
    C, H, W = x.shape
    _, F, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = params.stride, params.padding, params.dilation
    m, n = np.meshgrid(np.arange(KH), np.arange(KW), indexing="ij")
    canvas = np.zeros((F, max(ph + Ho, (H - 1) * sh + dh * (KH - 1) + 1),
                       max(pw + Wo, (W - 1) * sw + dw * (KW - 1) + 1)))  # fmt: skip
    steps = []
    for c in range(C):
        for i in range(H):
            for j in range(W):
                rows, cols = i * sh + m * dh - ph, j * sw + n * dw - pw
                inside = (rows >= 0) & (rows < Ho) & (cols >= 0) & (cols < Wo)
                products = x[c, i, j] * w[c]  # (F, KH, KW)
                before = canvas[:, rows + ph, cols + pw]  # distinct cells: one per tap
                canvas[:, rows + ph, cols + pw] += products
                steps.append({
                    "channel": c, "row": i, "col": j, "value": float(x[c, i, j]),
                    "targets": np.stack([rows, cols], -1).reshape(-1, 2).tolist(),
                    "cropped": (~inside).ravel().tolist(),
                    "products": products.reshape(F, -1).tolist(),
                    "canvas_cells": np.stack([rows + ph, cols + pw], -1).reshape(-1, 2).tolist(),
                    "before": before.reshape(F, -1).tolist(),
                    "after": canvas[:, rows + ph, cols + pw].reshape(F, -1).tolist(),
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
    canvas: np.ndarray  # (F, rows, cols): the uncropped sum of the stamps, no bias
    canvas_kind: np.ndarray  # (rows, cols): "kept", "cropped" or "extra"
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
            gettext(
                "the output would be {Ho}×{Wo}; the lesson draws at most "
                "{max_output_side} a side: use a smaller stride, dilation or "
                "kernel"
            ).format(Ho=Ho, Wo=Wo, max_output_side=max_output_side),
            "stride",
        )
    products = F * C * KH * KW * (H * W + Ho * Wo)
    if trace and max_trace_products is not None and products > max_trace_products:
        raise InputError(
            gettext(
                "the two traces would list {products:,} products; the stepper "
                "shows at most {max_trace_products:,}: use a smaller input or "
                "fewer filters, or set trace to false"
            ).format(products=products, max_trace_products=max_trace_products),
            "input",
        )
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = params
    sizes = {
        "height": size_report(H, KH, ph, sh, dh, oh, "height"),
        "width": size_report(W, KW, pw, sw, dw, ow, "width"),
    }
    out = conv_transpose2d(x, w, b, *params)
    canvas = scatter_canvas(x, w, params, Ho, Wo)
    kinds = canvas_kinds((sizes["height"]["full"], sizes["width"]["full"]), params, Ho, Wo)
    form = direct_form(x, w, *params)
    steps = scatter_trace(x, w, b, *params) if trace else None
    direct_steps = direct_trace(x, w, b, *params) if trace else None
    return TransposeLesson(out, sizes, form, canvas, kinds, steps, direct_steps)


# ---- the lesson page's presets (app/pages.py hands them to /conv-transpose) ----


@dataclass(frozen=True)
class Fill:
    """How the page fills the input, the weights and the bias: whole numbers drawn (from its
    seed) uniformly from each [low, high]."""

    label: str
    label_zh: str
    input: tuple[int, int]
    weights: tuple[int, int]
    bias: tuple[int, int]


FILLS = {
    "seeded": Fill(N_("seeded small integers"), "随机小整数", (1, 4), (-1, 2), (0, 1)),
    # every product is 1, so each output cell counts the stamps that cover it
    "ones": Fill(N_("every input and weight 1, no bias"), "全为 1", (1, 1), (1, 1), (0, 0)),
}


@dataclass(frozen=True)
class Preset:
    label: str
    label_zh: str
    description: str
    settings: dict  # the page's controls, from page_settings


def page_settings(h, w, k, s, p=0, op=0, d=1, c=1, f=1, fill="seeded", seed=12) -> dict:
    """The page's controls: input h×w with c channels, f filters of k×k, stride s, padding p,
    output padding op, dilation d, and the values' fill and seed."""
    return {"h": h, "w": w, "c": c, "f": f, "k": k, "s": s, "p": p, "op": op, "d": d,
            "fill": fill, "seed": seed}  # fmt: skip


PRESETS = {
    "classic": Preset(
        N_("2×2 → 5×5, the guide's classic"),
        "经典示例",
        N_(
            "A 2×2 input, a 3×3 kernel and stride 2 give a 5×5 output: the transposed convolution "
            "drawn in Dumoulin and Visin's guide to convolution arithmetic. Each input cell stamps "
            "its value times the kernel; the stamps overlap on the middle row and column, where "
            "they add up."
        ),
        page_settings(h=2, w=2, k=3, s=2, p=0, op=0, fill="seeded"),
    ),
    "checkerboard": Preset(
        N_("Checkerboard: kernel 3, stride 2"),
        "棋盘效应",
        N_(
            "Every input and weight is 1 and there is no bias, so each output cell counts the "
            "stamps that cover it. A 3×3 kernel at stride 2 overlaps unevenly: 1 where one stamp "
            "lands, 2 where two overlap, 4 where four do. This uneven pattern is the checkerboard "
            "artefact of transposed convolutions (Odena, Dumoulin and Olah, 2016): it appears "
            "whenever the kernel size is not a multiple of the stride."
        ),
        page_settings(h=4, w=4, k=3, s=2, p=0, op=0, fill="ones"),
    ),
    "even": Preset(
        N_("Even overlap: kernel 4, stride 2"),
        "均匀重叠",
        N_(
            "The same constant input with a 4×4 kernel at stride 2: the kernel size is a multiple "
            "of the stride, so every output cell inside is covered by the same number of stamps "
            "(2 along each axis, 4 in all). Padding 2 crops the thinner edges, and the output is "
            "even: no checkerboard."
        ),
        page_settings(h=4, w=4, k=4, s=2, p=2, op=0, fill="ones"),
    ),
    "output_padding": Preset(
        N_("Output padding: 3×3 → 6×6"),
        "输出填充",
        N_(
            "A stride-2 convolution with kernel 3 and padding 1 maps both 5×5 and 6×6 inputs to "
            "3×3, so its transpose cannot know which size to give back: without output padding it "
            "returns 5×5, and output padding 1 keeps one more row and column at the bottom and "
            "right (cells the padding would otherwise crop) to return 6×6. Output padding must be "
            "smaller than the stride (or the dilation)."
        ),
        page_settings(h=3, w=3, k=3, s=2, p=1, op=1, fill="seeded"),
    ),
}
DEFAULT_PRESET = "classic"
