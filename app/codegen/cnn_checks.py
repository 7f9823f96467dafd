"""Programs for /api/cnn/gradcheck (section 4 of /cnn: back-propagation against central
differences) and /api/cnn/network (section 1: each layer's output shape and parameters).

gradcheck: the batch (the body's x, or the seeded training examples the endpoint took), the
parameters (the body's, the seeded initial ones, or a run's state decoded: app.codegen.
cnn_trained) and the entries the endpoint sampled are written out; both programs compute the
loss, dL/dp at those entries and (L(p + h) − L(p − h)) / 2h, batch norm in training mode, and
print `loss`, `checks` (per parameter array: analytic, numerical, relative_errors) and
`max_relative_error`.

network: PyTorch builds the layers as torch.nn modules and passes one zero example through
them; NumPy writes out the size formulas. Both print `layers` (each output_shape and params),
`num_params` and `flops` (the lab's multiply-add count). A network that does not fit has no
program: the refusal says why.
"""

from __future__ import annotations

import numpy as np

from app.api.cnn import gradcheck_run, network_for
from app.codegen.cnn import SOFTMAX, params_literal
from app.codegen.cnn_inside import index_text
from app.codegen.cnn_trained import (
    NUMPY_IMPORTS,
    TORCH_IMPORTS,
    forward_numpy,
    forward_torch,
    numpy_helpers,
)
from app.codegen.printer import Programs, array_text, integer, number, program
from app.core import datasets
from app.core.errors import InputError
from app.core.nn.layers import ELEMENTWISE_COST
from app.core.nn.network import INIT_SCHEMES
from app.i18n import gettext

# ---------------------------------------------------------------- gradcheck

PARAM_NAMES = {name: name for name in ("weight", "bias", "gamma", "beta")}  # the only ones


