"""Programs for section 6 of /cnn, inside a trained network: /api/cnn/inspect (one example
through every layer, forward and backward), /api/cnn/trace (one cell's arithmetic, one weight's
gradient), /api/cnn/filters (the first layer's kernels beside the filter presets) and
/api/cnn/confusion (the fixed test subset's confusion matrix).

The network's numbers come from the body or its state (app.codegen.cnn_trained); the example
from the body; the filter presets from app.core.filters; the test subset from the data set, as
its float32 bytes (zlib, base64) since a thousand images do not read as text. What each prints:

    inspect    activations, logits, probs, predicted (+ loss, grads, param_grads, input_grad)
    trace      cell: {value, and the kind's own sums}; weight: {value, total, numerical, h, loss}
    filters    limit, filters (per kernel slice, the closest presets by |cosine similarity|)
    confusion  counts, accuracy, misclassified_count
"""

from __future__ import annotations

import base64
import re
import zlib

import numpy as np

from app.api.cnn import network_for
from app.codegen.cnn import SOFTMAX, params_literal
from app.codegen.cnn_trained import (
    NUMPY_IMPORTS,
    TORCH_IMPORTS,
    forward_numpy,
    forward_torch,
    numpy_helpers,
    running_literal,
    trained_comment,
    trained_numbers,
)
from app.codegen.printer import (
    OMIT,
    Programs,
    array_text,
    integer,
    nested,
    number,
    program,
    wrapped,
)
from app.core import datasets
from app.core import filters as image_filters
from app.core.errors import InputError
from app.core.nn.inspect import NUMERICAL_STEP, update_inputs
from app.i18n import gettext

# The packed test subset (base64 characters) a confusion program may carry. Fashion's 1,000
# images pack into about 0.87 M; the synthetic shapes' float32 values do not compress (2.4 M).
MAX_PACKED_CHARS = 1_200_000


def example_literal(x, lib: str) -> str:
    return array_text("x = ", x, lib, grad=lib == "torch") + "  # the example, C×H×W"


def index_text(index) -> str:
    return "(" + ", ".join(integer(int(v)) for v in index) + ("," if len(index) == 1 else "") + ")"


# ---------------------------------------------------------------- inspect


def inspect(request, response) -> Programs:
    x = np.asarray(request.x, dtype=np.float64)
    network = network_for(request.layers, x.shape)
    net = trained_numbers(request, network)
    labelled = request.label is not None
    label = f"label = {integer(request.label)}  # its class" if labelled else ""
    numpy_label = (
        """
loss, dh = softmax_cross_entropy(outputs[-1], np.array([label]))
grads, param_grads, input_grad = backward(tape, dh)
"""
        if labelled
        else ""
    )
    numpy_prints = (
        """    "loss": float(loss),
    "grads": [g[0].tolist() for g in grads],
    "param_grads": [{name: g.tolist() for name, g in layer.items()} for layer in param_grads],
    "input_grad": input_grad[0].tolist(),
"""
        if labelled
        else ""
    )
    numpy = f"""
{trained_comment(net)}
{params_literal(network, net.params, "np")}
{running_literal(network, net.running, "np")}
{example_literal(x, "np")}
{label}


{numpy_helpers(network)}


{SOFTMAX}


{forward_numpy(network)}


outputs, tape = forward(params, x[None])  # a batch of one
logits = outputs[-1][0]
exps = np.exp(logits - logits.max())
probs = exps / exps.sum()
{numpy_label}
print(json.dumps({{
    "activations": [out[0].tolist() for out in outputs],
    "logits": logits.tolist(),
    "probs": probs.tolist(),
    "predicted": int(np.argmax(logits)),
{numpy_prints}}}))
"""
    torch_label = (
        """
loss = F.cross_entropy(outputs[-1], torch.tensor([label]))
loss.backward()  # autograd: dL/d every output kept, every parameter and the input
"""
        if labelled
        else ""
    )
    torch_prints = (
        """    "loss": loss.item(),
    "grads": [out.grad[0].tolist() for out in outputs],
    "param_grads": [{name: v.grad.tolist() for name, v in layer.items()} for layer in params],
    "input_grad": x.grad.tolist(),
"""
        if labelled
        else ""
    )
    torch = f"""
{trained_comment(net)}
{params_literal(network, net.params, "torch")}
{running_literal(network, net.running, "torch")}
{example_literal(x, "torch")}
{label}


{forward_torch(network)}


outputs = forward(params, x[None])  # a batch of one
for out in outputs:
    out.retain_grad()  # keep dL/d(this output) when backward runs
logits = outputs[-1][0]
probs = torch.softmax(logits, dim=0)
{torch_label}
print(json.dumps({{
    "activations": [out[0].tolist() for out in outputs],
    "logits": logits.tolist(),
    "probs": probs.tolist(),
    "predicted": int(logits.argmax()),
{torch_prints}}}))
"""
    prints = ("activations", "logits", "probs", "predicted")
    if labelled:
        prints += ("loss", "grads", "param_grads", "input_grad")
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), prints)


