"""Inputs whose results would overflow to Infinity (null in JSON, where the schema promises a
number) are refused with a 422 naming the field."""

import io
import json

import pytest
from PIL import Image


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "prelu", "x": [-1e308, 1e308], "alpha": 100}, "x[0]"),
        ({"name": "leaky_relu", "x": [1, -1e308], "alpha": 100}, "x[1]"),
        ({"name": "maxout", "x": [1], "pieces": [[1e308, 1e308], [-1, 0]]}, "pieces[0][0]"),
    ],
)
def test_activations_at_1e308(client, body, field):
    response = client.post("/api/activations", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_largest_allowed_activation_inputs_stay_numbers(client):
    body = {"name": "maxout", "x": [-1e6, 1e6], "pieces": [[1e6, 1e6], [-1e6, -1e6]]}
    response = client.post("/api/activations", json=body)
    assert response.status_code == 200
    assert None not in response.json()["y"] + response.json()["dy"]


def test_avg_pool_over_huge_values(client):
    body = {"input": [[[1e308] * 4] * 4], "mode": "avg", "size": 4}
    assert client.post("/api/pool2d", json=body).status_code == 422
    largest = client.post("/api/pool2d", json={**body, "input": [[[1e6] * 4] * 4]})
    assert largest.status_code == 200 and largest.json()["output"] == [[[1e6]]]


def test_image_kernel_of_3e38(client):
    image = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 90)).save(image, "PNG")
    spec = {"filters": [{"kernel": [[3e38] * 3] * 3}]}
    response = client.post(
        "/api/image/filter",
        files={"file": ("a.png", image.getvalue(), "image/png")},
        data={"spec": json.dumps(spec)},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "spec.filters[0].kernel"
