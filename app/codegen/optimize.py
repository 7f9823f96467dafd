"""Programs for /api/optimize: the optimiser race, run by run, as the app steps it.

NumPy: the surface's f and gradient as the core writes them (a built-in surface's functions are
copied from app.core.surfaces; a typed one is printed from its parsed tree), each optimiser's
update rule written out as the lecture gives it, and the app's divergence rule. PyTorch:
the same f and gradient in torch, and torch.optim's optimiser and scheduler.

NUMPY_RULES and torch_optimizer are keyed by app.core.optimizers.OPTIMIZERS' names, and every
surface of app.core.surfaces.SURFACES translates (to_torch); tests hold both to the catalogues.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from app.codegen import expression as expression_code
from app.codegen.printer import OMIT, Programs, integer, nested, number, program
from app.core import race, surfaces
from app.core.optimizers import resolve
from app.schemas.optim import OptimizeRequest

# One update step per optimiser, NumPy: p (2,) and g = ∇f, the state starts at 0.
NUMPY_RULES = {
    "sgd": """\
def sgd(p, t, state, lr):
    g = gradient(p, t)
    return p - lr * g, g""",
    "momentum": """\
def momentum(p, t, state, lr, rho):
    g = gradient(p, t)
    v = rho * state.get("v", 0.0) + g  # velocity: a running sum of gradients
    state["v"] = v
    return p - lr * v, g""",
    "nesterov": """\
def nesterov(p, t, state, lr, rho):
    v = state.get("v", 0.0)
    g = gradient(p + rho * v, t)  # the gradient at the look-ahead point x + ρ·v
    v = rho * v - lr * g
    state["v"] = v
    return p + v, g""",
    "adagrad": """\
def adagrad(p, t, state, lr, eps):
    g = gradient(p, t)
    G = state.get("G", 0.0) + g * g  # the sum of squared gradients only grows
    state["G"] = G
    return p - lr * g / (np.sqrt(G) + eps), g""",
    "rmsprop": """\
def rmsprop(p, t, state, lr, decay, eps):
    g = gradient(p, t)
    G = decay * state.get("G", 0.0) + (1 - decay) * g * g  # a running mean of g²
    state["G"] = G
    return p - lr * g / (np.sqrt(G) + eps), g""",
    "adam": """\
def adam(p, t, state, lr, beta1, beta2, eps):
    g = gradient(p, t)
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g  # first moment (mean)
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g  # second moment
    state.update(m=m, v=v)
    m_hat = m / (1 - beta1**t)  # bias correction, t counted from 1
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), g""",
    "adamw": """\
def adamw(p, t, state, lr, beta1, beta2, eps, weight_decay):
    g = gradient(p, t)
    p = p * (1 - lr * weight_decay)  # decoupled weight decay, before the Adam step
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    state.update(m=m, v=v)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), g""",
}


def torch_optimizer(name: str, hp: dict) -> str:
    """The torch.optim call for a catalogue optimiser with its resolved hyper-parameters."""
    n = {key: number(value) for key, value in hp.items()}
    calls = {
        "sgd": lambda: f"torch.optim.SGD(params, lr={n['lr']})",
        "momentum": lambda: f"torch.optim.SGD(params, lr={n['lr']}, momentum={n['rho']})",
        "nesterov": lambda: (
            f"torch.optim.SGD(params, lr={n['lr']}, momentum={n['rho']}, nesterov=True)"
        ),
        "adagrad": lambda: f"torch.optim.Adagrad(params, lr={n['lr']}, eps={n['eps']})",
        "rmsprop": lambda: (
            f"torch.optim.RMSprop(params, lr={n['lr']}, alpha={n['decay']}, eps={n['eps']})"
        ),
        "adam": lambda: (
            f"torch.optim.Adam(params, lr={n['lr']}, betas=({n['beta1']}, {n['beta2']}), "
            f"eps={n['eps']})"
        ),
        "adamw": lambda: (
            f"torch.optim.AdamW(params, lr={n['lr']}, betas=({n['beta1']}, {n['beta2']}), "
            f"eps={n['eps']}, weight_decay={n['weight_decay']})"
        ),
    }
    return calls[name]()


def to_torch(source: str) -> str:
    """A core surface function's NumPy source as PyTorch: np.x -> torch.x, np.e and np.pi from
    math, and np.errstate blocks unwrapped (torch never warns). Tested against the core."""
    lines, inside = [], None
    for line in source.splitlines():
        indent = len(line) - len(line.lstrip())
        if line.strip().startswith("with np.errstate"):
            inside = indent
            continue
        if inside is not None and line.strip() and indent > inside:
            line = line[4:]
        elif line.strip():
            inside = None
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\bnp\.(e|pi)\b", r"math.\1", text)
    return text.replace("np.", "torch.")


def builtin_source(surface: surfaces.Surface, lib: str) -> str:
    """The core's own f and gradient, copied (for PyTorch, translated), renamed f and grad."""
    f = inspect.getsource(surface.f).replace(f"def {surface.f.__name__}(", "def f(", 1)
    grad = inspect.getsource(surface.grad).replace(f"def {surface.grad.__name__}(", "def grad(", 1)
    constants = ""
    if "TAU" in f + grad or "PI" in f + grad:
        constants = "PI = np.pi\nTAU = 2.0 * np.pi\n\n\n"  # math.pi in the torch program
    source = f"{constants}{f.strip()}\n\n\n{grad.strip()}"
    return to_torch(source) if lib == "torch" else source