# ---------------------------------------------------------------- trace: one cell


def cell_code(network, layer_index: int, index, lib: str) -> tuple[str, list[str]]:
    """The arithmetic of one cell from `inp` (the layer's input, one example) and what it
    prints beside the value."""
    np_ = lib == "np"
    if layer_index == len(network.layers):
        (k,) = index
        exp = "np.exp" if np_ else "torch.exp"
        return (
            f"""z = outputs[-1][0]  # the class scores
exps = {exp}(z - z.max())
value = exps[{integer(k)}] / exps.sum()  # softmax of class {integer(k)}""",
            ["max", "sum"],
        )
    layer = network.layers[layer_index]
    s = layer.spec
    pl = f"params[{layer_index}]"
    if layer.type == "conv":
        f, i, j = index
        k, st, pad = s["size"], s["stride"], s["padding"]
        padded = (
            f"np.pad(inp, ((0, 0), ({pad}, {pad}), ({pad}, {pad})))  # zero padding {pad}"
            if np_
            else f"F.pad(inp, ({pad}, {pad}, {pad}, {pad}))  # zero padding {pad}"
        )
        if not pad:
            padded = "inp  # no padding"
        axes = "axis=(1, 2)" if np_ else "dim=(1, 2)"
        return (
            f"""f, i, j = {integer(f)}, {integer(i)}, {integer(j)}  # output channel, row, column
padded = {padded}
window = padded[:, i * {st} : i * {st} + {k}, j * {st} : j * {st} + {k}]  # stride {st}, {k}×{k}
products = window * {pl}["weight"][f]
channel_sums = products.sum({axes})  # one per input channel
value = channel_sums.sum() + {pl}["bias"][f]""",
            ["channel_sums"],
        )
    if layer.type in ("maxpool", "avgpool"):
        c, i, j = index
        k, st, pad = s["size"], s["stride"], s["padding"]
        fill = ("-np.inf" if np_ else "float('-inf')") if layer.type == "maxpool" else "0.0"
        padded = (
            f"np.pad(inp[c], {pad}, constant_values={fill})"
            if np_
            else f"F.pad(inp[c][None], ({pad}, {pad}, {pad}, {pad}), value={fill})[0]"
        )
        head = f"""c, i, j = {integer(c)}, {integer(i)}, {integer(j)}  # channel, row, column
padded = {padded}
window = padded[i * {st} : i * {st} + {k}, j * {st} : j * {st} + {k}]"""
        if layer.type == "maxpool":
            return (
                head + f"\nvalue = window.max()\nwinner = list(divmod(int(window.argmax()), {k}))",
                ["winner"],
            )
        return head + f"\nsum = window.sum()\nvalue = sum / {k * k}", ["sum"]
    if layer.type == "linear":
        (k,) = index
        return (
            f"""k = {integer(k)}  # the output unit
products = {pl}["weight"][k] * inp
products_sum = products.sum()
value = products_sum + {pl}["bias"][k]""",
            ["products_sum"],
        )
    if layer.type == "batchnorm":
        c = int(index[0])
        sqrt = "np.sqrt" if np_ else "torch.sqrt"
        return (
            f"""c = {integer(c)}  # the channel
std = {sqrt}(running[{layer_index}]["var"][c] + {number(s["eps"])})
x_hat = (inp[{index_text(index)}] - running[{layer_index}]["mean"][c]) / std
value = {pl}["gamma"][c] * x_hat + {pl}["beta"][c]""",
            ["x_hat", "std"],
        )
    if layer.type == "flatten":
        (k,) = index
        shape = "inp.shape" if np_ else "tuple(inp.shape)"
        where = f"{integer(k)}, {shape}" if np_ else f"torch.tensor({integer(k)}), {shape}"
        unravel = f"source = [int(v) for v in {'np' if np_ else 'torch'}.unravel_index({where})]"
        return f"{unravel}  # where entry {integer(k)} came from\nvalue = inp[tuple(source)]", [
            "source"
        ]
    # An activation: f of the one input value.
    from app.codegen.cnn import LAYER_CODE

    call = LAYER_CODE[layer.type][1 if np_ else 2](layer_index, s)
    if np_:
        return f"h = inp[{index_text(index)}]  # x\nvalue, _ = {call}", []
    return f"h = inp[{index_text(index)}]  # x\nvalue = {call}", []


