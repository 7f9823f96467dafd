"""POST /api/pool2d and /api/pool2d/backward: status first, then the JSON."""

import numpy as np
import pytest

X = [[[1, 3, 2, 1], [4, 2, 0, 1], [5, 6, 1, 2], [0, 1, 3, 4]]]


def test_max_pool_with_steps_and_size_formula(client):
    response = client.post("/api/pool2d", json={"input": X, "mode": "max", "size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["output"] == [[[4.0, 2.0], [6.0, 4.0]]]
    assert body["output_shape"] == [1, 2, 2] and body["padded_shape"] == [1, 4, 4]
    assert body["stride"] == [2, 2], "stride defaults to the window size"
    assert body["sizes"]["height"]["formula"] == "(4 + 2·0 − 2) / 2 + 1 = 2/2 + 1 = 2"
    assert len(body["steps"]) == 4
    step = body["steps"][2]
    assert step["cells"] == [[2, 0], [2, 1], [3, 0], [3, 1]]
    assert step["values"] == [5.0, 6.0, 0.0, 1.0]
    assert step["winner"] == 1 and step["winner_input"] == [2, 1] and step["value"] == 6.0
    assert step["sum"] is None and step["divisor"] is None


def test_avg_pool_with_padding_counts_it(client):
    payload = {"input": X, "mode": "avg", "size": 3, "stride": 2, "padding": 1}
    response = client.post("/api/pool2d", json=payload)
    assert response.status_code == 200
    body = response.json()
    first = body["steps"][0]
    assert first["is_padding"] == [True, True, True, True, False, False, True, False, False]
    assert first["sum"] == 1 + 3 + 4 + 2 and first["divisor"] == 9
    assert first["value"] == pytest.approx(10 / 9)
    assert body["sizes"]["width"]["formula"] == "(4 + 2·1 − 3) / 2 + 1 = 3/2 + 1 = 2.5 → floor → 2"
    assert body["output_shape"] == [1, 2, 2]


def test_ties_report_the_first_winner(client):
    payload = {"input": [[[2, 2], [2, 1]]], "mode": "max", "size": 2}
    step = client.post("/api/pool2d", json=payload).json()["steps"][0]
    assert step["winner"] == 0 and step["ties"] == 3


def test_global_average_pooling(client):
    x = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)
    payload = {"input": x.tolist(), "mode": "avg", "global_pool": True, "size": 9}
    response = client.post("/api/pool2d", json=payload)
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == [3, 5] and body["output_shape"] == [2, 1, 1]
    np.testing.assert_allclose(np.array(body["output"])[:, 0, 0], x.mean(axis=(1, 2)))


def test_trace_can_be_left_out(client):
    response = client.post("/api/pool2d", json={"input": X, "mode": "max", "trace": False})
    assert response.status_code == 200
    assert response.json()["steps"] is None


@pytest.mark.parametrize(
    "mode,expected",
    [
        ("max", [[[0, 0, 2, 0], [1, 0, 0, 0], [0, 3, 0, 0], [0, 0, 0, 4]]]),
        ("avg", [[[0.25, 0.25, 0.5, 0.5]] * 2 + [[0.75, 0.75, 1, 1]] * 2]),
    ],
)
def test_backward(client, mode, expected):
    payload = {"input": X, "mode": mode, "size": 2, "grad_output": [[[1, 2], [3, 4]]]}
    response = client.post("/api/pool2d/backward", json=payload)
    assert response.status_code == 200
    assert response.json()["grad_input"] == expected


@pytest.mark.parametrize(
    "change,field,fragment",
    [
        ({"mode": "min"}, "mode", "'max' or 'avg'"),
        ({"stride": 0}, "stride", "between 1 and 32, got 0"),
        ({"stride": [1, 2, 3]}, "stride", "an integer or a pair"),
        ({"size": 5}, "size", "more than the padded input height 4 + 2·0 = 4"),
        ({"size": 3, "padding": 2}, "padding", "at most 1"),
        ({"padding": -1}, "padding", "between 0 and 16"),
        ({"input": [[[1, 2], [3]]]}, "input", "input is ragged: [0][1] has 1 entries"),
        ({"input": []}, "input", "at least 1"),
        ({"input": [[[1] * 33]]}, "input[0][0]", "at most 32"),
        ({"input": [[[1.0, "a"]]]}, "input[0][0][1]", "valid number"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, change, field, fragment):
    payload = {"input": X, "mode": "max", "size": 2} | change
    response = client.post("/api/pool2d", json=payload)
    assert response.status_code == 422, response.text
    body = response.json()
    assert fragment in body["detail"]
    assert body["field"] == field


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, literal):
    body = '{"input": [[[1, LITERAL]]], "mode": "max", "size": 1}'.replace("LITERAL", literal)
    response = client.post(
        "/api/pool2d", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("input[0][0][1]: must be a finite number")
    assert response.json()["field"] == "input[0][0][1]"


@pytest.mark.parametrize(
    "grad_output,field,fragment",
    [
        ([[[1, 2, 3], [4, 5, 6]]], "grad_output", "output's shape 1×2×2, got 1×2×3"),
        ([[[1, 2], [3]]], "grad_output", "grad_output is ragged"),
    ],
)
def test_backward_refuses_a_mismatched_gradient(client, grad_output, field, fragment):
    payload = {"input": X, "mode": "avg", "size": 2, "grad_output": grad_output}
    response = client.post("/api/pool2d/backward", json=payload)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
    assert response.json()["field"] == field


def test_backward_needs_a_gradient(client):
    response = client.post("/api/pool2d/backward", json={"input": X, "mode": "max"})
    assert response.status_code == 422
    assert response.json()["field"] == "grad_output"


def test_trace_too_large_is_refused_with_advice(client):
    x = np.ones((8, 32, 32)).tolist()
    payload = {"input": x, "mode": "max", "size": 16, "stride": 1}
    response = client.post("/api/pool2d", json=payload)
    assert response.status_code == 422
    assert "set trace to false" in response.json()["detail"]
    response = client.post("/api/pool2d", json=payload | {"trace": False})
    assert response.status_code == 200
    assert response.json()["output_shape"] == [8, 17, 17]
