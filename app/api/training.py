"""POST /api/training/init and /api/training/batchnorm: before and during training."""

from fastapi import APIRouter

from app.core import batchnorm, init
from app.schemas.common import to_array
from app.schemas.training import (
    BatchNormRequest,
    BatchNormResponse,
    InitRequest,
    InitResponse,
    LayerStats,
)
from app.server import HeavyRoute

router = APIRouter(prefix="/api/training", tags=["training"], route_class=HeavyRoute)


@router.post("/init", summary="Weight initialisation: activations layer by layer")
def initialisation(request: InitRequest) -> InitResponse:
    """Forward a seeded batch x ~ N(0, 1) through `layers` fully connected layers h = f(h·W)
    with W drawn by the scheme; per layer the mean, std and a histogram of the activations.
    With 0.01·randn they collapse towards 0 layer by layer; Xavier keeps tanh spread; He ReLU.
    """
    lesson = init.layer_statistics(
        request.scheme,
        request.activation,
        request.layers,
        request.width,
        request.batch,
        request.seed,
    )
    return InitResponse(
        scheme=request.scheme,
        activation=request.activation,
        formula=lesson.scheme.formula,
        weight_std=lesson.weight_std,
        bin_edges=lesson.bin_edges.tolist(),
        input_mean=lesson.input_mean,
        input_std=lesson.input_std,
        layers=[
            LayerStats(
                layer=s.layer,
                mean=s.mean,
                std=s.std,
                histogram=s.histogram.tolist(),
                unit_spread=s.unit_spread,
                saturated=s.saturated,
            )
            for s in lesson.layers
        ],
    )


@router.post("/batchnorm", summary="Batch normalisation: forward, backward, running averages")
def batch_norm(request: BatchNormRequest) -> BatchNormResponse:
    """Training-mode batch norm of x (N×D): μ, σ² (1/N), x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β,
    as torch.nn.functional.batch_norm(training=True). Also the lecture notes' mistaken
    (x − σ)/√(σ² + ε), the running averages after this batch (momentum, unbiased variance, as
    PyTorch), the test-time output with them, and given grad_output: dx, dγ, dβ.
    """
    dout = None
    if request.grad_output is not None:
        dout = to_array(request.grad_output, "grad_output", 2)
    lesson = batchnorm.batchnorm_lesson(
        to_array(request.x, "x", 2),
        request.gamma,
        request.beta,
        request.eps,
        request.momentum,
        request.running_mean,
        request.running_var,
        dout,
    )

    def listed(a):
        return None if a is None else a.tolist()

    return BatchNormResponse(
        mean=lesson.mean.tolist(),
        var=lesson.var.tolist(),
        x_hat=lesson.x_hat.tolist(),
        out=lesson.out.tolist(),
        out_mean=lesson.out_mean.tolist(),
        out_std=lesson.out_std.tolist(),
        wrong_x_hat=lesson.wrong_x_hat.tolist(),
        wrong_out=lesson.wrong_out.tolist(),
        wrong_mean=lesson.wrong_mean.tolist(),
        running_mean=lesson.running_mean.tolist(),
        running_var=lesson.running_var.tolist(),
        unbiased_var=lesson.unbiased_var.tolist(),
        inference_out=lesson.inference_out.tolist(),
        dx=listed(lesson.dx),
        dgamma=listed(lesson.dgamma),
        dbeta=listed(lesson.dbeta),
    )
