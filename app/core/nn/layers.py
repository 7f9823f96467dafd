"""The layers of the CNN lesson: forward and backward per type, NCHW, any float dtype.

A layer is built from its spec (a dict, PyTorch's defaults for what is left out) and the shape
of one input example; it knows its output shape, its parameters' shapes and its cost:

    out, cache = layer.forward(x, params, train, workspace)
    dx, grads = layer.backward(dout, cache, params, need_dx)

x is the batch (N, *in_shape), params a dict of arrays by name ("weight"/"bias", or
"gamma"/"beta"), grads the same names prefixed with d ("dweight", ...). `train` selects batch
statistics (True) or the running ones (False) in batch norm; `workspace` is a dict of reused
buffers (see conv.buffer) or None. Each type's arithmetic lives in the lesson module it teaches
(conv.py, pool.py, activations.py); batch norm is written here for both layouts and tested
against batchnorm.py, its lesson's float64 (N, D) version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core import activations
from app.core.conv import (
    check_fits,
    conv2d_backward_batched,
    conv2d_forward_batched,
    output_length,
)
from app.core.errors import InputError, ShapeError
from app.core.parallel import for_images
from app.core.pool import (
    check_pool_params,
    pool2d_backward_batched,
    pool2d_forward_batched,
)
from app.i18n import N_, NP_, _, pgettext

# Relative cost of an element-wise layer per output value, in multiply-add equivalents: NumPy
# spends about as long on one element-wise pass as on ten multiply-adds of a matrix product.
ELEMENTWISE_COST = 10


@dataclass(frozen=True)
class Option:
    default: object
    low: float
    high: float
    description: str
    integer: bool = True


# The catalogue: every layer type, its options (PyTorch's defaults) and what it does. The API
# schema and its documentation read it from here.
LAYER_TYPES: dict[str, dict] = {
    "conv": {
        "label": NP_("layer type", "Convolution"),
        "label_zh": "卷积层",
        "options": {
            "filters": Option(None, 1, 64, N_("number of filters F (output channels)")),
            "size": Option(None, 1, 11, N_("kernel size k (square k×k)")),
            "stride": Option(1, 1, 4, N_("stride s")),
            "padding": Option(0, 0, 5, N_("zero padding p on every side")),
        },
    },
    "relu": {"label": N_("ReLU"), "label_zh": "ReLU", "options": {}},
    "leaky_relu": {
        "label": N_("Leaky ReLU"),
        "label_zh": "Leaky ReLU",
        "options": {
            "negative_slope": Option(0.01, 0.0, 1.0, N_("slope for x < 0"), integer=False),
        },
    },
    "tanh": {"label": N_("tanh"), "label_zh": "tanh", "options": {}},
    "sigmoid": {"label": N_("Sigmoid"), "label_zh": "Sigmoid", "options": {}},
    "elu": {
        "label": N_("ELU"),
        "label_zh": "ELU",
        "options": {"alpha": Option(1.0, 0.0, 10.0, N_("α: f(x) = α(eˣ − 1) for x ≤ 0"), False)},
    },
    "maxpool": {
        "label": N_("Max pooling"),
        "label_zh": "最大池化",
        "options": {
            "size": Option(None, 1, 8, N_("window size k (square k×k)")),
            "stride": Option(None, 1, 8, N_("stride s (default: the window size)")),
            "padding": Option(0, 0, 4, N_("padding p, at most k // 2 (never wins the max)")),
        },
    },
    "avgpool": {
        "label": N_("Average pooling"),
        "label_zh": "平均池化",
        "options": {
            "size": Option(None, 1, 8, N_("window size k (square k×k)")),
            "stride": Option(None, 1, 8, N_("stride s (default: the window size)")),
            "padding": Option(0, 0, 4, N_("zero padding p, at most k // 2 (counted in the mean)")),
        },
    },
    "batchnorm": {
        "label": N_("Batch normalisation"),
        "label_zh": "批归一化",
        "options": {
            "eps": Option(1e-5, 1e-12, 1.0, N_("ε added to the variance"), integer=False),
            "momentum": Option(0.1, 0.0, 1.0, N_("running-average momentum"), integer=False),
        },
    },
    "flatten": {"label": N_("Flatten"), "label_zh": "展平", "options": {}},
    "linear": {
        "label": N_("Linear (fully connected)"),
        "label_zh": "全连接层",
        "options": {"out": Option(None, 1, 1024, N_("output features"))},
    },
}
ACTIVATION_TYPES = ("relu", "leaky_relu", "tanh", "sigmoid", "elu")
# How a layer row names the activations without options: the API's type in English, the usual
# spelling (ReLU, Sigmoid) in Chinese.
ACTIVATION_DESCRIPTIONS = {
    "relu": NP_("layer description", "relu"),
    "tanh": NP_("layer description", "tanh"),
    "sigmoid": NP_("layer description", "sigmoid"),
}


def normalise_spec(spec: dict, where: str) -> dict:
    """A layer spec with its type checked, PyTorch's defaults filled in and every option in range.

    `where` names the layer in messages, e.g. "layers[2]".
    """
    kind = spec.get("type")
    if kind not in LAYER_TYPES:
        raise InputError(
            _("{where}: unknown layer type {kind!r}; choose one of {value}").format(
                where=where, kind=kind, value=", ".join(LAYER_TYPES)
            ),
            f"{where}.type",
        )
    options = LAYER_TYPES[kind]["options"]
    given = {key: value for key, value in spec.items() if key != "type" and value is not None}
    for key in given:
        if key not in options:
            takes = ", ".join(options) if options else "no options"
            raise InputError(
                _("{where}: a {kind} layer has no option {key!r} (it takes {takes})").format(
                    where=where, kind=kind, key=key, takes=takes
                ),
                f"{where}.{key}",
            )
    result = {"type": kind}
    for key, option in options.items():
        value = given.get(key, option.default)
        if value is None:
            if key == "stride":  # pooling: stride defaults to the window
                value = given.get("size")
            else:
                raise InputError(
                    _("{where}: a {kind} layer needs {key!r}").format(
                        where=where, kind=kind, key=key
                    ),
                    f"{where}.{key}",
                )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                _("{where}.{key} must be a number, got {value!r}").format(
                    where=where, key=key, value=value
                ),
                f"{where}.{key}",
            )
        if option.integer and value != int(value):
            raise InputError(
                _("{where}.{key} must be a whole number, got {value}").format(
                    where=where, key=key, value=value
                ),
                f"{where}.{key}",
            )
        if not option.low <= value <= option.high:
            raise InputError(
                _("{where}.{key} must be from {low:g} to {high:g}, got {value}").format(
                    where=where, key=key, low=option.low, high=option.high, value=value
                ),
                f"{where}.{key}",
            )
        result[key] = int(value) if option.integer else float(value)
    return result


def shape_text(shape) -> str:
    return "×".join(str(s) for s in shape)


@dataclass
class Layer:
    """A layer of the network: its spec, its place and the shape of one example in and out."""

    index: int
    spec: dict
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...] = ()
    param_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self):
        """Each type sets out_shape and param_shapes here, checking that it fits."""

    @property
    def type(self) -> str:
        return self.spec["type"]

    @property
    def where(self) -> str:
        return f"layers[{self.index}]"

    @property
    def num_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes.values())

    def flops(self) -> int:
        """Multiply-adds (or their equivalent) for one example's forward pass."""
        return ELEMENTWISE_COST * int(np.prod(self.out_shape))

    def scratch(self) -> int:
        """Values of the temporaries one example needs beyond the output (im2col columns)."""
        return 0

    def describe(self) -> str:
        return self.type

    def forward(self, x, params, train=True, workspace=None):
        raise NotImplementedError

    def backward(self, dout, cache, params, need_dx=True):
        raise NotImplementedError

    def need_image(self):
        if len(self.in_shape) != 3:
            raise ShapeError(
                _(
                    "{where} ({value}) needs C×H×W maps, but its input is a vector "
                    "of {in_shape}: put it before the flatten layer"
                ).format(where=self.where, value=self.describe(), in_shape=self.in_shape[0]),
                self.where,
            )


