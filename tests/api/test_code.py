"""POST /api/code: the programs it writes print what the endpoint returns.

Each test asks for the programs of several seeded random bodies, runs every NumPy program (and
every PyTorch program, when torch is importable) in one subprocess per batch, and compares the
printed JSON with the endpoint's own response with a stated tolerance: two implementations
agree to rounding, never bit for bit.
"""

import ast
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app import codegen
from app.core.activations import NAMES as ACTIVATIONS
from app.core.optimizers import OPTIMIZERS

# Runs each program of a JSON list (stdin) as __main__ in a fresh namespace; prints their stdout.
DRIVER = """
import contextlib, io, json, sys
outputs = []
for source in json.load(sys.stdin):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(source, "<program>", "exec"), {"__name__": "__main__"})
    outputs.append(buffer.getvalue())
print(json.dumps(outputs))
"""
# float64 sums in another order: a few ulps of the largest value involved.
RTOL, ATOL = 1e-10, 1e-10

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False
KINDS = ["numpy", "pytorch"] if HAVE_TORCH else ["numpy"]


def run_programs(sources: list[str]) -> list[dict]:
    """Each program's one printed line, parsed (a program must print exactly one line)."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    outputs = json.loads(done.stdout)
    for output in outputs:
        assert output.count("\n") == 1 and output.endswith("\n"), output[:200]
    return [json.loads(output) for output in outputs]


def code_for(client, endpoint: str, body: dict) -> dict:
    response = client.post("/api/code", json={"endpoint": endpoint, "body": body})
    assert response.status_code == 200, response.text
    return response.json()


def imported(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module.split(".")[0])
    return modules


def check_programs(client, endpoint: str, bodies: list[dict], compare) -> None:
    """For each body: the programs' imports, then each kind's printed result vs the endpoint's."""
    codes = [code_for(client, endpoint, body) for body in bodies]
    expected = []
    for body in bodies:
        response = client.post(endpoint, json=body)
        assert response.status_code == 200, response.text
        expected.append(response.json())
    for code in codes:
        assert code["endpoint"] == endpoint and code["precision"] == "float64"
        assert imported(code["numpy"]) <= {"json", "math", "numpy"}
        assert imported(code["pytorch"]) <= {"json", "math", "torch"}
    # One subprocess for every program of the test (starting Python and importing torch is
    # most of the time).
    printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
    for kind in KINDS:
        for code, want in zip(codes, expected, strict=True):
            got = next(printed)
            assert set(got) == set(code["prints"]), kind
            compare(got, want, kind)


def same_arrays(got: dict, want: dict, kind: str) -> None:
    for key, value in got.items():
        reference = np.asarray(want[key], dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(reference)))) if reference.size else 1.0
        assert_allclose(value, reference, rtol=RTOL, atol=ATOL * scale, err_msg=f"{kind} {key}")


def test_torch_is_checked_here_when_installed():
    if not HAVE_TORCH:
        pytest.skip("torch is not importable: only the NumPy programs are run")
    assert KINDS == ["numpy", "pytorch"]


# ---------------------------------------------------------------- convolution


def conv_body(rng, transpose=False) -> dict:
    C, F = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    KH, KW = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = int(rng.integers(KH + 2, 8)), int(rng.integers(KW + 2, 8))
    shape = (C, F, KH, KW) if transpose else (F, C, KH, KW)
    body = {
        "input": rng.normal(size=(C, H, W)).tolist(),
        "weights": rng.normal(size=shape).tolist(),
        "stride": [int(rng.integers(1, 3)), int(rng.integers(1, 3))],
        "padding": [int(rng.integers(0, 2)), int(rng.integers(0, 2))],
        "dilation": int(rng.integers(1, 3)) if not transpose else 1,
    }
    if rng.random() < 0.7:
        body["bias"] = rng.normal(size=F).tolist()
    if not transpose and rng.random() < 0.5:
        body["mode"] = "convolution"
    return body


def test_conv2d_programs_print_the_output(client):
    rng = np.random.default_rng(16)
    check_programs(client, "/api/conv2d", [conv_body(rng) for _ in range(4)], same_arrays)


