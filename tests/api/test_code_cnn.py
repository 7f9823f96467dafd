"""POST /api/code for the /cnn page's other endpoints: /api/cnn/network, /gradcheck, /inspect,
/trace, /filters and /confusion. As tests/api/test_code.py: every program runs in a subprocess
and prints what the endpoint returns, to a stated tolerance (float64 sums in another order).

A body's training state is decoded by the server (its signature checked) and its parameters and
running averages are written into the programs as numbers; the state string never is.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from tests.api.test_code import (
    EVERY_TYPE,
    HAVE_TORCH,
    KINDS,
    TRAIN_LAYERS,
    code_for,
    imported,
    run_programs,
)

STDLIB = {"json", "math", "base64", "zlib"}
# float64 sums in another order: relative 1e-9, absolute 1e-12 of the largest value.
RTOL, ATOL = 1e-9, 1e-12

LESSON = TRAIN_LAYERS  # the lesson's network: conv, batch norm, relu, pool, linear


def close(got, want, where, rtol=RTOL, atol=ATOL):
    reference = np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(reference)))) if reference.size else 1.0
    assert_allclose(np.asarray(got, dtype=np.float64), reference, rtol=rtol, atol=atol * scale,
                    err_msg=where)  # fmt: skip


def run_all(client, endpoint, bodies, compare):
    """Each body's programs (imports checked), run, compared with the endpoint's response."""
    codes = [code_for(client, endpoint, body) for body in bodies]
    wants = []
    for body in bodies:
        response = client.post(endpoint, json=body)
        assert response.status_code == 200, response.text
        wants.append(response.json())
    for code, body in zip(codes, bodies, strict=True):
        assert imported(code["numpy"]) <= STDLIB | {"numpy"}
        assert imported(code["pytorch"]) <= STDLIB | {"torch"}
        if isinstance(body.get("state"), str):
            assert body["state"] not in code["numpy"] and body["state"] not in code["pytorch"]
    printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
    for kind in KINDS:
        for code, want in zip(codes, wants, strict=True):
            got = next(printed)
            assert set(got) == set(code["prints"]), kind
            compare(got, want, kind)
    return codes


def trained_state(client, layers=LESSON, dataset="shapes", optimizer=None, steps=4):
    body = {
        "layers": layers,
        "dataset": dataset,
        "seed": 3,
        "optimizer": optimizer or {"name": "adam", "lr": 0.01},
        "batch_size": 8,
        "steps": steps,
        "precision": "float32",
        "state": None,
    }
    response = client.post("/api/cnn/train", json=body)
    assert response.status_code == 200, response.text
    return response.json()["state"]


def random_params(layers, shape, seed):
    from app.core.nn.network import build_network

    rng = np.random.default_rng(seed)
    network = build_network(layers, shape)
    params = network.unflatten(0.5 * rng.standard_normal(network.num_params))
    running = [
        {"mean": rng.normal(0, 0.3, layer.param_shapes["gamma"]).tolist(),
         "var": rng.uniform(0.5, 2, layer.param_shapes["gamma"]).tolist()}
        if layer.type == "batchnorm" else None
        for layer in network.layers
    ]  # fmt: skip
    return [{k: v.tolist() for k, v in p.items()} for p in params], running


def example(client, index=5, dataset="shapes"):
    url = f"/api/cnn/datasets/{dataset}/examples?split=test&indices={index}"
    return client.get(url).json()["x"][0]


# ---------------------------------------------------------------- section 1: the network


def test_network_programs_print_shapes_parameters_and_flops(client):
    def same(got, want, kind):
        assert got["num_params"] == want["num_params"] and got["flops"] == want["flops"], kind
        assert [row["output_shape"] for row in got["layers"]] == [
            row["output_shape"] for row in want["layers"]
        ], kind
        assert [row["params"] for row in got["layers"]] == [r["params"] for r in want["layers"]]

    every = [*EVERY_TYPE[:-2], {"type": "linear", "out": 10}]
    bodies = [{"layers": LESSON}, {"layers": every, "dataset": "fashion"}]
    run_all(client, "/api/cnn/network", bodies, same)
    code = code_for(client, "/api/cnn/network", bodies[0])
    assert "nn.Conv2d(1, 2, 3, stride=1, padding=0)" in code["pytorch"]


def test_a_network_that_does_not_fit_has_no_program(client):
    body = {"layers": [{"type": "conv", "filters": 2, "size": 11, "stride": 1}] * 3}
    response = client.post("/api/code", json={"endpoint": "/api/cnn/network", "body": body})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "body.layers"
    assert "does not fit" in response.json()["detail"]


# ---------------------------------------------------------------- section 4: gradient check


def same_check(got, want, kind):
    assert got["loss"] == pytest.approx(want["loss"], rel=1e-12), kind
    assert len(got["checks"]) == len(want["checks"])
    for mine, theirs in zip(got["checks"], want["checks"], strict=True):
        close(mine["analytic"], theirs["analytic"], kind)
        # A central difference: the loss's rounding (~1e-16) over 2h (h = 1e-5).
        close(mine["numerical"], theirs["numerical"], kind, rtol=1e-6, atol=1e-9)
        a = np.maximum(np.abs(theirs["analytic"]), np.abs(theirs["numerical"]))
        kept = a > 1e-6  # below, the relative error of a tiny gradient is rounding itself
        close(np.array(mine["relative_errors"])[kept], np.array(theirs["relative_errors"])[kept],
              kind, rtol=0, atol=1e-4)  # fmt: skip


def test_gradcheck_programs_print_the_analytic_and_numerical_gradients(client):
    rng = np.random.default_rng(40)
    params, _ = random_params(EVERY_TYPE, (2, 8, 8), 41)
    bodies = [
        {"layers": LESSON, "dataset": "shapes", "seed": 2, "samples": 4, "count": 4},
        {"layers": LESSON, "state": trained_state(client), "count": 3, "samples": 3, "seed": 5},
        {
            "layers": EVERY_TYPE,
            "params": params,
            "x": rng.uniform(0, 1, (3, 2, 8, 8)).tolist(),
            "labels": [0, 3, 1],
            "samples": 3,
            "h": 1e-4,
        },
    ]
    run_all(client, "/api/cnn/gradcheck", bodies, same_check)


# ---------------------------------------------------------------- section 6: inside


def same_everything(got, want, kind):
    for key, value in got.items():
        if key == "predicted":
            assert value == want[key], kind
        elif key == "param_grads":
            for mine, theirs in zip(value, want[key], strict=True):
                assert set(mine) == set(theirs), kind
                for name in theirs:
                    close(mine[name], theirs[name], f"{kind} {key}")
        elif key in ("activations", "grads"):
            for mine, theirs in zip(value, want[key], strict=True):
                close(mine, theirs, f"{kind} {key}")
        else:
            close(value, want[key], f"{kind} {key}")


def test_inspect_programs_print_every_layer_forward_and_backward(client):
    params, running = random_params(EVERY_TYPE, (1, 28, 28), 42)
    x = example(client)
    nesterov = trained_state(client, optimizer={"name": "nesterov", "lr": 0.05})
    bodies = [
        {"layers": LESSON, "state": trained_state(client), "x": x, "label": 2},
        {"layers": LESSON, "state": nesterov, "x": x},  # its look-ahead point, as torch's
        {"layers": EVERY_TYPE, "params": params, "running": running, "x": x, "label": 1},
        {"layers": EVERY_TYPE, "params": params, "x": x},  # running: a new layer's (0, 1)
    ]
    codes = run_all(client, "/api/cnn/inspect", bodies, same_everything)
    assert codes[0]["prints"][-1] == "input_grad" and codes[1]["prints"][-1] == "predicted"
    assert "training=False" in codes[0]["pytorch"]


def test_trace_programs_print_each_kind_of_cell(client):
    """A cell of every layer of every type, and the softmax; then a weight of every kind."""
    from app.core.nn.network import build_network

    params, running = random_params(EVERY_TYPE, (1, 28, 28), 43)
    x = example(client, 7)
    network = build_network(EVERY_TYPE, (1, 28, 28))
    rng = np.random.default_rng(44)
    base = {"layers": EVERY_TYPE, "params": params, "running": running, "x": x}
    bodies = []
    for layer in network.layers:
        cell = [int(rng.integers(0, n)) for n in layer.out_shape]
        bodies.append({**base, "layer": layer.index, "cell": cell})
    bodies.append({**base, "layer": len(network.layers), "cell": [2]})
    bodies.append({"layers": LESSON, "state": trained_state(client), "x": x, "layer": 3,
                   "cell": [1, 4, 6]})  # fmt: skip

    def same_cell(got, want, kind):
        assert set(got["cell"]) <= set(want["cell"]), kind
        for key, value in got["cell"].items():
            if key in ("winner", "source"):
                assert value == want["cell"][key], kind
            else:
                close(value, want["cell"][key], f"{kind} {key}")

    run_all(client, "/api/cnn/trace", bodies, same_cell)

    weights = [(0, "weight", [1, 0, 2, 1]), (0, "bias", [1]), (1, "gamma", [0]), (1, "beta", [1]),
               (7, "weight", [3, 20]), (7, "bias", [2]), (8, "gamma", [4])]  # fmt: skip
    bodies = [
        {**base, "label": 3, "layer": layer, "param": name, "weight": index}
        for layer, name, index in weights
    ]
    bodies.append({"layers": LESSON, "state": trained_state(client), "x": x, "label": 1,
                   "layer": 0, "weight": [1, 0, 2, 2]})  # fmt: skip

    run_all(client, "/api/cnn/trace", bodies, same_weight)


def same_weight(got, want, kind):
    mine, theirs = got["weight"], want["weight"]
    for key in ("value", "total", "h", "loss"):
        close(mine[key], theirs[key], f"{kind} {key}")
    close(mine["numerical"], theirs["numerical"], kind, rtol=1e-6, atol=1e-8)
    assert ("update" in got) == (want["update"] is not None), kind
    if want["update"] is not None:  # the step the view shows, under the endpoint's name
        mine, theirs = got["update"], want["update"]
        assert (mine["optimizer"], mine["t"]) == (theirs["optimizer"], theirs["t"]), kind
        assert set(mine["quantities"]) == set(theirs["quantities"]), kind
        for key in ("grad", "before", "after"):
            close(mine[key], theirs[key], f"{kind} update {key}")
        for key, value in theirs["quantities"].items():
            close(mine["quantities"][key], value, f"{kind} update {key}")


def test_weight_programs_print_the_optimisers_next_step(client):
    """Every optimiser's next step on a weight, as the view shows it: from the state's own
    optimiser (its moments for the entry, t = step + 1) or another named one (t = 1)."""
    x = example(client, 7)
    base = {"layers": LESSON, "x": x, "label": 1, "layer": 0, "weight": [1, 0, 2, 2]}
    bodies = []
    for name, lr in [("sgd", 0.1), ("momentum", 0.05), ("nesterov", 0.05), ("adagrad", 0.1),
                     ("rmsprop", 0.01), ("adam", 0.01), ("adamw", 0.01)]:  # fmt: skip
        state = trained_state(client, optimizer={"name": name, "lr": lr}, steps=2)
        bodies.append({**base, "state": state})
    bodies.append({**base, "state": bodies[0]["state"], "layer": 5, "param": "bias", "weight": [3],
                   "optimizer": {"name": "adamw", "lr": 0.02, "weight_decay": 0.1}})  # fmt: skip
    codes = run_all(client, "/api/cnn/trace", bodies, same_weight)
    assert codes[0]["prints"] == ["weight", "update"]


def test_filters_programs_print_the_closest_presets(client):
    params, _ = random_params(LESSON, (1, 28, 28), 45)
    five = [{"type": "conv", "filters": 3, "size": 5}, *LESSON[1:]]
    bodies = [
        {"layers": LESSON, "state": trained_state(client), "dataset": "shapes"},
        {"layers": LESSON, "params": params, "top": 13},
        {"layers": five, "state": trained_state(client, five), "top": 2},
    ]

    def same(got, want, kind):
        close(got["limit"], want["limit"], kind)
        for mine, theirs in zip(got["filters"], want["filters"], strict=True):
            for a, b in zip(mine, theirs, strict=True):
                assert [m["preset"] for m in a] == [m["preset"] for m in b], kind
                close([m["similarity"] for m in a], [m["similarity"] for m in b], kind)

    run_all(client, "/api/cnn/filters", bodies, same)


def test_a_network_without_conv_has_no_filters_program(client):
    layers = [{"type": "flatten"}, {"type": "linear", "out": 8}]
    body = {"layers": layers, "state": trained_state(client, layers)}
    response = client.post("/api/code", json={"endpoint": "/api/cnn/filters", "body": body})
    assert response.status_code == 422 and response.json()["field"] == "body.layers"


def test_confusion_programs_print_the_matrix_of_the_test_subset(client):
    layers = [*LESSON[:-1], {"type": "linear", "out": 10}]
    state = trained_state(client, layers, "fashion")
    bodies = [{"layers": layers, "state": state, "dataset": "fashion"}]

    def same(got, want, kind):
        assert got["counts"] == want["counts"], kind
        assert got["misclassified_count"] == want["misclassified_count"], kind
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=1e-12), kind

    codes = run_all(client, "/api/cnn/confusion", bodies, same)
    from app import codegen

    assert len(codes[0]["numpy"]) < codegen.MAX_PROGRAM_CHARS


def test_the_shapes_confusion_programs_generate_the_data_set_again(client):
    """shapes is generated from a seed (its noise does not pack): the NumPy program generates
    it again with the app's own code and prints the endpoint's matrix; the PyTorch program draws
    its own images of the classes (torch has not NumPy's generator) and says so."""
    body = {"layers": LESSON, "state": trained_state(client), "dataset": "shapes"}
    code = code_for(client, "/api/cnn/confusion", body)
    assert code["pytorch_same_numbers"] is False
    assert "def make_shapes(seed" in code["numpy"] and "PACKED" not in code["numpy"]
    assert len(code["numpy"]) < 100_000  # the network's numbers and the generator, no images
    want = client.post("/api/cnn/confusion", json=body).json()
    got = run_programs([code[kind] for kind in KINDS])
    assert got[0]["counts"] == want["counts"]
    assert got[0]["misclassified_count"] == want["misclassified_count"]
    assert got[0]["accuracy"] == pytest.approx(want["accuracy"], abs=1e-12)
    if HAVE_TORCH:  # its own draws: a matrix of the same classes and size, not the same counts
        counts = np.array(got[1]["counts"])
        assert counts.shape == (8, 8) and counts.sum() == 1000
        assert got[1]["accuracy"] == pytest.approx(np.trace(counts) / 1000)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "endpoint",
    ["/api/cnn/inspect", "/api/cnn/trace", "/api/cnn/filters", "/api/cnn/confusion",
     "/api/cnn/gradcheck"],
)  # fmt: skip
def test_a_forged_or_hostile_state_is_refused(client, endpoint):
    hostile = "cnn1.__import__('os').system('echo owned').x"
    body = {"layers": LESSON, "state": hostile}
    if endpoint in ("/api/cnn/inspect", "/api/cnn/trace"):
        body.update(x=[[[0.0] * 28] * 28], layer=0, cell=[0, 0, 0])
    response = client.post("/api/code", json={"endpoint": endpoint, "body": body})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "body.state"


