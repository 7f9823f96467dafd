"""Embed mode in the HTML (?embed=1, controls=0, text=0) and CNNLAB_FRAME_ANCESTORS."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.pages import LESSONS
from app.settings import Settings


@pytest.mark.parametrize("slug", [lesson.slug for lesson in LESSONS])
def test_every_lesson_has_the_share_mount_and_an_embed_mode(client, slug):
    page = client.get(f"/{slug}")
    assert page.status_code == 200
    assert 'class="site-header"' in page.text and 'id="share"' in page.text
    assert f'data-lesson="{slug}"' in page.text and "js/share.js" in page.text
    embedded = client.get(f"/{slug}?embed=1&controls=0&text=0")
    assert 'class="site-header"' not in embedded.text
    assert '<body class="embed embed-no-controls embed-no-text">' in embedded.text
    assert 'id="share"' in embedded.text  # the "open in cnnlab" link mounts there


def test_flags_are_only_read_with_embed(client):
    assert "<body>" in client.get("/conv?controls=0&text=0").text
    assert '<body class="embed">' in client.get("/conv?embed=1").text
    assert '<body class="embed embed-no-text">' in client.get("/pooling?embed=1&text=0").text
    assert "<body>" in client.get("/conv?embed=yes").text


def test_framing_is_refused_by_default(client):
    headers = client.get("/conv?embed=1").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_the_environment_variable_allows_a_course_site(monkeypatch):
    monkeypatch.setenv("CNNLAB_FRAME_ANCESTORS", "https://course.example.edu")
    settings = Settings()
    assert settings.frame_ancestors == "https://course.example.edu"
    with TestClient(create_app(settings)) as client:
        headers = client.get("/conv?embed=1").headers
    policy = headers["content-security-policy"]
    assert "frame-ancestors https://course.example.edu" in policy
    assert "script-src 'self'" in policy and "style-src 'self';" in policy
    assert "x-frame-options" not in headers
