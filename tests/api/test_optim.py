"""/api/surfaces, /api/optimizers, /api/optimize and /api/optimize/search: status, then JSON."""

import json

import pytest
from numpy.testing import assert_allclose

from app.schemas.optim import OptimizeResponse, SearchResponse

SIX = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


def strict_json(response):
    """Parse refusing NaN and Infinity, which Python's json would otherwise accept."""

    def refuse(constant):
        raise AssertionError(f"{constant} in the response")

    return json.loads(response.text, parse_constant=refuse)


def race(client, **overrides):
    body = {
        "surface": "rosenbrock",
        "start": [-1.2, 1.0],
        "steps": 20,
        "optimizers": [{"name": "sgd", "lr": 1e-3}, {"name": "adam", "lr": 0.01}],
        **overrides,
    }
    return client.post("/api/optimize", json=body)


def test_surfaces_follow_the_contract(client):
    response = client.get("/api/surfaces")
    assert response.status_code == 200
    surfaces = {s["name"]: s for s in response.json()}
    assert len(surfaces) >= 10
    rosenbrock = surfaces["rosenbrock"]
    assert rosenbrock["domain"] == [[-2.0, 2.0], [-1.0, 3.0]]
    assert rosenbrock["minima"] == [[1.0, 1.0]]
    assert rosenbrock["default_start"] == [-1.2, 1.0]
    assert "100" in rosenbrock["formula"] and rosenbrock["log_scale"] is True
    assert rosenbrock["formula"] == r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2"
    assert len(surfaces["himmelblau"]["minima"]) == 4
    assert surfaces["saddle"]["minima"] == [] and surfaces["saddle"]["f_min"] is None