def test_every_cnn_endpoint_of_the_page_is_covered():
    from app import codegen

    assert set(codegen.LESSONS) >= {
        "/api/cnn/network",
        "/api/cnn/gradcheck",
        "/api/cnn/inspect",
        "/api/cnn/trace",
        "/api/cnn/filters",
        "/api/cnn/confusion",
    }


# ---------------------------------------------------------------- the LeNet-like preset


def test_float32_values_are_written_shortest_and_read_back_exactly():
    from app.codegen.printer import array_text, is_float32, number32

    rng = np.random.default_rng(60)
    values = np.concatenate([
        rng.standard_normal(20_000) * 10.0 ** rng.integers(-40, 38, 20_000),
        [0.0, -0.0, 1.0, 0.1, 3e38, 1e-45, -1.17549435e-38],
    ]).astype(np.float32)  # fmt: skip
    for v in values:
        text = number32(v)
        assert np.float32(float(text)) == v, (v, text)  # read as Python reads it: float64 first
        assert len(text) <= len(repr(float(v)))
    assert number32(np.float32(0.1)) == "0.1"
    widened = values.astype(np.float64)
    assert is_float32(widened) and not is_float32(widened + 1e-12)
    line = array_text("x = ", np.float32([0.1, 0.2]), "np")
    assert line == "x = np.array([0.1, 0.2], dtype=np.float32).astype(np.float64)"
    assert array_text("x = ", [0.1, 0.2], "np") == "x = np.array([0.1, 0.2])"  # float64 values
    namespace = {"np": np}
    exec(array_text("x = ", widened[:500], "np"), namespace)  # noqa: S102
    assert np.array_equal(namespace["x"], widened[:500])  # bit for bit, float64 as the endpoint's


