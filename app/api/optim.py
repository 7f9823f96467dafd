"""GET /api/surfaces, /api/surfaces/{name}/grid, /api/optimizers; POST /api/optimize(/search)."""

import numpy as np
from fastapi import APIRouter, Query

from app.core import optim, search
from app.core.errors import InputError
from app.core.surfaces import SURFACES, get_surface, sample_grid
from app.schemas.optim import (
    MAX_GRID_RESOLUTION,
    MAX_INTERNAL_RUN_STEPS,
    MAX_SEARCH_RUN_STEPS,
    OptimizeRequest,
    OptimizeResponse,
    OptimizerInfo,
    ParamInfo,
    RunInternals,
    RunResult,
    SearchMap,
    SearchRequest,
    SearchResponse,
    SearchSample,
    SurfaceGrid,
    SurfaceInfo,
)

router = APIRouter(prefix="/api", tags=["optimisers"])


def surface_info(surface) -> SurfaceInfo:
    return SurfaceInfo(
        name=surface.name,
        label=surface.label,
        formula=surface.formula,
        formula_text=surface.text,
        domain=[list(surface.domain[0]), list(surface.domain[1])],
        minima=[list(m) for m in surface.minima],
        default_start=list(surface.default_start),
        f_min=surface.f_min,
        log_scale=surface.log_scale,
        note=surface.note,
    )


@router.get("/surfaces", summary="The toy loss surfaces")
def list_surfaces() -> list[SurfaceInfo]:
    """Each surface's formula (LaTeX), plotting domain, global minima and default start."""
    return [surface_info(s) for s in SURFACES.values()]


@router.get("/surfaces/{name}/grid", summary="f sampled on a grid, for drawing")
def surface_grid(
    name: str,
    resolution: int = Query(128, ge=2, le=MAX_GRID_RESOLUTION, description="points per side"),
) -> SurfaceGrid:
    """f on resolution × resolution points spanning the surface's domain (ends included)."""
    surface = get_surface(name)
    xs, ys, values = sample_grid(surface, resolution)
    return SurfaceGrid(
        name=surface.name,
        xs=xs.tolist(),
        ys=ys.tolist(),
        values=values.tolist(),
        min=float(values.min()),
        max=float(values.max()),
        log_scale=surface.log_scale,
        f_min=surface.f_min,
    )


@router.get("/optimizers", summary="The optimisers, their hyper-parameters and equations")
def list_optimizers() -> list[OptimizerInfo]:
    return [
        OptimizerInfo(
            name=o.name,
            label=o.label,
            label_zh=o.label_zh,
            params={
                key: ParamInfo(
                    default=p.default,
                    min=p.low,
                    max=p.high,
                    min_exclusive=p.low_open,
                    log=p.log,
                    description=p.description,
                )
                for key, p in o.params.items()
            },
            equations=list(o.equations),
            internals=list(o.internals),
            search_second=search.SECOND_PARAM[o.name],
        )
        for o in optim.OPTIMIZERS.values()
    ]


def internals_of(result: optim.Race, r: int) -> RunInternals:
    arrays = optim.run_internals(result, r)
    return RunInternals.model_construct(**{key: value.tolist() for key, value in arrays.items()})


