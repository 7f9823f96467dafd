"""Programs for /api/training/batchnorm (and /api/training/init).

Batch norm: NumPy writes μ, σ² (1/N), x̂ and y out, the running averages (unbiased variance)
and, given dL/dy, the backward pass; PyTorch calls F.batch_norm(training=True), which updates
the running averages in place, and autograd gives dx, dγ, dβ.
"""

from __future__ import annotations

from app.codegen.printer import (
    NUMPY_IMPORTS,
    OMIT,
    TORCH_IMPORTS,
    Programs,
    number,
    numpy_array,
    print_json,
    program,
    torch_tensor,
)
from app.schemas.training import BatchNormRequest


def running(request: BatchNormRequest, array) -> tuple[str | None, str | None, int]:
    """The running averages before this batch: as sent, or PyTorch's zeros and ones."""
    D = len(request.gamma)
    mean = (
        array("running_mean", request.running_mean, "running mean before this batch")
        if request.running_mean is not None
        else None
    )
    var = (
        array("running_var", request.running_var, "running variance before this batch")
        if request.running_var is not None
        else None
    )
    return mean, var, D


def batchnorm(request: BatchNormRequest, _response=None) -> Programs:
    backward = request.grad_output is not None
    mean, var, D = running(request, numpy_array)
    mean = mean or f"running_mean = np.zeros({D})  # PyTorch's start"
    var = var or f"running_var = np.ones({D})"
    prints = ["out", "running_mean", "running_var"]
    if backward:
        prints += ["dx", "dgamma", "dbeta"]
    numpy_backward = OMIT
    if backward:
        numpy_backward = f"""
{numpy_array("dout", request.grad_output, "the upstream gradient dL/dy, N×D")}
dbeta = dout.sum(axis=0)
dgamma = (dout * x_hat).sum(axis=0)
g = dout * gamma  # dL/dx̂
dx = (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) / (N * np.sqrt(var + eps))
""".strip("\n")
    printed = print_json({key: f"{key}.tolist()" for key in prints})
    numpy = f"""
{numpy_array("x", request.x, "the batch: N rows (samples) × D features")}
{numpy_array("gamma", request.gamma, "scale γ, one per feature")}
{numpy_array("beta", request.beta, "shift β, one per feature")}
eps = {number(request.eps)}
momentum = {number(request.momentum)}
{mean}
{var}

N, D = x.shape
mean = x.mean(axis=0)  # μ_j, per feature (column)
var = ((x - mean) ** 2).mean(axis=0)  # σ²_j, the biased variance (1/N)
x_hat = (x - mean) / np.sqrt(var + eps)  # subtract the MEAN (the notes wrongly write x − σ)
out = gamma * x_hat + beta

# Running averages for test time: the unbiased variance σ²·N/(N − 1), as PyTorch keeps it.
running_mean = (1 - momentum) * running_mean + momentum * mean
running_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)

{numpy_backward}
{printed}
"""
    mean, var, D = running(request, torch_tensor)
    mean = mean or f"running_mean = torch.zeros({D}, dtype=torch.float64)  # PyTorch's start"
    var = var or f"running_var = torch.ones({D}, dtype=torch.float64)"
    torch_backward = OMIT
    if backward:
        torch_backward = f"""
{torch_tensor("dout", request.grad_output, "the upstream gradient dL/dy, N×D")}
out.backward(dout)  # autograd: dL/dx, dL/dγ, dL/dβ
dx, dgamma, dbeta = x.grad, gamma.grad, beta.grad
""".strip("\n")
    torch = f"""
{torch_tensor("x", request.x, "the batch: N rows (samples) × D features", grad=backward)}
{torch_tensor("gamma", request.gamma, "scale γ, one per feature", grad=backward)}
{torch_tensor("beta", request.beta, "shift β, one per feature", grad=backward)}
{mean}
{var}

# Training mode: normalise with this batch's statistics, update the running ones in place.
out = F.batch_norm(x, running_mean, running_var, gamma, beta, training=True,
                   momentum={number(request.momentum)}, eps={number(request.eps)})

{torch_backward}
{printed}
"""
    if backward:
        torch = torch.replace('"out": out.tolist()', '"out": out.detach().tolist()')
    return Programs(program(TORCH_IMPORTS, torch), program(NUMPY_IMPORTS, numpy), tuple(prints))
