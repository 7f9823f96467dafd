"""Models for /api/training: weight initialisation experiment and batch normalisation."""

from typing import Literal

from pydantic import BaseModel, Field

from app.core import init
from app.schemas.common import MAX_SEED, StrictModel, Value, bounded

MAX_ROWS = 64  # batch size N of the batch-norm table
MAX_FEATURES = 16  # features D

Scheme = Literal[tuple(init.SCHEMES)]
Activation = Literal[init.ACTIVATIONS]
Row = bounded(Value, MAX_FEATURES)


class InitRequest(StrictModel):
    scheme: Scheme = Field(
        default="small",
        description="; ".join(f"{s.name}: {s.formula}" for s in init.SCHEMES.values()),
    )
    activation: Activation = Field(default="tanh", description="the non-linearity of every layer")
    layers: int = Field(default=10, ge=1, le=init.MAX_LAYERS, description="layers stacked")
    width: int = Field(default=500, ge=1, le=init.MAX_WIDTH, description="units per layer (= n)")
    batch: int = Field(
        default=500,
        ge=1,
        le=init.MAX_BATCH,
        description=f"samples forwarded; layers · batch · width² ≤ {init.MAX_WORK:,}",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="same seed, same draws")


class LayerStats(BaseModel):
    layer: int = Field(description="1 = the first hidden layer")
    mean: float
    std: float
    histogram: list[float] = Field(description="share of the values in each bin (sums to 1)")
    unit_spread: float = Field(
        description="mean over samples of the std across the layer's units: 0 when every unit "
        "computes the same value"
    )
    saturated: float | None = Field(description="tanh only: share of values with |h| > 0.99")


class InitResponse(BaseModel):
    scheme: str
    activation: str
    formula: str = Field(description="how the scheme draws W")
    weight_std: float = Field(description="the std of every weight under this scheme")
    bin_edges: list[float] = Field(description="the fixed histogram bins; ends catch the rest")
    input_mean: float
    input_std: float
    layers: list[LayerStats]


class BatchNormRequest(StrictModel):
    x: bounded(Row, MAX_ROWS, min_length=2) = Field(
        description=f"the batch: N rows (samples, 2 to {MAX_ROWS}) × D features (1 to "
        f"{MAX_FEATURES})"
    )
    gamma: bounded(Value, MAX_FEATURES) = Field(description="scale γ, one per feature")
    beta: bounded(Value, MAX_FEATURES) = Field(description="shift β, one per feature")
    eps: float = Field(default=1e-5, ge=1e-12, le=1.0, allow_inf_nan=False, description="ε")
    grad_output: bounded(Row, MAX_ROWS, min_length=2) | None = Field(
        default=None, description="upstream gradient dL/dy (N×D); omit to skip the backward pass"
    )
    momentum: float = Field(
        default=0.1, ge=0, le=1, allow_inf_nan=False, description="running-average momentum"
    )
    running_mean: bounded(Value, MAX_FEATURES) | None = Field(
        default=None, description="running mean before this batch (default zeros, as PyTorch)"
    )
    running_var: bounded(Value, MAX_FEATURES) | None = Field(
        default=None, description="running variance before this batch (default ones)"
    )


class BatchNormResponse(BaseModel):
    mean: list[float] = Field(description="μ_j = (1/N) Σ_i x_ij")
    var: list[float] = Field(description="σ²_j = (1/N) Σ_i (x_ij − μ_j)², the biased variance")
    x_hat: list[list[float]] = Field(description="(x − μ)/√(σ² + ε)")
    out: list[list[float]] = Field(description="y = γ·x̂ + β")
    out_mean: list[float] = Field(description="column means of y (= β)")
    out_std: list[float] = Field(description="column stds of y (≈ |γ|)")
    wrong_x_hat: list[list[float]] = Field(
        description="THE NOTES' MISTAKE (x − σ)/√(σ² + ε), shown for comparison only"
    )
    wrong_out: list[list[float]] = Field(description="γ·wrong_x_hat + β")
    wrong_mean: list[float] = Field(description="column means of wrong_x_hat: not 0")
    running_mean: list[float] = Field(description="(1 − m)·running_mean + m·μ")
    running_var: list[float] = Field(description="(1 − m)·running_var + m·σ²·N/(N − 1)")
    unbiased_var: list[float] = Field(description="σ²·N/(N − 1), what the running var takes")
    inference_out: list[list[float]] = Field(
        description="test time: x normalised with the updated running averages"
    )
    dx: list[list[float]] | None = None
    dgamma: list[float] | None = None
    dbeta: list[float] | None = None
