"""POST /api/training/init and /api/training/batchnorm: before and during training."""

import numpy as np
from fastapi import APIRouter

from app.core import batchnorm, init
from app.core.errors import ShapeError
from app.schemas.common import to_array
from app.schemas.training import (
    BatchNormRequest,
    BatchNormResponse,
    InitRequest,
    InitResponse,
)

router = APIRouter(prefix="/api/training", tags=["training"])


@router.post("/init", summary="Weight initialisation: activations layer by layer")
def initialisation(request: InitRequest) -> InitResponse:
    """Forward a seeded batch x ~ N(0, 1) through `layers` fully connected layers h = f(h·W)
    with W drawn by the scheme; per layer the mean, std and a histogram of the activations.
    With 0.01·randn they collapse towards 0 layer by layer; Xavier keeps tanh spread; He ReLU.
    """
    result = init.layer_statistics(
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
        formula=init.SCHEMES[request.scheme],
        weight_std=result["weight_std"],
        bin_edges=result["bin_edges"].tolist(),
        input_mean=result["input"]["mean"],
        input_std=result["input"]["std"],
        layers=[
            {**stats, "layer": k + 1, "histogram": stats["histogram"].tolist()}
            for k, stats in enumerate(result["layers"])
        ],
    )


def per_feature(values, name: str, D: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (D,):
        raise ShapeError(f"{name} has {array.size} values, one per feature is needed ({D})", name)
    return array


@router.post("/batchnorm", summary="Batch normalisation: forward, backward, running averages")
def batch_norm(request: BatchNormRequest) -> BatchNormResponse:
    """Training-mode batch norm of x (N×D): μ, σ² (1/N), x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β,
    as torch.nn.functional.batch_norm(training=True). Also the lecture notes' mistaken
    (x − σ)/√(σ² + ε), the running averages after this batch (momentum, unbiased variance, as
    PyTorch), the test-time output with them, and given grad_output: dx, dγ, dβ.
    """
    x = to_array(request.x, "x", 2)
    N, D = x.shape
    out, cache = batchnorm.batchnorm_forward(x, request.gamma, request.beta, request.eps)
    wrong_x_hat, wrong_out = batchnorm.batchnorm_wrong(x, request.gamma, request.beta, request.eps)
    running_mean = (
        np.zeros(D)
        if request.running_mean is None
        else per_feature(request.running_mean, "running_mean", D)
    )
    running_var = (
        np.ones(D)
        if request.running_var is None
        else per_feature(request.running_var, "running_var", D)
    )
    if np.any(running_var < 0):
        raise ShapeError("running_var must be 0 or more", "running_var")
    new_mean, new_var = batchnorm.update_running(running_mean, running_var, cache, request.momentum)
    inference = batchnorm.batchnorm_inference(
        x, cache["gamma"], request.beta, new_mean, new_var, request.eps
    )
    grads = {}
    if request.grad_output is not None:
        dout = to_array(request.grad_output, "grad_output", 2)
        dx, dgamma, dbeta = batchnorm.batchnorm_backward(dout, cache)
        grads = {"dx": dx.tolist(), "dgamma": dgamma.tolist(), "dbeta": dbeta.tolist()}
    return BatchNormResponse(
        mean=cache["mean"].tolist(),
        var=cache["var"].tolist(),
        x_hat=cache["x_hat"].tolist(),
        out=out.tolist(),
        out_mean=out.mean(axis=0).tolist(),
        out_std=out.std(axis=0).tolist(),
        wrong_x_hat=wrong_x_hat.tolist(),
        wrong_out=wrong_out.tolist(),
        wrong_mean=wrong_x_hat.mean(axis=0).tolist(),
        running_mean=new_mean.tolist(),
        running_var=new_var.tolist(),
        unbiased_var=(cache["var"] * N / (N - 1)).tolist(),
        inference_out=inference.tolist(),
        **grads,
    )
