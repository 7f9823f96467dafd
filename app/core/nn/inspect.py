"""Inside a trained network: one example through every layer, forward and backward, and the
arithmetic of any one cell or weight, with the trained numbers.

One example is not a batch, so batch norm uses its running averages, as a PyTorch model in
eval() mode does. Everything is float64. The loss is softmax cross-entropy of the one example.

    inspection = inspect(network, params, running, x, label)
    cell = trace_cell(network, params, running, x, layer, cell)
    weight = trace_weight(network, params, running, x, label, layer, name, index)
    matrix = confusion(network, params, running, data)  # the fixed test subset
    kernels = resemblance(network, params)  # first-layer kernels beside the filter presets
    x, notes, inverted = as_example(gray, 28)  # an image of one's own, as the data's
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core import activations, datasets
from app.core import filters as image_filters
from app.core.errors import InputError, ShapeError
from app.core.nn import state as nn_state
from app.core.nn.layers import (
    Activation,
    BatchNorm,
    Conv,
    Flatten,
    Linear,
    Pool,
    softmax_cross_entropy,
)
from app.core.nn.network import Network
from app.core.nn.train import MAX_CHUNK_WORK, predict, running_flat, running_list, running_size
from app.core.optimizers import Optimizer, get_optimizer, hyper, resolve
from app.i18n import gettext, ngettext

MAX_LISTED_TERMS = 256
# Values an inspection returns: every layer's output (and, with a label, its gradient). About
# 20 bytes each in JSON: at most some 8 MB.
MAX_INSPECT_VALUES = 400_000  # a linear score's contributions listed one by one, the largest first
NUMERICAL_STEP = 1e-6


@dataclass
class Inspection:
    activations: list[np.ndarray]  # per layer: its output for this example (C, H, W) or (D,)
    logits: np.ndarray  # (K,)
    probs: np.ndarray  # (K,)
    predicted: int
    loss: float | None  # with a label
    grads: list[np.ndarray] | None  # per layer: dL/d(its output), the shapes of activations
    param_grads: list[dict] | None  # per layer: {"weight": ..., "bias": ...} (or gamma, beta)
    input_grad: np.ndarray | None  # dL/dx (C, H, W)


def check_example(network: Network, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != network.input_shape:
        shape = "×".join(map(str, network.input_shape))
        raise ShapeError(
            gettext("x must be one example of shape {shape}, got {value}").format(
                shape=shape, value="×".join(map(str, x.shape))
            ),
            "x",
        )
    return x


def check_label(network: Network, label) -> int | None:
    if label is None:
        return None
    K = network.num_classes
    if not 0 <= label < K:
        raise InputError(
            gettext("label must be a class from 0 to {value}, got {label}").format(
                value=K - 1, label=label
            ),
            "label",
        )
    return int(label)


def check_inspect_size(network: Network, labelled: bool) -> None:
    values = sum(int(np.prod(layer.out_shape)) for layer in network.layers)
    values *= 2 if labelled else 1
    if values > MAX_INSPECT_VALUES:
        if labelled:
            message = gettext(
                "this network's layer outputs and their gradients hold {values:,} values for "
                "one example; an inspection lists at most {limit:,}: use fewer filters or "
                "smaller maps"
            )
        else:
            message = gettext(
                "this network's layer outputs hold {values:,} values for one example; an "
                "inspection lists at most {limit:,}: use fewer filters or smaller maps"
            )
        raise InputError(message.format(values=values, limit=MAX_INSPECT_VALUES), "layers")


def inspect(network: Network, params, running, x, label=None) -> Inspection:
    """Every layer's output for one example x (C, H, W); with a label, the loss and every
    layer's dL/d(output) and the parameters' gradients."""
    x = check_example(network, x)
    label = check_label(network, label)
    check_inspect_size(network, label is not None)
    with np.errstate(all="ignore"):  # too large parameters overflow: refused below
        forward = network.forward(params, x[None], train=False, running=running)
    if not all(np.isfinite(out).all() for out in forward.outputs):
        layer = next(i for i, out in enumerate(forward.outputs) if not np.isfinite(out).all())
        raise InputError(
            gettext(
                "layer {layer}'s output is not finite for this example: the "
                "parameters (or running averages) are too large"
            ).format(layer=layer),
            "params",
        )
    logits = forward.logits[0]
    shifted = logits - logits.max()
    probs = np.exp(shifted) / np.exp(shifted).sum()
    loss = grads = param_grads = input_grad = None
    if label is not None:
        loss, _, dlogits = softmax_cross_entropy(forward.logits, np.array([label]))
        with np.errstate(all="ignore"):
            backward = network.backward(
                forward, dlogits, keep_output_grads=True, need_input_grad=True
            )
        if not np.isfinite(backward.flat).all() or not np.isfinite(backward.input_grad).all():
            raise InputError(
                gettext("a gradient is not finite: the parameters are too large"), "params"
            )
        grads = [g[0] for g in backward.output_grads]
        param_grads = [{k[1:]: v.copy() for k, v in g.items()} for g in backward.grads]
        input_grad = backward.input_grad[0]
    return Inspection(
        activations=[out[0] for out in forward.outputs],
        logits=logits,
        probs=probs,
        predicted=int(np.argmax(logits)),
        loss=loss,
        grads=grads,
        param_grads=param_grads,
        input_grad=input_grad,
    )


def check_layer(network: Network, layer: int, allow_softmax: bool = False) -> None:
    top = len(network.layers) if allow_softmax else len(network.layers) - 1
    if not 0 <= layer <= top:
        if allow_softmax:
            message = gettext(
                "layer must be from 0 to {top} ({top} is the softmax of the scores), got {layer}"
            )
        else:
            message = gettext("layer must be from 0 to {top}, got {layer}")
        raise InputError(message.format(top=top, layer=layer), "layer")


def check_index(index, shape, field: str, what: str) -> tuple[int, ...]:
    index = tuple(int(v) for v in index)
    shape = tuple(shape)
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape, strict=True)):
        dims = "×".join(map(str, shape))
        raise InputError(
            ngettext(
                "{field} must be {count} index inside {what} {dims} (from 0), got {got}",
                "{field} must be {count} indices inside {what} {dims} (from 0), got {got}",
                len(shape),
            ).format(field=field, count=len(shape), what=what, dims=dims, got=list(index)),
            field,
        )
    return index


def layer_input(inspection: Inspection, x: np.ndarray, layer: int) -> np.ndarray:
    return x if layer == 0 else inspection.activations[layer - 1]


def trace_cell(network: Network, params, running, x, layer: int, cell) -> dict:
    """The arithmetic of one output cell of one layer, with the trained numbers; its value is
    the activation inspect() shows. layer = len(layers) is the softmax of the scores."""
    check_layer(network, layer, allow_softmax=True)
    x = check_example(network, x)
    seen = inspect(network, params, running, x)
    if layer == len(network.layers):
        (k,) = check_index(cell, seen.probs.shape, "cell", gettext("the class probabilities"))
        z = seen.logits
        exps = np.exp(z - z.max())
        return {
            "kind": "softmax",
            "logits": z.tolist(),
            "max": float(z.max()),
            "exps": exps.tolist(),
            "sum": float(exps.sum()),
            "value": float(seen.probs[k]),
            "cell": [k],
        }
    spec = network.layers[layer]
    out = seen.activations[layer]
    index = check_index(
        cell, out.shape, "cell", gettext("layer {layer}'s output").format(layer=layer)
    )
    inp = layer_input(seen, x, layer)
    value = float(out[index])
    p = params[layer]
    result = {"kind": spec.type, "layer": layer, "cell": list(index), "value": value}
    if isinstance(spec, Conv):
        f, i, j = index
        k, s, pad = spec.spec["size"], spec.spec["stride"], spec.spec["padding"]
        padded = np.pad(inp, ((0, 0), (pad, pad), (pad, pad)))
        window = padded[:, i * s : i * s + k, j * s : j * s + k]
        kernel = np.asarray(p["weight"][f], dtype=np.float64)
        products = window * kernel
        rows, cols = np.arange(k) + i * s, np.arange(k) + j * s
        H, W = inp.shape[1:]
        result.update(
            top=i * s,
            left=j * s,
            cells=[[int(r), int(c)] for r in rows for c in cols],
            is_padding=[
                bool(r < pad or r >= pad + H or c < pad or c >= pad + W) for r in rows for c in cols
            ],
            window=window.tolist(),
            kernel=kernel.tolist(),
            products=products.tolist(),
            channel_sums=products.sum(axis=(1, 2)).tolist(),
            bias=float(p["bias"][f]),
        )
    elif isinstance(spec, Pool):
        c, i, j = index
        k, s, pad = spec.spec["size"], spec.spec["stride"], spec.spec["padding"]
        fill = -np.inf if spec.mode == "max" else 0.0
        padded = np.pad(inp[c], pad, constant_values=fill)
        window = padded[i * s : i * s + k, j * s : j * s + k]
        result.update(
            top=i * s, left=j * s, window=np.where(np.isinf(window), None, window).tolist()
        )
        if spec.mode == "max":
            winner = int(np.argmax(window))  # the first maximum, as torch
            result.update(winner=[winner // k, winner % k])
        else:
            result.update(sum=float(window.sum()), divisor=k * k)
    elif isinstance(spec, Activation):
        fn = activations.FUNCTIONS[spec.type] if spec.type in activations.FUNCTIONS else None
        derivative = activations.activation(spec.type, np.array([inp[index]]), spec.alpha).dy
        result.update(
            x=float(inp[index]),
            formula=fn.formula if fn else spec.type,
            derivative=float(derivative[0]),
            alpha=spec.alpha,
        )
    elif isinstance(spec, BatchNorm):
        c = index[0]
        mean, var = float(running[layer]["mean"][c]), float(running[layer]["var"][c])
        eps = spec.spec["eps"]
        x_hat = (float(inp[index]) - mean) / math.sqrt(var + eps)
        result.update(
            x=float(inp[index]),
            running_mean=mean,
            running_var=var,
            eps=eps,
            std=math.sqrt(var + eps),
            x_hat=x_hat,
            gamma=float(p["gamma"][c]),
            beta=float(p["beta"][c]),
        )
    elif isinstance(spec, Flatten):
        source = np.unravel_index(index[0], inp.shape)
        result.update(source=[int(v) for v in source])
    elif isinstance(spec, Linear):
        (k,) = index
        w = np.asarray(p["weight"][k], dtype=np.float64)
        products = w * inp
        order = np.argsort(-np.abs(products), kind="stable")
        listed = order[:MAX_LISTED_TERMS]
        rest = order[MAX_LISTED_TERMS:]
        result.update(
            terms=[
                {
                    "input": int(j),
                    "x": float(inp[j]),
                    "weight": float(w[j]),
                    "product": float(products[j]),
                }
                for j in listed
            ],  # fmt: skip
            rest_count=int(rest.size),
            rest_sum=float(products[rest].sum()),
            products_sum=float(products.sum()),
            bias=float(p["bias"][k]),
        )
    return result


def example_loss(network: Network, params, running, x, label) -> float:
    forward = network.forward(params, x[None], train=False, running=running)
    return softmax_cross_entropy(forward.logits, np.array([label]))[0]


def trace_weight(network: Network, params, running, x, label, layer: int, name: str, index):
    """dL/dp for one parameter entry, written out as a sum over the positions it acts at, beside
    the float64 central difference of this example's loss."""
    check_layer(network, layer)
    x = check_example(network, x)
    label = check_label(network, label)
    if label is None:
        raise InputError(gettext("a weight's gradient needs the example's label"), "label")
    spec = network.layers[layer]
    if name not in spec.param_shapes:
        names = ", ".join(spec.param_shapes) or "none"
        raise InputError(
            gettext(
                "layer {layer} ({type}) has no parameter {name!r} (its parameters: {names})"
            ).format(layer=layer, type=spec.type, name=name, names=names),
            "param",
        )
    index = check_index(
        index,
        spec.param_shapes[name],
        "weight",
        gettext("layer {layer}'s {name}").format(layer=layer, name=name),
    )
    seen = inspect(network, params, running, x, label)
    inp = layer_input(seen, x, layer)
    dy = seen.grads[layer]
    terms = []
    if isinstance(spec, Conv):
        k, s, pad = spec.spec["size"], spec.spec["stride"], spec.spec["padding"]
        padded = np.pad(inp, ((0, 0), (pad, pad), (pad, pad)))
        Ho, Wo = dy.shape[1:]
        if name == "weight":
            f, c, m, n = index
            xs = padded[c, m : m + s * (Ho - 1) + 1 : s, n : n + s * (Wo - 1) + 1 : s]
            g = dy[f]
            terms = [
                {"position": [i, j], "x": float(xs[i, j]), "grad_output": float(g[i, j]),
                 "product": float(xs[i, j] * g[i, j])}
                for i in range(Ho) for j in range(Wo)
            ]  # fmt: skip
        else:
            (f,) = index
            terms = [
                {"position": [i, j], "x": 1.0, "grad_output": float(dy[f, i, j]),
                 "product": float(dy[f, i, j])}
                for i in range(Ho) for j in range(Wo)
            ]  # fmt: skip
    elif isinstance(spec, Linear):
        if name == "weight":
            k, j = index
            terms = [{"position": [k], "x": float(inp[j]), "grad_output": float(dy[k]),
                      "product": float(inp[j] * dy[k])}]  # fmt: skip
        else:
            (k,) = index
            terms = [{"position": [k], "x": 1.0, "grad_output": float(dy[k]),
                      "product": float(dy[k])}]  # fmt: skip
    elif isinstance(spec, BatchNorm):
        (c,) = index
        mean, var = running[layer]["mean"][c], running[layer]["var"][c]
        x_hat = (inp[c] - mean) / np.sqrt(var + spec.spec["eps"])
        factor = np.atleast_1d(x_hat if name == "gamma" else np.ones_like(x_hat))
        g = np.atleast_1d(dy[c])
        terms = [
            {"position": list(map(int, np.unravel_index(q, g.shape))), "x": float(factor.flat[q]),
             "grad_output": float(g.flat[q]), "product": float(factor.flat[q] * g.flat[q])}
            for q in range(g.size)
        ]  # fmt: skip
    terms.sort(key=lambda term: -abs(term["product"]))
    total = float(seen.param_grads[layer][name][index])
    perturbed = [{key: value.copy() for key, value in p.items()} for p in params]
    h = NUMERICAL_STEP * max(1.0, abs(float(params[layer][name][index])))
    perturbed[layer][name][index] += h
    up = example_loss(network, perturbed, running, x, label)
    perturbed[layer][name][index] -= 2 * h
    down = example_loss(network, perturbed, running, x, label)
    return {
        "layer": layer,
        "param": name,
        "weight": list(index),
        "value": float(params[layer][name][index]),
        "terms": terms,
        "total": total,
        "numerical": (up - down) / (2 * h),
        "h": h,
        "loss": seen.loss,
    }


