"""Programs for /api/cnn/train, a run's first chunk ("state": null, a few steps).

The data set and the seeded initialisation live on the server, not in the body, so the
programs carry them as numbers: the initial parameters the endpoint drew from the seed and the
training examples of the chunk's batches, in the run's precision. NumPy: the forward and
backward of app.codegen.cnn, flattened into one vector that the optimiser rule of
app.codegen.optimize steps; PyTorch: the same network from torch.nn.functional, autograd and
torch.optim. Both print `losses` and `batch_accuracy`, step by step, as the endpoint does, and
stop at the first non-finite loss (the endpoint's divergence). A chunk that continues from a
state is refused: its parameters and optimiser state are only in the signed state string.
"""

from __future__ import annotations

import numpy as np

from app.api.cnn import training_run
from app.codegen.cnn import LAYER_CODE, SOFTMAX
from app.codegen.optimize import NUMPY_RULES, torch_optimizer
from app.codegen.printer import Programs, integer, nested, number, program
from app.core.errors import InputError
from app.i18n import gettext
from app.schemas.cnn import TrainRequest

# steps × batch_size examples are written into the programs (a 28×28 image is ~5,000
# characters): at most this many, so a program stays well inside MAX_PROGRAM_CHARS.
MAX_EXAMPLES = 128


def literal(array, precision: str, indent: int) -> str:
    """Nested lists of the array's numbers: float64 exactly, float32 as float32 reads them."""
    return nested(array, indent, float32=precision == "float32")


def checked(request: TrainRequest) -> None:
    if request.state is not None:
        raise InputError(
            gettext(
                "a chunk that continues a run has its parameters and optimiser state only in "
                'the signed state string: the programs reproduce a run\'s first chunk ("state": '
                "null)"
            ),
            "state",
        )
    if request.steps * request.batch_size > MAX_EXAMPLES:
        raise InputError(
            gettext(
                "the programs carry every example of the chunk: steps × batch_size must be at "
                "most {limit}, got {steps} × {batch_size}"
            ).format(limit=MAX_EXAMPLES, steps=request.steps, batch_size=request.batch_size),
            "steps",
        )


def handler(request: TrainRequest):
    """The endpoint's handler, after the programs' own limits (checked first: no work for a
    body that has no program)."""
    from app.api.cnn import train as train_endpoint
    from app.settings import get_settings

    checked(request)
    return train_endpoint(request, get_settings())


def params_block(network, initial, precision: str, lib: str) -> str:
    lines = ["params = ["]
    for layer, values in zip(network.layers, initial, strict=True):
        if not layer.param_shapes:
            lines.append(f"    {{}},  # layers[{layer.index}]: {layer.type}")
            continue
        lines.append(f"    {{  # layers[{layer.index}]: {layer.type}")
        for name in layer.param_shapes:
            lib_call = "np.array(" if lib == "np" else "torch.tensor("
            head = f'        "{name}": {lib_call}'
            body = literal(values[name], precision, len(head))
            if lib == "np":
                lines.append(f"{head}{body}, dtype=SOURCE).astype(DTYPE),")
            else:
                lines.append(f"{head}{body}, dtype=SOURCE).to(DTYPE).requires_grad_(),")
        lines.append("    },")
    lines.append("]")
    return "\n".join(lines)


