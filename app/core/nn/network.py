"""A network from a list of layer specs: sizes checked at build time, parameters counted and
initialised, a forward pass that keeps every layer's output and cache, and a backward pass
layer by layer.

Layers are numbered from 0 in the spec's order. The last layer's output (a vector of K scores)
feeds softmax cross-entropy. Parameters travel as one flat vector (`flat`) in layer order,
each layer's arrays in its param_shapes order (weight then bias, or gamma then beta), C order:
the optimisers step that vector element-wise, and `unflatten` gives each layer its views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core import init
from app.core.errors import InputError, ShapeError
from app.core.nn.layers import (
    ACTIVATION_TYPES,
    BatchNorm,
    Conv,
    Flatten,
    Layer,
    Linear,
    Pool,
    make_layer,
    shape_text,
    softmax_cross_entropy,
)
from app.core.pool import pool_size_report  # conv and pooling: the same formula (no dilation)
from app.i18n import N_, gettext, ngettext

MAX_LAYERS = 24
MAX_PARAMS = 250_000
# Values kept by one forward pass (batch × every layer's output): about 130 MB in float64.
MAX_BATCH_ACTIVATIONS = 16_000_000
# Multiply-add equivalents of one request's forward and backward passes (gradients, inspect).
MAX_PASS_WORK = 2_000_000_000
INIT_SCHEMES = ("auto", *init.SCHEMES)
# The default initialisation scales the last layer's weights by this, so the initial scores are
# near 0 and the initial loss near ln C, the sanity check of the lecture.
LAST_LAYER_SCALE = 0.01


@dataclass(frozen=True)
class Slot:
    """Where one parameter array lives in the flat vector."""

    layer: int
    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass
class Forward:
    """One forward pass: every layer's output (N, *out_shape) and cache, and the scores."""

    outputs: list[np.ndarray]
    caches: list[dict]
    params: list[dict]
    train: bool

    @property
    def logits(self) -> np.ndarray:
        return self.outputs[-1]


@dataclass
class Backward:
    """Gradients: flat (P,), per layer by name (views of flat), and optionally dL/d(outputs)."""

    flat: np.ndarray
    grads: list[dict]
    output_grads: list[np.ndarray] | None = None
    input_grad: np.ndarray | None = None