@dataclass
class Trained:
    """A network's parameters (float64) and batch norm's running averages, from given arrays or
    from a training state; with a state, the optimiser, its variable and its state too."""

    params: list[dict]
    running: list[dict | None]
    step: int | None = None
    optimizer: str | None = None
    lr: float | None = None
    hp: dict | None = None
    x: np.ndarray | None = None  # the optimiser's variable (flat), with a state
    opt_state: dict | None = None


def check_running(network: Network, running) -> list[dict | None]:
    """Given running averages per layer (None: a new layer's, mean 0 and var 1), checked."""
    defaults = network.zero_running()
    if running is None:
        return defaults
    if len(running) != len(network.layers):
        raise InputError(
            gettext(
                "running must have one entry per layer ({layers_count}), got {running_count}"
            ).format(layers_count=len(network.layers), running_count=len(running)),
            "running",
        )
    checked = []
    for i, (given, default) in enumerate(zip(running, defaults, strict=True)):
        if default is None or given is None:
            checked.append(default)
            continue
        C = default["mean"].size
        mean, var = np.asarray(given["mean"], float), np.asarray(given["var"], float)
        if mean.shape != (C,) or var.shape != (C,):
            raise ShapeError(
                gettext("running[{i}] needs {C} means and {C} variances").format(i=i, C=C),
                f"running[{i}]",
            )
        checked.append({"mean": mean, "var": var})
    return checked


