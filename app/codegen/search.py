"""Programs for /api/optimize/search: grid search against random search, the same budget.

Every run of the search (the k × k grid, the k² random samples, the final-loss map) is one
optimiser with its own learning rate and second hyper-parameter, so the programs step all of
them at once, as the app does: the point is a (2, R) array of R runs, the rates (R,) arrays.
The update rules are the race's (app.codegen.optimize.NUMPY_RULES, element by element); the
PyTorch program writes the same rules in torch, because torch.optim takes one learning rate per
parameter group and a thousand groups would step a thousand times slower. The random samples
are NumPy's seeded draws: the NumPy program draws them again, the PyTorch program holds them.
"""

from __future__ import annotations

import numpy as np

from app.codegen import expression as expression_code
from app.codegen.optimize import NUMPY_RULES, RUNAWAY, builtin_source, to_torch
from app.codegen.printer import Programs, integer, nested, number, program
from app.core import surfaces
from app.core.optimizers import get_optimizer, resolve
from app.schemas.optim import SearchRequest

PRINTS = ("grid", "random", "best_grid", "best_random", "best_paths", "map")


def surface_code(request: SearchRequest, lib: str) -> tuple[str, str]:
    if isinstance(request.surface, str):
        surface = surfaces.get_surface(request.surface)
        title = f"The surface: {surface.label}, f and its gradient as cnnlab's core writes them."
        return title, builtin_source(surface, lib)
    built = surfaces.custom_surface(request.surface.expression, request.surface.domain).expression
    return "Your f(x, y), and its gradient as cnnlab's core derives it.", (
        expression_code.surface_source(built, lib)
    )


def settings(request: SearchRequest, second: str) -> dict:
    """The numbers the search runs with, as the core resolves them (app.core.search)."""
    optimizer = get_optimizer(request.optimizer)
    spec = optimizer.params[second]
    s_lo, s_hi = request.second_range or (spec.low, spec.high)
    base = dict(request.base.params() if request.base else {})
    base.pop("lr", None)
    base.pop(second, None)
    hp = resolve(request.optimizer, {**base, "lr": 1.0, second: float(s_lo)}, "base")
    others = ", ".join(
        f"{key}={number(value)}" for key, value in hp.items() if key not in ("lr", second)
    )
    return {
        "lo": number(request.lr_range[0]),
        "hi": number(request.lr_range[1]),
        "s_lo": number(s_lo),
        "s_hi": number(s_hi),
        "k": integer(int(np.floor(np.sqrt(request.budget)))),
        "resolution": integer(request.map_resolution),
        "call": f"{request.optimizer}(p, t, state, lrs, {second}=seconds"
        + (f", {others})" if others else ")"),
    }


# The search's settings, the same in both programs.
SETTINGS = """
# {title}
{surface}


start = [{x0}, {y0}]
steps = {steps}
{runaway}
lo, hi = {lo}, {hi}  # learning rates, searched on a log scale
s_lo, s_hi = {s_lo}, {s_hi}  # the second hyper-parameter, {second}, on a linear scale
k = {k}  # the grid is k × k; the random search gets the same k² runs
resolution = {resolution}  # the final-loss map behind them: resolution² runs (0: none)
"""