class Conv(Layer):
    """Convolution (cross-correlation, as torch.nn.Conv2d): weight (F, C, k, k), bias (F,).

    x (N, C, H, W) -> (N, F, H_out, W_out), H_out = (H + 2p − k) // s + 1.
    """

    def __post_init__(self):
        self.need_image()
        C, H, W = self.in_shape
        F, k, s, p = (self.spec[key] for key in ("filters", "size", "stride", "padding"))
        try:
            check_fits(H, W, k, k, (p, p), (1, 1))
        except ShapeError as error:
            raise ShapeError(
                _("{where} ({value}) does not fit its {value2} input: {message}").format(
                    where=self.where,
                    value=self.describe(),
                    value2=shape_text(self.in_shape),
                    message=error.message,
                ),
                self.where,
            ) from None
        self.out_shape = (F, output_length(H, k, p, s, 1), output_length(W, k, p, s, 1))
        self.param_shapes = {"weight": (F, C, k, k), "bias": (F,)}

    def describe(self):
        s = self.spec
        k = s["size"]
        return _("conv {k}×{k}×{filters}, stride {stride}, padding {padding}").format(
            k=k, filters=s["filters"], stride=s["stride"], padding=s["padding"]
        )

    def flops(self):
        F, Ho, Wo = self.out_shape
        C = self.in_shape[0]
        k = self.spec["size"]
        return C * k * k * F * Ho * Wo + F * Ho * Wo

    def scratch(self):
        C, H, W = self.in_shape
        k, p = self.spec["size"], self.spec["padding"]
        return (C * k * k + 1) * (H + 2 * p) * (W + 2 * p)  # im2col columns, at most

    def forward(self, x, params, train=True, workspace=None):
        s = self.spec
        return conv2d_forward_batched(
            x,
            params["weight"],
            params["bias"],
            s["stride"],
            s["padding"],
            workspace,
            key=f"conv{self.index}",
        )

    def backward(self, dout, cache, params, need_dx=True):
        dx, dw, db = conv2d_backward_batched(dout, cache, need_dx)
        return dx, {"dweight": dw, "dbias": db}


