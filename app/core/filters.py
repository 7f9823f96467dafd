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

from app.core.conv import conv2d_forward, output_length
from app.core.errors import InputError, ShapeError
from app.core.pool import pool2d_forward, pool2d_trace
from app.i18n import N_, gettext, ngettext

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
            "identity",
            N_("Identity"),
            "恒等",
            N_("the image itself"),
            ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
        ),
        Preset(
            "box_blur_3",
            N_("Box blur 3×3"),
            "均值模糊 3×3",
            N_("intensity, smoothed"),
            ((1 / 9,) * 3,) * 3,
        ),
        Preset(
            "box_blur_5",
            N_("Box blur 5×5"),
            "均值模糊 5×5",
            N_("intensity, smoothed"),
            ((1 / 25,) * 5,) * 5,
        ),
        Preset(
            "gaussian_blur_3",
            N_("Gaussian blur 3×3"),
            "高斯模糊 3×3",
            N_("intensity, smoothed"),
            tuple(tuple(v / 16 for v in row) for row in _outer((1, 2, 1))),
        ),
        Preset(
            "gaussian_blur_5",
            N_("Gaussian blur 5×5"),
            "高斯模糊 5×5",
            N_("intensity, smoothed"),
            tuple(tuple(v / 256 for v in row) for row in _outer((1, 4, 6, 4, 1))),
        ),
        Preset(
            "sharpen",
            N_("Sharpen"),
            "锐化",
            N_("intensity, edges boosted"),
            ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
        ),
        Preset(
            "laplacian",
            N_("Laplacian edge"),
            "拉普拉斯边缘",
            N_("contours"),
            ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
        ),
        Preset(
            "outline",
            N_("Outline"),
            "轮廓",
            N_("contours"),
            ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
        ),
        Preset(
            "sobel_x",
            N_("Sobel x"),
            "索贝尔 x",
            N_("vertical edges (dark→bright left to right)"),
            ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
        ),
        Preset(
            "sobel_y",
            N_("Sobel y"),
            "索贝尔 y",
            N_("horizontal edges (dark→bright top to bottom)"),
            ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
        ),
        Preset(
            "prewitt_x",
            N_("Prewitt x"),
            "普鲁伊特 x",
            N_("vertical edges"),
            ((-1, 0, 1), (-1, 0, 1), (-1, 0, 1)),
        ),
        Preset(
            "prewitt_y",
            N_("Prewitt y"),
            "普鲁伊特 y",
            N_("horizontal edges"),
            ((-1, -1, -1), (0, 0, 0), (1, 1, 1)),
        ),
        Preset(
            "emboss",
            N_("Emboss"),
            "浮雕",
            N_("relief lit from the top left"),
            ((-2, -1, 0), (-1, 1, 1), (0, 1, 2)),
        ),
    )
}


def preset_kernel(name: str) -> np.ndarray:
    """The K×K kernel of a preset, float32."""
    if name not in PRESETS:
        raise InputError(
            gettext("unknown preset {name!r}; known: {value}").format(
                name=name, value=", ".join(PRESETS)
            ),
            "preset",
        )
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
        label = gettext(PRESETS[preset].label)
        if full_depth:
            k = np.stack([k / np.float32(channels)] * channels)
            label = gettext("{label} (full depth)").format(label=label)
        name = preset
    else:
        k = np.asarray(kernel, dtype=np.float32)
        name = "custom"
        label = gettext("Custom {size}").format(size="×".join(map(str, k.shape)))
    kind = "full-depth" if k.ndim == 3 else ("per-channel" if channels > 1 else "single")
    return Filter(name, label, k, kind)


