"""Serving behind a proxy and under a class's load: versioned static files, host checks, gzip,
the health check, the per-worker limit on heavy work, and the uvicorn options `cnnlab` runs with.

create_app (app/main.py) calls setup(); app/cli.py calls uvicorn_options().
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import functools
import gc
import hashlib
import inspect
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio
import h11
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, ResponseValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from jinja2 import pass_context
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.routing import Match
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.i18n import gettext
from app.settings import Settings, get_settings, resource_dir

# Responses smaller than this are sent as they are: gzip would save less than a packet.
GZIP_MIN_BYTES = 1000
# A versioned file never changes (its URL changes with the content): cache it for a year.
VERSIONED_CACHE = "public, max-age=31536000, immutable"
# An unversioned /static/ URL (e.g. a sample image a script fetches) is revalidated each time.
UNVERSIONED_CACHE = "no-cache"
# How long a worker asks a busy client to wait before retrying (Retry-After, seconds).
RETRY_AFTER_SECONDS = 1


def tree_version(directory: Path) -> str:
    """A short hash of every file's path and content: changes whenever any static file does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


STATIC_DIR = resource_dir("static")
STATIC_VERSION = tree_version(STATIC_DIR)
# Versioned files are served under this path. Module scripts import their neighbours relatively,
# so they inherit the version from the page's link.
STATIC_PREFIX = f"/static/{STATIC_VERSION}"


@pass_context
def static_url(context, path: str) -> str:
    """The versioned URL of a file under static/, relative to the page being rendered
    (a Jinja global: {{ static('css/site.css') }}; `root` comes from app/pages.py)."""
    return f"{context['root']}{STATIC_PREFIX.lstrip('/')}/{path.lstrip('/')}"