def trace(request, response) -> Programs:
    x = np.asarray(request.x, dtype=np.float64)
    network = network_for(request.layers, x.shape)
    net = trained_numbers(request, network)
    if request.cell is not None:
        return trace_cell(request, network, net, x)
    return trace_weight(request, network, net, x, response)


def to_python(name: str, lib: str) -> str:
    if name in ("winner", "source"):
        return name
    return f"{name}.tolist()" if name == "channel_sums" else f"float({name})"


def trace_cell(request, network, net, x) -> Programs:
    layer = request.layer
    inp = "x" if layer == 0 else f"outputs[{layer - 1}][0]"
    inp_line = "" if layer == len(network.layers) else f"inp = {inp}  # the layer's input"
    programs = {}
    for lib in ("np", "torch"):
        code, extra = cell_code(network, layer, request.cell, lib)
        fields = "".join(f'    "{name}": {to_python(name, lib)},\n' for name in extra)
        if layer == len(network.layers):
            fields = '    "max": float(z.max()),\n    "sum": float(exps.sum()),\n'
        if lib == "np":
            body = f"""
{trained_comment(net)}
{params_literal(network, net.params, "np")}
{running_literal(network, net.running, "np")}
{example_literal(x, "np")}


{numpy_helpers(network)}


{forward_numpy(network)}


outputs, _ = forward(params, x[None])
{inp_line}
{code}

print(json.dumps({{"cell": {{
    "value": float(value),
{fields}}}}}))
"""
        else:
            body = f"""
{trained_comment(net)}
{params_literal(network, net.params, "torch")}
{running_literal(network, net.running, "torch")}
{example_literal(x, "torch")}


{forward_torch(network)}


with torch.no_grad():
    outputs = forward(params, x[None])
    {inp_line}
{indent(code)}

print(json.dumps({{"cell": {{
    "value": float(value),
{fields}}}}}))
"""
        programs[lib] = body
    return Programs(
        program(TORCH_IMPORTS, programs["torch"]),
        program(NUMPY_IMPORTS, programs["np"]),
        ("cell",),
    )


def indent(code: str) -> str:
    return "\n".join("    " + line if line else line for line in code.split("\n"))


# ---------------------------------------------------------------- trace: one weight


def weight_sum(network, layer_index: int, name: str, index) -> str:
    """NumPy: dL/dp as the sum over where the weight acted (inp: the layer's input, dy: dL/d
    its output, one example)."""
    layer = network.layers[layer_index]
    s = layer.spec
    if layer.type == "conv":
        st, pad = s["stride"], s["padding"]
        if name == "bias":
            (f,) = index
            return f"total = dy[{integer(f)}].sum()  # the bias acted at every output position"
        f, c, m, n = (integer(int(v)) for v in index)
        return f"""padded = np.pad(inp, ((0, 0), ({pad}, {pad}), ({pad}, {pad})))
Ho, Wo = dy.shape[1:]
# The inputs weight [{f}, {c}, {m}, {n}] multiplied, one per output position (stride {st}):
xs = padded[{c}, {m} : {m} + {st} * (Ho - 1) + 1 : {st}, {n} : {n} + {st} * (Wo - 1) + 1 : {st}]
total = (xs * dy[{f}]).sum()"""
    if layer.type == "linear":
        if name == "bias":
            return f"total = dy[{integer(int(index[0]))}]"
        k, j = (integer(int(v)) for v in index)
        return f"total = inp[{j}] * dy[{k}]"
    (c,) = (integer(int(v)) for v in index)
    eps = number(s["eps"])
    if name == "beta":
        return f"total = dy[{c}].sum()"
    return f"""x_hat = (inp[{c}] - running[{layer_index}]["mean"][{c}]) / np.sqrt(running[{layer_index}]["var"][{c}] + {eps})
total = (x_hat * dy[{c}]).sum()"""  # noqa: E501