NUMPY = (
    """
np.seterr(all="ignore")  # a diverging run overflows: that is data, not an error
"""
    + SETTINGS
    + """

def log_space(lo, hi, n):
    \"\"\"n log-spaced values from lo to hi, the ends exactly lo and hi.\"\"\"
    return np.clip(np.logspace(np.log10(lo), np.log10(hi), n), lo, hi)


# The runs: the grid, then the random samples, then the map row by row.
grid_lr, grid_second = np.meshgrid(log_space(lo, hi, k), np.linspace(s_lo, s_hi, k))
rng = np.random.default_rng({seed})
random_lr = np.clip(10.0 ** rng.uniform(np.log10(lo), np.log10(hi), k * k), lo, hi)
random_second = rng.uniform(s_lo, s_hi, k * k)
map_lr, map_second = log_space(lo, hi, resolution), np.linspace(s_lo, s_hi, resolution)
lrs = np.concatenate([grid_lr.ravel(), random_lr, np.tile(map_lr, resolution)])
seconds = np.concatenate([grid_second.ravel(), random_second, np.repeat(map_second, resolution)])
runs = len(lrs)


def gradient(p, t):
    \"\"\"∇f at every run's point p (2, runs).\"\"\"
    gx, gy = grad(p[0], p[1])
    return np.stack(np.broadcast_arrays(gx, gy, p[0])[:2])


{rule}


# Every run steps at once; a run diverges at the first step whose point or loss is not finite
# or runs away (|coordinate| > 1e6 or |f| > 1e12), and its final loss is then undefined.
p, state = np.tile(np.array(start)[:, None], (1, runs)), {{}}
points, diverged_at, alive = [p], [None] * runs, np.ones(runs, dtype=bool)
for t in range(1, steps + 1):
    p, g = {call}
    loss = np.broadcast_to(f(p[0], p[1]), (runs,))
    bad = ~(np.all(np.isfinite(p), axis=0) & np.isfinite(loss))
    bad |= (np.max(np.abs(p), axis=0) > max_coordinate) | (np.abs(loss) > max_loss)
    for r in np.flatnonzero(bad & alive):
        diverged_at[r] = t
    alive &= ~bad
    points.append(p)
final = np.where(alive, loss, np.nan)


def samples(first, lr, second):
    return [
        {{
            "lr": float(a),
            "second": float(b),
            "final_loss": None if np.isnan(final[first + i]) else float(final[first + i]),
            "diverged_at": diverged_at[first + i],
        }}
        for i, (a, b) in enumerate(zip(lr.ravel(), second.ravel()))
    ]


def best(first):
    losses = final[first : first + k * k]
    return None if np.all(np.isnan(losses)) else int(np.nanargmin(losses))


best_grid, best_random = best(0), best(k * k)
best_paths = {{
    method: [[float(q[0, offset + b]), float(q[1, offset + b])] for q in points]
    for method, b, offset in (("grid", best_grid, 0), ("random", best_random, k * k))
    if b is not None
}}
{map_block}
print(json.dumps({{
    "grid": samples(0, grid_lr, grid_second),
    "random": samples(k * k, random_lr, random_second),
    "best_grid": best_grid,
    "best_random": best_random,
    "best_paths": best_paths,
    "map": search_map,
}}))
"""
)

NUMPY_MAP = """final_map = final[2 * k * k :].reshape(resolution, resolution)  # [second][lr]
search_map = {
    "lrs": map_lr.tolist(),
    "seconds": map_second.tolist(),
    "final_loss": [[None if np.isnan(v) else float(v) for v in row] for row in final_map],
}"""

