"""Models for /api/surfaces, /api/optimizers, /api/optimize and /api/optimize/search.

Work is bounded before it starts: steps × optimisers for a race, and runs × steps for a search.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from app.core.expression import MAX_LENGTH
from app.core.optimizers import OPTIMIZERS, quantities
from app.core.surfaces import MAX_DOMAIN
from app.schemas.common import MAX_SEED, Finite, StrictModel

MAX_STEPS = 10_000
MAX_OPTIMIZERS = 8
# Per-step internals are listed for at most this many run-steps (8 optimisers × 3000 steps).
MAX_INTERNAL_RUN_STEPS = 24_000
MAX_GRID_RESOLUTION = 256
MAX_SEARCH_BUDGET = 256
MAX_SEARCH_STEPS = 2_000
MAX_MAP_RESOLUTION = 48
# Runs × steps for one search (grid + random + map): about a second of work at most.
MAX_SEARCH_RUN_STEPS = 1_500_000
# Start points are checked against the surface in core; this only keeps numbers sane.
COORD = 1e4

Coordinate = Annotated[float, Field(ge=-COORD, le=COORD, allow_inf_nan=False)]
Point = Annotated[
    list[Coordinate], Field(min_length=2, max_length=2, description="[x, y], two numbers")
]
Name = Annotated[str, Field(min_length=1, max_length=40)]


def hyper_field(name: str) -> tuple[type, object]:
    """One optional request field per hyper-parameter name, bounded as widely as any optimiser
    allows (core.optimizers.resolve then checks the named optimiser's own range)."""
    owners = {o.name: o.params[name] for o in OPTIMIZERS.values() if name in o.params}
    specs = list(owners.values())
    low, high = min(p.low for p in specs), max(p.high for p in specs)
    defaults = ", ".join(f"{o} {p.default:g}" for o, p in owners.items())
    description = f"{specs[0].description} ({defaults})"
    bound = {"gt": low} if all(p.low_open for p in specs) else {"ge": low}
    if name == "lr":  # every optimiser needs one
        description = f"{specs[0].description}, > {low:g}"
        return float, Field(le=high, allow_inf_nan=False, description=description, **bound)
    return float | None, Field(
        default=None, le=high, allow_inf_nan=False, description=description, **bound
    )


class OptimizerSpecBase(StrictModel):
    def params(self) -> dict:
        """The hyper-parameters the request gave, without the name."""
        return {
            key: value
            for key, value in self.model_dump(exclude={"name"}).items()
            if value is not None
        }


HYPER_NAMES = list(dict.fromkeys(key for o in OPTIMIZERS.values() for key in o.params))
OptimizerSpec = create_model(
    "OptimizerSpec",
    __base__=OptimizerSpecBase,
    name=(
        Name,
        Field(description=", ".join(OPTIMIZERS), examples=["adam"]),
    ),
    **{key: hyper_field(key) for key in HYPER_NAMES},
)
OptimizerSpec.__doc__ = "An optimiser's name and any of its hyper-parameters (the rest default)."


class Noise(StrictModel):
    std: float = Field(
        ge=0, le=1e3, allow_inf_nan=False, description="σ of the Gaussian added to each gradient"
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED)


class Schedule(StrictModel):
    kind: Literal["constant", "step", "cosine"] = Field(
        description="step: α ← γ·α every step_size steps (StepLR); cosine: CosineAnnealingLR"
    )
    step_size: int | None = Field(
        default=None, ge=1, le=MAX_STEPS, description="step: default a quarter of the steps"
    )
    gamma: float = Field(default=0.5, gt=0, le=1, allow_inf_nan=False, description="step: γ")
    t_max: int | None = Field(
        default=None, ge=1, le=MAX_STEPS, description="cosine: the half period, default steps"
    )
    eta_min: float = Field(
        default=0.0, ge=0, le=1e3, allow_inf_nan=False, description="cosine: the lowest α"
    )


Bound = Annotated[float, Field(ge=-MAX_DOMAIN, le=MAX_DOMAIN, allow_inf_nan=False)]
Range = Annotated[list[Bound], Field(min_length=2, max_length=2, description="[low, high]")]


class CustomSurface(StrictModel):
    """f(x, y) as typed, e.g. "x^2 + 10*y^2": numbers, x, y, pi, e, + - * / ^ (or **),
    parentheses and sin cos tan exp log sqrt abs tanh sinh cosh sigmoid min max."""

    expression: str = Field(
        max_length=10 * MAX_LENGTH,  # the core refuses more than MAX_LENGTH, in words
        description=f"f(x, y), at most {MAX_LENGTH} characters",
        examples=["(1-x)^2 + 100*(y-x^2)^2"],
    )
    domain: list[Range] = Field(
        min_length=2, max_length=2, description="[[xmin, xmax], [ymin, ymax]]",
        examples=[[[-2, 2], [-1, 3]]],
    )  # fmt: skip


class CustomSurfaceRequest(CustomSurface):
    resolution: int = Field(
        default=128, ge=2, le=MAX_GRID_RESOLUTION, description="grid points per side"
    )


class CustomSurfaceGrid(BaseModel):
    expression: str = Field(description="the expression, normalised")
    formula: str = Field(description="f(x, y) in LaTeX, for rendering")
    gradient: dict[str, str] = Field(description="∂f/∂x and ∂f/∂y in LaTeX, keys x and y")
    gradient_text: dict[str, str] = Field(description="the same in plain text")
    domain: list[list[float]]
    xs: list[float]
    ys: list[float]
    values: list[list[float | None]] = Field(
        description="values[i][j] = f(xs[j], ys[i]); null where f is not finite"
    )
    min: float | None = Field(description="of the finite values; null if there are none")
    max: float | None
    log_scale: bool = Field(description="values span decades: colour by log10(f - min)")
    nonfinite_count: int = Field(description="grid points where f is NaN or infinite")
    default_start: list[float]


SurfaceChoice = Annotated[
    Name | CustomSurface,
    Field(description="a built-in surface's name, or your own {expression, domain}"),
]


class OptimizeRequest(StrictModel):
    surface: SurfaceChoice = Field(examples=["rosenbrock"])
    start: Point = Field(examples=[[-1.2, 1.0]])
    steps: int = Field(
        ge=1, le=MAX_STEPS, description=f"the same budget for every run, ≤ {MAX_STEPS:,}"
    )
    optimizers: list[OptimizerSpec] = Field(
        min_length=1, max_length=MAX_OPTIMIZERS, description="raced in this order"
    )
    noise: Noise | None = Field(default=None, description="gradient noise (the 'stochastic')")
    schedule: Schedule | None = Field(
        default=None,
        description="learning-rate schedule for every run, as torch.optim.lr_scheduler steps it",
    )
    internals: bool = Field(
        default=True,
        description=f"list each step's gradient, state and update (steps × optimisers ≤ "
        f"{MAX_INTERNAL_RUN_STEPS:,})",
    )


Pair = list[float]


def internals_model() -> type[BaseModel]:
    """Per step t = 1..n (index t − 1), every quantity any optimiser reports: [x, y] pairs, or
    one number per step. A field is required when every optimiser reports it."""
    union: dict[str, tuple] = {}
    for optimizer in OPTIMIZERS.values():
        for quantity in quantities(optimizer):
            union.setdefault(quantity.name, (quantity, []))[1].append(optimizer.name)
    fields = {}
    for name, (quantity, owners) in union.items():
        kind = list[Pair] if quantity.kind == "pair" else list[float]
        who = "" if len(owners) == len(OPTIMIZERS) else f" ({', '.join(owners)})"
        description = f"{quantity.symbol}: {quantity.meaning}{who}"
        if len(owners) == len(OPTIMIZERS):
            fields[name] = (kind, Field(description=description))
        else:
            fields[name] = (kind | None, Field(default=None, description=description))
    return create_model("RunInternals", **fields)


RunInternals = internals_model()


class RunResult(BaseModel):
    name: str
    label: str
    params: dict[str, float] = Field(description="every hyper-parameter, defaults filled in")
    points: list[Pair] = Field(
        description="steps + 1 points, the start first; on divergence, the points before the "
        "step that diverged (diverged_at of them)"
    )
    losses: list[float] = Field(description="f at each point")
    diverged_at: int | None = Field(
        description="the first step whose point, loss or state was non-finite or ran away "
        "(|coordinate| > 1e6 or |f| > 1e12); null if none"
    )
    final_loss: float
    internals: RunInternals | None = None


class OptimizeResponse(BaseModel):
    surface: str
    steps: int
    runs: list[RunResult]
    max_coordinate: float = Field(description="a coordinate beyond this is a runaway")
    max_loss: float = Field(description="a loss beyond this is a runaway")


class SurfaceInfo(BaseModel):
    name: str
    label: str
    formula: str = Field(description="LaTeX")
    domain: list[list[float]] = Field(description="[[xmin, xmax], [ymin, ymax]]")
    minima: list[list[float]] = Field(description="global minima [[x, y], ...]; [] if unbounded")
    default_start: list[float]
    f_min: float | None = Field(description="f at the global minimum; null if unbounded below")
    log_scale: bool = Field(description="values span decades: colour by log10(f - f_min)")
    note: str


class SurfaceGrid(BaseModel):
    name: str
    xs: list[float]
    ys: list[float]
    values: list[list[float]] = Field(description="values[i][j] = f(xs[j], ys[i])")
    min: float
    max: float
    log_scale: bool
    f_min: float | None


class ParamInfo(BaseModel):
    default: float
    min: float
    max: float
    min_exclusive: bool
    log: bool
    description: str


class QuantityInfo(BaseModel):
    name: str = Field(description="its key in a run's internals")
    symbol: str
    meaning: str
    param: str | None = Field(description="the hyper-parameter whose value the meaning quotes")
    kind: Literal["pair", "number"] = Field(description="pair: [x, y] per step; number: one")
    schedule_only: bool = Field(description="worth showing only with a learning-rate schedule")


class LessonPreset(BaseModel):
    rates: list[float] = Field(description="learning rates too low, good and too high")
    surface: str = Field(description="the surface that shows them")


class OptimizerInfo(BaseModel):
    name: str
    label: str
    label_zh: str
    params: dict[str, ParamInfo]
    equations: list[str]
    internals: list[str] = Field(description="the keys of a run's internals")
    quantities: list[QuantityInfo] = Field(description="the numbers panel's rows, in order")
    search_second: str | None = Field(description="the parameter searched with lr by default")
    search_ranges: dict[str, list[float]] | None = Field(
        description="the search lesson's preset ranges for lr and the second parameter"
    )
    lesson: LessonPreset
    race_default: dict[str, float] | None = Field(
        description="in the page's default race with these parameters; null if not"
    )


class SearchRequest(StrictModel):
    surface: SurfaceChoice = Field(examples=["rosenbrock"])
    start: Point = Field(examples=[[-1.2, 1.0]])
    optimizer: Name = Field(examples=["momentum"])
    second: Name | None = Field(
        default=None, description="the parameter searched with lr (default: rho, beta1, decay)"
    )
    lr_range: list[Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)]] = Field(
        default=[1e-5, 1e-1], min_length=2, max_length=2, description="[low, high], log scale"
    )
    second_range: list[Finite] | None = Field(default=None, min_length=2, max_length=2)
    budget: int = Field(
        default=64, ge=4, le=MAX_SEARCH_BUDGET, description="runs per method (the grid uses k²)"
    )
    steps: int = Field(default=500, ge=1, le=MAX_SEARCH_STEPS)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    map_resolution: int = Field(
        default=32, ge=0, le=MAX_MAP_RESOLUTION, description="final-loss map, n × n runs"
    )
    base: OptimizerSpec | None = Field(
        default=None, description="other hyper-parameters (its lr is ignored)"
    )


class SearchSample(BaseModel):
    lr: float
    second: float
    final_loss: float | None = Field(description="null when the run diverged")
    diverged_at: int | None


class SearchMap(BaseModel):
    lrs: list[float]
    seconds: list[float]
    final_loss: list[list[float | None]] = Field(description="[second index][lr index]")


class SearchResponse(BaseModel):
    optimizer: str
    second: str
    steps: int
    grid: list[SearchSample]
    random: list[SearchSample]
    best_grid: int | None = Field(description="index into grid of the lowest final loss")
    best_random: int | None
    distinct_lr: dict[str, int] = Field(description="distinct learning rates tried per method")
    best_paths: dict[str, list[Pair]] = Field(description="points of each method's best run")
    map: SearchMap | None
