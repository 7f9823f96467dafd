"""Batch normalisation of x (N, D) in training mode, its backward pass, running averages, and the
lecture notes' mistake.

  μ_j  = (1/N) Σ_i x_ij                      the batch mean of feature j
  σ²_j = (1/N) Σ_i (x_ij − μ_j)²             the biased batch variance (1/N, not 1/(N−1))
  x̂_ij = (x_ij − μ_j) / √(σ²_j + ε)          subtract the MEAN (the notes wrongly write x − σ)
  y_ij = γ_j · x̂_ij + β_j

This is exactly torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps).
At test time the batch statistics are replaced by running averages updated during training:
  running = (1 − momentum) · running + momentum · batch,  momentum = 0.1,
where, as in PyTorch, the running variance takes the UNBIASED batch variance σ²·N/(N − 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.errors import ShapeError
from app.i18n import _

MOMENTUM = 0.1
EPS = 1e-5


def per_feature(name: str, value, D: int) -> np.ndarray:
    """A float64 array of one value per feature (D,), or a ShapeError naming it."""
    a = np.asarray(value, dtype=np.float64)
    if a.shape != (D,):
        raise ShapeError(
            _("{name} has {size} values, one per feature is needed ({D})").format(
                name=name, size=a.size, D=D
            ),
            name,
        )
    return a


def check_running(running_mean, running_var, D: int) -> tuple[np.ndarray, np.ndarray]:
    """Running statistics (D,) each, checked; None gives PyTorch's start (zeros and ones)."""
    mean = np.zeros(D) if running_mean is None else per_feature("running_mean", running_mean, D)
    var = np.ones(D) if running_var is None else per_feature("running_var", running_var, D)
    if np.any(var < 0):
        raise ShapeError(_("running_var must be 0 or more"), "running_var")
    return mean, var


def check_inputs(x, gamma, beta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 arrays x (N, D), gamma (D,), beta (D,), or a ShapeError naming the culprit."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ShapeError(
            _("x must be a table N×D (rows = samples), got {ndim} dimensions").format(ndim=x.ndim),
            "x",
        )
    N, D = x.shape
    if N < 2:
        raise ShapeError(
            _(
                "batch normalisation in training needs at least 2 samples per "
                "feature, got {N}: with one sample every x̂ is 0"
            ).format(N=N),
            "x",
        )
    return x, per_feature("gamma", gamma, D), per_feature("beta", beta, D)


def batchnorm_forward(x, gamma, beta, eps=EPS):
    """y = γ·(x − μ)/√(σ² + ε) + β for x (N, D), γ (D,), β (D,), batch statistics per column.

    Returns out (N, D) and the cache {x, mean, var, x_hat, gamma, eps} for batchnorm_backward.
    """
    x, gamma, beta = check_inputs(x, gamma, beta)
    N, D = x.shape
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    cache = {"x": x, "mean": mean, "var": var, "x_hat": x_hat, "gamma": gamma, "eps": eps}
    return out, cache


def batchnorm_forward_naive(x, gamma, beta, eps=EPS):
    """The same as batchnorm_forward, one loop per sum: the twin the tests hold it equal to."""
    x, gamma, beta = check_inputs(x, gamma, beta)
    N, D = x.shape
    out = np.empty((N, D))
    for j in range(D):
        mean = sum(x[i, j] for i in range(N)) / N
        var = sum((x[i, j] - mean) ** 2 for i in range(N)) / N
        for i in range(N):
            out[i, j] = gamma[j] * (x[i, j] - mean) / (var + eps) ** 0.5 + beta[j]
    return out


def batchnorm_backward(dout, cache):
    """Gradients for dout (N, D): returns dx (N, D), dgamma (D,), dbeta (D,).

    dβ_j = Σ_i dout_ij,  dγ_j = Σ_i dout_ij · x̂_ij, and with g = dout·γ (the gradient of x̂):
    dx_ij = (1 / (N·√(σ²_j + ε))) · (N·g_ij − Σ_k g_kj − x̂_ij · Σ_k g_kj·x̂_kj).
    """
    x_hat, gamma, var, eps = cache["x_hat"], cache["gamma"], cache["var"], cache["eps"]
    N, D = x_hat.shape
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != (N, D):
        raise ShapeError(
            _("grad_output has shape {value}, it must match x ({N}×{D})").format(
                value="×".join(map(str, dout.shape)), N=N, D=D
            ),
            "grad_output",
        )
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) / (N * np.sqrt(var + eps))
    return dx, dgamma, dbeta