@dataclass
class Network:
    layers: list[Layer]
    input_shape: tuple[int, ...]
    slots: list[Slot] = field(default_factory=list)

    def __post_init__(self):
        offset = 0
        for layer in self.layers:
            for name, shape in layer.param_shapes.items():
                self.slots.append(Slot(layer.index, name, shape, offset))
                offset += int(np.prod(shape))
        self.num_params = offset

    @property
    def num_classes(self) -> int:
        return self.layers[-1].out_shape[0]

    @property
    def batchnorms(self) -> list[BatchNorm]:
        return [layer for layer in self.layers if isinstance(layer, BatchNorm)]

    def flops(self) -> int:
        """Multiply-adds (and their equivalent) of one example's forward pass."""
        return sum(layer.flops() for layer in self.layers)

    def activation_size(self) -> int:
        """Values a training pass holds per example: every layer's output, and the im2col
        columns of each conv layer (kept for its backward)."""
        return sum(int(np.prod(layer.out_shape)) + layer.scratch() for layer in self.layers)

    # -------------------------------------------------------- parameters

    def unflatten(self, flat: np.ndarray) -> list[dict]:
        """flat (P,) -> one dict per layer of views into it: {"weight": ..., "bias": ...}."""
        params = [{} for _ in self.layers]
        for slot in self.slots:
            params[slot.layer][slot.name] = flat[slot.offset : slot.offset + slot.size].reshape(
                slot.shape
            )
        return params

    def flatten(self, params, dtype=np.float64, field_name: str = "params") -> np.ndarray:
        """One dict of arrays (or nested lists) per layer -> flat (P,), shapes checked."""
        if len(params) != len(self.layers):
            raise ShapeError(
                gettext(
                    "{field_name} has {params_count} entries; one per layer is "
                    "needed ({layers_count}, {{}} for layers without parameters)"
                ).format(
                    field_name=field_name, params_count=len(params), layers_count=len(self.layers)
                ),
                field_name,
            )
        flat = np.empty(self.num_params, dtype)
        for i, (layer, given) in enumerate(zip(self.layers, params, strict=True)):
            where = f"{field_name}[{i}]"
            if not isinstance(given, dict):
                raise ShapeError(
                    gettext("{where} must be an object of arrays").format(where=where), where
                )
            wanted, got = set(layer.param_shapes), set(given)
            if wanted != got:
                names = ", ".join(layer.param_shapes) or "nothing ({})"
                raise ShapeError(
                    gettext("{where}: layer {i} ({value}) takes {names}, got {value2}").format(
                        where=where,
                        i=i,
                        value=layer.describe(),
                        names=names,
                        value2=", ".join(sorted(got)) or "nothing",
                    ),
                    where,
                )
        for slot in self.slots:
            where = f"{field_name}[{slot.layer}].{slot.name}"
            value = params[slot.layer][slot.name]
            try:
                array = np.asarray(value, dtype=dtype)
            except (TypeError, ValueError):
                raise ShapeError(
                    gettext("{where} is ragged or not numbers").format(where=where), where
                ) from None
            if array.shape != slot.shape:
                raise ShapeError(
                    gettext(
                        "{where} has shape {value}, layer {layer} ({value2}) needs {value3}"
                    ).format(
                        where=where,
                        value=shape_text(array.shape) or "scalar",
                        layer=slot.layer,
                        value2=self.layers[slot.layer].describe(),
                        value3=shape_text(slot.shape),
                    ),
                    where,
                )
            if not np.isfinite(array).all():
                raise InputError(
                    gettext("{where} must be finite (no NaN or Infinity)").format(where=where),
                    where,
                )
            flat[slot.offset : slot.offset + slot.size] = array.ravel()
        return flat

    def default_scheme(self) -> str:
        """He for ReLU-like networks (ReLU, leaky ReLU, ELU, or none), Xavier for tanh/sigmoid."""
        kinds = {layer.type for layer in self.layers if layer.type in ACTIVATION_TYPES}
        return "xavier" if kinds & {"tanh", "sigmoid"} else "he"

    def init_params(
        self, scheme: str, seed: int, dtype=np.float64, last_scale: float = LAST_LAYER_SCALE
    ) -> np.ndarray:
        """Seeded initial parameters as flat (P,): weights by the init lesson's scheme, biases 0,
        γ = 1, β = 0.

        A weight of fan-in n (C·k·k for conv, in for linear) is drawn as init.init_weights
        draws it ("auto": default_scheme()); the last layer's weights are then multiplied by
        last_scale. The draws depend only on the seed and the architecture.
        """
        if scheme not in INIT_SCHEMES:
            raise InputError(
                gettext("unknown init scheme {scheme!r}: choose one of {value}").format(
                    scheme=scheme, value=", ".join(INIT_SCHEMES)
                ),
                "init",
            )
        scheme = self.default_scheme() if scheme == "auto" else scheme
        rng = np.random.default_rng([seed, 0x1A17])
        flat = np.zeros(self.num_params, np.float64)
        weighted = [layer.index for layer in self.layers if "weight" in layer.param_shapes]
        for slot in self.slots:
            view = flat[slot.offset : slot.offset + slot.size]
            if slot.name == "weight":
                fan_out, fan_in = slot.shape[0], slot.size // slot.shape[0]
                w = init.init_weights(scheme, fan_in, fan_out, rng).T  # (fan_out, fan_in)
                if slot.layer == weighted[-1]:
                    w = w * last_scale
                view[:] = w.ravel()
            elif slot.name == "gamma":
                view[:] = 1.0
        return flat.astype(dtype)

    def zero_running(self, dtype=np.float64) -> list[dict | None]:
        """Batch norm's running averages before training: mean 0, variance 1 (as PyTorch)."""
        return [
            {"mean": np.zeros(layer.in_shape[0], dtype), "var": np.ones(layer.in_shape[0], dtype)}
            if isinstance(layer, BatchNorm)
            else None
            for layer in self.layers
        ]

    # -------------------------------------------------------- passes

    def check_size(self, batch: int, passes: float = 3, field_name: str = "x") -> None:
        """Refuse, before computing, a network or batch too large for one request.

        passes: forward-pass equivalents of the work (3 = forward and backward).
        """
        if self.num_params > MAX_PARAMS:
            raise InputError(
                gettext(
                    "the network has {num_params:,} parameters, more than "
                    "{MAX_PARAMS:,}: use fewer filters or a smaller linear layer"
                ).format(num_params=self.num_params, MAX_PARAMS=MAX_PARAMS),
                "layers",
            )
        values = batch * self.activation_size()
        if values > MAX_BATCH_ACTIVATIONS:
            raise InputError(
                gettext(
                    "{batch} examples keep {values:,} values through the network, "
                    "more than {MAX_BATCH_ACTIVATIONS:,}: use fewer examples or "
                    "smaller layers"
                ).format(batch=batch, values=values, MAX_BATCH_ACTIVATIONS=MAX_BATCH_ACTIVATIONS),
                field_name,
            )
        work = passes * batch * self.flops()
        if work > MAX_PASS_WORK:
            raise InputError(
                gettext(
                    "{batch} examples through this network are about {work:.2e} "
                    "multiply-adds, more than {MAX_PASS_WORK:.0e}: use fewer "
                    "examples or a smaller network"
                ).format(batch=batch, work=work, MAX_PASS_WORK=MAX_PASS_WORK),
                field_name,
            )

    def check_labels(self, labels, batch: int, field_name: str = "labels") -> np.ndarray:
        """Integer labels (batch,), each a class index 0 ≤ y < K."""
        labels = np.asarray(labels)
        if labels.shape != (batch,):
            raise ShapeError(
                gettext(
                    "{field_name} has {size} entries, one per example is needed ({batch})"
                ).format(field_name=field_name, size=labels.size, batch=batch),
                field_name,
            )
        K = self.num_classes
        if labels.size and (labels.min() < 0 or labels.max() >= K):
            raise InputError(
                gettext(
                    "{field_name} must be class indices from 0 to {value} (the last "
                    "layer gives {K} scores)"
                ).format(field_name=field_name, value=K - 1, K=K),
                field_name,
            )
        return labels.astype(np.int64)

    def check_input(self, x: np.ndarray, field_name: str = "x"):
        if x.shape[1:] != self.input_shape:
            raise ShapeError(
                gettext(
                    "{field_name} has examples of shape {value}, the network takes {value2}"
                ).format(
                    field_name=field_name,
                    value=shape_text(x.shape[1:]),
                    value2=shape_text(self.input_shape),
                ),
                field_name,
            )

    def forward(self, params, x, train=True, running=None, workspace=None) -> Forward:
        """x (N, *input_shape) through every layer; batch statistics when train, else running."""
        outputs, caches = [], []
        h = x
        for layer, p in zip(self.layers, params, strict=True):
            if isinstance(layer, BatchNorm):
                h, cache = layer.forward(h, p, train, workspace, running and running[layer.index])
            else:
                h, cache = layer.forward(h, p, train, workspace)
            outputs.append(h)
            caches.append(cache)
        return Forward(outputs, caches, params, train)

    def backward(
        self, forward: Forward, dlogits, keep_output_grads=False, need_input_grad=False
    ) -> Backward:
        """dL/dlogits (N, K) back through every layer, last first; parameter gradients as flat.

        keep_output_grads: also return dL/d(output of layer i) for every i. The first layer
        skips dL/dx unless need_input_grad (the data needs no gradient).
        """
        dtype = forward.logits.dtype
        flat = np.empty(self.num_params, dtype)
        grads = self.unflatten(flat)
        output_grads = [None] * len(self.layers) if keep_output_grads else None
        d = dlogits
        passed = None  # a ReLU whose gradient the max pool above it has applied
        for layer in reversed(self.layers):
            i = layer.index
            if output_grads is not None:
                output_grads[i] = d
            if i == passed:
                continue
            if output_grads is None and self.relu_feeds(layer):
                # 0.25 ms a step on the default net: no pass over the ReLU's full-size maps
                d = layer.backward_through_relu(d, forward.caches[i], forward.outputs[i])
                passed = i - 1
                continue
            need_dx = i > 0 or need_input_grad
            d, named = layer.backward(d, forward.caches[i], forward.params[i], need_dx)
            for name, value in named.items():
                grads[i][name[1:]][...] = value
        return Backward(flat, [{f"d{k}": v for k, v in g.items()} for g in grads], output_grads, d)

    def relu_feeds(self, layer: Layer) -> bool:
        """Whether layer is a max pool right after a ReLU (ReLU(x) pooled: Network.backward
        routes the gradient through both at once)."""
        i = layer.index
        return layer.type == "maxpool" and i > 0 and self.layers[i - 1].type == "relu"

    def loss_and_gradients(self, flat, x, labels, weight_decay=0.0, keep=False):
        """One forward and backward pass in training mode.

        Returns (loss, data_loss, forward, backward, probs); loss and gradients include the L2
        penalty (λ/2)·Σ p² over every parameter when weight_decay λ > 0 (its gradient is λ·p,
        as torch.optim adds it).
        """
        params = self.unflatten(flat)
        forward = self.forward(params, x, train=True)
        data_loss, probs, dlogits = softmax_cross_entropy(forward.logits, labels)
        backward = self.backward(forward, dlogits, keep_output_grads=keep, need_input_grad=keep)
        loss = data_loss
        if weight_decay:
            loss += 0.5 * weight_decay * float(flat @ flat)
            backward.flat += weight_decay * flat
        return loss, data_loss, forward, backward, probs


