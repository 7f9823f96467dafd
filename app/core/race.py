"""Race R optimisers on a 2-D surface: every run from the same start, one loop over the steps.

Each run steps its optimiser's rule (app.core.optimizers) on each coordinate. A race of up to
FLOAT_MAX_RUNS runs steps Python floats, run by run: NumPy's per-call cost (about 1 µs) would
dominate arrays of two numbers. More runs (a hyper-parameter search) step as one (R,) array per
coordinate and optimiser, with per-run hyper-parameters. Either way the same loop calls the same
rule; the two number types round alike except in pow (1 ulp on some CPUs), so tests compare them
with a tolerance.

Divergence is data: a run whose point leaves |coordinate| <= MAX_COORD, whose loss leaves
|f| <= MAX_LOSS, or whose point, loss or state stops being finite, stops at that step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.core.optimizers import Optimizer, get_optimizer, hyper, quantities
from app.core.schedules import lr_schedule
from app.core.surfaces import Surface
from app.i18n import gettext

# "Runaway": past these a run has left any plotted domain by orders of magnitude.
MAX_COORD = 1e6
MAX_LOSS = 1e12
# Up to this many runs, a race steps Python floats run by run instead of arrays of runs.
FLOAT_MAX_RUNS = 8


@dataclass
class Race:
    """Trajectories of R runs over T steps (arrays keep every step, even after divergence).

    points (T + 1, R, 2), losses (T + 1, R), lr (T, R): the learning rate of each step.
    diverged_at[r]: the first step whose point, loss or state is non-finite or runaway, or None.
    internals[r] (when asked): each quantity of optimizers.quantities() over the T steps,
    (T, 2) per coordinate or (T,) per step.
    """

    names: list[str]
    params: list[dict]
    points: np.ndarray
    losses: np.ndarray
    lr: np.ndarray
    diverged_at: list[int | None]
    internals: list[dict[str, np.ndarray]] | None = None

    def length(self, r: int) -> int:
        """Number of points run r keeps: T + 1, or diverged_at (the last finite point is kept)."""
        at = self.diverged_at[r]
        return self.points.shape[0] if at is None else at


@dataclass
class Block:
    """Runs of one optimiser stepped together: one run as floats, or R runs as (R,) arrays.

    x[k] and state[k] are coordinate k's parameters and state. The histories hold, per
    coordinate k, each step's point, and for internals its gradient and each piece of state.
    Only numbers (or arrays) are kept, never a container per step: those made the cyclic
    garbage collector run during the loop (30 ms became 35-60 ms for six runs of 2000 steps).
    """

    optimizer: Optimizer
    runs: list[int]
    hp: dict
    rates: list | np.ndarray  # the learning rate of each step: floats, or (T, R) rows
    x: list
    state: list
    points: tuple = ()  # ([x0, x1, ...], [y0, y1, ...])
    grads: tuple = ()  # ([gx1, ...], [gy1, ...])
    states: tuple = ()  # ({name: [value after step 1, ...]}, {...}) for x and y
    failed_at: int | None = None

    def __post_init__(self):
        self.points = ([self.x[0]], [self.x[1]])
        self.grads = ([], [])
        self.states = tuple({name: [] for name in self.optimizer.state} for _ in range(2))

    @property
    def steps_kept(self) -> int:
        return len(self.grads[0])


def check_start(surface: Surface, start) -> np.ndarray:
    start = np.asarray(start, dtype=np.float64)
    with np.errstate(all="ignore"):
        loss = surface.f(start[..., 0], start[..., 1])
    if not np.all(np.isfinite(start)) or np.any(np.abs(start) > MAX_COORD):
        raise InputError(
            gettext("the start must be finite and within ±{MAX_COORD:g}").format(
                MAX_COORD=MAX_COORD
            ),
            "start",
        )
    if not np.all(np.isfinite(loss)):
        raise InputError(
            gettext(
                "f is not a number at the start (a division by zero, a log or "
                "square root of a negative number, or an overflow there); pick a "
                "start where f is finite"
            ),
            "start",
        )
    if np.any(np.abs(loss) > MAX_LOSS):
        raise InputError(
            gettext(
                "the start is too far out: f there is beyond ±{MAX_LOSS:g}; pick "
                "a point nearer the plotted domain {value}"
            ).format(MAX_LOSS=MAX_LOSS, value=list(map(list, surface.domain))),
            "start",
        )
    return start


def make_blocks(names, params, start, rates, floats: bool) -> list[Block]:
    """One block per run (floats), or one per optimiser with its runs' parameters as arrays."""
    start = np.broadcast_to(start, (len(names), 2))
    groups: dict[str, list[int]] = {}
    for r, name in enumerate(names):
        groups.setdefault(name, []).append(r)
    blocks = []
    for name, runs in groups.items():
        optimizer = get_optimizer(name)
        chunks = [[r] for r in runs] if floats else [runs]
        for chunk in chunks:
            if floats:
                (r,) = chunk
                hp = hyper(params[r])
                x = [float(start[r, 0]), float(start[r, 1])]
                block_rates = rates[:, r].tolist()
            else:
                keys = hyper(params[chunk[0]])
                hp = {key: np.array([params[r][key] for r in chunk]) for key in keys}
                x = [start[chunk, 0].copy(), start[chunk, 1].copy()]
                block_rates = rates[:, chunk]
            state = [optimizer.zero_state(x[0]), optimizer.zero_state(x[1])]
            blocks.append(Block(optimizer, chunk, hp, block_rates, x, state))
    return blocks


