"""Transposed convolution: the fast path against the scatter loop and the direct convolution of
the zero-stuffed input, the guide's 2×2 → 5×5 case by hand, dL/dX of conv2d, the traces, and
every refusal."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from app.core import conv, conv_transpose
from app.core.errors import InputError, ShapeError


@st.composite
def configs(draw):
    C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    KH, KW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    o = tuple(draw(st.integers(0, max(s[k], d[k]) - 1)) for k in range(2))
    seed = draw(st.integers(0, 2**16))
    return C, F, H, W, KH, KW, s, p, o, d, seed


@settings(max_examples=120, deadline=None)
@given(configs())
def test_fast_scatter_and_direct_views_agree(config):
    C, F, H, W, KH, KW, s, p, o, d, seed = config
    rng = np.random.default_rng(seed)
    x, w, b = (
        rng.standard_normal((C, H, W)),
        rng.standard_normal((C, F, KH, KW)),
        rng.standard_normal(F),
    )
    try:
        fast = conv_transpose.conv_transpose2d(x, w, b, s, p, o, d)
    except ShapeError:  # the padding crops everything: refused by all three alike
        with pytest.raises(ShapeError):
            conv_transpose.conv_transpose2d_naive(x, w, b, s, p, o, d)
        return
    naive = conv_transpose.conv_transpose2d_naive(x, w, b, s, p, o, d)
    direct = conv_transpose.conv_transpose2d_direct(x, w, b, s, p, o, d)
    Ho = conv_transpose.output_length(H, KH, p[0], s[0], d[0], o[0])
    Wo = conv_transpose.output_length(W, KW, p[1], s[1], d[1], o[1])
    assert fast.shape == naive.shape == direct.shape == (F, Ho, Wo)
    assert_allclose(fast, naive, rtol=1e-12, atol=1e-12)
    assert_allclose(direct, naive, rtol=1e-12, atol=1e-12)


def test_the_guide_s_classic_two_by_two_to_five_by_five():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    w = np.arange(9.0).reshape(1, 1, 3, 3)
    out = conv_transpose.conv_transpose2d(x, w, None, stride=2)
    # each input cell stamps value·w at (2i, 2j); the stamps overlap on row 2 and column 2
    expected = np.zeros((5, 5))
    for (i, j), v in np.ndenumerate(x[0]):
        expected[2 * i : 2 * i + 3, 2 * j : 2 * j + 3] += v * w[0, 0]
    assert_allclose(out[0], expected, rtol=0)
    assert out[0, 2, 2] == 1 * 8 + 2 * 6 + 3 * 2 + 4 * 0  # four stamps overlap here
    form = conv_transpose.direct_form(x, w, stride=2)
    assert form.input.shape == (1, 7, 7)  # 3×3 stuffed, a border of d·(k − 1) − p = 2
    assert form.is_input.sum() == 4 and form.input[0, 2, 4] == 2.0
    assert_allclose(form.weights[0, 0], w[0, 0, ::-1, ::-1], rtol=0)


def test_output_padding_adds_rows_at_the_bottom():
    x = np.ones((1, 2, 2))
    w = np.ones((1, 1, 3, 3))
    plain = conv_transpose.conv_transpose2d(x, w, None, stride=2, padding=1)
    padded = conv_transpose.conv_transpose2d(x, w, None, stride=2, padding=1, output_padding=1)
    assert plain.shape == (1, 3, 3) and padded.shape == (1, 4, 4)
    assert_allclose(padded[:, :3, :3], plain, rtol=0)


@pytest.mark.parametrize(
    "stride, padding, dilation", [(1, 0, 1), (2, 1, 1), ((2, 3), (0, 1), (1, 2))]
)
def test_it_is_the_backward_of_conv2d_with_respect_to_its_input(stride, padding, dilation):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 7, 8))
    w = rng.standard_normal((3, 2, 3, 3))  # conv2d's F×C×KH×KW is the transposed C_in×F layout
    out, cache = conv.conv2d_forward(x, w, None, stride, padding, dilation)
    dout = rng.standard_normal(out.shape)
    dx, _, _ = conv.conv2d_backward(dout, cache)
    s, p, d = (conv.as_pair(v, "v") for v in (stride, padding, dilation))
    # output padding recovers the rows a strided forward never reached
    o = tuple((x.shape[2 + k] + 2 * p[k] - d[k] * 2 - 1) % s[k] for k in range(2))
    again = conv_transpose.conv_transpose2d(dout[0], w, None, s, p, o, d)
    assert_allclose(again, np.asarray(dx)[0], rtol=1e-12, atol=1e-12)


def test_the_scatter_trace_adds_up_to_the_output():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2, 3, 3)), np.array([0.5, -1])
    out = conv_transpose.conv_transpose2d(x, w, b, stride=2, padding=1)
    steps = conv_transpose.scatter_trace(x, w, b, stride=2, padding=1)
    assert len(steps) == 2 * 3 * 2
    total = np.zeros_like(out)
    for step in steps:
        for f in range(2):
            taps = zip(step["targets"], step["cropped"], step["products"][f], strict=True)
            for (r, q), cropped, product in taps:
                if not cropped:
                    total[f, r, q] += product
    assert_allclose(total + b[:, None, None], out, rtol=1e-12, atol=1e-12)
    assert any(any(step["cropped"]) for step in steps)  # the padding crops some stamps


def test_the_direct_trace_is_conv2d_s_over_the_stuffed_input():
    x, w = np.array([[[1.0, 2.0], [3.0, 4.0]]]), np.arange(9.0).reshape(1, 1, 3, 3)
    steps = conv_transpose.direct_trace(x, w, None, stride=2)
    out = conv_transpose.conv_transpose2d(x, w, None, stride=2)
    assert len(steps) == 25
    assert_allclose([s["value"] for s in steps], out.ravel(), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, field, words",
    [
        ({"output_padding": 2, "stride": 2}, "output_padding", "smaller than the stride"),
        ({"stride": 0}, "stride", "at least 1"),
        ({"dilation": 0}, "dilation", "at least 1"),
        ({"padding": -1}, "padding", "0 or more"),
        ({"padding": 5}, "padding", "the output would be"),
    ],
)
def test_refusals_name_the_field(kwargs, field, words):
    x, w = np.ones((1, 2, 2)), np.ones((1, 1, 3, 3))
    with pytest.raises(InputError, match=words) as info:
        conv_transpose.conv_transpose2d(x, w, **kwargs)
    assert info.value.field == field


def test_the_weights_must_start_with_the_input_channels():
    with pytest.raises(
        ShapeError, match="first dimension \\(3\\) must equal the input's 2 channels"
    ):
        conv_transpose.conv_transpose2d(np.ones((2, 2, 2)), np.ones((3, 1, 3, 3)))


def test_the_size_formula_with_the_numbers():
    report = conv_transpose.size_report(2, 3, 0, 2, 1, 0, "height")
    assert report["output"] == 5 and report["full"] == 5
    assert report["formula"] == "(2 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = 5"


def test_the_canvas_and_its_running_sums():
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2, 3, 3)), np.array([0.5, -1])
    lesson = conv_transpose.conv_transpose_lesson(x, w, b, stride=2, padding=1, output_padding=1)
    canvas, kinds = lesson.canvas, lesson.canvas_kind
    Ho, Wo = lesson.output.shape[1:]
    assert canvas.shape[1:] == kinds.shape == (Ho + 1, Wo + 1)  # the padding's top row and column
    assert_allclose(canvas[:, 1:, 1:] + b[:, None, None], lesson.output, rtol=1e-12, atol=1e-12)
    assert (kinds[0] == "cropped").all() and (kinds[1:, 1:] == "kept").all()
    last = np.zeros_like(canvas)
    for step in lesson.steps:
        for f in range(2):
            for (r, q), before, product, after in zip(
                step["canvas_cells"],
                step["before"][f],
                step["products"][f],
                step["after"][f],
                strict=True,
            ):
                assert_allclose(before, last[f, r, q], rtol=0, atol=0)
                assert_allclose(after, before + product, rtol=1e-15, atol=1e-15)
                last[f, r, q] = after
    assert_allclose(last, canvas, rtol=1e-12, atol=1e-12)


def test_output_padding_past_the_full_output_is_an_extra_zero():
    x, w = np.ones((1, 2, 2)), np.ones((1, 1, 3, 3))
    lesson = conv_transpose.conv_transpose_lesson(x, w, stride=2, output_padding=1)
    assert lesson.output.shape == (1, 6, 6) and lesson.canvas_kind.shape == (6, 6)
    assert (lesson.canvas_kind[5] == "extra").all() and (lesson.canvas_kind[:, 5] == "extra").all()
    assert (lesson.output[0, 5] == 0).all()
    kind = lesson.form.kind  # 3×3 stuffed, a border of 2, one extra row and column
    assert kind.shape == (8, 8) and (kind == "input").sum() == 4 and (kind == "zero").sum() == 5
    assert (kind[7] == "extra").all() and (kind[:2, :7] == "border").all()


def test_a_negative_border_crops_the_stuffed_input():
    x, w = np.arange(9.0).reshape(1, 3, 3), np.ones((1, 1, 3, 3))
    form = conv_transpose.direct_form(x, w, stride=2, padding=3)  # border 2 − 3 = −1
    assert form.border == (-1, -1) and form.kind.shape == (3, 3)
    assert (form.kind == "input").sum() == 1 and form.input[0, 1, 1] == 4.0


def test_the_presets_teach_what_they_say():
    outputs = {}
    for name, preset in conv_transpose.PRESETS.items():
        s = preset.settings
        assert s["fill"] in conv_transpose.FILLS
        x, w = np.ones((s["c"], s["h"], s["w"])), np.ones((s["c"], s["f"], s["k"], s["k"]))
        outputs[name] = conv_transpose.conv_transpose2d(x, w, None, s["s"], s["p"], s["op"], s["d"])
    assert outputs["classic"].shape == (1, 5, 5)
    assert set(np.unique(outputs["checkerboard"])) == {1.0, 2.0, 4.0}  # uneven overlap counts
    assert (outputs["even"] == 4).all()
    assert outputs["output_padding"].shape == (1, 6, 6)
