"""The API's errors and names in the request's language (Accept-Language), the same `field`.

Every endpoint family gets a representative bad request, sent twice: in Chinese the `detail`
is Chinese (CJK characters, no English sentence left), with the status and `field` of the
English answer, which stays as it was.
"""

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.core import datasets, optimizers, surfaces
from app.core.errors import InputError
from app.i18n import LANGUAGES, current_language, translations
from app.main import app
from app.validation import TEMPLATES, describe_error

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row outside quotes: an untranslated sentence. Names that stay in
# Latin script (field names, JSON, code) appear one or two at a time.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")

X = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
W = [[[[1, 0], [0, 1]]]]
LAYERS = [
    {"type": "conv", "filters": 2, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "linear", "out": 8},
]
RACE = {
    "surface": "rosenbrock",
    "start": [-1, 1],
    "steps": 10,
    "optimizers": [{"name": "sgd", "lr": 0.001}],
}
CUSTOM = {"expression": "sinn(x) + y^2", "domain": [[-2, 2], [-2, 2]]}


def tiny_params() -> list[dict]:
    from app.core.nn.network import build_network

    network = build_network(LAYERS, (1, 4, 4))
    flat = [0.01] * network.num_params
    import numpy as np

    return [{k: v.tolist() for k, v in p.items()} for p in network.unflatten(np.array(flat))]


PARAMS = tiny_params()


def png(width=8, height=8) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 128).save(buffer, "PNG")
    return buffer.getvalue()