def train(request: TrainRequest, response) -> Programs:
    data, network, config = training_run(request)
    precision = response.precision
    batches = [list(b) for b in response.batches]
    chosen = sorted({i for b in batches for i in b})
    where = {index: k for k, index in enumerate(chosen)}
    examples = data.train_x[chosen].astype(np.float64)
    labels = "labels = [" + ", ".join(integer(int(data.train_y[i])) for i in chosen) + "]"
    batch_rows = (
        "batches = [  # the examples of each step, as rows of `examples`\n"
        + "".join("    [" + ", ".join(integer(where[i]) for i in b) + "],\n" for b in batches)
        + "]"
    )
    name, hp = config.optimizer, {"lr": config.lr, **config.hp}
    decay = config.weight_decay
    dtype = "float32" if precision == "float32" else "float64"
    source = "float32" if precision == "float32" else "float64"
    seeded = (
        f"# The run's starting point: the parameters /api/cnn/train drew from seed "
        f"{integer(request.seed)}\n# ({config.init} initialisation), and the training examples "
        f"of the {len(batches)} step(s)' batches."
    )

    helpers = list(dict.fromkeys(LAYER_CODE[layer.type][0] for layer in network.layers))
    forward_np = "\n".join(
        f"    h, backward = {LAYER_CODE[layer.type][1](layer.index, layer.spec)}\n"
        f"    tape.append(({layer.index}, backward))"
        for layer in network.layers
    )
    decay_np = (
        f"    flat = flat + {number(decay)} * p  # weight decay: λ·p added to the gradient\n"
        if decay
        else ""
    )
    ex_head = "examples = np.array("
    hyper = ", ".join(f"{key}={number(value)}" for key, value in hp.items())
    numpy = f"""
DTYPE, SOURCE = np.{dtype}, np.{source}  # the run's precision
{seeded}
{ex_head}{literal(examples, "float32", len(ex_head))}, dtype=np.float32).astype(DTYPE)
{labels}
{batch_rows}
{params_block(network, response.initial_params, precision, "np")}
shapes = [{{name: v.shape for name, v in layer.items()}} for layer in params]


{(chr(10) * 3).join(helpers)}


{SOFTMAX}


def unflatten(p):
    layers, start = [], 0
    for layer in shapes:
        values = {{}}
        for name, shape in layer.items():
            size = int(np.prod(shape))
            values[name] = p[start : start + size].reshape(shape)
            start += size
        layers.append(values)
    return layers


losses, batch_accuracy = [], []


def gradient(p, t):
    \"\"\"The loss of step t's batch at the flat parameters p, and its gradient (flat).\"\"\"
    global params
    params = unflatten(p)
    rows = batches[t - 1]
    h, tape = examples[rows], []
{forward_np}
    y = np.array([labels[r] for r in rows])
    loss, dh = softmax_cross_entropy(h, y)
    grads = [{{}} for _ in params]
    for index, backward in reversed(tape):
        dh, grads[index] = backward(dh)
    pieces = [grads[i][name].ravel() for i, layer in enumerate(shapes) for name in layer]
    flat = np.concatenate(pieces).astype(DTYPE)
{decay_np}    losses.append(float(loss))
    batch_accuracy.append(float((h.argmax(axis=1) == y).mean()))
    return flat


{NUMPY_RULES[name]}


p = np.concatenate([v.ravel() for layer in params for v in layer.values()])
state = {{}}
for t in range(1, len(batches) + 1):
    p, _ = {name}(p, t, state, {hyper})
    if not np.isfinite(losses[-1]) or not np.all(np.isfinite(p)):
        losses.pop(), batch_accuracy.pop()  # diverged: the endpoint stops before this step
        break

print(json.dumps({{"losses": losses, "batch_accuracy": batch_accuracy}}))
"""
    forward_torch = "\n".join(
        f"    h = {LAYER_CODE[layer.type][2](layer.index, layer.spec)}" for layer in network.layers
    )
    maker = torch_optimizer(name, hp).replace("(params,", "(leaves,", 1)
    if decay:
        maker = maker[:-1] + f", weight_decay={number(decay)})"
    ex_head = "examples = torch.tensor("
    torch = f"""
DTYPE, SOURCE = torch.{dtype}, torch.{source}  # the run's precision
{seeded}
{ex_head}{literal(examples, "float32", len(ex_head))}, dtype=torch.float32).to(DTYPE)
{labels}
{batch_rows}
{params_block(network, response.initial_params, precision, "torch")}


def forward(h):
{forward_torch}
    return h  # the class scores


leaves = [v for layer in params for v in layer.values()]
opt = {maker}
losses, batch_accuracy = [], []
for rows in batches:
    y = torch.tensor([labels[r] for r in rows])
    logits = forward(examples[rows])  # batch norm in training mode
    loss = F.cross_entropy(logits, y)
    if not torch.isfinite(loss):
        break  # diverged: the endpoint stops before this step
    opt.zero_grad()
    loss.backward()
    opt.step()
    if not all(torch.isfinite(v).all() for v in leaves):
        break
    losses.append(loss.item())
    batch_accuracy.append((logits.argmax(dim=1) == y).double().mean().item())

print(json.dumps({{"losses": losses, "batch_accuracy": batch_accuracy}}))
"""
    numpy_imports = [
        "import json",
        "",
        "import numpy as np",
        "from numpy.lib.stride_tricks import sliding_window_view",
    ]
    torch_imports = ["import json", "", "import torch", "import torch.nn.functional as F"]
    return Programs(
        program(torch_imports, torch),
        program(numpy_imports, numpy),
        ("losses", "batch_accuracy"),
        precision=precision,
    )