# The optimiser's next step on one weight, as /api/cnn/trace's `update` (the core's rules of
# app.core.optimizers on a Python float): the same arithmetic in both programs.
WEIGHT_STEPS = {
    "sgd": """\
after = w - lr * g
quantities = {"effective_lr": lr}""",
    "momentum": """\
v = rho * v + g  # the velocity: a running sum of gradients
after = w - lr * v
quantities = {"velocity": v, "effective_lr": lr}""",
    "nesterov": """\
v = rho * v - lr * g  # g was taken at the look-ahead point x + rho * v: the network's weights
after = w + v
quantities = {"velocity": v, "effective_lr": lr}""",
    "adagrad": """\
G = G + g * g  # the sum of squared gradients only grows
denominator = sqrt(G) + eps
after = w - lr * g / denominator
quantities = {"sum_sq": G, "denominator": denominator, "effective_lr": lr / denominator}""",
    "rmsprop": """\
G = decay * G + (1 - decay) * g * g  # a running mean of g squared
denominator = sqrt(G) + eps
after = w - lr * g / denominator
quantities = {"mean_sq": G, "denominator": denominator, "effective_lr": lr / denominator}""",
    "adam": """\
m = m + (1 - beta1) * (g - m)  # first moment: beta1 * m + (1 - beta1) * g
v = beta2 * v + (1 - beta2) * g * g  # second moment
bias_correction1, bias_correction2 = 1 - beta1**t, 1 - beta2**t
denominator = sqrt(v) / sqrt(bias_correction2) + eps
after = w - (lr / bias_correction1) * m / denominator
ADAM_QUANTITIES""",
}
WEIGHT_STEPS["adamw"] = WEIGHT_STEPS["adam"].replace(
    "after = w - (lr",
    "decayed = w * (1 - lr * weight_decay)  # AdamW's decoupled weight decay\n"
    "after = decayed - (lr",
)
ADAM_QUANTITIES = """\
quantities = {
    "m": m,
    "v": v,
    "bias_correction1": bias_correction1,
    "bias_correction2": bias_correction2,
    "m_hat": m / bias_correction1,
    "v_hat": v / bias_correction2,
    "denominator": denominator,
    "effective_lr": lr / denominator,
}"""
for name in ("adam", "adamw"):
    WEIGHT_STEPS[name] = WEIGHT_STEPS[name].replace("ADAM_QUANTITIES", ADAM_QUANTITIES)


def weight_step(request, network, net, response, grad: str) -> tuple[str, str]:
    """The step block of a weight program and its printed field, or (OMIT, "") without one.
    Its inputs as weight_update takes them: the request's optimiser or the state's, and the
    optimiser's variable and state for this entry from the state when it is that optimiser's."""
    update = response.update
    if update is None:
        return OMIT, ""
    spec = request.optimizer
    step = update_inputs(
        net,
        network,
        request.layer,
        request.param,
        tuple(request.weight),
        spec.name if spec else None,
        spec.params() if spec else None,
    )
    # the catalogue's entry: its name is pasted, not the body's
    opt, lr, hp, state = step.opt, step.lr, dict(step.hp), step.state
    where = (
        f"from the run's state (its step {integer(net.step)}): the weight as the optimiser holds it"
        if step.from_state
        else "the first step from these parameters: the weight as the network has it"
    )
    lines = [
        "# The optimiser's next step on this weight with this example's gradient alone (training",
        f"# averages a batch's): {opt.name}, step t = {integer(update.t)},",
        f"# {where}.",
        f"t, lr = {integer(update.t)}, {number(lr)}",
        *(f"{key} = {number(value)}" for key, value in hp.items()),
        f"w = {number(update.before)}  # the weight now (the optimiser's variable)",
        *(["# its state for this weight:"] if state else []),
        *(f"{key} = {number(value)}" for key, value in state.items()),
        f"g = {grad}  # this example's dL/dp, from above",
        WEIGHT_STEPS[opt.name],
    ]
    field = (
        ', "update": {\n'
        f'    "optimizer": "{opt.name}",\n'
        '    "t": t,\n    "grad": g,\n    "before": w,\n    "after": after,\n'
        '    "quantities": quantities,\n}'
    )
    return "\n".join(lines), field