def test_conv2d_backward_programs_print_the_three_gradients(client):
    rng = np.random.default_rng(17)
    bodies = []
    for _ in range(4):
        body = conv_body(rng)
        shape = client.post("/api/conv2d", json={**body, "trace": False}).json()["output_shape"]
        bodies.append({**body, "grad_output": rng.normal(size=shape).tolist()})
    from app.core.conv_gradients import LOSSES

    for loss in LOSSES:  # the gradient of a loss of the output instead of a given dL/dY
        body = conv_body(rng)
        bodies.append({**body, "loss": loss})
    check_programs(client, "/api/conv2d/backward", bodies, same_arrays)
    code = code_for(client, "/api/conv2d/backward", bodies[0])
    assert code["prints"] == ["grad_input", "grad_weights", "grad_bias"]


def test_conv_transpose2d_programs_print_the_output(client):
    rng = np.random.default_rng(18)
    bodies = []
    for _ in range(4):
        body = conv_body(rng, transpose=True)
        body["output_padding"] = int(rng.integers(0, min(body["stride"])))
        bodies.append(body)
    check_programs(client, "/api/conv_transpose2d", bodies, same_arrays)


def test_the_lesson_reads_as_the_lesson(client):
    """The CS231n demo: the PyTorch program is the one call the learner stepped through."""
    rng = np.random.default_rng(0)
    body = {
        "input": rng.integers(0, 3, (3, 5, 5)).tolist(),
        "weights": rng.integers(-1, 2, (2, 3, 3, 3)).tolist(),
        "bias": [1, 0],
        "stride": 2,
        "padding": 1,
    }
    code = code_for(client, "/api/conv2d", body)
    assert "out = F.conv2d(x, w, b, stride=2, padding=1)" in code["pytorch"]
    assert "np.sum(xp[:, rows, cols] * w[f]) + b[f]" in code["numpy"]


# ---------------------------------------------------------------- pooling


