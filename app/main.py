"""create_app(): static files, pages, API routers, error handlers and security headers."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app import pages, server
from app.api import (
    activations,
    cnn,
    conv,
    conv_transpose,
    export,
    image,
    optim,
    pool,
    probe,
    training,
)
from app.api import code as code_api
from app.core.errors import InputError
from app.i18n import N_, gettext
from app.imaging import ImageError
from app.language import LanguageMiddleware
from app.security import BodyLimitMiddleware, BodyTooLarge, SecurityHeadersMiddleware
from app.settings import Settings, get_settings
from app.validation import describe_error

logger = logging.getLogger("cnnlab")

API_ROUTERS = [
    conv.router,
    conv_transpose.router,
    activations.router,
    pool.router,
    image.router,
    probe.router,
    optim.router,
    training.router,
    cnn.router,
    export.router,
    code_api.router,
]

# Where a request's value came from: not part of the field's name.
SOURCES = ("body", "query", "path", "header", "cookie")

# The framework raises these statuses with its own words; ours say what to do. FastAPI answers
# 400 when its JSON parser gives up on a body that is not a JSON syntax error (nested too deeply,
# a number with thousands of digits, bytes that are not UTF-8).
FRAMEWORK_DETAILS = {
    400: (
        N_(
            "body: could not be parsed (malformed, too deeply nested, or a number with too many "
            "digits)"
        ),
        "body",
    ),
}
# Statuses the framework answers on its own (no such route, a route without that method).
FRAMEWORK_MESSAGES = {"Not Found": N_("Not Found"), "Method Not Allowed": N_("Method Not Allowed")}


def describe_location(loc: tuple) -> str:
    """('body', 'weights', 0, 1) -> 'weights[0][1]'."""
    parts = loc[1:] if loc and loc[0] in SOURCES else loc
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def error_body(detail: str, field: str | None) -> dict:
    return {"detail": detail, "field": field}


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    messages, fields = [], []
    for error in errors:
        if error.get("type") == "json_invalid":
            position = error.get("loc", ("body", "?"))[-1]
            text = gettext("body: not valid JSON (error at character {position})").format(
                position=position
            )
            field = "body"
        else:
            field = describe_location(tuple(error.get("loc", ())))
            text = f"{field}: {describe_error(error)}"
        fields.append(field)
        if text not in messages:
            messages.append(text)
    shown = messages[:5]
    if len(messages) > 5:
        shown.append(gettext("... and {count} more").format(count=len(messages) - 5))
    return JSONResponse(
        status_code=422,
        content=error_body(gettext("; ").join(shown), fields[0] if fields else None),
    )


async def input_error_handler(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(status_code=422, content=error_body(exc.message, exc.field))


async def image_error_handler(request: Request, exc: ImageError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content=error_body(exc.message, "file"))


async def body_too_large_handler(request: Request, exc: BodyTooLarge) -> JSONResponse:
    return JSONResponse(status_code=413, content=error_body(exc.detail, "body"))


async def http_error_handler(request: Request, exc: HTTPException):
    if exc.status_code == 404 and (redirect := server.slash_redirect(request)):
        return redirect
    if exc.status_code == 404 and pages.is_page_path(request):
        return pages.not_found_page(request)
    detail, field = FRAMEWORK_DETAILS.get(exc.status_code, (exc.detail, None))
    if exc.status_code in FRAMEWORK_DETAILS:
        detail = gettext(detail)
    elif isinstance(detail, str) and detail in FRAMEWORK_MESSAGES:
        detail = gettext(FRAMEWORK_MESSAGES[detail])
    return JSONResponse(
        status_code=exc.status_code, content=error_body(detail, field), headers=exc.headers
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not the caller's fault: log it, and say so without leaking internals.
    logger.exception("unhandled error on %s", request.url.path)
    return JSONResponse(status_code=500, content=error_body(gettext("internal error"), None))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The whole site; settings default to the environment's (tests pass their own)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="cnnlab",
        summary="The numbers behind convolutions, pooling, activations and optimisers.",
        version="0.1.0",
        docs_url=None,  # served by pages.py with local Swagger UI assets (no CDN)
        redoc_url=None,
        # Starlette's trailing-slash redirect names the Host header's address; server.py's
        # slash_redirect answers those with a relative Location instead.
        redirect_slashes=False,
        lifespan=server.lifespan,
    )
    app.state.settings = settings
    # The last added runs first: security headers wrap every response, 413s included.
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_body_bytes,
        upload_limit=image.body_limit(settings),
    )
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    # The request's language (app.i18n.current_language) for everything inside, errors included.
    app.add_middleware(LanguageMiddleware)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(InputError, input_error_handler)
    app.add_exception_handler(ImageError, image_error_handler)
    app.add_exception_handler(BodyTooLarge, body_too_large_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    server.setup(app, settings)
    for router in API_ROUTERS:
        app.include_router(router)
    app.include_router(pages.router)
    return app


app = create_app()