def trained(network: Network, params=None, running=None, state=None, secret=None) -> Trained:
    """From params (+ running) or a signed state string, checked as POST /api/cnn/train checks
    it except that it may come from any run of this architecture."""
    if (params is None) == (state is None):
        raise InputError(
            gettext("give params or a state, not both"), "params" if state is None else "state"
        )
    if state is None:
        return Trained(network.unflatten(network.flatten(params)), check_running(network, running))
    run = nn_state.run_of(state, secret)
    opt = get_optimizer(run["optimizer"], "state")
    unpacked = nn_state.unpack(
        state, secret, None, network.num_params, opt.state, running_size(network)
    )
    x = unpacked.x.astype(np.float64)
    opt_state = {k: v.astype(np.float64) for k, v in unpacked.opt_state.items()}
    flat = opt.gradient_point(x, opt_state, run["hp"])
    return Trained(
        params=network.unflatten(flat),
        running=running_list(network, unpacked.running.astype(np.float64)),
        step=unpacked.step,
        optimizer=opt.name,
        lr=run["lr"],
        hp=run["hp"],
        x=x,
        opt_state=opt_state,
    )


@dataclass
class UpdateInputs:
    """What one optimiser step on one entry starts from (update_inputs)."""

    opt: Optimizer
    lr: float
    hp: dict
    x: float  # the optimiser's variable for the entry
    state: dict  # its state for the entry (floats)
    t: int
    from_state: bool  # x, state and t come from the run's state (else: a first step)


