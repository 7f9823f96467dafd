"""Models for /api/image/probe: the arithmetic of one pixel of a feature map."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.filters import MAX_KERNEL, STAGES
from app.i18n import _
from app.schemas.common import StrictModel, bounded
from app.schemas.image import MAX_POOL, MAX_STRIDE, FilterSpec, PoolSpec

# The largest region one pixel depends on: a pool window of conv windows.
MAX_REGION = (MAX_POOL - 1) * MAX_STRIDE + MAX_KERNEL
# Sides of the image the pixels come from (only its size is needed, never its pixels).
MAX_IMAGE_SIDE = 100_000

Pixel = Annotated[int, Field(ge=0, le=65535)]
Side = Annotated[int, Field(ge=1, le=MAX_IMAGE_SIDE)]
Offset = Annotated[int, Field(ge=0, le=MAX_IMAGE_SIDE)]


class ProbeFilter(FilterSpec):
    """A preset by name (K×K) or a kernel written out: K×K (per channel on RGB) or C×K×K (full
    depth). For a full-depth preset send the kernel /api/image/filter returned for that map."""

    @field_validator("full_depth")
    @classmethod
    def no_full_depth(cls, value):
        if value:
            raise ValueError(
                _(
                    "give a full-depth filter as its kernel (the map's kernel in the "
                    "filter response)"
                )
            )
        return value


class ProbeRequest(StrictModel):
    model_config = ConfigDict(extra="forbid")

    pixels: bounded(bounded(bounded(Pixel, MAX_REGION), MAX_REGION), 3) = Field(
        description=f"C×h×w unsigned integers (C = 1 or 3, h and w ≤ {MAX_REGION}): the image "
        "pixels the output pixel depends on, exactly as /api/image/filter's `input` holds them"
    )
    scale: Literal[255, 65535] = Field(description="x = pixel / scale (16-bit images: 65535)")
    origin: Annotated[list[Offset], Field(min_length=2, max_length=2)] = Field(
        default=[0, 0], description="[row, column] of pixels[c][0][0] in the image"
    )
    image_size: Annotated[list[Side], Field(min_length=2, max_length=2)] = Field(
        description="[height, width] of the image the maps were computed from"
    )
    filter: ProbeFilter
    padding: Literal["same", "valid"] = "same"
    stride: int = Field(default=1, ge=1, le=MAX_STRIDE)
    activation: Literal["relu", "none"] = "relu"
    pool: PoolSpec | None = None
    mode: Literal["cross-correlation", "convolution"] = "cross-correlation"
    stage: Literal[STAGES] = Field(default="conv", description="the map the pixel is on")
    row: int = Field(ge=0, le=MAX_IMAGE_SIDE, description="the pixel's row in that map")
    col: int = Field(ge=0, le=MAX_IMAGE_SIDE, description="the pixel's column in that map")

    @model_validator(mode="after")
    def pool_for_pool_stage(self):
        if self.stage == "pool" and self.pool is None:
            raise ValueError(_('stage "pool" needs the pool settings'))
        return self


class ProbeConv(BaseModel):
    channel: int | None = Field(description="the image channel of a per-channel map, else null")
    row: int = Field(description="the cell in the conv map")
    col: int
    top: int = Field(description="the window's first image row (negative in the zero padding)")
    left: int
    window: list[list[list[float]]] = Field(description="D×K×K inputs x, 0 on padding")
    is_padding: list[list[bool]] = Field(description="K×K: the cell is zero padding")
    products: list[list[list[float]]] = Field(description="D×K×K products x·w")
    channel_sums: list[float] = Field(description="the sum of each slice's products")
    value: float = Field(description="the conv map's value at this cell")
    activated: float = Field(description="after the activation")


class ProbePool(BaseModel):
    channel: int | None
    top: int = Field(description="the window's first row in the activation map")
    left: int
    values: list[list[float]] = Field(description="size×size activations")
    winner: list[int] | None = Field(description="max: [row, col] in the window (first maximum)")
    ties: int | None = Field(description="max: cells equal to the maximum")
    sum: float | None = Field(description="average: the window's sum")
    divisor: int | None = Field(description="average: size·size")
    value: float = Field(description="the pool map's value")


class ProbeResponse(BaseModel):
    stage: str
    row: int
    col: int
    kind: Literal["single", "per-channel", "full-depth"]
    kernel: list[list[list[float]]] = Field(
        description="D×K×K as slid over the image (flipped in convolution mode)"
    )
    pools: list[ProbePool] = Field(description="pool stage: one per channel map, else empty")
    convs: list[ProbeConv] = Field(
        description="the conv cell behind the pixel, per channel map (for a pool: the max's "
        "winner or the average window's first cell)"
    )
    value: list[float] = Field(description="the pixel's value at its stage, per channel map")
