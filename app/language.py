"""The language of each request (pages and API): a pure ASGI middleware.

Order (docs/i18n.md): the URL's `lang` (`zh`/`en`), then the remembered choice (the
`cnnlab_lang` cookie, set whenever a `lang` parameter is seen), then `Accept-Language`. The
result is app.i18n.current_language for everything that runs for the request: the handlers,
FastAPI's threadpool (it copies the context), the exception handlers, the templates.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import current_language, negotiate

COOKIE = "cnnlab_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def header(scope: Scope, name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope["headers"] if key == name]
    return ", ".join(values) if values else None


def query_language(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    values = [value for key, value in parse_qsl(query) if key == "lang"]
    return values[-1] if values else None


def cookie_language(scope: Scope) -> str | None:
    raw = header(scope, b"cookie")
    if not raw:
        return None
    cookies = SimpleCookie()
    try:
        cookies.load(raw)
    except Exception:  # a malformed Cookie header: as if there were none
        return None
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel else None


def request_language(scope: Scope) -> tuple[str, str]:
    """(language, source) where source is 'url', 'cookie', 'header' or 'default'."""
    return negotiate(
        query_language(scope),
        cookie_language(scope),
        header(scope, b"accept-language"),
        api="/api/" in scope["path"],
    )


def add_vary(headers: list[tuple[bytes, bytes]], names: tuple[bytes, ...]) -> None:
    """Adds names to the response's Vary header (one header, existing values kept)."""
    existing = [value for key, value in headers if key.lower() == b"vary"]
    values = [v.strip() for value in existing for v in value.split(b",") if v.strip()]
    lowered = {v.lower() for v in values}
    values += [name for name in names if name.lower() not in lowered]
    headers[:] = [(k, v) for k, v in headers if k.lower() != b"vary"]
    headers.append((b"vary", b", ".join(values)))


class LanguageMiddleware:
    """Sets current_language, remembers a `lang` parameter in a cookie, and marks responses
    that depend on the language (Vary), so a cache never serves one language for the other."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language, source = request_language(scope)
        scope.setdefault("state", {})["language"] = language
        # Not reset afterwards: uvicorn runs each request in its own task (its own context), and
        # Starlette's outermost error handler, which answers unexpected errors, runs after this
        # middleware has returned and should still speak the request's language.
        current_language.set(language)
        static = "/static/" in scope["path"]

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start" and not static:
                headers = list(message.get("headers", []))
                add_vary(headers, (b"Accept-Language", b"Cookie"))
                if source == "url":
                    cookie = f"{COOKIE}={language}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax"
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)
