"""Activation functions with their derivatives, and two experiments: vanishing gradients, dead ReLU.

Every function works element-wise on an array x of any shape. activation(name, x, ...) returns
y = f(x) and dy = f'(x). At the kinks the derivative is the one PyTorch's autograd uses:
ReLU'(0) = 0, LeakyReLU'(0) = PReLU'(0) = alpha, ELU'(0) = alpha (the x <= 0 branch), and Maxout's
derivative is the slope w of the winning piece, the first one on ties.
"""

from __future__ import annotations

import math

import numpy as np

from app.core.errors import InputError

# name -> what the lesson shows: formula, derivative, range, zero-centred, default alpha.
FUNCTIONS = {
    "sigmoid": {
        "label": "Sigmoid",
        "formula": "σ(x) = 1 / (1 + e^(−x))",
        "derivative": "σ'(x) = σ(x)·(1 − σ(x)), at most 0.25",
        "range": "(0, 1)",
        "zero_centred": False,
        "alpha": None,
    },
    "tanh": {
        "label": "tanh",
        "formula": "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))",
        "derivative": "tanh'(x) = 1 − tanh(x)², at most 1",
        "range": "(−1, 1)",
        "zero_centred": True,
        "alpha": None,
    },
    "relu": {
        "label": "ReLU",
        "formula": "ReLU(x) = max(0, x)",
        "derivative": "ReLU'(x) = 1 if x > 0 else 0 (0 at x = 0, as in PyTorch)",
        "range": "[0, ∞)",
        "zero_centred": False,
        "alpha": None,
    },
    "leaky_relu": {
        "label": "Leaky ReLU",
        "formula": "LeakyReLU(x) = x if x > 0 else α·x",
        "derivative": "LeakyReLU'(x) = 1 if x > 0 else α",
        "range": "(−∞, ∞)",
        "zero_centred": False,
        "alpha": 0.01,
    },
    "prelu": {
        "label": "PReLU",
        "formula": "PReLU(x) = x if x > 0 else α·x, α learned",
        "derivative": "PReLU'(x) = 1 if x > 0 else α;  ∂f/∂α = x if x ≤ 0 else 0",
        "range": "(−∞, ∞)",
        "zero_centred": False,
        "alpha": 0.25,
    },
    "elu": {
        "label": "ELU",
        "formula": "ELU(x) = x if x > 0 else α·(e^x − 1)",
        "derivative": "ELU'(x) = 1 if x > 0 else ELU(x) + α",
        "range": "(−α, ∞)",
        "zero_centred": False,
        "alpha": 1.0,
    },
    "maxout": {
        "label": "Maxout",
        "formula": "Maxout(x) = max_k (w_k·x + b_k)",
        "derivative": "Maxout'(x) = w of the winning piece (the first one on ties)",
        "range": "depends on the pieces",
        "zero_centred": False,
        "alpha": None,
    },
    "gelu": {
        "label": "GELU",
        "formula": "GELU(x) = x·Φ(x), Φ the standard normal CDF",
        "derivative": "GELU'(x) = Φ(x) + x·φ(x)",
        "range": "[≈ −0.17, ∞)",
        "zero_centred": False,
        "alpha": None,
    },
    "silu": {
        "label": "SiLU / Swish",
        "formula": "SiLU(x) = x·σ(x)",
        "derivative": "SiLU'(x) = σ(x)·(1 + x·(1 − σ(x)))",
        "range": "[≈ −0.28, ∞)",
        "zero_centred": False,
        "alpha": None,
    },
    "softplus": {
        "label": "Softplus",
        "formula": "Softplus(x) = ln(1 + e^x)",
        "derivative": "Softplus'(x) = σ(x)",
        "range": "(0, ∞)",
        "zero_centred": False,
        "alpha": None,
    },
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
        raise InputError(f"maxout needs its pieces [[w, b], ...], at least {MIN_PIECES}", "pieces")
    try:
        array = np.asarray(pieces, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 2 or array.shape[1] != 2:
        raise InputError("pieces must be a list of [w, b] pairs", "pieces")
    if len(array) < MIN_PIECES:
        raise InputError(
            f"maxout needs at least {MIN_PIECES} linear pieces, got {len(array)}", "pieces"
        )
    if not np.isfinite(array).all():
        raise InputError("pieces must be finite numbers", "pieces")
    return array


def activation(name, x, alpha=None, pieces=None):
    """y = f(x), dy = f'(x) and extras, for x of any shape (float64 unless float32 came in).

    alpha applies to leaky_relu, prelu and elu (their defaults otherwise). pieces (K, 2) for
    maxout. Returns (y, dy, extras): extras["dalpha"] = ∂f/∂α for prelu (the learned parameter),
    extras["winner"] = the index of the winning piece for maxout.
    """
    if name not in FUNCTIONS:
        raise InputError(f"unknown function {name!r}: choose one of {', '.join(NAMES)}", "name")
    x = np.asarray(x)
    x = x.astype(np.result_type(x, np.float32), copy=False)
    if alpha is None:
        alpha = FUNCTIONS[name]["alpha"]
    alpha = None if alpha is None else x.dtype.type(alpha)
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
    return y.astype(x.dtype, copy=False), np.asarray(dy, dtype=x.dtype), extras


def sample(distribution, loc, scale, shape, seed):
    """Seeded draws: normal N(loc, scale²) or uniform on [loc - scale, loc + scale]."""
    if distribution not in ("normal", "uniform"):
        raise InputError(
            f"distribution must be normal or uniform, got {distribution!r}", "distribution"
        )
    if not scale >= 0:
        raise InputError(f"scale must be 0 or more, got {scale}", "scale")
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        return rng.normal(loc, scale, shape)
    return rng.uniform(loc - scale, loc + scale, shape)


def vanishing_gradients(names, depth, samples, distribution="normal", loc=0.0, scale=1.0, seed=0):
    """The product of local derivatives f'(z_1)·f'(z_2)···f'(z_k) for k = 1..depth.

    This is the factor the chain rule puts on a gradient flowing back through k layers (weights
    aside). The pre-activations z are drawn independently per layer and per sample (samples ×
    depth, seeded), the same draws for every function. Returns, per function, the mean and
    the median of the product at each depth and the fraction of samples whose product is exactly
    0 (ReLU: one inactive layer on the path stops the gradient).
    """
    z = sample(distribution, loc, scale, (samples, depth), seed)
    result = {}
    for name in names:
        if name == "maxout":
            raise InputError("the vanishing-gradient experiment takes fixed functions", "names")
        _, dy, _ = activation(name, z)
        product = np.cumprod(dy, axis=1)  # (samples, depth)
        result[name] = {
            "mean": product.mean(axis=0),
            "median": np.median(product, axis=0),
            "fraction_zero": (product == 0).mean(axis=0),
        }
    return z, result


def dead_relu(weight, bias, samples, distribution="normal", loc=0.0, scale=1.0, seed=0):
    """A ReLU unit a = max(0, w·x + b) fed with seeded inputs x.

    The unit is active on an input when z = w·x + b > 0 (its derivative is then 1, else 0). With
    a loss L whose upstream gradient dL/da is 1 on every input, averaged over the inputs:
    dL/dw = mean(1[z > 0]·x), dL/db = mean(1[z > 0]). A dead unit (active on no input) gets exactly
    zero gradient, so gradient descent can never revive it.
    """
    x = sample(distribution, loc, scale, (samples,), seed)
    z = weight * x + bias
    active = z > 0
    return {
        "x": x,
        "z": z,
        "active": active,
        "fraction_active": float(active.mean()),
        "grad_weight": float(np.mean(np.where(active, x, 0.0))),
        "grad_bias": float(active.mean()),
        "dead": not bool(active.any()),
    }
