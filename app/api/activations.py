"""POST /api/activations, /api/activations/vanishing and /api/activations/dead-relu."""

from dataclasses import asdict

import numpy as np
from fastapi import APIRouter

from app.core import activations
from app.i18n import gettext
from app.schemas.activations import (
    ActivationInfo,
    ActivationRequest,
    ActivationResponse,
    DeadReluRequest,
    DeadReluResponse,
    ProductStats,
    VanishingRequest,
    VanishingResponse,
)

router = APIRouter(prefix="/api/activations", tags=["activations"])


def listed(a: np.ndarray | None) -> list | None:
    return None if a is None else a.tolist()


@router.post("", summary="An activation function and its derivative")
def activation(request: ActivationRequest) -> ActivationResponse:
    """y = f(x) and dy = f'(x) at every point, with PyTorch's derivative at the kinks
    (ReLU'(0) = 0, LeakyReLU'(0) = PReLU'(0) = ELU'(0) = α, Maxout: the first winning piece).
    """
    x = np.asarray(request.x, dtype=np.float64)
    result = activations.activation(request.name, x, request.alpha, request.pieces)
    return ActivationResponse(
        name=request.name,
        alpha=result.alpha,
        y=result.y.tolist(),
        dy=result.dy.tolist(),
        dalpha=listed(result.dalpha),
        winner=listed(result.winner),
        info=info(activations.FUNCTIONS[request.name]),
    )


def info(function: activations.Function) -> ActivationInfo:
    """A function's details, its formulas and range in the request's language."""
    fields = asdict(function)
    for key in ("formula", "derivative", "range"):
        fields[key] = gettext(fields[key])
    return ActivationInfo(**fields)


@router.post("/vanishing", summary="Vanishing gradients: products of derivatives through layers")
def vanishing(request: VanishingRequest) -> VanishingResponse:
    """The product f'(z_1)···f'(z_k) for k = 1..depth, z drawn per layer and sample (seeded).

    That product multiplies a gradient flowing back through k layers (weights aside): for the
    sigmoid it is at most 0.25^k.
    """
    result = activations.vanishing_gradients(
        request.functions,
        request.depth,
        request.samples,
        request.distribution,
        request.loc,
        request.scale,
        request.seed,
    )
    return VanishingResponse(
        depth=result.depth.tolist(),
        functions={
            name: ProductStats(
                mean=stats.mean.tolist(),
                median=stats.median.tolist(),
                fraction_zero=stats.fraction_zero.tolist(),
            )
            for name, stats in result.functions.items()
        },
        sigmoid_bound=result.sigmoid_bound.tolist(),
        draws_mean=result.draws_mean,
        draws_std=result.draws_std,
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
        x=result.x.tolist(),
        active=result.active.tolist(),
        fraction_active=result.fraction_active,
        grad_weight=result.grad_weight,
        grad_bias=result.grad_bias,
        dead=result.dead,
        kink=result.kink,
    )