def in_memory_order(a, like=None):
    """a as a 1-D array in the order of its memory, no copy for NCHW or channel-first memory
    (the layers' outputs); like: in the memory order of that array instead (a copy if a's
    differs). Element-wise passes run over one contiguous run that way."""
    target = a if like is None else like
    if target.flags.c_contiguous:
        return np.ascontiguousarray(a).reshape(-1)
    if target.ndim > 1 and target.swapaxes(0, 1).flags.c_contiguous:
        return np.ascontiguousarray(a.swapaxes(0, 1)).reshape(-1)
    raise ValueError("in_memory_order: not NCHW or channel-first memory")


class Activation(Layer):
    """An element-wise non-linearity from activations.py: y = f(x), dx = dout·f'(x).

    At kinks f' is PyTorch's (ReLU'(0) = 0). Any shape in, the same shape out.
    """

    def __post_init__(self):
        self.out_shape = self.in_shape

    @property
    def alpha(self):
        return self.spec.get("negative_slope", self.spec.get("alpha"))

    def describe(self):
        if self.type == "leaky_relu":
            return _("leaky_relu (slope {slope})").format(slope=f"{self.alpha:g}")
        if self.type == "elu":
            return _("elu (α = {alpha})").format(alpha=f"{self.alpha:g}")
        return pgettext("layer description", ACTIVATION_DESCRIPTIONS[self.type])

    def forward(self, x, params, train=True, workspace=None):
        if self.type == "relu":
            # The training path: max(x, 0) alone, f'(x) = [y > 0] found in backward. Three
            # passes instead of activation()'s four (max, compare, cast, multiply); 0.3 ms a
            # step on the default net. Tests hold it equal to activation("relu").
            # In x's memory order (the conv layers hand on channel-first memory), as one run.
            if not (x.flags.c_contiguous or x.swapaxes(0, 1).flags.c_contiguous):
                x = np.ascontiguousarray(x)
            y = np.empty_like(x)
            xs, ys = in_memory_order(x), in_memory_order(y)
            for_images(lambda s: np.maximum(xs[s], 0, out=ys[s]), xs.size, xs.size)
            return y, {"dy": None, "y": y}
        result = activations.activation(self.type, x, self.alpha)
        y, dy = result.y, result.dy
        return y, {"dy": dy}

    def backward(self, dout, cache, params, need_dx=True):
        if cache["dy"] is None:  # relu
            y = cache["y"]
            dx = np.empty_like(y)
            ys, dxs = in_memory_order(y), in_memory_order(dx)
            ds = in_memory_order(dout, like=y)

            def mask(s):
                np.greater(ys[s], 0, out=dxs[s])  # [y > 0] as 1.0 or 0.0, then dout times it
                np.multiply(dxs[s], ds[s], out=dxs[s])

            for_images(mask, ys.size, ys.size)
            return dx, {}
        return dout * cache["dy"], {}


