"""Weight initialisation and what it does to the activations of a deep fully connected network.

init_weights(scheme, fan_in, fan_out, rng) -> W (fan_in, fan_out), the schemes of the lecture:
  small   W = 0.01·randn          fine for small networks, collapses deep ones
  large   W = randn               too big: tanh units saturate at ±1 and their gradients vanish
  zeros   W = 0                   every unit computes the same thing (symmetry is never broken)
  xavier  W = randn / √fan_in     Var(W) = 1/n keeps Var(z) ≈ Var(x) for tanh ("calibrate 1/√n")
  he      W = randn · √(2/fan_in) ReLU zeroes half its inputs, so it needs twice the variance

layer_statistics forwards a seeded random batch (batch, width) through `layers` layers
h_k = f(h_{k-1} @ W_k), no biases, and records per layer the mean, std and a histogram of h_k:
the classic CS231n demonstration (10 layers of 500 tanh units).
"""

from __future__ import annotations

import numpy as np

from app.core.errors import InputError

SCHEMES = {
    "small": "W = 0.01·randn(n_in, n_out)",
    "large": "W = randn(n_in, n_out)",
    "zeros": "W = 0",
    "xavier": "W = randn(n_in, n_out) / √n_in",
    "he": "W = randn(n_in, n_out) · √(2 / n_in)",
}
# Short names for menus and legends.
LABELS = {
    "small": "0.01·randn",
    "large": "randn",
    "zeros": "zeros",
    "xavier": "Xavier 1/√n",
    "he": "He √(2/n)",
}
ACTIVATIONS = ("tanh", "relu")
MAX_LAYERS = 20
MAX_WIDTH = 1000
MAX_BATCH = 1000
# Multiply-adds allowed per request: layers · batch · width² (the default 10·500·500² = 1.25e9).
MAX_WORK = 2_500_000_000
BINS = 40
# Fixed histogram ranges: tanh lives in (−1, 1); ReLU outputs beyond 4 are counted in the last bin.
HIST_RANGE = {"tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}


def weight_std(scheme: str, fan_in: int) -> float:
    """The standard deviation each scheme gives the weights."""
    return {
        "small": 0.01,
        "large": 1.0,
        "zeros": 0.0,
        "xavier": 1 / np.sqrt(fan_in),
        "he": np.sqrt(2 / fan_in),
    }[scheme]


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W (fan_in, fan_out) drawn by the scheme; rng is a numpy Generator (seeded by the caller)."""
    if scheme not in SCHEMES:
        raise InputError(f"unknown scheme {scheme!r}: choose one of {', '.join(SCHEMES)}", "scheme")
    if fan_in < 1 or fan_out < 1:
        raise InputError(f"fan_in and fan_out must be at least 1, got {fan_in}, {fan_out}", "width")
    if scheme == "zeros":
        return np.zeros((fan_in, fan_out))
    return rng.standard_normal((fan_in, fan_out)) * weight_std(scheme, fan_in)


def check_work(layers: int, width: int, batch: int) -> None:
    if not 1 <= layers <= MAX_LAYERS:
        raise InputError(f"layers must be 1 to {MAX_LAYERS}, got {layers}", "layers")
    if not 1 <= width <= MAX_WIDTH:
        raise InputError(f"width must be 1 to {MAX_WIDTH}, got {width}", "width")
    if not 1 <= batch <= MAX_BATCH:
        raise InputError(f"batch must be 1 to {MAX_BATCH}, got {batch}", "batch")
    work = layers * batch * width * width
    if work > MAX_WORK:
        raise InputError(
            f"layers · batch · width² = {work:,} multiply-adds is over the limit of {MAX_WORK:,}: "
            "use fewer layers, a smaller batch or narrower layers",
            "width",
        )


def layer_statistics(scheme, activation, layers=10, width=500, batch=500, seed=0):
    """Forward x ~ N(0, 1) of shape (batch, width) through `layers` layers h = f(h @ W).

    Returns a dict: weight_std, bin_edges (BINS + 1,), input {mean, std}, and per layer k = 1..L
    the mean and std of h_k over every unit and sample, histogram (BINS,) as fractions of the
    batch · width values (values outside the fixed range are counted in the end bins),
    unit_spread = the mean over samples of the std across units (0 when every unit of the layer
    computes the same value, as with zero weights) and saturated = the share with |h| > 0.99
    (tanh only; None for ReLU).
    """
    if activation not in ACTIVATIONS:
        raise InputError(
            f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}",
            "activation",
        )
    if scheme not in SCHEMES:
        raise InputError(f"unknown scheme {scheme!r}: choose one of {', '.join(SCHEMES)}", "scheme")
    check_work(layers, width, batch)
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    lo, hi = HIST_RANGE[activation]
    edges = np.linspace(lo, hi, BINS + 1)
    f = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0))
    result = {
        "weight_std": float(weight_std(scheme, width)),
        "bin_edges": edges,
        "input": {"mean": float(h.mean()), "std": float(h.std())},
        "layers": [],
    }
    for _ in range(layers):
        w = init_weights(scheme, width, width, rng)
        h = f(h @ w)
        counts, _ = np.histogram(np.clip(h, lo, hi), bins=edges)
        result["layers"].append(
            {
                "mean": float(h.mean()),
                "std": float(h.std()),
                "histogram": counts / h.size,
                "unit_spread": float(h.std(axis=1).mean()),
                "saturated": float((np.abs(h) > 0.99).mean()) if activation == "tanh" else None,
            }
        )
    return result