def check_kernel(kernel, field: str = "kernel") -> np.ndarray:
    """A K×K or D×K×K kernel, square with an odd K in 1..11 and finite -> float32 array."""
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim not in (2, 3):
        raise ShapeError(
            gettext("a kernel is K×K or D×K×K, got {ndim} dimensions").format(ndim=k.ndim), field
        )
    KH, KW = k.shape[-2:]
    size = "×".join(map(str, k.shape))
    if KH != KW:
        raise ShapeError(
            gettext("the kernel is {size}: a filter must be square (K×K)").format(size=size), field
        )
    if KH % 2 == 0 or not 1 <= KH <= MAX_KERNEL:
        raise ShapeError(
            gettext(
                "the kernel is {size}: a filter must have an odd size from 1 to "
                "{MAX_KERNEL} (1, 3, 5, ...), so that it has a centre"
            ).format(size=size, MAX_KERNEL=MAX_KERNEL),
            field,
        )
    if k.ndim == 3 and k.shape[0] < 1:
        raise ShapeError(gettext("the kernel has depth 0"), field)
    if not np.all(np.isfinite(k)):
        raise InputError(
            gettext("the kernel must contain finite numbers only (no NaN or Infinity)"), field
        )
    return k.astype(np.float32)


# Feature maps computed at once by one conv2d_forward call: a group of same-sized filters is cut
# into chunks of at most this many output bytes: 16 per-channel filters on a 1024² RGB image
# hold one 12 MB map at a time, not 200 MB (that request's peak: 236 MB with 48 MB chunks, 123 MB
# with these).
CHUNK_BYTES = 16 << 20


def pipeline(
    x,
    kernels,
    padding: str = "same",
    stride: int = 1,
    activation: str = "relu",
    pool: dict | None = None,
    mode: str = "cross-correlation",
):
    """Run each kernel over x (C, H, W) float32: conv, then activation, then pooling.

    kernels: list of K×K or D×K×K arrays (see the module docstring). pool: None or
    {"mode": "max" | "avg", "size": k, "stride": s (None: k)}.
    Returns one dict per kernel: {"conv", "activation"[, "pool"]} -> arrays (H', W') for one
    map or (C, H', W') for per-channel maps, float32 (iter_pipeline, in the kernels' order).
    """
    results = [None] * len(kernels)
    for i, stages in iter_pipeline(x, kernels, padding, stride, activation, pool, mode):
        results[i] = stages
    return results


def iter_pipeline(
    x,
    kernels,
    padding: str = "same",
    stride: int = 1,
    activation: str = "relu",
    pool: dict | None = None,
    mode: str = "cross-correlation",
    chunk_bytes: int = CHUNK_BYTES,
):
    """pipeline() one filter at a time: yields (i, stages) as each filter's stages are ready.

    Every kernel and the pooling window are checked before the first map is computed. Filters
    of the same size and kind run in one conv2d_forward call (one im2col pass for all of them),
    in chunks of at most chunk_bytes of output; a caller that drops each filter's stages once
    used holds one chunk at a time.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ShapeError(
            gettext("the image must be C×H×W, got {ndim} dimensions").format(ndim=x.ndim), "image"
        )
    C, H, W = x.shape
    if padding not in PADDINGS:
        raise InputError(
            gettext("padding must be one of {value}, got {padding!r}").format(
                value=", ".join(PADDINGS), padding=padding
            ),
            "padding",
        )
    if activation not in ACTIVATIONS:
        raise InputError(
            gettext("activation must be one of {value}, got {activation!r}").format(
                value=", ".join(ACTIVATIONS), activation=activation
            ),
            "activation",
        )
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise InputError(
            gettext("stride must be an integer of at least 1, got {stride!r}").format(
                stride=stride
            ),
            "stride",
        )

    groups: dict[tuple, list[int]] = {}
    checked = []
    H_out, W_out = None, None
    for i, kernel in enumerate(kernels):
        k = check_filter(kernel, C, H, W, padding, f"filters[{i}].kernel")
        K = k.shape[-1]
        per_channel = k.ndim == 2 and C > 1
        checked.append(k)
        groups.setdefault((K, per_channel), []).append(i)
        Ho, Wo = output_size(H, W, K, padding, stride)
        H_out, W_out = min(H_out or Ho, Ho), min(W_out or Wo, Wo)
    if pool is not None and checked:  # refuse a window too large before any work
        check_pool_fits(pool, H_out, W_out)

    for (K, per_channel), members in groups.items():
        pad = (K - 1) // 2 if padding == "same" else 0
        Ho, Wo = output_size(H, W, K, padding, stride)
        per_map = Ho * Wo * 4 * (C if per_channel else 1)
        step = max(1, chunk_bytes // per_map)
        for start in range(0, len(members), step):
            chunk = members[start : start + step]
            if per_channel:
                # Each channel is its own one-channel image: a batch of C, F filters of depth 1.
                w = np.stack([checked[i] for i in chunk])[:, None]
                out, _ = conv2d_forward(x[:, None], w, None, stride, pad, 1, mode)  # (C, F, ...)
                convs = [out[:, f] for f in range(len(chunk))]
            else:
                w = np.stack([checked[i].reshape(C, K, K) for i in chunk])
                out, _ = conv2d_forward(x, w, None, stride, pad, 1, mode)  # (F, Ho, Wo)
                convs = list(out)
            del out, w
            for i, conv in zip(chunk, convs, strict=True):
                act = np.maximum(conv, np.float32(0)) if activation == "relu" else conv
                stages = {"conv": conv, "activation": act}
                if pool is not None:
                    stages["pool"] = pool_map(act, pool)
                yield i, stages
            del convs


def largest_odd(n: int) -> int:
    return max(1, n if n % 2 else n - 1)


def check_filter(kernel, C: int, H: int, W: int, padding: str, field: str) -> np.ndarray:
    """check_kernel, and the kernel's depth and size against a C×H×W image -> float32 array."""
    k = check_kernel(kernel, field)
    K = k.shape[-1]
    if k.ndim == 3 and k.shape[0] != C:
        raise ShapeError(
            ngettext(
                "filter depth {shape} does not match the {C} input channel",
                "filter depth {shape} does not match the {C} input channels",
                C,
            ).format(shape=k.shape[0], C=C),
            field,
        )
    pad = (K - 1) // 2 if padding == "same" else 0
    if K > H + 2 * pad or K > W + 2 * pad:
        fits = largest_odd(min(H, W) + 2 * pad)
        raise ShapeError(
            f"the {K}×{K} kernel does not fit in the {W}×{H} (width×height) image with "
            f"{padding} padding ({pad} on each side): use a kernel of at most {fits}×{fits}"
            + (" or same padding" if padding == "valid" else ""),
            field,
        )
    return k


