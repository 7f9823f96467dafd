"""Models for /api/pool2d: sizes bounded so the step trace stays small enough to draw."""

from typing import Literal

from pydantic import BaseModel, Field

from app.core.pool import largest_output
from app.schemas.common import Pair, StrictModel, Value, bounded
from app.schemas.conv import AxisSize

MAX_CHANNELS = 8
MAX_SIDE = 32
MAX_PADDING = MAX_SIDE // 2  # and at most half the window, which the core checks
# The longest output side: window 2, padding 1, stride 1 (32 + 2·1 − 2 + 1 = 33).
MAX_OUTPUT_SIDE = largest_output(MAX_SIDE)
# The trace lists every window's values: C × Ho × Wo × KH × KW numbers at most.
MAX_TRACE_VALUES = 200_000

Row = bounded(Value, MAX_SIDE)
Plane = bounded(Row, MAX_SIDE)
OutputPlane = bounded(bounded(Value, MAX_OUTPUT_SIDE), MAX_OUTPUT_SIDE)


class Pool2dRequest(StrictModel):
    input: bounded(Plane, MAX_CHANNELS) = Field(
        description=f"C×H×W input, C ≤ {MAX_CHANNELS}, H and W ≤ {MAX_SIDE}; each channel is "
        "pooled on its own"
    )
    mode: Literal["max", "avg"] = Field(description="max pooling or average pooling")
    size: Pair(1, MAX_SIDE, "window size") = (2, 2)
    stride: Pair(1, MAX_SIDE, "stride (default: the window size)") | None = None
    padding: Pair(0, MAX_PADDING, "zero padding, at most half the window") = (0, 0)
    global_pool: bool = Field(
        default=False,
        description="global pooling: the window is the whole H×W input (size, stride and "
        "padding are ignored)",
    )
    trace: bool = Field(default=True, description="Include the step-by-step trace")


class Pool2dBackwardRequest(Pool2dRequest):
    grad_output: bounded(OutputPlane, MAX_CHANNELS) = Field(
        description="C×Ho×Wo upstream gradient dL/d(output), the shape of the forward's output "
        f"(Ho and Wo ≤ {MAX_OUTPUT_SIDE})"
    )


class PoolStep(BaseModel):
    channel: int
    row: int
    col: int
    top: int = Field(description="window's top row in padded coordinates")
    left: int = Field(description="window's left column in padded coordinates")
    cells: list[list[int]] = Field(description="[row, col] in padded coordinates, row-major")
    is_padding: list[bool]
    values: list[float] = Field(description="the window's values, row-major (0 for padding)")
    value: float = Field(description="the output cell")
    winner: int | None = Field(default=None, description="max: index of the winning cell")
    winner_cell: list[int] | None = Field(default=None, description="max: [row, col] padded")
    winner_input: list[int] | None = Field(default=None, description="max: [row, col] in input")
    ties: int | None = Field(
        default=None, description="max: cells equal to the max (the first in row-major order wins)"
    )
    sum: float | None = Field(default=None, description="avg: sum of the window, padding as 0")
    divisor: int | None = Field(default=None, description="avg: KH·KW, padding counted")


class Pool2dResponse(BaseModel):
    output: list[list[list[float]]] = Field(description="C×Ho×Wo")
    output_shape: list[int]
    padded_shape: list[int] = Field(description="C×(H+2P)×(W+2P), the grid the steps refer to")
    mode: str
    size: list[int] = Field(description="[KH, KW] used")
    stride: list[int] = Field(description="[SH, SW] used")
    padding: list[int] = Field(description="[PH, PW] used")
    sizes: dict[str, AxisSize] = Field(description="the output-size formula per axis")
    steps: list[PoolStep] | None


class Pool2dBackwardResponse(BaseModel):
    grad_input: list[list[list[float]]] = Field(description="C×H×W, dL/d(input)")