class Pool(Layer):
    """Max or average pooling (torch's max_pool2d / avg_pool2d), each channel on its own.

    x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H + 2p − k) // s + 1.
    """

    def __post_init__(self):
        self.need_image()
        C, H, W = self.in_shape
        k, s, p = (self.spec[key] for key in ("size", "stride", "padding"))
        try:
            check_pool_params(k, s, p)
            check_fits(H, W, k, k, (p, p), (1, 1), what="window")
        except InputError as error:
            raise ShapeError(
                _("{where} ({value}) does not fit its {value2} input: {message}").format(
                    where=self.where,
                    value=self.describe(),
                    value2=shape_text(self.in_shape),
                    message=error.message,
                ),
                self.where,
            ) from None
        self.out_shape = (C, output_length(H, k, p, s, 1), output_length(W, k, p, s, 1))

    @property
    def mode(self):
        return "max" if self.type == "maxpool" else "avg"

    def describe(self):
        s = self.spec
        k = s["size"]
        if self.type == "maxpool":
            text = _("maxpool {k}×{k}, stride {stride}, padding {padding}")
        else:
            text = _("avgpool {k}×{k}, stride {stride}, padding {padding}")
        return text.format(k=k, stride=s["stride"], padding=s["padding"])

    def flops(self):
        k = self.spec["size"]
        return ELEMENTWISE_COST * k * k * int(np.prod(self.out_shape))

    def forward(self, x, params, train=True, workspace=None):
        s = self.spec
        return pool2d_forward_batched(x, self.mode, s["size"], s["stride"], s["padding"])

    def backward(self, dout, cache, params, need_dx=True):
        return pool2d_backward_batched(dout, cache), {}

    def backward_through_relu(self, dout, cache, output):
        """The gradient through this max pool and the ReLU that feeds it, in one pass (the
        ReLU's mask applied on the pooled grid; Network.backward)."""
        return pool2d_backward_batched(dout, cache, positive=output)


class BatchNorm(Layer):
    """Batch normalisation: per channel over (N, H, W) for maps, per feature over N for vectors.

    Training: x̂ = (x − μ)/√(σ² + ε) with the batch's μ and biased σ² (as
    torch.nn.BatchNorm2d/1d in train()); y = γ·x̂ + β; gamma, beta (C,). Evaluation: the running
    averages instead (as in eval()). The caller updates the running averages from the cache's
    batch statistics (update_running).
    """

    def __post_init__(self):
        self.out_shape = self.in_shape
        self.param_shapes = {"gamma": (self.in_shape[0],), "beta": (self.in_shape[0],)}

    def describe(self):
        return _("batchnorm (spatial)") if len(self.in_shape) == 3 else _("batchnorm")

    def axes_and_view(self, ndim):
        """The axes statistics are taken over, and how a (C,) vector broadcasts."""
        return ((0, 2, 3), (1, -1, 1, 1)) if ndim == 4 else ((0,), (1, -1))

    def forward(self, x, params, train=True, workspace=None, running=None):
        axes, view = self.axes_and_view(x.ndim)
        eps = self.spec["eps"]
        gamma = params["gamma"].reshape(view)
        beta = params["beta"].reshape(view)
        count = x.size // x.shape[1]
        if train:
            if count < 2:
                raise ShapeError(
                    _(
                        "{where} (batch norm) in training needs more than one value per "
                        "channel, got {count}: use a batch of at least 2"
                    ).format(where=self.where, count=count),
                    self.where,
                )
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            var = (centred * centred).mean(axis=axes, keepdims=True)
        else:
            if running is None:
                raise InputError(
                    _("{where} (batch norm) in evaluation needs its running averages").format(
                        where=self.where
                    ),
                    self.where,
                )
            mean = running["mean"].reshape(view)
            var = running["var"].reshape(view)
            centred = x - mean
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = centred * inv_std
        out = gamma * x_hat + beta
        cache = {
            "x_hat": x_hat,
            "inv_std": inv_std,
            "count": count,
            "train": train,
            "mean": mean.ravel(),
            "var": var.ravel(),
        }
        return out, cache

    def backward(self, dout, cache, params, need_dx=True):
        """dβ = Σ dout, dγ = Σ dout·x̂ and, with g = dout·γ and M values per channel:

        training: dx = (M·g − Σg − x̂·Σ g·x̂)/(M·√(σ² + ε));
        evaluation (the statistics are constants): dx = g/√(σ² + ε).
        """
        axes, view = self.axes_and_view(dout.ndim)
        x_hat, inv_std, M = cache["x_hat"], cache["inv_std"], cache["count"]
        dbeta = dout.sum(axis=axes)
        dgamma = (dout * x_hat).sum(axis=axes)
        g = dout * params["gamma"].reshape(view)
        if cache["train"]:
            dx = (
                M * g
                - g.sum(axis=axes, keepdims=True)
                - x_hat * (g * x_hat).sum(axis=axes, keepdims=True)
            ) * (inv_std / M)
        else:
            dx = g * inv_std
        return dx, {"dgamma": dgamma, "dbeta": dbeta}