def trace_weight(request, network, net, x, response) -> Programs:
    layer, name = request.layer, request.param
    index = index_text(request.weight)
    inp = "x" if layer == 0 else f"outputs[{layer - 1}][0]"
    step_np, update_np = weight_step(request, network, net, response, "float(total)")
    step_torch, update_torch = weight_step(request, network, net, response, "total.item()")
    numpy = f"""
{trained_comment(net)}
{params_literal(network, net.params, "np")}
{running_literal(network, net.running, "np")}
{example_literal(x, "np")}
label = {integer(request.label)}  # its class


{numpy_helpers(network)}


{SOFTMAX}


{forward_numpy(network)}


def example_loss(params):
    outputs, _ = forward(params, x[None])
    return softmax_cross_entropy(outputs[-1], np.array([label]))[0]


outputs, tape = forward(params, x[None])
loss, dh = softmax_cross_entropy(outputs[-1], np.array([label]))
grads, _, _ = backward(tape, dh)
inp, dy = {inp}, grads[{integer(layer)}][0]  # the layer's input and dL/d(its output)
{weight_sum(network, layer, name, request.weight)}

# The central difference of this example's loss, h relative to the weight's size.
value = params[{integer(layer)}]["{name}"][{index}]
h = {number(NUMERICAL_STEP)} * max(1.0, abs(float(value)))
perturbed = [{{key: v.copy() for key, v in layer.items()}} for layer in params]
perturbed[{integer(layer)}]["{name}"][{index}] += h
up = example_loss(perturbed)
perturbed[{integer(layer)}]["{name}"][{index}] -= 2 * h
down = example_loss(perturbed)

{step_np}

print(json.dumps({{"weight": {{
    "value": float(value),
    "total": float(total),
    "numerical": (up - down) / (2 * h),
    "h": h,
    "loss": float(loss),
}}{update_np}}}))
"""
    torch = f"""
{trained_comment(net)}
{params_literal(network, net.params, "torch")}
{running_literal(network, net.running, "torch")}
{example_literal(x, "torch")}
label = {integer(request.label)}  # its class


{forward_torch(network)}


def example_loss(params):
    return F.cross_entropy(forward(params, x[None])[-1], torch.tensor([label]))


loss = example_loss(params)
loss.backward()  # autograd: dL/dp for every parameter
weight = params[{integer(layer)}]["{name}"]
total = weight.grad[{index}]

# The central difference of this example's loss, h relative to the weight's size.
value = weight[{index}].item()
h = {number(NUMERICAL_STEP)} * max(1.0, abs(value))
with torch.no_grad():
    perturbed = [{{key: v.detach().clone() for key, v in layer.items()}} for layer in params]
    perturbed[{integer(layer)}]["{name}"][{index}] += h
    up = example_loss(perturbed).item()
    perturbed[{integer(layer)}]["{name}"][{index}] -= 2 * h
    down = example_loss(perturbed).item()

{step_torch}

print(json.dumps({{"weight": {{
    "value": value,
    "total": total.item(),
    "numerical": (up - down) / (2 * h),
    "h": h,
    "loss": loss.item(),
}}{update_torch}}}))
"""
    if response.update is None:
        return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), ("weight",))
    sqrt = ["from math import sqrt", ""]  # the step is on one float
    return Programs(
        program([TORCH_IMPORTS[0], *sqrt, *TORCH_IMPORTS[2:]], torch),
        program([NUMPY_IMPORTS[0], *sqrt, *NUMPY_IMPORTS[2:]], numpy),
        ("weight", "update"),
    )


# ---------------------------------------------------------------- filters

SAFE_NAME = re.compile(r"^[a-z0-9_]+$")


