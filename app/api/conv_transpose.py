"""POST /api/conv_transpose2d: transposed convolution, stepped as a scatter and as a direct
convolution of the zero-stuffed input."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core import conv_transpose
from app.i18n import gettext
from app.schemas.common import json_response, to_array
from app.schemas.conv import MAX_TRACE_PRODUCTS, check_trace_bytes, transpose_trace_bytes
from app.schemas.conv_transpose import (
    MAX_TRANSPOSE_OUTPUT_SIDE,
    ConvTransposeRequest,
    ConvTransposeResponse,
)
from app.server import HeavyRoute

router = APIRouter(prefix="/api/conv_transpose2d", tags=["convolution"], route_class=HeavyRoute)


@router.post(
    "",
    summary="Transposed convolution, with both views' steps",
    response_model=ConvTransposeResponse,
)
def conv_transpose2d(request: ConvTransposeRequest) -> Response:
    """Like torch.nn.functional.conv_transpose2d: each input cell stamps its value × the kernel
    into the output (overlaps summed, the padding cropped), and the same numbers as a stride-1
    convolution of the zero-stuffed input with the flipped kernel."""
    x = to_array(request.input, "input", 3)
    w = to_array(request.weights, "weights", 4)
    b = None if request.bias is None else to_array(request.bias, "bias", 1)
    if request.trace:
        (C, H, W), (_, F, KH, KW) = x.shape, w.shape
        s, p, o, d = request.stride, request.padding, request.output_padding, request.dilation
        Ho = conv_transpose.output_length(H, KH, p[0], s[0], d[0], o[0])
        Wo = conv_transpose.output_length(W, KW, p[1], s[1], d[1], o[1])
        check_trace_bytes(transpose_trace_bytes(C, F, KH * KW, H, W, Ho, Wo), gettext("two traces"))
    lesson = conv_transpose.conv_transpose_lesson(
        x,
        w,
        b,
        request.stride,
        request.padding,
        request.output_padding,
        request.dilation,
        request.trace,
        MAX_TRACE_PRODUCTS,
        MAX_TRANSPOSE_OUTPUT_SIDE,
    )
    form = lesson.form
    return json_response(
        dict(
            output=lesson.output.tolist(),
            output_shape=list(lesson.output.shape),
            size=lesson.sizes,
            steps=lesson.steps,
            canvas={
                "values": lesson.canvas.tolist(),
                "kind": lesson.canvas_kind.tolist(),
                "top": lesson.sizes["height"]["padding"],
                "left": lesson.sizes["width"]["padding"],
            },
            direct={
                "input": form.input.tolist(),
                "weights": form.weights.tolist(),
                "is_input": form.is_input.tolist(),
                "kind": form.kind.tolist(),
                "source": form.source.tolist(),
                "border": list(form.border),
                "gaps": list(form.gaps),
                "dilation": list(form.dilation),
                "steps": lesson.direct_steps,
            },
        )
    )