def lenet_state(client):
    from app.core.nn.network import preset_layers

    layers = preset_layers("lenet", 10)
    return layers, trained_state(client, layers, "fashion", steps=2)


def test_the_lenet_like_programs_fit_and_print_the_endpoints_numbers(client):
    """LeNet-like (~44,000 float32 parameters): inspect, gradcheck and confusion programs fit the
    bound; inspect's and gradcheck's run and agree with the endpoint."""
    from app import codegen

    layers, state = lenet_state(client)
    x = example(client, 3, "fashion")
    run_all(client, "/api/cnn/inspect", [{"layers": layers, "state": state, "x": x, "label": 4}],
            same_everything)  # fmt: skip
    gradcheck = {"layers": layers, "state": state, "dataset": "fashion", "count": 3, "samples": 2}
    run_all(client, "/api/cnn/gradcheck", [gradcheck], same_check)
    code = code_for(client, "/api/cnn/confusion", {"layers": layers, "state": state,
                                                   "dataset": "fashion"})  # fmt: skip
    assert max(len(code["numpy"]), len(code["pytorch"])) < codegen.MAX_PROGRAM_CHARS
    assert "dtype=np.float32).astype(np.float64)" in code["numpy"]
    inspect = code_for(client, "/api/cnn/inspect", {"layers": layers, "state": state, "x": x})
    assert ".double().requires_grad_()" in inspect["pytorch"]