def filters(request, response) -> Programs:
    if response.layer is None:
        raise InputError(
            gettext(
                "this network has no conv layer: there are no learned kernels to compare with "
                "the presets, so there is no program"
            ),
            "body.layers",
        )
    info = datasets.get_info(request.dataset)
    network = network_for(request.layers, info.shape)
    net = trained_numbers(request, network)
    weight = np.asarray(net.params[response.layer]["weight"], dtype=np.float64)
    k = weight.shape[-1]
    presets = [preset for preset in image_filters.PRESETS.values() if len(preset.kernel) == k]
    lines = []
    for preset in presets:
        assert SAFE_NAME.match(preset.name), preset.name  # the app's own catalogue names
        head = f'    "{preset.name}": '
        lines.append(f"{head}{nested(np.asarray(preset.kernel, float), len(head))},")
    top = integer(request.top)
    comment = f"# Layer {integer(response.layer)}'s kernels (F×C×{k}×{k}), " + (
        "as trained to step " + integer(int(net.step)) if net.step is not None else "as given"
    )
    numpy_presets = "presets = {  # the image-filter presets of /filters of this size\n"
    numpy_presets += "\n".join(lines) + "\n}"
    # The same loop in both programs: np.linalg.norm and torch.linalg.norm are alike.
    loop = f"""
filters = []
for f in range(weight.shape[0]):
    channels = []
    for c in range(weight.shape[1]):
        w = weight[f, c]
        size = LIB.linalg.norm(w)
        # Cosine similarity Σ w·p / (‖w‖ ‖p‖): 1 is the preset, −1 the preset negated.
        sims = {{
            name: float((w * (p / LIB.linalg.norm(p))).sum() / size) if size > 0 else 0.0
            for name, p in presets.items()
        }}
        closest = sorted(sims, key=lambda name: -abs(sims[name]))[:{top}]
        channels.append([{{"preset": name, "similarity": sims[name]}} for name in closest])
    filters.append(channels)
"""
    numpy = f"""
{comment}
{array_text("weight = ", weight, "np")}
{numpy_presets}
presets = {{name: np.array(kernel) for name, kernel in presets.items()}}
{loop.replace("LIB", "np")}
print(json.dumps({{"limit": float(np.abs(weight).max()), "filters": filters}}))
"""
    torch = f"""
{comment}
{array_text("weight = ", weight, "torch")}
{numpy_presets}
presets = {{name: torch.tensor(kernel, dtype=torch.float64) for name, kernel in presets.items()}}
{loop.replace("LIB", "torch")}
print(json.dumps({{"limit": weight.abs().max().item(), "filters": filters}}))
"""
    return Programs(
        program(["import json", "", "import torch"], torch),
        program(["import json", "", "import numpy as np"], numpy),
        ("limit", "filters"),
    )


# ---------------------------------------------------------------- confusion


def packed_lines(data: bytes) -> str:
    text = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    width = 92
    return "\n".join(f'    "{text[k : k + width]}"' for k in range(0, len(text), width))


# A data set generated from a seed (`shapes`: its float32 noise does not compress, 2.4 M packed)
# is generated again by the NumPy program, with app.core.datasets' own code; the PyTorch
# program draws its own images of the same classes (torch has not NumPy's generator).
GENERATED = {"shapes": (datasets.segment_distance, datasets.render, datasets.make_shapes)}

