"""POST /api/code for the search, the typed surface and the image filters: each program, run
in a subprocess, prints what the endpoint returns (tolerances stated per test)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.filters import PRESETS
from app.core.optimizers import OPTIMIZERS
from tests.api.test_code import HOSTILE, KINDS, check_programs, code_for, imported, run_programs
from tests.api.test_image import encode, noise, pixels, post

# ---------------------------------------------------------------- grid vs random search

# Every run steps the same rule, element by element, in another order of operations than the
# core's (R,) arrays at most by an ulp per step; relative to max(|value|, 1).
SEARCH_RTOL = 1e-8


def close(a, b, what):
    if a is None or b is None:
        assert a is None and b is None, what
        return
    assert abs(a - b) <= SEARCH_RTOL * max(abs(b), 1.0), (what, a, b)


def same_search(got, want, kind):
    for method in ("grid", "random"):
        assert len(got[method]) == len(want[method]), kind
        for i, (mine, theirs) in enumerate(zip(got[method], want[method], strict=True)):
            where = (kind, method, i)
            close(mine["lr"], theirs["lr"], where)
            close(mine["second"], theirs["second"], where)
            assert mine["diverged_at"] == theirs["diverged_at"], where
            close(mine["final_loss"], theirs["final_loss"], where)
    assert got["best_grid"] == want["best_grid"] and got["best_random"] == want["best_random"]
    assert set(got["best_paths"]) == set(want["best_paths"]), kind
    for method, path in want["best_paths"].items():
        mine = np.asarray(got["best_paths"][method])
        assert mine.shape == np.shape(path), kind
        error = np.abs(mine - path) / np.maximum(np.abs(path), 1.0)
        assert error.max() <= SEARCH_RTOL, (kind, method)
    if want["map"] is None:
        assert got["map"] is None
        return
    for key in ("lrs", "seconds"):
        assert_allclose(got["map"][key], want["map"][key], rtol=SEARCH_RTOL, err_msg=kind)
    for mine, theirs in zip(got["map"]["final_loss"], want["map"]["final_loss"], strict=True):
        for a, b in zip(mine, theirs, strict=True):
            close(a, b, (kind, "map"))


def test_search_programs_print_both_searches_and_the_map(client):
    """Every optimiser that has a second parameter; a map with divergent corners; a typed
    surface; a base hyper-parameter; no map."""
    bodies = []
    for name, optimizer in OPTIMIZERS.items():
        if optimizer.search_second is None:
            continue
        body = {
            "surface": "booth",
            "start": [-3.0, 2.0],
            "optimizer": name,
            "budget": 9,
            "steps": 30,
            "seed": 5,
            "map_resolution": 4,
        }
        if optimizer.search_ranges:
            body["lr_range"] = list(optimizer.search_ranges["lr"])
            body["second_range"] = list(optimizer.search_ranges["second"])
        bodies.append(body)
    bodies.append(
        {
            "surface": "rosenbrock",
            "start": [-1.2, 1.0],
            "optimizer": "momentum",
            "lr_range": [1e-4, 0.02],  # the top rates diverge
            "budget": 16,
            "steps": 60,
            "map_resolution": 5,
        }
    )
    bodies.append(
        {
            "surface": {"expression": "x^2 + 10*y^2 + sin(x*y)", "domain": [[-3, 3], [-3, 3]]},
            "start": [1.0, 1.5],
            "optimizer": "adam",
            "second": "beta2",
            "second_range": [0.9, 0.999],
            "base": {"name": "adam", "lr": 0.5, "eps": 1e-6},
            "budget": 4,
            "steps": 40,
            "seed": 3,
            "map_resolution": 0,
        }
    )
    check_programs(client, "/api/optimize/search", bodies, same_search)
    assert client.post("/api/optimize/search", json=bodies[-2]).json()["grid"][-1]["diverged_at"]


# ---------------------------------------------------------------- the typed surface

# float64 on both sides; torch's sin, exp, ... may differ from NumPy's by an ulp.
SURFACE_RTOL, SURFACE_ATOL = 1e-12, 1e-12


def same_grid(got, want, kind):
    assert got["nonfinite_count"] == want["nonfinite_count"], kind
    for key in ("min", "max"):
        assert got[key] == pytest.approx(want[key], rel=SURFACE_RTOL, abs=SURFACE_ATOL), kind
    mine, theirs = np.array(got["values"], dtype=float), np.array(want["values"], dtype=float)
    assert_allclose(mine, theirs, rtol=SURFACE_RTOL, atol=SURFACE_ATOL, err_msg=kind)  # NaN=NaN


def test_a_typed_surface_program_prints_the_grid(client):
    expressions = [
        "(1-x)^2 + 100*(y-x^2)^2",
        "log(x) + sqrt(y)",  # undefined on half the domain: nulls, counted
        "max(x, 1)^2 + abs(x*y) - sin(2*pi*x)/e + y^4 + sigmoid(x)",
        "tanh(x) * sinh(y/4) + cosh(x/4) + tan(y/5) + x^y",
        "7",
    ]
    bodies = [
        {"expression": e, "domain": [[-2, 2], [-1, 3]], "resolution": 9 + i}
        for i, e in enumerate(expressions)
    ]
    check_programs(client, "/api/surfaces/custom", bodies, same_grid)


def test_the_typed_text_is_never_pasted(client):
    """Only the parsed tree is printed: a hostile expression is refused, and a legal one's
    spelling (spaces, ** for ^, a comment-like suffix the parser refuses) never appears."""
    response = client.post(
        "/api/code",
        json={"endpoint": "/api/surfaces/custom",
              "body": {"expression": HOSTILE, "domain": [[-1, 1], [-1, 1]]}},
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "body.expression"
    response = client.post(
        "/api/code",
        json={"endpoint": "/api/surfaces/custom",
              "body": {"expression": "x^2 # owned", "domain": [[-1, 1], [-1, 1]]}},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    code = code_for(
        client, "/api/surfaces/custom",
        {"expression": "x   **   2 +  y", "domain": [[-1, 1], [-1, 1]], "resolution": 3},
    )  # fmt: skip
    for kind in ("numpy", "pytorch"):
        assert "x   **" not in code[kind]
        assert "return x * x + y" in code[kind]


# ---------------------------------------------------------------- image filters

# float32 maps: sums of up to 3·11² products in another order; relative to the map's largest.
F32_RTOL = 1e-5


def image_body(client, image, spec):
    """The endpoint's response for the upload, and the /api/code body with its exact pixels."""
    response = post(client, encode(image), {**spec, "values": True})
    assert response.status_code == 200, response.text
    want = response.json()
    chw = pixels(want).transpose(2, 0, 1)
    return want, {"pixels": chw.tolist(), "scale": want["input"]["scale"], "spec": spec}


def same_maps(got, want, kind):
    by_index = {m["index"]: m for m in want["maps"]}
    assert [m["index"] for m in got["maps"]] == sorted(by_index), kind
    for mine in got["maps"]:
        theirs = by_index[mine["index"]]["stages"]
        assert set(mine["stages"]) == set(theirs), kind
        for name, stage in mine["stages"].items():
            reference = np.asarray(theirs[name]["values"], dtype=np.float64)
            scale = max(1.0, float(np.abs(reference).max()))
            where = f"{kind} map {mine['index']} {name}"
            assert stage["shape"] == theirs[name]["shape"], where
            atol = F32_RTOL * scale
            assert_allclose(stage["values"], reference, rtol=0, atol=atol, err_msg=where)
            for key in ("min", "max"):
                assert abs(stage[key] - theirs[name][key]) <= F32_RTOL * scale, where


def check_image_programs(client, cases):
    codes, expected = [], []
    for want, body in cases:
        code = code_for(client, "/api/image/filter", body)
        assert code["precision"] == "float32" and code["prints"] == ["maps"]
        assert imported(code["numpy"]) <= {"json", "numpy"}
        assert imported(code["pytorch"]) <= {"json", "torch"}
        codes.append(code)
        expected.append(want)
    printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
    for kind in KINDS:
        for want in expected:
            same_maps(next(printed), want, kind)


def test_filter_programs_print_every_map_at_every_stage(client):
    presets = [{"preset": name} for name in PRESETS]
    cases = [
        image_body(client, noise((23, 17), "L", 1), {"color": "gray", "filters": presets,
                                                     "pool": {"mode": "max", "size": 2}}),
        image_body(client, noise((20, 14), "RGB", 2), {
            "color": "rgb",
            "filters": [{"preset": "sobel_x"}, {"preset": "gaussian_blur_5", "full_depth": True},
                        {"kernel": np.random.default_rng(3).normal(size=(3, 3, 3)).tolist()}],
            "padding": "valid",
            "stride": 2,
            "activation": "none",
            "mode": "convolution",
            "pool": {"mode": "avg", "size": 3, "stride": 1},
        }),
        image_body(client, noise((12, 12), "RGB", 4), {
            "color": "rgb", "filters": [{"preset": "laplacian"}, {"preset": "sharpen"}],
            "full": {"map": 1, "stage": "activation"},
        }),
    ]  # fmt: skip
    check_image_programs(client, cases)


def test_a_large_image_or_a_wrong_body_is_refused(client):
    spec = {"color": "gray", "filters": [{"preset": "sobel_x"}]}
    refused = [
        ({"pixels": [[[0] * 257] * 2], "scale": 255, "spec": spec}, "body.pixels[0][0]"),
        ({"pixels": [[[0] * 4] * 4] * 3, "scale": 255, "spec": spec}, "body.pixels"),
        ({"pixels": [[[300] * 4] * 4], "scale": 255, "spec": spec}, "body.pixels"),
        ({"pixels": [[[1] * 4] * 4], "scale": 255,
          "spec": {**spec, "filters": [{"kernel": [[1] * 5] * 5}], "padding": "valid",
                   "pool": {"size": 2}}}, "body.spec.filters[0].kernel"),
        ({"pixels": [[[1] * 4] * 4], "scale": 255,
          "spec": {**spec, "filters": [{"preset": HOSTILE}]}}, "body.spec.filters[0].preset"),
        ({"pixels": [[[1] * 4] * 4], "scale": 255, "spec": spec, "file": HOSTILE}, "body.file"),
    ]  # fmt: skip
    for body, field in refused:
        response = client.post("/api/code", json={"endpoint": "/api/image/filter", "body": body})
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field, (field, response.json())


def test_probe_programs_print_the_pixels_value(client):
    """The probe of a pixel at each stage, per channel and at full depth, sent the region only."""
    want_maps, body = image_body(client, noise((15, 13), "RGB", 7), {
        "color": "rgb",
        "filters": [{"preset": "sobel_y"}, {"preset": "box_blur_3", "full_depth": True}],
        "stride": 2,
        "pool": {"mode": "max", "size": 2, "stride": 1},
        "mode": "convolution",
    })  # fmt: skip
    chw = np.array(body["pixels"])
    H, W = chw.shape[1:]
    bodies = []
    for m, stage, row, col in [
        (0, "conv", 0, 0),
        (0, "pool", 2, 3),
        (1, "activation", 6, 7),
        (1, "pool", 5, 5),
    ]:
        r0, c0 = max(0, 2 * row - 3), max(0, 2 * col - 3)
        bodies.append({
            "pixels": chw[:, r0 : r0 + 9, c0 : c0 + 9].tolist(),
            "scale": 255,
            "origin": [r0, c0],
            "image_size": [H, W],
            "filter": {"kernel": want_maps["maps"][m]["kernel"]},
            "padding": "same",
            "stride": 2,
            "activation": "relu",
            "pool": {"mode": "max", "size": 2, "stride": 1},
            "mode": "convolution",
            "stage": stage,
            "row": row,
            "col": col,
        })  # fmt: skip
    emboss = {"filter": {"preset": "emboss"}, "pool": None, "mode": "cross-correlation"}
    bodies.append({**bodies[0], **emboss})

    def same_value(got, want, kind):
        assert_allclose(got["value"], want["value"], rtol=F32_RTOL, atol=F32_RTOL, err_msg=kind)

    check_programs_f32(client, "/api/image/probe", bodies, same_value)


def check_programs_f32(client, endpoint, bodies, compare):
    codes = [code_for(client, endpoint, body) for body in bodies]
    assert all(code["precision"] == "float32" for code in codes)
    expected = [client.post(endpoint, json=body).json() for body in bodies]
    printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
    for kind in KINDS:
        for want in expected:
            compare(next(printed), want, kind)


def test_the_largest_image_a_program_holds_fits(client):
    """A 256×256 RGB image (the lesson's samples are 256×256): the body fits the JSON body
    limit and the program the program bound. The endpoint sends raw values only up to 128 px,
    so the NumPy program's maps are compared with the core's pipeline, which computes them."""
    import json

    from app import codegen
    from app.codegen.filters import MAX_CODE_SIDE
    from app.core import filters

    assert MAX_CODE_SIDE == 256
    spec = {"color": "rgb", "filters": [{"preset": "sobel_x"}, {"preset": "sharpen"}],
            "pool": {"mode": "max", "size": 2}}  # fmt: skip
    response = post(client, encode(noise((256, 256), "RGB", 9)), spec)
    assert response.status_code == 200, response.text
    chw = pixels(response.json()).transpose(2, 0, 1)
    body = {"pixels": chw.tolist(), "scale": 255, "spec": spec}
    assert len(json.dumps({"endpoint": "/api/image/filter", "body": body})) < 2_000_000
    code = code_for(client, "/api/image/filter", body)
    assert max(len(code["numpy"]), len(code["pytorch"])) < codegen.MAX_PROGRAM_CHARS
    x = chw.astype(np.float32) / np.float32(255)
    kernels = [filters.preset_kernel(f["preset"]) for f in spec["filters"]]
    stages = filters.pipeline(x, kernels, pool={"mode": "max", "size": 2})
    want = {
        "maps": [
            {"index": i, "stages": {name: {"shape": list(a.shape), "min": float(a.min()),
                                            "max": float(a.max()), "values": a.tolist()}
                                    for name, a in maps.items()}}
            for i, maps in enumerate(stages)
        ]
    }  # fmt: skip
    same_maps(run_programs([code["numpy"]])[0], want, "numpy")