def update_running(running, cache, momentum):
    """running ← (1 − momentum)·running + momentum·batch; the variance term unbiased, σ²·M/(M − 1).

    As PyTorch's BatchNorm (M values per channel). Returns new arrays.
    """
    M = cache["count"]
    mean = cache["mean"].astype(running["mean"].dtype, copy=False)
    var = cache["var"].astype(running["var"].dtype, copy=False)
    return {
        "mean": (1 - momentum) * running["mean"] + momentum * mean,
        "var": (1 - momentum) * running["var"] + momentum * (var * (M / (M - 1))),
    }


class Flatten(Layer):
    """(N, C, H, W) -> (N, C·H·W) in C, H, W order, as torch.flatten(x, 1); vectors pass."""

    def __post_init__(self):
        self.out_shape = (int(np.prod(self.in_shape)),)

    def describe(self):
        return _("flatten")

    def flops(self):
        return 0

    def forward(self, x, params, train=True, workspace=None):
        return x.reshape(x.shape[0], -1), {"shape": x.shape}

    def backward(self, dout, cache, params, need_dx=True):
        return dout.reshape(cache["shape"]), {}


class Linear(Layer):
    """Fully connected: y = x·Wᵀ + b, x (N, in), weight (out, in), bias (out,) (torch.nn.Linear)."""

    def __post_init__(self):
        if len(self.in_shape) != 1:
            raise ShapeError(
                _(
                    "{where} (linear) needs a vector, but its input is {value} maps: "
                    "add a flatten layer before it"
                ).format(where=self.where, value=shape_text(self.in_shape)),
                self.where,
            )
        self.out_shape = (self.spec["out"],)
        self.param_shapes = {
            "weight": (self.spec["out"], self.in_shape[0]),
            "bias": (self.spec["out"],),
        }

    def describe(self):
        return _("linear {inputs}→{outputs}").format(
            inputs=self.in_shape[0], outputs=self.spec["out"]
        )

    def flops(self):
        return self.in_shape[0] * self.spec["out"] + self.spec["out"]

    def forward(self, x, params, train=True, workspace=None):
        out = x @ params["weight"].T
        out += params["bias"]
        return out, {"x": x}

    def backward(self, dout, cache, params, need_dx=True):
        x = cache["x"]
        dx = dout @ params["weight"] if need_dx else None
        return dx, {"dweight": dout.T @ x, "dbias": dout.sum(axis=0)}


CLASSES = {
    "conv": Conv,
    "relu": Activation,
    "leaky_relu": Activation,
    "tanh": Activation,
    "sigmoid": Activation,
    "elu": Activation,
    "maxpool": Pool,
    "avgpool": Pool,
    "batchnorm": BatchNorm,
    "flatten": Flatten,
    "linear": Linear,
}


def make_layer(index: int, spec: dict, in_shape: tuple[int, ...]) -> Layer:
    """The layer at `index` for a (not yet normalised) spec and one example's input shape."""
    where = f"layers[{index}]"
    if not isinstance(spec, dict):
        raise InputError(_("{where} must be an object with a 'type'").format(where=where), where)
    spec = normalise_spec(spec, where)
    return CLASSES[spec["type"]](index=index, spec=spec, in_shape=tuple(in_shape))


def softmax_cross_entropy(logits, labels, batch=None):
    """Mean softmax cross-entropy of logits (N, K) with integer labels (N,), stable.

    L = (1/N) Σ_n [log Σ_k e^{z_nk} − z_{n,y_n}], computed from z − max z (as
    torch.nn.functional.cross_entropy). Returns loss (a float), probs (N, K) and
    dlogits = (probs − onehot(y))/N. batch: the rows are part of a batch of that many (the
    halves of a training step): dlogits are divided by it, their rows of the batch's.
    """
    N = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(total)
    rows = np.arange(N)
    loss = -log_probs[rows, labels].mean()
    probs = exp / total
    dlogits = probs.copy()
    dlogits[rows, labels] -= 1
    dlogits /= N if batch is None else batch
    return float(loss), probs, dlogits
