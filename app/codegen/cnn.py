"""Programs for /api/cnn/gradients: one forward and backward pass of the lesson's CNN.

The body carries the batch, the labels and every parameter, so both programs hold them and need
nothing from the app (/api/cnn/train's batches are not in its body: app.codegen.train writes
them out, with these layers and /api/optimize's update rules). NumPy: each layer type's
forward and backward, written once, only the types the network uses; PyTorch: the same layers from
torch.nn.functional, and autograd. LAYER_CODE is keyed by app.core.nn.layers.LAYER_TYPES (a
test holds it to that catalogue).
"""

from __future__ import annotations

import numpy as np

from app.api.cnn import network_for
from app.codegen.printer import Programs, array_text, integer, nested, number, program
from app.schemas.cnn import GradientsRequest

CONV = '''\
def conv(h, w, b, stride, padding):
    """Cross-correlation of h (N×C×H×W) with w (F×C×k×k) plus b; returns out and its backward."""
    N, C, H, W = h.shape
    k = w.shape[2]
    hp = np.pad(h, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(hp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    Ho, Wo = windows.shape[2:4]
    out = np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]

    def backward(dout):
        dhp = np.zeros_like(hp)
        for i in range(k):  # each tap of the kernel sends dout back to the cells it read
            for j in range(k):
                rows = slice(i, i + stride * (Ho - 1) + 1, stride)
                cols = slice(j, j + stride * (Wo - 1) + 1, stride)
                dhp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
        dw = np.einsum("nfhw,nchwij->fcij", dout, windows)
        grads = {"weight": dw, "bias": dout.sum(axis=(0, 2, 3))}
        return dhp[:, :, padding : padding + H, padding : padding + W], grads

    return out, backward'''

POOL = '''\
def pool(h, mode, k, stride, padding):
    """Max or average pooling, k×k windows; padding never wins a max and counts in an average."""
    N, C, H, W = h.shape
    fill = -np.inf if mode == "max" else 0.0
    hp = np.pad(h, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    windows = sliding_window_view(hp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    Ho, Wo = windows.shape[2:4]
    flat = windows.reshape(N, C, Ho, Wo, k * k)
    winner = flat.argmax(axis=-1)  # the first maximum, as PyTorch
    out = flat.max(axis=-1) if mode == "max" else flat.sum(axis=-1) / (k * k)

    def backward(dout):
        dhp = np.zeros_like(hp)
        for t in range(k * k):
            i, j = divmod(t, k)
            rows = slice(i, i + stride * (Ho - 1) + 1, stride)
            cols = slice(j, j + stride * (Wo - 1) + 1, stride)
            share = np.where(winner == t, dout, 0.0) if mode == "max" else dout / (k * k)
            dhp[:, :, rows, cols] += share
        return dhp[:, :, padding : padding + H, padding : padding + W], {}

    return out, backward'''

ACTIVATION = '''\
def activation(h, kind, alpha=None):
    """An element-wise f; backward multiplies by f'(h) (PyTorch's value at the kinks)."""
    if kind == "relu":
        out, slope = np.maximum(h, 0), (h > 0).astype(float)
    elif kind == "leaky_relu":
        out, slope = np.where(h > 0, h, alpha * h), np.where(h > 0, 1.0, alpha)
    elif kind == "elu":
        out = np.where(h > 0, h, alpha * np.expm1(np.minimum(h, 0)))
        slope = np.where(h > 0, 1.0, out + alpha)
    elif kind == "tanh":
        out = np.tanh(h)
        slope = 1 - out * out
    else:  # sigmoid
        out = 1 / (1 + np.exp(-h))
        slope = out * (1 - out)
    return out, lambda dout: (dout * slope, {})'''

