"""POST /api/pool2d and /api/pool2d/backward."""

from fastapi import APIRouter

from app.core import conv, pool
from app.core.errors import InputError
from app.schemas.common import to_array
from app.schemas.pool import (
    MAX_TRACE_VALUES,
    Pool2dBackwardRequest,
    Pool2dBackwardResponse,
    Pool2dRequest,
    Pool2dResponse,
)

router = APIRouter(prefix="/api/pool2d", tags=["pooling"])


def parse(request: Pool2dRequest):
    """The input array and the window parameters actually used (global pooling resolved)."""
    x = to_array(request.input, "input", 3)
    if request.global_pool:
        return x, tuple(x.shape[1:]), None, 0
    return x, request.size, request.stride, request.padding


def size_entry(size, kernel, pad, stride, axis):
    """conv's size report, with the formula written the way pooling usually is (no dilation)."""
    report = conv.size_report(size, kernel, pad, stride, 1, axis)
    span = report["numerator"]
    report["formula"] = (
        f"({size} + 2·{pad} − {kernel}) / {stride} + 1 = {span}/{stride} + 1 = "
        f"{span / stride + 1:g}" + ("" if report["exact"] else f" → floor → {report['output']}")
    )
    return report


@router.post("", summary="2-D max or average pooling with a step-by-step trace")
def pool2d(request: Pool2dRequest) -> Pool2dResponse:
    """Forward pass of one C×H×W input, like torch max_pool2d / avg_pool2d with their defaults.

    Floor output size; zero padding counted in the average; padding never wins a max; padding at
    most half the window. Returns the output, the size formula per axis, and one step per output
    cell (channel, row, column order) with its window and the winner (max) or sum and divisor (avg).
    """
    x, size, stride, padding = parse(request)
    out, cache = pool.pool2d_forward(x, request.mode, size, stride, padding)
    (kh, kw), (sh, sw), (ph, pw) = cache[3], cache[4], cache[5]
    C, H, W = x.shape
    steps = None
    if request.trace:
        values = out.size * kh * kw
        if values > MAX_TRACE_VALUES:
            raise InputError(
                f"the step trace would list {values:,} window values (C·Ho·Wo·KH·KW); the "
                f"stepper shows at most {MAX_TRACE_VALUES:,}: use a smaller input or window, "
                "or set trace to false",
                "input",
            )
        steps = pool.pool2d_trace(x, request.mode, size, stride, padding)
    return Pool2dResponse(
        output=out.tolist(),
        output_shape=list(out.shape),
        padded_shape=[C, H + 2 * ph, W + 2 * pw],
        mode=request.mode,
        size=[kh, kw],
        stride=[sh, sw],
        padding=[ph, pw],
        sizes={
            "height": size_entry(H, kh, ph, sh, "height"),
            "width": size_entry(W, kw, pw, sw, "width"),
        },
        steps=steps,
    )


@router.post("/backward", summary="Gradient of a pooling layer")
def pool2d_backward(request: Pool2dBackwardRequest) -> Pool2dBackwardResponse:
    """dL/d(input) for the upstream gradient grad_output (C×Ho×Wo).

    Max: each output's gradient goes to its window's winner only (the first maximum in row-major
    order on ties). Average: it is shared equally, grad / (KH·KW), by the window's cells.
    """
    x, size, stride, padding = parse(request)
    dout = to_array(request.grad_output, "grad_output", 3)
    _, cache = pool.pool2d_forward(x, request.mode, size, stride, padding)
    return Pool2dBackwardResponse(grad_input=pool.pool2d_backward(dout, cache).tolist())