def stage_shapes(
    kernel, C: int, H: int, W: int, padding: str, stride: int, pool: dict | None, field="kernel"
) -> dict[str, tuple[int, ...]]:
    """The shape of each stage pipeline() gives for this kernel, without computing it:
    {"conv", "activation"[, "pool"]} -> (H', W') or (C, H', W') for per-channel maps."""
    k = check_filter(kernel, C, H, W, padding, field)
    Ho, Wo = output_size(H, W, k.shape[-1], padding, stride)
    lead = (C,) if k.ndim == 2 and C > 1 else ()
    shapes = {"conv": lead + (Ho, Wo), "activation": lead + (Ho, Wo)}
    if pool is not None:
        check_pool_fits(pool, Ho, Wo)
        size, step = pool["size"], pool.get("stride") or pool["size"]
        pooled = (output_length(Ho, size, 0, step, 1), output_length(Wo, size, 0, step, 1))
        shapes["pool"] = lead + pooled
    return shapes


def check_pool_fits(pool: dict, H: int, W: int) -> None:
    size = pool["size"]
    if size > H or size > W:
        raise ShapeError(
            gettext(
                "the {size}×{size} pooling window is larger than the {W}×{H} "
                "(width×height) feature map it pools: use a window of at most "
                "{value}"
            ).format(size=size, W=W, H=H, value=min(H, W)),
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
    quantise a preview of it); values outside [lo, hi] get code 0 or 255. A constant map gives
    all zeros.
    """
    if lo is None or hi is None:
        lo, hi = float(a.min()), float(a.max())
    scale = np.float32(255 / (hi - lo)) if hi > lo else np.float32(0)
    q = (a - np.float32(lo)) * scale
    q += np.float32(0.5)
    np.clip(q, 0, 255, out=q)
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


CONTRASTS = ("full", "robust")
VIEWS = ("signed", "magnitude")
# The robust range: the 1st and 99th percentiles, so that a few strong edges do not leave the rest
# of a photo's map in the middle of the scale.
ROBUST_PERCENTILES = (1.0, 99.0)


@dataclass(frozen=True)
class Display:
    """How a stage is drawn: the values v (or |v| in the magnitude view) from lo to hi over the
    image's codes 0..255; below/above: how many values lie outside [lo, hi] (drawn at the ends).
    min/max: the stage's true range (of v, whatever the view)."""

    contrast: str
    view: str
    lo: float
    hi: float
    below: int
    above: int
    size: int
    min: float
    max: float

    @property
    def clipped_percent(self) -> float:
        return 100 * (self.below + self.above) / self.size if self.size else 0.0


