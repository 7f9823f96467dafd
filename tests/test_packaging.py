"""The wheel carries templates/ and static/; the console script and settings read the env."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import cli
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_every_template_and_static_file(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("cnnlab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                assert f"app/{path.relative_to(ROOT)}" in names, path
    assert "app/main.py" in names and "app/core/conv.py" in names
    # the CNN lesson's shipped data and its licence
    assert "app/data/fashion_subset.npz" in names and "app/data/DATA.md" in names
    # the Chinese catalogues (compiled in memory when the app starts)
    for path in (ROOT / "app" / "locale").rglob("*.po"):
        assert f"app/{path.relative_to(ROOT / 'app')}" in names, path


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("CNNLAB_PORT", "9123")
    monkeypatch.setenv("CNNLAB_UPLOAD_MAX_BYTES", "1000")
    settings = Settings()
    assert settings.port == 9123 and settings.upload_max_bytes == 1000


def test_console_script_passes_host_and_port(monkeypatch):
    calls = {}
    monkeypatch.setattr(cli.uvicorn, "run", lambda target, **kw: calls.update(target=target, **kw))
    cli.main(["--host", "0.0.0.0", "--port", "8765"])
    expected = {"target": "app.main:app", "host": "0.0.0.0", "port": 8765, "workers": 1}
    assert {key: calls[key] for key in expected} == expected
    # and the serving options of app/server.py (tests/deploy/test_server.py checks them)
    assert calls["server_header"] is False and calls["http"] == "app.server:SlowClientProtocol"
