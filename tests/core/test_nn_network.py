"""The network: sizes checked at build time, parameters, initialisation, gradients (a hand-written
tiny case, central differences), the sanity checks (initial loss ≈ ln C, overfit 20 examples)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import datasets, optimizers
from app.core.errors import InputError, ShapeError
from app.core.nn.gradcheck import gradcheck
from app.core.nn.network import build_network

DEFAULT_NET = [
    {"type": "conv", "filters": 8, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 16, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 10},
]
EVERY_LAYER = [
    {"type": "conv", "filters": 3, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "batchnorm"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 4, "size": 3, "stride": 2, "padding": 1},
    {"type": "leaky_relu", "negative_slope": 0.05},
    {"type": "avgpool", "size": 2},
    {"type": "elu"},
    {"type": "flatten"},
    {"type": "linear", "out": 6},
    {"type": "tanh"},
    {"type": "batchnorm"},
    {"type": "linear", "out": 5},
    {"type": "sigmoid"},
    {"type": "linear", "out": 3},
]


def test_default_net_shapes_and_parameter_counts():
    net = build_network(DEFAULT_NET, (1, 28, 28), 10)
    shapes = [layer.out_shape for layer in net.layers]
    assert shapes == [
        (8, 28, 28),
        (8, 28, 28),
        (8, 14, 14),
        (16, 14, 14),
        (16, 14, 14),
        (16, 7, 7),
        (784,),
        (10,),
    ]
    assert [layer.num_params for layer in net.layers] == [80, 0, 0, 1168, 0, 0, 0, 7850]
    assert net.num_params == 9098
    assert net.layers[2].spec == {"type": "maxpool", "size": 2, "stride": 2, "padding": 0}


@pytest.mark.parametrize(
    "layers, message, field",
    [
        (
            [
                {"type": "conv", "filters": 2, "size": 7},
                {"type": "flatten"},
                {"type": "linear", "out": 2},
            ],
            "does not fit",
            "layers[0]",
        ),
        ([{"type": "linear", "out": 3}], "add a flatten layer", "layers[0]"),
        ([{"type": "conv", "filters": 2, "size": 3}], "must end in a vector", "layers[0]"),
        (
            [{"type": "flatten"}, {"type": "conv", "filters": 2, "size": 1}],
            "before the flatten",
            "layers[1]",
        ),
        (
            [
                {"type": "maxpool", "size": 2, "padding": 2},
                {"type": "flatten"},
                {"type": "linear", "out": 2},
            ],
            "more than half",
            "layers[0]",
        ),
        ([{"type": "flatten"}, {"type": "linear", "out": 4}], "data has 3 classes", "layers[1]"),
    ],
)
def test_layers_that_do_not_fit_are_errors_naming_the_layer_and_sizes(layers, message, field):
    with pytest.raises(InputError, match=message) as error:
        build_network(layers, (1, 5, 5), 3)
    assert error.value.field == field


def test_params_are_checked_by_shape_and_finiteness():
    net = build_network([{"type": "flatten"}, {"type": "linear", "out": 2}], (1, 2, 2))
    good = [{}, {"weight": np.ones((2, 4)).tolist(), "bias": [0, 0]}]
    assert net.flatten(good).shape == (10,)
    with pytest.raises(ShapeError, match="needs 2×4") as error:
        net.flatten([{}, {"weight": np.ones((4, 2)).tolist(), "bias": [0, 0]}])
    assert error.value.field == "params[1].weight"
    with pytest.raises(ShapeError, match="takes weight, bias"):
        net.flatten([{}, {"weight": np.ones((2, 4)).tolist()}])
    with pytest.raises(InputError, match="finite"):
        net.flatten([{}, {"weight": [[1, 2, 3, float("nan")]] * 2, "bias": [0, 0]}])
    with pytest.raises(ShapeError, match="one per layer"):
        net.flatten(good[1:])


def test_initialisation_is_seeded_he_by_default_with_a_small_last_layer():
    net = build_network(DEFAULT_NET, (1, 28, 28), 10)
    a = net.init_params("auto", 5)
    np.testing.assert_array_equal(a, net.init_params("auto", 5))  # same code, same seed
    assert not np.array_equal(a, net.init_params("auto", 6))
    p = net.unflatten(a)
    assert abs(p[3]["weight"].std() - math.sqrt(2 / 72)) < 0.02  # He: √(2 / fan-in)
    assert abs(p[7]["weight"].std() - 0.01 * math.sqrt(2 / 784)) < 0.0005  # the last, × 0.01
    assert not p[0]["bias"].any() and not p[7]["bias"].any()
    tanh_net = build_network(
        [{"type": "flatten"}, {"type": "tanh"}, {"type": "linear", "out": 2}], (1, 4, 4)
    )
    assert tanh_net.default_scheme() == "xavier"
    with pytest.raises(InputError, match="unknown init"):
        net.init_params("uniform", 0)


def hand_written_gradients(x, w, b, V, c, y):
    """conv (one 2×2 filter) -> ReLU -> flatten -> linear, softmax cross-entropy, by hand."""
    z = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            z[i, j] = sum(w[m, n] * x[i + m, j + n] for m in range(2) for n in range(2)) + b
    a = np.maximum(z, 0).ravel()
    s = V @ a + c
    p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    loss = -math.log(p[y])
    ds = p.copy()
    ds[y] -= 1
    dV, dc = np.outer(ds, a), ds
    dz = (V.T @ ds).reshape(2, 2) * (z > 0)
    dw = np.array(
        [
            [sum(dz[i, j] * x[i + m, j + n] for i in range(2) for j in range(2)) for n in range(2)]
            for m in range(2)
        ]
    )
    return loss, dw, dz.sum(), dV, dc


def test_network_gradients_equal_a_hand_written_tiny_case():
    x = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0], [2.0, 1.0, -1.0]])
    w = np.array([[1.0, -0.5], [0.25, -1.0]])
    b = 0.5
    V = np.array([[0.3, -0.2, 0.1, 0.4], [-0.1, 0.5, -0.3, 0.2]])
    c = np.array([0.1, -0.2])
    net = build_network(
        [
            {"type": "conv", "filters": 1, "size": 2},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "linear", "out": 2},
        ],
        (1, 3, 3),
    )
    flat = net.flatten([{"weight": w[None, None], "bias": [b]}, {}, {}, {"weight": V, "bias": c}])
    loss, _, _, backward, _ = net.loss_and_gradients(flat, x[None, None], np.array([1]))
    expected = hand_written_gradients(x, w, b, V, c, 1)
    assert_allclose(loss, expected[0], rtol=1e-14)
    g = backward.grads
    assert_allclose(g[0]["dweight"][0, 0], expected[1], rtol=1e-13)
    assert_allclose(g[0]["dbias"][0], expected[2], rtol=1e-13)
    assert_allclose(g[3]["dweight"], expected[3], rtol=1e-13)
    assert_allclose(g[3]["dbias"], expected[4], rtol=1e-13)


def test_every_layer_network_gradients_against_central_differences():
    net = build_network(EVERY_LAYER, (2, 8, 8), 3)
    rng = np.random.default_rng(11)
    flat = rng.standard_normal(net.num_params) * 0.5
    x = rng.standard_normal((6, 2, 8, 8))
    labels = rng.integers(0, 3, 6)
    result = gradcheck(net, flat, x, labels, samples=6, h=1e-5, seed=1)
    # 1e-4: an entry whose gradient is ~1e-6 has a rounding error of ~1e-11 / 1e-6 in n
    assert result["max_relative_error"] < 1e-4, [
        (c["layer"], c["param"], c["max_relative_error"]) for c in result["checks"]
    ]
    assert len(result["checks"]) == len(net.slots) and result["checks"][0]["entries"]
    # and in a random direction over every parameter at once
    loss, _, _, backward, _ = net.loss_and_gradients(flat, x, labels)
    v = rng.standard_normal(flat.size)
    h = 1e-6
    up = net.loss_and_gradients(flat + h * v, x, labels)[0]
    down = net.loss_and_gradients(flat - h * v, x, labels)[0]
    assert_allclose(backward.flat @ v, (up - down) / (2 * h), rtol=1e-6)


def test_weight_decay_adds_half_lambda_p_squared_and_lambda_p():
    net = build_network([{"type": "flatten"}, {"type": "linear", "out": 3}], (1, 2, 2))
    rng = np.random.default_rng(0)
    flat = rng.standard_normal(net.num_params)
    x, y = rng.standard_normal((4, 1, 2, 2)), np.array([0, 1, 2, 0])
    plain = net.loss_and_gradients(flat, x, y)
    decayed = net.loss_and_gradients(flat, x, y, weight_decay=0.1)
    assert_allclose(decayed[0], plain[0] + 0.05 * flat @ flat, rtol=1e-14)
    assert decayed[1] == plain[0]
    assert_allclose(decayed[3].flat, plain[3].flat + 0.1 * flat, rtol=1e-14)


def test_keeps_every_layers_output_and_its_gradient():
    net = build_network(DEFAULT_NET, (1, 28, 28), 10)
    flat = net.init_params("auto", 0)
    data = datasets.get_dataset("shapes")
    x = data.train_x[:3].astype(np.float64)
    loss, _, forward, backward, _ = net.loss_and_gradients(flat, x, np.array([0, 1, 2]), keep=True)
    assert [o.shape[1:] for o in forward.outputs] == [layer.out_shape for layer in net.layers]
    assert [g.shape for g in backward.output_grads] == [o.shape for o in forward.outputs]
    assert backward.input_grad.shape == x.shape


def test_initial_loss_is_about_ln_c_and_20_examples_can_be_overfit():
    data = datasets.get_dataset("shapes")
    net = build_network(DEFAULT_NET[:-1] + [{"type": "linear", "out": 8}], (1, 28, 28), 8)
    x = data.train_x[:20].astype(np.float64)
    y = data.train_y[:20]
    flat = net.init_params("auto", 0)
    loss, *_ = net.loss_and_gradients(flat, x, y)
    assert abs(loss - math.log(8)) < 0.02
    opt = optimizers.OPTIMIZERS["adam"]
    hp = optimizers.hyper(optimizers.resolve("adam", {}))
    state = opt.zero_state(flat)
    for t in range(1, 151):
        loss, _, _, backward, _ = net.loss_and_gradients(flat, x, y)
        flat, state, _ = opt.rule(flat, backward.flat, state, t, 0.01, hp)
    assert net.loss_and_gradients(flat, x, y)[0] < 0.01


@pytest.mark.parametrize(
    "pool", [{"size": 2}, {"size": 3, "stride": 2, "padding": 1}, {"size": 3, "stride": 1}]
)
def test_relu_then_max_pool_backward_in_one_pass_equals_layer_by_layer(pool):
    # Network.backward routes the gradient through a ReLU and the max pool above it at once;
    # keeping every output's gradient goes layer by layer. Windows that tile, overlap and pad;
    # many ties at 0 (the ReLU's zeros).
    net = build_network(
        [
            {"type": "conv", "filters": 3, "size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool", **pool},
            {"type": "flatten"},
            {"type": "linear", "out": 4},
        ],
        (2, 8, 8),
    )
    rng = np.random.default_rng(3)
    flat = rng.standard_normal(net.num_params)
    x = rng.standard_normal((5, 2, 8, 8))
    labels = rng.integers(0, 4, 5)
    fused = net.loss_and_gradients(flat, x, labels)[3]
    layered = net.loss_and_gradients(flat, x, labels, keep=True)[3]
    assert_allclose(fused.flat, layered.flat, rtol=1e-12, atol=1e-15)
    assert np.count_nonzero(fused.grads[0]["dweight"])
