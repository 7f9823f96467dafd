"""POST /api/image/filter: an uploaded image through conv -> activation -> pooling, per filter."""

from __future__ import annotations

import base64
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import Response

from app.core import filters
from app.core.errors import InputError
from app.imaging import decode_image, encode_png
from app.schemas.image import (
    MAX_SPEC_CHARS,
    PREVIEW_SIDE,
    FeatureMap,
    FilterRequestSpec,
    FilterResponse,
    InputPixels,
    Stage,
)
from app.settings import Settings, request_settings
from app.uploads import parse_form

# Stages are quantised and PNG-encoded in threads (NumPy and zlib release the GIL).
ENCODERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="png")
FIELDS = ("file", "spec")
# Part headers and boundaries: a few hundred bytes in practice.
FRAMING_BYTES = 64_000

router = APIRouter(prefix="/api/image", tags=["image filters"])


def body_limit(settings: Settings) -> int:
    """The largest upload body: the image, the spec and the multipart framing."""
    return settings.upload_max_bytes + MAX_SPEC_CHARS + FRAMING_BYTES


async def read_body(request: Request) -> bytes:
    """The raw body, in memory (app.security bounds its size while it is read)."""
    return await request.body()


SPEC_DESCRIPTION = (
    'JSON, e.g. {"color": "gray", "filters": [{"preset": "sobel_x"}, {"kernel": [[0, 1, 0], '
    '[1, -4, 1], [0, 1, 0]]}], "padding": "same", "stride": 1, "activation": "relu", '
    '"pool": {"mode": "max", "size": 2, "stride": 2}, "values": false}. Presets: '
    + ", ".join(filters.PRESETS)
    + ". Every field but filters has a default."
)


def spec_error(exc: ValidationError) -> InputError:
    """The first validation error, with its place in the spec: 'spec.filters[0].kernel: ...'."""
    error = exc.errors()[0]
    field = "spec"
    for part in error.get("loc", ()):
        field += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    if error.get("type") == "finite_number":
        message = "must be a finite number (NaN and Infinity are not accepted)"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return InputError(f"{field}: {message}{suffix}", field)


def parse_spec(data: bytes) -> FilterRequestSpec:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("spec: not UTF-8 text", "spec") from None
    if not text.strip():
        raise InputError(
            'spec: empty; send the filters as JSON, e.g. {"filters": [{"preset": "sobel_x"}]}',
            "spec",
        )
    if len(text) > MAX_SPEC_CHARS:
        raise InputError(f"spec: longer than {MAX_SPEC_CHARS:,} characters", "spec")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"spec: not valid JSON ({exc.msg} at character {exc.pos})", "spec"
        ) from None
    except RecursionError:
        raise InputError("spec: nested too deeply", "spec") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputError(f"spec: not usable JSON ({exc})", "spec") from None
    if not isinstance(raw, dict):
        raise InputError('spec: must be a JSON object such as {"filters": [...]}', "spec")
    try:
        return FilterRequestSpec.model_validate(raw)
    except ValidationError as exc:
        raise spec_error(exc) from None


class Blobs:
    """Large base64 strings kept out of the JSON serializer: the model holds a short token in
    their place, and splice() puts the bytes back into the serialized JSON in one pass.

    Base64 and "data:" prefixes need no JSON escaping, so nothing is lost; pydantic and json
    would otherwise scan every byte of ~30 MB (8 filters × 3 stages of a 1024² image) for
    characters to escape, which cost more than computing the maps.
    """

    TOKEN = re.compile(rb'"@blob(\d+)@"')

    def __init__(self):
        self.parts: list[tuple[bytes, bytes]] = []

    def add(self, prefix: bytes, b64: bytes) -> str:
        """A token for prefix + b64 (base64 bytes) to put in the model."""
        self.parts.append((prefix, b64))
        return f"@blob{len(self.parts) - 1}@"

    def splice(self, body: bytes) -> bytes:
        pieces = self.TOKEN.split(body)
        out = [pieces[0]]
        for index, text in zip(pieces[1::2], pieces[2::2], strict=True):
            prefix, data = self.parts[int(index)]
            out += [b'"', prefix, data, b'"', text]
        return b"".join(out)


def encode(a: np.ndarray, with_values: bool, full_image: bool) -> tuple[Stage, bytes]:
    """One stage: its numbers, and its PNG (quantised values) in base64 to go in as a blob.

    Unless full_image, a stage larger than PREVIEW_SIDE is drawn block-averaged (a preview);
    min and max are the full stage's, and the preview is quantised on that same range.
    """
    lo, hi = float(a.min()), float(a.max())
    shown, factor = (a, 1) if full_image else filters.block_mean(a, PREVIEW_SIDE)
    q, _, _ = filters.quantize(shown, lo, hi)
    png = encode_png(q if q.ndim == 2 else q.transpose(1, 2, 0))
    stage = Stage(
        image="",
        shape=list(a.shape),
        image_factor=factor,
        min=lo,
        max=hi,
        below_zero=int(np.count_nonzero(a < 0)) if a.ndim == 3 else None,
        above_one=int(np.count_nonzero(a > 1)) if a.ndim == 3 else None,
        values=a.tolist() if with_values else None,
    )
    return stage, base64.b64encode(png)


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": list(FIELDS),
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PNG, JPEG, GIF, WebP or BMP image",
                    },
                    "spec": {"type": "string", "description": SPEC_DESCRIPTION},
                },
            }
        }
    },
}