def pool_body(rng) -> dict:
    C, H, W = int(rng.integers(1, 4)), int(rng.integers(3, 9)), int(rng.integers(3, 9))
    size = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    # Small integers: ties, which both programs must break as the app does (the first maximum).
    body = {
        "input": rng.integers(-3, 4, (C, H, W)).astype(float).tolist(),
        "mode": str(rng.choice(["max", "avg"])),
        "size": size,
        "padding": [int(rng.integers(0, size[0] // 2 + 1)), int(rng.integers(0, size[1] // 2 + 1))],
    }
    if rng.random() < 0.5:
        body["stride"] = [int(rng.integers(1, 3)), int(rng.integers(1, 3))]
    if rng.random() < 0.2:
        body["global_pool"] = True
    return body


def test_pool2d_programs_print_the_output(client):
    rng = np.random.default_rng(19)
    check_programs(client, "/api/pool2d", [pool_body(rng) for _ in range(6)], same_arrays)


def test_pool2d_backward_programs_print_the_input_gradient(client):
    rng = np.random.default_rng(20)
    bodies = []
    for _ in range(6):
        body = pool_body(rng)
        shape = client.post("/api/pool2d", json={**body, "trace": False}).json()["output_shape"]
        bodies.append({**body, "grad_output": rng.normal(size=shape).tolist()})
    check_programs(client, "/api/pool2d/backward", bodies, same_arrays)


# ---------------------------------------------------------------- activations and batch norm


def test_every_activation_prints_y_and_dy(client):
    rng = np.random.default_rng(21)
    x = np.concatenate([rng.normal(0, 4, 30), [0.0, 20.5, -25.0, 1e-3, -1e-3]]).tolist()
    bodies = []
    for name in ACTIVATIONS:
        body = {"name": name, "x": x}
        if name in ("leaky_relu", "prelu", "elu") and rng.random() < 0.7:
            body["alpha"] = float(rng.uniform(0.05, 2))
        if name == "maxout":
            body["pieces"] = [[0, 0], [1, 0], [float(rng.normal()), float(rng.normal())]]
        bodies.append(body)
    check_programs(client, "/api/activations", bodies, same_arrays)


def test_vanishing_programs_print_the_products_statistics(client):
    """Every fixed function; the products' mean, median and share of zeros per depth."""
    from app.schemas.activations import FixedName

    every = list(FixedName.__args__)
    bodies = [
        {"functions": every, "depth": 6, "samples": 40, "seed": 3},
        {
            "functions": ["sigmoid", "relu"],
            "depth": 4,
            "samples": 31,
            "distribution": "uniform",
            "loc": 0.5,
            "scale": 2.0,
        },
    ]

    def same(got, want, kind):
        assert set(got["functions"]) == set(want["functions"]), kind
        for name, stats in want["functions"].items():
            for key, values in stats.items():
                assert_allclose(
                    got["functions"][name][key],
                    values,
                    rtol=1e-9,
                    atol=1e-15,
                    err_msg=f"{kind} {name} {key}",
                )

    check_programs(client, "/api/activations/vanishing", bodies, same)


def test_dead_relu_programs_print_the_units_gradient(client):
    """Seeded inputs (NumPy's draws; the PyTorch program holds them): active share and dL/dw,
    dL/db, a live unit and a dead one."""
    bodies = [
        {"weight": 1.5, "bias": -0.3, "samples": 300, "seed": 2},
        {"weight": -2.0, "bias": 0.5, "distribution": "uniform", "loc": 1.0, "scale": 3.0},
        {"weight": 1.0, "bias": -40.0, "samples": 50, "seed": 8},
    ]

    def same(got, want, kind):
        assert got["dead"] == want["dead"] and got["fraction_active"] == want["fraction_active"]
        for key in ("grad_weight", "grad_bias"):
            assert_allclose(got[key], want[key], rtol=RTOL, atol=1e-14, err_msg=f"{kind} {key}")

    check_programs(client, "/api/activations/dead-relu", bodies, same)
    dead = client.post("/api/activations/dead-relu", json=bodies[2]).json()
    assert dead["dead"] is True


def test_batchnorm_programs_print_out_running_averages_and_gradients(client):
    rng = np.random.default_rng(22)
    bodies = []
    for k in range(4):
        N, D = int(rng.integers(2, 9)), int(rng.integers(1, 5))
        body = {
            "x": rng.normal(1, 3, (N, D)).tolist(),
            "gamma": rng.normal(size=D).tolist(),
            "beta": rng.normal(size=D).tolist(),
            "eps": float(10 ** rng.uniform(-6, -2)),
            "momentum": float(rng.uniform(0, 1)),
        }
        if k % 2:
            body["grad_output"] = rng.normal(size=(N, D)).tolist()
            body["running_mean"] = rng.normal(size=D).tolist()
            body["running_var"] = rng.uniform(0.5, 2, D).tolist()
        bodies.append(body)
    check_programs(client, "/api/training/batchnorm", bodies, same_arrays)
    assert code_for(client, "/api/training/batchnorm", bodies[0])["prints"][0] == "out"


def same_layers(got: dict, want: dict, kind: str) -> None:
    assert len(got["layers"]) == len(want["layers"])
    for mine, theirs in zip(got["layers"], want["layers"], strict=True):
        for key in ("mean", "std", "histogram"):
            assert_allclose(mine[key], theirs[key], rtol=1e-9, atol=1e-12, err_msg=f"{kind} {key}")


def test_initialisation_programs_print_the_layer_statistics(client):
    """Small networks: both programs hold the app's own seeded draws and print its numbers."""
    bodies = [
        {"scheme": "xavier", "layers": 3, "width": 20, "batch": 30, "seed": 4},
        {"scheme": "he", "activation": "relu", "layers": 4, "width": 12, "batch": 40},
        {"scheme": "zeros", "activation": "relu", "layers": 2, "width": 10, "batch": 5},
        {"scheme": "small", "layers": 5, "width": 16, "batch": 16, "seed": 9},
        {"scheme": "large", "layers": 2, "width": 30, "batch": 50, "seed": 1},
    ]
    for body in bodies:
        assert code_for(client, "/api/training/init", body)["pytorch_same_numbers"] is True
    check_programs(client, "/api/training/init", bodies, same_layers)


def test_the_most_draws_a_torch_program_embeds_fit_its_bound(client):
    """At MAX_EMBEDDED_DRAWS (4 × 100² weights + a 100 × 100 batch), every scheme's PyTorch
    program holds the app's draws and stays inside the program bound; one more layer is beyond."""
    from app.codegen.training import MAX_EMBEDDED_DRAWS

    assert 4 * 100**2 + 100 * 100 == MAX_EMBEDDED_DRAWS
    for scheme in ("small", "large", "xavier", "he"):
        body = {"scheme": scheme, "layers": 4, "width": 100, "batch": 100}
        code = code_for(client, "/api/training/init", body)
        assert code["pytorch_same_numbers"] is True
        assert len(code["pytorch"]) < codegen.MAX_PROGRAM_CHARS * 0.9, scheme
    body = {"scheme": "he", "layers": 5, "width": 100, "batch": 100}
    assert code_for(client, "/api/training/init", body)["pytorch_same_numbers"] is False


def test_a_large_initialisation_draws_its_own_numbers_in_torch(client):
    """NumPy's draws of the page's network (10 × 500²) are too many to write out: the PyTorch
    program runs the same experiment on torch's seeded draws, and says so."""
    body = {"scheme": "xavier", "layers": 3, "width": 200, "batch": 100}
    code = code_for(client, "/api/training/init", body)
    assert code["pytorch_same_numbers"] is False
    assert "not the same numbers" in code["pytorch"]
    assert len(code["pytorch"]) < 5_000
    want = client.post("/api/training/init", json=body).json()
    same_layers(run_programs([code["numpy"]])[0], want, "numpy")
    if HAVE_TORCH:
        (got,) = run_programs([code["pytorch"]])
        assert [len(layer["histogram"]) for layer in got["layers"]] == [40, 40, 40]


# ---------------------------------------------------------------- the optimiser race

# Both programs step the core's own gradient formulas (torch.optim follows the core operation by
# operation); torch's cos, sin and exp may differ from NumPy's by an ulp, which a chaotic path
# would amplify. Relative to max(|x|, 1).
RACE_TOLERANCE = {"numpy": 1e-9, "pytorch": 1e-9}


def same_runs(got: dict, want: dict, kind: str) -> None:
    assert len(got["runs"]) == len(want["runs"])
    for mine, theirs in zip(got["runs"], want["runs"], strict=True):
        assert mine["name"] == theirs["name"]
        assert mine["diverged_at"] == theirs["diverged_at"], (kind, mine["name"])
        points, reference = np.array(mine["points"]), np.array(theirs["points"])
        assert points.shape == reference.shape, (kind, mine["name"])
        error = np.abs(points - reference) / np.maximum(np.abs(reference), 1.0)
        assert error.max() <= RACE_TOLERANCE[kind], (kind, mine["name"], error.max())


def race_body(rng, surface, steps=40) -> dict:
    names = list(OPTIMIZERS)
    chosen = rng.choice(names, size=int(rng.integers(1, 5)), replace=False)
    optimizers = []
    for name in chosen:
        low, good, _ = OPTIMIZERS[name].lesson_rates  # between too low and good: no chaos
        spec = {"name": str(name), "lr": float(np.exp(rng.uniform(np.log(low), np.log(good))))}
        if "rho" in OPTIMIZERS[name].params and rng.random() < 0.5:
            spec["rho"] = float(rng.uniform(0.5, 0.95))
        optimizers.append(spec)
    start = [float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-1.5, 1.5))]
    return {"surface": surface, "start": start, "steps": steps, "optimizers": optimizers}


def test_every_optimiser_races_as_the_app_on_a_surface(client):
    """Every optimiser of the catalogue on Rosenbrock, including one that diverges."""
    optimizers = [{"name": name, "lr": OPTIMIZERS[name].lesson_rates[1]} for name in OPTIMIZERS]
    body = {"surface": "rosenbrock", "start": [-1.2, 1.0], "steps": 60, "optimizers": optimizers}
    too_high = {**body, "optimizers": [{"name": "sgd", "lr": 1.05}, {"name": "momentum", "lr": 2}]}
    check_programs(client, "/api/optimize", [body, too_high], same_runs)
    assert client.post("/api/optimize", json=too_high).json()["runs"][0]["diverged_at"] is not None


def test_every_built_in_surface_races_as_the_app(client):
    """From each surface's default start, as the page begins, for 30 steps. (On Ackley and
    Rastrigin, steps as large as the bowl's are chaotic: an ulp of torch.cos against np.cos
    grows until the paths part, so those two race with smaller rates.)"""
    from app.core.surfaces import SURFACES

    rng = np.random.default_rng(23)
    bodies = []
    for name, surface in SURFACES.items():
        body = race_body(rng, name, steps=30)
        body["start"] = list(surface.default_start)
        if name in ("ackley", "rastrigin"):  # curvature ~100 in the bumps: big steps are chaotic
            for spec in body["optimizers"]:
                spec["lr"] /= 30
        bodies.append(body)
    check_programs(client, "/api/optimize", bodies, same_runs)


def test_noise_schedules_and_the_lecture_nesterov(client):
    rng = np.random.default_rng(24)
    nesterov = {"name": "nesterov", "lr": 0.002, "rho": 0.8}
    bodies = []
    for schedule in (
        {"kind": "step", "step_size": 7, "gamma": 0.6},
        {"kind": "step"},
        {"kind": "cosine", "t_max": 15, "eta_min": 1e-4},
        {"kind": "cosine"},
        {"kind": "constant"},
    ):
        body = race_body(rng, "booth", steps=50)
        body["optimizers"].append(nesterov)
        body["schedule"] = schedule
        body["noise"] = {"std": float(rng.uniform(0, 2)), "seed": int(rng.integers(0, 1000))}
        bodies.append(body)
    check_programs(client, "/api/optimize", bodies, same_runs)


def test_a_typed_surface_is_translated_from_its_tree(client):
    expressions = [
        "x^2 + 10*y^2",
        "(1-x)^2 + 100*(y-x^2)^2",
        "max(x, 1)^2 + abs(x*y) - sin(2*pi*x)/e + y^4",
        "sqrt(x^2 + y^2 + 1) + log(2 + cos(x)) * exp(-y^2) + sigmoid(x*y) + min(x, y)^2",
        "tanh(x) * sinh(y/4) + cosh(x/4) + tan(y/5) + x^y",
        "3 - 2^3^2/512 + -x^2/4 + y^3/9 + x - (y - (x - 1))",
        "7",
    ]
    rng = np.random.default_rng(25)
    bodies = []
    for expression in expressions:
        body = race_body(rng, {"expression": expression, "domain": [[-3, 3], [-2, 2]]}, steps=30)
        body["start"] = [float(rng.uniform(0.5, 1.5)), float(rng.uniform(0.5, 1.5))]
        bodies.append(body)
    check_programs(client, "/api/optimize", bodies, same_runs)


def test_internals_off_keeps_the_app_divergence_rule(client):
    rng = np.random.default_rng(26)
    body = {**race_body(rng, "saddle", steps=200), "internals": False}
    check_programs(client, "/api/optimize", [body], same_runs)


# ---------------------------------------------------------------- the CNN lesson


def cnn_body(layers, shape, seed, weight_decay=0.0, n=3, classes=4) -> dict:
    from app.core.nn.network import build_network

    rng = np.random.default_rng(seed)
    network = build_network(layers, shape)
    params = network.unflatten(0.3 * rng.standard_normal(network.num_params))
    return {
        "layers": layers,
        "params": [{name: value.tolist() for name, value in p.items()} for p in params],
        "x": rng.uniform(0, 1, (n, *shape)).tolist(),
        "labels": rng.integers(0, classes, n).tolist(),
        "weight_decay": weight_decay,
    }


def same_gradients(got: dict, want: dict, kind: str) -> None:
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-12, abs=1e-12), kind
    assert len(got["grads"]) == len(want["grads"])
    for mine, theirs in zip(got["grads"], want["grads"], strict=True):
        assert set(mine) == set(theirs)
        for name in theirs:
            assert_allclose(mine[name], theirs[name], rtol=1e-9, atol=1e-12, err_msg=kind)