def update_inputs(net: Trained, network: Network, layer, name, index, optimizer=None, params=None):
    """The optimiser (the state's unless one is named, with its resolved lr and
    hyper-parameters) and the entry's variable, state and step: from the run's state when it
    is that optimiser's, else the first step from these parameters."""
    if optimizer is None:
        opt, lr, hp = get_optimizer(net.optimizer), net.lr, net.hp
    else:
        opt = get_optimizer(optimizer, "optimizer")
        resolved = resolve(optimizer, params or {}, "optimizer")
        lr, hp = resolved["lr"], hyper(resolved)
    slot = next(s for s in network.slots if s.layer == layer and s.name == name)
    flat_index = slot.offset + int(np.ravel_multi_index(index, slot.shape))
    if net.opt_state is not None and opt.name == net.optimizer:
        x = float(net.x[flat_index])
        state = {k: float(v[flat_index]) for k, v in net.opt_state.items()}
        return UpdateInputs(opt, lr, hp, x, state, net.step + 1, True)
    x = float(net.params[layer][name][index])
    return UpdateInputs(opt, lr, hp, x, opt.zero_state(0.0), 1, False)


def weight_update(
    net: Trained,
    network: Network,
    layer: int,
    name: str,
    index,
    grad,
    optimizer: str | None = None,
    params: dict | None = None,
) -> dict | None:
    """What one step of the optimiser would do to this one entry with this gradient: the rule
    of the optimiser lesson, on a Python float, its numbers explained. The state's optimiser
    (and its moments for this entry) unless another is named; None without either."""
    if optimizer is None and net.optimizer is None:
        return None
    step = update_inputs(net, network, layer, name, index, optimizer, params)
    opt, x, t = step.opt, step.x, step.t
    after, _, shown = opt.rule(
        x, float(grad), step.state, t, step.lr, step.hp, math.sqrt, explain=True
    )
    return {
        "optimizer": opt.name,
        "t": t,
        "grad": float(grad),
        "before": x,
        "after": float(after),
        "quantities": {k: float(v) for k, v in shown.items()},
    }