TORCH = (
    """
torch.set_default_dtype(torch.float64)
"""
    + SETTINGS
    + """

def log_space(lo, hi, n):
    \"\"\"n log-spaced values from lo to hi, the ends exactly lo and hi.\"\"\"
    return torch.logspace(math.log10(lo), math.log10(hi), n).clamp(lo, hi)


# The runs: the grid, then the random samples, then the map row by row.
grid_lr, grid_second = torch.meshgrid(
    log_space(lo, hi, k), torch.linspace(s_lo, s_hi, k), indexing="xy"
)
# The random samples: cnnlab's draws (NumPy's generator, seed {seed}), log-uniform rates and
# uniform {second}; torch cannot repeat NumPy's generator.
{random_lr}
{random_second}
map_lr, map_second = log_space(lo, hi, resolution), torch.linspace(s_lo, s_hi, resolution)
lrs = torch.cat([grid_lr.ravel(), random_lr, map_lr.repeat(resolution)])
seconds = torch.cat([grid_second.ravel(), random_second, map_second.repeat_interleave(resolution)])
runs = len(lrs)


def gradient(p, t):
    \"\"\"∇f at every run's point p (2, runs). torch.optim takes one learning rate per parameter
    group: the rule below is torch.optim's update written out for a rate per run.\"\"\"
    gx, gy = grad(p[0], p[1])
    gx, gy = torch.as_tensor(gx), torch.as_tensor(gy)
    return torch.stack(torch.broadcast_tensors(gx, gy, p[0])[:2])


{rule}


# Every run steps at once; a run diverges at the first step whose point or loss is not finite
# or runs away (|coordinate| > 1e6 or |f| > 1e12), and its final loss is then undefined.
p, state = torch.tensor(start)[:, None].repeat(1, runs), {{}}
points, diverged_at, alive = [p], [None] * runs, torch.ones(runs, dtype=torch.bool)
for t in range(1, steps + 1):
    p, g = {call}
    loss = torch.as_tensor(f(p[0], p[1])).expand(runs)
    bad = ~(torch.isfinite(p).all(dim=0) & torch.isfinite(loss))
    bad |= (p.abs().amax(dim=0) > max_coordinate) | (loss.abs() > max_loss)
    for r in torch.nonzero(bad & alive).flatten().tolist():
        diverged_at[r] = t
    alive &= ~bad
    points.append(p)
final = torch.where(alive, loss, math.nan).tolist()


def samples(first, lr, second):
    return [
        {{
            "lr": a,
            "second": b,
            "final_loss": None if math.isnan(final[first + i]) else final[first + i],
            "diverged_at": diverged_at[first + i],
        }}
        for i, (a, b) in enumerate(zip(lr.ravel().tolist(), second.ravel().tolist()))
    ]


def best(first):
    losses = [(v, i) for i, v in enumerate(final[first : first + k * k]) if not math.isnan(v)]
    return min(losses)[1] if losses else None


best_grid, best_random = best(0), best(k * k)
best_paths = {{
    method: [[q[0, offset + b].item(), q[1, offset + b].item()] for q in points]
    for method, b, offset in (("grid", best_grid, 0), ("random", best_random, k * k))
    if b is not None
}}
{map_block}
print(json.dumps({{
    "grid": samples(0, grid_lr, grid_second),
    "random": samples(k * k, random_lr, random_second),
    "best_grid": best_grid,
    "best_random": best_random,
    "best_paths": best_paths,
    "map": search_map,
}}))
"""
)

TORCH_MAP = """rows = [final[2 * k * k + i * resolution : 2 * k * k + (i + 1) * resolution]
        for i in range(resolution)]  # [second][lr]
search_map = {
    "lrs": map_lr.tolist(),
    "seconds": map_second.tolist(),
    "final_loss": [[None if math.isnan(v) else v for v in row] for row in rows],
}"""


def random_draws(request: SearchRequest, s_lo: float, s_hi: float, k: int):
    """The core's random samples (app.core.search.grid_vs_random), drawn the same way."""
    lo, hi = request.lr_range
    rng = np.random.default_rng(request.seed)
    r_lr = np.clip(10.0 ** rng.uniform(np.log10(lo), np.log10(hi), k * k), lo, hi)
    return r_lr, rng.uniform(s_lo, s_hi, k * k)


def search(request: SearchRequest, response) -> Programs:
    second = response.second
    numbers = settings(request, second)
    common = {
        **numbers,
        "second": second,
        "x0": number(request.start[0]),
        "y0": number(request.start[1]),
        "steps": integer(request.steps),
        "runaway": RUNAWAY,
        "seed": integer(request.seed),
    }
    has_map = request.map_resolution > 0
    title, numpy_surface = surface_code(request, "np")
    numpy = NUMPY.format(
        **common,
        title=title,
        surface=numpy_surface,
        rule=NUMPY_RULES[request.optimizer],
        map_block=NUMPY_MAP if has_map else "search_map = None  # no map asked for",
    )
    k = int(numbers["k"])
    r_lr, r_second = random_draws(request, float(numbers["s_lo"]), float(numbers["s_hi"]), k)
    _, torch_surface = surface_code(request, "torch")
    torch = TORCH.format(
        **common,
        title=title,
        surface=torch_surface,
        rule=to_torch(NUMPY_RULES[request.optimizer]),
        random_lr=f"random_lr = torch.tensor({nested(r_lr, 25)})",
        random_second=f"random_second = torch.tensor({nested(r_second, 29)})",
        map_block=TORCH_MAP if has_map else "search_map = None  # no map asked for",
    )
    return Programs(
        program(["import json", "import math", "", "import torch"], torch),
        program(
            [
                "import json",
                *(["import math"] if "math." in numpy else []),
                "",
                "import numpy as np",
            ],
            numpy,
        ),
        PRINTS,
    )
