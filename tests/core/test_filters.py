"""Image filter presets against hand-computed values, and the conv -> ReLU -> pool pipeline
against the conv2d and pool2d cores it is built on."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core.conv import conv2d_forward, conv2d_naive, output_length
from app.core.errors import InputError, ShapeError
from app.core.filters import (
    PRESETS,
    block_mean,
    check_kernel,
    display_range,
    iter_pipeline,
    make_filter,
    pipeline,
    preset_kernel,
    preview_side,
    preview_values,
    quantize,
    render_stage,
    stage_shapes,
)
from app.core.pool import pool2d_forward

# A vertical step edge, dark on the left: 3 rows of [0, 0, 1, 1, 1] for 3×3 kernels and of
# [0, 0, 0, 1, 1, 1, 1] for 5×5 ones. With "valid" padding each preset gives one row of three
# values, worked out by hand (cross-correlation: the kernel is not flipped).
STEP_3 = np.array([[0, 0, 1, 1, 1]] * 3, dtype=np.float32)
STEP_5 = np.array([[0, 0, 0, 1, 1, 1, 1]] * 5, dtype=np.float32)
STEP_EXPECTED = {
    "identity": [0, 1, 1],  # the centre column of each window
    "box_blur_3": [1 / 3, 2 / 3, 1],  # mean of three columns
    "box_blur_5": [2 / 5, 3 / 5, 4 / 5],  # mean of five columns
    "gaussian_blur_3": [1 / 4, 3 / 4, 1],  # columns weighted 1, 2, 1 (/4)
    "gaussian_blur_5": [5 / 16, 11 / 16, 15 / 16],  # columns weighted 1, 4, 6, 4, 1 (/16)
    "sharpen": [-1, 2, 1],  # 5·centre - up - down - left - right
    "laplacian": [1, -1, 0],  # up + down + left + right - 4·centre
    "outline": [-3, 3, 0],  # 8·centre - the 8 neighbours
    "sobel_x": [4, 4, 0],  # (right column - left column)·(1 + 2 + 1)
    "sobel_y": [0, 0, 0],  # no change from top to bottom
    "prewitt_x": [3, 3, 0],  # (right column - left column)·3
    "prewitt_y": [0, 0, 0],
    "emboss": [3, 4, 1],  # rows: 0 + 1 + 2; -1 + 2 + 3; the kernel's sum 1
}


def step_for(name):
    return STEP_5 if preset_kernel(name).shape[0] == 5 else STEP_3


def test_every_preset_has_a_hand_computed_case():
    assert set(STEP_EXPECTED) == set(PRESETS)


@pytest.mark.parametrize("name", sorted(STEP_EXPECTED))
def test_preset_on_a_step_edge(name):
    [stages] = pipeline(step_for(name)[None], [preset_kernel(name)], "valid", 1, "none")
    assert stages["conv"].shape == (1, 3)
    assert stages["conv"].dtype == np.float32
    assert_allclose(stages["conv"][0], STEP_EXPECTED[name], atol=1e-6)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_impulse_response_is_the_kernel_rotated_180(name):
    """Cross-correlation with a single 1 draws the kernel rotated; convolution draws it as is."""
    k = preset_kernel(name)
    K = k.shape[0]
    x = np.zeros((1, 9, 9), np.float32)
    x[0, 4, 4] = 1
    [xcorr, conv] = [
        pipeline(x, [k], "same", 1, "none", mode=mode)[0]["conv"]
        for mode in ("cross-correlation", "convolution")
    ]
    window = slice(4 - K // 2, 4 + K // 2 + 1)
    assert_allclose(xcorr[window, window], k[::-1, ::-1], atol=1e-7)
    assert_allclose(conv[window, window], k, atol=1e-7)


def test_presets_are_odd_squares_and_blurs_keep_the_mean():
    for name, preset in PRESETS.items():
        k = preset_kernel(name)
        assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1, name
        if "blur" in name:
            assert_allclose(k.sum(), 1, rtol=1e-6)
        if preset.extracts == "contours":
            assert k.sum() == 0, name  # edges only: a flat image gives zero


@pytest.fixture
def rgb():
    return np.random.default_rng(3).random((3, 11, 13)).astype(np.float32)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_full_depth_matches_conv2d(rgb, padding, stride):
    rng = np.random.default_rng(stride)
    kernels = [rng.normal(size=(3, K, K)).astype(np.float32) for K in (1, 3, 5, 3)]
    results = pipeline(rgb, kernels, padding, stride, "relu", {"mode": "max", "size": 2})
    for k, stages in zip(kernels, results, strict=True):
        pad = (k.shape[-1] - 1) // 2 if padding == "same" else 0
        expected, _ = conv2d_forward(rgb, k[None], None, stride, pad)
        assert_allclose(stages["conv"], expected[0], rtol=1e-5, atol=1e-5)
        assert_allclose(stages["conv"], conv2d_naive(rgb, k[None], None, stride, pad)[0], atol=1e-4)
        K = k.shape[-1]
        assert stages["conv"].shape == (
            output_length(11, K, pad, stride, 1),
            output_length(13, K, pad, stride, 1),
        )
        assert_allclose(stages["activation"], np.maximum(expected[0], 0), rtol=1e-5, atol=1e-5)
        pooled, _ = pool2d_forward(np.maximum(expected, 0), "max", 2)
        assert_allclose(stages["pool"], pooled[0], rtol=1e-5, atol=1e-5)


def test_per_channel_runs_the_kernel_on_each_channel_alone(rgb):
    k = preset_kernel("sobel_x")
    [stages] = pipeline(rgb, [k], "same", 1, "none", {"mode": "avg", "size": 3, "stride": 2})
    assert stages["conv"].shape == (3, 11, 13)
    for c in range(3):
        expected, _ = conv2d_forward(rgb[c : c + 1], k[None, None], None, 1, 1)
        assert_allclose(stages["conv"][c], expected[0], rtol=1e-5, atol=1e-6)
    pooled, _ = pool2d_forward(stages["conv"], "avg", 3, 2)
    assert_allclose(stages["pool"], pooled, rtol=1e-6)
    assert stages["activation"] is stages["conv"]  # activation "none"


def test_gray_image_and_depth_one_kernel_agree():
    x = np.random.default_rng(0).random((1, 6, 7)).astype(np.float32)
    k = preset_kernel("emboss")
    [a, b] = pipeline(x, [k, k[None]], "same", 1, "relu")
    assert_allclose(a["conv"], b["conv"])
    assert a["conv"].shape == (6, 7)


@pytest.mark.parametrize(
    ("channels", "depth", "message"),
    [
        (3, 2, "filter depth 2 does not match the 3 input channels"),
        (1, 3, "filter depth 3 does not match the 1 input channel"),
    ],
)
def test_depth_mismatch_uses_the_lecture_notes_words(channels, depth, message):
    x = np.zeros((channels, 5, 5), np.float32)
    with pytest.raises(ShapeError) as info:
        pipeline(x, [preset_kernel("identity"), np.ones((depth, 3, 3))])
    assert info.value.message == message
    assert info.value.field == "filters[1].kernel"


@pytest.mark.parametrize(
    ("kernel", "fragment"),
    [
        (np.ones((2, 2)), "odd size"),
        (np.ones((3, 5)), "must be square"),
        (np.ones((13, 13)), "odd size from 1 to 11"),
        (np.ones(3), "K×K or D×K×K"),
        ([[1, 2, 3], [4, np.nan, 6], [7, 8, 9]], "finite"),
        ([[1, 2, 3], [4, np.inf, 6], [7, 8, 9]], "finite"),
    ],
)
def test_bad_kernels_are_refused(kernel, fragment):
    with pytest.raises(InputError) as info:
        check_kernel(kernel, "filters[0].kernel")
    assert fragment in info.value.message
    assert info.value.field == "filters[0].kernel"


def test_kernel_larger_than_the_image_with_valid_padding():
    x = np.zeros((1, 4, 9), np.float32)
    with pytest.raises(ShapeError, match="does not fit in the 9×4 \\(width×height\\) image"):
        pipeline(x, [np.ones((5, 5))], "valid")
    assert pipeline(x, [np.ones((5, 5))], "same")[0]["conv"].shape == (4, 9)


def test_pool_window_larger_than_the_map():
    x = np.zeros((1, 4, 9), np.float32)
    with pytest.raises(
        ShapeError, match="5×5 pooling window is larger than the 9×4 \\(width×height\\)"
    ) as info:
        pipeline(x, [preset_kernel("identity")], pool={"mode": "max", "size": 5})
    assert info.value.field == "pool.size"


def test_bad_parameters():
    x = np.zeros((1, 4, 4), np.float32)
    with pytest.raises(InputError, match="padding"):
        pipeline(x, [np.ones((3, 3))], padding="full")
    with pytest.raises(InputError, match="activation"):
        pipeline(x, [np.ones((3, 3))], activation="tanh")
    with pytest.raises(InputError, match="stride"):
        pipeline(x, [np.ones((3, 3))], stride=0)
    with pytest.raises(InputError, match="unknown preset"):
        preset_kernel("blurry")


def test_quantize_round_trips_within_half_a_step():
    a = np.random.default_rng(1).normal(size=(40, 50)).astype(np.float32)
    q, lo, hi = quantize(a)
    assert q.dtype == np.uint8 and q.min() == 0 and q.max() == 255
    assert (lo, hi) == (float(a.min()), float(a.max()))
    step = (hi - lo) / 255
    assert np.abs(lo + q * step - a).max() <= step / 2 + 1e-6
    q, lo, hi = quantize(np.full((3, 4), 0.25, np.float32))
    assert q.max() == 0 and lo == hi == 0.25


def test_pipeline_stays_float32(rgb):
    [stages] = pipeline(rgb, [np.ones((3, 3, 3), np.float32)], pool={"mode": "max", "size": 2})
    for array in stages.values():
        assert array.dtype == np.float32


def test_block_mean_previews():
    a = np.arange(7 * 10, dtype=np.float32).reshape(7, 10)
    same, f = block_mean(a, 10)
    assert f == 1 and same is a
    small, f = block_mean(a, 5)  # factor 2: 4×5 blocks, the last row of blocks holds one row
    assert f == 2 and small.shape == (4, 5)
    assert_allclose(small[0, 0], a[:2, :2].mean())
    assert_allclose(small[3, 4], a[6, 8:10].mean())
    small, f = block_mean(np.stack([a, -a]), 4)  # factor 3, channels kept
    assert f == 3 and small.shape == (2, 3, 4)
    assert_allclose(small[1, 2, 3], -a[6, 9])
    assert_allclose(small[0, 1, 1], a[3:6, 3:6].mean())


def test_the_catalogue_names_labels_and_kernels():
    for name, preset in PRESETS.items():
        assert preset.name == name
        assert preset.label and preset.label_zh and preset.extracts
        assert_allclose(preset_kernel(name), preset.kernel, rtol=1e-7)
    assert PRESETS["gaussian_blur_3"].label == "Gaussian blur 3×3"


def test_make_filter_kinds_and_full_depth():
    single = make_filter(1, "sobel_x")
    assert (single.name, single.label, single.kind) == ("sobel_x", "Sobel x", "single")
    per_channel = make_filter(3, "sobel_x")
    assert per_channel.kind == "per-channel" and per_channel.kernel.shape == (3, 3)
    full = make_filter(3, "box_blur_3", full_depth=True)
    assert (full.label, full.kind, full.kernel.shape) == (
        "Box blur 3×3 (full depth)",
        "full-depth",
        (3, 3, 3),
    )
    # A third on each channel: the map of a gray image (R = G = B) is the preset's own.
    assert_allclose(full.kernel.sum(axis=0), preset_kernel("box_blur_3"), rtol=1e-6)
    custom = make_filter(3, kernel=np.ones((3, 5, 5)).tolist())
    assert (custom.name, custom.label, custom.kind) == ("custom", "Custom 3×5×5", "full-depth")
    assert custom.kernel.dtype == np.float32


# ---------- bounded work and what a person sees ----------


def test_chunked_pipeline_gives_the_same_maps():
    """Chunks of one map at a time (a tiny chunk_bytes) give the maps of one call for all."""
    rng = np.random.default_rng(5)
    x = rng.random((3, 20, 17), dtype=np.float32)
    kernels = [
        rng.standard_normal((3, 3)),
        rng.standard_normal((3, 3, 3)),
        rng.standard_normal((5, 5)),
    ]
    pool = {"mode": "max", "size": 2, "stride": None}
    whole = pipeline(x, kernels, "same", 1, "relu", pool)
    chunked = dict(iter_pipeline(x, kernels, "same", 1, "relu", pool, chunk_bytes=1))
    for i, stages in enumerate(whole):
        for name, a in stages.items():
            assert_allclose(chunked[i][name], a, rtol=1e-6, atol=1e-6)
            shapes = stage_shapes(kernels[i], 3, 20, 17, "same", 1, pool)
            assert a.shape == shapes[name]


def test_robust_range_is_the_1st_to_99th_percentile():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((50, 40)).astype(np.float32)
    a[0, :5] = 100  # a few strong values
    d = display_range(a, "robust", "signed")
    p1, p99 = np.percentile(a, [1, 99])
    assert_allclose([d.lo, d.hi], [p1, p99], rtol=1e-6)
    assert d.below == np.count_nonzero(a < np.float32(d.lo))
    assert d.above == np.count_nonzero(a > np.float32(d.hi))
    assert (d.min, d.max) == (float(a.min()), 100.0)
    assert_allclose(d.clipped_percent, 100 * (d.below + d.above) / a.size)
    full = display_range(a, "full", "signed")
    assert (full.lo, full.hi, full.clipped_percent) == (full.min, full.max, 0)
    magnitude = display_range(a, "full", "magnitude")
    assert (magnitude.lo, magnitude.hi) == (0.0, 100.0)
    q, factor = render_stage(a, magnitude, 64)
    assert factor == 1
    assert_allclose(q, np.clip(np.abs(a) / 100 * 255 + 0.5, 0, 255).astype(np.uint8))
    with pytest.raises(InputError):
        display_range(a, "loud", "signed")


def test_preview_side_fits_the_budget():
    shapes = [(3, 1024, 1024)] * 48  # 16 per-channel filters × 3 stages
    side = preview_side(shapes, 512, 1_500_000)
    assert sum(preview_values(s, side) for s in shapes) <= 1_500_000
    assert sum(preview_values(s, side + 1) for s in shapes) > 1_500_000 or side == 512
    assert preview_side([(300, 1000)], 512, 1_500_000) == 512
