"""GET /api/surfaces, /api/surfaces/{name}/grid, /api/optimizers; POST /api/optimize(/search)."""

import numpy as np
import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.core import race, search
from app.core.errors import InputError
from app.core.expression import latex, text
from app.core.optimizers import OPTIMIZERS, quantities, resolve
from app.core.surfaces import SURFACES, custom_surface, get_surface, sample_grid
from app.i18n import _, gettext
from app.schemas.common import json_response
from app.schemas.optim import (
    MAX_GRID_RESOLUTION,
    MAX_INTERNAL_RUN_STEPS,
    MAX_SEARCH_RUN_STEPS,
    CustomSurfaceGrid,
    CustomSurfaceRequest,
    LessonPreset,
    OptimizeRequest,
    OptimizeResponse,
    OptimizerInfo,
    ParamInfo,
    QuantityInfo,
    RunInternals,
    SearchMap,
    SearchRequest,
    SearchResponse,
    SearchSample,
    SurfaceGrid,
    SurfaceInfo,
)
from app.server import HeavyRoute

router = APIRouter(prefix="/api", tags=["optimisers"], route_class=HeavyRoute)

# Every field of a run's internals; those its optimiser lacks are null.
INTERNAL_FIELDS = tuple(RunInternals.model_fields)


def surface_info(surface) -> SurfaceInfo:
    return SurfaceInfo(
        name=surface.name,
        label=gettext(surface.label),
        formula=surface.formula,
        domain=[list(surface.domain[0]), list(surface.domain[1])],
        minima=[list(m) for m in surface.minima],
        default_start=list(surface.default_start),
        f_min=surface.f_min,
        log_scale=surface.log_scale,
        note=gettext(surface.note) if surface.note else surface.note,
    )


@router.get("/surfaces", summary="The toy loss surfaces")
def list_surfaces() -> list[SurfaceInfo]:
    """Each surface's formula (LaTeX), plotting domain, global minima and default start."""
    return [surface_info(s) for s in SURFACES.values()]


@router.get(
    "/surfaces/{name}/grid", summary="f sampled on a grid, for drawing", response_model=SurfaceGrid
)
def surface_grid(
    name: str,
    resolution: int = Query(128, ge=2, le=MAX_GRID_RESOLUTION, description="points per side"),
) -> Response:
    """f on resolution × resolution points spanning the surface's domain (ends included)."""
    surface = get_surface(name)
    xs, ys, values = sample_grid(surface, resolution)
    return json_response(
        dict(
            name=surface.name,
            xs=xs.tolist(),
            ys=ys.tolist(),
            values=values.tolist(),
            min=float(values.min()),
            max=float(values.max()),
            log_scale=surface.log_scale,
            f_min=surface.f_min,
        )
    )


@router.post(
    "/surfaces/custom",
    summary="Your own f(x, y): parsed, differentiated, sampled",
    response_model=CustomSurfaceGrid,
)
def surface_custom(request: CustomSurfaceRequest) -> Response:
    """The expression normalised and as LaTeX, its gradient (derived exactly from the formula),
    and f on a resolution × resolution grid (null where f is not finite), oriented as
    GET /api/surfaces/{name}/grid. A mistake is a 422 naming it and its column."""
    surface = custom_surface(request.expression, request.domain)
    xs, ys, values = sample_grid(surface, request.resolution)
    finite = np.isfinite(values)
    built = surface.expression
    return json_response(
        dict(
            expression=built.text,
            formula=surface.formula,
            gradient={"x": latex(built.dx), "y": latex(built.dy)},
            gradient_text={"x": text(built.dx), "y": text(built.dy)},
            domain=[list(surface.domain[0]), list(surface.domain[1])],
            xs=xs.tolist(),
            ys=ys.tolist(),
            values=np.where(finite, values, None).tolist(),
            min=float(values[finite].min()) if finite.any() else None,
            max=float(values[finite].max()) if finite.any() else None,
            log_scale=surface.log_scale,
            nonfinite_count=int((~finite).sum()),
            default_start=list(surface.default_start),
        )
    )


def surface_of(choice):
    """A built-in surface by name, or the learner's {expression, domain}."""
    if isinstance(choice, str):
        return get_surface(choice)
    return custom_surface(choice.expression, choice.domain, "surface.")


