"""Models for POST /api/export/animation: a stepped lesson's body in, an animated image out.

The body is the one the lesson's own endpoint takes (POST /api/conv2d, /api/pool2d or
/api/optimize), validated by that endpoint's model, so its limits hold here too.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.animation import DEFAULT_FRAMES, FRAME_SIZE, MAX_BYTES, MAX_FRAMES
from app.schemas.common import StrictModel
from app.schemas.conv import Conv2dRequest
from app.schemas.optim import OptimizeRequest
from app.schemas.pool import Pool2dRequest

Frames = Annotated[
    int,
    Field(
        ge=2,
        le=MAX_FRAMES,
        description=f"at most this many frames (≤ {MAX_FRAMES}); a longer trace is sampled "
        "evenly, its first and last steps kept",
    ),
]
Format = Annotated[
    Literal["gif", "webp"], Field(description="animated GIF, or animated lossless WebP")
]


# The body each stepped lesson's endpoint takes, validated by that endpoint's own model.
LESSON_BODIES = {"conv": Conv2dRequest, "pooling": Pool2dRequest, "optimizers": OptimizeRequest}


class AnimationRequest(StrictModel):
    lesson: Literal["conv", "pooling", "optimizers"] = Field(
        description="the stepped lesson: convolution, pooling or the optimiser race"
    )
    body: dict[str, Any] = Field(
        description="the body its endpoint takes: POST /api/conv2d, /api/pool2d or /api/optimize"
    )
    format: Format = "gif"
    frames: Frames = DEFAULT_FRAMES


class AnimationResponse(BaseModel):
    lesson: str
    format: str
    media_type: str = Field(description="image/gif or image/webp")
    frames: int = Field(description="frames in the file")
    steps: int = Field(description="steps in the lesson's trace (frames ≤ steps)")
    width: int = Field(description=f"{FRAME_SIZE[0]} pixels")
    height: int = Field(description=f"{FRAME_SIZE[1]} pixels")
    duration_ms: int = Field(description="per frame")
    bytes: int = Field(description=f"size of the file, ≤ {MAX_BYTES:,}")
    data: str = Field(description="the file, base64")
