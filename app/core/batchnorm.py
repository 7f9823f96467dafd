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

import numpy as np

from app.core.errors import ShapeError

MOMENTUM = 0.1
EPS = 1e-5


def check_inputs(x, gamma, beta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 arrays x (N, D), gamma (D,), beta (D,), or a ShapeError naming the culprit."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ShapeError(f"x must be a table N×D (rows = samples), got {x.ndim} dimensions", "x")
    N, D = x.shape
    if N < 2:
        raise ShapeError(
            f"batch normalisation in training needs at least 2 samples per feature, got {N}: "
            "with one sample every x̂ is 0",
            "x",
        )
    arrays = []
    for name, value in (("gamma", gamma), ("beta", beta)):
        a = np.asarray(value, dtype=np.float64)
        if a.ndim != 1 or a.shape[0] != D:
            count = a.shape[0] if a.ndim == 1 else a.size
            raise ShapeError(f"{name} has {count} values, one per feature is needed ({D})", name)
        arrays.append(a)
    return x, arrays[0], arrays[1]


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
            f"grad_output has shape {'×'.join(map(str, dout.shape))}, it must match x ({N}×{D})",
            "grad_output",
        )
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) / (N * np.sqrt(var + eps))
    return dx, dgamma, dbeta


def update_running(running_mean, running_var, cache, momentum=MOMENTUM):
    """running = (1 − momentum)·running + momentum·batch; the variance term is unbiased, σ²·N/(N−1).

    Returns new arrays (the inputs are not changed).
    """
    N = cache["x"].shape[0]
    unbiased = cache["var"] * N / (N - 1)
    new_mean = (1 - momentum) * np.asarray(running_mean, dtype=np.float64) + momentum * cache[
        "mean"
    ]
    new_var = (1 - momentum) * np.asarray(running_var, dtype=np.float64) + momentum * unbiased
    return new_mean, new_var


def batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=EPS):
    """Test time: y = γ·(x − running_mean)/√(running_var + ε) + β, no batch statistics.

    Any number of rows works, one included: every sample is normalised on its own.
    """
    x = np.asarray(x, dtype=np.float64)
    D = x.shape[-1]
    for name, value in (
        ("gamma", gamma),
        ("beta", beta),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        if np.shape(value) != (D,):
            raise ShapeError(
                f"{name} has {np.size(value)} values, one per feature is needed ({D})", name
            )
    if np.any(np.asarray(running_var) < 0):
        raise ShapeError("running_var must be 0 or more", "running_var")
    return np.asarray(gamma) * (x - running_mean) / np.sqrt(np.asarray(running_var) + eps) + beta


def batchnorm_wrong(x, gamma, beta, eps=EPS):
    """THE LECTURE NOTES' MISTAKE, kept to show what goes wrong: x̂ = (x − σ)/√(σ² + ε).

    Subtracting the standard deviation instead of the mean leaves every column with mean
    (μ − σ)/σ instead of 0. Returns (wrong_x_hat, wrong_out).
    """
    x, gamma, beta = check_inputs(x, gamma, beta)
    var = x.var(axis=0)
    wrong_x_hat = (x - np.sqrt(var)) / np.sqrt(var + eps)
    return wrong_x_hat, gamma * wrong_x_hat + beta
