"""Models for /api/conv2d: sizes bounded so the step trace stays small enough to draw."""

from typing import Literal

from pydantic import BaseModel, Field

from app.core.conv import output_length
from app.core.conv_gradients import LOSSES
from app.core.errors import InputError
from app.i18n import gettext
from app.schemas.common import Pair, StrictModel, Value, bounded

MAX_CHANNELS = 16
MAX_FILTERS = 16
MAX_SIDE = 64
MAX_KERNEL = 11
MAX_PADDING = MAX_SIDE
MAX_STRIDE = MAX_SIDE
MAX_DILATION = MAX_SIDE
# The longest output side: a 1×1 kernel at stride 1 over the most padding (64 + 2·64 = 192).
MAX_OUTPUT_SIDE = output_length(MAX_SIDE, 1, MAX_PADDING, 1, 1)
# The trace lists every product: F × Ho × Wo × C × KH × KW numbers at most.
MAX_TRACE_PRODUCTS = 400_000

Row = bounded(Value, MAX_SIDE)
Plane = bounded(Row, MAX_SIDE)
OutputPlane = bounded(bounded(Value, MAX_OUTPUT_SIDE), MAX_OUTPUT_SIDE)
KernelRow = bounded(Value, MAX_KERNEL)
KernelPlane = bounded(KernelRow, MAX_KERNEL)


class Conv2dRequest(StrictModel):
    input: bounded(Plane, MAX_CHANNELS) = Field(
        description=f"C×H×W input, C ≤ {MAX_CHANNELS}, H and W ≤ {MAX_SIDE}"
    )
    weights: bounded(bounded(KernelPlane, MAX_CHANNELS), MAX_FILTERS) = Field(
        description=f"F×C×KH×KW filters: F ≤ {MAX_FILTERS}, depth C equal to the input's, "
        f"KH and KW ≤ {MAX_KERNEL}"
    )
    bias: bounded(Value, MAX_FILTERS) | None = Field(
        default=None, description="One bias per filter (zeros when omitted)"
    )
    stride: Pair(1, MAX_STRIDE, "stride") = (1, 1)
    padding: Pair(0, MAX_PADDING, "zero padding") = (0, 0)
    dilation: Pair(1, MAX_DILATION, "dilation") = (1, 1)
    mode: Literal["cross-correlation", "convolution"] = Field(
        default="cross-correlation",
        description="cross-correlation (what CNN layers and torch conv2d compute) or "
        "convolution (the kernel flipped, the textbook formula)",
    )
    trace: bool = Field(default=True, description="Include the step-by-step trace")


class Conv2dBackwardRequest(Conv2dRequest):
    grad_output: bounded(OutputPlane, MAX_FILTERS) | None = Field(
        default=None,
        description="F×Ho×Wo upstream gradient dL/d(output), the shape of the forward's output "
        f"(Ho and Wo ≤ {MAX_OUTPUT_SIDE}); omit it to take a loss's gradient instead",
    )
    loss: Literal[tuple(LOSSES)] | None = Field(
        default=None,
        description="Instead of grad_output, the gradient of a loss of the output Y: "
        + "; ".join(f"{name}: {words}" for name, (words, _, _) in LOSSES.items())
        + " (give grad_output or loss, not both)",
    )
    trace: bool = Field(
        default=False,
        description="Also list every term of dL/dW, dL/db and dL/dX (weight_steps, bias_steps, "
        "input_steps), bounded like the forward trace",
    )


class WeightStep(BaseModel):
    """dL/dW[filter, channel, row, col] = Σ over output cells of x·dL/dY."""

    filter: int
    channel: int
    row: int = Field(description="the weight's row m in the filter")
    col: int = Field(description="the weight's column n in the filter")
    weight: float
    cells: list[list[int]] = Field(
        description="the padded input cell [row, col] read at each output cell (row-major)"
    )
    is_padding: list[bool]
    products: list[float] = Field(description="x · dL/dY[filter] at each output cell")
    total: float = Field(description="dL/dW[filter, channel, row, col]")


class BiasStep(BaseModel):
    filter: int
    terms: list[float] = Field(description="dL/dY[filter], row-major")
    total: float = Field(description="dL/db[filter] = Σ dL/dY[filter]")


class InputTerms(BaseModel):
    """Parallel lists: one entry per (filter, output cell, kernel tap) whose window covered the
    cell."""

    filter: list[int]
    out_row: list[int]
    out_col: list[int]
    kernel_row: list[int]
    kernel_col: list[int]
    weight: list[float]
    grad: list[float] = Field(description="dL/dY[filter, out_row, out_col]")
    product: list[float]


class InputStep(BaseModel):
    """dL/dX at one padded input cell: Σ w · dL/dY over every window that covered it."""

    channel: int
    row: int = Field(description="padded coordinates")
    col: int
    is_padding: bool = Field(description="a padding cell: its gradient is computed and dropped")
    terms: InputTerms
    total: float


