"""The CNN lesson's layers: backward against float64 central differences and against the naive
twins (conv2d_naive/conv2d_backward, pool2d_naive/pool2d_backward_naive, batchnorm.py,
activations.activation), and the batched paths against the lesson modules' own."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import activations, batchnorm
from app.core.conv import (
    conv2d_backward,
    conv2d_backward_batched,
    conv2d_forward,
    conv2d_forward_batched,
    conv2d_naive,
)
from app.core.nn.layers import make_layer, softmax_cross_entropy, update_running
from app.core.pool import (
    pool2d_backward_batched,
    pool2d_backward_naive,
    pool2d_forward_batched,
    pool2d_naive,
)

H_STEP = 1e-6


def numerical_grad(f, x, h=H_STEP):
    """Central differences of the scalar f at every entry of x (float64)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        up = f()
        x[index] = old - h
        down = f()
        x[index] = old
        grad[index] = (up - down) / (2 * h)
    return grad


def distinct(rng, shape, gap=1e-3):
    """Random values, all at least `gap` apart and away from 0 (no ties, no ReLU kink)."""
    n = int(np.prod(shape))
    values = (rng.permutation(n) - n / 2 + 0.5) * gap * 4
    values += rng.uniform(-gap, gap, n)
    return values.reshape(shape)


CONV_CASES = [
    # N, C, H, W, F, k, stride, padding
    (2, 1, 6, 6, 3, 3, 1, 1),
    (3, 2, 7, 5, 2, 3, 2, 1),
    (2, 3, 5, 6, 4, 2, 1, 0),
    (1, 2, 8, 8, 2, 5, 3, 2),
    (17, 2, 6, 5, 3, 3, 1, 1),  # more images than one thread's share
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_batched_conv_equals_the_lesson_conv_and_its_naive_twin(case):
    N, C, H, W, F, k, s, p = case
    rng = np.random.default_rng(sum(case))
    x, w, b = (
        rng.standard_normal((N, C, H, W)),
        rng.standard_normal((F, C, k, k)),
        rng.standard_normal(F),
    )
    out, cache = conv2d_forward_batched(x, w, b, s, p)
    assert_allclose(out, conv2d_naive(x, w, b, s, p), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward_batched(dout, cache)
    dx2, dw2, db2 = conv2d_backward(dout, conv2d_forward(x, w, b, s, p)[1])
    for mine, theirs in ((dx, dx2), (dw, dw2), (db, db2)):
        assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    assert conv2d_backward_batched(dout, cache, need_dx=False)[0] is None


@pytest.mark.parametrize("case", CONV_CASES[:4])
def test_batched_conv_backward_against_central_differences(case):
    N, C, H, W, F, k, s, p = case
    rng = np.random.default_rng(7 + sum(case))
    x, w, b = (
        rng.standard_normal((N, C, H, W)),
        rng.standard_normal((F, C, k, k)),
        rng.standard_normal(F),
    )
    out, cache = conv2d_forward_batched(x, w, b, s, p)
    R = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward_batched(R, cache)

    def loss():
        return float((conv2d_forward_batched(x, w, b, s, p)[0] * R).sum())

    for mine, array in ((dx, x), (dw, w), (db, b)):
        assert_allclose(mine, numerical_grad(loss, array), rtol=1e-6, atol=1e-8)


def test_batched_conv_keeps_float32_and_reuses_its_buffer():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 2, 6, 6)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    workspace = {}
    out1, _ = conv2d_forward_batched(x, w, b, 1, 1, workspace)
    out2, _ = conv2d_forward_batched(x, w, b, 1, 1, workspace)
    assert out1.dtype == np.float32 and len(workspace) == 2  # columns and padded input
    np.testing.assert_array_equal(out1, out2)  # the same code twice: exactly equal
    assert_allclose(out1, conv2d_naive(x, w, b, 1, 1), rtol=1e-5, atol=1e-5)


POOL_CASES = [
    ("max", 2, 2, 0),
    ("max", 3, 2, 1),
    ("max", 2, 1, 0),
    ("avg", 2, 2, 0),
    ("avg", 3, 2, 1),
    ("avg", 3, 3, 0),
]


@pytest.mark.parametrize("mode, k, s, p", POOL_CASES)
def test_batched_pool_against_the_naive_twins_and_central_differences(mode, k, s, p):
    rng = np.random.default_rng(k * 10 + s)
    x = distinct(rng, (18, 2, 7, 6))  # no ties: the max moves only with its own cell
    out, cache = pool2d_forward_batched(x, mode, k, s, p)
    assert_allclose(out, pool2d_naive(x, mode, k, s, p), rtol=1e-13, atol=1e-15)
    dout = rng.standard_normal(out.shape)
    dx = pool2d_backward_batched(dout, cache)
    assert_allclose(dx, pool2d_backward_naive(dout, x, mode, k, s, p), rtol=1e-13, atol=1e-15)
    small = x[:2].copy()
    R = dout[:2]

    def loss():
        return float((pool2d_forward_batched(small, mode, k, s, p)[0] * R).sum())

    _, small_cache = pool2d_forward_batched(small, mode, k, s, p)
    assert_allclose(pool2d_backward_batched(R, small_cache), numerical_grad(loss, small), atol=1e-7)


def test_max_pool_ties_go_to_the_first_maximum_as_in_pytorch():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 1.0  # window 0: (0,1) and (1,1) tie; window 1: all zero
    out, cache = pool2d_forward_batched(x, "max", 2)
    dx = pool2d_backward_batched(np.ones_like(out), cache)
    assert dx[0, 0].tolist() == [[0, 1, 1, 0], [0, 0, 0, 0]]


def layer(spec, in_shape):
    return make_layer(0, spec, in_shape)


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "relu"},
        {"type": "leaky_relu", "negative_slope": 0.1},
        {"type": "tanh"},
        {"type": "sigmoid"},
        {"type": "elu", "alpha": 0.7},
    ],
)
def test_activation_layers_against_activations_py_and_central_differences(spec):
    rng = np.random.default_rng(2)
    x = distinct(rng, (3, 2, 3, 3), gap=1e-2)
    lay = layer(spec, (2, 3, 3))
    y, cache = lay.forward(x, {})
    alpha = spec.get("negative_slope", spec.get("alpha"))
    result = activations.activation(spec["type"], x, alpha)
    y2, dy2 = result.y, result.dy
    assert_allclose(y, y2, rtol=1e-15)
    R = rng.standard_normal(y.shape)
    dx, grads = lay.backward(R, cache, {})
    assert grads == {}
    assert_allclose(dx, R * dy2, rtol=1e-15)
    assert_allclose(
        dx,
        numerical_grad(lambda: float((lay.forward(x, {})[0] * R).sum()), x),
        rtol=1e-6,
        atol=1e-9,
    )


