"""2-D convolution as CNN layers compute it: forward, backward, a step trace and the size formula.

Cross-correlation is the default, S(i, j) = sum_c sum_m sum_n X[c, i*s + m*d, j*s + n*d] K[c, m, n]
plus a bias, exactly like torch.nn.functional.conv2d. mode="convolution" flips the kernel first
(the textbook formula S(i, j) = sum_m sum_n I(m, n) K(i - m, j - n)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from app.core.errors import InputError, ShapeError
from app.core.parallel import for_images, matmul
from app.i18n import N_, gettext, ngettext

MODES = ("cross-correlation", "convolution")

# Elements of im2col per block (K rows × columns): about 8 MB in float32, measured fastest on a
# 3×1024×1024 input; smaller blocks pay per-call overhead, larger ones spill the cache.
BLOCK_ELEMENTS = 1 << 21


def as_pair(value, name: str) -> tuple[int, int]:
    """An int or an (h, w) pair -> (h, w)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    try:
        h, w = value
        if isinstance(h, bool) or isinstance(w, bool):
            raise TypeError
        return int(h), int(w)
    except (TypeError, ValueError):
        raise InputError(
            gettext("{name} must be an integer or a pair [h, w], got {value!r}").format(
                name=name, value=value
            ),
            name,
        ) from None


def check_params(stride, padding, dilation):
    """Normalise and validate stride, padding and dilation; returns three (h, w) pairs."""
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if sh < 1 or sw < 1:
        raise InputError(
            gettext("stride must be at least 1, got {value}").format(value=(sh, sw)), "stride"
        )
    if dh < 1 or dw < 1:
        raise InputError(
            gettext("dilation must be at least 1, got {value}").format(value=(dh, dw)), "dilation"
        )
    if ph < 0 or pw < 0:
        raise InputError(
            gettext("padding must be 0 or more, got {value}").format(value=(ph, pw)), "padding"
        )
    return (sh, sw), (ph, pw), (dh, dw)


