"""Image filters through the pipeline a CNN layer runs: convolution, then ReLU, then pooling.

Images are C×H×W float32 with values in [0, 1] (C = 1 for grayscale, 3 for RGB). A filter is
either K×K or D×K×K, always square with an odd size K (the lecture notes' rule):
- K×K on a one-channel image: one feature map (H_out×W_out);
- K×K on an RGB image: applied to each channel on its own, like an image editor (3×H_out×W_out);
- D×K×K: full depth, like a CNN layer: D must equal C, and the products are summed over the
  channels into one feature map (H_out×W_out).
Kernels are slid as CNN layers slide them (cross-correlation, no flip) unless mode="convolution".
Padding "same" adds (K - 1) / 2 rings of zeros, so stride 1 keeps the size; "valid" adds none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.conv import conv2d_forward
from app.core.errors import InputError, ShapeError
from app.core.pool import pool2d_forward

MAX_KERNEL = 11
PADDINGS = ("same", "valid")
ACTIVATIONS = ("relu", "none")


@dataclass(frozen=True)
class Preset:
    """A classic image filter: a stable name, its labels in English and Chinese, what it shows,
    and its K×K kernel (rows of numbers)."""

    name: str
    label: str
    label_zh: str
    extracts: str  # what it shows: intensity (颜色深浅) or contours (轮廓)
    kernel: tuple


def _outer(v):
    return tuple(tuple(a * b for b in v) for a in v)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "identity", "Identity", "恒等", "the image itself", ((0, 0, 0), (0, 1, 0), (0, 0, 0))
        ),
        Preset(
            "box_blur_3", "Box blur 3×3", "均值模糊 3×3", "intensity, smoothed", ((1 / 9,) * 3,) * 3
        ),
        Preset(
            "box_blur_5",
            "Box blur 5×5",
            "均值模糊 5×5",
            "intensity, smoothed",
            ((1 / 25,) * 5,) * 5,
        ),
        Preset(
            "gaussian_blur_3",
            "Gaussian blur 3×3",
            "高斯模糊 3×3",
            "intensity, smoothed",
            tuple(tuple(v / 16 for v in row) for row in _outer((1, 2, 1))),
        ),
        Preset(
            "gaussian_blur_5",
            "Gaussian blur 5×5",
            "高斯模糊 5×5",
            "intensity, smoothed",
            tuple(tuple(v / 256 for v in row) for row in _outer((1, 4, 6, 4, 1))),
        ),
        Preset(
            "sharpen",
            "Sharpen",
            "锐化",
            "intensity, edges boosted",
            ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
        ),
        Preset(
            "laplacian",
            "Laplacian edge",
            "拉普拉斯边缘",
            "contours",
            ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
        ),
        Preset("outline", "Outline", "轮廓", "contours", ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1))),
        Preset(
            "sobel_x",
            "Sobel x",
            "索贝尔 x",
            "vertical edges (dark→bright left to right)",
            ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
        ),
        Preset(
            "sobel_y",
            "Sobel y",
            "索贝尔 y",
            "horizontal edges (dark→bright top to bottom)",
            ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
        ),
        Preset(
            "prewitt_x",
            "Prewitt x",
            "普鲁伊特 x",
            "vertical edges",
            ((-1, 0, 1), (-1, 0, 1), (-1, 0, 1)),
        ),
        Preset(
            "prewitt_y",
            "Prewitt y",
            "普鲁伊特 y",
            "horizontal edges",
            ((-1, -1, -1), (0, 0, 0), (1, 1, 1)),
        ),
        Preset(
            "emboss",
            "Emboss",
            "浮雕",
            "relief lit from the top left",
            ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
        ),
    )
}


def preset_kernel(name: str) -> np.ndarray:
    """The K×K kernel of a preset, float32."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}", "preset")
    return np.array(PRESETS[name].kernel, dtype=np.float32)


@dataclass(frozen=True)
class Filter:
    """A filter as it is applied to an image of some number of channels.

    kind: "single" (K×K on one channel), "per-channel" (K×K on each channel of an RGB image, like
    an image editor) or "full-depth" (C×K×K summed over the channels into one map, like a CNN).
    """

    name: str  # the preset's name, or "custom"
    label: str
    kernel: np.ndarray  # K×K or C×K×K, float32
    kind: str