class CachedStaticFiles(StaticFiles):
    """StaticFiles that sets one Cache-Control header on every file it serves."""

    def __init__(self, *args, cache_control: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache_control = cache_control

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = self.cache_control
        return response


# While heavy work runs, the cyclic garbage collector waits: a trace builds 10⁵-10⁶ small lists
# and dicts (none in a cycle), and the collector, triggered again and again by them, walked them
# all with the GIL held, for 100-400 ms at a time: 4× the request's own time, and the event loop
# frozen meanwhile (measured with bench/bench_loop.py). Reference counting still frees everything
# at once; cycles wait until the worker is idle, or at most GC_MAX_PAUSE seconds under load, when
# a heavy thread collects them once its response is built (not the event loop, where a collection
# took ~80 ms). A collection holds the GIL wherever it runs, so the objects alive at startup are
# frozen (lifespan): it walks only what the requests in flight made.
GC_MAX_PAUSE = 10.0
# How often Python passes the GIL between threads (default 5 ms). The event loop shares it with
# the heavy requests' threads, and waits a turn of each on every wake-up: at 1 ms a tiny request
# no longer queues ~50 ms per busy thread (measured with 4-6 threads of conv traces).
SWITCH_INTERVAL = 0.001
# How much nicer (Linux scheduling priority) the heavy requests' threads are than the event
# loop's: on a machine with fewer cores than busy threads, the loop and the tiny requests it
# serves get the CPU first (a tiny request's p95 fell from 180 to 60 ms on 2 loaded cores).
HEAVY_NICE = 10


def lower_priority() -> None:
    """Run this thread HEAVY_NICE steps nicer. Linux sets a nice value per thread (by its
    native id); elsewhere the value is per process, so the thread is left as it is."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        nice = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + HEAVY_NICE))


class HeavyWorkLimiter:
    """At most `slots` heavy requests at once in this worker, so its peak memory is bounded by
    `slots` times the worst request's; they run on `slots` threads of their own, at a lower
    priority than the event loop (see HeavyRoute).

    One more waits for a slot, at most `wait` seconds and with at most `queue` others (a page
    sends a few requests at once: the training page a dozen); past either it gets a 503 with
    Retry-After at once, never a 30 s wait, and a burst becomes short retries (static/js/api.js
    retries). Only the event loop calls acquire and release, so no lock is needed.
    """

    def __init__(self, slots: int, queue: int = 0, wait: float = 0.0):
        self.slots, self.queue, self.wait = slots, queue, wait
        self.in_use = 0
        self.waiters: collections.deque[asyncio.Future] = collections.deque()
        self.paused_since = 0.0
        self.collect_due = False
        # Threads start on first use; a pool of `slots` never makes a slot holder queue.
        self.pool = ThreadPoolExecutor(
            slots, thread_name_prefix="cnnlab-heavy", initializer=lower_priority
        )

    async def acquire(self) -> bool:
        if self.in_use < self.slots:
            if self.in_use == 0 and gc.isenabled():
                gc.disable()
                self.paused_since = time.monotonic()
            self.in_use += 1
            return True
        if len(self.waiters) >= self.queue or self.wait <= 0:
            return False
        future = asyncio.get_running_loop().create_future()
        self.waiters.append(future)
        try:
            await asyncio.wait_for(future, self.wait)
            return True  # release() handed its slot over
        except TimeoutError:
            return False
        finally:
            if future in self.waiters:
                self.waiters.remove(future)

    def release(self) -> None:
        if time.monotonic() - self.paused_since > GC_MAX_PAUSE and self.in_use > 1:
            self.collect_due = True  # the next heavy thread to finish collects (then_collect)
            self.paused_since = time.monotonic()
        while self.waiters:
            future = self.waiters.popleft()
            if not future.done():
                future.set_result(None)  # the slot passes to the first waiter
                return
        self.in_use -= 1
        if self.in_use == 0:
            gc.enable()

    async def run(self, call):
        """call() on a heavy thread, in the caller's context (its language); awaited to the end
        even if the request is cancelled, as Starlette's run_in_threadpool is, so that its slot
        is not released while the work still holds its memory."""
        context = contextvars.copy_context()
        future = self.pool.submit(context.run, self.then_collect, call)
        with anyio.CancelScope(shield=True):
            return await asyncio.wrap_future(future)

    def then_collect(self, call):
        try:
            return call()
        finally:
            if self.collect_due:
                self.collect_due = False
                gc.collect()


class Busy(HTTPException):
    def __init__(self, limiter: HeavyWorkLimiter):
        super().__init__(
            503,
            gettext(
                "the server is busy: this worker's {slots} heavy-work slots stayed taken "
                "for {wait:g} s; try again in {retry} s"
            ).format(slots=limiter.slots, wait=limiter.wait, retry=RETRY_AFTER_SECONDS),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


async def heavy_work(request: Request):
    """A dependency holding one of the worker's heavy-work slots for the whole request, from
    after its body has arrived (a slow upload does not hold a slot) until its response is sent.
    HeavyRoute adds it to every POST route of a heavy router."""
    await request.body()  # cached on the request: the route reads the same bytes
    limiter: HeavyWorkLimiter = request.app.state.heavy_work
    if not await limiter.acquire():
        raise Busy(limiter)
    try:
        yield
    finally:
        limiter.release()


# The keyword HeavyRoute passes the request to its endpoint's wrapper with.
HEAVY_REQUEST = "heavy_request_"


class HeavyRoute(APIRoute):
    """The route class of the routers whose requests can be heavy (`APIRouter(route_class=
    HeavyRoute)`): each POST holds one of the worker's heavy-work slots (heavy_work), and its
    endpoint runs on the limiter's low-priority threads, with its response validated and
    serialised there too, never on the event loop. GET requests (the catalogues, a surface's
    grid, dataset examples) are small and bounded: they pass freely, on Starlette's threads.
    The light routers (activations, pooling: a few curves, one small grid) use APIRoute.

    Routes are wrapped here, when the router builds them: FastAPI builds an included route
    again from route.endpoint, which is then the wrapper.
    """

    def __init__(self, path: str, endpoint, **kwargs):
        self.heavy = "POST" in (kwargs.get("methods") or ())
        if self.heavy and not inspect.iscoroutinefunction(endpoint):
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(heavy_work)]
            endpoint = self.on_heavy_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def on_heavy_thread(self, endpoint):
        """An async endpoint with `endpoint`'s signature, plus the request if it does not take
        it already (FastAPI passes a route one Request parameter), which awaits
        self.respond(endpoint, ...) on a heavy thread."""
        signature = inspect.signature(endpoint, eval_str=True)
        parameters = list(signature.parameters.values())
        taken = [p.name for p in parameters if p.annotation is Request]
        name = taken[0] if taken else HEAVY_REQUEST
        if not taken:
            parameters.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
            )

        @functools.wraps(endpoint)
        async def on_heavy_thread(**arguments):
            request = arguments[name] if taken else arguments.pop(name)
            limiter: HeavyWorkLimiter = request.app.state.heavy_work
            return await limiter.run(functools.partial(self.respond, endpoint, arguments))

        on_heavy_thread.__signature__ = signature.replace(parameters=parameters)
        return on_heavy_thread

    def respond(self, endpoint, arguments: dict) -> Response:
        """The endpoint's response, validated and serialised by its model as FastAPI would (for
        a model the route returns; a Response, e.g. json_response's orjson bytes, passes)."""
        result = endpoint(**arguments)
        if isinstance(result, Response) or self.response_field is None:
            return result
        value, errors = self.response_field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
        return Response(
            self.response_field.serialize_json(value),
            status_code=self.status_code or 200,
            media_type="application/json",
        )


def heavy_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every operation that holds a heavy-work slot (and may answer 503)."""
    return {
        (method.lower(), context.path_format)
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, HeavyRoute) and route.heavy
        for method in route.methods
    }


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    """A worker's start and end. Once started, the objects alive (modules, schemas, templates)
    live as long as the worker: frozen, no collection walks them again (a full collection of
    them took 27-80 ms, with the GIL held). The heavy threads end with the process (idle
    ones at once; a TestClient may start and stop the same app again)."""
    gc.collect()
    gc.freeze()
    yield


def setup(app: FastAPI, settings: Settings) -> None:
    """Static mounts, the template global, /healthz, gzip and the optional host check."""
    from app import pages  # imported here: pages imports the schemas, which import app.core

    app.state.heavy_work = HeavyWorkLimiter(
        settings.heavy_concurrency, settings.heavy_queue, settings.heavy_queue_seconds
    )
    sys.setswitchinterval(SWITCH_INTERVAL)
    pages.templates.env.globals["static"] = static_url
    app.mount(
        STATIC_PREFIX,
        CachedStaticFiles(directory=STATIC_DIR, cache_control=VERSIONED_CACHE),
        name="static_versioned",
    )
    app.mount(
        "/static",
        CachedStaticFiles(directory=STATIC_DIR, cache_control=UNVERSIONED_CACHE),
        name="static",
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        """For a proxy or an orchestrator: the worker is up and its event loop answers."""
        return {"status": "ok", "static_version": STATIC_VERSION}

    hosts = allowed_hosts(settings)
    document_errors(app, host_check=hosts != ["*"])
    # Level 1: the six-optimiser race's 3.25 MB of float64 JSON compresses to 1.36 MB in 33 ms;
    # level 5 gives 1.29 MB in 124 ms (measured), four times the cost of the race itself.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=1)
    if hosts != ["*"]:
        app.add_middleware(AllowedHostsMiddleware, allowed_hosts=hosts)


def slash_redirect(request: Request) -> Response | None:
    """For a path that matches no route: a redirect to the one with (or without) its trailing
    slash, if that one exists (/api/surfaces/ -> /api/surfaces, as Starlette's redirect_slashes
    does), with a relative Location so that it stays on the proxy's host, scheme and prefix."""
    from app.pages import root_path, site_path

    path = site_path(request)
    if path == "/":
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    scope = {**request.scope, "path": request.scope["path"].removesuffix(path) + other}
    if not any(route.matches(scope)[0] is not Match.NONE for route in request.app.router.routes):
        return None
    query = request.url.query
    location = root_path(path) + other.lstrip("/") + (f"?{query}" if query else "")
    return Response(status_code=307, headers={"location": location})


def allowed_hosts(settings: Settings) -> list[str]:
    return [host.strip() for host in settings.allowed_hosts.split(",") if host.strip()] or ["*"]


# The answer to a request for a host this site does not serve, in the app's error body.
WRONG_HOST = (
    b'{"detail":"the Host header names a host this server does not serve (it answers only to '
    b'the names in CNNLAB_ALLOWED_HOSTS)","field":"Host"}'
)


class AllowedHostsMiddleware:
    """CNNLAB_ALLOWED_HOSTS: a request whose Host header names another host gets a 400 with the
    app's JSON error body (GET /healthz excepted). Starlette's TrustedHostMiddleware does the
    same check (exact names, or "*.example.org" for any subdomain) but answers in plain text,
    with no hook for the body.
    """

    def __init__(self, app, allowed_hosts: list[str]):
        self.app = app
        self.exact = {host.lower() for host in allowed_hosts if not host.startswith("*")}
        self.suffixes = tuple(host[1:].lower() for host in allowed_hosts if host.startswith("*."))

    def allowed(self, host: str) -> bool:
        return host in self.exact or (bool(self.suffixes) and host.endswith(self.suffixes))

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "").split(":")[0].lower()
        # The health check answers any host: a proxy's or orchestrator's probe names an address.
        if self.allowed(host) or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        response = Response(WRONG_HOST, status_code=400, media_type="application/json")
        await response(scope, receive, send)


