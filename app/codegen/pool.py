"""Programs for /api/pool2d and /api/pool2d/backward.

NumPy: a loop over the windows (max, or sum ÷ KH·KW); PyTorch: max_pool2d / avg_pool2d with
their defaults (floor size, zero padding counted in the average), adaptive pooling for global.
"""

from __future__ import annotations

import numpy as np

from app.codegen.printer import (
    NUMPY_IMPORTS,
    TORCH_IMPORTS,
    Programs,
    keywords,
    numpy_array,
    pair,
    program,
    torch_tensor,
)
from app.core import pool
from app.schemas.pool import Pool2dBackwardRequest, Pool2dRequest

TORCH_CALL = {"max": "F.max_pool2d", "avg": "F.avg_pool2d"}
TORCH_GLOBAL = {"max": "F.adaptive_max_pool2d", "avg": "F.adaptive_avg_pool2d"}


def used(request: Pool2dRequest):
    """The window, stride and padding the core pools with (stride defaulting to the window,
    global pooling's whole input)."""
    x = np.asarray(request.input, dtype=np.float64)
    _, _, kernel, stride, padding = pool.prepare(
        x, request.mode, request.size, request.stride, request.padding, request.global_pool
    )
    return kernel, stride, padding


def numpy_setup(request: Pool2dRequest) -> str:
    (KH, KW), (sh, sw), (ph, pw) = used(request)
    if request.global_pool:
        note = "global pooling: the window is the whole H×W input"
    elif request.stride is None:
        note = "the stride defaults to the window"
    else:
        note = "window, stride"
    fill = (
        "constant_values=-np.inf)  # padding never wins a max"
        if request.mode == "max"
        else "constant_values=0.0)  # zero padding, counted in the average"
    )
    return f"""
{numpy_array("x", request.input, "the input, C×H×W; each channel is pooled on its own")}
(KH, KW), (sh, sw) = {(KH, KW)}, {(sh, sw)}  # {note}
(ph, pw) = {(ph, pw)}  # padding

C, H, W = x.shape
Ho = (H + 2 * ph - KH) // sh + 1  # floor: a leftover border is never visited
Wo = (W + 2 * pw - KW) // sw + 1
xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)), {fill}
"""


def torch_call(request: Pool2dRequest) -> str:
    if request.global_pool:
        return f"{TORCH_GLOBAL[request.mode]}(x, 1)  # global pooling: one value per channel"
    (KH, KW), stride, padding = used(request)
    return (
        TORCH_CALL[request.mode]
        + "(x"
        + keywords(
            kernel_size=pair((KH, KW)),
            stride=pair(stride) if request.stride is not None else None,
            padding=pair(padding) if tuple(padding) != (0, 0) else None,
        )
        + ")"
    )


def pool2d(request: Pool2dRequest, _response=None) -> Programs:
    if request.mode == "max":
        cell = "out[c, i, j] = window.max()"
    else:
        cell = "out[c, i, j] = window.sum() / (KH * KW)  # the divisor counts the padding"
    numpy = f"""
{numpy_setup(request)}
out = np.zeros((C, Ho, Wo))
for c in range(C):
    for i in range(Ho):
        for j in range(Wo):
            window = xp[c, i * sh : i * sh + KH, j * sw : j * sw + KW]
            {cell}

print(json.dumps({{"output": out.tolist()}}))
"""
    torch = f"""
{torch_tensor("x", request.input, "the input, C×H×W; each channel is pooled on its own")}
out = {torch_call(request)}

print(json.dumps({{"output": out.tolist()}}))
"""
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), ("output",))


def pool2d_backward(request: Pool2dBackwardRequest, _response=None) -> Programs:
    if request.mode == "max":
        route = """\
            # the whole gradient goes to the winner: the first maximum in row-major order
            k = np.argmax(window)
            grad_xp[c, top + k // KW, left + k % KW] += dout[c, i, j]"""
    else:
        route = """\
            # shared equally by the window's KH·KW cells (the padding's shares are dropped)
            grad_xp[c, top : top + KH, left : left + KW] += dout[c, i, j] / (KH * KW)"""
    numpy = f"""
{numpy_setup(request)}
{numpy_array("dout", request.grad_output, "the upstream gradient dL/d(output), C×Ho×Wo")}

grad_xp = np.zeros_like(xp)
for c in range(C):
    for i in range(Ho):
        for j in range(Wo):
            top, left = i * sh, j * sw
            window = xp[c, top : top + KH, left : left + KW]
{route}
grad_input = grad_xp[:, ph : ph + H, pw : pw + W]

print(json.dumps({{"grad_input": grad_input.tolist()}}))
"""
    torch = f"""
{torch_tensor("x", request.input, "the input, C×H×W", grad=True)}
{torch_tensor("dout", request.grad_output, "the upstream gradient dL/d(output), C×Ho×Wo")}
out = {torch_call(request)}
out.backward(dout)  # autograd: dL/dx for this dL/d(output)

print(json.dumps({{"grad_input": x.grad.tolist()}}))
"""
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), ("grad_input",))