def make_filter(channels: int, preset: str | None = None, kernel=None, full_depth=False) -> Filter:
    """A preset by name, or a kernel written out (checked by pipeline), for a C-channel image.

    full_depth stacks a preset into a C×K×K kernel with a C-th of it on each channel, so that the
    one map it gives sums over the channels as a CNN layer does and keeps the preset's scale.
    """
    if preset is not None:
        k = preset_kernel(preset)
        label = PRESETS[preset].label
        if full_depth:
            k = np.stack([k / np.float32(channels)] * channels)
            label += " (full depth)"
        name = preset
    else:
        k = np.asarray(kernel, dtype=np.float32)
        name, label = "custom", "Custom " + "×".join(map(str, k.shape))
    kind = "full-depth" if k.ndim == 3 else ("per-channel" if channels > 1 else "single")
    return Filter(name, label, k, kind)


def check_kernel(kernel, field: str = "kernel") -> np.ndarray:
    """A K×K or D×K×K kernel, square with an odd K in 1..11 and finite -> float32 array."""
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim not in (2, 3):
        raise ShapeError(f"a kernel is K×K or D×K×K, got {k.ndim} dimensions", field)
    KH, KW = k.shape[-2:]
    size = "×".join(map(str, k.shape))
    if KH != KW:
        raise ShapeError(f"the kernel is {size}: a filter must be square (K×K)", field)
    if KH % 2 == 0 or not 1 <= KH <= MAX_KERNEL:
        raise ShapeError(
            f"the kernel is {size}: a filter must have an odd size from 1 to {MAX_KERNEL} "
            "(1, 3, 5, ...), so that it has a centre",
            field,
        )
    if k.ndim == 3 and k.shape[0] < 1:
        raise ShapeError("the kernel has depth 0", field)
    if not np.all(np.isfinite(k)):
        raise InputError("the kernel must contain finite numbers only (no NaN or Infinity)", field)
    return k.astype(np.float32)


