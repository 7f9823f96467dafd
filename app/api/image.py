"""POST /api/image/filter: an uploaded image through conv -> activation -> pooling, per filter."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import Annotated

import numpy as np
from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from app.core import filters
from app.core.errors import InputError
from app.imaging import ImageError, WorkingImage, decode_image, encode_png, read_limited
from app.schemas.image import (
    MAX_SPEC_CHARS,
    PREVIEW_SIDE,
    FeatureMap,
    FilterRequestSpec,
    FilterResponse,
    InputPixels,
    Stage,
)
from app.settings import get_settings

# The body holds the image, the spec and the multipart framing.
UPLOAD_BODY_LIMIT = get_settings().upload_max_bytes + MAX_SPEC_CHARS + 64_000

# Stages are quantised and PNG-encoded in threads (NumPy and zlib release the GIL).
ENCODERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="png")


class InMemoryMultiPartParser(MultiPartParser):
    """Starlette spools file parts over 1 MB to a temporary file on disk; uploads here must never
    touch the disk, so the spool never rolls over (the route's body limit bounds the memory)."""

    spool_max_size = sys.maxsize


class InMemoryFormRequest(Request):
    async def _get_form(self, *, max_files=1000, max_fields=1000, max_part_size=1024 * 1024):
        content_type = self.headers.get("content-type", "")
        if self._form is None and content_type.lower().startswith("multipart/form-data"):
            try:
                async with aclosing(self.stream()) as stream:
                    parser = InMemoryMultiPartParser(
                        self.headers,
                        stream,
                        max_files=max_files,
                        max_fields=max_fields,
                        max_part_size=max_part_size,
                    )
                    self._form = await parser.parse()
            except MultiPartException as exc:
                raise HTTPException(status_code=400, detail=exc.message) from None
        return await super()._get_form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )


class InMemoryUploadRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def in_memory_handler(request: Request) -> Response:
            return await handler(InMemoryFormRequest(request.scope, request.receive))

        return in_memory_handler


router = APIRouter(prefix="/api/image", tags=["image filters"], route_class=InMemoryUploadRoute)

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


def parse_spec(text: str) -> FilterRequestSpec:
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

    def add(self, prefix: bytes, data: bytes, encoded: bool = False) -> str:
        self.parts.append((prefix, data if encoded else base64.b64encode(data)))
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


def notes_for(image: WorkingImage, settings) -> list[str]:
    notes = []
    if image.scaled:
        notes.append(
            f"downscaled from {image.original_width}×{image.original_height} to "
            f"{image.width}×{image.height} (longest side {settings.image_working_size}) "
            "before the work"
        )
    if image.orientation != 1:
        notes.append(f"EXIF orientation {image.orientation} applied: the image is shown upright")
    if image.frames > 1:
        notes.append(f"animated image: the first of {image.frames} frames is used")
    if image.transparent:
        notes.append("transparent pixels are composited onto white")
    if image.mode == "CMYK":
        notes.append("CMYK converted to RGB")
    if image.scale == 65535:
        notes.append("16-bit image: values are divided by 65535 (its own range), not 255")
    return notes


@router.post(
    "/filter",
    summary="Filter an uploaded image: convolution, activation, pooling",
    max_body_size=UPLOAD_BODY_LIMIT,
    response_model=FilterResponse,
    responses={
        413: {"description": "the upload is larger than the limit (upload_max_bytes)"},
        415: {"description": "not an image, or not PNG, JPEG, GIF, WebP or BMP"},
        422: {
            "description": "a bad spec (detail names the field), an empty, damaged or truncated "
            "image, or one with more pixels than image_max_pixels (decompression bomb)"
        },
    },
)
def filter_image(
    file: Annotated[UploadFile, File(description="PNG, JPEG, GIF, WebP or BMP image")],
    spec: Annotated[str, Form(description=SPEC_DESCRIPTION)],
) -> Response:  # FilterResponse, serialized by hand: see Blobs
    """Each filter's feature map at every stage: convolution, then ReLU (or none), then pooling.

    Pixel values are scaled to [0, 1] (value / 255; 16-bit images by 65535) before the
    convolution. Images larger than the working size are downscaled first and the response says
    so. The upload is read into memory (never written to disk) and dropped after the request.
    """
    settings = get_settings()
    request = parse_spec(spec)
    try:
        data = read_limited(file.file, settings.upload_max_bytes)
        image = decode_image(
            data, request.color, settings.image_max_pixels, settings.image_working_size
        )
    except ImageError as exc:
        if exc.status_code == 422:
            raise InputError(exc.message, "file") from None
        # A JSONResponse, not an HTTPException: the app's 413 handler would replace the detail
        # with the body limit's wording, and this one names the upload limit.
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.message, "field": "file"}
        )
    if request.values and max(image.width, image.height) > settings.image_values_max_side:
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
    kernels, names, labels = [], [], []
    for f in request.filters:
        if f.preset is not None:
            k = filters.preset_kernel(f.preset)
            label = filters.PRESETS[f.preset].label
            if f.full_depth:
                k = np.stack([k / np.float32(C)] * C)
                label += " (full depth)"
            kernels.append(k)
            names.append(f.preset)
            labels.append(label)
        else:
            k = np.asarray(f.kernel, dtype=np.float32)
            kernels.append(k)
            names.append("custom")
            labels.append("Custom " + "×".join(map(str, k.shape)))
    pool = request.pool.model_dump() if request.pool else None

    # Each stage is quantised and encoded in a thread as soon as it is computed (NumPy, zlib and
    # base64 release the GIL); with activation "none" the activation stage is the conv stage.
    jobs = {}

    def submit(i, name, array):
        if name == "activation" and activation_is_conv:
            return
        jobs[(i, name)] = ENCODERS.submit(encode, array, request.values, request.full_images)

    activation_is_conv = request.activation == "none"
    try:
        results = filters.pipeline(
            x,
            kernels,
            request.padding,
            request.stride,
            request.activation,
            pool,
            request.mode,
            on_stage=submit,
        )
    except InputError as exc:
        field = f"spec.{exc.field}" if exc.field else "spec"
        raise InputError(f"{field}: {exc.message}", field) from None

    blobs = Blobs()
    maps = []
    for i, stages in enumerate(results):
        encoded = {}
        for name in stages:
            if (i, name) in jobs:
                stage, png = jobs[(i, name)].result()
                stage.image = blobs.add(b"data:image/png;base64,", png, encoded=True)
                encoded[name] = stage
        if "activation" not in encoded:
            encoded["activation"] = encoded["conv"]
        k = kernels[i]
        kind = "full-depth" if k.ndim == 3 else ("per-channel" if C > 1 else "single")
        maps.append(
            FeatureMap(
                name=names[i],
                label=labels[i],
                kernel=k.tolist(),
                kind=kind,
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
        color=request.color,
        channels=C,
        padding=request.padding,
        stride=request.stride,
        activation=request.activation,
        conv_mode=request.mode,
        pool=request.pool,
        input=InputPixels(
            channels=C,
            bits=8 if image.scale == 255 else 16,
            scale=image.scale,
            data=blobs.add(b"", input_b64.result(), encoded=True),
        ),
        maps=maps,
        notes=notes_for(image, settings),
    )
    return Response(
        blobs.splice(response.model_dump_json().encode()), media_type="application/json"
    )