# ---------------------------------------------------------------- the test subset, at once

# The test subset through the network: what a training chunk's evaluation may do.
MAX_PASS_WORK_CONFUSION = MAX_CHUNK_WORK
MAX_CELL_EXAMPLES = 60  # examples a confusion cell lists (its count is always whole)
MAX_LISTED_MISTAKES = 120


def confusion(network: Network, params, running, data) -> dict:
    """The confusion matrix of the fixed test subset a training chunk evaluates on (EVAL_SIZE
    examples, datasets.eval_indices), in evaluation mode and float64: counts[t][p] examples of
    true class t predicted as p, and the examples of every cell (their test-split indices, the
    most confident first), and the misclassified ones, the most confidently wrong first."""
    if network.input_shape != data.info.shape:
        raise ShapeError(
            gettext("the network takes {value} examples; {name}'s are {value2}").format(
                value="×".join(map(str, network.input_shape)),
                name=data.info.name,
                value2="×".join(map(str, data.info.shape)),
            ),
            "dataset",
        )
    K = len(data.info.classes)
    if network.num_classes != K:
        raise ShapeError(
            gettext("the network ends in {num_classes} scores; {name} has {K} classes").format(
                num_classes=network.num_classes, name=data.info.name, K=K
            ),
            "layers",
        )
    work = datasets.EVAL_SIZE * network.flops()
    if work > MAX_PASS_WORK_CONFUSION:
        raise InputError(
            gettext(
                "the test subset through this network is about {work:.2e} "
                "multiply-adds, over the limit of {MAX_PASS_WORK_CONFUSION:.0e}: "
                "use a smaller network"
            ).format(work=work, MAX_PASS_WORK_CONFUSION=MAX_PASS_WORK_CONFUSION),
            "layers",
        )
    xs, ys = data.split("test")
    chosen = datasets.eval_indices(len(xs))
    flat = network.flatten(params)
    with np.errstate(all="ignore"):
        scores = predict(
            network, flat, running_flat(network, running, np.float64), xs[chosen], np.float64
        )
    if not np.isfinite(scores).all():
        raise InputError(gettext("a score is not finite: the parameters are too large"), "params")
    truth = ys[chosen]
    _, probs, _ = softmax_cross_entropy(scores, truth)
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(chosen)), predicted]
    counts = np.zeros((K, K), dtype=np.int64)
    np.add.at(counts, (truth, predicted), 1)
    cells = []
    for t in range(K):
        row = []
        for p in range(K):
            members = np.flatnonzero((truth == t) & (predicted == p))
            members = members[np.argsort(-confidence[members], kind="stable")]
            row.append([int(chosen[m]) for m in members[:MAX_CELL_EXAMPLES]])
        cells.append(row)
    wrong = np.flatnonzero(truth != predicted)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:MAX_LISTED_MISTAKES]
    return {
        "counts": counts.tolist(),
        "examples": cells,
        "accuracy": float((truth == predicted).mean()),
        "size": len(chosen),
        "misclassified": [
            {
                "index": int(chosen[m]),
                "label": int(truth[m]),
                "predicted": int(predicted[m]),
                "prob": float(confidence[m]),
            }
            for m in wrong
        ],  # fmt: skip
        "misclassified_count": int((truth != predicted).sum()),
    }


