"""What the programs of a trained network share (/api/cnn/inspect, /trace, /filters, /confusion
and /gradcheck at a run's step): its numbers, and its forward pass in evaluation mode.

A trained network reaches these endpoints as params (+ running) or as the signed state string
of POST /api/cnn/train. The state is opaque to the learner but not to the server that signed
it: the programs decode it as the endpoint does (app.core.nn.inspect.trained: the signature
checked, Nesterov's look-ahead point, float32 runs widened to float64) and carry its
parameters and batch norm's running averages as numbers; never the string itself. A state
holds at most MAX_STATE_VALUES values, so its parameters are at most some 160,000 numbers,
and the program bound (MAX_PROGRAM_CHARS) refuses the rare state whose program is larger.
"""

from __future__ import annotations

from app.codegen.cnn import LAYER_CODE, p
from app.codegen.printer import OMIT, array_text, number
from app.core.nn.inspect import Trained

BATCHNORM_EVAL = '''\
def batchnorm_eval(h, gamma, beta, mean, var, eps):
    """Evaluation mode: each channel (or feature) normalised with its running averages."""
    axes = (0, 2, 3) if h.ndim == 4 else (0,)
    view = (1, -1, 1, 1) if h.ndim == 4 else (1, -1)
    std = np.sqrt(var + eps).reshape(view)
    x_hat = (h - mean.reshape(view)) / std
    out = gamma.reshape(view) * x_hat + beta.reshape(view)

    def backward(dout):
        dh = dout * gamma.reshape(view) / std
        return dh, {"gamma": (dout * x_hat).sum(axis=axes), "beta": dout.sum(axis=axes)}

    return out, backward'''


def settings_secret() -> bytes:
    from app.settings import get_settings

    return get_settings().state_secret.encode()


def trained_numbers(request, network) -> Trained:
    """The request's network as the endpoint reads it (params + running, or its state)."""
    from app.api.cnn import trained_of
    from app.settings import get_settings

    return trained_of(request, network, get_settings())


def with_settings(endpoint):
    """The endpoint's handler with the app's settings (the state's secret), as POST /api/code
    calls a handler with the request alone."""

    def handler(request):
        from app.settings import get_settings

        return endpoint(request, get_settings())

    handler.__name__ = endpoint.__name__
    return handler


def has_batchnorm(network) -> bool:
    return any(layer.type == "batchnorm" for layer in network.layers)


def running_literal(network, running, lib: str) -> str:
    """running = [None, {"mean": ..., "var": ...}, ...]: batch norm's running averages."""
    if not has_batchnorm(network):
        return OMIT
    lines = ["running = [  # batch norm's running averages (evaluation mode); None elsewhere"]
    for layer, values in zip(network.layers, running, strict=True):
        if layer.type != "batchnorm":
            lines.append(f"    None,  # layers[{layer.index}]: {layer.type}")
            continue
        lines.append(f"    {{  # layers[{layer.index}]: batchnorm")
        for name in ("mean", "var"):
            lines.append(array_text(f'        "{name}": ', values[name], lib) + ",")
        lines.append("    },")
    lines.append("]")
    return "\n".join(lines)


def eval_numpy(layer) -> str:
    """The NumPy call of one layer in evaluation mode: (its output, its backward)."""
    if layer.type == "batchnorm":
        i = layer.index
        return (
            f'batchnorm_eval(h, {p(i, "gamma")}, {p(i, "beta")}, running[{i}]["mean"], '
            f'running[{i}]["var"], {number(layer.spec["eps"])})'
        )
    return LAYER_CODE[layer.type][1](layer.index, layer.spec)


def eval_torch(layer) -> str:
    if layer.type == "batchnorm":
        i = layer.index
        return (
            f'F.batch_norm(h, running[{i}]["mean"], running[{i}]["var"], {p(i, "gamma")}, '
            f"{p(i, 'beta')}, training=False, eps={number(layer.spec['eps'])})"
        )
    return LAYER_CODE[layer.type][2](layer.index, layer.spec)


def numpy_helpers(network, train: bool = False) -> str:
    helpers = [
        BATCHNORM_EVAL if layer.type == "batchnorm" and not train else LAYER_CODE[layer.type][0]
        for layer in network.layers
    ]
    return (chr(10) * 3).join(dict.fromkeys(helpers))


def forward_numpy(network, train: bool = False) -> str:
    """forward(params, h): every layer's output and backward, batch norm in evaluation mode
    (or, train, with the batch's statistics)."""
    call = (
        (lambda layer: LAYER_CODE[layer.type][1](layer.index, layer.spec)) if train else eval_numpy
    )
    body = "\n".join(
        f"    h, backward = {call(layer)}\n    outputs.append(h)\n    tape.append(backward)"
        for layer in network.layers
    )
    mode = (
        "batch norm uses the batch's mean and variance (training mode)"
        if train
        else "batch norm uses its running averages, as a PyTorch model in eval() mode"
    )
    return f'''def forward(params, h):
    """Every layer's output for the batch h (the last: the class scores), and each layer's
    backward; {mode}."""
    outputs, tape = [], []
{body}
    return outputs, tape


def backward(tape, dh):
    """From dL/d(scores) back through the layers: dL/d(each layer's output), dL/dparams, dL/dx."""
    grads, param_grads = [None] * len(tape), [None] * len(tape)
    for i in reversed(range(len(tape))):
        grads[i] = dh
        dh, param_grads[i] = tape[i](dh)
    return grads, param_grads, dh'''


def forward_torch(network, train: bool = False) -> str:
    call = (
        (lambda layer: LAYER_CODE[layer.type][2](layer.index, layer.spec)) if train else eval_torch
    )
    body = "\n".join(f"    h = {call(layer)}\n    outputs.append(h)" for layer in network.layers)
    mode = (
        "batch norm uses the batch's mean and variance (training=True)"
        if train
        else "batch norm uses its running averages (training=False), as a model in eval() mode"
    )
    return f'''def forward(params, h):
    """Every layer's output for the batch h (the last: the class scores);
    {mode}."""
    outputs = []
{body}
    return outputs'''


NUMPY_IMPORTS = [
    "import json",
    "",
    "import numpy as np",
    "from numpy.lib.stride_tricks import sliding_window_view",
]
TORCH_IMPORTS = ["import json", "", "import torch", "import torch.nn.functional as F"]


def trained_comment(net: Trained) -> str:
    if net.step is None:
        return "# The network's parameters, as the request gives them."
    return (
        f"# The network as trained to step {int(net.step)}: the parameters decoded from the run's "
        "state\n# (the signed string /api/cnn/train returned), written out as numbers."
    )