def run_block(block: Block, surface: Surface, T: int, noise, sqrt, keep: bool) -> None:
    """Step every run of the block T times (runs are independent, so block by block)."""
    optimizer, hp, rule, rates = block.optimizer, block.hp, block.optimizer.rule, block.rates
    ahead, grad, names = optimizer.lookahead, surface.grad, optimizer.state
    (x, y), (sx, sy) = block.x, block.state
    (xs, ys), (gxs, gys), (hx, hy) = block.points, block.grads, block.states
    try:
        for i in range(T):
            if ahead is None:
                gx, gy = grad(x, y)
            else:
                gx, gy = grad(ahead(x, sx, hp), ahead(y, sy, hp))
            if noise is not None:
                gx, gy = gx + noise[i][0], gy + noise[i][1]
            x, sx, _ = rule(x, gx, sx, i + 1, rates[i], hp, sqrt)
            y, sy, _ = rule(y, gy, sy, i + 1, rates[i], hp, sqrt)
            xs.append(x)
            ys.append(y)
            if keep:
                gxs.append(gx)
                gys.append(gy)
                for name in names:
                    hx[name].append(sx[name])
                    hy[name].append(sy[name])
    except (ArithmeticError, ValueError):  # floats raise where NumPy gives inf or nan
        block.failed_at = len(xs)
        n = len(xs) - 1  # the steps that finished
        for history in (gxs, gys, *hx.values(), *hy.values()):
            del history[n:]