@router.post(
    "/filter",
    summary="Filter an uploaded image: convolution, activation, pooling",
    response_model=FilterResponse,
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={
        413: {"description": "the upload is larger than the limit (upload_max_bytes)"},
        415: {"description": "not an image, or not PNG, JPEG, GIF, WebP or BMP"},
        422: {
            "description": "a bad spec (detail names the field), an empty, damaged or truncated "
            "image, or one with more pixels than image_max_pixels (decompression bomb), or a "
            "form without exactly one file and one spec"
        },
    },
)
def filter_image(
    request: Request,
    body: Annotated[bytes, Depends(read_body)],
    settings: Annotated[Settings, Depends(request_settings)],
) -> Response:  # FilterResponse, serialized by hand: see Blobs
    """Each filter's feature map at every stage: convolution, then ReLU (or none), then pooling.

    The body is multipart/form-data with one `file` (the image) and one `spec` (JSON). Pixel
    values are scaled to [0, 1] (value / 255; 16-bit images by 65535) before the convolution.
    Images larger than the working size are downscaled first and the response says so. The
    upload is parsed in memory (never written to disk) and dropped after the request.
    """
    form = parse_form(body, request.headers.get("content-type", ""), FIELDS)
    spec = parse_spec(form["spec"].data)
    image = decode_image(
        form["file"].data,
        spec.color,
        settings.image_max_pixels,
        settings.image_working_size,
        settings.upload_max_bytes,
        settings.image_decode_max_bytes,
    )
    if spec.values and max(image.width, image.height) > settings.image_values_max_side:
        raise InputError(
            f"spec.values: raw values are returned for images up to "
            f"{settings.image_values_max_side} px on the longest side; this one is "
            f"{image.width}×{image.height}: set values to false or send a smaller image",
            "spec.values",
        )

    # The exact input pixels go to the page for the arithmetic; encoded while the maps compute.
    pixels = image.pixels if image.scale == 255 else image.pixels.astype("<u2")
    input_b64 = ENCODERS.submit(base64.b64encode, np.ascontiguousarray(pixels).data)
    x = image.as_chw()
    C = x.shape[0]
    chosen = [filters.make_filter(C, f.preset, f.kernel, f.full_depth) for f in spec.filters]
    pool = spec.pool.model_dump() if spec.pool else None

    # Each stage is quantised and encoded in a thread as soon as it is computed (NumPy, zlib and
    # base64 release the GIL); with activation "none" the activation stage is the conv stage.
    jobs = {}
    activation_is_conv = spec.activation == "none"

    def submit(i, name, array):
        if not (name == "activation" and activation_is_conv):
            jobs[(i, name)] = ENCODERS.submit(encode, array, spec.values, spec.full_images)

    try:
        results = filters.pipeline(
            x,
            [f.kernel for f in chosen],
            spec.padding,
            spec.stride,
            spec.activation,
            pool,
            spec.mode,
            on_stage=submit,
        )
    except InputError as exc:
        field = f"spec.{exc.field}" if exc.field else "spec"
        raise InputError(f"{field}: {exc.message}", field) from None

    blobs = Blobs()
    maps = []
    for i, (f, stages) in enumerate(zip(chosen, results, strict=True)):
        encoded = {}
        for name in stages:
            if (i, name) in jobs:
                stage, png = jobs[(i, name)].result()
                stage.image = blobs.add(b"data:image/png;base64,", png)
                encoded[name] = stage
        encoded.setdefault("activation", encoded["conv"])
        maps.append(
            FeatureMap(
                name=f.name,
                label=f.label,
                kernel=f.kernel.tolist(),
                kind=f.kind,
                stages={
                    name: encoded[name]
                    for name in ("conv", "activation", "pool")
                    if name in encoded
                },
            )
        )

    response = FilterResponse(
        width=image.width,
        height=image.height,
        original_width=image.original_width if image.scaled else None,
        original_height=image.original_height if image.scaled else None,
        scaled=image.scaled,
        working_size=settings.image_working_size,
        format=image.format,
        mode=image.mode,
        frames=image.frames,
        orientation=image.orientation,
        color=spec.color,
        channels=C,
        padding=spec.padding,
        stride=spec.stride,
        activation=spec.activation,
        conv_mode=spec.mode,
        pool=spec.pool,
        input=InputPixels(
            channels=C,
            bits=8 if image.scale == 255 else 16,
            scale=image.scale,
            data=blobs.add(b"", input_b64.result()),
        ),
        maps=maps,
        notes=image.notes(settings.image_working_size),
    )
    return Response(
        blobs.splice(response.model_dump_json().encode()), media_type="application/json"
    )