def test_surface_grid(client):
    response = client.get("/api/surfaces/booth/grid", params={"resolution": 3})
    assert response.status_code == 200
    grid = response.json()
    assert grid["xs"] == [-10.0, 0.0, 10.0]
    assert grid["values"][1][1] == pytest.approx(49 + 25)  # f(0, 0)
    assert grid["min"] == pytest.approx(min(min(row) for row in grid["values"]))


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/surfaces/banana/grid", "surface"),
        ("/api/surfaces/booth/grid?resolution=1000", "resolution"),
        ("/api/surfaces/booth/grid?resolution=1", "resolution"),
    ],
)
def test_surface_grid_errors(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    assert field in response.json()["field"]


def test_optimizers_catalogue(client):
    response = client.get("/api/optimizers")
    assert response.status_code == 200
    catalogue = {o["name"]: o for o in response.json()}
    assert set(SIX) <= set(catalogue)
    assert catalogue["adam"]["params"]["eps"]["default"] == 1e-8
    assert catalogue["rmsprop"]["params"]["eps"]["default"] == 1e-7
    assert catalogue["momentum"]["search_second"] == "rho"
    assert any("m̂" in line for line in catalogue["adam"]["equations"])
    # the page's presets and the numbers panel's rows come from here
    adam = catalogue["adam"]
    rows = [q["name"] for q in adam["quantities"]]
    assert rows == ["grad", "lr", "m", "v", "bias_correction1", "bias_correction2", "m_hat",
                    "v_hat", "denominator", "effective_lr"]  # fmt: skip
    assert adam["internals"] == [*rows, "update"]
    assert adam["quantities"][2] == {
        "name": "m", "symbol": "m ← β1·m + (1 − β1)·g", "meaning": "first moment",
        "param": "beta1", "kind": "pair", "schedule_only": False,
    }  # fmt: skip
    assert catalogue["nesterov"]["quantities"][0]["name"] == "lookahead"
    assert adam["lesson"] == {"rates": [0.001, 0.6, 30.0], "surface": "rosenbrock"}
    assert catalogue["rmsprop"]["search_ranges"] == {"lr": [1e-4, 1.0], "second": [0.5, 0.999]}
    defaults = [o["name"] for o in response.json() if o["race_default"] is not None]
    assert defaults == ["sgd", "momentum", "rmsprop", "adam"]


def test_race_returns_the_runs_in_order(client):
    response = race(
        client,
        steps=30,
        optimizers=[{"name": n, "lr": 1e-3} for n in reversed(SIX)],
    )
    assert response.status_code == 200
    data = strict_json(response)
    assert [run["name"] for run in data["runs"]] == list(reversed(SIX))
    for run in data["runs"]:
        assert len(run["points"]) == 31 and len(run["losses"]) == 31
        assert run["points"][0] == [-1.2, 1.0]
        assert run["losses"][0] == pytest.approx(24.2)
        assert run["diverged_at"] is None
        assert run["final_loss"] == run["losses"][-1]
        assert len(run["internals"]["grad"]) == 30
    adam = data["runs"][0]
    assert adam["params"] == {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert adam["internals"]["bias_correction1"][0] == pytest.approx(0.1)
    assert abs(adam["points"][1][0] - adam["points"][0][0]) == pytest.approx(1e-3, rel=1e-6)
    nesterov = data["runs"][3]
    assert nesterov["internals"]["lookahead"][0] == [-1.2, 1.0]
    assert nesterov["internals"]["velocity"] is not None
    assert data["runs"][5]["internals"]["m"] is None  # sgd has no moments
    OptimizeResponse.model_validate(data)  # built without validation: hold it to its model


def test_race_without_internals(client):
    response = race(client, internals=False)
    assert response.status_code == 200
    assert response.json()["runs"][0]["internals"] is None
    OptimizeResponse.model_validate(response.json())


def test_every_optimiser_races_with_its_internals_and_default_parameters(client):
    catalogue = client.get("/api/optimizers").json()
    response = race(client, optimizers=[{"name": o["name"], "lr": 1e-3} for o in catalogue])
    assert response.status_code == 200
    data = strict_json(response)
    OptimizeResponse.model_validate(data)
    for info, run in zip(catalogue, data["runs"], strict=True):
        assert set(run["params"]) == set(info["params"])
        for name in info["internals"]:
            assert len(run["internals"][name]) == 20, (info["name"], name)


def test_divergence_is_data_and_never_nan(client):
    response = race(
        client,
        surface="goldstein_price",
        start=[-1.0, 1.5],
        steps=200,
        optimizers=[{"name": "sgd", "lr": 10.0}, {"name": "sgd", "lr": 1e-7}],
    )
    assert response.status_code == 200
    diverged, fine = strict_json(response)["runs"]
    step = diverged["diverged_at"]
    assert step is not None and step >= 1
    assert len(diverged["points"]) == step and len(diverged["internals"]["grad"]) == step - 1
    assert fine["diverged_at"] is None and len(fine["points"]) == 201


def test_gradient_noise(client):
    noisy = race(client, noise={"std": 1.0, "seed": 7}).json()
    again = race(client, noise={"std": 1.0, "seed": 7}).json()
    clean = race(client).json()
    assert noisy == again
    assert noisy["runs"][0]["points"] != clean["runs"][0]["points"]


def test_learning_rate_schedule(client):
    response = race(client, steps=8, schedule={"kind": "step", "step_size": 4, "gamma": 0.1})
    assert response.status_code == 200
    sgd = response.json()["runs"][0]
    assert sgd["internals"]["lr"] == pytest.approx([1e-3] * 4 + [1e-4] * 4)


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"schedule": {"kind": "warmup"}}, "schedule.kind", "constant"),
        ({"schedule": {"kind": "step", "gamma": 0}}, "schedule.gamma", "greater than 0"),
        ({"surface": "banana"}, "surface", "unknown surface"),
        ({"optimizers": [{"name": "lbfgs", "lr": 1}]}, "optimizers[0]", "unknown optimiser"),
        ({"optimizers": [{"name": "sgd", "lr": 0}]}, "optimizers[0].lr", "greater than 0"),
        ({"optimizers": [{"name": "sgd", "lr": -0.1}]}, "optimizers[0].lr", "greater than 0"),
        (
            {"optimizers": [{"name": "sgd", "lr": 1, "rho": 0.9}]},
            "optimizers[0].rho",
            "no parameter",
        ),
        ({"optimizers": [{"name": "adam", "lr": 1, "beta1": 1.5}]}, "optimizers[0].beta1", "less"),
        ({"optimizers": [{"name": "sgd"}]}, "optimizers[0].lr", "required"),
        ({"optimizers": []}, "optimizers", "at least 1"),
        ({"optimizers": [{"name": "sgd", "lr": 1}] * 9}, "optimizers", "at most 8"),
        ({"start": [1.0]}, "start", "at least 2"),
        ({"start": [1.0, 2.0, 3.0]}, "start", "at most 2"),
        ({"start": ["a", 1]}, "start[0]", "valid number"),
        ({"start": 3}, "start", "valid list"),
        ({"start": [1e4, 1e4], "surface": "goldstein_price"}, "start", "too far out"),
        ({"steps": 0}, "steps", "greater than or equal to 1"),
        ({"steps": 10_001}, "steps", "less than or equal to 10000"),
        (
            {"steps": 10_000, "optimizers": [{"name": "sgd", "lr": 1}] * 3},
            "steps",
            "internals are listed for at most",
        ),
        ({"noise": {"std": -1}}, "noise.std", "greater than or equal"),
    ],
)
def test_race_errors(client, overrides, field, words):
    response = race(client, **overrides)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field or body["field"].startswith(field)
    assert words in body["detail"]


@pytest.mark.parametrize(
    "text",
    [
        '"start": [NaN, 1.0]',
        '"start": [Infinity, 1.0]',
        '"start": [-Infinity, 1.0]',
    ],
)
def test_nan_and_infinity_are_refused(client, text):
    body = '{"surface": "rosenbrock", %s, "steps": 5, "optimizers": [{"name": "sgd", "lr": 1}]}'
    response = client.post(
        "/api/optimize", content=body % text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "finite" in response.json()["detail"]


def test_nan_learning_rate_is_refused(client):
    body = (
        '{"surface": "rosenbrock", "start": [0, 0], "steps": 5, '
        '"optimizers": [{"name": "sgd", "lr": NaN}]}'
    )
    response = client.post(
        "/api/optimize", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "optimizers[0].lr"


def test_not_json_is_refused(client):
    response = client.post(
        "/api/optimize", content="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def search(client, **overrides):
    body = {
        "surface": "rosenbrock",
        "start": [-1.2, 1.0],
        "optimizer": "momentum",
        "lr_range": [1e-5, 1e-2],
        "budget": 16,
        "steps": 50,
        "map_resolution": 5,
        **overrides,
    }
    return client.post("/api/optimize/search", json=body)


def test_search(client):
    response = search(client)
    assert response.status_code == 200
    data = strict_json(response)
    assert data["second"] == "rho"
    assert len(data["grid"]) == len(data["random"]) == 16
    assert data["distinct_lr"] == {"grid": 4, "random": 16}
    best = data["grid"][data["best_grid"]]["final_loss"]
    assert best == min(s["final_loss"] for s in data["grid"] if s["final_loss"] is not None)
    assert data["best_paths"]["grid"][0] == [-1.2, 1.0]
    assert len(data["map"]["final_loss"]) == 5 and len(data["map"]["lrs"]) == 5
    SearchResponse.model_validate(data)


def test_search_with_divergent_corner_reports_null(client):
    response = search(client, lr_range=[1e-3, 10.0])
    assert response.status_code == 200
    data = strict_json(response)
    assert any(s["final_loss"] is None and s["diverged_at"] for s in data["grid"])


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"optimizer": "sgd"}, "second", "no second parameter"),
        ({"optimizer": "adam", "second": "gamma"}, "second", "no second parameter"),
        ({"optimizer": "lbfgs"}, "optimizer", "unknown optimiser"),
        ({"surface": "banana"}, "surface", "unknown surface"),
        ({"lr_range": [1e-2, 1e-5]}, "lr_range", "low < high"),
        ({"lr_range": [0, 1e-2]}, "lr_range[0]", "greater than 0"),
        ({"second_range": [0.5, 1.5]}, "second_range", "<= 0.9999"),
        ({"budget": 2}, "budget", "greater than or equal to 4"),
        ({"budget": 256, "steps": 2000, "map_resolution": 48}, "steps", "run-steps"),
    ],
)
def test_search_errors(client, overrides, field, words):
    response = search(client, **overrides)
    assert response.status_code == 422
    body = response.json()
    assert body["field"].startswith(field)
    assert words in body["detail"]


