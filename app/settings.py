"""Limits and server options from the environment (prefix CNNLAB_).

create_app(settings) keeps them in app.state; handlers read them per request (request_settings),
so a test can build an app with a lower limit instead of sending a 10 MB body.
"""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """templates/ or static/: inside the package when installed from a wheel, else the repo root."""
    bundled = PACKAGE_DIR / name
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNNLAB_")

    host: str = "127.0.0.1"
    port: int = 8000
    # Largest JSON request body, in bytes (the lessons' payloads are a few kB).
    max_body_bytes: int = 2_000_000
    # Largest image upload, in bytes (the multipart body may be a little larger).
    upload_max_bytes: int = 10_000_000
    # Decoded pixel count above which an image is refused before decoding (decompression bombs).
    image_max_pixels: int = 50_000_000
    # Memory an upload may take to decode, in bytes (imaging.decode_cost: decoded pixels × the
    # decoder's bytes per pixel; JPEGs are decoded at a reduced size first).
    image_decode_max_bytes: int = 128_000_000
    # Longest side an uploaded image is downscaled to before the work.
    image_working_size: int = 1024
    # Longest side for which the image API returns raw values ("values": true).
    image_values_max_side: int = 128
    # CSP frame-ancestors: "'none'" forbids framing; give origins to allow an LMS to embed pages.
    frame_ancestors: str = "'none'"
    # Key of the HMAC that signs the CNN lesson's training states (POST /api/cnn/train). Every
    # worker and machine serving one class must share it (a per-process random key would refuse
    # another worker's states). The default is public: set your own so states cannot be forged.
    state_secret: str = "cnnlab-training-state"

    # Serving (app/server.py). Addresses whose X-Forwarded-For/-Proto headers are believed: the
    # proxy's ("*" for any, e.g. a proxy on another machine of a private network).
    forwarded_allow_ips: str = "127.0.0.1"
    # Comma-separated host names the app answers to ("*": any). Set it for a public deployment,
    # e.g. "cnnlab.school.example": other Host headers get a 400.
    allowed_hosts: str = "*"
    # Heavy API requests run at once per worker; more wait briefly (below), then get a 503 with
    # Retry-After. More threads than cores add no throughput, only memory and event-loop latency:
    # scale by workers.
    heavy_concurrency: int = 4
    # Heavy requests that may wait for a slot, and for how many seconds, before that 503.
    heavy_queue: int = 16
    heavy_queue_seconds: float = 5.0
    # Open connections per worker; more get a 503 (uvicorn's limit_concurrency).
    max_connections: int = 500
    # Seconds a new (or kept-alive) connection has to send a request's complete headers: a
    # browser sends them at once; 150 slowloris connections are closed within 8 s.
    header_timeout: float = 5.0
    # Seconds an idle keep-alive connection stays open.
    keep_alive_timeout: int = 5
    # Largest request head (request line and headers), in bytes.
    max_header_bytes: int = 16_384


@lru_cache
def get_settings() -> Settings:
    """The environment's settings, read on first use (by create_app and the cnnlab command)."""
    return Settings()


def request_settings(request: Request) -> Settings:
    """The settings of the app serving this request (a FastAPI dependency)."""
    return request.app.state.settings