class AxisSize(BaseModel):
    axis: str
    input: int
    kernel: int
    padding: int
    stride: int
    dilation: int
    effective_kernel: int = Field(description="dilation·(kernel - 1) + 1")
    numerator: int = Field(description="input + 2·padding - effective_kernel")
    output: int = Field(description="floor(numerator / stride) + 1")
    exact: bool = Field(description="numerator divisible by stride: every window fits exactly")
    leftover: int
    formula: str
    unvisited: list[int] = Field(description="input indices no window covers")
    fitting_paddings: list[int]
    fitting_strides: list[int]


class ConvStep(BaseModel):
    filter: int
    row: int
    col: int
    top: int = Field(description="window's top row in padded coordinates")
    left: int = Field(description="window's left column in padded coordinates")
    cells: list[list[int]] = Field(description="[row, col] in padded coordinates, KH·KW of them")
    is_padding: list[bool]
    products: list[list[list[float]]] = Field(description="C×KH×KW products x·w")
    channel_sums: list[float]
    bias: float
    value: float


class Conv2dResponse(BaseModel):
    output: list[list[list[float]]] = Field(description="F×Ho×Wo")
    output_shape: list[int]
    padded_shape: list[int] = Field(description="C×(H+2P)×(W+2P), the grid the steps refer to")
    mode: str
    kernel_flipped: bool
    size: dict[str, AxisSize] = Field(description="the output-size formula per axis")
    steps: list[ConvStep] | None


class Conv2dBackwardResponse(BaseModel):
    grad_output: list[list[list[float]]] = Field(
        description="F×Ho×Wo, the upstream gradient dL/dY used (the loss's, when one was given)"
    )
    loss: float | None = Field(default=None, description="L at the output, when a loss was given")
    grad_input: list[list[list[float]]] = Field(description="C×H×W, dL/d(input)")
    grad_weights: list[list[list[list[float]]]] = Field(description="F×C×KH×KW, dL/d(weights)")
    grad_bias: list[float] = Field(description="F, dL/d(bias)")
    weight_steps: list[WeightStep] | None = Field(default=None, description="with trace")
    bias_steps: list[BiasStep] | None = None
    input_steps: list[InputStep] | None = Field(
        default=None, description="every padded cell some window covered, channel then row-major"
    )


# ---------------------------------------------------------------- the trace's size in bytes
# The product count alone does not bound a trace: a 1×1 kernel over 64 padding lists one product
# per step but 368,640 steps, 59 MB of JSON. Every trace (forward, backward, transposed) is also
# refused before computing when its JSON would pass MAX_TRACE_BYTES, estimated from what it
# lists: objects (their keys), floats (at most 24 characters: -1.2345678901234567e-300,) and
# small ints and booleans. tests/api/test_trace_budget.py holds the estimate above the real size.
MAX_TRACE_BYTES = 12_000_000
OBJECT_BYTES, FLOAT_BYTES, INT_BYTES = 130, 24, 6


def json_bytes(objects: int, floats: int, ints: int) -> int:
    return OBJECT_BYTES * objects + FLOAT_BYTES * floats + INT_BYTES * ints


def forward_trace_bytes(C: int, F: int, taps: int, Ho: int, Wo: int) -> int:
    """ConvStep per output cell: cells and is_padding per tap, C·taps products, C sums."""
    steps = F * max(Ho, 0) * max(Wo, 0)
    return json_bytes(steps, steps * (C * taps + C + 2), steps * (5 + 3 * taps))


def backward_trace_bytes(C: int, F: int, taps: int, Ho: int, Wo: int, Hp: int, Wp: int) -> int:
    """weight_steps (per weight, a cell, flag and product per output cell), bias_steps and
    input_steps (per padded cell; 5 ints and 3 floats per term, one term per forward product)."""
    cells = max(Ho, 0) * max(Wo, 0)
    weights = F * C * taps
    products = weights * cells
    padded = C * Hp * Wp
    return (
        json_bytes(weights, weights * (2 + cells), weights * (4 + 3 * cells))
        + json_bytes(F, F * (cells + 1), F)
        + json_bytes(2 * padded, padded + 3 * products, 4 * padded + 5 * products)
    )


def transpose_trace_bytes(C: int, F: int, taps: int, H: int, W: int, Ho: int, Wo: int) -> int:
    """The scatter view (per input cell: a target, a flag and F products per tap) and the
    direct view's stride-1 convolution steps (C input channels, F output ones)."""
    cells = C * H * W
    scatter = json_bytes(cells, cells * (1 + F * taps), cells * (3 + 3 * taps))
    return scatter + forward_trace_bytes(C, F, taps, Ho, Wo)


def check_trace_bytes(estimate: int, what: str | None = None) -> None:
    """A 422 naming `trace` (the switch that avoids it) when a trace would be too large; what
    (translated) says which trace, the step trace by default."""
    if estimate > MAX_TRACE_BYTES:
        what = what or gettext("step trace")
        raise InputError(
            gettext(
                "the {what} would be about {value:,.1f} MB of JSON; the stepper "
                "returns at most {value2:,.0f} MB: use less padding, fewer "
                "filters, a smaller input or a larger stride, or set trace to "
                "false"
            ).format(what=what, value=estimate / 1e6, value2=MAX_TRACE_BYTES / 1e6),
            "trace",
        )