def build_network(
    specs, input_shape, num_classes: int | None = None, built: list | None = None
) -> Network:
    """The network for these layer specs and one example's shape (C, H, W).

    Each layer's output size is computed (and checked) from its input's; a layer that does not
    fit is a ShapeError naming it and the sizes. The last layer must give a vector of scores
    (num_classes of them when given). built: a list that receives each layer as it is made, so a
    caller sees the layers before the one that did not fit (check_network).
    """
    if not specs:
        raise InputError(gettext("layers must list at least one layer"), "layers")
    if len(specs) > MAX_LAYERS:
        raise InputError(
            gettext("layers may list at most {MAX_LAYERS} layers, got {specs_count}").format(
                MAX_LAYERS=MAX_LAYERS, specs_count=len(specs)
            ),
            "layers",
        )
    shape = tuple(input_shape)
    layers = [] if built is None else built
    for i, spec in enumerate(specs):
        layer = make_layer(i, spec, shape)
        if min(layer.out_shape) < 1:
            raise ShapeError(
                gettext("layers[{i}] ({value}) leaves nothing of its {value2} input").format(
                    i=i, value=layer.describe(), value2=shape_text(shape)
                ),
                f"layers[{i}]",
            )
        layers.append(layer)
        shape = layer.out_shape
    last = layers[-1]
    if len(last.out_shape) != 1:
        raise ShapeError(
            gettext(
                "the last layer (layers[{index}], {value}) gives {value2} maps; "
                "the network must end in a vector of class scores (add flatten "
                "and linear layers)"
            ).format(index=last.index, value=last.describe(), value2=shape_text(last.out_shape)),
            f"layers[{last.index}]",
        )
    if num_classes is not None and last.out_shape[0] != num_classes:
        raise ShapeError(
            gettext(
                "the last layer (layers[{index}], {value}) gives {out_shape} "
                "scores, but the data has {num_classes} classes"
            ).format(
                index=last.index,
                value=last.describe(),
                out_shape=last.out_shape[0],
                num_classes=num_classes,
            ),
            f"layers[{last.index}]",
        )
    if last.out_shape[0] < 2:
        raise ShapeError(
            gettext("the last layer must give at least 2 class scores"), f"layers[{last.index}]"
        )
    return Network(layers, tuple(input_shape))