# ---------------------------------------------------------------- an uploaded image


def png(array) -> bytes:
    """uint8 H×W: an 8-bit grayscale PNG; uint16: a 16-bit one."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def test_example_programs_print_the_uploaded_image_as_an_example(client):
    """The endpoint's `pixels` and `scale` are the programs' body: scaled up or not, inverted by
    its border or as asked, 8 or 16 bits. float32 values: within 1e-6 (bilinear in float64,
    stored in float32)."""
    rng = np.random.default_rng(70)
    uploads = [
        (rng.integers(150, 256, (9, 12)).astype(np.uint8), "auto"),  # light: inverted
        (rng.integers(0, 100, (40, 30)).astype(np.uint8), "auto"),  # downscaled by Pillow
        (rng.integers(0, 256, (5, 3)).astype(np.uint8), "yes"),
        (rng.integers(0, 65536, (20, 28)).astype(np.uint16), "no"),
    ]
    bodies, wants = [], []
    for array, invert in uploads:
        response = client.post(
            f"/api/cnn/example?dataset=shapes&invert={invert}",
            files={"file": ("image.png", png(array), "image/png")},
        )
        assert response.status_code == 200, response.text
        out = response.json()
        bodies.append({"dataset": "shapes", "invert": invert, "pixels": out["pixels"],
                       "scale": out["scale"]})  # fmt: skip
        wants.append(out)
    assert wants[3]["scale"] == 65535 and np.shape(wants[0]["pixels"]) == (9, 12)
    codes = [code_for(client, "/api/cnn/example", body) for body in bodies]
    for code in codes:
        assert imported(code["numpy"]) <= STDLIB | {"numpy"}
        assert imported(code["pytorch"]) <= STDLIB | {"torch"}
    printed = iter(run_programs([code[kind] for kind in KINDS for code in codes]))
    for kind in KINDS:
        for want in wants:
            got = next(printed)
            assert got["inverted"] == want["inverted"], kind
            close(got["x"], want["x"], kind, rtol=0, atol=1e-6)


def test_an_example_body_is_checked_as_the_endpoint_checks_it(client):
    def refused(body):
        response = client.post("/api/code", json={"endpoint": "/api/cnn/example", "body": body})
        assert response.status_code == 422, response.text
        return response.json()

    big = {"dataset": "shapes", "pixels": [[0] * 29] * 3, "scale": 255}
    assert refused(big)["field"] == "body.pixels" and "at most 28×28" in refused(big)["detail"]
    assert refused({**big, "pixels": [[300]], "scale": 255})["field"] == "body.pixels"
    assert refused({**big, "pixels": [[1]], "dataset": "mnist"})["field"] == "body.dataset"
    assert refused({"file": "aGVsbG8=", "pixels": [[1]], "scale": 255})["field"] == "body.file"
