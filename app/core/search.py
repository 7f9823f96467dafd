"""Grid search vs random search over (learning rate, one more hyper-parameter), same budget.

Bergstra and Bengio (2012): when one parameter matters much more than the other, a k × k grid
tries only k distinct values of it, while k² random samples try k² distinct values. Every run
(the grid's, the random ones and a dense map of final loss behind them) steps in one race().
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core import optim
from app.core.errors import InputError
from app.core.surfaces import Surface

# The parameter a search pairs with the learning rate when none is named.
SECOND_PARAM = {
    "sgd": None,
    "momentum": "rho",
    "nesterov": "rho",
    "adagrad": "eps",
    "rmsprop": "decay",
    "adam": "beta1",
    "adamw": "beta1",
}


def log_space(lo: float, hi: float, n: int) -> np.ndarray:
    """n log-spaced values from lo to hi, the ends exactly lo and hi."""
    values = np.logspace(np.log10(lo), np.log10(hi), n)
    return np.clip(values, lo, hi)


@dataclass
class SearchResult:
    second: str
    grid_lr: np.ndarray  # (k², ) learning rates of the grid runs
    grid_second: np.ndarray
    random_lr: np.ndarray  # (k², )
    random_second: np.ndarray
    map_lr: np.ndarray  # (n, ) map columns
    map_second: np.ndarray  # (n, ) map rows
    race: optim.Race  # runs: grid, then random, then the map row by row


def final_losses(race: optim.Race) -> tuple[np.ndarray, list[int | None]]:
    """The last loss of each run, NaN where it diverged."""
    losses = race.losses[-1].copy()
    for r, at in enumerate(race.diverged_at):
        if at is not None:
            losses[r] = np.nan
    return losses, race.diverged_at


def grid_vs_random(
    surface: Surface,
    start,
    name: str,
    lr_range: tuple[float, float],
    second: str | None,
    second_range: tuple[float, float] | None,
    budget: int,
    steps: int,
    seed: int = 0,
    resolution: int = 0,
    base: dict | None = None,
) -> SearchResult:
    """k × k grid (k = ⌊√budget⌋, log-spaced learning rates, evenly spaced second parameter)
    against k² random samples (log-uniform learning rate, uniform second parameter).

    base: the optimiser's other hyper-parameters. resolution > 0 adds a resolution² map.
    """
    optimizer = optim.get_optimizer(name, "optimizer")
    second = second or SECOND_PARAM[name]
    if second is None or second == "lr" or second not in optimizer.params:
        others = [p for p in optimizer.params if p != "lr"]
        raise InputError(
            f"{optimizer.label} has no second parameter to search"
            + (f" named {second!r}; choose one of {', '.join(others)}" if others else ""),
            "second",
        )
    spec = optimizer.params[second]
    lo, hi = lr_range
    if not 0 < lo < hi:
        raise InputError("lr_range must be [low, high] with 0 < low < high", "lr_range")
    s_lo, s_hi = second_range if second_range is not None else (spec.low, spec.high)
    if not spec.low <= s_lo < s_hi <= spec.high:
        raise InputError(
            f"second_range for {second} must satisfy {spec.low:g} <= low < high <= {spec.high:g}",
            "second_range",
        )
    base = dict(base or {})
    base.pop("lr", None)
    base.pop(second, None)
    optim.resolve(name, base, "base")

    k = int(np.floor(np.sqrt(budget)))
    n = k * k
    log_lo, log_hi = np.log10(lo), np.log10(hi)
    g_lr, g_s = np.meshgrid(log_space(lo, hi, k), np.linspace(s_lo, s_hi, k))
    rng = np.random.default_rng(seed)
    r_lr = np.clip(10.0 ** rng.uniform(log_lo, log_hi, n), lo, hi)
    r_s = rng.uniform(s_lo, s_hi, n)
    m_lr = log_space(lo, hi, resolution) if resolution else np.empty(0)
    m_s = np.linspace(s_lo, s_hi, resolution) if resolution else np.empty(0)
    mm_lr, mm_s = np.meshgrid(m_lr, m_s)

    lrs = np.concatenate([g_lr.ravel(), r_lr, mm_lr.ravel()])
    seconds = np.concatenate([g_s.ravel(), r_s, mm_s.ravel()])
    params = [
        optim.resolve(name, {**base, "lr": float(a), second: float(b)}, "search")
        for a, b in zip(lrs, seconds, strict=True)
    ]
    race = optim.race(surface, start, [name] * len(params), params, steps, internals=False)
    return SearchResult(second, g_lr.ravel(), g_s.ravel(), r_lr, r_s, m_lr, m_s, race)