BATCHNORM = '''\
def batchnorm(h, gamma, beta, eps):
    """Training mode: each channel (or feature) normalised with the batch's mean and variance."""
    axes = (0, 2, 3) if h.ndim == 4 else (0,)
    view = (1, -1, 1, 1) if h.ndim == 4 else (1, -1)
    M = h.size // h.shape[1]  # values per channel
    mean, var = h.mean(axis=axes, keepdims=True), h.var(axis=axes, keepdims=True)
    x_hat = (h - mean) / np.sqrt(var + eps)
    out = gamma.reshape(view) * x_hat + beta.reshape(view)

    def backward(dout):
        g = dout * gamma.reshape(view)  # dL/dx̂
        total = g.sum(axis=axes, keepdims=True)
        along = (g * x_hat).sum(axis=axes, keepdims=True)
        dh = (M * g - total - x_hat * along) / (M * np.sqrt(var + eps))
        return dh, {"gamma": (dout * x_hat).sum(axis=axes), "beta": dout.sum(axis=axes)}

    return out, backward'''

FLATTEN = """\
def flatten(h):
    return h.reshape(len(h), -1), lambda dout: (dout.reshape(h.shape), {})"""

LINEAR = '''\
def linear(h, w, b):
    """h (N×D) @ wᵀ + b, w (out×D) as PyTorch keeps it."""
    return h @ w.T + b, lambda dout: (dout @ w, {"weight": dout.T @ h, "bias": dout.sum(axis=0)})'''


def p(i: int, name: str) -> str:
    return f'params[{i}]["{name}"]'


# type -> (the NumPy helper it needs, its NumPy call, its PyTorch call) from the resolved spec.
LAYER_CODE = {
    "conv": (
        CONV,
        lambda i, s: (
            f"conv(h, {p(i, 'weight')}, {p(i, 'bias')}, stride={integer(s['stride'])}, "
            f"padding={integer(s['padding'])})"
        ),
        lambda i, s: (
            f"F.conv2d(h, {p(i, 'weight')}, {p(i, 'bias')}, stride={integer(s['stride'])}"
            f", padding={integer(s['padding'])})"
        ),
    ),
    "relu": (ACTIVATION, lambda i, s: 'activation(h, "relu")', lambda i, s: "F.relu(h)"),
    "leaky_relu": (
        ACTIVATION,
        lambda i, s: f'activation(h, "leaky_relu", {number(s["negative_slope"])})',
        lambda i, s: f"F.leaky_relu(h, negative_slope={number(s['negative_slope'])})",
    ),
    "tanh": (ACTIVATION, lambda i, s: 'activation(h, "tanh")', lambda i, s: "torch.tanh(h)"),
    "sigmoid": (
        ACTIVATION,
        lambda i, s: 'activation(h, "sigmoid")',
        lambda i, s: "torch.sigmoid(h)",
    ),
    "elu": (
        ACTIVATION,
        lambda i, s: f'activation(h, "elu", {number(s["alpha"])})',
        lambda i, s: f"F.elu(h, alpha={number(s['alpha'])})",
    ),
    "maxpool": (
        POOL,
        lambda i, s: (
            f'pool(h, "max", {integer(s["size"])}, {integer(s["stride"])}, {integer(s["padding"])})'
        ),
        lambda i, s: (
            f"F.max_pool2d(h, {integer(s['size'])}, stride={integer(s['stride'])}, "
            f"padding={integer(s['padding'])})"
        ),
    ),
    "avgpool": (
        POOL,
        lambda i, s: (
            f'pool(h, "avg", {integer(s["size"])}, {integer(s["stride"])}, {integer(s["padding"])})'
        ),
        lambda i, s: (
            f"F.avg_pool2d(h, {integer(s['size'])}, stride={integer(s['stride'])}, "
            f"padding={integer(s['padding'])})"
        ),
    ),
    "batchnorm": (
        BATCHNORM,
        lambda i, s: f"batchnorm(h, {p(i, 'gamma')}, {p(i, 'beta')}, {number(s['eps'])})",
        lambda i, s: (
            f"F.batch_norm(h, None, None, {p(i, 'gamma')}, {p(i, 'beta')}, "
            f"training=True, eps={number(s['eps'])})"
        ),
    ),
    "flatten": (FLATTEN, lambda i, s: "flatten(h)", lambda i, s: "h.flatten(1)"),
    "linear": (
        LINEAR,
        lambda i, s: f"linear(h, {p(i, 'weight')}, {p(i, 'bias')})",
        lambda i, s: f"F.linear(h, {p(i, 'weight')}, {p(i, 'bias')})",
    ),
}