@router.post("/optimize", summary="Race optimisers on a surface")
def optimize(request: OptimizeRequest) -> OptimizeResponse:
    """Every optimiser starts at the same point with the same step budget; runs come back in the
    order asked. A run that diverges stops at the last finite point and reports the step.
    """
    surface = get_surface(request.surface)
    runs = len(request.optimizers)
    if request.internals and request.steps * runs > MAX_INTERNAL_RUN_STEPS:
        raise InputError(
            f"internals are listed for at most {MAX_INTERNAL_RUN_STEPS:,} steps × optimisers; "
            f"{request.steps:,} × {runs} asked: use fewer steps or set internals to false",
            "steps",
        )
    names = [spec.name for spec in request.optimizers]
    params = [
        optim.resolve(spec.name, spec.params(), f"optimizers[{i}]")
        for i, spec in enumerate(request.optimizers)
    ]
    noise = request.noise
    result = optim.race(
        surface,
        request.start,
        names,
        params,
        request.steps,
        noise_std=noise.std if noise else 0.0,
        seed=noise.seed if noise else 0,
        internals=request.internals,
        schedule=request.schedule.model_dump() if request.schedule else None,
    )
    out = []
    for r, name in enumerate(names):
        n = result.length(r)
        losses = result.losses[:n, r]
        # Built without re-validation: every number is a finite Python float by construction.
        out.append(
            RunResult.model_construct(
                name=name,
                label=optim.OPTIMIZERS[name].label,
                params=params[r],
                points=result.points[:n, r].tolist(),
                losses=losses.tolist(),
                diverged_at=result.diverged_at[r],
                final_loss=float(losses[-1]),
                internals=internals_of(result, r) if request.internals else None,
            )
        )
    return OptimizeResponse.model_construct(
        surface=surface.name,
        steps=request.steps,
        runs=out,
        max_coordinate=optim.MAX_COORD,
        max_loss=optim.MAX_LOSS,
    )


def samples(lrs, seconds, losses, diverged) -> list[SearchSample]:
    return [
        SearchSample(
            lr=float(a),
            second=float(b),
            final_loss=None if np.isnan(f) else float(f),
            diverged_at=d,
        )
        for a, b, f, d in zip(lrs, seconds, losses, diverged, strict=True)
    ]


def best_index(losses) -> int | None:
    if np.all(np.isnan(losses)):
        return None
    return int(np.nanargmin(losses))


@router.post("/optimize/search", summary="Grid search vs random search, same budget")
def optimize_search(request: SearchRequest) -> SearchResponse:
    """A k × k grid (k = ⌊√budget⌋) and k² random samples over (log learning rate, second
    parameter), each run for `steps` steps; the final loss of each, the best of each method, and
    optionally a map_resolution² map of final loss behind them.
    """
    surface = get_surface(request.surface)
    k = int(np.floor(np.sqrt(request.budget)))
    total = (2 * k * k + request.map_resolution**2) * request.steps
    if total > MAX_SEARCH_RUN_STEPS:
        raise InputError(
            f"this search would take {total:,} run-steps ((2·{k}² + {request.map_resolution}²) "
            f"× {request.steps}); the limit is {MAX_SEARCH_RUN_STEPS:,}: lower the budget, the "
            "steps or the map resolution",
            "steps",
        )
    base = request.base.params() if request.base else {}
    result = search.grid_vs_random(
        surface,
        request.start,
        request.optimizer,
        tuple(request.lr_range),
        request.second,
        tuple(request.second_range) if request.second_range else None,
        request.budget,
        request.steps,
        request.seed,
        request.map_resolution,
        base,
    )
    losses, diverged = search.final_losses(result.race)
    n = k * k
    grid = samples(result.grid_lr, result.grid_second, losses[:n], diverged[:n])
    random = samples(result.random_lr, result.random_second, losses[n : 2 * n], diverged[n : 2 * n])
    best_grid = best_index(losses[:n])
    best_random = best_index(losses[n : 2 * n])
    paths = {}
    for method, best, offset in (("grid", best_grid, 0), ("random", best_random, n)):
        if best is not None:
            r = offset + best
            paths[method] = result.race.points[: result.race.length(r), r].tolist()
    search_map = None
    if request.map_resolution:
        res = request.map_resolution
        grid_losses = losses[2 * n :].reshape(res, res)
        search_map = SearchMap(
            lrs=result.map_lr.tolist(),
            seconds=result.map_second.tolist(),
            final_loss=[[None if np.isnan(f) else float(f) for f in row] for row in grid_losses],
        )
    return SearchResponse(
        optimizer=request.optimizer,
        second=result.second,
        steps=request.steps,
        grid=grid,
        random=random,
        best_grid=best_grid,
        best_random=best_random,
        distinct_lr={
            "grid": int(np.unique(result.grid_lr).size),
            "random": int(np.unique(result.random_lr).size),
        },
        best_paths=paths,
        map=search_map,
    )
