"""2-D max and average pooling as CNN layers compute them: forward, backward and a step trace.

Each channel is pooled on its own (window KH×KW, stride, zero padding), exactly like
torch.nn.functional.max_pool2d and avg_pool2d with their defaults:
- the output size is floor((H + 2*ph - KH) / sh) + 1 (ceil_mode=False), likewise for W;
- padding never wins a max (it acts as -inf), and it counts in the average (count_include_pad=True:
  the divisor is always KH*KW);
- padding is at most half the window (ph <= KH // 2), so every window holds an input cell;
- ties in max pooling go to the first maximum in row-major window order, and so does the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.conv import (
    as_batch,
    as_pair,
    check_fits,
    output_length,
    pad_input,
    rounded_down,
    size_report,
)
from app.core.errors import InputError, ShapeError
from app.core.parallel import for_images
from app.i18n import N_, gettext

MODES = ("max", "avg")


def check_pool_params(size, stride, padding):
    """Normalise and validate window size, stride (None: equal to size) and padding.

    Returns three (h, w) pairs.
    """
    kh, kw = as_pair(size, "size")
    if kh < 1 or kw < 1:
        raise InputError(
            gettext("size must be at least 1, got {value}").format(value=(kh, kw)), "size"
        )
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise InputError(
            gettext("stride must be at least 1, got {value}").format(value=(sh, sw)), "stride"
        )
    ph, pw = as_pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise InputError(
            gettext("padding must be 0 or more, got {value}").format(value=(ph, pw)), "padding"
        )
    for axis, p, k in ((N_("height"), ph, kh), (N_("width"), pw, kw)):
        if p > k // 2:
            raise InputError(
                gettext(
                    "padding {p} is more than half the window {axis} {k}: at most "
                    "{value} (a window made only of padding would have nothing to "
                    "pool)"
                ).format(p=p, axis=gettext(axis), k=k, value=k // 2),
                "padding",
            )
    return (kh, kw), (sh, sw), (ph, pw)


def largest_output(size: int) -> int:
    """The longest output along an axis of `size` cells, over every window, stride and padding
    allowed: window 2, padding 1, stride 1 gives size + 1."""
    return max(output_length(size, k, k // 2, 1, 1) for k in range(1, size + 1))


def prepare(x, mode, size, stride, padding, global_pool=False):
    """Validate; returns x as N×C×H×W (float32 or float64), batched flag and the (h, w) pairs.

    Global pooling: the window is the whole H×W input, stride equal, no padding (size, stride
    and padding are ignored).
    """
    if mode not in MODES:
        raise InputError(
            gettext("mode must be one of {value}, got {mode!r}").format(
                value=", ".join(MODES), mode=mode
            ),
            "mode",
        )
    x, batched = as_batch(x)
    H, W = x.shape[2:]
    if global_pool:
        size, stride, padding = (H, W), None, 0
    kernel, stride, padding = check_pool_params(size, stride, padding)
    check_fits(H, W, kernel[0], kernel[1], padding, (1, 1), what="window")
    dtype = np.result_type(x, np.float32)
    return x.astype(dtype, copy=False), batched, kernel, stride, padding


def pad_for(x, mode, padding):
    """Zero padding for the average; -inf for the max, so that padding never wins."""
    (ph, pw) = padding
    if mode == "avg" or (ph == 0 and pw == 0):
        return pad_input(x, padding)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)


def tap(xp, i, j, Ho, Wo, stride):
    """The input cells that window tap (i, j) sees for every output cell: (N, C, Ho, Wo) view."""
    sh, sw = stride
    return xp[:, :, i : i + sh * (Ho - 1) + 1 : sh, j : j + sw * (Wo - 1) + 1 : sw]


class LazyWinners:
    """Index t = i*KW + j of each window's winning tap, computed on first use.

    Strictly greater wins, so the first maximum in row-major order wins, as in PyTorch (whose CPU
    kernel also lets NaN win).
    """

    def __init__(self, xp, kernel, stride, out_size):
        self.args = (xp, kernel, stride, out_size)
        self.value = None

    def get(self) -> np.ndarray:
        if self.value is None:
            xp, (KH, KW), stride, (Ho, Wo) = self.args
            best = tap(xp, 0, 0, Ho, Wo, stride).copy()
            arg = np.zeros(best.shape, dtype=np.intp)
            for t in range(1, KH * KW):
                v = tap(xp, t // KW, t % KW, Ho, Wo, stride)
                better = (v > best) | np.isnan(v)
                np.copyto(best, v, where=better)
                arg[better] = t
            self.value = arg
        return self.value


@dataclass(frozen=True)
class PoolCache:
    """What pool2d_backward and the trace need from the forward pass."""

    shape: tuple[int, int, int, int]  # (N, C, H, W)
    dtype: np.dtype
    mode: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    winners: LazyWinners | None  # max pooling only
    batched: bool


def pool2d_forward(x, mode, size=2, stride=None, padding=0, global_pool=False):
    """Max or average pooling of x (C, H, W) or (N, C, H, W), each channel on its own.

    H_out = (H + 2*ph - KH) // sh + 1, likewise W_out; stride defaults to the window size;
    global_pool pools the whole H×W into one value per channel.
    Returns out (C, H_out, W_out) or (N, C, H_out, W_out), matching the input, and the cache for
    pool2d_backward. float32 stays float32; integers become float64.
    """
    x, batched, (KH, KW), stride, padding = prepare(x, mode, size, stride, padding, global_pool)
    N, C, H, W = x.shape
    (sh, sw), (ph, pw) = stride, padding
    Ho, Wo = output_length(H, KH, ph, sh, 1), output_length(W, KW, pw, sw, 1)
    xp = pad_for(x, mode, padding)
    # One vectorised pass per window tap (KH*KW of them), each over every output cell at once.
    out = tap(xp, 0, 0, Ho, Wo, stride).copy()
    for t in range(1, KH * KW):
        v = tap(xp, t // KW, t % KW, Ho, Wo, stride)
        if mode == "max":
            np.maximum(out, v, out=out)  # NaN wins, as in PyTorch's CPU kernel
        else:
            out += v
    if mode == "avg":
        out /= KH * KW
    # The winners are only needed for backward and the trace: found lazily from the padded input.
    winners = LazyWinners(xp, (KH, KW), stride, (Ho, Wo)) if mode == "max" else None
    cache = PoolCache(x.shape, x.dtype, mode, (KH, KW), stride, padding, winners, batched)
    return (out if batched else out[0]), cache


def pool2d_backward(dout, cache):
    """dx = dL/dx given dout = dL/dout (same shape as the forward output).

    Max: each output's gradient goes to its window's winning cell only (summed where windows
    overlap). Average: it is shared equally, dout / (KH*KW), by every cell of the window; the
    shares that fall on padding are dropped.
    """
    N, C, H, W = cache.shape
    (KH, KW), stride, (ph, pw), batched = cache.kernel, cache.stride, cache.padding, cache.batched
    (sh, sw) = stride
    Ho, Wo = output_length(H, KH, ph, sh, 1), output_length(W, KW, pw, sw, 1)
    dout = np.asarray(dout)
    if not batched:
        dout = dout[None]
    if dout.shape != (N, C, Ho, Wo):
        expected = (C, Ho, Wo) if not batched else (N, C, Ho, Wo)
        got = dout.shape if batched else dout.shape[1:]
        raise ShapeError(
            gettext("grad_output must have the output's shape {value}, got {value2}").format(
                value="×".join(map(str, expected)), value2="×".join(map(str, got))
            ),
            "grad_output",
        )
    dout = dout.astype(np.result_type(cache.dtype, dout), copy=False)
    dxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=dout.dtype)
    max_pool = cache.mode == "max"
    winners = cache.winners.get() if max_pool else None
    for t in range(KH * KW):
        share = np.where(winners == t, dout, 0) if max_pool else dout / (KH * KW)
        tap(dxp, t // KW, t % KW, Ho, Wo, stride)[...] += share
    dx = dxp[:, :, ph : ph + H, pw : pw + W]
    return dx if batched else dx[0]


def pool2d_naive(x, mode, size, stride=None, padding=0):
    """The loop twin of pool2d_forward, written straight from the definition; for tests only."""
    x, batched, (KH, KW), (sh, sw), (ph, pw) = prepare(x, mode, size, stride, padding)
    N, C, H, W = x.shape
    Ho, Wo = output_length(H, KH, ph, sh, 1), output_length(W, KW, pw, sw, 1)
    out = np.zeros((N, C, Ho, Wo), dtype=np.float64)
    for n in range(N):
        for c in range(C):
            for oh in range(Ho):
                for ow in range(Wo):
                    best, total = None, 0.0
                    for i in range(KH):
                        for j in range(KW):
                            r, s = oh * sh + i - ph, ow * sw + j - pw
                            if 0 <= r < H and 0 <= s < W:
                                v = float(x[n, c, r, s])
                                total += v
                                if best is None or v > best:
                                    best = v
                    out[n, c, oh, ow] = best if mode == "max" else total / (KH * KW)
    return out if batched else out[0]


def pool2d_backward_naive(dout, x, mode, size, stride=None, padding=0):
    """The loop twin of pool2d_backward; for tests only."""
    x, batched, (KH, KW), (sh, sw), (ph, pw) = prepare(x, mode, size, stride, padding)
    N, C, H, W = x.shape
    dout = np.asarray(dout, dtype=np.float64)
    if not batched:
        dout = dout[None]
    dx = np.zeros((N, C, H, W), dtype=np.float64)
    Ho, Wo = dout.shape[2:]
    for n in range(N):
        for c in range(C):
            for oh in range(Ho):
                for ow in range(Wo):
                    winner, best = None, None
                    for i in range(KH):
                        for j in range(KW):
                            r, s = oh * sh + i - ph, ow * sw + j - pw
                            if not (0 <= r < H and 0 <= s < W):
                                continue
                            if mode == "avg":
                                dx[n, c, r, s] += dout[n, c, oh, ow] / (KH * KW)
                            elif best is None or x[n, c, r, s] > best:
                                winner, best = (r, s), x[n, c, r, s]
                    if mode == "max":
                        dx[n, c, winner[0], winner[1]] += dout[n, c, oh, ow]
    return dx if batched else dx[0]


def pool2d_trace(x, mode, size, stride=None, padding=0):
    """Every step of pooling one C×H×W input, in order: channel, then row, then column.

    Each step records the window's top-left corner in padded coordinates, the KH*KW padded cells
    it covers (row-major) and which are padding, their values (0 for padding), and the output
    value; for max the winning cell (its index in the window, padded and input coordinates) and
    how many cells tie with it; for avg the sum and the divisor (KH*KW, padding counted).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ShapeError(
            gettext("the step trace takes one C×H×W input, got {ndim} dimensions").format(
                ndim=x.ndim
            ),
            "input",
        )
    out, cache = pool2d_forward(np.asarray(x, dtype=np.float64), mode, size, stride, padding)
    (KH, KW), (sh, sw), (ph, pw) = cache.kernel, cache.stride, cache.padding
    arg = cache.winners.get() if mode == "max" else None
    C, H, W = x.shape
    Ho, Wo = out.shape[1:]
    xp = pad_input(np.asarray(x, dtype=np.float64)[None], (ph, pw))[0]
    steps = []
    for c in range(C):
        for oh in range(Ho):
            rows = oh * sh + np.arange(KH)
            row_pad = (rows < ph) | (rows >= ph + H)
            for ow in range(Wo):
                cols = ow * sw + np.arange(KW)
                col_pad = (cols < pw) | (cols >= pw + W)
                window = xp[c, rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
                step = {
                    "channel": c,
                    "row": oh,
                    "col": ow,
                    "top": int(rows[0]),
                    "left": int(cols[0]),
                    "cells": [[int(r), int(s)] for r in rows for s in cols],
                    "is_padding": [bool(rp or cp) for rp in row_pad for cp in col_pad],
                    "values": window.ravel().tolist(),
                    "value": float(out[c, oh, ow]),
                }
                if mode == "max":
                    t = int(arg[0, c, oh, ow])
                    r, s = int(rows[t // KW]), int(cols[t % KW])
                    real = ~np.logical_or.outer(row_pad, col_pad)
                    step["winner"] = t
                    step["winner_cell"] = [r, s]
                    step["winner_input"] = [r - ph, s - pw]
                    step["ties"] = int(np.count_nonzero((window == out[c, oh, ow]) & real))
                else:
                    step["sum"] = float(window.sum())
                    step["divisor"] = KH * KW
                steps.append(step)
    return steps


def pool_size_report(size: int, kernel: int, pad: int, stride: int, axis: str) -> dict:
    """conv's size_report (no dilation), with the formula written the way pooling's usually is."""
    report = size_report(size, kernel, pad, stride, 1, axis)
    span = report["numerator"]
    report["formula"] = (
        f"({size} + 2·{pad} − {kernel}) / {stride} + 1 = {span}/{stride} + 1 = "
        + rounded_down(span / stride + 1, report["output"], report["exact"])
    )
    return report


@dataclass(frozen=True)
class PoolLesson:
    """Pooling as the lesson shows it: the output, the window used, the padded grid the steps
    refer to, the size formula per axis and, when traced, every step (pool2d_trace)."""

    output: np.ndarray  # (C, H_out, W_out)
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    padded_shape: tuple[int, int, int]  # (C, H + 2·ph, W + 2·pw)
    sizes: dict[str, dict]  # "height", "width"
    steps: list[dict] | None


def pool2d_lesson(
    x, mode, size=2, stride=None, padding=0, global_pool=False, trace=True, max_trace_values=None
) -> PoolLesson:
    """One input x (C, H, W), pooled; the trace lists C·H_out·W_out·KH·KW window values, and more
    than max_trace_values is refused before the trace is built."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ShapeError(
            gettext("input must be C×H×W, got {ndim} dimensions").format(ndim=x.ndim), "input"
        )
    out, cache = pool2d_forward(x, mode, size, stride, padding, global_pool)
    (kh, kw), (sh, sw), (ph, pw) = cache.kernel, cache.stride, cache.padding
    C, H, W = x.shape
    values = out.size * kh * kw
    if trace and max_trace_values is not None and values > max_trace_values:
        raise InputError(
            gettext(
                "the step trace would list {values:,} window values "
                "(C·Ho·Wo·KH·KW); the stepper shows at most "
                "{max_trace_values:,}: use a smaller input or window, or set "
                "trace to false"
            ).format(values=values, max_trace_values=max_trace_values),
            "input",
        )
    return PoolLesson(
        output=out,
        kernel=(kh, kw),
        stride=(sh, sw),
        padding=(ph, pw),
        padded_shape=(C, H + 2 * ph, W + 2 * pw),
        sizes={
            "height": pool_size_report(H, kh, ph, sh, "height"),
            "width": pool_size_report(W, kw, pw, sw, "width"),
        },
        steps=pool2d_trace(x, mode, (kh, kw), (sh, sw), (ph, pw)) if trace else None,
    )


# ---------------------------------------------------------------- batched training path
# pool2d_backward above finds the winners with boolean-mask assignments over intp indices and
# adds each tap's share through np.where: about 12 ms forward + backward for the CNN lesson's
# first pool (64×8×28×28, float32). Strided element-wise passes (every other column) are slow
# too, and np.copyto(where=) slower still (5 ms for this pool). The pair below first copies the
# taps into one contiguous (KH·KW, N, C, H_out, W_out) block (0.4 ms), takes the max over its
# first axis (0.13 ms), finds the first winning tap with boolean arithmetic (0.25 ms) and writes
# each tap's share straight into its view of dx (0.7 ms): about 1.5 ms for this pool, less with
# the image ranges split over the cores (parallel.for_images). Four strided np.maximum passes
# with the winner from their comparisons measured 2.1 ms against 1.1 ms for this forward.


def pool_taps(xp, kernel, stride, out_size) -> np.ndarray:
    """The window taps of xp (N, C, Hp, Wp) as one contiguous (KH*KW, N, C, H_out, W_out) block."""
    (KH, KW), (sh, sw), (Ho, Wo) = kernel, stride, out_size
    N, C, Hp, Wp = xp.shape
    if (sh, sw) == (KH, KW) and (Hp, Wp) == (Ho * KH, Wo * KW):  # windows tile the input
        blocks = xp.reshape(N, C, Ho, KH, Wo, KW).transpose(3, 5, 0, 1, 2, 4)
        return np.ascontiguousarray(blocks).reshape(KH * KW, N, C, Ho, Wo)
    return np.stack([tap(xp, t // KW, t % KW, Ho, Wo, stride) for t in range(KH * KW)])


def first_winner(taps, out) -> np.ndarray:
    """uint8 index of the first tap equal to the max, per window (row-major window order)."""
    winner = np.zeros(out.shape, np.uint8)
    found = taps[0] == out
    for t in range(1, len(taps)):
        hit = taps[t] == out
        hit &= ~found
        winner += hit.view(np.uint8) * np.uint8(t)
        found |= hit
    return winner


def as_maps(x):
    """x (N, C, H, W) as its N·C maps (N·C, 1, H, W) without a copy when each map is one
    contiguous run (NCHW memory, or the (C, N, H, W) memory the conv layers hand on), and
    whether the maps are in channel-first order. Any other layout is copied channel first."""
    N, C, H, W = x.shape
    if x.flags.c_contiguous:
        return x.reshape(N * C, 1, H, W), False
    return np.ascontiguousarray(x.swapaxes(0, 1)).reshape(C * N, 1, H, W), True


def from_maps(a, shape, channel_first):
    """The inverse of as_maps: (N·C, 1, h, w) maps -> (N, C, h, w) (a view, in their layout)."""
    N, C = shape[:2]
    h, w = a.shape[2:]
    if channel_first:
        return a.reshape(C, N, h, w).swapaxes(0, 1)
    return a.reshape(N, C, h, w)


def pool2d_forward_batched(x, mode, size, stride=None, padding=0):
    """Max or average pooling of x (N, C, H, W); returns out (N, C, H_out, W_out) and a cache.

    H_out = (H + 2*ph - KH) // sh + 1, likewise W_out. Ties go to the first maximum in row-major
    window order, as in PyTorch. Every map is pooled on its own, so x's memory layout is kept:
    out is laid out as x is (NCHW, or channel first as the conv layers hand it on; as_maps).
    Ranges of maps run side by side (parallel.for_images). The cache, for
    pool2d_backward_batched: {"x_shape", "mode", "kernel", "stride", "padding", "winner",
    "channel_first"} (winner: the index i*KW + j of each window's winning tap, uint8, max only,
    per map). The same numbers as pool2d_forward (the tests hold them equal).
    """
    x, _, (KH, KW), stride, padding = prepare(x, mode, size, stride, padding)
    shape = x.shape
    x, channel_first = as_maps(x)
    M = x.shape[0]
    H, W = shape[2:]
    (sh, sw), (ph, pw) = stride, padding
    Ho, Wo = output_length(H, KH, ph, sh, 1), output_length(W, KW, pw, sw, 1)
    out = np.empty((M, 1, Ho, Wo), x.dtype)
    winner = np.empty((M, 1, Ho, Wo), np.uint8) if mode == "max" else None

    def pool_images(s):
        xp = pad_for(x[s], mode, padding)
        if mode == "max":
            # Crop the floor's leftover border first, so that tiling windows need one copy.
            used = xp[:, :, : sh * (Ho - 1) + KH, : sw * (Wo - 1) + KW]
            taps = pool_taps(used, (KH, KW), stride, (Ho, Wo))
            np.maximum.reduce(taps, axis=0, out=out[s])
            winner[s] = first_winner(taps, out[s])
        else:
            total = tap(xp, 0, 0, Ho, Wo, stride).copy()
            for t in range(1, KH * KW):
                total += tap(xp, t // KW, t % KW, Ho, Wo, stride)
            np.divide(total, KH * KW, out=out[s])

    for_images(pool_images, M, x.size)
    cache = {
        "x_shape": shape,
        "mode": mode,
        "kernel": (KH, KW),
        "stride": stride,
        "padding": padding,
        "winner": winner,
        "channel_first": channel_first,
    }
    return from_maps(out, shape, channel_first), cache


def pool2d_backward_batched(dout, cache, positive=None):
    """dout (N, C, H_out, W_out) -> dx (N, C, H, W): to the winner (max) or shared (average).

    dout may have any memory layout; dx is laid out as the forward pass's input was.
    positive: the max pool's output, when a ReLU feeds the pool: dx is then also the gradient
    through that ReLU (its mask [y > 0] at each winner is [output > 0], applied on the pooled
    grid, a quarter of the cells for 2×2 windows)."""
    shape = N, C, H, W = cache["x_shape"]
    (KH, KW), stride, (ph, pw) = cache["kernel"], cache["stride"], cache["padding"]
    Ho, Wo = dout.shape[2:]
    mode, winner = cache["mode"], cache["winner"]
    if cache["channel_first"]:
        dout = np.ascontiguousarray(dout.swapaxes(0, 1)).reshape(C * N, 1, Ho, Wo)
    else:
        dout = np.ascontiguousarray(dout).reshape(N * C, 1, Ho, Wo)
    M = dout.shape[0]
    if positive is not None:
        pooled, _ = as_maps(positive)  # in the layout of dout's maps (both as the forward's)
    overlapping = stride[0] < KH or stride[1] < KW
    tiled = not overlapping and (H + 2 * ph, W + 2 * pw) == (Ho * KH, Wo * KW)
    dxp = np.empty((M, 1, H + 2 * ph, W + 2 * pw), dout.dtype)

    def route(s):
        if not tiled:  # windows that tile the input write every cell once: no zeros needed
            dxp[s] = 0
        d = dout[s] if positive is None else dout[s] * (pooled[s] > 0)
        share = d / (KH * KW) if mode == "avg" else None
        for t in range(KH * KW):
            target = tap(dxp[s], t // KW, t % KW, Ho, Wo, stride)
            if not overlapping:  # each input cell is one tap of at most one window: write it
                if mode == "max":
                    np.multiply(d, winner[s] == t, out=target)
                else:
                    target[...] = share
            else:
                target += np.multiply(d, winner[s] == t) if mode == "max" else share

    for_images(route, M, dxp.size)
    return from_maps(dxp[:, :, ph : ph + H, pw : pw + W], shape, cache["channel_first"])
