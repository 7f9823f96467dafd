"""POST /api/activations, /api/activations/vanishing and /api/activations/dead-relu."""

import numpy as np
from fastapi import APIRouter

from app.core import activations
from app.schemas.activations import (
    ActivationRequest,
    ActivationResponse,
    DeadReluRequest,
    DeadReluResponse,
    VanishingRequest,
    VanishingResponse,
)

router = APIRouter(prefix="/api/activations", tags=["activations"])


@router.post("", summary="An activation function and its derivative")
def activation(request: ActivationRequest) -> ActivationResponse:
    """y = f(x) and dy = f'(x) at every point, with PyTorch's derivative at the kinks
    (ReLU'(0) = 0, LeakyReLU'(0) = PReLU'(0) = ELU'(0) = α, Maxout: the first winning piece).
    """
    info = activations.FUNCTIONS[request.name]
    alpha = request.alpha if request.alpha is not None else info["alpha"]
    x = np.asarray(request.x, dtype=np.float64)
    y, dy, extras = activations.activation(request.name, x, alpha, request.pieces)
    return ActivationResponse(
        name=request.name,
        alpha=None if info["alpha"] is None else float(alpha),
        y=y.tolist(),
        dy=dy.tolist(),
        dalpha=extras["dalpha"].tolist() if "dalpha" in extras else None,
        winner=extras["winner"].tolist() if "winner" in extras else None,
        info=info,
    )


@router.post("/vanishing", summary="Vanishing gradients: products of derivatives through layers")
def vanishing(request: VanishingRequest) -> VanishingResponse:
    """The product f'(z_1)···f'(z_k) for k = 1..depth, z drawn per layer and sample (seeded).

    That product multiplies a gradient flowing back through k layers (weights aside): for the
    sigmoid it is at most 0.25^k.
    """
    z, result = activations.vanishing_gradients(
        request.functions,
        request.depth,
        request.samples,
        request.distribution,
        request.loc,
        request.scale,
        request.seed,
    )
    return VanishingResponse(
        depth=list(range(1, request.depth + 1)),
        functions={
            name: {key: values.tolist() for key, values in stats.items()}
            for name, stats in result.items()
        },
        sigmoid_bound=(0.25 ** np.arange(1, request.depth + 1)).tolist(),
        draws_mean=float(z.mean()),
        draws_std=float(z.std()),
    )


@router.post("/dead-relu", summary="Dead ReLU: which inputs a unit is active on, and its gradient")
def dead_relu(request: DeadReluRequest) -> DeadReluResponse:
    """A unit max(0, w·x + b) on seeded inputs: the share it is active on, and dL/dw, dL/db for
    an upstream gradient of 1 per input (averaged). A dead unit's gradient is exactly 0.
    """
    result = activations.dead_relu(
        request.weight,
        request.bias,
        request.samples,
        request.distribution,
        request.loc,
        request.scale,
        request.seed,
    )
    return DeadReluResponse(
        x=result["x"].tolist(),
        active=result["active"].tolist(),
        fraction_active=result["fraction_active"],
        grad_weight=result["grad_weight"],
        grad_bias=result["grad_bias"],
        dead=result["dead"],
        kink=None if request.weight == 0 else -request.bias / request.weight,
    )
