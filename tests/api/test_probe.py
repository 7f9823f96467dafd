"""POST /api/image/probe: one pixel's arithmetic equals the map from /api/image/filter there."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.filters import PRESETS, preset_kernel
from tests.api.test_image import encode, noise, pixels, post

URL = "/api/image/probe"
# float32 maps: the probe and the map may sum the same products in a different order.
F32 = {"rtol": 2e-6, "atol": 2e-6}


def filtered(client, image, spec):
    response = post(client, encode(image), {**spec, "values": True})
    assert response.status_code == 200
    body = response.json()
    return body, pixels(body).transpose(2, 0, 1)


def probe(client, body, chw, map_index, stage, row, col, region=None, **extra):
    """Ask for one pixel of map map_index, sending the whole image or region (r0, r1, c0, c1)."""
    r0, r1, c0, c1 = region or (0, body["height"], 0, body["width"])
    m = body["maps"][map_index]
    payload = {
        "pixels": chw[:, r0:r1, c0:c1].tolist(),
        "scale": body["input"]["scale"],
        "origin": [r0, c0],
        "image_size": [body["height"], body["width"]],
        "filter": {"kernel": m["kernel"]},
        "padding": body["padding"],
        "stride": body["stride"],
        "activation": body["activation"],
        "pool": body["pool"],
        "mode": body["conv_mode"],
        "stage": stage,
        "row": row,
        "col": col,
        **extra,
    }
    return client.post(URL, json=payload)


def some_pixels(shape):
    H, W = shape[-2:]
    return [(0, 0), (H - 1, W - 1), (H // 2, W // 3), (1, W - 2)]


def map_value(stage, r, c):
    values = np.asarray(stage["values"], dtype=np.float64)
    return values[..., r, c].ravel()


@pytest.mark.parametrize("color", ["gray", "rgb"])
def test_every_preset_at_every_stage_equals_the_map(client, color):
    spec = {
        "color": color,
        "filters": [{"preset": name} for name in PRESETS],
        "pool": {"mode": "max", "size": 2, "stride": 2},
    }
    body, chw = filtered(client, noise((23, 19), seed=3), spec)
    for index, m in enumerate(body["maps"]):
        for stage_name, stage in m["stages"].items():
            for r, c in some_pixels(stage["shape"]):
                response = probe(client, body, chw, index, stage_name, r, c)
                assert response.status_code == 200, response.json()
                assert_allclose(response.json()["value"], map_value(stage, r, c), **F32)


@pytest.mark.parametrize(
    "spec",
    [
        {"color": "rgb", "filters": [{"preset": "emboss", "full_depth": True}]},
        {"padding": "valid", "stride": 2, "filters": [{"preset": "gaussian_blur_5"}]},
        {"mode": "convolution", "activation": "none", "filters": [{"preset": "sobel_y"}]},
        {
            "color": "rgb",
            "filters": [{"kernel": np.arange(75).reshape(3, 5, 5).tolist()}],
            "pool": {"mode": "avg", "size": 3, "stride": 2},
        },
        {
            "stride": 3,
            "filters": [{"kernel": [[1, -2, 0.5], [0, 3, -1], [2, 0, -0.25]]}],
            "pool": {"mode": "avg", "size": 2},
        },
    ],
)
def test_layer_settings_equal_the_map(client, spec):
    body, chw = filtered(client, noise((21, 17), seed=5), spec)
    for stage_name, stage in body["maps"][0]["stages"].items():
        for r, c in some_pixels(stage["shape"]):
            response = probe(client, body, chw, 0, stage_name, r, c)
            assert response.status_code == 200, response.json()
            assert_allclose(response.json()["value"], map_value(stage, r, c), **F32)


def test_a_conv_pixel_written_out(client):
    body, chw = filtered(
        client, noise((12, 10), mode="L", seed=1), {"filters": [{"preset": "sobel_x"}]}
    )
    response = probe(client, body, chw, 0, "conv", 0, 4)
    assert response.status_code == 200
    out = response.json()
    assert out["kind"] == "single" and out["pools"] == []
    cell = out["convs"][0]
    assert (cell["row"], cell["col"], cell["top"], cell["left"]) == (0, 4, -1, 3)
    assert cell["is_padding"][0] == [True, True, True] and not any(cell["is_padding"][1])
    x = np.pad(chw[0] / np.float32(255), 1)[0:3, 4:7].astype(np.float32)
    assert_allclose(cell["window"][0], x)
    assert_allclose(cell["products"][0], x * preset_kernel("sobel_x"))
    assert cell["channel_sums"] == [cell["value"]]
    assert_allclose(cell["value"], (x * preset_kernel("sobel_x")).sum(), **F32)
    assert cell["activated"] == max(0.0, cell["value"])
    assert_allclose(out["value"], map_value(body["maps"][0]["stages"]["conv"], 0, 4), **F32)


def test_a_max_pool_pixel_names_its_winner_per_channel(client):
    spec = {"color": "rgb", "filters": [{"preset": "laplacian"}], "pool": {"mode": "max"}}
    body, chw = filtered(client, noise((16, 16), seed=2), spec)
    response = probe(client, body, chw, 0, "pool", 3, 5)
    out = response.json()
    assert out["kind"] == "per-channel" and [p["channel"] for p in out["pools"]] == [0, 1, 2]
    activation = np.asarray(body["maps"][0]["stages"]["activation"]["values"])
    for pool, conv in zip(out["pools"], out["convs"], strict=True):
        window = activation[pool["channel"], 6:8, 10:12]
        assert (pool["top"], pool["left"]) == (6, 10)
        assert_allclose(pool["values"], window, **F32)
        a, b = pool["winner"]
        assert pool["value"] == pool["values"][a][b] == max(map(max, pool["values"]))
        assert (conv["row"], conv["col"]) == (6 + a, 10 + b)  # the winner's conv cell
        assert conv["channel"] == pool["channel"]


def test_an_average_pool_pixel_gives_its_sum_and_divisor(client):
    spec = {"filters": [{"preset": "box_blur_3"}], "pool": {"mode": "avg", "size": 3}}
    body, chw = filtered(client, noise((18, 18), mode="L", seed=4), spec)
    pool = probe(client, body, chw, 0, "pool", 2, 1).json()["pools"][0]
    assert pool["divisor"] == 9 and pool["winner"] is None
    assert_allclose(pool["sum"], np.sum(pool["values"]), rtol=1e-12)
    assert_allclose(pool["value"], pool["sum"] / 9, **F32)


def test_the_needed_region_alone_is_enough(client):
    spec = {"stride": 2, "filters": [{"preset": "gaussian_blur_5"}], "pool": {"mode": "max"}}
    body, chw = filtered(client, noise((30, 30), seed=6), spec)
    whole = probe(client, body, chw, 0, "pool", 3, 4).json()
    # Pool cell (3, 4) -> conv cells rows 6..7, cols 8..9 -> image rows 10..16, cols 14..20.
    tight = probe(client, body, chw, 0, "pool", 3, 4, region=(10, 17, 14, 21))
    assert tight.status_code == 200
    assert tight.json() == whole
    short = probe(client, body, chw, 0, "pool", 3, 4, region=(11, 17, 14, 21))
    assert short.status_code == 422
    assert short.json()["field"] == "pixels"
    assert "needs rows 10…16 and columns 14…20" in short.json()["detail"]


def test_presets_by_name_and_sixteen_bit_scale(client):
    chw = np.arange(3 * 5 * 5).reshape(3, 5, 5) * 800 + 5
    payload = {
        "pixels": chw.tolist(),
        "scale": 65535,
        "image_size": [5, 5],
        "filter": {"preset": "identity"},
        "row": 2,
        "col": 3,
    }
    out = client.post(URL, json=payload).json()
    assert out["kind"] == "per-channel"
    assert_allclose(out["value"], chw[:, 2, 3] / np.float32(65535), **F32)


BASE = {
    "pixels": [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]],
    "scale": 255,
    "image_size": [3, 3],
    "filter": {"preset": "sobel_x"},
    "row": 1,
    "col": 1,
}


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"row": 3}, "row", "outside the conv map (3×3)"),
        ({"stage": "pool"}, "body", "needs the pool settings"),
        ({"stage": "pool", "pool": {"size": 4}}, "pool.size", "larger than the 3×3"),
        ({"pixels": [[[0, 1, 256], [3, 4, 5], [6, 7, 8]]]}, "pixels", "from 0 to the scale 255"),
        ({"pixels": [[[0, 1], [3, 4, 5], [6, 7, 8]]]}, "pixels", "ragged"),
        ({"image_size": [5, 5], "row": 3}, "pixels", "needs rows 2…4"),
        ({"filter": {"kernel": [[1, 2], [3, 4]]}}, "filter.kernel", "odd size"),
        (
            {"filter": {"kernel": [[[1]], [[1]]]}},
            "filter.kernel",
            "does not match the 1 input channel",
        ),
        ({"filter": {"preset": "sobel_x", "full_depth": True}}, "filter.full_depth", "kernel"),
        ({"filter": {"preset": "blur"}}, "filter.preset", "Input should be"),
        ({"scale": 100}, "scale", "255 or 65535"),
        ({"stride": 0}, "stride", "greater than or equal to 1"),
        ({"pixels": [[[0] * 252] * 3]}, "pixels[0][0]", "at most 251"),
        ({"pixels": [[[0]]] * 4}, "pixels", "at most 3"),
        ({"padding": "full"}, "padding", "'same' or 'valid'"),
    ],
)
def test_refusals_name_the_field(client, change, field, words):
    response = client.post(URL, json={**BASE, **change})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field, body
    assert words in body["detail"]