def unbiased_var(cache) -> np.ndarray:
    """σ²·N/(N − 1): the batch variance with Bessel's correction, what running_var averages."""
    N = cache["x"].shape[0]
    return cache["var"] * N / (N - 1)


def update_running(running_mean, running_var, cache, momentum=MOMENTUM):
    """running = (1 − momentum)·running + momentum·batch; the variance term is unbiased, σ²·N/(N−1).

    Returns new arrays (the inputs are not changed).
    """
    mean, var = check_running(running_mean, running_var, cache["x"].shape[1])
    new_mean = (1 - momentum) * mean + momentum * cache["mean"]
    new_var = (1 - momentum) * var + momentum * unbiased_var(cache)
    return new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=EPS):
    """Test time: y = γ·(x − running_mean)/√(running_var + ε) + β, no batch statistics.

    Any number of rows works, one included: every sample is normalised on its own.
    """
    x = np.asarray(x, dtype=np.float64)
    D = x.shape[-1]
    gamma, beta = per_feature("gamma", gamma, D), per_feature("beta", beta, D)
    running_mean, running_var = check_running(running_mean, running_var, D)
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def batchnorm_wrong(x, gamma, beta, eps=EPS):
    """THE LECTURE NOTES' MISTAKE, kept to show what goes wrong: x̂ = (x − σ)/√(σ² + ε).

    Subtracting the standard deviation instead of the mean leaves every column with mean
    (μ − σ)/σ instead of 0. Returns (wrong_x_hat, wrong_out).
    """
    x, gamma, beta = check_inputs(x, gamma, beta)
    var = x.var(axis=0)
    wrong_x_hat = (x - np.sqrt(var)) / np.sqrt(var + eps)
    return wrong_x_hat, gamma * wrong_x_hat + beta


@dataclass(frozen=True)
class BatchNormLesson:
    """Everything the batch-norm lesson shows for one batch x (N, D): the forward pass, the
    notes' mistake, the running averages after this batch, test time with them and, given an
    upstream gradient, the backward pass (else None)."""

    mean: np.ndarray  # (D,) μ
    var: np.ndarray  # (D,) σ², biased (1/N)
    x_hat: np.ndarray  # (N, D)
    out: np.ndarray  # (N, D) y = γ·x̂ + β
    out_mean: np.ndarray  # (D,) = β
    out_std: np.ndarray  # (D,) ≈ |γ|
    wrong_x_hat: np.ndarray  # (N, D) (x − σ)/√(σ² + ε)
    wrong_out: np.ndarray  # (N, D)
    wrong_mean: np.ndarray  # (D,) not 0
    unbiased_var: np.ndarray  # (D,) σ²·N/(N − 1)
    running_mean: np.ndarray  # (D,) after this batch
    running_var: np.ndarray  # (D,) after this batch
    inference_out: np.ndarray  # (N, D) x normalised with the updated running averages
    dx: np.ndarray | None  # (N, D)
    dgamma: np.ndarray | None  # (D,)
    dbeta: np.ndarray | None  # (D,)


def batchnorm_lesson(
    x,
    gamma,
    beta,
    eps=EPS,
    momentum=MOMENTUM,
    running_mean=None,
    running_var=None,
    dout=None,
) -> BatchNormLesson:
    """One training step of batch norm on x (N, D), as the lesson shows it (see the module
    docstring); running statistics default to PyTorch's start (zeros and ones)."""
    out, cache = batchnorm_forward(x, gamma, beta, eps)
    x, gamma, beta = cache["x"], cache["gamma"], per_feature("beta", beta, cache["x"].shape[1])
    running_mean, running_var = check_running(running_mean, running_var, x.shape[1])
    wrong_x_hat, wrong_out = batchnorm_wrong(x, gamma, beta, eps)
    new_mean, new_var = update_running(running_mean, running_var, cache, momentum)
    dx = dgamma = dbeta = None
    if dout is not None:
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return BatchNormLesson(
        mean=cache["mean"],
        var=cache["var"],
        x_hat=cache["x_hat"],
        out=out,
        out_mean=out.mean(axis=0),
        out_std=out.std(axis=0),
        wrong_x_hat=wrong_x_hat,
        wrong_out=wrong_out,
        wrong_mean=wrong_x_hat.mean(axis=0),
        unbiased_var=unbiased_var(cache),
        running_mean=new_mean,
        running_var=new_var,
        inference_out=batchnorm_inference(x, gamma, beta, new_mean, new_var, eps),
        dx=dx,
        dgamma=dgamma,
        dbeta=dbeta,
    )
