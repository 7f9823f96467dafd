"""POST /api/image/probe: the arithmetic of one pixel of a feature map, from the core."""

import numpy as np
from fastapi import APIRouter

from app.core import filters
from app.schemas.common import to_array
from app.schemas.probe import ProbeConv, ProbePool, ProbeRequest, ProbeResponse
from app.server import HeavyRoute

router = APIRouter(prefix="/api/image", tags=["image filters"], route_class=HeavyRoute)


@router.post("/probe", summary="The arithmetic of one pixel of a feature map")
def probe(request: ProbeRequest) -> ProbeResponse:
    """The window a pixel of the conv, activation or pool map comes from, the kernel, every
    product, the sum per channel, the conv value, the activation and the pool window with its
    winner or mean: computed in float32 by the code that computes /api/image/filter's maps, from
    the exact pixels of its `input`. Send only the pixels the output pixel depends on.
    """
    pixels = to_array(request.pixels, "pixels", 3, dtype=np.int64)
    f = request.filter
    kernel = filters.preset_kernel(f.preset) if f.preset is not None else f.kernel
    result = filters.probe_pixel(
        pixels,
        request.scale,
        tuple(request.origin),
        tuple(request.image_size),
        kernel,
        request.padding,
        request.stride,
        request.activation,
        request.pool.model_dump() if request.pool else None,
        request.mode,
        request.stage,
        request.row,
        request.col,
    )
    return ProbeResponse(
        stage=result.stage,
        row=result.row,
        col=result.col,
        kind=result.kind,
        kernel=result.kernel.tolist(),
        pools=[
            ProbePool(
                channel=p.channel,
                top=p.top,
                left=p.left,
                values=p.values.tolist(),
                winner=list(p.winner) if p.winner else None,
                ties=p.ties,
                sum=p.sum,
                divisor=p.divisor,
                value=p.value,
            )
            for p in result.pools
        ],
        convs=[
            ProbeConv(
                channel=c.channel,
                row=c.row,
                col=c.col,
                top=c.top,
                left=c.left,
                window=c.window.tolist(),
                is_padding=c.is_padding.tolist(),
                products=c.products.tolist(),
                channel_sums=c.channel_sums.tolist(),
                value=c.value,
                activated=c.activated,
            )
            for c in result.convs
        ],
        value=result.value,
    )