TORCH_SHAPES = '''\
def uniform(low, high, shape):
    return low + (high - low) * torch.rand(shape, generator=generator)


def segment_distance(px, py, ax, ay, bx, by):
    """Distance from points (px, py) (1, 28, 28) to segments a→b, one per image (n, 1, 1)."""
    dx, dy = bx - ax, by - ay
    length2 = (dx * dx + dy * dy).clamp(min=1e-6)
    t = (((px - ax) * dx + (py - ay) * dy) / length2).clamp(0.0, 1.0)
    ex, ey = px - (ax + t * dx), py - (ay + t * dy)
    return torch.sqrt(ex * ex + ey * ey)


def render(kind, n):
    """n images (n, 28, 28) of one class: anti-aliased strokes of random size, place, width."""
    half = uniform(5.0, 11.0, (n, 1, 1))  # half the shape's size, in pixels
    margin = half + 1.5
    cx = uniform(margin, SIDE - 1 - margin, (n, 1, 1))
    cy = uniform(margin, SIDE - 1 - margin, (n, 1, 1))
    width = uniform(1.2, 2.6, (n, 1, 1))  # stroke thickness
    grid = torch.arange(SIDE, dtype=torch.float32)
    px, py = grid[None, None, :], grid[None, :, None]

    def seg(x0, y0, x1, y1):
        return segment_distance(
            px, py, cx + x0 * half, cy + y0 * half, cx + x1 * half, cy + y1 * half
        )

    if kind == 0:  # horizontal line
        d = seg(-1, 0, 1, 0)
    elif kind == 1:  # vertical line
        d = seg(0, -1, 0, 1)
    elif kind == 2:  # diagonal from top left to bottom right
        d = seg(-0.75, -0.75, 0.75, 0.75)
    elif kind == 3:  # diagonal from bottom left to top right
        d = seg(-0.75, 0.75, 0.75, -0.75)
    elif kind == 4:  # square outline (Chebyshev distance to the border: sharp corners)
        d = (torch.maximum((px - cx).abs(), (py - cy).abs()) - 0.8 * half).abs()
    elif kind == 5:  # circle outline
        d = (torch.sqrt((px - cx) ** 2 + (py - cy) ** 2) - 0.9 * half).abs()
    elif kind == 6:  # triangle outline, apex up
        corners = ((0.0, -0.9), (0.9, 0.75), (-0.9, 0.75))
        d = torch.stack([seg(*corners[k], *corners[(k + 1) % 3]) for k in range(3)]).amin(0)
    else:  # plus
        d = torch.minimum(seg(-1, 0, 1, 0), seg(0, -1, 0, 1))
    return (width / 2 + 0.5 - d).clamp(0.0, 1.0)


def make_test_split(total):
    """As the app's make_shapes: every class equally often, mild uniform noise, shuffled."""
    K = len(SHAPE_CLASSES)
    counts = [total // K + (1 if k < total % K else 0) for k in range(K)]
    images = torch.cat([render(k, counts[k]) for k in range(K)])
    labels = torch.repeat_interleave(torch.arange(K), torch.tensor(counts))
    images = (images + (torch.rand(images.shape, generator=generator) - 0.5) * 0.2).clamp(0, 1)
    order = torch.randperm(total, generator=generator)
    return images[order][:, None], labels[order]'''


def generated_blocks(info, chosen) -> tuple[str, str]:
    """The NumPy and PyTorch lines that make `images` (float64) and `labels` for a generated
    data set's test subset."""
    import inspect

    names = wrapped([f'"{english}"' for english, _ in info.classes], len("SHAPE_CLASSES = "))
    step = integer(int(chosen[1] - chosen[0]))
    count, test = integer(len(chosen)), integer(info.test_size)
    head = (
        "# The fixed test subset the training evaluates on: the "
        f"{info.name} test images 0, {step}, {integer(2 * int(step))}, ...\n"
        f"# ({count} of {test}). The data set is generated from a seed"
    )
    copied = "\n\n\n".join(inspect.getsource(f).rstrip() for f in GENERATED[info.name])
    numpy = f"""{head}, so this program generates it
# again with the app's own code (app/core/datasets.py), copied here: the same images.
SIDE = {integer(datasets.SIDE)}
SHAPE_CLASSES = {names}


{copied}


seed, train_size, test_size = {integer(datasets.SHAPES_SEED)}, {integer(info.train_size)}, {test}
_, _, test_x, test_y = make_shapes(seed, train_size, test_size)
chosen = np.arange(0, {test}, {step})[:{count}]
images = test_x[chosen].astype(np.float64)
labels = test_y[chosen].tolist()"""
    torch = f"""{head}; torch has not
# NumPy's generator, so this program draws its own images of the same classes, the same way:
# not the app's images, so not quite its matrix (the NumPy program's is the app's).
SIDE = {integer(datasets.SIDE)}
SHAPE_CLASSES = {names}
generator = torch.Generator().manual_seed({integer(datasets.SHAPES_SEED)})


{TORCH_SHAPES}


test_x, test_y = make_test_split({test})
images = test_x[::{step}][:{count}].to(torch.float64)
labels = test_y[::{step}][:{count}].tolist()"""
    return numpy, torch


