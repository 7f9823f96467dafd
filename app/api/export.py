"""POST /api/export/animation: a stepped lesson as an animated GIF or WebP of its steps.

The numbers come from the lesson's own handler (the same trace the page steps through); the
frames are drawn by app.animation. Work is bounded before it starts: the lesson's request model
bounds the trace, `frames` bounds the pictures, and every frame has one fixed size.
"""

import base64
import json

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.animation import MAX_BYTES, conv_frames, pool_frames, race_frames
from app.api import conv, optim, pool
from app.core.errors import InputError
from app.i18n import gettext
from app.pages import LESSONS
from app.schemas.common import to_array
from app.schemas.export import LESSON_BODIES, AnimationRequest, AnimationResponse
from app.server import HeavyRoute

router = APIRouter(prefix="/api/export", tags=["export"], route_class=HeavyRoute)

TITLES = {lesson.slug: f"cnnlab · {lesson.title}" for lesson in LESSONS}
MEDIA_TYPES = {"gif": "image/gif", "webp": "image/webp"}


def lesson_body(request: AnimationRequest):
    """The body, validated by the lesson endpoint's own model; its mistakes named body.<field>."""
    try:
        return LESSON_BODIES[request.lesson].model_validate(request.body)
    except ValidationError as error:
        errors = [{**e, "loc": ("body", "body", *e["loc"])} for e in error.errors()]
        raise RequestValidationError(errors) from None


def no_trace(what: str) -> InputError:
    return InputError(
        gettext("{what} is too large to trace step by step: use a smaller input").format(what=what),
        "body",
    )


@router.post("/animation", summary="A stepped lesson as an animated GIF or WebP")
def animation(request: AnimationRequest) -> AnimationResponse:
    """The convolution's or pooling's windows one step a frame, or the optimiser race's paths
    growing step by step, drawn from the numbers the lesson's own endpoint returns."""
    body = lesson_body(request)
    if request.lesson != "optimizers":
        body = body.model_copy(update={"trace": True})
    title = TITLES[request.lesson]
    if request.lesson == "conv":
        response = json.loads(conv.conv2d(body).body)  # serialised by orjson (json_response)
        if not response["steps"]:
            raise no_trace(gettext("this convolution"))
        x, w, _ = conv.arrays(body)
        result = conv_frames(x, w, response, request.frames, request.format, title)
        steps = len(response["steps"])
    elif request.lesson == "pooling":
        response = json.loads(pool.pool2d(body).body)
        if not response["steps"]:
            raise no_trace(gettext("this pooling"))
        x = to_array(body.input, "input", 3)
        result = pool_frames(x, response, request.frames, request.format, title)
        steps = len(response["steps"])
    else:
        body = body.model_copy(update={"internals": False})
        response = json.loads(optim.optimize(body).body)
        surface = optim.surface_of(body.surface)
        result = race_frames(surface, response, request.frames, request.format, title)
        steps = response["steps"]
    if len(result.data) > MAX_BYTES:
        raise InputError(
            gettext(
                "the animation is {data_count:,} bytes, over the "
                "{MAX_BYTES:,}-byte limit: ask for fewer frames"
            ).format(data_count=len(result.data), MAX_BYTES=MAX_BYTES),
            "frames",
        )
    return AnimationResponse(
        lesson=request.lesson,
        format=request.format,
        media_type=MEDIA_TYPES[request.format],
        frames=result.frames,
        steps=steps,
        width=result.width,
        height=result.height,
        duration_ms=result.duration_ms,
        bytes=len(result.data),
        data=base64.b64encode(result.data).decode("ascii"),
    )
