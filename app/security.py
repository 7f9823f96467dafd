"""Security headers on every response, and request-body limits: two pure ASGI middlewares."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext

# No inline scripts or styles anywhere: pages load modules and stylesheets from static/.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {frame_ancestors}"
)
# Swagger UI sets style attributes while rendering, so /docs alone may use inline styles.
DOCS_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "'none'"):
        self.app = app
        self.page_policy = PAGE_POLICY.format(frame_ancestors=frame_ancestors).encode()
        self.docs_policy = DOCS_POLICY.format(frame_ancestors=frame_ancestors).encode()
        self.frame_options = b"DENY" if frame_ancestors == "'none'" else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.docs_policy if scope["path"] in ("/docs", "/redoc") else self.page_policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if self.frame_options:
                    headers.append((b"x-frame-options", self.frame_options))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """A request body over its limit (app.main answers a JSON 413 naming the limit).

    An HTTPException, so that FastAPI lets it through when it is raised while FastAPI reads the
    body (any other exception there becomes a 400).
    """

    def __init__(self, limit: int):
        super().__init__(
            413, gettext("request body too large: the limit is {limit:,} bytes").format(limit=limit)
        )
        self.limit = limit


class BodyLimitMiddleware:
    """Counts the bytes of every request body as the app reads them; over the limit, the read
    raises BodyTooLarge. A declared Content-Length over the limit fails on the first read.

    JSON bodies get json_limit; multipart/form-data bodies (image uploads) get upload_limit.
    Nothing is buffered here: the app reads the body as it would without this middleware.
    """

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int):
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    def limit_for(self, scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.upload_limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted_receive, send)