SOFTMAX = '''\
def softmax_cross_entropy(logits, labels):
    """The mean cross-entropy, from z − max z (stable), and dL/dlogits = (softmax − onehot)/N."""
    N = len(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    log_probs = shifted - np.log(exp.sum(axis=1, keepdims=True))
    dlogits = exp / exp.sum(axis=1, keepdims=True)
    dlogits[np.arange(N), labels] -= 1
    return -log_probs[np.arange(N), labels].mean(), dlogits / N'''


def params_literal(network, params, lib: str) -> str:
    """params = [{"weight": ..., "bias": ...}, {}, ...], one dict per layer."""
    lines = ["params = ["]
    for layer, values in zip(network.layers, params, strict=True):
        if not layer.param_shapes:
            lines.append(f"    {{}},  # layers[{layer.index}]: {layer.type}")
            continue
        lines.append(f"    {{  # layers[{layer.index}]: {layer.type}")
        for name in layer.param_shapes:
            head = f'        "{name}": '
            lines.append(array_text(head, values[name], lib, grad=lib == "torch") + ",")
        lines.append("    },")
    lines.append("]")
    return "\n".join(lines)


def gradients(request: GradientsRequest, _response=None) -> Programs:
    x = np.asarray(request.x, dtype=np.float64)
    network = network_for(request.layers, x.shape[1:])
    labels = "labels = [" + ", ".join(integer(v) for v in request.labels) + "]"
    helpers = list(dict.fromkeys(LAYER_CODE[layer.type][0] for layer in network.layers))
    forward_np = "\n".join(
        f"h, backward = {LAYER_CODE[layer.type][1](layer.index, layer.spec)}\n"
        f"tape.append(({layer.index}, backward))"
        for layer in network.layers
    )
    forward_torch = "\n".join(
        f"    h = {LAYER_CODE[layer.type][2](layer.index, layer.spec)}" for layer in network.layers
    )
    decay = request.weight_decay
    decay_np = (
        f"""
weight_decay = {number(decay)}  # adds (λ/2)·Σ p² to the loss and λ·p to each gradient
loss += 0.5 * weight_decay * sum(float((v * v).sum()) for layer in params for v in layer.values())
for layer, layer_grads in zip(params, grads):
    for name in layer_grads:
        layer_grads[name] = layer_grads[name] + weight_decay * layer[name]
"""
        if decay
        else ""
    )
    decay_torch = (
        f"loss = loss + 0.5 * {number(decay)} * sum((v * v).sum() for layer in params "
        "for v in layer.values())  # L2 penalty (λ/2)·Σ p²"
        if decay
        else ""
    )
    x_head = "x = np.array("
    numpy = f"""
{x_head}{nested(x, len(x_head))})  # the batch, N×C×H×W
{labels}
{params_literal(network, request.params, "np")}


{(chr(10) * 3).join(helpers)}


{SOFTMAX}


# Forward, keeping each layer's backward; then back through them in reverse (the chain rule).
tape = []
h = x
{forward_np}
loss, dh = softmax_cross_entropy(h, np.array(labels))
grads = [{{}} for _ in params]
for index, backward in reversed(tape):
    dh, grads[index] = backward(dh)
{decay_np}
print(json.dumps({{
    "loss": float(loss),
    "grads": [{{name: g.tolist() for name, g in layer.items()}} for layer in grads],
}}))
"""
    x_head = "x = torch.tensor("
    torch = f"""
{x_head}{nested(x, len(x_head))}, dtype=torch.float64)  # the batch, N×C×H×W
{labels}
{params_literal(network, request.params, "torch")}


def forward(h):
{forward_torch}
    return h  # the class scores


loss = F.cross_entropy(forward(x), torch.tensor(labels))  # batch norm in training mode
{decay_torch}
loss.backward()  # autograd: dL/dp for every parameter

print(json.dumps({{
    "loss": loss.item(),
    "grads": [{{name: p.grad.tolist() for name, p in layer.items()}} for layer in params],
}}))
"""
    numpy_imports = [
        "import json",
        "",
        "import numpy as np",
        "from numpy.lib.stride_tricks import sliding_window_view",
    ]
    torch_imports = ["import json", "", "import torch", "import torch.nn.functional as F"]
    return Programs(program(torch_imports, torch), program(numpy_imports, numpy), ("loss", "grads"))
