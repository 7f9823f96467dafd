"""Grid search vs random search over (learning rate, one more hyper-parameter), same budget.

Bergstra and Bengio (2012): when one parameter matters much more than the other, a k × k grid
tries only k distinct values of it, while k² random samples try k² distinct values. Every run
(the grid's, the random ones and a dense map of final loss behind them) steps in one race().
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.core.optimizers import get_optimizer, resolve
from app.core.race import Race, race
from app.core.surfaces import Surface
from app.i18n import _, gettext


def log_space(lo: float, hi: float, n: int) -> np.ndarray:
    """n log-spaced values from lo to hi, the ends exactly lo and hi."""
    values = np.logspace(np.log10(lo), np.log10(hi), n)
    return np.clip(values, lo, hi)


def grid_side(budget: int) -> int:
    """k: the grid is k × k, and the random search gets the same k² runs."""
    return int(np.floor(np.sqrt(budget)))


def run_steps(budget: int, steps: int, resolution: int) -> int:
    """What a search costs: runs × steps, for the grid, the random samples and the map."""
    k = grid_side(budget)
    return (2 * k * k + resolution**2) * steps


@dataclass
class SearchResult:
    second: str
    grid_lr: np.ndarray  # (k², ) learning rates of the grid runs
    grid_second: np.ndarray
    grid_loss: np.ndarray  # final losses, NaN where the run diverged
    grid_diverged: list[int | None]
    random_lr: np.ndarray  # (k², )
    random_second: np.ndarray
    random_loss: np.ndarray
    random_diverged: list[int | None]
    best_grid: int | None  # index of the lowest final loss, None if every run diverged
    best_random: int | None
    best_paths: dict[str, np.ndarray]  # "grid"/"random": the best run's points (n, 2)
    map_lr: np.ndarray  # (n, ) map columns
    map_second: np.ndarray  # (n, ) map rows
    map_loss: np.ndarray | None  # (n, n) [second index][lr index], NaN where diverged
    race: Race  # runs: grid, then random, then the map row by row


def final_losses(result: Race) -> tuple[np.ndarray, list[int | None]]:
    """The last loss of each run, NaN where it diverged."""
    losses = result.losses[-1].copy()
    for r, at in enumerate(result.diverged_at):
        if at is not None:
            losses[r] = np.nan
    return losses, result.diverged_at


def best_index(losses) -> int | None:
    if np.all(np.isnan(losses)):
        return None
    return int(np.nanargmin(losses))


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
    max_run_steps: int | None = None,
) -> SearchResult:
    """k × k grid (k = ⌊√budget⌋, log-spaced learning rates, evenly spaced second parameter)
    against k² random samples (log-uniform learning rate, uniform second parameter).

    base: the optimiser's other hyper-parameters. resolution > 0 adds a resolution² map.
    max_run_steps: refuse, before any work, a search that would cost more runs × steps.
    """
    cost = run_steps(budget, steps, resolution)
    k = grid_side(budget)
    if max_run_steps is not None and cost > max_run_steps:
        raise InputError(
            _(
                "this search would take {cost:,} run-steps ((2·{k}² + "
                "{resolution}²) × {steps}); the limit is {max_run_steps:,}: "
                "lower the budget, the steps or the map resolution"
            ).format(
                cost=cost, k=k, resolution=resolution, steps=steps, max_run_steps=max_run_steps
            ),
            "steps",
        )
    optimizer = get_optimizer(name, "optimizer")
    second = second or optimizer.search_second
    if second is None or second == "lr" or second not in optimizer.params:
        others = [p for p in optimizer.params if p != "lr"]
        if others:
            message = _(
                "{label} has no second parameter to search named {second!r}; choose one of {others}"
            )
        else:
            message = _("{label} has no second parameter to search")
        raise InputError(
            message.format(label=gettext(optimizer.label), second=second, others=", ".join(others)),
            "second",
        )
    spec = optimizer.params[second]
    lo, hi = lr_range
    if not 0 < lo < hi:
        raise InputError(_("lr_range must be [low, high] with 0 < low < high"), "lr_range")
    s_lo, s_hi = second_range if second_range is not None else (spec.low, spec.high)
    if not spec.low <= s_lo < s_hi <= spec.high:
        raise InputError(
            _("second_range for {second} must satisfy {low:g} <= low < high <= {high:g}").format(
                second=second, low=spec.low, high=spec.high
            ),
            "second_range",
        )
    base = dict(base or {})
    base.pop("lr", None)
    base.pop(second, None)
    resolve(name, base, "base")

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
        resolve(name, {**base, "lr": float(a), second: float(b)}, "search")
        for a, b in zip(lrs, seconds, strict=True)
    ]
    result = race(surface, start, [name] * len(params), params, steps, internals=False)
    losses, diverged = final_losses(result)
    best_grid, best_random = best_index(losses[:n]), best_index(losses[n : 2 * n])
    paths = {}
    for method, best, offset in (("grid", best_grid, 0), ("random", best_random, n)):
        if best is not None:
            r = offset + best
            paths[method] = result.points[: result.length(r), r]
    return SearchResult(
        second=second,
        grid_lr=g_lr.ravel(),
        grid_second=g_s.ravel(),
        grid_loss=losses[:n],
        grid_diverged=diverged[:n],
        random_lr=r_lr,
        random_second=r_s,
        random_loss=losses[n : 2 * n],
        random_diverged=diverged[n : 2 * n],
        best_grid=best_grid,
        best_random=best_random,
        best_paths=paths,
        map_lr=m_lr,
        map_second=m_s,
        map_loss=losses[2 * n :].reshape(resolution, resolution) if resolution else None,
        race=result,
    )
