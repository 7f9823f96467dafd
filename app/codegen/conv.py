"""Programs for /api/conv2d, /api/conv2d/backward and /api/conv_transpose2d.

NumPy: the loops the lesson steps through (a window per output cell, one inner product each).
PyTorch: one call of torch.nn.functional, autograd for the gradients.
"""

from __future__ import annotations

from app.codegen.printer import (
    NUMPY_IMPORTS,
    OMIT,
    TORCH_IMPORTS,
    Programs,
    keywords,
    numpy_array,
    pair,
    program,
    torch_tensor,
)
from app.schemas.conv import Conv2dBackwardRequest, Conv2dRequest
from app.schemas.conv_transpose import ConvTransposeRequest

FLIP_NUMPY = "w = w[:, :, ::-1, ::-1]  # true convolution: the kernel flipped (textbook formula)"
WINDOW = '''\
def window(i, j):
    """The rows and columns of xp that output cell (i, j) reads: every channel."""
    rows = slice(i * sh, i * sh + dh * (KH - 1) + 1, dh)
    cols = slice(j * sw, j * sw + dw * (KW - 1) + 1, dw)
    return rows, cols'''


def torch_keywords(request, *extra) -> str:
    """stride=, padding=, dilation= where they differ from PyTorch's defaults."""
    values = {
        "stride": request.stride if request.stride != (1, 1) else None,
        "padding": request.padding if request.padding != (0, 0) else None,
    }
    for key in extra:
        value = getattr(request, key)
        values[key] = value if value != (0, 0) else None
    values["dilation"] = request.dilation if request.dilation != (1, 1) else None
    return keywords(**{k: pair(v) for k, v in values.items() if v is not None})


def numpy_inputs(request, weights_comment: str) -> str:
    parts = [
        numpy_array("x", request.input, "the input, C×H×W"),
        numpy_array("w", request.weights, weights_comment),
    ]
    if request.bias is None:
        parts.append("b = np.zeros(len(w))  # no bias sent: zeros")
    else:
        parts.append(numpy_array("b", request.bias, "one bias per filter"))
    return "\n".join(parts)


def numpy_params(request) -> str:
    return (
        f"(sh, sw) = {tuple(request.stride)}  # stride (rows, columns)\n"
        f"(ph, pw) = {tuple(request.padding)}  # zero padding\n"
        f"(dh, dw) = {tuple(request.dilation)}  # dilation"
    )


NUMPY_SIZES = """\
C, H, W = x.shape
F, _, KH, KW = w.shape
Ho = (H + 2 * ph - dh * (KH - 1) - 1) // sh + 1  # floor: a leftover border is never visited
Wo = (W + 2 * pw - dw * (KW - 1) - 1) // sw + 1
xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))  # zero padding around every channel"""


def conv2d(request: Conv2dRequest, _response=None) -> Programs:
    flip = request.mode == "convolution"
    numpy = f"""
{numpy_inputs(request, "the filters, F×C×KH×KW")}
{numpy_params(request)}
{FLIP_NUMPY if flip else OMIT}
{NUMPY_SIZES}


{WINDOW}


out = np.zeros((F, Ho, Wo))
for f in range(F):
    for i in range(Ho):
        for j in range(Wo):
            rows, cols = window(i, j)
            out[f, i, j] = np.sum(xp[:, rows, cols] * w[f]) + b[f]  # inner product + bias

print(json.dumps({{"output": out.tolist()}}))
"""
    bias = "" if request.bias is None else ", b"
    torch = f"""
{torch_tensor("x", request.input, "the input, C×H×W")}
{torch_tensor("w", request.weights, "the filters, F×C×KH×KW")}
{OMIT if request.bias is None else torch_tensor("b", request.bias, "one bias per filter")}
{"w = torch.flip(w, dims=(2, 3))  # true convolution: the kernel flipped" if flip else OMIT}
out = F.conv2d(x, w{bias}{torch_keywords(request)})  # cross-correlation, as CNN layers compute

print(json.dumps({{"output": out.tolist()}}))
"""
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), ("output",))


# A loss of the output Y instead of a given dL/dY (keyed by app.core.conv_gradients.LOSSES):
# NumPy's dL/dY from the forward output; PyTorch's loss, which autograd differentiates.
LOSS_CODE = {
    "half_sum_squares": (
        "dout = out.copy()  # L = ½ Σ y², so dL/dY = Y",
        "loss = 0.5 * (out * out).sum()",
    ),
    "sum": ("dout = np.ones_like(out)  # L = Σ y, so dL/dY = 1", "loss = out.sum()"),
}
NUMPY_FORWARD = """\
out = np.zeros((F, Ho, Wo))  # the forward pass, for the loss
for f in range(F):
    for i in range(Ho):
        for j in range(Wo):
            rows, cols = window(i, j)
            out[f, i, j] = np.sum(xp[:, rows, cols] * kernel[f]) + b[f]"""


