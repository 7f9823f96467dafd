"""POST /api/conv2d and /api/conv2d/backward."""

from fastapi import APIRouter

from app.core import conv, conv_gradients
from app.schemas.common import to_array
from app.schemas.conv import (
    MAX_TRACE_PRODUCTS,
    Conv2dBackwardRequest,
    Conv2dBackwardResponse,
    Conv2dRequest,
    Conv2dResponse,
)

router = APIRouter(prefix="/api/conv2d", tags=["convolution"])


def arrays(request: Conv2dRequest):
    """input (C, H, W), weights (F, C, KH, KW) and bias (F,) or None, as float64 arrays."""
    x = to_array(request.input, "input", 3)
    w = to_array(request.weights, "weights", 4)
    b = None if request.bias is None else to_array(request.bias, "bias", 1)
    return x, w, b


@router.post("", summary="2-D convolution with a step-by-step trace")
def conv2d(request: Conv2dRequest) -> Conv2dResponse:
    """Forward pass of one C×H×W input through F filters, like torch.nn.functional.conv2d.

    Returns the output, the output-size formula per axis (with never-visited rows/columns and
    paddings/strides that fit exactly), and one step per output cell (filter, row, column order).
    """
    x, w, b = arrays(request)
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
    return Conv2dResponse(
        output=lesson.output.tolist(),
        output_shape=list(lesson.output.shape),
        padded_shape=list(lesson.padded_shape),
        mode=request.mode,
        kernel_flipped=request.mode == "convolution",
        size=lesson.sizes,
        steps=lesson.steps,
    )


@router.post("/backward", summary="Gradients of a convolution")
def conv2d_backward(request: Conv2dBackwardRequest) -> Conv2dBackwardResponse:
    """dL/d(input), dL/d(weights), dL/d(bias) for the upstream gradient grad_output (F×Ho×Wo),
    which has the shape of the forward pass's output, or for a loss of that output (loss); with
    trace, every term of each."""
    x, w, b = arrays(request)
    dout = None if request.grad_output is None else to_array(request.grad_output, "grad_output", 3)
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
    return Conv2dBackwardResponse(
        grad_output=lesson.grad_output.tolist(),
        loss=lesson.loss,
        grad_input=lesson.grad_input.tolist(),
        grad_weights=lesson.grad_weights.tolist(),
        grad_bias=lesson.grad_bias.tolist(),
        weight_steps=steps.weight_steps if steps else None,
        bias_steps=steps.bias_steps if steps else None,
        input_steps=steps.input_steps if steps else None,
    )