# Every layer type of the catalogue, batch norm after a conv and after a linear layer (the /cnn
# page's programs test it too: tests/api/test_code_cnn.py).
EVERY_TYPE = [
    {"type": "conv", "filters": 2, "size": 3, "stride": 2, "padding": 1},
    {"type": "batchnorm"},
    {"type": "leaky_relu", "negative_slope": 0.1},
    {"type": "avgpool", "size": 2, "stride": 1, "padding": 1},
    {"type": "elu", "alpha": 0.7},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 6},
    {"type": "batchnorm", "eps": 1e-3},
    {"type": "tanh"},
    {"type": "linear", "out": 5},
    {"type": "sigmoid"},
    {"type": "linear", "out": 4},
    {"type": "relu"},
]


def test_cnn_gradient_programs_print_the_loss_and_every_gradient(client):
    """Every layer type (EVERY_TYPE), and the lesson's small network."""
    lesson = [
        {"type": "conv", "filters": 3, "size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "flatten"},
        {"type": "linear", "out": 4},
    ]
    bodies = [
        cnn_body(EVERY_TYPE, (2, 12, 12), seed=28, weight_decay=0.05),
        cnn_body(lesson, (1, 10, 10), seed=29),
    ]
    check_programs(client, "/api/cnn/gradients", bodies, same_gradients)


TRAIN_LAYERS = [
    {"type": "conv", "filters": 2, "size": 3},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]
# float64: sums in another order over a few steps; float32: the NumPy program's helpers take
# some products in float64 where the core keeps float32, a few float32 ulps per step.
TRAIN_TOLERANCE = {"float64": 1e-9, "float32": 1e-4}


def train_body(optimizer: dict, precision: str, seed: int, weight_decay=0.0) -> dict:
    return {
        "layers": TRAIN_LAYERS,
        "dataset": "shapes",
        "seed": seed,
        "optimizer": optimizer,
        "batch_size": 6,
        "steps": 3,
        "precision": precision,
        "weight_decay": weight_decay,
        "state": None,
    }


def test_a_first_training_chunk_prints_its_losses(client):
    """The seeded initial parameters and the batches' examples are written into the programs;
    the losses step by step equal the endpoint's (float64 and float32)."""
    bodies = {
        "float64": [
            train_body({"name": "adam", "lr": 0.01}, "float64", 3),
            train_body({"name": "nesterov", "lr": 0.05}, "float64", 4),
            train_body({"name": "sgd", "lr": 0.1}, "float64", 5, weight_decay=0.01),
            train_body({"name": "rmsprop", "lr": 0.01}, "float64", 6),
        ],
        "float32": [train_body({"name": "adamw", "lr": 0.01}, "float32", 7, weight_decay=0.1)],
    }
    for precision, group in bodies.items():
        tolerance = TRAIN_TOLERANCE[precision]

        def same_losses(got, want, kind, tolerance=tolerance, precision=precision):
            assert len(got["losses"]) == len(want["losses"]) == 3, kind
            assert_allclose(got["losses"], want["losses"], rtol=tolerance, err_msg=kind)
            if precision == "float64":
                assert got["batch_accuracy"] == want["batch_accuracy"], kind

        codes = [code_for(client, "/api/cnn/train", body) for body in group]
        assert all(code["precision"] == precision for code in codes)
        assert all(len(code["numpy"]) < codegen.MAX_PROGRAM_CHARS for code in codes)
        expected = [client.post("/api/cnn/train", json=body).json() for body in group]
        printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
        for kind in KINDS:
            for code, want in zip(codes, expected, strict=True):
                assert imported(code[kind]) <= {"json", "math", "numpy", "torch"} - (
                    {"torch"} if kind == "numpy" else {"numpy"}
                )
                same_losses(next(printed), want, kind)


def test_a_continued_or_long_chunk_has_no_program(client):
    body = train_body({"name": "sgd", "lr": 0.1}, "float64", 1)
    refused = [({**body, "state": "x" * 40}, "body.state"), ({**body, "steps": 200}, "body.steps")]
    for bad, field in refused:
        response = client.post("/api/code", json={"endpoint": "/api/cnn/train", "body": bad})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field, response.text


# ---------------------------------------------------------------- a program runs as it is


def test_a_program_runs_as_a_script_from_a_file(client, tmp_path):
    body = {"input": [[[1, 2], [3, 4]]], "mode": "max", "size": 2}
    code = code_for(client, "/api/pool2d", body)
    for kind in KINDS:
        path = tmp_path / f"reproduce_{kind}.py"  # not numpy.py: it would shadow numpy
        path.write_text(code[kind], encoding="utf-8")
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"output": [[[4.0]]]}


