"""POST /api/conv2d and /api/conv2d/backward."""

import numpy as np
from fastapi import APIRouter

from app.core import conv
from app.core.errors import InputError
from app.schemas.common import to_array
from app.schemas.conv import (
    MAX_TRACE_PRODUCTS,
    Conv2dBackwardRequest,
    Conv2dBackwardResponse,
    Conv2dRequest,
    Conv2dResponse,
)

router = APIRouter(prefix="/api/conv2d", tags=["convolution"])


def parse(request: Conv2dRequest):
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
    x, w, b = parse(request)
    C, H, W = x.shape
    F, _, KH, KW = w.shape
    (sh, sw), (ph, pw), (dh, dw) = conv.check_params(
        request.stride, request.padding, request.dilation
    )
    Ho = conv.output_length(H, KH, ph, sh, dh)
    Wo = conv.output_length(W, KW, pw, sw, dw)
    if request.trace and Ho > 0 and Wo > 0:
        # Bound the trace before computing anything.
        products = F * Ho * Wo * C * KH * KW
        if products > MAX_TRACE_PRODUCTS:
            raise InputError(
                f"the step trace would list {products:,} products (F·Ho·Wo·C·KH·KW); the "
                f"stepper shows at most {MAX_TRACE_PRODUCTS:,}: use a smaller input or fewer "
                "filters, or set trace to false",
                "input",
            )
    out, _ = conv.conv2d_forward(
        x, w, b, request.stride, request.padding, request.dilation, request.mode
    )
    steps = None
    if request.trace:
        steps = conv.conv2d_trace(
            x, w, b, request.stride, request.padding, request.dilation, request.mode, out=out
        )
    return Conv2dResponse(
        output=out.tolist(),
        output_shape=list(out.shape),
        padded_shape=[C, H + 2 * ph, W + 2 * pw],
        mode=request.mode,
        kernel_flipped=request.mode == "convolution",
        size={
            "height": conv.size_report(H, KH, ph, sh, dh, "height"),
            "width": conv.size_report(W, KW, pw, sw, dw, "width"),
        },
        steps=steps,
    )


@router.post("/backward", summary="Gradients of a convolution")
def conv2d_backward(request: Conv2dBackwardRequest) -> Conv2dBackwardResponse:
    """dL/d(input), dL/d(weights), dL/d(bias) for the upstream gradient grad_output (F×Ho×Wo)."""
    x, w, b = parse(request)
    dout = to_array(request.grad_output, "grad_output", 3)
    _, cache = conv.conv2d_forward(
        x, w, b, request.stride, request.padding, request.dilation, request.mode
    )
    dx, dw, db = conv.conv2d_backward(dout, cache)
    return Conv2dBackwardResponse(
        grad_input=np.asarray(dx).tolist(), grad_weights=dw.tolist(), grad_bias=db.tolist()
    )