# ---------------------------------------------------------------- the schema's error bodies

# What each status means, for the statuses a route can answer besides its own (which keep
# their description, e.g. the image upload's 415).
ERROR_STATUSES = {
    "400": "the body could not be parsed (malformed, too deeply nested, not UTF-8), or the Host "
    "header is not one of CNNLAB_ALLOWED_HOSTS (when set)",
    "413": "the body is over its limit (CNNLAB_MAX_BODY_BYTES, or CNNLAB_UPLOAD_MAX_BYTES for "
    "an upload)",
    "422": "invalid input: `detail` names the field and says what is wrong",
    "503": "this worker is busy with other heavy requests: retry after Retry-After seconds",
}


def error_statuses(
    method: str, path: str, operation: dict, host_check: bool, heavy: set[tuple[str, str]]
) -> list[str]:
    """The error statuses one operation can answer: a body can be malformed, too large or
    invalid; parameters invalid; a heavy POST can find its worker busy; with allowed hosts set,
    any request can name a host the site does not serve."""
    statuses = ["400"] if host_check else []
    if "requestBody" in operation:
        statuses += ["413", "422"] if host_check else ["400", "413", "422"]
    elif operation.get("parameters"):
        statuses.append("422")
    if (method, path) in heavy:
        statuses.append("503")
    return statuses