def gradcheck(request, response) -> Programs:
    from app.settings import get_settings

    network, x, labels, flat, step = gradcheck_run(request, get_settings())
    params = network.unflatten(np.asarray(flat, dtype=np.float64))
    from_data = request.x is None
    # Names in comments are the catalogue's, looked up (never the body's text).
    catalogue_name = datasets.get_info(request.dataset or "shapes").name if from_data else ""
    scheme = request.init if request.init in INIT_SCHEMES else "its"
    if from_data:
        source = (
            f"# The batch: {len(x)} training examples of {catalogue_name} the "
            f"endpoint took with seed {integer(request.seed)} (float32, as the data set's)."
        )
    else:
        source = "# The batch, N×C×H×W, as the request gives it."
    if step:
        where = (
            f"# The parameters at step {integer(int(step))}: decoded from the run's state (the "
            "signed string /api/cnn/train returned)."
        )
    elif request.params is not None:
        where = "# The parameters, as the request gives them."
    else:
        where = (
            f"# The initial parameters the endpoint drew from seed {integer(request.seed)} "
            f"({scheme} initialisation)."
        )
    labels_line = "labels = [" + ", ".join(integer(int(v)) for v in labels) + "]"
    checked = (
        "checked = [  # per parameter array: its layer, its name, the entries sampled\n"
        + "".join(
            f'    ({integer(c.layer)}, "{PARAM_NAMES[c.param]}", '
            + "["
            + ", ".join(index_text(e) for e in c.entries)
            + "]),\n"
            for c in response.checks
        )
        + "]"
    )  # fmt: skip
    h = number(response.h)

    def batch(lib):
        return array_text("x = ", x, lib)

    numpy = f"""
{source}
{batch("np")}
{labels_line}
{where}
{params_literal(network, params, "np")}
{checked}
h = {h}  # the central-difference step


{numpy_helpers(network, train=True)}


{SOFTMAX}


{forward_numpy(network, train=True)}


def loss_at(params):
    outputs, _ = forward(params, x)
    return softmax_cross_entropy(outputs[-1], np.array(labels))[0]


# Back-propagation's gradient: forward, then back through every layer.
outputs, tape = forward(params, x)
loss, dh = softmax_cross_entropy(outputs[-1], np.array(labels))
grads = [None] * len(tape)
for i in reversed(range(len(tape))):
    dh, grads[i] = tape[i](dh)

checks = []
for layer, name, entries in checked:
    analytic, numerical = [], []
    for e in entries:
        perturbed = [{{key: v.copy() for key, v in p.items()}} for p in params]
        perturbed[layer][name][e] = params[layer][name][e] + h
        up = loss_at(perturbed)
        perturbed[layer][name][e] = params[layer][name][e] - h
        down = loss_at(perturbed)
        numerical.append((up - down) / (2 * h))
        analytic.append(float(grads[layer][name][e]))
    a, n = np.array(analytic), np.array(numerical)
    scale = np.maximum(np.abs(a), np.abs(n))
    errors = np.where(scale > 0, np.abs(a - n) / np.where(scale > 0, scale, 1), 0.0)
    checks.append(
        {{"analytic": analytic, "numerical": numerical, "relative_errors": errors.tolist()}}
    )

print(json.dumps({{
    "loss": float(loss),
    "checks": checks,
    "max_relative_error": max(max(c["relative_errors"]) for c in checks),
}}))
"""
    torch = f"""
{source}
{batch("torch")}
labels = torch.tensor({labels_line[len("labels = ") :]})
{where}
{params_literal(network, params, "torch")}
{checked}
h = {h}  # the central-difference step


{forward_torch(network, train=True)}


def loss_at(params):
    return F.cross_entropy(forward(params, x)[-1], labels)


loss = loss_at(params)
loss.backward()  # autograd: dL/dp for every parameter

checks = []
with torch.no_grad():
    for layer, name, entries in checked:
        analytic, numerical = [], []
        for e in entries:
            perturbed = [{{key: v.detach().clone() for key, v in p.items()}} for p in params]
            perturbed[layer][name][e] = params[layer][name][e] + h
            up = loss_at(perturbed).item()
            perturbed[layer][name][e] = params[layer][name][e] - h
            down = loss_at(perturbed).item()
            numerical.append((up - down) / (2 * h))
            analytic.append(params[layer][name].grad[e].item())
        errors = [
            abs(a - n) / max(abs(a), abs(n)) if max(abs(a), abs(n)) > 0 else 0.0
            for a, n in zip(analytic, numerical)
        ]
        checks.append({{"analytic": analytic, "numerical": numerical, "relative_errors": errors}})

print(json.dumps({{
    "loss": loss.item(),
    "checks": checks,
    "max_relative_error": max(max(c["relative_errors"]) for c in checks),
}}))
"""
    return Programs(
        program(TORCH_IMPORTS, torch),
        program(NUMPY_IMPORTS, numpy),
        ("loss", "checks", "max_relative_error"),
    )


# ---------------------------------------------------------------- network


def torch_module(layer) -> str:
    s = layer.spec
    C = layer.in_shape[0]
    if layer.type == "conv":
        return (
            f"nn.Conv2d({integer(C)}, {integer(s['filters'])}, {integer(s['size'])}, "
            f"stride={integer(s['stride'])}, padding={integer(s['padding'])})"
        )
    if layer.type in ("maxpool", "avgpool"):
        kind = "MaxPool2d" if layer.type == "maxpool" else "AvgPool2d"
        return (
            f"nn.{kind}({integer(s['size'])}, stride={integer(s['stride'])}, "
            f"padding={integer(s['padding'])})"
        )
    if layer.type == "batchnorm":
        kind = "BatchNorm2d" if len(layer.in_shape) == 3 else "BatchNorm1d"
        return f"nn.{kind}({integer(C)}, eps={number(s['eps'])})"
    if layer.type == "linear":
        return f"nn.Linear({integer(layer.in_shape[0])}, {integer(s['out'])})"
    if layer.type == "leaky_relu":
        return f"nn.LeakyReLU({number(s['negative_slope'])})"
    if layer.type == "elu":
        return f"nn.ELU({number(s['alpha'])})"
    return {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
            "flatten": "nn.Flatten()"}[layer.type]  # fmt: skip


