"""Activation functions with their derivatives, and two experiments: vanishing gradients, dead ReLU.

Every function works element-wise on an array x of any shape. activation(name, x, ...) returns
y = f(x) and dy = f'(x). At the kinks the derivative is the one PyTorch's autograd uses:
ReLU'(0) = 0, LeakyReLU'(0) = PReLU'(0) = alpha, ELU'(0) = alpha (the x <= 0 branch), and Maxout's
derivative is the slope w of the winning piece, the first one on ties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.i18n import N_, _


@dataclass(frozen=True)
class Function:
    """What the lesson shows of an activation: labels in English and Chinese, the formula and
    its derivative, the range, whether it is zero-centred, and its default α (where α applies).
    The formulas and the range are in English, marked N_ where they hold words (the API shows
    them in the request's language: `info`)."""

    name: str
    label: str
    label_zh: str
    formula: str
    derivative: str
    range: str
    zero_centred: bool
    alpha: float | None


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "sigmoid",
            N_("Sigmoid"),
            "Sigmoid 函数",
            "σ(x) = 1 / (1 + e^(−x))",
            N_("σ'(x) = σ(x)·(1 − σ(x)), at most 0.25"),
            "(0, 1)",
            False,
            None,
        ),
        Function(
            "tanh",
            N_("tanh"),
            "双曲正切 tanh",
            "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))",
            N_("tanh'(x) = 1 − tanh(x)², at most 1"),
            "(−1, 1)",
            True,
            None,
        ),
        Function(
            "relu",
            N_("ReLU"),
            "修正线性单元 ReLU",
            "ReLU(x) = max(0, x)",
            N_("ReLU'(x) = 1 if x > 0 else 0 (0 at x = 0, as in PyTorch)"),
            "[0, ∞)",
            False,
            None,
        ),
        Function(
            "leaky_relu",
            N_("Leaky ReLU"),
            "带泄露修正线性单元 Leaky ReLU",
            N_("LeakyReLU(x) = x if x > 0 else α·x"),
            N_("LeakyReLU'(x) = 1 if x > 0 else α"),
            "(−∞, ∞)",
            False,
            0.01,
        ),
        Function(
            "prelu",
            N_("PReLU"),
            "参数化修正线性单元 PReLU",
            N_("PReLU(x) = x if x > 0 else α·x, α learned"),
            N_("PReLU'(x) = 1 if x > 0 else α;  ∂f/∂α = x if x ≤ 0 else 0"),
            "(−∞, ∞)",
            False,
            0.25,
        ),
        Function(
            "elu",
            N_("ELU"),
            "指数线性单元 ELU",
            N_("ELU(x) = x if x > 0 else α·(e^x − 1)"),
            N_("ELU'(x) = 1 if x > 0 else ELU(x) + α"),
            "(−α, ∞)",
            False,
            1.0,
        ),
        Function(
            "maxout",
            N_("Maxout"),
            "Maxout 最大输出",
            "Maxout(x) = max_k (w_k·x + b_k)",
            N_("Maxout'(x) = w of the winning piece (the first one on ties)"),
            N_("depends on the pieces"),
            False,
            None,
        ),
        Function(
            "gelu",
            N_("GELU"),
            "高斯误差线性单元 GELU",
            N_("GELU(x) = x·Φ(x), Φ the standard normal CDF"),
            "GELU'(x) = Φ(x) + x·φ(x)",
            "[≈ −0.17, ∞)",
            False,
            None,
        ),
        Function(
            "silu",
            N_("SiLU / Swish"),
            "SiLU / Swish",
            "SiLU(x) = x·σ(x)",
            "SiLU'(x) = σ(x)·(1 + x·(1 − σ(x)))",
            "[≈ −0.28, ∞)",
            False,
            None,
        ),
        Function(
            "softplus",
            N_("Softplus"),
            "Softplus 软加函数",
            "Softplus(x) = ln(1 + e^x)",
            "Softplus'(x) = σ(x)",
            "(0, ∞)",
            False,
            None,
        ),
    )
}
NAMES = tuple(FUNCTIONS)
MIN_PIECES = 2
# PyTorch's softplus returns x itself above this (beta = 1), and its gradient is then exactly 1.
SOFTPLUS_THRESHOLD = 20.0