@pytest.mark.parametrize("in_shape", [(3, 4, 5), (6,)])
def test_batchnorm_layer_against_batchnorm_py_and_central_differences(in_shape):
    rng = np.random.default_rng(len(in_shape))
    lay = layer({"type": "batchnorm"}, in_shape)
    assert lay.param_shapes == {"gamma": (in_shape[0],), "beta": (in_shape[0],)}
    x = rng.standard_normal((5, *in_shape)) * 2 + 1
    p = {"gamma": rng.uniform(0.5, 2, in_shape[0]), "beta": rng.standard_normal(in_shape[0])}
    out, cache = lay.forward(x, p, train=True)
    # the lesson's (N, D) batch norm on the rows (n, h, w) of each channel
    C = in_shape[0]
    rows = np.moveaxis(x, 1, -1).reshape(-1, C)
    ref, ref_cache = batchnorm.batchnorm_forward(rows, p["gamma"], p["beta"])
    assert_allclose(np.moveaxis(out, 1, -1).reshape(-1, C), ref, rtol=1e-12, atol=1e-12)
    R = rng.standard_normal(out.shape)
    dx, grads = lay.backward(R, cache, p)
    rdx, rdgamma, rdbeta = batchnorm.batchnorm_backward(
        np.moveaxis(R, 1, -1).reshape(-1, C), ref_cache
    )
    assert_allclose(np.moveaxis(dx, 1, -1).reshape(-1, C), rdx, rtol=1e-10, atol=1e-12)
    assert_allclose(grads["dgamma"], rdgamma, rtol=1e-12)
    assert_allclose(grads["dbeta"], rdbeta, rtol=1e-12)

    def loss():
        return float((lay.forward(x, p, train=True)[0] * R).sum())

    assert_allclose(dx, numerical_grad(loss, x), rtol=1e-5, atol=1e-8)
    assert_allclose(grads["dgamma"], numerical_grad(loss, p["gamma"]), rtol=1e-6)
    # running averages as PyTorch: unbiased variance, momentum 0.1
    running = update_running({"mean": np.zeros(C), "var": np.ones(C)}, cache, 0.1)
    assert_allclose(running["mean"], 0.1 * ref_cache["mean"], rtol=1e-12)
    M = rows.shape[0]
    assert_allclose(running["var"], 0.9 + 0.1 * ref_cache["var"] * M / (M - 1), rtol=1e-12)
    # evaluation mode uses them, and its backward is the constant-statistics one
    out_eval, eval_cache = lay.forward(x, p, train=False, running=running)
    expected = batchnorm.batchnorm_inference(
        rows, p["gamma"], p["beta"], running["mean"], running["var"]
    )
    assert_allclose(np.moveaxis(out_eval, 1, -1).reshape(-1, C), expected, rtol=1e-12)
    dx_eval, _ = lay.backward(R, eval_cache, p)
    eval_loss = lambda: float((lay.forward(x, p, train=False, running=running)[0] * R).sum())  # noqa: E731
    assert_allclose(dx_eval, numerical_grad(eval_loss, x), rtol=1e-6, atol=1e-9)


