"""Models for /api/surfaces, /api/optimizers, /api/optimize and /api/optimize/search.

Work is bounded before it starts: steps × optimisers for a race, and runs × steps for a search.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.common import Finite, StrictModel

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


def Hyper(description: str, low: float, high: float):
    return Field(default=None, ge=low, le=high, allow_inf_nan=False, description=description)


class OptimizerSpec(StrictModel):
    name: Name = Field(
        description="sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw",
        examples=["adam"],
    )
    lr: float = Field(gt=0, le=1e3, allow_inf_nan=False, description="learning rate α > 0")
    rho: float | None = Hyper("momentum ρ (momentum, nesterov); default 0.9", 0, 0.9999)
    decay: float | None = Hyper("decay rate d (rmsprop); default 0.99", 0, 0.9999)
    beta1: float | None = Hyper("β1 (adam, adamw); default 0.9", 0, 0.9999)
    beta2: float | None = Hyper("β2 (adam, adamw); default 0.999", 0, 0.99999)
    eps: float | None = Hyper("ε (adagrad, rmsprop: default 1e-7; adam: 1e-8)", 0, 1)
    weight_decay: float | None = Hyper("decoupled weight decay λ (adamw); default 0.01", 0, 10)

    def params(self) -> dict:
        return {
            key: value
            for key, value in self.model_dump(exclude={"name"}).items()
            if value is not None
        }


class Noise(StrictModel):
    std: float = Field(
        ge=0, le=1e3, allow_inf_nan=False, description="σ of the Gaussian added to each gradient"
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


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


class OptimizeRequest(StrictModel):
    surface: Name = Field(examples=["rosenbrock"])
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


class RunInternals(BaseModel):
    """Per step t = 1..n (index t - 1): [x, y] pairs, or one number for bias corrections."""

    grad: list[Pair] = Field(description="g, the gradient used by step t (noise included)")
    update: list[Pair] = Field(description="x_t - x_{t-1}")
    effective_lr: list[Pair] = Field(
        description="α / denominator: the step size per coordinate (α without a denominator)"
    )
    lr: list[float] = Field(description="α_t, the learning rate of each step (the schedule's)")
    lookahead: list[Pair] | None = Field(None, description="Nesterov: x + ρv, where g is taken")
    velocity: list[Pair] | None = Field(None, description="momentum/Nesterov: v after step t")
    sum_sq: list[Pair] | None = Field(None, description="AdaGrad: G = Σ g²")
    mean_sq: list[Pair] | None = Field(None, description="RMSProp: G, the running mean of g²")
    m: list[Pair] | None = Field(None, description="Adam: first moment")
    v: list[Pair] | None = Field(None, description="Adam: second moment")
    bias_correction1: list[float] | None = Field(None, description="Adam: 1 - β1ᵗ")
    bias_correction2: list[float] | None = Field(None, description="Adam: 1 - β2ᵗ")
    m_hat: list[Pair] | None = None
    v_hat: list[Pair] | None = None
    denominator: list[Pair] | None = Field(None, description="√G + ε or √v̂ + ε")


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
    formula_text: str = Field(description="the same formula in plain Unicode")
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


class OptimizerInfo(BaseModel):
    name: str
    label: str
    label_zh: str
    params: dict[str, ParamInfo]
    equations: list[str]
    internals: list[str]
    search_second: str | None = Field(description="the parameter searched with lr by default")


class SearchRequest(StrictModel):
    surface: Name = Field(examples=["rosenbrock"])
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
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
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
