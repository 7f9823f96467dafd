"""`cnnlab` console script: serve the app with uvicorn."""

import argparse

import uvicorn

from app.server import uvicorn_options
from app.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="cnnlab", description="Serve the cnnlab lessons.")
    parser.add_argument("--host", default=settings.host, help=f"default {settings.host}")
    parser.add_argument("--port", type=int, default=settings.port, help=f"default {settings.port}")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--forwarded-allow-ips",
        default=settings.forwarded_allow_ips,
        help="comma-separated addresses of the proxies whose X-Forwarded-* headers are trusted "
        f"('*' for any; default {settings.forwarded_allow_ips})",
    )
    args = parser.parse_args(argv)
    options = uvicorn_options(settings) | {"forwarded_allow_ips": args.forwarded_allow_ips}
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers, **options)


if __name__ == "__main__":
    main()