def document_errors(app: FastAPI, host_check: bool = False) -> None:
    """/openapi.json with the app's real error body, {"detail": str, "field": str | null}, for
    every error status each route answers, in place of FastAPI's default 422 body."""
    from fastapi.openapi.utils import get_openapi

    from app.schemas.errors import ErrorBody

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        # "." is resolved against the schema's own address (OpenAPI 3.1, Server Object), so
        # /docs' "Try it out" calls the site where it is mounted, under a proxy's prefix too.
        servers = [{"url": ".", "description": "this site, wherever it is mounted"}]
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
            servers=servers,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        heavy = heavy_operations(app)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in error_statuses(method, path, operation, host_check, heavy):
                    responses.setdefault(status, {"description": ERROR_STATUSES[status]})
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        response["content"] = body
                        if status == "503":
                            response["headers"] = {
                                "Retry-After": {
                                    "description": "seconds to wait",
                                    "schema": {"type": "integer"},
                                }
                            }
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


# ---------------------------------------------------------------- uvicorn


class SlowClientProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus a deadline for a request's headers and a bound on their size.

    uvicorn closes idle keep-alive connections but waits forever for a request that never
    completes its headers (slowloris: 150 such connections stayed open). Here a connection must
    deliver complete headers within `header_timeout` seconds of opening, or of its previous
    response; request bodies are left to the proxy (nginx's client_body_timeout).
    """

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # Read here, not passed in: each worker process builds its protocol from the import path.
        self.header_timeout = get_settings().header_timeout
        self.max_head_bytes = get_settings().max_header_bytes
        self.header_deadline = None
        self.arm_header_deadline()

    def arm_header_deadline(self) -> None:
        self.disarm_header_deadline()
        self.header_deadline = self.loop.call_later(self.header_timeout, self.header_too_slow)

    def disarm_header_deadline(self) -> None:
        if getattr(self, "header_deadline", None) is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self.head_too_large(data):
            self.send_400_response("Request headers too large.")
            return
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # a request's headers are complete
            self.disarm_header_deadline()

    def head_too_large(self, data: bytes) -> bool:
        """h11 bounds only a head still incomplete; a large one sent at once passes. Measure the
        request line and headers (up to the blank line) of the request being read."""
        pending = self.conn.trailing_data[0] + data
        end = pending.find(b"\r\n\r\n")
        return (end if end >= 0 else len(pending)) > self.max_head_bytes

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.arm_header_deadline()

    def connection_lost(self, exc) -> None:
        self.disarm_header_deadline()
        super().connection_lost(exc)

    def header_too_slow(self) -> None:
        self.header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


WORKER_HEALTHCHECK_SECONDS = 60


def uvicorn_options(settings: Settings) -> dict:
    """Keyword arguments for uvicorn.run: timeouts, limits and the proxy's trusted addresses."""
    return {
        "http": "app.server:SlowClientProtocol",
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "server_header": False,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_graceful_shutdown": 10,
        # uvicorn kills a worker that does not answer its supervisor's ping within this many
        # seconds (default 5), and counts a starting worker's imports against it: on a machine
        # at load 20 every worker of `cnnlab --workers 2` was killed while starting, again and
        # again, and none ever served.
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }
