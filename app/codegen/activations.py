"""Programs for /api/activations: y = f(x) and dy = f'(x) at every point.

NumPy writes f and f' out (PyTorch's derivative at the kinks: ReLU'(0) = 0, Leaky ReLU'(0) = α,
Maxout's first winning piece); PyTorch calls the function and lets autograd find f'.
Both tables are keyed by app.core.activations.NAMES (a test holds them to it).
"""

from __future__ import annotations

from app.codegen.printer import (
    NUMPY_IMPORTS,
    OMIT,
    TORCH_IMPORTS,
    Programs,
    integer,
    number,
    numpy_array,
    program,
    torch_tensor,
)
from app.core.activations import FUNCTIONS, sample
from app.schemas.activations import ActivationRequest, DeadReluRequest, VanishingRequest

SIGMOID = """\
def sigmoid(x):
    z = np.exp(-np.abs(x))  # never e to a large positive power
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))"""

# name -> (helper or OMIT, the lines computing y and dy from x (and alpha, pieces))
NUMPY = {
    "sigmoid": (SIGMOID, "y = sigmoid(x)\ndy = y * (1 - y)  # at most 0.25"),
    "tanh": (OMIT, "y = np.tanh(x)\ndy = 1 - y * y"),
    "relu": (OMIT, "y = np.maximum(x, 0)\ndy = (x > 0).astype(float)  # 0 at x = 0, as PyTorch"),
    "leaky_relu": (OMIT, "y = np.where(x > 0, x, alpha * x)\ndy = np.where(x > 0, 1.0, alpha)"),
    "prelu": (OMIT, "y = np.where(x > 0, x, alpha * x)\ndy = np.where(x > 0, 1.0, alpha)"),
    "elu": (
        OMIT,
        "y = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))  # α(e^x − 1) below 0\n"
        "dy = np.where(x > 0, 1.0, y + alpha)  # α·e^x = f(x) + α below 0",
    ),
    "maxout": (
        OMIT,
        "lines = x[:, None] * pieces[:, 0] + pieces[:, 1]  # every piece w·x + b at every x\n"
        "winner = np.argmax(lines, axis=1)  # the first maximum on ties\n"
        "y = lines[np.arange(len(x)), winner]\n"
        "dy = pieces[winner, 0]  # the winning piece's slope w",
    ),
    "gelu": (
        OMIT,
        "cdf = 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))  # Φ(x)\n"
        "pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # φ(x)\n"
        "y = x * cdf\n"
        "dy = cdf + x * pdf",
    ),
    "silu": (SIGMOID, "s = sigmoid(x)\ny = x * s\ndy = s * (1 + x * (1 - s))"),
    "softplus": (
        SIGMOID,
        "big = x > 20  # PyTorch's threshold: softplus(x) is x itself above it\n"
        "y = np.where(big, x, np.logaddexp(0, np.minimum(x, 20)))  # ln(1 + e^x)\n"
        "dy = np.where(big, 1.0, sigmoid(x))",
    ),
}

# name -> the PyTorch expression for y
TORCH = {
    "sigmoid": "torch.sigmoid(x)",
    "tanh": "torch.tanh(x)",
    "relu": "F.relu(x)",
    "leaky_relu": "F.leaky_relu(x, negative_slope=alpha)",
    "prelu": "F.prelu(x, torch.tensor([alpha], dtype=torch.float64))",
    "elu": "F.elu(x, alpha=alpha)",
    "maxout": "(x[:, None] * pieces[:, 0] + pieces[:, 1]).max(dim=1).values",
    "gelu": "F.gelu(x)  # the exact x·Φ(x)",
    "silu": "F.silu(x)",
    "softplus": "F.softplus(x)  # beta 1, threshold 20",
}


def activation(request: ActivationRequest, response) -> Programs:
    name = request.name
    helper, lines = NUMPY[name]
    alpha = OMIT if response.alpha is None else f"alpha = {number(response.alpha)}"
    pieces = OMIT
    if name == "maxout":
        pieces = numpy_array("pieces", request.pieces, "the lines [w, b]")
    imports = ["import json", "import math", "", "import numpy as np"]
    if name != "gelu":
        imports = NUMPY_IMPORTS
    numpy = f"""
{numpy_array("x", request.x, "the points")}
{alpha}
{pieces}
{helper}


{lines}

print(json.dumps({{"y": y.tolist(), "dy": dy.tolist()}}))
"""
    if name == "maxout":
        pieces = torch_tensor("pieces", request.pieces, "the lines [w, b]")
    torch = f"""
{torch_tensor("x", request.x, "the points", grad=True)}
{alpha}
{pieces}
y = {TORCH[name]}
y.backward(torch.ones_like(y))  # f acts on each point alone: x.grad is f'(x)

print(json.dumps({{"y": y.tolist(), "dy": x.grad.tolist()}}))
"""
    return Programs(program(TORCH_IMPORTS, torch), program(imports, numpy), ("y", "dy"))


def draws(request, shape: str) -> str:
    """NumPy's seeded draws, as app.core.activations.sample makes them."""
    loc, scale = number(request.loc), number(request.scale)
    if request.distribution == "normal":
        return f"rng.normal({loc}, {scale}, {shape})  # N(loc, scale²)"
    return f"rng.uniform({loc} - {scale}, {loc} + {scale}, {shape})  # on [loc ± scale]"


