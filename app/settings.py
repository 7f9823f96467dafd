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


@lru_cache
def get_settings() -> Settings:
    """The environment's settings, read on first use (by create_app and the cnnlab command)."""
    return Settings()


def request_settings(request: Request) -> Settings:
    """The settings of the app serving this request (a FastAPI dependency)."""
    return request.app.state.settings