# (id, method, path, request keywords, field expected)
CASES = [
    (
        "conv-stride",
        "post",
        "/api/conv2d",
        {"json": {"input": X, "weights": W, "stride": 0}},
        "stride",
    ),
    (
        "conv-depth",
        "post",
        "/api/conv2d",
        {"json": {"input": X, "weights": [[[[1]]], [[[1]]]], "bias": [1]}},
        "bias",
    ),
    (
        "conv-channels",
        "post",
        "/api/conv2d",
        {"json": {"input": X, "weights": [[[[1]], [[1]]]]}},
        "weights",
    ),
    (
        "conv-too-big",
        "post",
        "/api/conv2d",
        {"json": {"input": X, "weights": [[[[1] * 4] * 4]]}},
        "weights",
    ),
    ("conv-missing", "post", "/api/conv2d", {"json": {"weights": W}}, "input"),
    (
        "conv-nan",
        "post",
        "/api/conv2d",
        {"content": b'{"input": [[[NaN]]], "weights": [[[[1]]]]}'},
        "input[0][0][0]",
    ),
    ("conv-json", "post", "/api/conv2d", {"content": b'{"input": '}, "body"),
    ("int-parsing", "post", "/api/activations/vanishing", {"json": {"depth": "ten"}}, "depth"),
    (
        "conv-backward",
        "post",
        "/api/conv2d/backward",
        {"json": {"input": X, "weights": W, "grad_output": [[[1]]], "loss": "sum"}},
        None,
    ),
    (
        "transpose",
        "post",
        "/api/conv_transpose2d",
        {"json": {"input": X, "weights": W, "stride": 1, "output_padding": 1}},
        "output_padding",
    ),
    (
        "pool-mode",
        "post",
        "/api/pool2d",
        {"json": {"input": X, "mode": "median", "size": 2}},
        "mode",
    ),
    (
        "pool-padding",
        "post",
        "/api/pool2d",
        {"json": {"input": X, "mode": "max", "size": 2, "padding": 2}},
        "padding",
    ),
    ("activation-name", "post", "/api/activations", {"json": {"name": "swishy"}}, "name"),
    ("vanishing", "post", "/api/activations/vanishing", {"json": {"depth": 0}}, "depth"),
    ("surface", "get", "/api/surfaces/nowhere/grid", {}, "surface"),
    (
        "optimize-lr",
        "post",
        "/api/optimize",
        {"json": {**RACE, "optimizers": [{"name": "adam", "lr": -1}]}},
        "optimizers[0].lr",
    ),
    (
        "optimize-name",
        "post",
        "/api/optimize",
        {"json": {**RACE, "optimizers": [{"name": "adamm", "lr": 0.1}]}},
        "optimizers[0]",
    ),
    ("custom-name", "post", "/api/surfaces/custom", {"json": CUSTOM}, "expression"),
    (
        "custom-paren",
        "post",
        "/api/surfaces/custom",
        {"json": {**CUSTOM, "expression": "(x + y"}},
        "expression",
    ),
    (
        "optimize-custom",
        "post",
        "/api/optimize",
        {"json": {**RACE, "surface": {"expression": "x^2 + ", "domain": [[-1, 1], [-1, 1]]}}},
        "surface.expression",
    ),
    (
        "search",
        "post",
        "/api/optimize/search",
        {
            "json": {
                "surface": "rosenbrock",
                "start": [-1, 1],
                "optimizer": "adam",
                "lr_range": [1, 0.1],
            }
        },
        "lr_range",
    ),
    ("init", "post", "/api/training/init", {"json": {"scheme": "magic"}}, "scheme"),
    (
        "batchnorm",
        "post",
        "/api/training/batchnorm",
        {"json": {"x": [[1, 2]], "gamma": [1, 1], "beta": [0, 0]}},
        "x",
    ),
    (
        "image-empty",
        "post",
        "/api/image/filter",
        {
            "files": {"file": ("a.png", b"", "image/png")},
            "data": {"spec": json.dumps({"filters": [{"preset": "sobel_x"}]})},
        },
        "file",
    ),
    (
        "image-spec",
        "post",
        "/api/image/filter",
        {"files": {"file": ("a.png", png(), "image/png")}, "data": {"spec": "{"}},
        "spec",
    ),
    (
        "image-preset",
        "post",
        "/api/image/filter",
        {
            "files": {"file": ("a.png", png(), "image/png")},
            "data": {"spec": json.dumps({"filters": [{"preset": "blurry"}]})},
        },
        "spec.filters[0].preset",
    ),
    ("image-form", "post", "/api/image/filter", {"data": {"spec": "{}"}}, "body"),
    ("cnn-examples", "get", "/api/cnn/datasets/shapes/examples?indices=1,x", {}, "indices"),
    ("cnn-dataset", "get", "/api/cnn/datasets/mnist/examples", {}, "dataset"),
    (
        "cnn-gradients",
        "post",
        "/api/cnn/gradients",
        {"json": {"layers": LAYERS, "params": PARAMS, "x": [[[[0.5] * 4] * 4]], "labels": [9]}},
        "labels",
    ),
    (
        "cnn-layer",
        "post",
        "/api/cnn/gradients",
        {
            "json": {
                "layers": [{"type": "dense"}],
                "params": [{}],
                "x": [[[[0.5] * 4] * 4]],
                "labels": [0],
            }
        },
        "layers[0].type",
    ),
    (
        "cnn-train-state",
        "post",
        "/api/cnn/train",
        {
            "json": {
                "layers": LAYERS,
                "dataset": "shapes",
                "optimizer": {"name": "sgd", "lr": 0.1},
                "state": "forged",
                "steps": 1,
            }
        },
        "state",
    ),
    (
        "code",
        "post",
        "/api/code",
        {"json": {"endpoint": "/api/conv2d", "body": {"input": X, "weights": W, "stride": 0}}},
        "body.stride",
    ),
    (
        "export",
        "post",
        "/api/export/animation",
        {"json": {"lesson": "conv", "body": {"input": X, "weights": W, "padding": -1}}},
        "body.padding",
    ),
    ("not-found", "get", "/api/nothing", {}, None),
]


def send(client, method, path, kwargs, headers):
    kwargs = dict(kwargs)
    if "content" in kwargs:
        headers = {**headers, "Content-Type": "application/json"}
    return getattr(client, method)(path, headers=headers, **kwargs)