# ---------------------------------------------------------------- the catalogues


def test_every_catalogue_entry_has_its_code():
    from app.codegen import activations, optimize
    from app.core.optimizers import resolve
    from app.core.surfaces import SURFACES

    assert set(optimize.NUMPY_RULES) == set(OPTIMIZERS)
    for name in OPTIMIZERS:
        assert optimize.torch_optimizer(name, resolve(name, {})).startswith("torch.optim.")
    for surface in SURFACES.values():
        assert "np." not in optimize.builtin_source(surface, "torch")
    assert set(activations.NUMPY) == set(activations.TORCH) == set(ACTIVATIONS)
    from app.codegen import cnn, conv
    from app.core.conv_gradients import LOSSES
    from app.core.nn.layers import LAYER_TYPES

    assert set(conv.LOSS_CODE) == set(LOSSES)
    assert set(cnn.LAYER_CODE) == set(LAYER_TYPES)


def test_the_torch_surfaces_are_the_core_surfaces():
    """The PyTorch program's f and gradient (the core's source, translated) are the core's."""
    torch = pytest.importorskip("torch", reason="the PyTorch formulas need torch to evaluate")
    import math

    from app.codegen.optimize import builtin_source
    from app.core.surfaces import SURFACES

    rng = np.random.default_rng(27)
    for name, surface in SURFACES.items():
        namespace = {"torch": torch, "math": math}
        exec(builtin_source(surface, "torch"), namespace)  # noqa: S102 - our own translation
        (x0, x1), (y0, y1) = surface.domain
        points = [*zip(rng.uniform(x0, x1, 20), rng.uniform(y0, y1, 20), strict=True), (0, 0)]
        for x, y in points:
            tx, ty = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
            want = [surface.f(x, y), *surface.grad(x, y)]
            got = [namespace["f"](tx, ty), *namespace["grad"](tx, ty)]
            assert_allclose([float(v) for v in got], want, rtol=1e-13, atol=1e-13, err_msg=name)