def dead_relu(request: DeadReluRequest, response) -> Programs:
    """A unit max(0, w·x + b) on seeded inputs: the share it is active on and dL/dw, dL/db for
    an upstream gradient of 1 per input, averaged. The PyTorch program holds NumPy's draws as
    numbers (torch's generator cannot repeat them) and lets autograd find the gradients."""
    w, b = number(request.weight), number(request.bias)
    numpy = f"""
weight, bias = {w}, {b}
rng = np.random.default_rng({integer(request.seed)})
x = {draws(request, integer(request.samples))}

z = weight * x + bias
active = z > 0  # ReLU'(z) is 1 there, else 0
print(json.dumps({{
    "fraction_active": float(active.mean()),
    "grad_weight": float(np.mean(np.where(active, x, 0.0))),  # dL/dw = mean(1[z > 0]·x)
    "grad_bias": float(active.mean()),  # dL/db = mean(1[z > 0])
    "dead": not bool(active.any()),  # active on no input: zero gradient, no way back
}}))
"""
    seeded = f"the app's draws (NumPy's generator, seed {integer(request.seed)})"
    torch = f"""
{torch_tensor("x", response.x, seeded)}
weight = torch.tensor({w}, dtype=torch.float64, requires_grad=True)
bias = torch.tensor({b}, dtype=torch.float64, requires_grad=True)

z = weight * x + bias
F.relu(z).mean().backward()  # upstream gradient 1 per input, averaged
active = z > 0
print(json.dumps({{
    "fraction_active": active.double().mean().item(),
    "grad_weight": weight.grad.item(),
    "grad_bias": bias.grad.item(),
    "dead": not bool(active.any()),
}}))
"""
    return Programs(
        program(TORCH_IMPORTS, torch),
        program(NUMPY_IMPORTS, numpy),
        ("fraction_active", "grad_weight", "grad_bias", "dead"),
    )


def vanishing(request: VanishingRequest, response) -> Programs:
    """The product f'(z_1)···f'(z_k), k = 1..depth, on seeded z (samples × depth): per function
    its mean, median and share of exact zeros at each depth. NumPy draws z as the app does and
    writes each f' out; the PyTorch program holds NumPy's draws and lets autograd find f'."""
    names = list(dict.fromkeys(request.functions))
    helpers, derivatives = [], []
    for name in names:
        helper, lines = NUMPY[name]
        if helper is not OMIT:
            helpers.append(helper)
        default = FUNCTIONS[name].alpha
        alpha = "" if default is None else f"    alpha = {number(default)}\n"
        body = "".join(f"    {line}\n" for line in lines.split("\n"))
        derivatives.append(f"def d_{name}(x):\n{alpha}{body}    return dy")
    listed = ", ".join(f'("{name}", d_{name})' for name in names)
    shape = f"({integer(request.samples)}, {integer(request.depth)})"
    summary = """\
    stats[name] = {
        "mean": product.mean(axis=0).tolist(),
        "median": np.median(product, axis=0).tolist(),
        "fraction_zero": (product == 0).mean(axis=0).tolist(),  # one dead layer stops it
    }"""
    numpy = f"""
rng = np.random.default_rng({integer(request.seed)})
z = {draws(request, shape)}  # samples × depth


{(chr(10) * 3).join(dict.fromkeys(helpers))}


{(chr(10) * 3).join(derivatives)}


stats = {{}}
for name, derivative in [{listed}]:
    product = np.cumprod(derivative(z), axis=1)  # f'(z_1)···f'(z_k) for k = 1..depth
{summary}
print(json.dumps({{"functions": stats}}))
"""
    size = (request.samples, request.depth)
    z = sample(request.distribution, request.loc, request.scale, size, request.seed)
    calls = []
    for name in names:
        default = FUNCTIONS[name].alpha
        alpha = "" if default is None else f"alpha = {number(default)}\n"
        call, _, note = TORCH[name].partition("  # ")
        note = f"  # {note}" if note else ""
        calls.append(f'{alpha}fprime["{name}"] = derivative({call}){note}')
    seeded = (
        f"z: the app's draws (NumPy's generator, seed {integer(request.seed)}), samples × depth"
    )
    torch = f"""
{torch_tensor("x", z, seeded, grad=True)}


def derivative(y):
    return torch.autograd.grad(y.sum(), x)[0]  # each z alone: f'(z)


fprime = {{}}
{chr(10).join(calls)}
stats = {{}}
for name, dy in fprime.items():
    product = torch.cumprod(dy, dim=1)  # f'(z_1)···f'(z_k) for k = 1..depth
    stats[name] = {{
        "mean": product.mean(dim=0).tolist(),
        "median": torch.quantile(product, 0.5, dim=0).tolist(),  # as NumPy's median
        "fraction_zero": (product == 0).double().mean(dim=0).tolist(),
    }}
print(json.dumps({{"functions": stats}}))
"""
    numpy_imports = ["import json", "import math", "", "import numpy as np"]
    return Programs(program(TORCH_IMPORTS, torch), program(numpy_imports, numpy), ("functions",))
