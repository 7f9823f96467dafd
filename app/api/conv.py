"""POST /api/conv2d and /api/conv2d/backward."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core import conv, conv_gradients
from app.i18n import gettext
from app.schemas.common import json_response, to_array
from app.schemas.conv import (
    MAX_TRACE_PRODUCTS,
    Conv2dBackwardRequest,
    Conv2dBackwardResponse,
    Conv2dRequest,
    Conv2dResponse,
    backward_trace_bytes,
    check_trace_bytes,
    forward_trace_bytes,
)
from app.server import HeavyRoute

router = APIRouter(prefix="/api/conv2d", tags=["convolution"], route_class=HeavyRoute)


def arrays(request: Conv2dRequest):
    """input (C, H, W), weights (F, C, KH, KW) and bias (F,) or None, as float64 arrays."""
    x = to_array(request.input, "input", 3)
    w = to_array(request.weights, "weights", 4)
    b = None if request.bias is None else to_array(request.bias, "bias", 1)
    return x, w, b


def trace_shape(request: Conv2dRequest, x, w) -> tuple[int, ...]:
    """C, F, KH·KW, Ho, Wo and the padded H, W: what a trace's size depends on."""
    (C, H, W), (F, _, KH, KW) = x.shape, w.shape
    (sh, sw), (ph, pw), (dh, dw) = request.stride, request.padding, request.dilation
    Ho, Wo = conv.output_length(H, KH, ph, sh, dh), conv.output_length(W, KW, pw, sw, dw)
    return C, F, KH * KW, Ho, Wo, H + 2 * ph, W + 2 * pw


@router.post("", summary="2-D convolution with a step-by-step trace", response_model=Conv2dResponse)
def conv2d(request: Conv2dRequest) -> Response:
    """Forward pass of one C×H×W input through F filters, like torch.nn.functional.conv2d.

    Returns the output, the output-size formula per axis (with never-visited rows/columns and
    paddings/strides that fit exactly), and one step per output cell (filter, row, column order).
    """
    x, w, b = arrays(request)
    if request.trace:
        check_trace_bytes(forward_trace_bytes(*trace_shape(request, x, w)[:5]))
    lesson = conv.conv2d_lesson(
        x,
        w,
        b,
        request.stride,
        request.padding,
        request.dilation,
        request.mode,
        request.trace,
        MAX_TRACE_PRODUCTS,
    )
    return json_response(
        dict(
            output=lesson.output.tolist(),
            output_shape=list(lesson.output.shape),
            padded_shape=list(lesson.padded_shape),
            mode=request.mode,
            kernel_flipped=request.mode == "convolution",
            size=lesson.sizes,
            steps=lesson.steps,
        )
    )


@router.post(
    "/backward", summary="Gradients of a convolution", response_model=Conv2dBackwardResponse
)
def conv2d_backward(request: Conv2dBackwardRequest) -> Response:
    """dL/d(input), dL/d(weights), dL/d(bias) for the upstream gradient grad_output (F×Ho×Wo),
    which has the shape of the forward pass's output, or for a loss of that output (loss); with
    trace, every term of each."""
    x, w, b = arrays(request)
    dout = None if request.grad_output is None else to_array(request.grad_output, "grad_output", 3)
    if request.trace:
        check_trace_bytes(
            backward_trace_bytes(*trace_shape(request, x, w)), gettext("backward trace")
        )
    lesson = conv_gradients.conv2d_backward_lesson(
        x,
        w,
        b,
        dout,
        request.stride,
        request.padding,
        request.dilation,
        request.mode,
        request.trace,
        MAX_TRACE_PRODUCTS,
        request.loss,
    )
    steps = lesson.trace
    return json_response(
        dict(
            grad_output=lesson.grad_output.tolist(),
            loss=lesson.loss,
            grad_input=lesson.grad_input.tolist(),
            grad_weights=lesson.grad_weights.tolist(),
            grad_bias=lesson.grad_bias.tolist(),
            weight_steps=steps.weight_steps if steps else None,
            bias_steps=steps.bias_steps if steps else None,
            input_steps=steps.input_steps if steps else None,
        )
    )