# What the pages fetch that is not a lesson's computation, so has no program: catalogues and data.
NOT_LESSONS = {
    "/api/cnn/datasets": "the data sets' catalogue",
    "/api/cnn/datasets/{name}/examples": "a data set's examples, as stored",
    "/api/optimizers": "the optimisers' catalogue",
    "/api/surfaces": "the surfaces' catalogue",
    "/api/surfaces/{name}/grid": "a surface's contour grid (the race's programs hold its f)",
    "/api/export/animation": "an export of the view, not a computation",
    "/api/code": "the programs themselves",
}


def test_every_endpoint_the_pages_fetch_has_programs_or_a_reason():
    """The /api/ paths in the pages' scripts: each a lesson of POST /api/code or listed above."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    sources = "".join(p.read_text() for p in (root / "static").rglob("*.js"))
    fetched = {
        re.sub(r"\$\{[^}]*\}", "{name}", path).split("?")[0]
        for path in re.findall(r"[\"'`](/api/[^\"'`\s]*)", sources)
    }
    assert "/api/cnn/example" in fetched and "/api/cnn/datasets/{name}/examples" in fetched
    missing = fetched - set(codegen.LESSONS) - set(NOT_LESSONS)
    assert not missing, missing


def test_every_lesson_endpoint_is_covered():
    assert set(codegen.LESSONS) >= {
        "/api/conv2d",
        "/api/conv2d/backward",
        "/api/conv_transpose2d",
        "/api/pool2d",
        "/api/pool2d/backward",
        "/api/activations",
        "/api/optimize",
        "/api/training/batchnorm",
        "/api/training/init",
        "/api/cnn/gradients",
        "/api/cnn/train",
        "/api/activations/dead-relu",
        "/api/activations/vanishing",
    }


# ---------------------------------------------------------------- refusals

HOSTILE = "__import__('os').system('echo owned')"


@pytest.mark.parametrize(
    "request_body, field",
    [
        ({"endpoint": "/api/surfaces", "body": {}}, "endpoint"),  # a GET: nothing to reproduce
        ({"endpoint": HOSTILE, "body": {}}, "endpoint"),
        ({"body": {}}, "endpoint"),
        ({"endpoint": "/api/pool2d"}, "body"),
        ({"endpoint": "/api/pool2d", "body": [1, 2]}, "body"),
        ({"endpoint": "/api/pool2d", "body": {"input": [[[1]]], "mode": HOSTILE}}, "body.mode"),
        ({"endpoint": "/api/pool2d", "body": {"mode": "max"}}, "body.input"),
        (
            {"endpoint": "/api/conv2d", "body": {"input": [[[1, 2], [3]]], "weights": [[[[1]]]]}},
            "body.input",
        ),
        (
            {"endpoint": "/api/conv2d", "body": {"input": [[[1]]], "weights": [[[[1]], [[1]]]]}},
            "body.weights",
        ),
        (
            {"endpoint": "/api/conv2d", "body": {"input": [[[1]]], "weights": [[[[1, 1]]]]}},
            "body.weights",
        ),
        ({"endpoint": "/api/activations", "body": {"name": HOSTILE, "x": [1]}}, "body.name"),
        ({"endpoint": "/api/activations", "body": {"name": "maxout", "x": [1]}}, "body.pieces"),
        (
            {
                "endpoint": "/api/optimize",
                "body": {"surface": HOSTILE, "start": [0, 0], "steps": 3,
                         "optimizers": [{"name": "sgd", "lr": 0.1}]},
            },
            "body.surface",
        ),
        (
            {
                "endpoint": "/api/optimize",
                "body": {"surface": "booth", "start": [0, 0], "steps": 3,
                         "optimizers": [{"name": HOSTILE, "lr": 0.1}]},
            },
            "body.optimizers[0]",
        ),
        (
            {
                "endpoint": "/api/optimize",
                "body": {"surface": {"expression": HOSTILE, "domain": [[-1, 1], [-1, 1]]},
                         "start": [0, 0], "steps": 3, "optimizers": [{"name": "sgd", "lr": 0.1}]},
            },
            "body.surface.expression",
        ),
        (
            {
                "endpoint": "/api/optimize",
                "body": {"surface": "booth", "start": [0, 0], "steps": 3,
                         "optimizers": [{"name": "sgd", "lr": 0.1}], "schedule": {"kind": HOSTILE}},
            },
            "body.schedule.kind",
        ),
        (
            {
                "endpoint": "/api/optimize",
                "body": {"surface": "booth", "start": [0, 0], "steps": 10_000,
                         "optimizers": [{"name": "sgd", "lr": 0.1}] * 3},
            },
            "body.steps",
        ),
        (
            {
                "endpoint": "/api/cnn/gradients",
                "body": {"layers": [{"type": HOSTILE[:20]}], "params": [{}], "x": [[[[0.5]]]],
                         "labels": [0]},
            },
            "body.layers[0].type",
        ),
        (
            {"endpoint": "/api/training/batchnorm", "body": {"x": [[1], [2]], "gamma": [1, 2],
                                                              "beta": [0]}},
            "body.gamma",
        ),
    ],
)  # fmt: skip
def test_bad_bodies_are_refused_naming_the_field(client, request_body, field):
    response = client.post("/api/code", json=request_body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field, response.json()


def test_nan_is_refused(client):
    response = client.post(
        "/api/code",
        content='{"endpoint": "/api/activations", "body": {"name": "relu", "x": [NaN]}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.x[0]"


def test_unknown_text_never_reaches_a_program(client):
    body = {"input": [[[1, 2], [3, 4]]], "mode": "avg", "comment": HOSTILE, HOSTILE: 1}
    code = code_for(client, "/api/pool2d", body)
    for kind in ("numpy", "pytorch"):
        assert "owned" not in code[kind] and "__import__" not in code[kind]


def test_a_program_too_long_is_refused(client, monkeypatch):
    monkeypatch.setattr(codegen, "MAX_PROGRAM_CHARS", 500)
    response = client.post(
        "/api/code",
        json={"endpoint": "/api/activations", "body": {"name": "relu", "x": [0.5] * 200}},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert "at most 500" in response.json()["detail"]
