"""create_app(): static files, pages, API routers, error handlers and security headers."""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import pages
from app.api import activations, cnn, conv, image, optim, pool, training
from app.core.errors import InputError
from app.security import SecurityHeadersMiddleware, too_large_detail
from app.settings import get_settings, resource_dir

logger = logging.getLogger("cnnlab")

API_ROUTERS = [
    conv.router,
    activations.router,
    pool.router,
    image.router,
    optim.router,
    training.router,
    cnn.router,
]


# Pydantic names the member of a union it tried ("constrained-int", "list[int]"): not a field.
UNION_MEMBER = re.compile(r"^(list\[.*\]|constrained-\w+|int|float|str|bool|none|function-.*)$")


def describe_location(loc: tuple) -> str:
    """('body', 'weights', 0, 1) -> 'weights[0][1]'."""
    parts = [
        p
        for p in loc
        if p not in ("body", "query", "path", "form")
        and not (isinstance(p, str) and UNION_MEMBER.match(p))
    ]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    messages = []
    for error in errors[:5]:
        message = error.get("msg", "invalid")
        if error.get("type") == "finite_number":
            message = "must be a finite number (NaN and Infinity are not accepted)"
        elif error.get("type") == "json_invalid":
            position = error.get("loc", ("body", "?"))[-1]
            messages.append(f"body: not valid JSON (error at character {position})")
            continue
        text = f"{describe_location(tuple(error.get('loc', ())))}: {message}"
        if text not in messages:
            messages.append(text)
    if len(errors) > 5:
        messages.append(f"... and {len(errors) - 5} more")
    fields = [
        "body" if e.get("type") == "json_invalid" else describe_location(tuple(e.get("loc", ())))
        for e in errors
    ]
    return JSONResponse(
        status_code=422,
        content={"detail": "; ".join(messages), "field": fields[0] if fields else None},
    )


async def input_error_handler(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": exc.message, "field": exc.field})


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        return JSONResponse(
            status_code=400,
            content={
                "detail": "body: could not be parsed (malformed, too deeply nested, or a number "
                "with too many digits)",
                "field": "body",
            },
        )
    if exc.status_code == 413:
        detail = too_large_detail(request.scope)
    return JSONResponse(
        status_code=exc.status_code, content={"detail": detail}, headers=exc.headers
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not the caller's fault: log it, and say so without leaking internals.
    logger.exception("unhandled error on %s", request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal error"})


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="cnnlab",
        summary="The numbers behind convolutions, pooling, activations and optimisers.",
        version="0.1.0",
        docs_url=None,  # served by pages.py with local Swagger UI assets (no CDN)
        redoc_url=None,
    )
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(InputError, input_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")
    # Body limits per router (not app-wide) so that the 413 passes through the headers middleware;
    # a route may set a larger limit of its own (image uploads).
    for router in API_ROUTERS:
        app.include_router(router, max_body_size=settings.max_body_bytes)
    app.include_router(pages.router)
    return app


app = create_app()
