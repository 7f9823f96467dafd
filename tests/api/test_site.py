"""Pages, headers and OpenAPI: what every response carries."""

import pytest

from app.pages import LESSONS


@pytest.mark.parametrize("path", ["/", "/docs", *[f"/{lesson.slug}" for lesson in LESSONS]])
def test_pages_render_with_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline scripts
    assert 'style="' not in response.text  # no inline styles


def test_home_has_a_card_per_lesson(client):
    text = client.get("/").text
    for lesson in LESSONS:
        assert f'href="/{lesson.slug}"' in text


def test_static_files_and_vendor_licences(client):
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui/LICENSE").status_code == 200


def test_no_cdn_in_templates_or_scripts(client):
    for path in ["/", "/docs", *[f"/{lesson.slug}" for lesson in LESSONS]]:
        text = client.get(path).text
        assert "cdn" not in text.lower() and "https://" not in text


def test_openapi_documents_the_api(client):
    schema = client.get("/openapi.json").json()
    assert "/api/conv2d" in schema["paths"]
    assert "/api/conv2d/backward" in schema["paths"]


def test_unknown_path_is_json_404(client):
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not Found"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_wrong_method_is_405(client):
    response = client.get("/api/conv2d")
    assert response.status_code == 405
