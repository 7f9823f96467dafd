"""POST /api/conv_transpose2d and the backward trace of POST /api/conv2d/backward."""

import json
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import conv_transpose
from app.schemas.conv import Conv2dBackwardResponse
from app.schemas.conv_transpose import MAX_TRANSPOSE_OUTPUT_SIDE, ConvTransposeResponse

GUIDE = {"input": [[[1, 2], [3, 4]]], "weights": [[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]], "stride": 2}


def test_the_guide_s_classic(client):
    response = client.post("/api/conv_transpose2d", json=GUIDE)
    assert response.status_code == 200
    data = response.json()
    ConvTransposeResponse.model_validate(data)
    assert data["output_shape"] == [1, 5, 5]
    assert data["output"][0][2][2] == 1 * 8 + 2 * 6 + 3 * 2 + 4 * 0
    assert data["size"]["height"]["formula"] == "(2 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = 5"
    assert len(data["steps"]) == 4 and data["steps"][3]["value"] == 4.0
    direct = data["direct"]
    assert np.array(direct["input"]).shape == (1, 7, 7) and direct["border"] == [2, 2]
    assert len(direct["steps"]) == 25
    values = [step["value"] for step in direct["steps"]]
    assert_allclose(values, np.ravel(data["output"]), rtol=1e-12)


def test_padding_output_padding_dilation_and_bias(client):
    rng = np.random.default_rng(2)
    body = {
        "input": rng.integers(-3, 4, (2, 3, 4)).tolist(),
        "weights": rng.integers(-2, 3, (2, 3, 3, 2)).tolist(),
        "bias": [0.5, -1, 2],
        "stride": [2, 3],
        "padding": [1, 0],
        "output_padding": [1, 2],
        "dilation": [1, 2],
    }
    data = client.post("/api/conv_transpose2d", json=body).json()
    # H: (3 − 1)·2 − 2 + 1·2 + 1 + 1 = 6; W: (4 − 1)·3 − 0 + 2·1 + 2 + 1 = 14
    assert data["output_shape"] == [3, 6, 14]
    x, w = np.array(body["input"], float), np.array(body["weights"], float)
    expected = np.zeros((3, 6, 14)) + np.array(body["bias"])[:, None, None]
    for c, i, j in np.ndindex(x.shape):
        for f, m, n in np.ndindex(3, 3, 2):
            r, q = i * 2 + m - 1, j * 3 + n * 2
            if 0 <= r < 6 and 0 <= q < 14:
                expected[f, r, q] += x[c, i, j] * w[c, f, m, n]
    assert_allclose(data["output"], expected, rtol=1e-12)


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"weights": [[[[1]]], [[[1]]]]}, "weights", "first dimension (2)"),
        ({"output_padding": 2}, "output_padding", "smaller than the stride"),
        ({"padding": 5}, "padding", "the output would be"),
        ({"stride": 0}, "stride", "between 1 and 64"),
        ({"dilation": [1, 0]}, "dilation", ""),
        ({"stride": 64, "input": [[[1.0] * 8]]}, "stride", "at most 192 a side"),
    ],
)
def test_refusals(client, overrides, field, words):
    response = client.post("/api/conv_transpose2d", json={**GUIDE, **overrides})
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field)
    assert words in response.json()["detail"]


def test_a_trace_too_long_is_refused_before_computing(client):
    body = {"input": np.ones((16, 16, 16)).tolist(), "weights": np.ones((16, 16, 5, 5)).tolist()}
    response = client.post("/api/conv_transpose2d", json=body)
    assert response.status_code == 422 and "set trace to false" in response.json()["detail"]
    quiet = client.post("/api/conv_transpose2d", json={**body, "trace": False})
    assert quiet.status_code == 200 and quiet.json()["steps"] is None


def test_the_backward_trace(client):
    body = {
        "input": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]],
        "weights": [[[[1, 0], [0, -1]]]],
        "grad_output": [[[1, 2], [3, 4]]],
    }
    plain = client.post("/api/conv2d/backward", json=body).json()
    assert plain["weight_steps"] is None  # off unless asked
    data = client.post("/api/conv2d/backward", json={**body, "trace": True}).json()
    Conv2dBackwardResponse.model_validate(data)
    assert [s["total"] for s in data["weight_steps"]] == np.ravel(plain["grad_weights"]).tolist()
    first = data["weight_steps"][0]  # dL/dw[0,0,0,0] = 1·1 + 2·2 + 4·3 + 5·4
    assert first["products"] == [1.0, 4.0, 12.0, 20.0] and first["total"] == 37.0
    assert data["bias_steps"][0]["total"] == 10.0
    centre = data["input_steps"][4]
    assert (centre["row"], centre["col"]) == (1, 1)
    assert centre["terms"]["product"] == [-1.0, 0.0, 0.0, 4.0] and centre["total"] == 3.0
    assert data["grad_input"][0][1][1] == 3.0


def test_nan_is_refused(client):
    text = '{"input": [[[NaN]]], "weights": [[[[1]]]]}'
    response = client.post(
        "/api/conv_transpose2d", content=text, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["field"].startswith("input")


def test_the_lesson_page_carries_the_core_s_presets_and_the_schema_s_limits(client):
    text = client.get("/conv-transpose").text
    block = re.search(r'<script type="application/json" id="catalogue">(.*?)</script>', text, re.S)
    catalogue = json.loads(block.group(1))
    assert [p["name"] for p in catalogue["presets"]] == list(conv_transpose.PRESETS)
    assert catalogue["presets"][1]["settings"] == conv_transpose.PRESETS["checkerboard"].settings
    assert list(catalogue["fills"]) == list(conv_transpose.FILLS)
    assert catalogue["max_output_side"] == MAX_TRANSPOSE_OUTPUT_SIDE
    default = conv_transpose.PRESETS[conv_transpose.DEFAULT_PRESET].settings
    controls = catalogue["controls"]
    assert {key: controls[key]["default"] for key in controls} == {
        key: value for key, value in default.items() if key != "fill"
    }
    # the template's inputs carry the same limits as the script's state
    assert f'name="op" min="0" max="{controls["op"]["max"]}"' in text
    # the preset's values, as the page sends them, give what its description says
    body = {
        "input": [[[1] * 4] * 4],
        "weights": [[[[1] * 3] * 3]],
        "stride": 2,
    }
    output = client.post("/api/conv_transpose2d", json=body).json()["output"]
    assert {v for row in output[0] for v in row} == {1.0, 2.0, 4.0}