_erf = np.frompyfunc(math.erf, 1, 1)


def sigmoid(x):
    """Numerically stable 1 / (1 + e^-x): never exponentiates a large positive number."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def check_pieces(pieces) -> np.ndarray:
    """Maxout's pieces [[w, b], ...] -> a (K, 2) array, K >= 2."""
    if pieces is None:
        raise InputError(
            _("maxout needs its pieces [[w, b], ...], at least {MIN_PIECES}").format(
                MIN_PIECES=MIN_PIECES
            ),
            "pieces",
        )
    try:
        array = np.asarray(pieces, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 2 or array.shape[1] != 2:
        raise InputError(_("pieces must be a list of [w, b] pairs"), "pieces")
    if len(array) < MIN_PIECES:
        raise InputError(
            _("maxout needs at least {MIN_PIECES} linear pieces, got {array_count}").format(
                MIN_PIECES=MIN_PIECES, array_count=len(array)
            ),
            "pieces",
        )
    if not np.isfinite(array).all():
        raise InputError(_("pieces must be finite numbers"), "pieces")
    return array


@dataclass(frozen=True)
class Activation:
    """f and f' at every point of x (same shape), and what else the function has."""

    y: np.ndarray
    dy: np.ndarray
    alpha: float | None  # the α used (the default unless given), where α applies
    dalpha: np.ndarray | None = None  # prelu: ∂f/∂α, what back-propagation trains α with
    winner: np.ndarray | None = None  # maxout: index of the winning piece (the first on ties)


def activation(name, x, alpha=None, pieces=None) -> Activation:
    """y = f(x) and dy = f'(x) for x of any shape (float64 unless float32 came in).

    alpha applies to leaky_relu, prelu and elu (their defaults otherwise) and is ignored by the
    others; pieces (K, 2) for maxout.
    """
    if name not in FUNCTIONS:
        raise InputError(
            _("unknown function {name!r}: choose one of {value}").format(
                name=name, value=", ".join(NAMES)
            ),
            "name",
        )
    x = np.asarray(x)
    x = x.astype(np.result_type(x, np.float32), copy=False)
    default = FUNCTIONS[name].alpha
    alpha = None if default is None else x.dtype.type(default if alpha is None else alpha)
    extras = {}
    if name == "sigmoid":
        y = sigmoid(x)
        dy = y * (1 - y)
    elif name == "tanh":
        y = np.tanh(x)
        dy = 1 - y * y
    elif name == "relu":
        y = np.maximum(x, 0)
        dy = (x > 0).astype(x.dtype)
    elif name in ("leaky_relu", "prelu"):
        y = np.where(x > 0, x, alpha * x)
        dy = np.where(x > 0, 1, alpha).astype(x.dtype)
        if name == "prelu":
            extras["dalpha"] = np.where(x > 0, 0, x).astype(x.dtype)
    elif name == "elu":
        negative = alpha * np.expm1(np.minimum(x, 0))
        y = np.where(x > 0, x, negative)
        dy = np.where(x > 0, 1, negative + alpha).astype(x.dtype)
    elif name == "maxout":
        p = check_pieces(pieces).astype(x.dtype)
        lines = x[..., None] * p[:, 0] + p[:, 1]  # (..., K)
        winner = np.argmax(lines, axis=-1)  # the first maximum on ties
        y = np.take_along_axis(lines, winner[..., None], axis=-1)[..., 0]
        dy = p[winner, 0]
        extras["winner"] = winner
    elif name == "gelu":
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)).astype(x.dtype))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        y = x * cdf
        dy = cdf + x * pdf
    elif name == "silu":
        s = sigmoid(x)
        y = x * s
        dy = s * (1 + x * (1 - s))
    else:  # softplus, with PyTorch's threshold
        big = x > SOFTPLUS_THRESHOLD
        y = np.where(big, x, np.logaddexp(0, np.minimum(x, SOFTPLUS_THRESHOLD)))
        dy = np.where(big, 1, sigmoid(x))
    return Activation(
        y=y.astype(x.dtype, copy=False),
        dy=np.asarray(dy, dtype=x.dtype),
        alpha=None if alpha is None else float(alpha),
        **extras,
    )


