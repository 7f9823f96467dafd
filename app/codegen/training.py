"""Programs for /api/training/batchnorm and /api/training/init.

Batch norm: NumPy writes μ, σ² (1/N), x̂ and y out, the running averages (unbiased variance)
and, given dL/dy, the backward pass; PyTorch calls F.batch_norm(training=True), which updates
the running averages in place, and autograd gives dx, dγ, dβ.
Initialisation: NumPy repeats the app's seeded draws; PyTorch holds them as numbers when few
enough (MAX_EMBEDDED_DRAWS), else runs the same experiment on torch's own seeded draws.
"""

from __future__ import annotations

import numpy as np

from app.codegen.printer import (
    NUMPY_IMPORTS,
    OMIT,
    TORCH_IMPORTS,
    Programs,
    integer,
    nested,
    number,
    numpy_array,
    print_json,
    program,
    torch_tensor,
)
from app.core import init
from app.schemas.training import BatchNormRequest, InitRequest


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


# The PyTorch program writes out the batch and the weights (NumPy's draws: torch has neither
# NumPy's PCG64 generator nor its ziggurat normal sampler, so no torch seed repeats them) when
# they are at most this many numbers, ~30 characters each written out (1.5 MB, inside
# MAX_PROGRAM_CHARS); beyond, it draws its own. The page's default network (10 × 500², 2.5
# million draws, ~75 MB as text) is beyond: its PyTorch program runs the same experiment.
MAX_EMBEDDED_DRAWS = 50_000


def draws_of(request: InitRequest):
    """The app's seeded draws: the batch x and each layer's W, in the order the core draws."""
    rng = np.random.default_rng(request.seed)
    x = rng.standard_normal((request.batch, request.width))
    weights = [
        init.init_weights(request.scheme, request.width, request.width, rng)
        for _ in range(request.layers)
    ]
    return x, weights


def init_programs(request: InitRequest, response) -> Programs:
    scheme = init.SCHEMES[request.scheme]
    tanh = request.activation == "tanh"
    lo, hi = init.HIST_RANGE[request.activation]
    std = number(response.weight_std)
    draw = {
        "small": f"W = {std} * rng.standard_normal((width, width))",
        "large": "W = rng.standard_normal((width, width))",
        "zeros": "W = np.zeros((width, width))",
        "xavier": "W = rng.standard_normal((width, width)) * (1 / math.sqrt(width))",
        "he": "W = rng.standard_normal((width, width)) * math.sqrt(2 / width)",
    }[scheme.name]
    sizes = ", ".join(
        integer(v) for v in (request.layers, request.width, request.batch, request.seed)
    )
    sizes = f"layers, width, batch, seed = {sizes}"
    numpy = f"""
{sizes}
bins = np.linspace({number(lo)}, {number(hi)}, {init.BINS + 1})  # fixed; the ends catch the rest

rng = np.random.default_rng(seed)
h = rng.standard_normal((batch, width))  # the input batch, x ~ N(0, 1)
stats = []
for k in range(layers):
    {draw}  # {scheme.formula}
    h = {"np.tanh(h @ W)" if tanh else "np.maximum(h @ W, 0)  # ReLU"}
    counts, _ = np.histogram(np.clip(h, bins[0], bins[-1]), bins=bins)
    stats.append({{"mean": h.mean(), "std": h.std(), "histogram": (counts / h.size).tolist()}})

print(json.dumps({{"layers": stats}}))
"""
    embed = request.batch * request.width + request.layers * request.width**2 <= MAX_EMBEDDED_DRAWS
    torch_std = {
        "small": f"{std} * ",
        "large": "",
        "xavier": "(1 / math.sqrt(width)) * ",
        "he": "math.sqrt(2 / width) * ",
    }
    if embed:
        x, weights = draws_of(request)
        prefix = "h = torch.tensor("
        data = (
            "# The app's draws (NumPy's generator, seed "
            f"{integer(request.seed)}): torch's generator cannot repeat them.\n"
            f"{prefix}{nested(x, len(prefix))}, dtype=torch.float64)  # the input batch\n"
        )
        if scheme.name == "zeros":
            data += "weights = [torch.zeros(width, width, dtype=torch.float64)] * layers\n"
        else:
            parts = []
            for w in weights:
                parts.append("    torch.tensor(" + nested(w, 17) + ", dtype=torch.float64),")
            data += f"weights = [  # {scheme.formula}\n" + "\n".join(parts) + "\n]\n"
        layer = "W = weights[k]"
    else:
        data = (
            "# torch's own draws, seeded: the same experiment as the app's, not the same numbers\n"
            "# (the app draws with NumPy's generator: too many numbers to write out here).\n"
            "torch.manual_seed(seed)\nh = torch.randn(batch, width, dtype=torch.float64)\n"
        )
        if scheme.name == "zeros":
            layer = "W = torch.zeros(width, width, dtype=torch.float64)"
        else:
            layer = (
                f"W = {torch_std[scheme.name]}torch.randn(width, width, dtype=torch.float64)"
                f"  # {scheme.formula}"
            )
    torch = f"""
{sizes}
lo, hi = {number(lo)}, {number(hi)}  # fixed histogram range; the ends catch the rest
{data}
stats = []
for k in range(layers):
    {layer}
    h = {"torch.tanh(h @ W)" if tanh else "torch.relu(h @ W)"}
    counts = torch.histc(h.clamp(lo, hi), bins={init.BINS}, min=lo, max=hi)
    stats.append({{"mean": h.mean().item(), "std": h.std(unbiased=False).item(),
                  "histogram": (counts / h.numel()).tolist()}})

print(json.dumps({{"layers": stats}}))
"""
    numpy_imports = ["import json", "import math", "", "import numpy as np"]
    torch_imports = ["import json", "import math", "", "import torch"]
    return Programs(
        program(torch_imports, torch),
        program(numpy_imports, numpy),
        ("layers",),
        same_numbers=embed,
    )