def pipeline(
    x,
    kernels,
    padding: str = "same",
    stride: int = 1,
    activation: str = "relu",
    pool: dict | None = None,
    mode: str = "cross-correlation",
    on_stage=None,
):
    """Run each kernel over x (C, H, W) float32: conv, then activation, then pooling.

    kernels: list of K×K or D×K×K arrays (see the module docstring). pool: None or
    {"mode": "max" | "avg", "size": k, "stride": s (None: k)}.
    Returns one dict per kernel: {"conv", "activation"[, "pool"]} -> arrays (H', W') for one
    map or (C, H', W') for per-channel maps, float32. Filters of the same size and kind run in
    one conv2d_forward call (one im2col pass for all of them). on_stage(i, name, array), when
    given, is called as soon as each stage is ready (so a caller can encode it meanwhile).
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ShapeError(f"the image must be C×H×W, got {x.ndim} dimensions", "image")
    C, H, W = x.shape
    if padding not in PADDINGS:
        raise InputError(
            f"padding must be one of {', '.join(PADDINGS)}, got {padding!r}", "padding"
        )
    if activation not in ACTIVATIONS:
        raise InputError(
            f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}", "activation"
        )
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise InputError(f"stride must be an integer of at least 1, got {stride!r}", "stride")

    groups: dict[tuple, list[int]] = {}
    checked = []
    for i, kernel in enumerate(kernels):
        field = f"filters[{i}].kernel"
        k = check_kernel(kernel, field)
        K = k.shape[-1]
        if k.ndim == 3 and k.shape[0] != C:
            raise ShapeError(
                f"filter depth {k.shape[0]} does not match the {C} input "
                f"channel{'s' if C != 1 else ''}",
                field,
            )
        pad = (K - 1) // 2 if padding == "same" else 0
        if K > H + 2 * pad or K > W + 2 * pad:
            raise ShapeError(
                f"the {K}×{K} kernel does not fit in the {H}×{W} image with {padding} padding "
                f"({pad} on each side)",
                field,
            )
        per_channel = k.ndim == 2 and C > 1
        checked.append(k)
        groups.setdefault((K, per_channel), []).append(i)

    convs: list[np.ndarray | None] = [None] * len(checked)
    for (K, per_channel), members in groups.items():
        pad = (K - 1) // 2 if padding == "same" else 0
        if per_channel:
            # Each channel is its own one-channel image: a batch of C, F filters of depth 1.
            w = np.stack([checked[i] for i in members])[:, None]
            out, _ = conv2d_forward(x[:, None], w, None, stride, pad, 1, mode)  # (C, F, Ho, Wo)
            for f, i in enumerate(members):
                convs[i] = out[:, f]
        else:
            w = np.stack([checked[i].reshape(C, K, K) for i in members])
            out, _ = conv2d_forward(x, w, None, stride, pad, 1, mode)  # (F, Ho, Wo)
            for f, i in enumerate(members):
                convs[i] = out[f]

    report = on_stage or (lambda i, name, array: None)
    if pool is not None:  # refuse a window too large before any work is reported
        H_out, W_out = convs[0].shape[-2:] if convs else (H, W)
        for conv in convs:
            H_out, W_out = min(H_out, conv.shape[-2]), min(W_out, conv.shape[-1])
        check_pool_fits(pool, H_out, W_out)
    results = []
    for i, conv in enumerate(convs):
        report(i, "conv", conv)
        act = np.maximum(conv, np.float32(0)) if activation == "relu" else conv
        report(i, "activation", act)
        stages = {"conv": conv, "activation": act}
        if pool is not None:
            stages["pool"] = pool_map(act, pool)
            report(i, "pool", stages["pool"])
        results.append(stages)
    return results


def check_pool_fits(pool: dict, H: int, W: int) -> None:
    size = pool["size"]
    if size > H or size > W:
        raise ShapeError(
            f"the {size}×{size} pooling window is larger than the {H}×{W} feature map it pools",
            "pool.size",
        )


def pool_map(a: np.ndarray, pool: dict) -> np.ndarray:
    """Pool one map (H, W) or per-channel maps (C, H, W) with pool2d_forward."""
    size, stride = pool["size"], pool.get("stride") or pool["size"]
    check_pool_fits(pool, *a.shape[-2:])
    out, _ = pool2d_forward(a if a.ndim == 3 else a[None], pool["mode"], size, stride)
    return out if a.ndim == 3 else out[0]


def quantize(a: np.ndarray, lo: float | None = None, hi: float | None = None):
    """Values -> (uint8 codes, lo, hi), linear from lo to hi: v ≈ lo + q·(hi - lo)/255.

    lo and hi default to the min and max, so nothing is clipped (give the full map's range to
    quantise a preview of it). A constant map gives all zeros.
    """
    if lo is None or hi is None:
        lo, hi = float(a.min()), float(a.max())
    scale = np.float32(255 / (hi - lo)) if hi > lo else np.float32(0)
    q = (a - np.float32(lo)) * scale
    q += np.float32(0.5)
    return q.astype(np.uint8), lo, hi


def block_mean(a: np.ndarray, max_side: int) -> tuple[np.ndarray, int]:
    """Shrink (..., H, W) by the smallest whole factor f that brings both sides to max_side or
    less, each output the mean of an f×f block (blocks cut by the border average what they hold).
    Returns (a, 1) unchanged when it already fits."""
    H, W = a.shape[-2:]
    f = -(-max(H, W) // max_side)
    if f <= 1:
        return a, 1
    Hb, Wb = -(-H // f), -(-W // f)
    lead = a.shape[:-2]
    sums = np.zeros(lead + (Hb, Wb), np.float32)
    counts = np.zeros((Hb, Wb), np.float32)
    for i in range(f):  # f² strided views, each summed into every block at once
        for j in range(f):
            part = a[..., i::f, j::f]
            h, w = part.shape[-2:]
            sums[..., :h, :w] += part
            counts[:h, :w] += 1
    return sums / counts, f