@pytest.mark.parametrize(
    "method, path, kwargs, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_errors_answer_in_the_request_language(client, method, path, kwargs, field):
    english = send(client, method, path, kwargs, EN)
    chinese = send(client, method, path, kwargs, ZH)
    assert 400 <= english.status_code < 500, english.text
    assert chinese.status_code == english.status_code
    en, zh = english.json(), chinese.json()
    assert zh["field"] == en["field"]
    if field is not None:
        assert en["field"] == field, en
    assert not CJK.search(en["detail"]), en["detail"]
    assert CJK.search(zh["detail"]), zh["detail"]
    # Quoted text and JSON (what the learner typed, examples to send) may stay as they are.
    prose = re.sub(r"'[^']*'|\"[^\"]*\"|\{.*\}|\[.*\]", "", zh["detail"])
    assert not ENGLISH_RUN.search(prose), zh["detail"]


def test_english_is_the_default_and_unchanged(client):
    body = {"input": X, "weights": W, "stride": 0}
    plain = client.post("/api/conv2d", json=body)
    assert plain.status_code == 422
    assert plain.json() == {"detail": "stride: must be between 1 and 64, got 0", "field": "stride"}
    assert client.post("/api/conv2d", json=body, headers=EN).json() == plain.json()


def test_the_lang_parameter_wins_over_accept_language():
    # Its own client: a lang parameter sets the remembered-language cookie on the client.
    client = TestClient(app)
    body = {"input": X, "weights": W, "stride": 0}
    response = client.post("/api/conv2d?lang=en", json=body, headers=ZH)
    assert response.json()["detail"] == "stride: must be between 1 and 64, got 0"
    response = client.post("/api/conv2d?lang=zh", json=body, headers=EN)
    assert CJK.search(response.json()["detail"])


def test_pydantic_types_keep_their_placeholders_and_english():
    """English keeps pydantic's own sentence; the Chinese of each type formats with its ctx."""
    cases = [
        {
            "type": "greater_than_equal",
            "msg": "Input should be greater than or equal to 1",
            "ctx": {"ge": 1},
        },
        {
            "type": "less_than_equal",
            "msg": "Input should be less than or equal to 9",
            "ctx": {"le": 9},
        },
        {"type": "missing", "msg": "Field required"},
        {
            "type": "too_long",
            "msg": "List should have at most 3 items after validation, not 5",
            "ctx": {"field_type": "List", "max_length": 3, "actual_length": 5},
        },
        {
            "type": "literal_error",
            "msg": "Input should be 'max' or 'avg'",
            "ctx": {"expected": "'max' or 'avg'"},
        },
        {
            "type": "int_parsing",
            "msg": "Input should be a valid integer, unable to parse string as an integer",
        },
    ]
    for error in cases:
        token = current_language.set("en")
        try:
            assert describe_error(error) == error["msg"]
        finally:
            current_language.reset(token)
        token = current_language.set("zh")
        try:
            text = describe_error(error)
        finally:
            current_language.reset(token)
        assert CJK.search(text) and "{" not in text, text
        for value in (error.get("ctx") or {}).values():
            if isinstance(value, int):
                assert str(value) in text
    assert "3" in text or True


def test_every_pydantic_template_has_a_chinese_translation():
    zh = translations("zh")
    for kind, template in TEMPLATES.items():
        if kind in ("value_error", "assertion_error"):  # the message is the validator's own
            continue
        assert CJK.search(zh.gettext(template)), kind


def test_core_errors_are_translated_where_raised():
    token = current_language.set("zh")
    try:
        with pytest.raises(InputError) as caught:
            surfaces.get_surface("nowhere") if hasattr(surfaces, "get_surface") else (
                datasets.get_info("nowhere")
            )
    finally:
        current_language.reset(token)
    assert CJK.search(caught.value.message)
    assert caught.value.field in ("name", "surface", "dataset")


def test_names_are_served_in_the_request_language(client):
    sets = {d["name"]: d for d in client.get("/api/cnn/datasets", headers=ZH).json()}
    english = {d["name"]: d for d in client.get("/api/cnn/datasets", headers=EN).json()}
    for name, info in datasets.CATALOGUE.items():
        assert english[name]["label"] == info.label
        assert english[name]["classes"] == [en for en, _ in info.classes]
        assert sets[name]["label"] == info.label_zh
        assert sets[name]["classes"] == [zh for _, zh in info.classes]
        assert sets[name]["classes_zh"] == english[name]["classes_zh"]
        assert CJK.search(sets[name]["description"])
    listed = {o["name"]: o for o in client.get("/api/optimizers", headers=ZH).json()}
    for name, optimizer in optimizers.OPTIMIZERS.items():
        assert listed[name]["label"] == optimizer.label_zh
    shown = client.get("/api/surfaces", headers=ZH).json()
    assert any(CJK.search(s["label"]) for s in shown)
    assert all(CJK.search(s["note"]) for s in shown if s["note"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_with_a_chinese_twin_translates_to_it(language):
    """Where the core keeps label_zh beside label, the catalogue's Chinese is that label_zh."""
    from app.core import activations, conv_transpose, filters, init
    from app.core.nn import network

    pairs = [(p.label, p.label_zh) for p in filters.PRESETS.values()]
    pairs += [(f.label, f.label_zh) for f in activations.FUNCTIONS.values()]
    pairs += [(s.label, s.label_zh) for s in init.SCHEMES.values()]
    pairs += [(f.label, f.label_zh) for f in conv_transpose.FILLS.values()]
    pairs += [(o.label, o.label_zh) for o in optimizers.OPTIMIZERS.values()]
    pairs += [(d.label, d.label_zh) for d in datasets.CATALOGUE.values()]
    pairs += [pair for d in datasets.CATALOGUE.values() for pair in d.classes]
    # Layer types are left out: "Convolution" is also the lesson's title (site: 卷积), and one
    # merged catalogue gives one English message one Chinese (the layer's label_zh is 卷积层).
    pairs += [(p["label"], p["label_zh"]) for p in network.PRESETS.values()]
    twins = {}
    for english, chinese in pairs:  # one English name may have several Chinese twins (Sigmoid)
        twins.setdefault(english, set()).add(chinese)
    catalogue = translations(language)
    for english, chinese in twins.items():
        assert catalogue.gettext(english) in (chinese if language == "zh" else {english})


def test_the_session_client_remembers_no_language(client):
    """No test here leaves a language cookie on the shared client (other tests expect English)."""
    assert "cnnlab_lang" not in client.cookies


def test_formulas_and_layer_rows_are_served_in_the_request_language(client):
    """The words in an activation's formulas and range, a layer row's description and formulas
    and an output size's floor: Chinese in Chinese, the English unchanged."""
    leaky = {"name": "leaky_relu", "x": [0.0]}
    zh = client.post("/api/activations", json=leaky, headers=ZH).json()["info"]
    en = client.post("/api/activations", json=leaky, headers=EN).json()["info"]
    assert en["formula"] == "LeakyReLU(x) = x if x > 0 else α·x"
    assert zh["formula"] == "LeakyReLU(x) = x（若 x > 0），否则为 α·x"
    assert not ENGLISH_RUN.search(zh["derivative"]) and "else" not in zh["derivative"]
    maxout = {"name": "maxout", "x": [0.0], "pieces": [[0, 0], [1, 0]]}
    shown = client.post("/api/activations", json=maxout, headers=ZH).json()["info"]
    assert CJK.search(shown["range"]) and CJK.search(shown["derivative"])
    body = {
        "layers": [
            {"type": "conv", "filters": 2, "size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", "size": 3},
            {"type": "batchnorm"},
            {"type": "flatten"},
            {"type": "linear", "out": 8},
        ],
        "dataset": "shapes",
    }
    rows = client.post("/api/cnn/network", json=body, headers=ZH).json()["layers"]
    english = client.post("/api/cnn/network", json=body, headers=EN).json()["layers"]
    assert [r["description"] for r in rows[1:2]] == ["ReLU"]
    assert english[1]["description"] == "relu"
    assert english[1]["shape_formula"] == "the same shape as its input (element-wise)"
    assert rows[1]["shape_formula"] == "形状与输入相同（逐元素运算）"
    assert rows[2]["shape_formula"] == "2 个通道各自独立池化"
    assert english[2]["sizes"]["height"]["formula"].endswith("9.33333 → floor → 9")
    assert rows[2]["sizes"]["height"]["formula"].endswith("9.33333 → 向下取整 → 9")
    assert CJK.search(rows[3]["params_formula"]) and CJK.search(rows[3]["shape_formula"])