# ---- your own f(x, y)


def custom(client, **overrides):
    body = {"expression": "x^2 + 10*y^2", "domain": [[-2, 2], [-1, 3]], "resolution": 5}
    return client.post("/api/surfaces/custom", json={**body, **overrides})


def test_custom_surface_follows_the_contract(client):
    response = custom(client)
    assert response.status_code == 200
    data = strict_json(response)
    assert data["expression"] == "x^2 + 10*y^2"
    assert data["formula"] == r"f(x, y) = x^{2} + 10\,y^{2}"
    assert data["gradient"] == {"x": r"2\,x", "y": r"20\,y"}
    assert data["gradient_text"] == {"x": "2*x", "y": "20*y"}
    assert data["xs"] == [-2.0, -1.0, 0.0, 1.0, 2.0] and data["ys"] == [-1.0, 0.0, 1.0, 2.0, 3.0]
    assert data["values"][1][2] == 0.0  # f(xs[2], ys[1]) = f(0, 0): rows run along y
    assert data["values"][4][0] == 4 + 90
    assert (data["min"], data["max"], data["nonfinite_count"]) == (0.0, 94.0, 0)
    assert data["domain"] == [[-2.0, 2.0], [-1.0, 3.0]] and len(data["default_start"]) == 2
    built_in = client.get("/api/surfaces/rosenbrock/grid", params={"resolution": 5}).json()
    typed = custom(client, expression="(1-x)^2 + 100*(y-x^2)^2").json()
    assert_allclose(typed["values"], built_in["values"], rtol=1e-15)


def test_custom_surface_marks_where_f_is_not_finite(client):
    data = strict_json(custom(client, expression="log(x) + y", resolution=4))
    assert data["nonfinite_count"] == 8  # x = -2 and x = -2/3 on every row
    assert all(row[0] is None and row[1] is None and row[3] is not None for row in data["values"])


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"expression": "sinn(x)"}, "expression", "did you mean sin?"),
        ({"expression": "(x + 1"}, "expression", "missing ')' at column 7"),
        ({"expression": "x" * 301}, "expression", "at most 300"),
        ({"domain": [[2, -2], [0, 1]]}, "domain", "from low to high"),
        ({"domain": [[-2, 2]]}, "domain", ""),
        ({"resolution": 1000}, "resolution", ""),
    ],
)
def test_custom_surface_errors(client, overrides, field, words):
    response = custom(client, **overrides)
    assert response.status_code == 422
    assert response.json()["field"].startswith(field)
    assert words in response.json()["detail"]


def test_race_and_search_on_your_own_surface(client):
    typed = {"expression": "(1-x)^2 + 100*(y-x^2)^2", "domain": [[-2, 2], [-1, 3]]}
    optimizers = [{"name": "adam", "lr": 0.01}, {"name": "nesterov", "lr": 1e-3}]
    a = race(client, surface=typed, steps=200, optimizers=optimizers)
    b = race(client, surface="rosenbrock", steps=200, optimizers=optimizers)
    assert a.status_code == 200
    OptimizeResponse.model_validate(a.json())
    for run_a, run_b in zip(a.json()["runs"], b.json()["runs"], strict=True):
        assert_allclose(run_a["points"], run_b["points"], rtol=1e-12, atol=1e-14)
    bad = race(client, surface={**typed, "expression": "x +"})
    assert bad.status_code == 422 and bad.json()["field"] == "surface.expression"
    found = search(client, surface={"expression": "x^2 + 10*y^2", "domain": [[-2, 2], [-2, 2]]},
                   start=[1.5, 1.5])  # fmt: skip
    assert found.status_code == 200
    SearchResponse.model_validate(found.json())