def confusion(request, response) -> Programs:
    data = datasets.get_dataset(request.dataset)
    info = data.info
    network = network_for(request.layers, info.shape)
    net = trained_numbers(request, network)
    xs, ys = data.split("test")
    chosen = datasets.eval_indices(len(xs))
    if info.name in GENERATED:
        data_np, data_torch = generated_blocks(info, chosen)
        return confusion_programs(network, net, info, data_np, data_torch, [], False)
    images = np.ascontiguousarray(xs[chosen], dtype="<f4").tobytes()
    packed = len(base64.b64encode(zlib.compress(images, 9)))
    if packed > MAX_PACKED_CHARS:
        raise InputError(
            gettext(
                "the confusion matrix is over {count:,} test images of {name}; packed, their "
                "float32 values are {packed:,} characters (they do not compress), more than a "
                "program carries ({limit:,}): there is no program for this data set's matrix"
            ).format(count=len(chosen), name=info.name, packed=packed, limit=MAX_PACKED_CHARS),
            "body.dataset",
        )
    shape = ", ".join(integer(v) for v in (len(chosen), *info.shape))
    labels_block = "labels = " + wrapped([integer(int(v)) for v in ys[chosen]], len("labels = "))
    data_comment = (
        f"# The fixed test subset the training evaluates on: {len(chosen):,} images of "
        f"{info.name} (test-split indices\n# {integer(int(chosen[0]))}, "
        f"{integer(int(chosen[1]))}, ...), their float32 values as bytes, zlib-compressed and "
        "base64-encoded."
    )
    blob = f"PACKED = (\n{packed_lines(images)}\n)"
    data_np = f"""{data_comment}
{blob}
images = np.frombuffer(zlib.decompress(base64.b64decode(PACKED)), dtype="<f4")
images = images.reshape({shape}).astype(np.float64)
{labels_block}"""
    data_torch = f"""{data_comment}
{blob}
raw = bytearray(zlib.decompress(base64.b64decode(PACKED)))
images = torch.frombuffer(raw, dtype=torch.float32).reshape({shape}).to(torch.float64)
{labels_block}"""
    return confusion_programs(
        network, net, info, data_np, data_torch, ["import base64", "import json", "import zlib"]
    )


def confusion_programs(network, net, info, data_np, data_torch, imports, same=True) -> Programs:
    """The confusion programs around the lines that make `images` and `labels`."""
    imports = [*(imports or ["import json"]), ""]
    K = len(info.classes)
    numpy = f"""
{trained_comment(net)}
{params_literal(network, net.params, "np")}
{running_literal(network, net.running, "np")}

{data_np}


{numpy_helpers(network)}


{forward_numpy(network)}


scores = np.concatenate([forward(params, images[k : k + 100])[0][-1] for k in range(0, len(images), 100)])
predicted = scores.argmax(axis=1)
truth = np.array(labels)
counts = np.zeros(({K}, {K}), dtype=int)
np.add.at(counts, (truth, predicted), 1)  # counts[t][p]: true class t predicted as p

print(json.dumps({{
    "counts": counts.tolist(),
    "accuracy": float((truth == predicted).mean()),
    "misclassified_count": int((truth != predicted).sum()),
}}))
"""  # noqa: E501
    torch = f"""
{trained_comment(net)}
{params_literal(network, net.params, "torch")}
{running_literal(network, net.running, "torch")}

{data_torch}


{forward_torch(network)}


with torch.no_grad():
    scores = torch.cat([forward(params, images[k : k + 100])[-1] for k in range(0, len(images), 100)])
predicted = scores.argmax(dim=1)
truth = torch.tensor(labels)
counts = torch.zeros(({K}, {K}), dtype=torch.int64)
counts.index_put_((truth, predicted), torch.ones_like(truth), accumulate=True)

print(json.dumps({{
    "counts": counts.tolist(),
    "accuracy": (truth == predicted).double().mean().item(),
    "misclassified_count": int((truth != predicted).sum()),
}}))
"""  # noqa: E501
    return Programs(
        program([*imports, "import torch", "import torch.nn.functional as F"], torch),
        program(
            [
                *imports,
                "import numpy as np",
                "from numpy.lib.stride_tricks import sliding_window_view",
            ],
            numpy,
        ),
        ("counts", "accuracy", "misclassified_count"),
        same_numbers=same,
    )
