"""Batch normalisation: naive twin, hand-computed cases, gradient checks, running averages."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from app.core import batchnorm as bn
from app.core.errors import ShapeError


def random_case(seed, N=5, D=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (N, D)) * rng.uniform(0.5, 4, D) + rng.uniform(-5, 5, D)
    return x, rng.normal(0, 1.5, D), rng.normal(0, 1, D), rng.normal(0, 1, (N, D))


def test_hand_computed_column():
    # x = [1, 3]: μ = 2, σ² = ((1−2)² + (3−2)²)/2 = 1 (1/N, not 1/(N−1)), x̂ = ±1/√(1 + ε).
    out, cache = bn.batchnorm_forward([[1.0], [3.0]], [2.0], [0.5], eps=1e-5)
    assert_allclose(cache["mean"], [2.0])
    assert_allclose(cache["var"], [1.0])
    s = 1 / np.sqrt(1 + 1e-5)
    assert_allclose(cache["x_hat"], [[-s], [s]])
    assert_allclose(out, [[0.5 - 2 * s], [0.5 + 2 * s]])


def test_hand_computed_table():
    x = [[1.0, 10.0], [2.0, 20.0], [6.0, 30.0]]
    out, cache = bn.batchnorm_forward(x, [1.0, 1.0], [0.0, 0.0], eps=0.0)
    assert_allclose(cache["mean"], [3.0, 20.0])
    assert_allclose(cache["var"], [(4 + 1 + 9) / 3, 200 / 3])
    assert_allclose(out[:, 1], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", [(2, 1), (4, 3), (7, 5)])
def test_matches_the_naive_loop_twin(seed, shape):
    x, gamma, beta, _ = random_case(seed, *shape)
    out, _ = bn.batchnorm_forward(x, gamma, beta)
    assert_allclose(out, bn.batchnorm_forward_naive(x, gamma, beta), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_output_has_mean_beta_and_std_abs_gamma(seed):
    x, gamma, beta, _ = random_case(seed, N=50, D=4)
    out, _ = bn.batchnorm_forward(x, gamma, beta, eps=1e-12)
    assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-8)


def numerical_gradient(f, a, dout, h=1e-6):
    grad = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        old = a[index]
        a[index] = old + h
        plus = f()
        a[index] = old - h
        minus = f()
        a[index] = old
        grad[index] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


@pytest.mark.parametrize("seed", range(5))
def test_gradients_match_central_differences(seed):
    x, gamma, beta, dout = random_case(seed, N=4, D=3)
    _, cache = bn.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = bn.batchnorm_backward(dout, cache)

    def forward():
        return bn.batchnorm_forward(x, gamma, beta)[0]

    assert_allclose(dx, numerical_gradient(forward, x, dout), rtol=1e-5, atol=1e-7)
    assert_allclose(dgamma, numerical_gradient(forward, gamma, dout), rtol=1e-5, atol=1e-7)
    assert_allclose(dbeta, numerical_gradient(forward, beta, dout), rtol=1e-5, atol=1e-7)


def test_an_upstream_gradient_of_ones_gives_dx_zero():
    x, gamma, beta, _ = random_case(3)
    _, cache = bn.batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = bn.batchnorm_backward(np.ones_like(x), cache)
    assert_allclose(dx, 0, atol=1e-12)
    assert_allclose(dgamma, 0, atol=1e-12)  # Σ x̂ = 0 per column
    assert_allclose(dbeta, [5, 5, 5])


def test_running_averages_use_the_unbiased_variance():
    x = np.array([[1.0], [3.0]])
    _, cache = bn.batchnorm_forward(x, [1.0], [0.0])
    mean, var = bn.update_running([0.0], [1.0], cache, momentum=0.1)
    assert_allclose(mean, [0.9 * 0 + 0.1 * 2])
    assert_allclose(var, [0.9 * 1 + 0.1 * 2.0])  # unbiased: ((−1)² + 1²)/(2 − 1) = 2


def test_inference_uses_the_running_statistics():
    out = bn.batchnorm_inference([[3.0, 0.0]], [2.0, 1.0], [1.0, 0.0], [1.0, 0.0], [4.0, 1.0], 0.0)
    assert_allclose(out, [[2 * (3 - 1) / 2 + 1, 0.0]])


def test_the_notes_mistake_subtracts_sigma_and_is_not_centred():
    x = np.array([[1.0], [3.0], [8.0]])
    wrong_x_hat, wrong_out = bn.batchnorm_wrong(x, [1.0], [0.0], eps=0.0)
    sigma = x.std()
    assert_allclose(wrong_x_hat[:, 0], (x[:, 0] - sigma) / sigma)
    assert_allclose(wrong_x_hat.mean(), (x.mean() - sigma) / sigma)
    right, _ = bn.batchnorm_forward(x, [1.0], [0.0], eps=0.0)
    assert abs(right.mean()) < 1e-12 and abs(wrong_x_hat.mean()) > 0.1


@pytest.mark.parametrize(
    "x,gamma,beta,field,fragment",
    [
        ([[1.0, 2.0]], [1, 1], [0, 0], "x", "at least 2 samples"),
        ([1.0, 2.0], [1], [0], "x", "N×D"),
        ([[1.0, 2.0], [3, 4]], [1, 1, 1], [0, 0], "gamma", "gamma has 3 values"),
        ([[1.0, 2.0], [3, 4]], [1, 1], [0], "beta", "one per feature is needed (2)"),
    ],
)
def test_shape_errors_name_the_field(x, gamma, beta, field, fragment):
    with pytest.raises(ShapeError) as caught:
        bn.batchnorm_forward(x, gamma, beta)
    assert caught.value.field == field and fragment in caught.value.message


def test_backward_refuses_a_mismatched_gradient():
    _, cache = bn.batchnorm_forward([[1.0], [2.0]], [1.0], [0.0])
    with pytest.raises(ShapeError, match="must match x"):
        bn.batchnorm_backward(np.ones((3, 1)), cache)


def test_the_lesson_puts_every_quantity_together():
    x, gamma, beta, dout = random_case(2)
    lesson = bn.batchnorm_lesson(x, gamma, beta, momentum=0.1)
    out, cache = bn.batchnorm_forward(x, gamma, beta)
    assert_allclose(lesson.out, out, rtol=1e-15)  # the same code: the lesson runs the forward
    assert_allclose(lesson.out_mean, beta, atol=1e-12)
    assert_allclose(lesson.unbiased_var, x.var(axis=0, ddof=1), rtol=1e-12)
    mean, var = bn.update_running(np.zeros(3), np.ones(3), cache, 0.1)  # PyTorch's start
    assert_allclose(lesson.running_mean, mean, rtol=1e-15)
    assert_allclose(lesson.running_var, var, rtol=1e-15)
    assert lesson.dx is None and lesson.dgamma is None and lesson.dbeta is None
    with_grad = bn.batchnorm_lesson(x, gamma, beta, dout=dout)
    dx, dgamma, dbeta = bn.batchnorm_backward(dout, cache)
    assert_allclose(with_grad.dx, dx, rtol=1e-15)
    assert_allclose(with_grad.dbeta, dbeta, rtol=1e-15)


@pytest.mark.parametrize(
    "kwargs,field,fragment",
    [
        ({"running_mean": [0.0]}, "running_mean", "running_mean has 1 values"),
        ({"running_var": [1.0, 1.0, -1.0]}, "running_var", "0 or more"),
        ({"dout": np.ones((2, 3))}, "grad_output", "must match x"),
    ],
)
def test_the_lesson_names_the_bad_field(kwargs, field, fragment):
    x, gamma, beta, _ = random_case(0)
    with pytest.raises(ShapeError) as caught:
        bn.batchnorm_lesson(x, gamma, beta, **kwargs)
    assert caught.value.field == field and fragment in caught.value.message
