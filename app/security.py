"""Security headers on every response, as a pure ASGI middleware (cheap, and sees 413s too)."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Starlette's body limit answers 413 in plain text; every error here is JSON with a detail.
BODY_LIMIT_SCOPE_KEY = "starlette.max_body_size"


def too_large_detail(scope: Scope) -> str:
    limit = scope.get(BODY_LIMIT_SCOPE_KEY)
    return "request body too large" + (f": the limit is {limit:,} bytes" if limit else "")


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

        too_large_body = None

        async def send_with_headers(message: Message) -> None:
            nonlocal too_large_body
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if (
                    message["status"] == 413
                    and (b"content-type", b"text/plain; charset=utf-8") in headers
                ):
                    too_large_body = json.dumps({"detail": too_large_detail(scope)}).encode()
                    headers = [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(too_large_body)).encode()),
                    ]
                headers += [
                    (b"content-security-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if self.frame_options:
                    headers.append((b"x-frame-options", self.frame_options))
                message["headers"] = headers
            elif message["type"] == "http.response.body" and too_large_body is not None:
                message = {"type": "http.response.body", "body": too_large_body}
                too_large_body = b""
            await send(message)

        await self.app(scope, receive, send_with_headers)