def explain(block: Block, points: np.ndarray, rates: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Each run's quantities over all T steps, from the rule itself, vectorised over the steps.

    The rule is element-wise and pure, so one call on the recorded histories (x_t, g_t, the
    state before step t, t, α_t) gives every step's numbers at once. points (T + 1, R, 2) and
    rates (T, R) are the block's runs only.
    """
    optimizer = block.optimizer
    T = block.steps_kept
    t = np.arange(1, T + 1)
    per_coordinate = []
    with np.errstate(all="ignore"):
        for k in range(2):
            x = points[:-1, :, k]
            g = np.array(block.grads[k], dtype=np.float64).reshape(x.shape)
            before = {}
            for name, history in block.states[k].items():
                after = np.array(history, dtype=np.float64).reshape(x.shape)
                before[name] = np.concatenate([np.zeros_like(after[:1]), after[:-1]])
            hp = block.hp
            tt = t[:, None]
            _, _, shown = optimizer.rule(x, g, before, tt, rates, hp, np.sqrt, explain=True)
            shown = {key: np.broadcast_to(value, x.shape) for key, value in shown.items()}
            shown["grad"] = g
            shown["lr"] = rates
            if optimizer.lookahead is not None:
                shown["lookahead"] = optimizer.lookahead(x, before, hp)
            shown["update"] = points[1:, :, k] - x
            per_coordinate.append(shown)
    runs = []
    for j in range(len(block.runs)):
        run = {}
        for quantity in quantities(optimizer):
            first = per_coordinate[0][quantity.name][:, j]
            if quantity.kind == "number":
                run[quantity.name] = first.copy()
            else:
                run[quantity.name] = np.stack([first, per_coordinate[1][quantity.name][:, j]], 1)
        runs.append(run)
    return runs


def race(
    surface: Surface,
    start,
    names: list[str],
    params: list[dict],
    steps: int,
    noise_std: float = 0.0,
    seed: int = 0,
    internals: bool = True,
    schedule: dict | None = None,
    floats: bool | None = None,
) -> Race:
    """Run R optimisers from start (2,) or (R, 2) for `steps` steps.

    names[r] and params[r] (already resolved, optimizers.resolve) describe run r. Gradient
    noise: every run sees the same sequence g + σ·N(0, 1) (one draw per step and coordinate
    from seed), so a race stays fair. With internals=False only points and losses are kept
    (the search's many runs). schedule: lr_schedule's keyword arguments (kind, step_size,
    gamma, t_max, eta_min); every run's learning rate follows it (Nesterov in the lecture's
    form, v ← ρ·v − α_t·g, which equals PyTorch's only while α is constant).
    floats: step Python floats run by run (default up to FLOAT_MAX_RUNS runs) or arrays.
    """
    R, T = len(names), steps
    start = check_start(surface, start)
    rates = lr_schedule([p["lr"] for p in params], T, **(schedule or {}))  # (T, R)
    floats = R <= FLOAT_MAX_RUNS if floats is None else floats
    blocks = make_blocks(names, params, start, rates, floats)
    noise = None
    if noise_std > 0.0:
        noise = noise_std * np.random.default_rng(seed).standard_normal((T, 2))
        noise = noise.tolist() if floats else noise
    sqrt = math.sqrt if floats else np.sqrt

    with np.errstate(all="ignore"):  # a diverging run overflows: divergence is data
        for block in blocks:
            run_block(block, surface, T, noise, sqrt, internals)

    points = np.full((T + 1, R, 2), np.nan)
    for block in blocks:
        for k in range(2):
            kept = np.array(block.points[k], dtype=np.float64).reshape(len(block.points[k]), -1)
            points[: len(kept), block.runs, k] = kept
    with np.errstate(all="ignore"):
        losses = surface.f(points[..., 0], points[..., 1])
        bad = ~np.isfinite(losses) | (np.abs(losses) > MAX_LOSS)
        bad |= ~np.all(np.isfinite(points), axis=2) | np.any(np.abs(points) > MAX_COORD, axis=2)

    result_internals = None
    if internals:
        result_internals = [None] * R
        for block in blocks:
            n = block.steps_kept
            if n == 0:  # failed at the first step
                empty = {"pair": (0, 2), "number": (0,)}
                shown = quantities(block.optimizer)
                runs = [{q.name: np.empty(empty[q.kind]) for q in shown} for _ in block.runs]
            else:
                cols = block.runs
                runs = explain(block, points[: n + 1, cols], rates[:n, cols])
            for r, run in zip(block.runs, runs, strict=True):
                for value in run.values():  # a non-finite state or gradient is divergence too
                    finite = np.isfinite(value) if value.ndim == 1 else np.isfinite(value).all(1)
                    bad[1 : len(value) + 1, r] |= ~finite
                result_internals[r] = run

    any_bad = bad.any(axis=0)
    first_bad = bad.argmax(axis=0)
    diverged_at = [int(first_bad[r]) if any_bad[r] else None for r in range(R)]
    return Race(list(names), list(params), points, losses, rates, diverged_at, result_internals)


def run_internals(result: Race, r: int) -> dict[str, np.ndarray]:
    """Run r's per-step quantities, cut where it diverged: n = points kept − 1 steps."""
    n = result.length(r) - 1
    return {name: value[:n] for name, value in result.internals[r].items()}