def optimizer_info(o) -> OptimizerInfo:
    shown = quantities(o)
    return OptimizerInfo(
        name=o.name,
        label=gettext(o.label),
        label_zh=o.label_zh,
        params={
            key: ParamInfo(
                default=p.default,
                min=p.low,
                max=p.high,
                min_exclusive=p.low_open,
                log=p.log,
                description=gettext(p.description),
            )
            for key, p in o.params.items()
        },
        equations=list(o.equations),
        internals=[q.name for q in shown],
        quantities=[
            QuantityInfo(
                name=q.name,
                symbol=q.symbol,
                meaning=gettext(q.meaning),
                param=q.param,
                kind=q.kind,
                schedule_only=q.schedule_only,
            )
            for q in shown
            if q.name != "update"  # the page writes Δx beside x_{t+1}
        ],
        search_second=o.search_second,
        search_ranges=(
            {key: list(value) for key, value in o.search_ranges.items()}
            if o.search_ranges
            else None
        ),
        lesson=LessonPreset(rates=list(o.lesson_rates), surface=o.lesson_surface),
        race_default=o.race_default,
    )


@router.get("/optimizers", summary="The optimisers, their hyper-parameters and equations")
def list_optimizers() -> list[OptimizerInfo]:
    return [optimizer_info(o) for o in OPTIMIZERS.values()]


def run_internals(result: race.Race, r: int) -> dict:
    inside = race.run_internals(result, r)
    return {
        key: np.ascontiguousarray(inside[key]) if key in inside else None for key in INTERNAL_FIELDS
    }


def run_result(result: race.Race, r: int, internals: bool) -> dict:
    n = result.length(r)
    losses = result.losses[:n, r]
    return {
        "name": result.names[r],
        "label": gettext(OPTIMIZERS[result.names[r]].label),
        "params": result.params[r],
        "points": np.ascontiguousarray(result.points[:n, r]),
        "losses": np.ascontiguousarray(losses),
        "diverged_at": result.diverged_at[r],
        "final_loss": float(losses[-1]),
        "internals": run_internals(result, r) if internals else None,
    }


@router.post("/optimize", summary="Race optimisers on a surface", response_model=OptimizeResponse)
def optimize(request: OptimizeRequest) -> Response:
    """Every optimiser starts at the same point with the same step budget; runs come back in the
    order asked. A run that diverges stops at the last finite point and reports the step.
    """
    surface = surface_of(request.surface)
    runs = len(request.optimizers)
    if request.internals and request.steps * runs > MAX_INTERNAL_RUN_STEPS:
        raise InputError(
            _(
                "internals are listed for at most {MAX_INTERNAL_RUN_STEPS:,} "
                "steps × optimisers; {steps:,} × {runs} asked: use fewer steps "
                "or set internals to false"
            ).format(MAX_INTERNAL_RUN_STEPS=MAX_INTERNAL_RUN_STEPS, steps=request.steps, runs=runs),
            "steps",
        )
    names = [spec.name for spec in request.optimizers]
    params = [
        resolve(spec.name, spec.params(), f"optimizers[{i}]")
        for i, spec in enumerate(request.optimizers)
    ]
    noise = request.noise
    result = race.race(
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
    body = {
        "surface": surface.name,
        "steps": request.steps,
        "runs": [run_result(result, r, request.internals) for r in range(runs)],
        "max_coordinate": race.MAX_COORD,
        "max_loss": race.MAX_LOSS,
    }
    # Some 10⁵ floats the core made finite, serialised straight from the arrays (shortest
    # round-trip digits, so float64 is exact): validating them took about 100 ms and .tolist()
    # plus pydantic's serialiser twice orjson's time. Tests validate real responses against
    # OptimizeResponse.
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json"
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


@router.post("/optimize/search", summary="Grid search vs random search, same budget")
def optimize_search(request: SearchRequest) -> SearchResponse:
    """A k × k grid (k = ⌊√budget⌋) and k² random samples over (log learning rate, second
    parameter), each run for `steps` steps; the final loss of each, the best of each method, and
    optionally a map_resolution² map of final loss behind them.
    """
    result = search.grid_vs_random(
        surface_of(request.surface),
        request.start,
        request.optimizer,
        tuple(request.lr_range),
        request.second,
        tuple(request.second_range) if request.second_range else None,
        request.budget,
        request.steps,
        request.seed,
        request.map_resolution,
        request.base.params() if request.base else {},
        max_run_steps=MAX_SEARCH_RUN_STEPS,
    )
    return SearchResponse(
        optimizer=request.optimizer,
        second=result.second,
        steps=request.steps,
        grid=samples(result.grid_lr, result.grid_second, result.grid_loss, result.grid_diverged),
        random=samples(
            result.random_lr, result.random_second, result.random_loss, result.random_diverged
        ),
        best_grid=result.best_grid,
        best_random=result.best_random,
        distinct_lr={
            "grid": int(np.unique(result.grid_lr).size),
            "random": int(np.unique(result.random_lr).size),
        },
        best_paths={method: path.tolist() for method, path in result.best_paths.items()},
        map=(
            SearchMap(
                lrs=result.map_lr.tolist(),
                seconds=result.map_second.tolist(),
                final_loss=[
                    [None if np.isnan(f) else float(f) for f in row] for row in result.map_loss
                ],
            )
            if result.map_loss is not None
            else None
        ),
    )
