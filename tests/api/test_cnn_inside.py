"""The /cnn page's "inside the network" additions: POST /api/cnn/confusion (the test subset's
confusion matrix), /api/cnn/filters (first-layer kernels beside the filter presets) and
/api/cnn/example (an uploaded image as one example); against independent references, and every
4xx."""

import io

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PIL import Image

from app.core import datasets
from app.core import filters as image_filters
from app.core.nn.network import build_network
from app.schemas.cnn import ConfusionResponse, ExampleResponse, FiltersResponse

LAYERS = [
    {"type": "conv", "filters": 3, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 4},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]


def params_of(seed=0, scale=0.5):
    network = build_network(LAYERS, (1, 28, 28))
    flat = scale * np.random.default_rng(seed).standard_normal(network.num_params)
    return network, [{k: v.tolist() for k, v in p.items()} for p in network.unflatten(flat)]


def trained_state(client, steps=20):
    response = client.post(
        "/api/cnn/train",
        json={"layers": LAYERS, "dataset": "shapes", "seed": 2, "steps": steps, "state": None,
              "optimizer": {"name": "adam", "lr": 0.01}},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["state"]


def test_the_confusion_matrix_counts_the_test_subset(client):
    network, params = params_of()
    response = client.post(
        "/api/cnn/confusion", json={"layers": LAYERS, "params": params, "dataset": "shapes"}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    ConfusionResponse.model_validate(data)
    # An independent reference: each example of the subset through the network on its own.
    shapes = datasets.get_dataset("shapes")
    chosen = np.arange(0, shapes.info.test_size, shapes.info.test_size // datasets.EVAL_SIZE)
    p = network.unflatten(network.flatten(params))
    running = network.zero_running()
    logits = np.concatenate(
        [network.forward(p, shapes.test_x[i : i + 1].astype(np.float64), False, running).logits
         for i in chosen]
    )  # fmt: skip
    predicted = logits.argmax(axis=1)
    truth = shapes.test_y[chosen]
    expected = np.zeros((8, 8), int)
    for t, q in zip(truth, predicted, strict=True):
        expected[t, q] += 1
    assert data["counts"] == expected.tolist()
    assert data["size"] == len(chosen) == 1000
    assert_allclose(data["accuracy"], (truth == predicted).mean(), rtol=1e-12)
    where = {int(i): (int(t), int(q)) for i, t, q in zip(chosen, truth, predicted, strict=True)}
    for t in range(8):
        for q in range(8):
            listed = data["examples"][t][q]
            assert len(listed) == min(expected[t, q], 60)
            assert all(where[i] == (t, q) for i in listed)
    assert data["misclassified_count"] == int((truth != predicted).sum())
    probs = [m["prob"] for m in data["misclassified"]]
    assert probs == sorted(probs, reverse=True)
    for m in data["misclassified"][:5]:
        assert where[m["index"]] == (m["label"], m["predicted"]) and m["label"] != m["predicted"]
    assert data["classes"][0] == "horizontal line" and data["step"] is None


def test_the_confusion_matrix_of_a_training_state(client):
    state = trained_state(client)
    response = client.post(
        "/api/cnn/confusion", json={"layers": LAYERS, "state": state, "dataset": "shapes"}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["step"] == 20 and sum(map(sum, data["counts"])) == 1000
    # The same accuracy as the training chunk's evaluation of the same state (float32 there).
    evaluated = client.post(
        "/api/cnn/train",
        json={"layers": LAYERS, "dataset": "shapes", "seed": 2, "steps": 20, "state": None,
              "optimizer": {"name": "adam", "lr": 0.01}, "eval": True},
    ).json()["eval"]  # fmt: skip
    assert abs(evaluated["test_accuracy"] - data["accuracy"]) <= 0.002


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"dataset": "fashion"}, "layers", "ends in 8 scores; fashion has 10 classes"),
        ({"dataset": "nope"}, "dataset", "unknown data set"),
        ({"params": None}, "params", "give params or a state"),
        ({"state": "cnn1.abc.def", "params": None}, "state", ""),
    ],
)
def test_confusion_refusals(client, change, field, words):
    _, params = params_of()
    body = {"layers": LAYERS, "params": params, "dataset": "shapes"} | change
    response = client.post("/api/cnn/confusion", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert words in response.json()["detail"]


def test_a_state_of_another_network_is_refused(client):
    state = trained_state(client, steps=2)
    other = [dict(LAYERS[0], filters=2), *LAYERS[1:]]
    response = client.post(
        "/api/cnn/confusion", json={"layers": other, "state": state, "dataset": "shapes"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "state"


def cosine(a, b):
    a, b = np.ravel(a), np.ravel(b)
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def test_learned_kernels_beside_the_presets(client):
    network, params = params_of(seed=4)
    # Filter 0 is Sobel x exactly, filter 1 minus a Laplacian scaled: similarity 1 and −1.
    params[0]["weight"][0][0] = (0.1 * image_filters.preset_kernel("sobel_x")).tolist()
    params[0]["weight"][1][0] = (-2 * image_filters.preset_kernel("laplacian")).tolist()
    response = client.post("/api/cnn/filters", json={"layers": LAYERS, "params": params, "top": 13})
    assert response.status_code == 200, response.text
    data = response.json()
    FiltersResponse.model_validate(data)
    assert data["layer"] == 0 and data["size"] == 3
    names = [p["name"] for p in data["presets"]]
    assert "sobel_x" in names and "box_blur_5" not in names  # only the 3×3 presets
    first = data["filters"][0][0][0]
    assert first["preset"] == "sobel_x" and abs(first["similarity"] - 1) < 1e-6
    second = data["filters"][1][0][0]
    assert second["preset"] == "laplacian" and abs(second["similarity"] + 1) < 1e-6
    w = np.array(params[0]["weight"][2][0])
    listed = data["filters"][2][0]
    assert len(listed) == len(names)
    for match in listed:
        assert_allclose(
            match["similarity"], cosine(w, image_filters.preset_kernel(match["preset"])), rtol=1e-6
        )
    sims = [abs(m["similarity"]) for m in listed]
    assert sims == sorted(sims, reverse=True)


def test_a_network_without_conv_has_no_filters(client):
    layers = [{"type": "flatten"}, {"type": "linear", "out": 8}]
    network = build_network(layers, (1, 28, 28))
    params = [{k: v.tolist() for k, v in p.items()} for p in network.unflatten(
        np.zeros(network.num_params))]  # fmt: skip
    response = client.post("/api/cnn/filters", json={"layers": layers, "params": params})
    assert response.status_code == 200
    assert response.json()["layer"] is None and response.json()["presets"] == []


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, data: bytes, query="", name="drawing.png"):
    return client.post(f"/api/cnn/example{query}", files={"file": (name, data, "image/png")})


def test_a_dark_drawing_on_white_is_inverted_and_scaled(client):
    rng = np.random.default_rng(1)
    pixels = rng.integers(200, 256, (60, 120, 3), dtype=np.uint8)
    pixels[20:40, 30:90] = 10  # a dark bar on a light background
    response = upload(client, png(Image.fromarray(pixels)))
    assert response.status_code == 200, response.text
    data = response.json()
    ExampleResponse.model_validate(data)
    x = np.array(data["x"])
    assert x.shape == (1, 28, 28) and data["inverted"]
    # Reference: Pillow's own grayscale and Lanczos downscale to 28×14, inverted, centred.
    reference = Image.fromarray(pixels).convert("L").resize((28, 14), Image.Resampling.LANCZOS)
    expected = np.zeros((28, 28))
    expected[7:21] = 1 - np.asarray(reference) / 255
    assert_allclose(x[0], expected, atol=2 / 255)
    assert x[0, :7].max() == 0 and x[0, 21:].max() == 0
    notes = " ".join(data["notes"])
    for words in ("120×60 PNG", "made grayscale", "28×14", "inverted", "centred on a 28×28"):
        assert words in notes
    plain = upload(client, png(Image.fromarray(pixels)), "?invert=no").json()
    assert not plain["inverted"] and "inverted" not in " ".join(plain["notes"])


def test_a_small_image_is_scaled_up(client):
    values = np.linspace(0, 1, 14 * 10, dtype=np.float32).reshape(10, 14)
    gray = Image.fromarray(np.round(values * 255).astype(np.uint8))
    response = upload(client, png(gray), "?dataset=fashion&invert=no")
    assert response.status_code == 200, response.text
    data = response.json()
    assert not data["inverted"]
    x = np.array(data["x"])[0]
    # Pillow's bilinear enlargement of the same values (as floats) to 28×20.
    reference = Image.fromarray(np.asarray(gray, np.float32) / 255, "F").resize(
        (28, 20), Image.Resampling.BILINEAR
    )
    assert_allclose(x[4:24], np.asarray(reference), atol=1e-5)
    assert "scaled up from 14×10 to 28×20" in " ".join(data["notes"])


@pytest.mark.parametrize(
    ("data", "query", "status", "words"),
    [
        (b"", "", 422, "empty"),
        (b"not an image at all", "", 415, "not an image"),
        (png(Image.new("L", (4, 4))), "?invert=maybe", 422, "invert"),
        (png(Image.new("L", (4, 4))), "?dataset=nope", 422, "unknown data set"),
    ],
)
def test_upload_refusals(client, data, query, status, words):
    response = upload(client, data, query)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_an_upload_without_its_file_field(client):
    response = client.post(
        "/api/cnn/example", files={"picture": ("a.png", png(Image.new("L", (4, 4))), "image/png")}
    )
    assert response.status_code == 422
    assert "picture" in response.json()["detail"]
