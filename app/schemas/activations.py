"""Models for /api/activations: point counts, pieces and experiment sizes bounded."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.core.activations import NAMES
from app.schemas.common import MAX_MAGNITUDE, MAX_SEED, StrictModel, Value, bounded

MAX_POINTS = 10_000
MAX_PIECES = 8
MAX_DEPTH = 50
MAX_SAMPLES = 2_000

ActivationName = Literal[NAMES]
FixedName = Literal[tuple(n for n in NAMES if n != "maxout")]
Piece = Annotated[
    list[Value], Field(min_length=2, max_length=2, description="[w, b]: the line w·x + b")
]
Distribution = Literal["normal", "uniform"]


class ActivationRequest(StrictModel):
    name: ActivationName = Field(description="the activation function")
    # Bounded like every value a lesson multiplies: α·x and w·x + b stay finite.
    x: bounded(Value, MAX_POINTS) = Field(
        description=f"points to evaluate f and f' at (at most {MAX_POINTS:,}, each within "
        f"±{MAX_MAGNITUDE:g})"
    )
    alpha: Annotated[float, Field(ge=-100, le=100, allow_inf_nan=False)] | None = Field(
        default=None,
        description="α for leaky_relu (default 0.01), prelu (0.25, the learned slope) and elu "
        "(1); ignored by the others",
    )
    pieces: bounded(Piece, MAX_PIECES, min_length=0) | None = Field(
        default=None,
        description=f"maxout's linear pieces [[w, b], ...], 2 to {MAX_PIECES}; "
        "[[0, 0], [1, 0]] is ReLU, [[α, 0], [1, 0]] is Leaky ReLU",
    )


class ActivationInfo(BaseModel):
    name: str
    label: str
    label_zh: str
    formula: str
    derivative: str
    range: str
    zero_centred: bool
    alpha: float | None = Field(description="the default α, where α applies")


class ActivationResponse(BaseModel):
    name: str
    alpha: float | None = Field(description="the α used, where α applies")
    y: list[float] = Field(description="f(x)")
    dy: list[float] = Field(description="f'(x), with PyTorch's convention at kinks")
    dalpha: list[float] | None = Field(
        default=None, description="prelu only: ∂f/∂α, what back-propagation uses to train α"
    )
    winner: list[int] | None = Field(
        default=None, description="maxout only: index of the winning piece (first on ties)"
    )
    info: ActivationInfo


class Sampling(StrictModel):
    distribution: Distribution = Field(
        default="normal",
        description="normal: N(loc, scale²); uniform: on [loc − scale, loc + scale]",
    )
    loc: Annotated[float, Field(ge=-20, le=20, allow_inf_nan=False)] = 0.0
    scale: Annotated[float, Field(ge=0, le=20, allow_inf_nan=False)] = 1.0
    samples: int = Field(default=500, ge=1, le=MAX_SAMPLES)
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="same seed, same draws")


class VanishingRequest(Sampling):
    functions: bounded(FixedName, len(NAMES)) = Field(
        default=["sigmoid", "tanh", "relu"], description="functions to compare"
    )
    depth: int = Field(default=10, ge=1, le=MAX_DEPTH, description="layers stacked")


class ProductStats(BaseModel):
    mean: list[float] = Field(description="mean over samples of the product at depth 1..n")
    median: list[float]
    fraction_zero: list[float] = Field(description="share of samples whose product is exactly 0")


class VanishingResponse(BaseModel):
    depth: list[int]
    functions: dict[str, ProductStats]
    sigmoid_bound: list[float] = Field(description="0.25^k, the largest a sigmoid product can be")
    draws_mean: float
    draws_std: float


class DeadReluRequest(Sampling):
    weight: Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)] = 1.0
    bias: Annotated[float, Field(ge=-50, le=50, allow_inf_nan=False)] = 0.0
    samples: int = Field(default=200, ge=1, le=MAX_SAMPLES)


class DeadReluResponse(BaseModel):
    x: list[float] = Field(description="the inputs drawn")
    active: list[bool] = Field(description="w·x + b > 0")
    fraction_active: float
    grad_weight: float = Field(description="dL/dw = mean(1[z > 0]·x), upstream gradient 1")
    grad_bias: float = Field(description="dL/db = mean(1[z > 0])")
    dead: bool = Field(description="active on no input: zero gradient, it can never recover")
    kink: float | None = Field(description="x where w·x + b = 0 (none when w = 0)")