def conv2d_backward(request: Conv2dBackwardRequest, _response=None) -> Programs:
    flip = request.mode == "convolution"
    given = request.grad_output is not None
    dout = "the upstream gradient dL/d(output), F×Ho×Wo"
    numpy = f"""
{numpy_inputs(request, "the filters, F×C×KH×KW")}
{numpy_array("dout", request.grad_output, dout) if given else OMIT}
{numpy_params(request)}
{"kernel = w[:, :, ::-1, ::-1]  # true convolution slides the kernel flipped" if flip else OMIT}
{"kernel = w  # the kernel slid as given (cross-correlation)" if not flip else OMIT}
{NUMPY_SIZES}


{WINDOW}


{OMIT if given else NUMPY_FORWARD}
{OMIT if given else LOSS_CODE[request.loss][0]}
{OMIT if given else ""}
# Each output cell (f, i, j) came from xp[:, rows, cols] · kernel[f] + b[f]: its gradient
# dout[f, i, j] flows back to the window (times the kernel) and to the kernel (times the window).
grad_xp = np.zeros_like(xp)
grad_kernel = np.zeros_like(kernel)
for f in range(F):
    for i in range(Ho):
        for j in range(Wo):
            rows, cols = window(i, j)
            grad_kernel[f] += dout[f, i, j] * xp[:, rows, cols]
            grad_xp[:, rows, cols] += dout[f, i, j] * kernel[f]
grad_input = grad_xp[:, ph : ph + H, pw : pw + W]  # the padding's share is dropped
grad_weights = {"grad_kernel[:, :, ::-1, ::-1]  # flipped back" if flip else "grad_kernel"}
grad_bias = dout.sum(axis=(1, 2))

print(json.dumps({{
    "grad_input": grad_input.tolist(),
    "grad_weights": grad_weights.tolist(),
    "grad_bias": grad_bias.tolist(),
}}))
"""
    if request.bias is None:
        bias = "b = torch.zeros(len(w), dtype=torch.float64, requires_grad=True)  # no bias sent"
    else:
        bias = torch_tensor("b", request.bias, "one bias per filter", grad=True)
    if given:
        backward = "out.backward(dout)  # autograd: dL/dx, dL/dw, dL/db for this dL/d(output)"
    else:
        backward = f"{LOSS_CODE[request.loss][1]}\nloss.backward()  # autograd: dL/dx, dL/dw, dL/db"
    torch = f"""
{torch_tensor("x", request.input, "the input, C×H×W", grad=True)}
{torch_tensor("w", request.weights, "the filters, F×C×KH×KW", grad=True)}
{bias}
{torch_tensor("dout", request.grad_output, dout) if given else OMIT}

kernel = {"torch.flip(w, dims=(2, 3))  # true convolution: the kernel flipped" if flip else "w"}
out = F.conv2d(x, kernel, b{torch_keywords(request)})
{backward}

print(json.dumps({{
    "grad_input": x.grad.tolist(),
    "grad_weights": w.grad.tolist(),
    "grad_bias": b.grad.tolist(),
}}))
"""
    return Programs(
        program(TORCH_IMPORTS, torch),
        program(NUMPY_IMPORTS, numpy),
        ("grad_input", "grad_weights", "grad_bias"),
    )


def conv_transpose2d(request: ConvTransposeRequest, _response=None) -> Programs:
    op_h, op_w = request.output_padding
    numpy = f"""
{numpy_array("x", request.input, "the input, C×H×W")}
{numpy_array("w", request.weights, "the kernels, C×F×KH×KW (PyTorch's transposed layout)")}
{
        "b = np.zeros(w.shape[1])  # no bias sent: zeros"
        if request.bias is None
        else numpy_array("b", request.bias, "one bias per output channel")
    }
{numpy_params(request).replace("# zero padding", "# cropped from each side of the full output")}
(oph, opw) = {(op_h, op_w)}  # output padding: extra rows/columns at the bottom/right

C, H, W = x.shape
_, F, KH, KW = w.shape
Ho = (H - 1) * sh - 2 * ph + dh * (KH - 1) + oph + 1
Wo = (W - 1) * sw - 2 * pw + dw * (KW - 1) + opw + 1

# Scatter: each input cell stamps its value × its channel's kernels into the output, the
# stamps overlapping where the stride is smaller than the kernel (overlaps add up).
full = np.zeros((F, (H - 1) * sh + dh * (KH - 1) + 1 + oph, (W - 1) * sw + dw * (KW - 1) + 1 + opw))
for c in range(C):
    for i in range(H):
        for j in range(W):
            rows = slice(i * sh, i * sh + dh * (KH - 1) + 1, dh)
            cols = slice(j * sw, j * sw + dw * (KW - 1) + 1, dw)
            full[:, rows, cols] += x[c, i, j] * w[c]
out = full[:, ph : ph + Ho, pw : pw + Wo] + b[:, None, None]  # crop the padding, add the bias

print(json.dumps({{"output": out.tolist()}}))
"""
    bias = "" if request.bias is None else ", b"
    torch = f"""
{torch_tensor("x", request.input, "the input, C×H×W")}
{torch_tensor("w", request.weights, "the kernels, C×F×KH×KW (the transposed layout)")}
{OMIT if request.bias is None else torch_tensor("b", request.bias, "one bias per output channel")}
out = F.conv_transpose2d(x, w{bias}{torch_keywords(request, "output_padding")})

print(json.dumps({{"output": out.tolist()}}))
"""
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), ("output",))
