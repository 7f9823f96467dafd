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
from app.core.filters import STAGES
from app.i18n import N_, _, gettext, ngettext
from app.imaging import decode_image, encode_png
from app.schemas.image import (
    MAX_SPEC_CHARS,
    PREVIEW_MAX_VALUES,
    RESPONSE_MAX_BYTES,
    FeatureMap,
    FilterRequestSpec,
    FilterResponse,
    InputPixels,
    Stage,
)
from app.server import HeavyRoute
from app.settings import Settings, request_settings
from app.uploads import parse_form
from app.validation import describe_error

# Stages are quantised and PNG-encoded in threads (NumPy and zlib release the GIL).
ENCODERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="png")
FIELDS = ("file", "spec")
# Part headers and boundaries: a few hundred bytes in practice.
FRAMING_BYTES = 64_000

router = APIRouter(prefix="/api/image", tags=["image filters"], route_class=HeavyRoute)


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


# The standard library's JSON messages (json.JSONDecodeError.msg), to translate them.
JSON_ERRORS = {
    message: message
    for message in (
        N_("Expecting value"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Invalid \\uXXXX escape"),
        N_("Extra data"),
    )
}


def spec_error(exc: ValidationError) -> InputError:
    """The first validation error, with its place in the spec: 'spec.filters[0].kernel: ...'."""
    error = exc.errors()[0]
    field = "spec"
    for part in error.get("loc", ()):
        field += f"[{part}]" if isinstance(part, int) else f".{part}"
    message = describe_error(error).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    if more:
        message = ngettext(
            "{message} (and {more} more problem)", "{message} (and {more} more problems)", more
        ).format(message=message, more=more)
    return InputError(f"{field}: {message}", field)


def spec_field_error(exc: InputError) -> InputError:
    """A core error about the spec, with its place in the form: 'spec.filters[0].kernel: ...'."""
    field = f"spec.{exc.field}" if exc.field else "spec"
    return InputError(f"{field}: {exc.message}", field)


def check_full_stage(spec: FilterRequestSpec) -> None:
    full = spec.full
    if full is None:
        return
    if full.map >= len(spec.filters):
        count = len(spec.filters)
        raise InputError(
            ngettext(
                "spec.full.map: {map} is not one of the filters: there is {count}, numbered from 0",
                "spec.full.map: {map} is not one of the filters: there are {count}, numbered "
                "from 0",
                count,
            ).format(map=full.map, count=count),
            "spec.full.map",
        )
    if full.stage == "pool" and spec.pool is None:
        raise InputError(
            _('spec.full.stage: "pool" needs pool settings; ask for "conv" or "activation"'),
            "spec.full.stage",
        )


def parse_spec(data: bytes) -> FilterRequestSpec:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(_("spec: not UTF-8 text"), "spec") from None
    if not text.strip():
        raise InputError(
            _('spec: empty; send the filters as JSON, e.g. {"filters": [{"preset": "sobel_x"}]}'),
            "spec",
        )
    if len(text) > MAX_SPEC_CHARS:
        raise InputError(
            _("spec: longer than {MAX_SPEC_CHARS:,} characters").format(
                MAX_SPEC_CHARS=MAX_SPEC_CHARS
            ),
            "spec",
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            _("spec: not valid JSON ({msg} at character {pos})").format(
                msg=gettext(JSON_ERRORS.get(exc.msg, exc.msg)), pos=exc.pos
            ),
            "spec",
        ) from None
    except RecursionError:
        raise InputError(_("spec: nested too deeply"), "spec") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputError(_("spec: not usable JSON ({exc})").format(exc=exc), "spec") from None
    if not isinstance(raw, dict):
        raise InputError(_('spec: must be a JSON object such as {"filters": [...]}'), "spec")
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


def encode(a: np.ndarray, spec: FilterRequestSpec, side: int) -> tuple[Stage, bytes]:
    """One stage: its numbers, and its PNG in base64 to go in as a blob.

    The PNG holds the values (or |values|) quantised over the display range (full or robust),
    block-averaged to at most side px (a preview); min and max are always the full stage's.
    """
    display = filters.display_range(a, spec.contrast, spec.view)
    q, factor = filters.render_stage(a, display, side)
    png = encode_png(q if q.ndim == 2 else q.transpose(1, 2, 0))
    stage = Stage(
        image="",
        shape=list(a.shape),
        image_factor=factor,
        min=display.min,
        max=display.max,
        contrast=display.contrast,
        view=display.view,
        display_min=display.lo,
        display_max=display.hi,
        clipped_below=display.below,
        clipped_above=display.above,
        clipped_percent=display.clipped_percent,
        below_zero=int(np.count_nonzero(a < 0)) if a.ndim == 3 else None,
        above_one=int(np.count_nonzero(a > 1)) if a.ndim == 3 else None,
        values=a.tolist() if spec.values else None,
    )
    return stage, base64.b64encode(png)


def encode_input(pixels: np.ndarray, scale: int) -> bytes:
    """The working image's exact integers in base64: an 8-bit PNG (lossless, a third to a half
    smaller than the raw bytes on photos), or raw little-endian 16-bit values."""
    if scale == 255:
        return base64.b64encode(encode_png(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels))
    return base64.b64encode(np.ascontiguousarray(pixels, dtype="<u2").data)


# JSON around the numbers: a map's fields and its kernel (3×11×11 numbers), and the response's.
MAP_JSON_BYTES = 12_000
RESPONSE_JSON_BYTES = 8_000
# The longest a float32 value takes in JSON (repr of its float64, e.g. -1.2345678901234567e-05).
VALUE_JSON_BYTES = 26


def base64_length(n: int) -> int:
    return 4 * -(-n // 3)


def response_bound(stages: list[tuple], n_maps: int, side: int, spec, input_bytes: int) -> dict:
    """Upper bounds of the response's parts, in bytes, before any work: stage PNGs (zlib never
    grows data by more than 5 bytes per 16 KB block plus a few), values, the input, the JSON."""
    images = 0
    for shape in stages:
        channels = int(np.prod(shape[:-2], dtype=np.int64))
        f = max(1, -(-max(shape[-2:]) // side))
        h, w = -(-shape[-2] // f), -(-shape[-1] // f)
        raw = h * (w * channels + 1)
        images += base64_length(raw + 5 * (raw // 16_000 + 1) + 100) + 30
    values = VALUE_JSON_BYTES * sum(int(np.prod(s, dtype=np.int64)) for s in stages)
    return {
        "images": images,
        "values": values if spec.values else 0,
        "input": base64_length(input_bytes) if spec.input else 0,
        "json": RESPONSE_JSON_BYTES + MAP_JSON_BYTES * n_maps,
    }


def check_response_size(bound: dict, spec) -> None:
    total = sum(bound.values())
    if total <= RESPONSE_MAX_BYTES:
        return
    mb = f"{total / 1e6:,.1f} MB"
    limit = f"{RESPONSE_MAX_BYTES / 1e6:g} MB"
    if spec.values and bound["values"] > bound["images"]:
        raise InputError(
            _(
                "spec.values: the raw values of these maps would take about "
                "{mb}, more than the {limit} a response may hold: ask for fewer "
                "filters, or set values to false"
            ).format(mb=mb, limit=limit),
            "spec.values",
        )
    if spec.full_images:
        raise InputError(
            _(
                "spec.full_images: these maps at full resolution would take "
                "about {mb}, more than the {limit} a response may hold: ask for "
                'one stage at a time with "full": {{"map": 0, "stage": "conv"}}, '
                "or leave full_images false for previews"
            ).format(mb=mb, limit=limit),
            "spec.full_images",
        )
    raise InputError(
        _(
            "spec: the response would take about {mb}, more than the {limit} "
            "allowed: set input to false or ask for fewer filters"
        ).format(mb=mb, limit=limit),
        "spec",
    )


def plan(spec: FilterRequestSpec, chosen, image_shape, pool) -> tuple[dict, int]:
    """What the response will hold, before any work: {filter index: {stage: shape}} (one map's
    one stage for `full`; no activation stage when it is the conv stage) and the preview side."""
    C, H, W = image_shape
    wanted = range(len(chosen)) if spec.full is None else [spec.full.map]
    try:
        shapes = {
            i: filters.stage_shapes(
                chosen[i].kernel, C, H, W, spec.padding, spec.stride, pool, f"filters[{i}].kernel"
            )
            for i in wanted
        }
    except InputError as exc:
        raise spec_field_error(exc) from None
    if spec.full is not None:
        shapes = {spec.full.map: {spec.full.stage: shapes[spec.full.map][spec.full.stage]}}
    if spec.activation == "none":  # the activation stage is the conv stage, sent once
        for stages in shapes.values():
            if "conv" in stages:
                del stages["activation"]
    every_shape = [shape for stages in shapes.values() for shape in stages.values()]
    if spec.full is not None or spec.full_images:
        return shapes, max(max(shape[-2:]) for shape in every_shape)
    return shapes, filters.preview_side(every_shape, spec.preview_side, PREVIEW_MAX_VALUES)


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
    check_full_stage(spec)
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
            _(
                "spec.values: raw values are returned for images up to "
                "{image_values_max_side} px on the longest side; this one is "
                "{width}×{height}: set values to false or send a smaller image"
            ).format(
                image_values_max_side=settings.image_values_max_side,
                width=image.width,
                height=image.height,
            ),
            "spec.values",
        )

    x = image.as_chw()
    C = x.shape[0]
    chosen = [filters.make_filter(C, f.preset, f.kernel, f.full_depth) for f in spec.filters]
    pool = spec.pool.model_dump() if spec.pool else None
    shapes, side = plan(spec, chosen, x.shape, pool)
    wanted = list(shapes)
    bound = response_bound(
        [shape for stages in shapes.values() for shape in stages.values()],
        len(shapes),
        side,
        spec,
        image.pixels.nbytes,
    )
    check_response_size(bound, spec)

    # The exact input pixels go to the page for the arithmetic; encoded while the maps compute.
    if spec.input:
        input_b64 = ENCODERS.submit(encode_input, image.pixels, image.scale)

    # One filter's stages at a time: each is encoded in a thread (NumPy, zlib and base64 release
    # the GIL) and dropped, so a request holds one chunk of maps (filters.CHUNK_BYTES) at a time.
    blobs = Blobs()
    maps: dict[int, FeatureMap] = {}
    kernels = [chosen[i].kernel for i in wanted]
    try:
        for j, stages in filters.iter_pipeline(
            x, kernels, spec.padding, spec.stride, spec.activation, pool, spec.mode
        ):
            i = wanted[j]
            jobs = {name: ENCODERS.submit(encode, stages[name], spec, side) for name in shapes[i]}
            del stages
            encoded = {}
            for name, job in jobs.items():
                stage, png = job.result()
                stage.image = blobs.add(b"data:image/png;base64,", png)
                encoded[name] = stage
            if spec.activation == "none" and "conv" in encoded:
                encoded["activation"] = encoded["conv"]
            f = chosen[i]
            maps[i] = FeatureMap(
                index=i,
                name=f.name,
                label=f.label,
                kernel=f.kernel.tolist(),
                kind=f.kind,
                stages={name: encoded[name] for name in STAGES if name in encoded},
            )
    except InputError as exc:
        raise spec_field_error(exc) from None

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
            encoding="png" if image.scale == 255 else "raw",
            data=blobs.add(b"", input_b64.result()),
        )
        if spec.input
        else None,
        preview_side=side,
        maps=[maps[i] for i in sorted(maps)],
        notes=image.notes(settings.image_working_size),
    )
    return Response(
        blobs.splice(response.model_dump_json().encode()), media_type="application/json"
    )
