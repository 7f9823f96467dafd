"""Pages, headers and OpenAPI: what every response carries."""

import json
import re

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
        assert f'href="./{lesson.slug}"' in text  # relative: the site may sit under a prefix


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


def catalogue_of(client, slug):
    """The JSON data block a lesson page carries (app/pages.py)."""
    text = client.get(f"/{slug}").text
    match = re.search(r'<script type="application/json" id="catalogue">(.*?)</script>', text, re.S)
    assert match, f"/{slug} has no catalogue"
    return json.loads(match.group(1))


@pytest.mark.parametrize("slug", [lesson.slug for lesson in LESSONS])
def test_every_lesson_carries_its_catalogue(client, slug):
    catalogue = catalogue_of(client, slug)
    for name, spec in catalogue["controls"].items():
        assert spec["type"] in ("int", "float"), name
        assert spec["min"] <= spec["default"] <= spec["max"], name


def test_catalogues_come_from_the_core_and_the_schemas(client):
    from app.core import activations, filters, init
    from app.schemas.activations import VanishingRequest
    from app.schemas.common import MAX_SEED
    from app.schemas.training import InitRequest

    functions = catalogue_of(client, "activations")["functions"]
    labels = {name: f["label"] for name, f in functions.items()}
    assert labels == {name: f.label for name, f in activations.FUNCTIONS.items()}
    presets = catalogue_of(client, "filters")["presets"]
    assert [p["name"] for p in presets] == list(filters.PRESETS)
    assert presets[3]["label"] == filters.PRESETS["gaussian_blur_3"].label
    assert list(catalogue_of(client, "training")["schemes"]) == list(init.SCHEMES)
    # A seed a request takes is bounded by that request's field; the page's own by MAX_SEED.
    seed_max = VanishingRequest.model_fields["seed"].metadata[-1].le
    assert catalogue_of(client, "activations")["controls"]["vseed"]["max"] == seed_max
    assert catalogue_of(client, "conv")["controls"]["seed"]["max"] == MAX_SEED
    layers = catalogue_of(client, "training")["controls"]["layers"]
    assert layers["max"] == InitRequest.model_fields["layers"].metadata[-1].le
    # The template's inputs carry the same limits as the script's state.
    assert 'name="k" min="1" max="7"' in client.get("/conv").text


def test_the_maths_renderer_is_vendored_with_its_licence(client):
    assert client.get("/static/vendor/temml/temml.mjs").status_code == 200
    assert "MIT License" in client.get("/static/vendor/temml/LICENSE").text
    assert "vendor/temml/Temml-Local.css" in client.get("/optimizers").text


@pytest.mark.parametrize(
    ("path", "root"), [("/convolution", "./"), ("/Conv", "./"), ("/lessons/pooling", "../")]
)
def test_a_mistyped_page_is_the_sites_404_page(client, path, root):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert 'style="' not in response.text and "<script>" not in response.text
    for lesson in LESSONS:
        assert f'href="{root}{lesson.slug}"' in response.text


@pytest.mark.parametrize("path", ["/api/conv", "/api/nope/deeper", "/static/nope.css"])
def test_unknown_api_and_static_paths_stay_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"] == "Not Found"