# ---------------------------------------------------------------- learned filters and presets


def resemblance(network: Network, params, top: int = 3) -> dict | None:
    """The first conv layer's kernels beside the image-filter presets of the same size: for
    each filter and input channel, the presets by |cosine similarity| Σ w·p / (‖w‖ ‖p‖), the
    largest first (signed: −1 is the preset negated). Not Pearson's correlation: that is
    undefined for the blurs, whose entries are all equal. None without a conv layer."""
    layer = next((spec for spec in network.layers if isinstance(spec, Conv)), None)
    if layer is None:
        return None
    weight = np.asarray(params[layer.index]["weight"], dtype=np.float64)
    k = weight.shape[-1]
    presets = [p for p in image_filters.PRESETS.values() if len(p.kernel) == k]
    kernels = [np.array(p.kernel, dtype=np.float64) for p in presets]
    unit = [kern / np.linalg.norm(kern) for kern in kernels]
    filters = []
    for f in range(weight.shape[0]):
        channels = []
        for c in range(weight.shape[1]):
            w = weight[f, c]
            size = np.linalg.norm(w)
            sims = [float((w * u).sum() / size) if size > 0 else 0.0 for u in unit]
            order = sorted(range(len(presets)), key=lambda i: -abs(sims[i]))[:top]
            channels.append(
                [{"preset": presets[i].name, "similarity": sims[i]} for i in order]  # fmt: skip
            )
        filters.append(channels)
    return {
        "layer": layer.index,
        "size": k,
        "weight": weight,
        "limit": float(np.abs(weight).max()),
        "filters": filters,  # [f][c] -> the closest presets
        "presets": [
            {
                "name": p.name,
                "label": gettext(p.label),
                "label_zh": p.label_zh,
                "extracts": gettext(p.extracts),
                "kernel": kern.tolist(),
            }
            for p, kern in zip(presets, kernels, strict=True)
        ],  # fmt: skip
    }