# The lab's multiply-add count of one layer (app.core.nn.layers' flops), from its shapes.
FLOPS = f'''\
def flops(kind, size, in_shape, out_shape):
    """Multiply-adds (or their equivalent) of one example's forward pass, as the lab counts."""
    out = math.prod(out_shape)
    if kind == "conv":
        return in_shape[0] * size * size * out + out  # C·k·k per output, and its bias
    if kind == "linear":
        return in_shape[0] * out_shape[0] + out_shape[0]
    if kind == "flatten":
        return 0
    if kind in ("maxpool", "avgpool"):
        return {ELEMENTWISE_COST} * size * size * out  # {ELEMENTWISE_COST} per value looked at
    return {ELEMENTWISE_COST} * out  # an element-wise layer: {ELEMENTWISE_COST} per output'''


def network(request, response) -> Programs:
    if not response.fits:
        raise InputError(
            gettext("this network does not fit, so there is no program: {message}").format(
                message=response.error.message
            ),
            "body.layers",
        )
    info = datasets.get_info(request.dataset)
    net = network_for(request.layers, info.shape, len(info.classes))
    shape = ", ".join(integer(v) for v in info.shape)
    kinds = (
        "["
        + ", ".join(
            f'("{layer.type}", {integer(layer.spec.get("size") or 0)})' for layer in net.layers
        )
        + "]"
    )  # noqa: E501
    modules = "\n".join(
        f"    {torch_module(layer)},  # layers[{layer.index}]" for layer in net.layers
    )
    torch = f"""
# The network, layer 0 first, for one {info.name} example of shape {"×".join(map(str, info.shape))}.
layers = [
{modules}
]
# (type, kernel size) per layer, for the multiply-add count
kinds = {kinds}


{FLOPS}


h = torch.zeros(1, {shape})  # one example (its values do not change the shapes)
rows, total_flops = [], 0
for layer, (kind, size) in zip(layers, kinds):
    layer.eval()  # batch norm on one example uses its running averages
    out = layer(h)
    count = sum(p.numel() for p in layer.parameters())
    rows.append({{"output_shape": list(out.shape[1:]), "params": count}})
    total_flops += flops(kind, size, list(h.shape[1:]), list(out.shape[1:]))
    h = out

print(json.dumps({{
    "layers": rows,
    "num_params": sum(row["params"] for row in rows),
    "flops": total_flops,
}}))
"""
    spec_rows = "\n".join(
        f"    {spec_tuple(layer)},  # layers[{layer.index}]" for layer in net.layers
    )
    numpy = f"""
# The network, layer 0 first, for one {info.name} example of shape {"×".join(map(str, info.shape))}:
# (type, output channels or units, kernel size, stride, padding).
layers = [
{spec_rows}
]


{FLOPS}


def out_size(m, k, s, p):
    return (m + 2 * p - k) // s + 1  # (m + 2p − k) / s + 1, floored


shape, rows, total_flops = [{shape}], [], 0
for kind, units, k, s, p in layers:
    if kind == "conv":
        out = [units, out_size(shape[1], k, s, p), out_size(shape[2], k, s, p)]
        count = units * shape[0] * k * k + units  # F·C·k·k weights and F biases
    elif kind in ("maxpool", "avgpool"):
        out, count = [shape[0], out_size(shape[1], k, s, p), out_size(shape[2], k, s, p)], 0
    elif kind == "flatten":
        out, count = [int(np.prod(shape))], 0
    elif kind == "linear":
        out, count = [units], units * shape[0] + units  # out·in weights and out biases
    elif kind == "batchnorm":
        out, count = list(shape), 2 * shape[0]  # γ and β per channel (or feature)
    else:  # an element-wise activation
        out, count = list(shape), 0
    rows.append({{"output_shape": out, "params": count}})
    total_flops += flops(kind, k, shape, out)
    shape = out

print(json.dumps({{
    "layers": rows,
    "num_params": sum(row["params"] for row in rows),
    "flops": total_flops,
}}))
"""
    return Programs(
        program(["import json", "import math", "", "import torch", "from torch import nn"], torch),
        program(["import json", "import math", "", "import numpy as np"], numpy),
        ("layers", "num_params", "flops"),
    )


def spec_tuple(layer) -> str:
    s = layer.spec
    units = s.get("filters") or s.get("out") or 0
    values = (units, s.get("size") or 0, s.get("stride") or 0, s.get("padding") or 0)
    return f'("{layer.type}", ' + ", ".join(integer(int(v)) for v in values) + ")"
