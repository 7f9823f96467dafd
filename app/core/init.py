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

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.i18n import N_, gettext


@dataclass(frozen=True)
class Scheme:
    """A way to draw W: a stable name, labels in English and Chinese, the formula, and the
    standard deviation it gives the weights as a function of fan_in."""

    name: str
    label: str
    label_zh: str
    formula: str
    std: Callable[[int], float]


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme(
            "small",
            N_("0.01·randn"),
            "小随机数 0.01·randn",
            "W = 0.01·randn(n_in, n_out)",
            lambda n: 0.01,
        ),
        Scheme("large", N_("randn"), "大随机数 randn", "W = randn(n_in, n_out)", lambda n: 1.0),
        Scheme("zeros", N_("zeros"), "全零", "W = 0", lambda n: 0.0),
        Scheme(
            "xavier",
            N_("Xavier 1/√n"),
            "Xavier 初始化 1/√n",
            "W = randn(n_in, n_out) / √n_in",
            lambda n: 1 / math.sqrt(n),
        ),
        Scheme(
            "he",
            N_("He √(2/n)"),
            "He (Kaiming) 初始化 √(2/n)",
            "W = randn(n_in, n_out) · √(2 / n_in)",
            lambda n: math.sqrt(2 / n),
        ),
    )
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


def check_scheme(scheme: str) -> Scheme:
    if scheme not in SCHEMES:
        raise InputError(
            gettext("unknown scheme {scheme!r}: choose one of {value}").format(
                scheme=scheme, value=", ".join(SCHEMES)
            ),
            "scheme",
        )
    return SCHEMES[scheme]


def weight_std(scheme: str, fan_in: int) -> float:
    """The standard deviation the scheme gives the weights."""
    return check_scheme(scheme).std(fan_in)


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W (fan_in, fan_out) drawn by the scheme; rng is a numpy Generator (seeded by the caller)."""
    chosen = check_scheme(scheme)
    if fan_in < 1 or fan_out < 1:
        raise InputError(
            gettext("fan_in and fan_out must be at least 1, got {fan_in}, {fan_out}").format(
                fan_in=fan_in, fan_out=fan_out
            ),
            "width",
        )
    std = chosen.std(fan_in)
    if std == 0:
        return np.zeros((fan_in, fan_out))
    return rng.standard_normal((fan_in, fan_out)) * std


def check_work(layers: int, width: int, batch: int) -> None:
    if not 1 <= layers <= MAX_LAYERS:
        raise InputError(
            gettext("layers must be 1 to {MAX_LAYERS}, got {layers}").format(
                MAX_LAYERS=MAX_LAYERS, layers=layers
            ),
            "layers",
        )
    if not 1 <= width <= MAX_WIDTH:
        raise InputError(
            gettext("width must be 1 to {MAX_WIDTH}, got {width}").format(
                MAX_WIDTH=MAX_WIDTH, width=width
            ),
            "width",
        )
    if not 1 <= batch <= MAX_BATCH:
        raise InputError(
            gettext("batch must be 1 to {MAX_BATCH}, got {batch}").format(
                MAX_BATCH=MAX_BATCH, batch=batch
            ),
            "batch",
        )
    work = layers * batch * width * width
    if work > MAX_WORK:
        raise InputError(
            gettext(
                "layers · batch · width² = {work:,} multiply-adds is over the "
                "limit of {MAX_WORK:,}: use fewer layers, a smaller batch or "
                "narrower layers"
            ).format(work=work, MAX_WORK=MAX_WORK),
            "width",
        )


@dataclass(frozen=True)
class LayerStats:
    """The activations h_k of one layer (k = 1 is the first hidden layer)."""

    layer: int
    mean: float
    std: float
    histogram: np.ndarray  # (BINS,) shares of the batch · width values, summing to 1
    unit_spread: float  # mean over samples of the std across units: 0 if all units agree
    saturated: float | None  # tanh: share with |h| > 0.99; None for ReLU


@dataclass(frozen=True)
class InitLesson:
    scheme: Scheme
    weight_std: float
    bin_edges: np.ndarray  # (BINS + 1,)
    input_mean: float
    input_std: float
    layers: list[LayerStats]


def layer_statistics(scheme, activation, layers=10, width=500, batch=500, seed=0) -> InitLesson:
    """Forward x ~ N(0, 1) of shape (batch, width) through `layers` layers h = f(h @ W).

    Per layer, the mean and std of h_k over every unit and sample, its histogram on fixed bins
    (values outside the range are counted in the end bins), the spread across units and, for
    tanh, the share of saturated values (see LayerStats).
    """
    if activation not in ACTIVATIONS:
        raise InputError(
            gettext("unknown activation {activation!r}: choose one of {value}").format(
                activation=activation, value=", ".join(ACTIVATIONS)
            ),
            "activation",
        )
    chosen = check_scheme(scheme)
    check_work(layers, width, batch)
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    lo, hi = HIST_RANGE[activation]
    edges = np.linspace(lo, hi, BINS + 1)
    f = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0))
    input_mean, input_std = float(h.mean()), float(h.std())
    stats = []
    for k in range(1, layers + 1):
        w = init_weights(scheme, width, width, rng)
        h = f(h @ w)
        counts, _ = np.histogram(np.clip(h, lo, hi), bins=edges)
        stats.append(
            LayerStats(
                layer=k,
                mean=float(h.mean()),
                std=float(h.std()),
                histogram=counts / h.size,
                unit_spread=float(h.std(axis=1).mean()),
                saturated=float((np.abs(h) > 0.99).mean()) if activation == "tanh" else None,
            )
        )
    return InitLesson(
        scheme=chosen,
        weight_std=float(chosen.std(width)),
        bin_edges=edges,
        input_mean=input_mean,
        input_std=input_std,
        layers=stats,
    )
