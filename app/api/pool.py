"""POST /api/pool2d and /api/pool2d/backward."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core import pool
from app.schemas.common import json_response, to_array
from app.schemas.pool import (
    MAX_TRACE_VALUES,
    Pool2dBackwardRequest,
    Pool2dBackwardResponse,
    Pool2dRequest,
    Pool2dResponse,
)

router = APIRouter(prefix="/api/pool2d", tags=["pooling"])

# A step of the core has only its mode's keys; the response has them all (PoolStep), null for
# the other mode's.
STEP_KEYS = dict.fromkeys(("winner", "winner_cell", "winner_input", "ties", "sum", "divisor"))


@router.post(
    "",
    summary="2-D max or average pooling with a step-by-step trace",
    response_model=Pool2dResponse,
)
def pool2d(request: Pool2dRequest) -> Response:
    """Forward pass of one C×H×W input, like torch max_pool2d / avg_pool2d with their defaults.

    Floor output size; zero padding counted in the average; padding never wins a max; padding at
    most half the window. Returns the output, the size formula per axis, and one step per output
    cell (channel, row, column order) with its window and the winner (max) or sum and divisor (avg).
    """
    lesson = pool.pool2d_lesson(
        to_array(request.input, "input", 3),
        request.mode,
        request.size,
        request.stride,
        request.padding,
        request.global_pool,
        request.trace,
        MAX_TRACE_VALUES,
    )
    return json_response(
        dict(
            output=lesson.output.tolist(),
            output_shape=list(lesson.output.shape),
            padded_shape=list(lesson.padded_shape),
            mode=request.mode,
            size=list(lesson.kernel),
            stride=list(lesson.stride),
            padding=list(lesson.padding),
            sizes=lesson.sizes,
            steps=None if lesson.steps is None else [STEP_KEYS | step for step in lesson.steps],
        )
    )


@router.post("/backward", summary="Gradient of a pooling layer")
def pool2d_backward(request: Pool2dBackwardRequest) -> Pool2dBackwardResponse:
    """dL/d(input) for the upstream gradient grad_output (C×Ho×Wo), which has the shape of the
    forward pass's output.

    Max: each output's gradient goes to its window's winner only (the first maximum in row-major
    order on ties). Average: it is shared equally, grad / (KH·KW), by the window's cells.
    """
    x = to_array(request.input, "input", 3)
    dout = to_array(request.grad_output, "grad_output", 3)
    _, cache = pool.pool2d_forward(
        x, request.mode, request.size, request.stride, request.padding, request.global_pool
    )
    return Pool2dBackwardResponse(grad_input=pool.pool2d_backward(dout, cache).tolist())