def output_length(size: int, kernel: int, pad: int, stride: int, dilation: int) -> int:
    """floor((size + 2*pad - dilation*(kernel - 1) - 1) / stride) + 1, as PyTorch computes it."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


FITTED = (N_("kernel"), N_("window"))  # what check_fits checks, by its English name


def check_fits(H, W, KH, KW, padding, dilation, what="kernel"):
    """The dilated kernel must fit inside the padded input, in both directions (what: the
    English name of what must fit, "kernel" or "window", translated here)."""
    (ph, pw), (dh, dw) = padding, dilation
    for axis, size, k, p, d in ((N_("height"), H, KH, ph, dh), (N_("width"), W, KW, pw, dw)):
        effective = d * (k - 1) + 1
        if effective > size + 2 * p:
            if d > 1:
                message = gettext(
                    "the dilated {what} ({k} taps, dilation {d}) spans {effective} cells, "
                    "more than the padded input {axis} {size} + 2·{p} = {padded}"
                )
            else:
                message = gettext(
                    "the {what} spans {effective} cells, more than the padded "
                    "input {axis} {size} + 2·{p} = {padded}"
                )
            raise ShapeError(
                message.format(
                    what=gettext(what),
                    k=k,
                    d=d,
                    effective=effective,
                    axis=gettext(axis),
                    size=size,
                    p=p,
                    padded=size + 2 * p,
                ),
                "weights" if what == "kernel" else "size",
            )


def as_batch(x) -> tuple[np.ndarray, bool]:
    """(C, H, W) or (N, C, H, W) -> (N, C, H, W) and whether it came batched."""
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ShapeError(
            gettext("input must be C×H×W or N×C×H×W, got {ndim} dimensions").format(ndim=x.ndim),
            "input",
        )
    if min(x.shape) < 1:
        raise ShapeError(gettext("input must not be empty"), "input")
    return (x, True) if x.ndim == 4 else (x[None], False)


def prepare(x, w, b, stride, padding, dilation, mode):
    """Validate shapes and parameters; returns batched x, the kernel actually slid, b, params."""
    w = np.asarray(w)
    if mode not in MODES:
        raise InputError(
            gettext("mode must be one of {value}, got {mode!r}").format(
                value=", ".join(MODES), mode=mode
            ),
            "mode",
        )
    x, batched = as_batch(x)
    if w.ndim != 4:
        raise ShapeError(
            gettext("weights must be F×C×KH×KW, got {ndim} dimensions").format(ndim=w.ndim),
            "weights",
        )
    N, C, H, W = x.shape
    F, CW, KH, KW = w.shape
    if min(w.shape) < 1:
        raise ShapeError(gettext("weights must not be empty"), "weights")
    if CW != C:
        raise ShapeError(
            ngettext(
                "filter depth {CW} does not match the {C} input channel",
                "filter depth {CW} does not match the {C} input channels",
                C,
            ).format(CW=CW, C=C),
            "weights",
        )
    if b is None:
        b = np.zeros(F, dtype=np.result_type(x, w))
    else:
        b = np.asarray(b)
        if b.shape != (F,):
            raise ShapeError(
                ngettext(
                    "bias has {size} value, one per filter is needed ({F})",
                    "bias has {size} values, one per filter is needed ({F})",
                    b.size,
                ).format(size=b.size, F=F),
                "bias",
            )
    stride, padding, dilation = check_params(stride, padding, dilation)
    check_fits(H, W, KH, KW, padding, dilation)
    kernel = w[:, :, ::-1, ::-1] if mode == "convolution" else w
    return x, batched, kernel, b, stride, padding, dilation


def pad_input(x, padding):
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def windows_of(xp, KH, KW, stride, dilation):
    """View of every window: (N, C, Ho, Wo, KH, KW), no copy."""
    (sh, sw), (dh, dw) = stride, dilation
    view = sliding_window_view(xp, (dh * (KH - 1) + 1, dw * (KW - 1) + 1), axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


@dataclass(frozen=True)
class ConvCache:
    """What conv2d_backward needs from the forward pass (x batched, the kernel as slid)."""

    x: np.ndarray  # (N, C, H, W)
    kernel: np.ndarray  # (F, C, KH, KW), flipped in convolution mode
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    mode: str
    batched: bool


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1, mode="cross-correlation"):
    """Convolution of x (C, H, W) or (N, C, H, W) with w (F, C, KH, KW) plus b (F,).

    H_out = (H + 2*ph - dh*(KH-1) - 1) // sh + 1, likewise W_out.
    Returns out (F, H_out, W_out) or (N, F, H_out, W_out), matching the input, and the cache for
    conv2d_backward. Computes in the result dtype of x and w (float32 stays float32).
    """
    x, batched, kernel, b, stride, padding, dilation = prepare(
        x, w, b, stride, padding, dilation, mode
    )
    N, C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    dtype = np.result_type(x, kernel, b, np.float32)
    # Filters as an (F, C*KH*KW) matrix: each output block is one matrix product with im2col.
    w_matrix = np.ascontiguousarray(kernel.reshape(F, C * KH * KW), dtype)
    bias = np.asarray(b, dtype).reshape(F, 1)
    xp = pad_input(x.astype(dtype, copy=False), padding)
    compute = conv_stride1 if stride == (1, 1) else conv_strided
    maps = [compute(xp[n], w_matrix, bias, (KH, KW), stride, dilation) for n in range(N)]
    out = maps[0][None] if N == 1 else np.stack(maps)  # no copy for a single image
    cache = ConvCache(x, kernel, stride, padding, dilation, mode, batched)
    return (out if batched else out[0]), cache


def conv_stride1(xp, w_matrix, bias, kernel_size, stride, dilation):
    """Stride-1 fast path on the flattened padded image (C, Hp*Wp).

    Output (r, c) reads xp[:, (r + i*dh)*Wp + c + j*dw]: for a run of consecutive flat positions,
    every tap (c, i, j) is one contiguous slice, so im2col is a single strided copy per block into
    a reused buffer. Its last row is ones and the bias is the filters' last column, so the matrix
    product adds the bias too. Positions in the last KW-1 columns of each row are computed and
    dropped (a few %).
    """
    C, Hp, Wp = xp.shape
    (KH, KW), (dh, dw) = kernel_size, dilation
    F, K = w_matrix.shape
    Ho, Wo = Hp - dh * (KH - 1), Wp - dw * (KW - 1)
    flat = np.ascontiguousarray(xp).reshape(C, Hp * Wp)
    length = (Ho - 1) * Wp + Wo  # last flat position whose window stays inside the image
    out = np.empty((F, Ho * Wp), w_matrix.dtype)
    weights = np.concatenate([w_matrix, bias], axis=1)
    item = flat.itemsize
    block = min(length, max(1024, BLOCK_ELEMENTS // K))
    columns = np.empty((K + 1, block), w_matrix.dtype)
    columns[K] = 1
    for start in range(0, length, block):
        n = min(block, length - start)
        taps = as_strided(
            flat[:, start:],
            shape=(C, KH, KW, n),
            strides=(Hp * Wp * item, dh * Wp * item, dw * item, item),
            writeable=False,
        )
        np.copyto(columns[:K, :n].reshape(C, KH, KW, n), taps)
        np.matmul(weights, columns[:, :n], out=out[:, start : start + n])
    return out.reshape(F, Ho, Wp)[:, :, :Wo]


def conv_strided(xp, w_matrix, bias, kernel_size, stride, dilation):
    """General path: im2col from a window view, in blocks of output rows."""
    (KH, KW) = kernel_size
    F, K = w_matrix.shape
    windows = windows_of(xp[None], KH, KW, stride, dilation)[0]  # (C, Ho, Wo, KH, KW)
    Ho, Wo = windows.shape[1:3]
    out = np.empty((F, Ho, Wo), w_matrix.dtype)
    rows_per_block = max(1, BLOCK_ELEMENTS // max(1, Wo * K))
    for r0 in range(0, Ho, rows_per_block):
        r1 = min(Ho, r0 + rows_per_block)
        cols = windows[:, r0:r1].transpose(0, 3, 4, 1, 2).reshape(K, (r1 - r0) * Wo)
        block = np.matmul(w_matrix, cols)
        out[:, r0:r1] = (block + bias).reshape(F, r1 - r0, Wo)
    return out


def conv2d_backward(dout, cache):
    """Gradients of a loss L given dout = dL/dout (same shape as the forward output).

    Returns dx (shape of x), dw (F, C, KH, KW) and db (F,).
    """
    x, kernel, batched = cache.x, cache.kernel, cache.batched
    N, C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    stride, padding, dilation = cache.stride, cache.padding, cache.dilation
    (sh, sw), (ph, pw), (dh, dw_) = stride, padding, dilation
    dout = np.asarray(dout)
    if not batched:
        dout = dout[None]
    Ho, Wo = output_length(H, KH, ph, sh, dh), output_length(W, KW, pw, sw, dw_)
    if dout.shape != (N, F, Ho, Wo):
        expected = (F, Ho, Wo) if not batched else (N, F, Ho, Wo)
        raise ShapeError(
            gettext("grad_output must have the output's shape {value}, got {value2}").format(
                value="×".join(map(str, expected)),
                value2="×".join(map(str, dout.shape if batched else dout.shape[1:])),
            ),
            "grad_output",
        )
    dtype = np.result_type(x, kernel, dout, np.float32)
    dout = dout.astype(dtype, copy=False)
    xp = pad_input(x.astype(dtype, copy=False), padding)
    windows = windows_of(xp, KH, KW, stride, dilation)
    db = dout.sum(axis=(0, 2, 3))
    dkernel = np.einsum("nfhw,nchwij->fcij", dout, windows, optimize=True)
    dxp = np.zeros_like(xp)
    # One scatter-add per kernel tap (KH*KW of them), each over every output cell at once.
    for i in range(KH):
        for j in range(KW):
            contribution = np.einsum("nfhw,fc->nchw", dout, kernel[:, :, i, j].astype(dtype))
            rows = slice(i * dh, i * dh + sh * (Ho - 1) + 1, sh)
            cols = slice(j * dw_, j * dw_ + sw * (Wo - 1) + 1, sw)
            dxp[:, :, rows, cols] += contribution
    dx = dxp[:, :, ph : ph + H, pw : pw + W]
    dw = dkernel[:, :, ::-1, ::-1] if cache.mode == "convolution" else dkernel
    return (dx if batched else dx[0]), np.ascontiguousarray(dw), db


def conv2d_naive(x, w, b=None, stride=1, padding=0, dilation=1, mode="cross-correlation"):
    """The loop twin of conv2d_forward, written straight from the formula; for tests only."""
    x, batched, kernel, b, (sh, sw), (ph, pw), (dh, dw) = prepare(
        x, w, b, stride, padding, dilation, mode
    )
    N, C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    Ho, Wo = output_length(H, KH, ph, sh, dh), output_length(W, KW, pw, sw, dw)
    out = np.zeros((N, F, Ho, Wo), dtype=np.float64)
    for n in range(N):
        for f in range(F):
            for oh in range(Ho):
                for ow in range(Wo):
                    total = float(b[f])
                    for c in range(C):
                        for i in range(KH):
                            for j in range(KW):
                                r = oh * sh + i * dh - ph
                                s = ow * sw + j * dw - pw
                                if 0 <= r < H and 0 <= s < W:
                                    total += float(x[n, c, r, s]) * float(kernel[f, c, i, j])
                    out[n, f, oh, ow] = total
    return out if batched else out[0]


def conv2d_trace(x, w, b=None, stride=1, padding=0, dilation=1, mode="cross-correlation", out=None):
    """Every step of a single-image convolution, in order: filter, then row, then column.

    x is (C, H, W). Each step records the window's top-left corner in padded coordinates, the
    padded cells it covers (KH*KW [row, col] pairs, dilation included) and which are padding,
    the per-channel products (C, KH, KW) with the kernel as slid (flipped in convolution mode),
    the per-channel sums, the bias and the value. Values are vectorised, then listed per step.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ShapeError(
            gettext("the step trace takes one C×H×W input, got {ndim} dimensions").format(
                ndim=x.ndim
            ),
            "input",
        )
    x4, _, kernel, b, stride, padding, dilation = prepare(x, w, b, stride, padding, dilation, mode)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    kernel = np.asarray(kernel, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    windows = windows_of(pad_input(x4, padding), KH, KW, stride, dilation)[0]  # (C, Ho, Wo, KH, KW)
    Ho, Wo = windows.shape[1:3]
    # products[f, oh, ow, c, i, j]
    products = np.einsum("chwij,fcij->fhwcij", windows, kernel)
    channel_sums = products.sum(axis=(4, 5))
    # The values are the forward pass's own (out, when the caller has it), so a step's value
    # equals the output cell exactly.
    values = out if out is not None else conv2d_forward(x, w, b, stride, padding, dilation, mode)[0]
    tap_rows = np.arange(KH) * dh
    tap_cols = np.arange(KW) * dw
    steps = []
    for f in range(F):
        for oh in range(Ho):
            rows = oh * sh + tap_rows
            row_pad = (rows < ph) | (rows >= ph + H)
            for ow in range(Wo):
                cols = ow * sw + tap_cols
                col_pad = (cols < pw) | (cols >= pw + W)
                steps.append(
                    {
                        "filter": f,
                        "row": oh,
                        "col": ow,
                        "top": int(oh * sh),
                        "left": int(ow * sw),
                        "cells": [[int(r), int(c)] for r in rows for c in cols],
                        "is_padding": [bool(rp or cp) for rp in row_pad for cp in col_pad],
                        "products": products[f, oh, ow].tolist(),
                        "channel_sums": channel_sums[f, oh, ow].tolist(),
                        "bias": float(b[f]),
                        "value": float(values[f, oh, ow]),
                    }
                )
    return steps


def rounded_down(value: float, output: int, exact: bool) -> str:
    """The end of an output-size formula: the quotient, and where it is not whole, the floor
    taken (English: "2.5 → floor → 2"; Chinese: "2.5 → 向下取整 → 2")."""
    if exact:
        return f"{value:g}"
    # TRANSLATORS: the end of an output-size formula, e.g. "= 3/2 + 1 = 2.5 → floor → 2".
    return gettext("{value} → floor → {output}").format(value=f"{value:g}", output=output)


def size_report(size: int, kernel: int, pad: int, stride: int, dilation: int, axis: str) -> dict:
    """The output-size formula along one axis with the numbers, and what does not fit.

    Lists the input indices no window ever covers (a leftover border when the division is not
    whole, or the gaps that stride and dilation skip), and paddings/strides that would fit exactly.
    """
    effective = dilation * (kernel - 1) + 1
    span = size + 2 * pad - effective  # numerator of the formula
    out = span // stride + 1
    exact = span % stride == 0
    formula = (
        f"({size} + 2·{pad} - {dilation}·({kernel} - 1) - 1) / {stride} + 1 = "
        f"{span}/{stride} + 1 = " + rounded_down(span / stride + 1, out, exact)
    )
    covered = np.zeros(size + 2 * pad, dtype=bool)
    starts = np.arange(out) * stride
    covered[(starts[:, None] + np.arange(kernel) * dilation).ravel()] = True
    unvisited = [int(i) for i in np.flatnonzero(~covered[pad : pad + size])]
    fitting_paddings = [
        p
        for p in range(0, effective)
        if size + 2 * p - effective >= 0 and (size + 2 * p - effective) % stride == 0
    ]
    fitting_strides = [s for s in range(1, max(span, 1) + 1) if span % s == 0][:12]
    return {
        "axis": axis,
        "input": size,
        "kernel": kernel,
        "padding": pad,
        "stride": stride,
        "dilation": dilation,
        "effective_kernel": effective,
        "numerator": span,
        "output": out,
        "exact": bool(exact),
        "leftover": int(span % stride),
        "formula": formula,
        "unvisited": unvisited,
        "fitting_paddings": fitting_paddings,
        "fitting_strides": fitting_strides,
    }


@dataclass(frozen=True)
class ConvLesson:
    """A convolution as the lesson shows it: the output, the padded grid the steps refer to, the
    size formula per axis (size_report) and, when traced, every step (conv2d_trace)."""

    output: np.ndarray  # (F, H_out, W_out)
    padded_shape: tuple[int, int, int]  # (C, H + 2·ph, W + 2·pw)
    sizes: dict[str, dict]  # "height", "width"
    steps: list[dict] | None


def conv2d_lesson(
    x,
    w,
    b=None,
    stride=1,
    padding=0,
    dilation=1,
    mode="cross-correlation",
    trace=True,
    max_trace_products=None,
) -> ConvLesson:
    """One input x (C, H, W) through w (F, C, KH, KW) plus b (F,), with the trace if asked.

    A trace lists F·H_out·W_out·C·KH·KW products; more than max_trace_products is refused
    before anything is computed.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ShapeError(
            gettext("input must be C×H×W, got {ndim} dimensions").format(ndim=x.ndim), "input"
        )
    _, _, kernel, _, stride, padding, dilation = prepare(x, w, b, stride, padding, dilation, mode)
    C, H, W = x.shape
    F, _, KH, KW = kernel.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    Ho, Wo = output_length(H, KH, ph, sh, dh), output_length(W, KW, pw, sw, dw)
    products = F * Ho * Wo * C * KH * KW
    if trace and max_trace_products is not None and products > max_trace_products:
        raise InputError(
            gettext(
                "the step trace would list {products:,} products "
                "(F·Ho·Wo·C·KH·KW); the stepper shows at most "
                "{max_trace_products:,}: use a smaller input or fewer filters, "
                "or set trace to false"
            ).format(products=products, max_trace_products=max_trace_products),
            "input",
        )
    out, _ = conv2d_forward(x, w, b, stride, padding, dilation, mode)
    steps = conv2d_trace(x, w, b, stride, padding, dilation, mode, out=out) if trace else None
    return ConvLesson(
        output=out,
        padded_shape=(C, H + 2 * ph, W + 2 * pw),
        sizes={
            "height": size_report(H, KH, ph, sh, dh, "height"),
            "width": size_report(W, KW, pw, sw, dw, "width"),
        },
        steps=steps,
    )


# ---------------------------------------------------------------- batched training path
# The CNN lesson trains on batches (N = 64 by default). conv2d_forward above works image by image
# and conv2d_backward through einsum over a window view; on the default lesson net (batch 64,
# 1→8 and 8→16 channels, 3×3, pad 1, float32) they measured about 8 ms forward and 24 ms
# backward per step. The functions below are the same convolution, batched:
# - channels first over the whole batch: the layers hand each other NCHW-shaped views of
#   (C, N, H, W) memory (channels_first, batch_view), so each channel of the whole batch is one
#   contiguous run and each conv is ONE matrix product (F, K + 1)·(K + 1, L), not N small ones;
# - im2col as one copy per kernel tap into a buffer a training chunk reuses; with stride 1 on the
#   flattened padded batch (as conv_stride1 does on one image): column q is the window whose
#   top-left corner is flat position q of the (C, N·H_p·W_p) padded batch, so each tap is one
#   contiguous (C, L) block, L = N·H_p·W_p − (KH − 1)·W_p − (KW − 1); the windows that straddle
#   a row's or an image's edge are computed and dropped (about 15% and 30% of the columns on the
#   two layers of the default net);
# - tap-major rows ((i, j) then c), the bias as the last column against a row of ones;
# - the copies and adds split over the cores (parallel.for_images) by ranges of columns or of
#   images, each range written by one thread only, so the numbers never depend on the threads.
# Measured on the default net (float32, one thread, best of 60): 1→8 forward 0.87 → 0.63 ms,
# 8→16 forward 1.79 → 1.52 ms and backward 3.27 → 2.45 ms against the per-image products.


def channels_first(x):
    """x (N, C, ...) as a (C, N, ...) C-contiguous array: a view when x's memory is already
    laid out channel by channel (the layers' outputs are), else one copy."""
    return np.ascontiguousarray(x.swapaxes(0, 1))


def batch_view(a):
    """(C, N, ...) -> the (N, C, ...) view the layers pass on (no copy)."""
    return a.swapaxes(0, 1)


def buffer(workspace, key, shape, dtype, zeros=False) -> np.ndarray:
    """An array of this shape and dtype, reused from `workspace` (a dict) if given; zeros=True:
    all zero when it is made (a reused one keeps what the caller left in it), else uninitialised.

    A training chunk runs the same shapes many times; reusing the large temporaries (im2col
    columns, padded inputs) saves their allocation and first-touch page faults on every step.
    """
    make = np.zeros if zeros else np.empty
    if workspace is None:
        return make(shape, dtype)
    key = (key, shape, np.dtype(dtype).str)
    array = workspace.get(key)
    if array is None:
        array = workspace[key] = make(shape, dtype)
    return array


def batch_geometry(x_shape, KH, KW, stride, padding):
    """Sizes of the batched path: (H_p, W_p, H_out, W_out, L, layout); layout "flat" (stride 1,
    L = N·H_p·W_p − (KH − 1)·W_p − (KW − 1)) or "grid" (L = N·H_out·W_out)."""
    N, C, H, W = x_shape
    (sh, sw), (ph, pw) = stride, padding
    Hp, Wp = H + 2 * ph, W + 2 * pw
    Ho, Wo = output_length(H, KH, ph, sh, 1), output_length(W, KW, pw, sw, 1)
    if (sh, sw) == (1, 1):
        return Hp, Wp, Ho, Wo, N * Hp * Wp - (KH - 1) * Wp - (KW - 1), "flat"
    return Hp, Wp, Ho, Wo, N * Ho * Wo, "grid"


def im2col_batched(x, KH, KW, stride=(1, 1), padding=(0, 0), workspace=None, key="cols"):
    """Every window of the batch x (N, C, H, W) as columns: cols (KH*KW*C + 1, L) and the layout.

    Row r = (i*KW + j)*C + c holds tap (i, j) of channel c of every window, and the last row is
    ones, so [filter_matrix(w), b] (F, KH*KW*C + 1) times cols is the convolution of the whole
    batch, bias included. Layout "grid": L = N*H_out*W_out, column (n*H_out + r)*W_out + c is
    output cell (n, r, c). Layout "flat" (stride 1): column q is the window whose top-left
    corner is flat position q of the padded batch (C, N*H_p*W_p); output (n, r, c) is column
    (n*H_p + r)*W_p + c and the other columns are computed and dropped.
    """
    N, C, H, W = x.shape
    (sh, sw), (ph, pw) = stride, padding
    Hp, Wp, Ho, Wo, L, layout = batch_geometry(x.shape, KH, KW, stride, padding)
    K = C * KH * KW
    xc = x.swapaxes(0, 1)  # (C, N, H, W), a view
    if ph or pw:
        # zero borders once; every step writes the same interior
        xp = buffer(workspace, key + ":pad", (C, N, Hp, Wp), x.dtype, zeros=True)

        def pad(s):
            xp[:, s, ph : ph + H, pw : pw + W] = xc[:, s]

        for_images(pad, N, xp.size)
    else:
        xp = np.ascontiguousarray(xc)
    cols = buffer(workspace, key, (K + 1, L), x.dtype)
    cols[K] = 1
    if layout == "flat":
        flat = xp.reshape(C, N * Hp * Wp)

        def copy(s):  # columns s of every tap
            for t in range(KH * KW):
                start = (t // KW) * Wp + t % KW
                cols[t * C : (t + 1) * C, s] = flat[:, start + s.start : start + s.stop]

        for_images(copy, L, cols.size)
    else:
        grid = cols[:K].reshape(KH, KW, C, N, Ho, Wo)

        def copy(s):  # images s of every tap
            for i in range(KH):
                for j in range(KW):
                    rows = slice(i, i + sh * (Ho - 1) + 1, sh)
                    grid[i, j, :, s] = xp[:, s, rows, j : j + sw * (Wo - 1) + 1 : sw]

        for_images(copy, N, cols.size)
    return cols, layout


def flat_cells(a, N, Hp, Wp, Ho, Wo):
    """View of the output cells (F, N, Ho, Wo) inside flat-layout columns a (F, L)."""
    item = a.itemsize
    return as_strided(
        a,
        (a.shape[0], N, Ho, Wo),
        (a.strides[0], Hp * Wp * item, Wp * item, item),
        writeable=False,
    )


def col2im_batched(dcols, x_shape, KH, KW, stride=(1, 1), padding=(0, 0), layout="grid"):
    """The adjoint of im2col_batched: dcols (KH*KW*C, L) -> dx (N, C, H, W), a view of (C, N, H,
    W) memory.

    Each tap's block is added back where it was read; cells that several windows share receive
    the sum, tap by tap in the same order whatever the threads (each thread owns whole images of
    the result). The padding's share is dropped.
    """
    N, C, H, W = x_shape
    (sh, sw), (ph, pw) = stride, padding
    Hp, Wp, Ho, Wo, L, _ = batch_geometry(x_shape, KH, KW, stride, padding)
    cropped = bool(ph or pw)
    dxp = np.empty((C, N, Hp, Wp), dcols.dtype)
    dx = np.empty((C, N, H, W), dcols.dtype) if cropped else dxp
    image = Hp * Wp
    flat = dxp.reshape(C, N * image)
    grid = dcols.reshape(KH, KW, C, N, Ho, Wo) if layout == "grid" else None

    def add_back(s):
        dxp[:, s] = 0
        for t in range(KH * KW):
            i, j = divmod(t, KW)
            if layout == "flat":
                # the targets of images s: flat positions [a, b), read at columns q = target − start
                start = i * Wp + j
                a, b = s.start * image, s.stop * image
                lo, hi = max(a - start, 0), min(b - start, L)
                if lo < hi:
                    flat[:, lo + start : hi + start] += dcols[t * C : (t + 1) * C, lo:hi]
            else:
                rows = slice(i, i + sh * (Ho - 1) + 1, sh)
                columns = slice(j, j + sw * (Wo - 1) + 1, sw)
                dxp[:, s, rows, columns] += grid[i, j, :, s]
        if cropped:
            dx[:, s] = dxp[:, s, ph : ph + H, pw : pw + W]

    for_images(add_back, N, dxp.size)
    return batch_view(dx)


def filter_matrix(w):
    """w (F, C, KH, KW) as the (F, KH*KW*C) matrix that multiplies im2col_batched's columns."""
    F, C, KH, KW = w.shape
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(F, KH * KW * C)


def conv2d_forward_batched(x, w, b, stride=1, padding=0, workspace=None, key="conv"):
    """Cross-correlation of x (N, C, H, W) with w (F, C, KH, KW) plus b (F,), batched.

    H_out = (H + 2*ph - KH) // sh + 1, likewise W_out (dilation 1). x may have any memory
    layout; computes in x's dtype (the caller passes x, w and b in one dtype). Returns out
    (N, F, H_out, W_out), a view of (F, N, H_out, W_out) memory, and the cache for
    conv2d_backward_batched: {"x_shape", "w", "stride", "padding", "cols", "layout"}.
    The same numbers as conv2d_forward (the tests hold them equal).
    """
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    stride, padding, _ = check_params(stride, padding, 1)
    Hp, Wp, Ho, Wo, L, _ = batch_geometry(x.shape, KH, KW, stride, padding)
    cols, layout = im2col_batched(x, KH, KW, stride, padding, workspace, key)
    weights = np.concatenate([filter_matrix(w), b.reshape(F, 1).astype(w.dtype)], axis=1)
    products = matmul(weights, cols)  # (F, L): the whole batch in one product
    if layout == "flat":
        out = np.empty((F, N, Ho, Wo), x.dtype)
        cells = flat_cells(products, N, Hp, Wp, Ho, Wo)
        for_images(lambda s: np.copyto(out[:, s], cells[:, s]), N, out.size)
    else:
        out = products.reshape(F, N, Ho, Wo)
    cache = {
        "x_shape": x.shape,
        "w": w,
        "stride": stride,
        "padding": padding,
        "cols": cols,
        "layout": layout,
    }
    return batch_view(out), cache


def conv2d_backward_batched(dout, cache, need_dx=True):
    """dout (N, F, H_out, W_out) -> dx (N, C, H, W) or None, dw (F, C, KH, KW), db (F,).

    [dw, db] = dout·colsᵀ over the whole batch (the ones row gives db = Σ dout); dx =
    col2im(wᵀ·dout). dout may have any memory layout; dx is a view of (C, N, H, W) memory.
    The first layer of a network needs no dx (its input is the data), which saves half its work.
    """
    w, cols, layout = cache["w"], cache["cols"], cache["layout"]
    x_shape = cache["x_shape"]
    N = x_shape[0]
    F, C, KH, KW = w.shape
    K = C * KH * KW
    Hp, Wp, Ho, Wo, L, _ = batch_geometry(x_shape, KH, KW, cache["stride"], cache["padding"])
    dc = dout.swapaxes(0, 1)  # (F, N, Ho, Wo), a view
    if layout == "flat":
        # each output cell at its window's flat position, zeros at the dropped ones
        spread = np.empty((F, N, Hp, Wp), dout.dtype)

        def place(s):
            spread[:, s, :Ho, :Wo] = dc[:, s]
            spread[:, s, :Ho, Wo:] = 0
            spread[:, s, Ho:] = 0

        for_images(place, N, spread.size)
        d = spread.reshape(F, N * Hp * Wp)[:, :L]
    else:
        d = np.ascontiguousarray(dc).reshape(F, L)
    # [dw, db]ᵀ = cols·doutᵀ (KH*KW*C + 1, F): with the long axis L inside the product, as
    # here, OpenBLAS took 0.6 ms for the default net's second conv against 0.95 for dout·colsᵀ.
    dw_matrix = matmul(cols, d.T)
    db = np.ascontiguousarray(dw_matrix[K])
    dw = np.ascontiguousarray(dw_matrix[:K].reshape(KH, KW, C, F).transpose(3, 2, 0, 1))
    if not need_dx:
        return None, dw, db
    dcols = matmul(filter_matrix(w).T, d)  # (KH*KW*C, L)
    dx = col2im_batched(dcols, x_shape, KH, KW, cache["stride"], cache["padding"], layout)
    return dx, dw, db