def layer_summary(network: Network | list[Layer]) -> list[dict]:
    """Per layer: type, description, output shape and parameter count (of a network, or of the
    layers that fit so far: NetworkCheck.layers)."""
    layers = network.layers if isinstance(network, Network) else network
    return [
        {
            "index": layer.index,
            "type": layer.type,
            "description": layer.describe(),
            "spec": layer.spec,
            "input_shape": list(layer.in_shape),
            "output_shape": list(layer.out_shape),
            "params": layer.num_params,
        }
        for layer in layers
    ]


@dataclass
class NetworkCheck:
    """A network described without training: the layers that fit, in order, and why the next
    one (or the whole) does not, if it does not. error_layer: the layer the error is about
    (None when it is about the list itself, e.g. no layers)."""

    layers: list[Layer]
    network: Network | None
    error: InputError | None
    error_layer: int | None


def check_network(specs, input_shape, num_classes: int | None = None) -> NetworkCheck:
    """build_network, keeping what fits: for a builder that explains a layer that does not fit
    beside the layers before it."""
    built: list[Layer] = []
    try:
        network = build_network(specs, input_shape, num_classes, built)
    except InputError as error:  # ShapeError is an InputError
        if not specs or len(specs) > MAX_LAYERS:
            where = None
        else:
            where = min(len(built), len(specs) - 1)
        return NetworkCheck(built, None, error, where)
    return NetworkCheck(network.layers, network, None, None)


