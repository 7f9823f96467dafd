"""Models for /api/conv_transpose2d: the forward stepper's limits, and a bounded output."""

from pydantic import BaseModel, Field

from app.schemas.common import Pair, StrictModel, Value, bounded
from app.schemas.conv import (
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_FILTERS,
    MAX_KERNEL,
    MAX_OUTPUT_SIDE,
    MAX_PADDING,
    MAX_SIDE,
    MAX_STRIDE,
    ConvStep,
)

Row = bounded(Value, MAX_SIDE)
Plane = bounded(Row, MAX_SIDE)
KernelPlane = bounded(bounded(Value, MAX_KERNEL), MAX_KERNEL)
# The output is drawn like the forward's: no longer a side than the forward can return.
MAX_TRANSPOSE_OUTPUT_SIDE = MAX_OUTPUT_SIDE


class ConvTransposeRequest(StrictModel):
    input: bounded(Plane, MAX_CHANNELS) = Field(
        description=f"C×H×W input, C ≤ {MAX_CHANNELS}, H and W ≤ {MAX_SIDE}"
    )
    weights: bounded(bounded(KernelPlane, MAX_FILTERS), MAX_CHANNELS) = Field(
        description="C×F×KH×KW, PyTorch's transposed layout: the input channels first, "
        f"F ≤ {MAX_FILTERS}, KH and KW ≤ {MAX_KERNEL}"
    )
    bias: bounded(Value, MAX_FILTERS) | None = Field(
        default=None, description="One bias per output channel (zeros when omitted)"
    )
    stride: Pair(1, MAX_STRIDE, "stride") = (1, 1)
    padding: Pair(0, MAX_PADDING, "padding cropped from the full output") = (0, 0)
    output_padding: Pair(0, MAX_STRIDE, "extra rows/columns at the bottom/right") = (0, 0)
    dilation: Pair(1, MAX_DILATION, "dilation") = (1, 1)
    trace: bool = Field(default=True, description="Include both views' steps")


class TransposeAxis(BaseModel):
    axis: str
    input: int
    kernel: int
    padding: int
    stride: int
    dilation: int
    output_padding: int
    full: int = Field(description="(input − 1)·stride + dilation·(kernel − 1) + 1, uncropped")
    output: int
    formula: str


class ScatterStep(BaseModel):
    """One input cell stamping value × kernel into the output."""

    channel: int
    row: int
    col: int
    value: float
    targets: list[list[int]] = Field(
        description="[row, col] in the output for each kernel tap (row-major); may lie outside"
    )
    cropped: list[bool] = Field(description="the tap's target is cropped away by the padding")
    products: list[list[float]] = Field(description="per output channel f, value·w[c, f] per tap")
    canvas_cells: list[list[int]] = Field(
        description="[row, col] on the uncropped canvas for each tap (always on it)"
    )
    before: list[list[float]] = Field(
        description="per output channel, the canvas cell's running sum before this stamp"
    )
    after: list[list[float]] = Field(description="the same after this stamp (no bias)")


class CanvasView(BaseModel):
    """The scatter's uncropped canvas: output = values[:, top : top + Ho, left : left + Wo] + b."""

    values: list[list[list[float]]] = Field(description="F×rows×cols, every stamp summed, no bias")
    kind: list[list[str]] = Field(
        description='"kept" (in the output), "cropped" (by the padding) or "extra" (output '
        "padding past the full output: a zero)"
    )
    top: int = Field(description="rows cropped at the top: the padding")
    left: int = Field(description="columns cropped at the left: the padding")


class DirectView(BaseModel):
    input: list[list[list[float]]] = Field(
        description="C×rows×cols: zeros between input cells, the border, the output padding"
    )
    weights: list[list[list[list[float]]]] = Field(
        description="F×C×KH×KW: the kernel flipped, its channel axes swapped"
    )
    is_input: list[list[bool]] = Field(description="the cell holds an input value")
    kind: list[list[str]] = Field(
        description='"input", "zero" (inserted between input cells), "border" or "extra" '
        "(added by the output padding)"
    )
    source: list[list[list[int]]] = Field(description="[i, j] of the input value, or [-1, -1]")
    border: list[int] = Field(description="dilation·(kernel − 1) − padding per axis")
    gaps: list[int] = Field(description="zeros inserted between input cells: stride − 1 per axis")
    dilation: list[int]
    steps: list[ConvStep] | None = Field(description="a stride-1 convolution's steps")


class ConvTransposeResponse(BaseModel):
    output: list[list[list[float]]] = Field(description="F×Ho×Wo")
    output_shape: list[int]
    size: dict[str, TransposeAxis] = Field(description="the output-size formula per axis")
    steps: list[ScatterStep] | None = Field(description="the scatter view, one per input cell")
    canvas: CanvasView
    direct: DirectView