def display_range(a: np.ndarray, contrast: str = "full", view: str = "signed") -> Display:
    """The range a stage is drawn over: full (min to max) or robust (1st to 99th percentile), of
    the values or, in the magnitude view, of |values| (from 0)."""
    if contrast not in CONTRASTS:
        raise InputError(
            gettext("contrast must be one of {value}").format(value=", ".join(CONTRASTS)),
            "contrast",
        )
    if view not in VIEWS:
        raise InputError(
            gettext("view must be one of {value}").format(value=", ".join(VIEWS)), "view"
        )
    lo_true, hi_true = float(a.min()), float(a.max())
    shown = np.abs(a) if view == "magnitude" else a
    if contrast == "full":
        lo, hi = (0.0, float(shown.max())) if view == "magnitude" else (lo_true, hi_true)
        return Display(contrast, view, lo, hi, 0, 0, a.size, lo_true, hi_true)
    p_lo, p_hi = np.percentile(shown, ROBUST_PERCENTILES)
    lo = 0.0 if view == "magnitude" else float(p_lo)
    hi = float(p_hi)
    below = int(np.count_nonzero(shown < np.float32(lo))) if view == "signed" else 0
    above = int(np.count_nonzero(shown > np.float32(hi)))
    return Display(contrast, view, lo, hi, below, above, a.size, lo_true, hi_true)


def render_stage(a: np.ndarray, display: Display, max_side: int) -> tuple[np.ndarray, int]:
    """The stage's image codes (uint8, (H', W') or (C, H', W')) and their factor f: the shown
    values (v or |v|) block-averaged by the smallest f that fits max_side (f = 1: one code per
    value), quantised over display.lo..hi."""
    shown = np.abs(a) if display.view == "magnitude" else a
    shown, factor = block_mean(shown, max_side)
    q, _, _ = quantize(shown, display.lo, display.hi)
    return q, factor