def schedule_of(request: OptimizeRequest) -> dict | None:
    """The schedule with the core's defaults filled in (app.core.schedules.lr_schedule), or
    None for a constant rate."""
    s = request.schedule
    if s is None or s.kind == "constant":
        return None
    if s.kind == "step":
        return {
            "kind": "step",
            "step_size": s.step_size or max(1, request.steps // 4),
            "gamma": s.gamma,
        }
    return {"kind": "cosine", "t_max": s.t_max or request.steps, "eta_min": s.eta_min}


NUMPY_SCHEDULE = {
    "step": '''\
def next_rate(rate, base, t):
    """StepLR: α ← γ·α every step_size steps (the rate of step t + 1)."""
    return rate * gamma if t % step_size == 0 else rate''',
    "cosine": '''\
def next_rate(rate, base, t):
    """CosineAnnealingLR, the recursive form torch steps (the rate of step t + 1)."""
    if (t - 1 - t_max) % (2 * t_max) == 0:
        return rate + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
    return ratio * (rate - eta_min) + eta_min''',
}


def schedule_constants(schedule: dict) -> str:
    if schedule["kind"] == "step":
        return (
            f"step_size, gamma = {integer(schedule['step_size'])}, {number(schedule['gamma'])}"
            "  # StepLR"
        )
    return (
        f"t_max, eta_min = {integer(schedule['t_max'])}, {number(schedule['eta_min'])}"
        "  # CosineAnnealingLR"
    )


def runs_of(request: OptimizeRequest) -> list[tuple[str, dict]]:
    return [
        (spec.name, resolve(spec.name, spec.params(), f"optimizers[{i}]"))
        for i, spec in enumerate(request.optimizers)
    ]


def call_args(hp: dict) -> str:
    return ", ".join(f"{key}={number(value)}" for key, value in hp.items())


def numpy_program(request: OptimizeRequest, runs, schedule) -> str:
    if isinstance(request.surface, str):
        surface = surfaces.get_surface(request.surface)
        surface_code = builtin_source(surface, "np")
        title = f"The surface: {surface.label}, f and its gradient as cnnlab's core writes them."
    else:
        built = surfaces.custom_surface(
            request.surface.expression, request.surface.domain
        ).expression
        surface_code = expression_code.surface_source(built, "np")
        title = "Your f(x, y), and its gradient as cnnlab's core derives it."
    noise = request.noise
    if noise is not None and noise.std > 0:
        noise_line = (
            "# Gradient noise: the same σ·N(0, 1) draws for every run, one per step and "
            f"coordinate.\nnoise = {number(noise.std)} * np.random.default_rng("
            f"{integer(noise.seed)}).standard_normal((steps, 2))"
        )
    else:
        noise_line = "noise = np.zeros((steps, 2))  # no gradient noise"
    rules = "\n\n\n".join(NUMPY_RULES[name] for name in dict.fromkeys(name for name, _ in runs))
    checks = "[p, loss, g, *state.values()]" if request.internals else "[p, loss]"
    next_rate = "rate = next_rate(rate, lr, t)" if schedule else OMIT
    calls = "\n".join(f"    run({name}, {call_args(hp)})," for name, hp in runs)
    return f"""
np.seterr(all="ignore")  # a diverging run overflows: that is data, not an error

# {title}
{surface_code}


start = [{number(request.start[0])}, {number(request.start[1])}]
steps = {integer(request.steps)}
{RUNAWAY}
{noise_line}
{schedule_constants(schedule) if schedule else OMIT}


def gradient(p, t):
    \"\"\"∇f at p for step t (1, 2, ...), noise included.\"\"\"
    gx, gy = grad(p[0], p[1])
    return np.array([gx, gy]) + noise[t - 1]


{rules}


{NUMPY_SCHEDULE[schedule["kind"]] if schedule else OMIT}
{"" if schedule else OMIT}
{"" if schedule else OMIT}
def run(step, lr, **hyper):
    \"\"\"One optimiser from the start. A run diverges at the first step whose point, loss or
    state is not finite or runs away (|coordinate| > 1e6 or |f| > 1e12); its points stop
    before that step.\"\"\"
    p, state, points, rate = np.array(start), {{}}, [start], lr
    for t in range(1, steps + 1):
        p, g = step(p, t, state, rate, **hyper)
        loss = f(p[0], p[1])
        finite = all(np.all(np.isfinite(value)) for value in {checks})
        if not finite or np.max(np.abs(p)) > max_coordinate or abs(loss) > max_loss:
            return {{"name": step.__name__, "points": points, "diverged_at": t}}
        points.append(p.tolist())
        {next_rate}
    return {{"name": step.__name__, "points": points, "diverged_at": None}}


runs = [
{calls}
]
print(json.dumps({{"runs": runs}}))
"""


def torch_program(request: OptimizeRequest, runs, schedule) -> str:
    if isinstance(request.surface, str):
        surface = surfaces.get_surface(request.surface)
        f = builtin_source(surface, "torch")
        title = f"The surface: {surface.label}, f and its gradient as cnnlab's core writes them."
    else:
        built = surfaces.custom_surface(
            request.surface.expression, request.surface.domain
        ).expression
        f = expression_code.surface_source(built, "torch")
        title = "Your f(x, y), and its gradient as cnnlab's core derives it."
    noise = request.noise
    if noise is not None and noise.std > 0:
        draws = noise.std * np.random.default_rng(noise.seed).standard_normal((request.steps, 2))
        prefix = "noise = torch.tensor("
        noise_line = (
            "# Gradient noise: the app's σ·N(0, 1) draws (NumPy's generator, seed "
            f"{integer(noise.seed)}),\n# the same for every run, one per step and coordinate.\n"
            f"{prefix}{nested(draws, len(prefix))}, dtype=torch.float64)"
        )
        add_noise = "p.grad += noise[t - 1]"
    else:
        noise_line, add_noise = OMIT, OMIT
    lecture_nesterov = schedule is not None and any(name == "nesterov" for name, _ in runs)
    makers = []
    for name, hp in runs:
        if name == "nesterov" and lecture_nesterov:
            maker = f"LectureNesterov(params, lr={number(hp['lr'])}, rho={number(hp['rho'])})"
        else:
            maker = torch_optimizer(name, hp)
        makers.append(f'    run("{name}", lambda params: {maker}),')
    if schedule is None:
        scheduler, next_rate = OMIT, OMIT
    elif schedule["kind"] == "step":
        scheduler = (
            f"    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size="
            f"{integer(schedule['step_size'])}, gamma={number(schedule['gamma'])})"
        )
        next_rate = "        scheduler.step()"
    else:
        scheduler = (
            f"    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max="
            f"{integer(schedule['t_max'])}, eta_min={number(schedule['eta_min'])})"
        )
        next_rate = "        scheduler.step()"
    state_check = (
        "        state = [s for s in opt.state[p].values() if torch.is_tensor(s)]\n"
        "        values = [x, loss, g, *state]"
        if request.internals
        else "        values = [x, loss]"
    )
    return f"""
# {title}
{f}


start = [{number(request.start[0])}, {number(request.start[1])}]
steps = {integer(request.steps)}
{RUNAWAY}
{noise_line}
{LECTURE_NESTEROV if lecture_nesterov else OMIT}


def gradient(p):
    \"\"\"∇f at p, the formula the app steps with. (Autograd, f(p[0], p[1]).backward(), gives
    the same up to rounding, and a chaotic path would amplify that rounding.)\"\"\"
    gx, gy = grad(p[0], p[1])
    return torch.stack([torch.as_tensor(gx, dtype=torch.float64),
                        torch.as_tensor(gy, dtype=torch.float64)])


def point_of(name, p, opt):
    \"\"\"The lesson's x. torch's Nesterov steps the look-ahead point p = x + ρ·v instead.\"\"\"
    x = p.detach().clone()
    if name != "nesterov":
        return x
    group, state = opt.param_groups[0], opt.state[p]
    if "x" in state:  # the lecture's form, under a learning-rate schedule
        return state["x"].clone()
    return x + group["momentum"] * group["lr"] * state["momentum_buffer"]  # v = −α·buf


def run(name, make_optimizer):
    \"\"\"One optimiser from the start. A run diverges at the first step whose point, loss or
    state is not finite or runs away (|coordinate| > 1e6 or |f| > 1e12); its points stop
    before that step.\"\"\"
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([p])
{scheduler}
    points = [start]
    for t in range(1, steps + 1):
        opt.zero_grad()
        p.grad = gradient(p)
{"        " + add_noise if add_noise != OMIT else OMIT}
        g = p.grad.clone()
        opt.step()
{next_rate}
        x = point_of(name, p, opt)
        loss = f(x[0], x[1])
{state_check}
        finite = all(bool(torch.isfinite(v).all()) for v in values)
        if not finite or x.abs().max() > max_coordinate or loss.abs() > max_loss:
            return {{"name": name, "points": points, "diverged_at": t}}
        points.append(x.tolist())
    return {{"name": name, "points": points, "diverged_at": None}}


runs = [
{chr(10).join(makers)}
]
print(json.dumps({{"runs": runs}}))
"""


RUNAWAY = f"max_coordinate, max_loss = {number(race.MAX_COORD)}, {number(race.MAX_LOSS)}  # runaway"
LECTURE_NESTEROV = '''

class LectureNesterov(torch.optim.Optimizer):
    """Nesterov as the lesson steps it under a schedule: v ← ρ·v − α_t·∇f(x + ρ·v), x ← x + v.
    torch.optim.SGD(nesterov=True) is the same method only while α is constant. The parameter
    is the look-ahead point p = x + ρ·v, where the gradient is taken."""

    def __init__(self, params, lr, rho):
        super().__init__(params, {"lr": lr, "rho": rho})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, rho = group["lr"], group["rho"]
            for p in group["params"]:
                state = self.state[p]
                x, v = state.get("x", p.clone()), state.get("v", torch.zeros_like(p))
                v = rho * v - lr * p.grad
                x = x + v
                state.update(x=x, v=v)
                p.copy_(x + rho * v)'''


def optimize(request: OptimizeRequest, _response=None) -> Programs:
    runs = runs_of(request)
    schedule = schedule_of(request)
    numpy = numpy_program(request, runs, schedule)
    torch = torch_program(request, runs, schedule)
    cosine = schedule is not None and schedule["kind"] == "cosine"
    numpy_imports = ["import json", *(["import math"] if cosine else []), "", "import numpy as np"]
    torch_imports = ["import json", "import math", "", "import torch"]
    return Programs(program(torch_imports, torch), program(numpy_imports, numpy), ("runs",))