def test_linear_and_flatten_against_loops_and_central_differences():
    rng = np.random.default_rng(4)
    flat = layer({"type": "flatten"}, (2, 3, 2))
    x = rng.standard_normal((3, 2, 3, 2))
    y, fcache = flat.forward(x, {})
    assert y.shape == (3, 12) and y[1, 7] == x[1, 1, 0, 1]  # C, H, W order, as torch.flatten
    lin = layer({"type": "linear", "out": 4}, (12,))
    p = {"weight": rng.standard_normal((4, 12)), "bias": rng.standard_normal(4)}
    out, cache = lin.forward(y, p)
    expected = [
        [sum(p["weight"][o, i] * y[n, i] for i in range(12)) + p["bias"][o] for o in range(4)]
        for n in range(3)
    ]
    assert_allclose(out, expected, rtol=1e-12)
    R = rng.standard_normal(out.shape)
    dy, grads = lin.backward(R, cache, p)
    loss = lambda: float((lin.forward(y, p)[0] * R).sum())  # noqa: E731
    assert_allclose(dy, numerical_grad(loss, y), rtol=1e-6, atol=1e-9)
    assert_allclose(grads["dweight"], numerical_grad(loss, p["weight"]), rtol=1e-6, atol=1e-9)
    assert_allclose(grads["dbias"], R.sum(axis=0), rtol=1e-12)
    assert flat.backward(dy, fcache, {})[0].shape == x.shape


def test_softmax_cross_entropy_is_stable_and_its_gradient_is_right():
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    labels = np.array([0, 2])
    loss, probs, dlogits = softmax_cross_entropy(logits, labels)
    expected = (0.0 + (np.log(np.exp([1, 2, 3]).sum()) - 3)) / 2
    assert_allclose(loss, expected, rtol=1e-14)
    assert_allclose(probs.sum(axis=1), 1.0)
    z = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.4]])
    _, _, dz = softmax_cross_entropy(z, labels)
    assert_allclose(
        dz, numerical_grad(lambda: softmax_cross_entropy(z, labels)[0], z), rtol=1e-7, atol=1e-10
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"type": "dropout"}, "unknown layer type 'dropout'"),
        ({"type": "conv", "filters": 4}, "needs 'size'"),
        ({"type": "relu", "size": 3}, "has no option 'size'"),
        ({"type": "conv", "filters": 4, "size": 3, "stride": 0}, "must be from 1 to 4"),
        ({"type": "linear", "out": 2.5}, "whole number"),
    ],
)
def test_bad_specs_are_errors_naming_the_layer(spec, message):
    from app.core.errors import InputError

    with pytest.raises(InputError, match=message) as error:
        make_layer(3, spec, (1, 8, 8))
    assert error.value.field.startswith("layers[3]")