# ---------------------------------------------------------------- an image of one's own


def scale_up(gray: np.ndarray, side: int) -> np.ndarray:
    """Bilinear resampling of (h, w) so that the longest side is `side`, pixel centres aligned
    as Pillow's BILINEAR aligns them when enlarging."""
    h, w = gray.shape
    factor = side / max(h, w)
    H, W = max(1, round(h * factor)), max(1, round(w * factor))

    def axis(n_in, n_out):
        centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        return np.clip(centres, 0, n_in - 1)

    rows = np.array([np.interp(axis(w, W), np.arange(w), row) for row in gray])
    return np.array([np.interp(axis(h, H), np.arange(h), col) for col in rows.T]).T


def as_example(gray: np.ndarray, side: int, invert: str = "auto") -> tuple[np.ndarray, list, bool]:
    """A grayscale image (h, w) in [0, 1], longest side `side` (already scaled), made into one
    example as the data sets' are: light strokes on a black background, centred on a side×side
    black square. invert: "auto" (when the border is mostly light, as a drawing on paper is),
    "yes" or "no". Returns x (1, side, side) float32, what was done in sentences, and whether
    it was inverted."""
    h, w = gray.shape
    if max(h, w) > side:
        raise ShapeError(
            gettext("the image must be at most {side}×{side}, got {w}×{h}").format(
                side=side, w=w, h=h
            ),
            "file",
        )
    notes = []
    if max(h, w) < side:
        gray = scale_up(gray, side)
        notes.append(
            gettext(
                "scaled up from {w}×{h} to {shape}×{shape2} (bilinear, longest side {side})"
            ).format(w=w, h=h, shape=gray.shape[1], shape2=gray.shape[0], side=side)
        )
        h, w = gray.shape
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    light = float(border.mean())
    inverted = invert == "yes" or (invert == "auto" and light > 0.5)
    if inverted:
        gray = 1.0 - gray
        if invert == "auto":
            why = gettext("its border is light (mean {light:.2f})").format(light=light)
        else:
            why = gettext("as asked")
        notes.append(
            gettext(
                "inverted (1 − value), {why}: the data set's images are light on a black background"
            ).format(why=why)
        )
    x = np.zeros((1, side, side), dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    x[0, top : top + h, left : left + w] = gray
    if (h, w) != (side, side):
        notes.append(
            gettext("centred on a {side}×{side} black square ({w}×{h} after scaling)").format(
                side=side, w=w, h=h
            )
        )
    return x, notes, inverted