def sample(distribution, loc, scale, shape, seed):
    """Seeded draws: normal N(loc, scale²) or uniform on [loc - scale, loc + scale]."""
    if distribution not in ("normal", "uniform"):
        raise InputError(
            _("distribution must be normal or uniform, got {distribution!r}").format(
                distribution=distribution
            ),
            "distribution",
        )
    if not scale >= 0:
        raise InputError(_("scale must be 0 or more, got {scale}").format(scale=scale), "scale")
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        return rng.normal(loc, scale, shape)
    return rng.uniform(loc - scale, loc + scale, shape)


@dataclass(frozen=True)
class ProductStats:
    """The product of derivatives at depth 1..n, over the samples: (depth,) each."""

    mean: np.ndarray
    median: np.ndarray
    fraction_zero: np.ndarray  # share of samples whose product is exactly 0


@dataclass(frozen=True)
class Vanishing:
    depth: np.ndarray  # 1..n
    functions: dict[str, ProductStats]
    sigmoid_bound: np.ndarray  # 0.25^k: the sigmoid's derivative is at most 0.25
    draws_mean: float
    draws_std: float


def vanishing_gradients(
    names, depth, samples, distribution="normal", loc=0.0, scale=1.0, seed=0
) -> Vanishing:
    """The product of local derivatives f'(z_1)·f'(z_2)···f'(z_k) for k = 1..depth.

    This is the factor the chain rule puts on a gradient flowing back through k layers (weights
    aside). The pre-activations z are drawn independently per layer and per sample (samples ×
    depth, seeded), the same draws for every function. Per function: the mean and the median of
    the product at each depth and the fraction of samples whose product is exactly 0 (ReLU: one
    inactive layer on the path stops the gradient).
    """
    z = sample(distribution, loc, scale, (samples, depth), seed)
    functions = {}
    for name in names:
        if name == "maxout":
            raise InputError(_("the vanishing-gradient experiment takes fixed functions"), "names")
        product = np.cumprod(activation(name, z).dy, axis=1)  # (samples, depth)
        functions[name] = ProductStats(
            mean=product.mean(axis=0),
            median=np.median(product, axis=0),
            fraction_zero=(product == 0).mean(axis=0),
        )
    k = np.arange(1, depth + 1)
    return Vanishing(
        depth=k,
        functions=functions,
        sigmoid_bound=0.25**k,
        draws_mean=float(z.mean()),
        draws_std=float(z.std()),
    )


@dataclass(frozen=True)
class DeadRelu:
    x: np.ndarray  # (samples,) the inputs drawn
    active: np.ndarray  # (samples,) w·x + b > 0
    fraction_active: float
    grad_weight: float  # dL/dw = mean(1[z > 0]·x), upstream gradient 1
    grad_bias: float  # dL/db = mean(1[z > 0])
    dead: bool  # active on no input: zero gradient, it can never recover
    kink: float | None  # x where w·x + b = 0 (None when w = 0)


def dead_relu(weight, bias, samples, distribution="normal", loc=0.0, scale=1.0, seed=0) -> DeadRelu:
    """A ReLU unit a = max(0, w·x + b) fed with seeded inputs x.

    The unit is active on an input when z = w·x + b > 0 (its derivative is then 1, else 0). With
    a loss L whose upstream gradient dL/da is 1 on every input, averaged over the inputs:
    dL/dw = mean(1[z > 0]·x), dL/db = mean(1[z > 0]). A dead unit (active on no input) gets exactly
    zero gradient, so gradient descent can never revive it.
    """
    x = sample(distribution, loc, scale, (samples,), seed)
    active = weight * x + bias > 0
    return DeadRelu(
        x=x,
        active=active,
        fraction_active=float(active.mean()),
        grad_weight=float(np.mean(np.where(active, x, 0.0))),
        grad_bias=float(active.mean()),
        dead=not bool(active.any()),
        kink=None if weight == 0 else -bias / weight,
    )
