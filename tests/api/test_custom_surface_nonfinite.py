"""Typed surfaces whose constants divide by zero or overflow: data for the map, 4xx for a race."""

import pytest
from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)
DOMAIN = [[-1, 1], [-1, 1]]


@pytest.mark.parametrize("expression", ["x + 1/0", "0^-1", "0/0", "2/(1-1)", "1/0*x", "log(0)*x"])
def test_a_constant_that_is_not_finite_is_shaded_not_a_crash(expression):
    r = client.post("/api/surfaces/custom", json={"expression": expression, "domain": DOMAIN})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["nonfinite_count"] == len(body["xs"]) * len(body["ys"])
    race = {
        "surface": {"expression": expression, "domain": DOMAIN},
        "start": [0.5, 0.5],
        "steps": 5,
        "optimizers": [{"name": "sgd", "lr": 0.01}],
    }
    r = client.post("/api/optimize", json=race)
    assert r.status_code == 422
    assert r.json()["field"] == "start"
    assert "not a number at the start" in r.json()["detail"]