def layer_formulas(layer: Layer) -> dict:
    """How a layer's output shape and parameter count follow from its input, with the numbers.

    sizes: per axis the pooling lesson's size report (the formula (m + 2p − k)/s + 1, whether
    it is exact, the input rows/columns no window visits, paddings and strides that fit), for
    conv and pooling layers; shape: the output shape's formula for the others; params: the
    parameter count's.
    """
    result = {"sizes": None, "shape": None, "params": None}
    if isinstance(layer, (Conv, Pool)):
        C, H, W = layer.in_shape
        k, s, p = (layer.spec[key] for key in ("size", "stride", "padding"))
        result["sizes"] = {
            "height": pool_size_report(H, k, p, s, "height"),
            "width": pool_size_report(W, k, p, s, "width"),
        }
    if isinstance(layer, Conv):
        F, C, k, _ = layer.param_shapes["weight"]
        result["params"] = f"F·C·k·k + F = {F}·{C}·{k}·{k} + {F} = {layer.num_params:,}"
    elif isinstance(layer, Pool):
        channels = layer.in_shape[0]
        result["shape"] = ngettext(
            "its {n} channel pooled on its own",
            "each of the {n} channels pooled on its own",
            channels,
        ).format(n=channels)
    elif isinstance(layer, Linear):
        n, out = layer.in_shape[0], layer.spec["out"]
        result["params"] = f"in·out + out = {n}·{out} + {out} = {layer.num_params:,}"
    elif isinstance(layer, BatchNorm):
        C = layer.in_shape[0]
        result["params"] = gettext("γ and β per channel: 2·{C} = {n}").format(
            C=C, n=layer.num_params
        )
        result["shape"] = gettext("the same shape as its input")
    elif isinstance(layer, Flatten):
        if len(layer.in_shape) == 3:
            C, H, W = layer.in_shape
            result["shape"] = f"C·H·W = {C}·{H}·{W} = {layer.out_shape[0]:,}"
        else:
            result["shape"] = gettext("already a vector: passed on unchanged")
    else:
        result["shape"] = gettext("the same shape as its input (element-wise)")
    return result


def first_filters(network: Network, flat: np.ndarray) -> dict | None:
    """The first conv layer's filters (F, C, k, k) and biases (F,) for drawing, with the limit
    max |w| of a colour scale centred on zero; None without a conv layer."""
    for layer, params in zip(network.layers, network.unflatten(flat), strict=True):
        if isinstance(layer, Conv):
            weight = params["weight"].astype(np.float64)
            return {
                "layer": layer.index,
                "weight": weight,
                "bias": params["bias"].astype(np.float64),
                "limit": float(np.abs(weight).max()),
            }
    return None


# The lesson's presets; "out": None in the last layer stands for the data set's class count.
PRESETS = {
    "tiny": {
        "label": N_("Tiny"),
        "label_zh": "微型",
        "description": N_("one conv layer of 4 filters, one big pooling, a linear layer"),
        "layers": (
            {"type": "conv", "filters": 4, "size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", "size": 4},
            {"type": "flatten"},
            {"type": "linear", "out": None},
        ),
    },
    "small": {
        "label": N_("Small"),
        "label_zh": "小型",
        "description": N_("two conv layers (8 and 16 filters), each with ReLU and 2×2 max pooling"),
        "layers": (
            {"type": "conv", "filters": 8, "size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "conv", "filters": 16, "size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "flatten"},
            {"type": "linear", "out": None},
        ),
    },
    "lenet": {
        "label": N_("LeNet-like"),
        "label_zh": "类 LeNet",
        "description": N_(
            "LeNet-5's shape with ReLU and max pooling: conv 6@5×5, conv 16@5×5, linear 84, linear"
        ),
        "layers": (
            {"type": "conv", "filters": 6, "size": 5, "padding": 2},
            {"type": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "conv", "filters": 16, "size": 5},
            {"type": "relu"},
            {"type": "maxpool", "size": 2},
            {"type": "flatten"},
            {"type": "linear", "out": 84},
            {"type": "relu"},
            {"type": "linear", "out": None},
        ),
    },
}
DEFAULT_PRESET = "small"


def preset_layers(name: str, num_classes: int) -> list[dict]:
    """A preset's layer specs for a data set of num_classes classes."""
    return [
        {**spec, "out": num_classes} if spec.get("out", 0) is None else dict(spec)
        for spec in PRESETS[name]["layers"]
    ]
