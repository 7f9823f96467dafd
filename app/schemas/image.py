"""Models for /api/image/filter: the JSON `spec` form field and the response."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.filters import CONTRASTS, MAX_KERNEL, PRESETS, ROBUST_PERCENTILES, STAGES, VIEWS
from app.i18n import _
from app.schemas.common import MAX_MAGNITUDE, StrictModel, describe_ragged

MAX_FILTERS = 16
MAX_DEPTH = 16
MAX_STRIDE = 16
MAX_POOL = 16
# The spec is a form field: 16 full-depth 11×11 kernels written out fit well within this.
MAX_SPEC_CHARS = 256_000
# Stage images are previews of at most this side unless full_images is asked for: a 1024² image
# with 8 filters is otherwise ~30 MB of JSON to encode, send and parse.
PREVIEW_SIDE = 512
# All the previews of one response hold at most this many values (the side shrinks to fit): with
# the input and the JSON around them a response stays under RESPONSE_MAX_BYTES.
PREVIEW_MAX_VALUES = 1_500_000
# The largest response, bounded before any work from what it will hold (api.image.response_bound).
# The largest request allowed (1024² RGB, 16 per-channel 11×11 kernels) was 155 MB with
# full_images; full-size stages now come one at a time (`full`).
RESPONSE_MAX_BYTES = 10_000_000

PresetName = Literal[tuple(PRESETS)]  # type: ignore[valid-type]


def kernel_numbers(value: list, path: str = "") -> None:
    """Every leaf a finite number (not a bool or a string), every list at most MAX_KERNEL long."""
    if isinstance(value, list):
        limit = MAX_DEPTH if path == "" else MAX_KERNEL
        if len(value) > limit:
            raise ValueError(
                _("kernel{path} has {count} entries, at most {limit}").format(
                    path=path, count=len(value), limit=limit
                )
            )
        for i, item in enumerate(value):
            kernel_numbers(item, f"{path}[{i}]")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            _("kernel{path} must be a number, got {__name__}").format(
                path=path, __name__=type(value).__name__
            )
        )
    if not math.isfinite(value):
        raise ValueError(
            _(
                "kernel{path} is {value}: must be a finite number (NaN and "
                "Infinity are not accepted)"
            ).format(path=path, value=value)
        )
    if abs(value) > MAX_MAGNITUDE:  # the float32 maps would overflow to Infinity (null in JSON)
        raise ValueError(
            _("kernel{path} is {value:g}: must be within ±{MAX_MAGNITUDE:g}").format(
                path=path, value=value, MAX_MAGNITUDE=MAX_MAGNITUDE
            )
        )


class FilterSpec(StrictModel):
    """One filter: a preset by name, or a kernel written out."""

    model_config = ConfigDict(extra="forbid")

    preset: PresetName | None = Field(default=None, description="A preset's name")
    kernel: list[Any] | None = Field(
        default=None,
        min_length=1,
        description=f"K×K or D×K×K numbers, K odd from 1 to {MAX_KERNEL}. On an RGB image a K×K "
        "kernel runs on each channel (a colour result); a 3×K×K kernel is full depth (one map).",
    )

    full_depth: bool = Field(
        default=False,
        description="for a preset on an RGB image: stack it into a 3×K×K kernel, a third on each "
        "channel, so that one map sums over the channels like a CNN layer",
    )

    @field_validator("kernel")
    @classmethod
    def check_kernel(cls, value):
        if value is None:
            return value
        kernel_numbers(value)
        try:
            array = np.array(value, dtype=np.float64)
        except ValueError:
            raise ValueError(
                _("kernel is ragged: {value}").format(value=describe_ragged(value, 3))
            ) from None
        if array.ndim not in (2, 3):
            raise ValueError(
                _("a kernel is K×K or D×K×K, got {ndim} dimension(s)").format(ndim=array.ndim)
            )
        return value

    @model_validator(mode="after")
    def one_of(self):
        if (self.preset is None) == (self.kernel is None):
            raise ValueError(_('give either "preset" or "kernel", not both or neither'))
        return self


class PoolSpec(StrictModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["max", "avg"] = Field(default="max", description="max or average pooling")
    size: int = Field(default=2, ge=1, le=MAX_POOL, description="window side")
    stride: int | None = Field(
        default=None, ge=1, le=MAX_POOL, description="step; defaults to the window side"
    )


class FullStage(StrictModel):
    """One stage of one map at full resolution (for a zoomed view or a download)."""

    model_config = ConfigDict(extra="forbid")

    map: int = Field(ge=0, lt=MAX_FILTERS, description="the filter's index in filters")
    stage: Literal[STAGES] = Field(description="conv, activation or pool")  # type: ignore[valid-type]


class FilterRequestSpec(StrictModel):
    """The `spec` form field, JSON."""

    model_config = ConfigDict(extra="forbid")

    color: Literal["gray", "rgb"] = Field(
        default="gray",
        description="gray: one channel (luma); rgb: three channels, K×K kernels per channel "
        "or 3×K×K kernels at full depth",
    )
    filters: list[FilterSpec] = Field(min_length=1, max_length=MAX_FILTERS)
    padding: Literal["same", "valid"] = Field(
        default="same", description="same: (K - 1)/2 rings of zeros; valid: none"
    )
    stride: int = Field(default=1, ge=1, le=MAX_STRIDE)
    activation: Literal["relu", "none"] = "relu"
    pool: PoolSpec | None = None
    mode: Literal["cross-correlation", "convolution"] = Field(
        default="cross-correlation",
        description="cross-correlation (what CNN layers compute) or convolution (kernel flipped)",
    )
    values: bool = Field(
        default=False, description="include raw numbers (small images only, see the docs)"
    )
    full_images: bool = Field(
        default=False,
        description=f"stage images at full resolution; by default a stage larger than "
        f"preview_side is drawn block-averaged by a whole factor to at most preview_side "
        f"(its min, max and values are always the full stage's). Refused when the response "
        f"would exceed {RESPONSE_MAX_BYTES:,} bytes: ask for one stage with `full` instead",
    )
    preview_side: int = Field(
        default=PREVIEW_SIDE,
        ge=16,
        le=PREVIEW_SIDE,
        description=f"longest side of the stage previews; smaller when all the previews "
        f"together would hold more than {PREVIEW_MAX_VALUES:,} values",
    )
    full: FullStage | None = Field(
        default=None,
        description="only this map's stage, at full resolution (the other maps and stages are "
        "not computed or sent)",
    )
    contrast: Literal[CONTRASTS] = Field(  # type: ignore[valid-type]
        default="full",
        description=f"the range the stage images are drawn over: full (min to max) or robust "
        f"(the {ROBUST_PERCENTILES[0]:g}th to {ROBUST_PERCENTILES[1]:g}th percentile; values "
        f"outside it are drawn at the ends and counted)",
    )
    view: Literal[VIEWS] = Field(  # type: ignore[valid-type]
        default="signed",
        description="signed: the values; magnitude: their absolute values |v| (edges of either "
        "sign alike)",
    )
    input: bool = Field(
        default=True,
        description="include the image used (its exact pixels); a page that has them already "
        "for this image and colour can leave them out",
    )


class Stage(BaseModel):
    image: str = Field(
        description="PNG data URL: the values quantised linearly, code q ≈ (v - min)/(max - min)"
        "·255 (8-bit gray for one map, RGB for per-channel maps); the page colours it"
    )
    shape: list[int] = Field(description="H×W for one map, C×H×W for per-channel maps")
    image_factor: int = Field(
        description="1: the image has one pixel per value; f > 1: each image pixel is the mean "
        "of an f×f block of values (a preview, see full_images)"
    )
    min: float = Field(description="the stage's smallest value")
    max: float = Field(description="the stage's largest value")
    contrast: str = Field(description="full or robust: see display_min")
    view: str = Field(description="signed (the values) or magnitude (|values|)")
    display_min: float = Field(
        description="the value (or |value|) code 0 stands for; code q stands for display_min + "
        "q·(display_max − display_min)/255"
    )
    display_max: float
    clipped_below: int = Field(description="values below display_min, drawn as code 0")
    clipped_above: int = Field(description="values (or |values|) above display_max, code 255")
    clipped_percent: float = Field(description="their share of the stage's values, in %")
    below_zero: int | None = Field(
        default=None, description="per-channel maps: how many values are below 0 (drawn as 0)"
    )
    above_one: int | None = Field(
        default=None, description="per-channel maps: how many values are above 1 (drawn as 1)"
    )
    values: list | None = Field(default=None, description="the raw numbers when values is true")


class FeatureMap(BaseModel):
    index: int = Field(description="the filter's index in the request's filters")
    name: str = Field(description="the preset's name, or 'custom'")
    label: str
    kernel: list = Field(description="the kernel as applied (K×K or D×K×K)")
    kind: Literal["single", "per-channel", "full-depth"]
    stages: dict[str, Stage] = Field(description="conv, activation and (when asked) pool")


class InputPixels(BaseModel):
    """The image the maps were computed from, exactly: for the arithmetic of any output pixel."""

    channels: int
    bits: Literal[8, 16]
    scale: int = Field(description="x = value / scale, the numbers the kernels see")
    encoding: Literal["png", "raw"] = Field(
        description="png: data is an 8-bit PNG (gray or RGB) of the pixels; raw: H×W×C 16-bit "
        "little-endian integers, row by row"
    )
    data: str = Field(description="base64 of the pixels in that encoding")


class FilterResponse(BaseModel):
    width: int = Field(description="width of the image used (after orientation and downscaling)")
    height: int = Field(description="height of the image used: sizes are written width×height")
    original_width: int | None = Field(description="before downscaling, when it was scaled")
    original_height: int | None
    scaled: bool
    working_size: int = Field(description="longest side images are downscaled to")
    format: str
    mode: str = Field(description="the file's pixel mode (Pillow's name, e.g. P, CMYK, I;16)")
    frames: int
    orientation: int = Field(description="EXIF orientation applied (1: upright already)")
    color: str
    channels: int
    padding: str
    stride: int
    activation: str
    conv_mode: str
    pool: PoolSpec | None
    input: InputPixels | None = Field(description="the image used, unless input was false")
    preview_side: int = Field(description="the longest side of this response's previews")
    maps: list[FeatureMap]
    notes: list[str]