def preview_values(shape, side: int) -> int:
    """How many values block_mean(a of this shape, side) returns."""
    f = max(1, -(-max(shape[-2:]) // side))
    return int(np.prod(shape[:-2], dtype=np.int64)) * -(-shape[-2] // f) * -(-shape[-1] // f)


def preview_side(shapes, max_side: int, max_values: int) -> int:
    """The largest side s ≤ max_side such that the previews of all stages (shapes (..., H, W)),
    each block-averaged to at most s on a side, hold at most max_values values together."""
    lo, hi = 1, max_side
    while lo < hi:  # the total only grows with s
        mid = (lo + hi + 1) // 2
        if sum(preview_values(shape, mid) for shape in shapes) <= max_values:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ---------- the arithmetic of one output pixel ----------

STAGES = ("conv", "activation", "pool")


@dataclass(frozen=True)
class ConvCell:
    """One convolution output written out. channel: the image channel of a per-channel map,
    None when the kernel covers every channel. top/left: the window's first image row/column
    (negative inside the zero padding). Arrays are float32: window and products (D, K, K), the
    sum of each slice's products (D,)."""

    channel: int | None
    row: int
    col: int
    top: int
    left: int
    window: np.ndarray
    is_padding: np.ndarray  # (K, K) bool
    products: np.ndarray
    channel_sums: np.ndarray
    value: float
    activated: float


@dataclass(frozen=True)
class PoolCell:
    """One pooled output written out: the window of the activation map starting at (top, left),
    its values (size, size), and the max's winner (the first maximum in row-major order) or the
    average's sum and divisor."""

    channel: int | None
    top: int
    left: int
    values: np.ndarray
    winner: tuple[int, int] | None
    ties: int | None
    sum: float | None
    divisor: int | None
    value: float


@dataclass(frozen=True)
class PixelProbe:
    """The arithmetic behind one pixel of a stage. kernel: (D, K, K) as slid (flipped in
    convolution mode). pools: one per channel map for the pool stage, else empty. convs: the
    conv cell behind the pixel per channel map (for a pool: the max's winner or the average
    window's first cell). value: the pixel's value, one per channel map."""

    stage: str
    row: int
    col: int
    kind: str  # "single" | "per-channel" | "full-depth"
    kernel: np.ndarray
    pools: list[PoolCell]
    convs: list[ConvCell]
    value: list[float]


def output_size(H: int, W: int, K: int, padding: str, stride: int) -> tuple[int, int]:
    """A K×K map's size over an H×W image with "same" or "valid" padding."""
    pad = (K - 1) // 2 if padding == "same" else 0
    return output_length(H, K, pad, stride, 1), output_length(W, K, pad, stride, 1)


def _check_probe_stage(stage, row, col, pool, H_out, W_out):
    """The stage's map size, and (row, col) inside it."""
    if stage not in STAGES:
        raise InputError(
            gettext("stage must be one of {value}, got {stage!r}").format(
                value=", ".join(STAGES), stage=stage
            ),
            "stage",
        )
    if stage == "pool":
        if pool is None:
            raise InputError(gettext("the pool stage needs pool settings"), "pool")
        check_pool_fits(pool, H_out, W_out)
        ps = pool.get("stride") or pool["size"]
        H_out = output_length(H_out, pool["size"], 0, ps, 1)
        W_out = output_length(W_out, pool["size"], 0, ps, 1)
    for name, value, size in (("row", row, H_out), ("col", col, W_out)):
        if not 0 <= value < size:
            raise InputError(
                gettext(
                    "{name} {value} is outside the {stage} map ({H_out}×{W_out}): 0 to {value2}"
                ).format(
                    name=name, value=value, stage=stage, H_out=H_out, W_out=W_out, value2=size - 1
                ),
                name,
            )


def probe_pixel(
    pixels,
    scale: int,
    origin: tuple[int, int],
    image_size: tuple[int, int],
    kernel,
    padding: str = "same",
    stride: int = 1,
    activation: str = "relu",
    pool: dict | None = None,
    mode: str = "cross-correlation",
    stage: str = "conv",
    row: int = 0,
    col: int = 0,
) -> PixelProbe:
    """The arithmetic of pixel (row, col) of one stage's map, from the image pixels it needs.

    pixels (C, h, w) unsigned integers are image rows origin[0]..origin[0]+h-1 and columns
    origin[1]..origin[1]+w-1 of the H×W image (image_size); x = pixels / scale in float32, as the
    maps' input. The window the pixel depends on (with its zero padding) goes through pipeline,
    the code that computes the maps, so the values equal the map's up to float32 summation order.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim != 3:
        raise ShapeError(
            gettext("pixels must be C×h×w, got {ndim} dimensions").format(ndim=pixels.ndim),
            "pixels",
        )
    if pixels.size and (pixels.min() < 0 or pixels.max() > scale):
        raise InputError(
            gettext("pixels must be integers from 0 to the scale {scale}").format(scale=scale),
            "pixels",
        )
    x = pixels.astype(np.float32)
    x /= np.float32(scale)
    C, h, w = x.shape
    H, W = image_size
    k = check_kernel(kernel, "filter.kernel")
    K = k.shape[-1]
    if k.ndim == 3 and k.shape[0] != C:
        raise ShapeError(
            ngettext(
                "filter depth {shape} does not match the {C} input channel",
                "filter depth {shape} does not match the {C} input channels",
                C,
            ).format(shape=k.shape[0], C=C),
            "filter.kernel",
        )
    per_channel = k.ndim == 2 and C > 1
    kind = "full-depth" if k.ndim == 3 else ("per-channel" if per_channel else "single")
    if padding not in PADDINGS:
        raise InputError(
            gettext("padding must be one of {value}, got {padding!r}").format(
                value=", ".join(PADDINGS), padding=padding
            ),
            "padding",
        )
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise InputError(
            gettext("stride must be an integer of at least 1, got {stride!r}").format(
                stride=stride
            ),
            "stride",
        )
    pad = (K - 1) // 2 if padding == "same" else 0
    H_out, W_out = output_size(H, W, K, padding, stride)
    if H_out < 1 or W_out < 1:
        raise ShapeError(
            gettext(
                "the {K}×{K} kernel does not fit in the {H}×{W} image with {padding} padding"
            ).format(K=K, H=H, W=W, padding=padding),
            "kernel",
        )
    _check_probe_stage(stage, row, col, pool, H_out, W_out)

    # The conv cells the pixel depends on: a pool window of them, or the pixel itself.
    n = pool["size"] if stage == "pool" else 1
    step = (pool.get("stride") or pool["size"]) if stage == "pool" else 1
    r0, c0 = row * step, col * step
    top, left = r0 * stride - pad, c0 * stride - pad
    height, width = (n - 1) * stride + K, (n - 1) * stride + K
    # Their windows as one zero-padded crop of the image: rows top..top+height-1, likewise cols.
    y0, y1 = max(top, 0), min(top + height, H)
    x0, x1 = max(left, 0), min(left + width, W)
    oy, ox = origin
    if oy > y0 or ox > x0 or oy + h < y1 or ox + w < x1:
        raise InputError(
            gettext(
                "pixels cover image rows {oy}…{value} and columns {ox}…{value2}; "
                "{stage} pixel ({row}, {col}) needs rows {y0}…{value3} and "
                "columns {x0}…{value4}"
            ).format(
                oy=oy,
                value=oy + h - 1,
                ox=ox,
                value2=ox + w - 1,
                stage=stage,
                row=row,
                col=col,
                y0=y0,
                value3=y1 - 1,
                x0=x0,
                value4=x1 - 1,
            ),
            "pixels",
        )
    crop = np.zeros((C, height, width), np.float32)
    crop[:, y0 - top : y1 - top, x0 - left : x1 - left] = x[:, y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    pool_here = {"mode": pool["mode"], "size": n, "stride": n} if stage == "pool" else None
    stages = pipeline(crop, [k], "valid", stride, activation, pool_here, mode)[0]

    slid = k if k.ndim == 3 else k[None]
    if mode == "convolution":
        slid = slid[:, ::-1, ::-1]
    # Per-channel maps keep a leading channel axis; one map gets one, so both index alike.
    maps = {name: a if per_channel else a[None] for name, a in stages.items()}
    channels = list(range(C)) if per_channel else [None]
    pools, convs = [], []
    for m, channel in enumerate(channels):
        a = b = 0
        if stage == "pool":
            traced = pool2d_trace(maps["activation"][m : m + 1], pool["mode"], n)[0]
            if pool["mode"] == "max":
                a, b = divmod(traced["winner"], n)
            pools.append(
                PoolCell(
                    channel=channel,
                    top=r0,
                    left=c0,
                    values=maps["activation"][m],
                    winner=(a, b) if pool["mode"] == "max" else None,
                    ties=traced.get("ties"),
                    sum=traced.get("sum"),
                    divisor=traced.get("divisor"),
                    value=float(maps["pool"][m, 0, 0]),
                )
            )
        # Conv cell (a, b) of the crop is cell (r0 + a, c0 + b) of the image's conv map.
        wt, wl = top + a * stride, left + b * stride
        window = crop[:, a * stride : a * stride + K, b * stride : b * stride + K]
        if channel is not None:
            window = window[channel : channel + 1]
        rows, cols = np.arange(wt, wt + K), np.arange(wl, wl + K)
        is_padding = np.logical_or.outer((rows < 0) | (rows >= H), (cols < 0) | (cols >= W))
        products = window * slid
        value = float(maps["conv"][m, a, b])
        # One slice: its sum is the conv value itself, not a second computation of it.
        sums = products.sum(axis=(1, 2), dtype=np.float32) if len(slid) > 1 else [value]
        convs.append(
            ConvCell(
                channel=channel,
                row=r0 + a,
                col=c0 + b,
                top=int(wt),
                left=int(wl),
                window=window,
                is_padding=is_padding,
                products=products,
                channel_sums=np.asarray(sums, np.float32),
                value=value,
                activated=float(maps["activation"][m, a, b]),
            )
        )
    if stage == "pool":
        value = [p.value for p in pools]
    else:
        value = [c.value if stage == "conv" else c.activated for c in convs]
    return PixelProbe(stage, row, col, kind, slid, pools, convs, value)
