"""The lecture's optimisers as pure steps, and a vectorised race of many runs on a 2-D surface.

Each step takes the point x, the gradient g = ∇f(x) (for Nesterov: at the look-ahead point) and
the optimiser's state, and returns the new point and a new state; nothing is updated in place.
The arithmetic follows torch.optim (CPU, float64, single-tensor path) operation by operation, so
with the same hyper-parameters a trajectory equals torch's to float64 rounding:

    x, state = adam_step(x, grad, state, lr=1e-3)

race() steps R runs together as one (R, 2) array: every optimiser is written as one update with
per-run coefficients (see race's docstring), so six different optimisers, or the 2 × 64 runs of
a hyper-parameter search, cost one NumPy call per operation and step. A test holds race() equal
to a loop over the pure steps.

Divergence is data: a run whose point leaves |coordinate| <= MAX_COORD, whose loss leaves
|f| <= MAX_LOSS, or whose point, loss or state stops being finite, stops at that step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.core.surfaces import Surface

# "Runaway": past these a run has left any plotted domain by orders of magnitude.
MAX_COORD = 1e6
MAX_LOSS = 1e12
# Up to this many runs, race() steps Python floats run by run instead of (R, 2) arrays.
SCALAR_MAX_RUNS = 8


# ---------------------------------------------------------------- pure steps (the reference)


def sgd_step(x, grad, state, lr):
    """Stochastic gradient descent (torch.optim.SGD).

    x ← x - α·g
    """
    return x - lr * grad, state


def momentum_step(x, grad, state, lr, rho=0.9):
    """SGD + momentum (torch.optim.SGD(momentum=rho), dampening 0).

    v ← ρ·v + g          (v starts at 0, so the first v is g)
    x ← x - α·v
    """
    v = state["v"] * rho + grad if "v" in state else grad
    return x - lr * v, {"v": v}


def nesterov_lookahead(x, state, rho=0.9):
    """The point where Nesterov momentum takes its gradient: x + ρ·v."""
    return x + rho * state["v"] if "v" in state else x


def nesterov_step(x, grad, state, lr, rho=0.9):
    """Nesterov momentum, the look-ahead form of the lecture; grad = ∇f(x + ρ·v).

    v ← ρ·v - α·∇f(x + ρ·v)
    x ← x + v

    torch.optim.SGD(nesterov=True) is the same method written for the look-ahead point
    p = x + ρ·v and buf = -v/α:  buf ← ρ·buf + ∇f(p);  p ← p - α·(∇f(p) + ρ·buf).
    """
    v = state["v"] * rho - lr * grad if "v" in state else -lr * grad
    return x + v, {"v": v}


def adagrad_step(x, grad, state, lr, eps=1e-7):
    """AdaGrad (torch.optim.Adagrad, initial_accumulator_value 0, lr_decay 0).

    G ← G + g²                         (element-wise; G only grows, so steps only shrink)
    x ← x - α·g / (√G + ε)
    """
    G = state["G"] + grad * grad if "G" in state else grad * grad
    return x - (lr * grad) / (np.sqrt(G) + eps), {"G": G}


def rmsprop_step(x, grad, state, lr, decay=0.99, eps=1e-7):
    """RMSProp (torch.optim.RMSprop with alpha = decay).

    G ← d·G + (1 - d)·g²
    x ← x - α·g / (√G + ε)
    """
    G = state.get("G", 0.0) * decay + ((1.0 - decay) * grad) * grad
    return x - (lr * grad) / (np.sqrt(G) + eps), {"G": G}


def lerp(start, end, weight):
    """start + weight·(end - start), rounded as torch.lerp rounds it."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def adam_step(x, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """Adam with bias correction, t counted from 1 (torch.optim.Adam); AdamW when weight_decay > 0.

    x ← x·(1 - α·λ)                    (AdamW's decoupled weight decay λ; skipped when λ = 0)
    t ← t + 1
    m ← β1·m + (1 - β1)·g
    v ← β2·v + (1 - β2)·g²
    m̂ = m / (1 - β1^t),  v̂ = v / (1 - β2^t)
    x ← x - α·m̂ / (√v̂ + ε)

    Computed as torch does: x - (α / (1 - β1^t))·m / (√v / √(1 - β2^t) + ε).
    """
    t = state.get("t", 0) + 1
    m = lerp(state.get("m", 0.0 * grad), grad, 1.0 - beta1)
    v = state.get("v", 0.0) * beta2 + ((1.0 - beta2) * grad) * grad
    bc1 = 1.0 - beta1**t
    bc2 = 1.0 - beta2**t
    denom = np.sqrt(v) / bc2**0.5 + eps
    if weight_decay:
        x = x * (1.0 - lr * weight_decay)
    return x - ((lr / bc1) * m) / denom, {"t": t, "m": m, "v": v}


def adamw_step(x, grad, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW (torch.optim.AdamW): Adam plus decoupled weight decay x ← x·(1 - α·λ) first."""
    return adam_step(x, grad, state, lr, beta1, beta2, eps, weight_decay)


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Param:
    default: float
    low: float  # inclusive bounds a request must respect
    high: float
    description: str
    log: bool = False  # shown on a log-scale slider
    low_open: bool = False  # low itself excluded (lr > 0)


@dataclass(frozen=True)
class Optimizer:
    name: str
    label: str
    label_zh: str
    params: dict[str, Param]
    equations: tuple[str, ...]
    step: object  # the pure step function
    internals: tuple[str, ...]  # the per-step quantities race() reports for it


LR = Param(1e-3, 0.0, 1e3, "learning rate α", log=True, low_open=True)


def _eps(default):
    return Param(default, 0.0, 1.0, "ε, added to the root of the squared-gradient average")


# What the numbers panel shows for Adam and AdamW, step by step.
ADAM_INTERNALS = (
    "grad",
    "m",
    "v",
    "bias_correction1",
    "bias_correction2",
    "m_hat",
    "v_hat",
    "denominator",
    "effective_lr",
    "update",
)

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer(
            "sgd",
            "SGD",
            "随机梯度下降",
            {"lr": LR},
            ("x ← x − α·g",),
            sgd_step,
            ("grad", "effective_lr", "update"),
        ),
        Optimizer(
            "momentum",
            "SGD + Momentum",
            "动量",
            {"lr": LR, "rho": Param(0.9, 0.0, 0.9999, "ρ, the friction (momentum)")},
            ("v ← ρ·v + g", "x ← x − α·v"),
            momentum_step,
            ("grad", "velocity", "effective_lr", "update"),
        ),
        Optimizer(
            "nesterov",
            "Nesterov momentum",
            "Nesterov 动量",
            {"lr": LR, "rho": Param(0.9, 0.0, 0.9999, "ρ, the friction (momentum)")},
            ("v ← ρ·v − α·∇f(x + ρ·v)", "x ← x + v"),
            nesterov_step,
            ("lookahead", "grad", "velocity", "effective_lr", "update"),
        ),
        Optimizer(
            "adagrad",
            "AdaGrad",
            "AdaGrad",
            {"lr": LR, "eps": _eps(1e-7)},
            ("G ← G + g²", "x ← x − α·g / (√G + ε)"),
            adagrad_step,
            ("grad", "sum_sq", "denominator", "effective_lr", "update"),
        ),
        Optimizer(
            "rmsprop",
            "RMSProp",
            "RMSProp",
            {
                "lr": LR,
                "decay": Param(0.99, 0.0, 0.9999, "d, decay rate of the squared-gradient average"),
                "eps": _eps(1e-7),
            },
            ("G ← d·G + (1 − d)·g²", "x ← x − α·g / (√G + ε)"),
            rmsprop_step,
            ("grad", "mean_sq", "denominator", "effective_lr", "update"),
        ),
        Optimizer(
            "adam",
            "Adam",
            "Adam",
            {
                "lr": LR,
                "beta1": Param(0.9, 0.0, 0.9999, "β1, decay of the first moment (mean)"),
                "beta2": Param(0.999, 0.0, 0.99999, "β2, decay of the second moment"),
                "eps": _eps(1e-8),
            },
            (
                "m ← β1·m + (1 − β1)·g",
                "v ← β2·v + (1 − β2)·g²",
                "m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)   (t = 1, 2, …)",
                "x ← x − α·m̂ / (√v̂ + ε)",
            ),
            adam_step,
            ADAM_INTERNALS,
        ),
        Optimizer(
            "adamw",
            "AdamW",
            "AdamW",
            {
                "lr": LR,
                "beta1": Param(0.9, 0.0, 0.9999, "β1, decay of the first moment (mean)"),
                "beta2": Param(0.999, 0.0, 0.99999, "β2, decay of the second moment"),
                "eps": _eps(1e-8),
                "weight_decay": Param(0.01, 0.0, 10.0, "λ, decoupled weight decay"),
            },
            (
                "x ← x·(1 − α·λ)",
                "m ← β1·m + (1 − β1)·g",
                "v ← β2·v + (1 − β2)·g²",
                "m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)",
                "x ← x − α·m̂ / (√v̂ + ε)",
            ),
            adamw_step,
            ADAM_INTERNALS,
        ),
    )
}


def get_optimizer(name: str, field: str = "optimizers") -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise InputError(
            f"unknown optimiser {name!r}; choose one of {', '.join(OPTIMIZERS)}", field
        ) from None


def resolve(name: str, params: dict, field: str = "optimizers") -> dict:
    """The optimiser's full hyper-parameters: defaults filled in, each checked against its range."""
    optimizer = get_optimizer(name, field)
    unknown = sorted(set(params) - set(optimizer.params))
    if unknown:
        raise InputError(
            f"{optimizer.label} has no parameter {unknown[0]!r}; its parameters are "
            f"{', '.join(optimizer.params)}",
            f"{field}.{unknown[0]}",
        )
    out = {}
    for key, spec in optimizer.params.items():
        value = params.get(key)
        value = spec.default if value is None else float(value)
        too_low = value <= spec.low if spec.low_open else value < spec.low
        if not np.isfinite(value) or too_low or value > spec.high:
            low = f"> {spec.low:g}" if spec.low_open else f">= {spec.low:g}"
            raise InputError(
                f"{optimizer.label}: {key} must be {low} and <= {spec.high:g}, got {value:g}",
                f"{field}.{key}",
            )
        out[key] = value
    return out


SCHEDULES = ("constant", "step", "cosine")


def lr_schedule(lr, steps, kind="constant", step_size=None, gamma=0.5, t_max=None, eta_min=0.0):
    """The learning rate each step uses, (steps, R) for base rates lr (R,), as torch's schedulers.

    step   (StepLR):   α ← γ·α every step_size steps
    cosine (CosineAnnealingLR, recursive form, as torch steps it), period t_max (default steps):
           α_i = (1 + cos(π·i/T)) / (1 + cos(π·(i-1)/T)) · (α_{i-1} - η) + η
    Row i is the rate of step i + 1, after i scheduler steps.
    """
    lr = np.atleast_1d(np.asarray(lr, dtype=np.float64))
    if kind == "constant":
        return np.broadcast_to(lr, (steps, lr.size)).copy()
    if kind == "step":
        step_size = step_size or max(1, steps // 4)
        i = np.arange(steps)
        factors = np.where((i > 0) & (i % step_size == 0), gamma, 1.0)
        table = np.empty((steps, lr.size))
        table[0] = lr
        table[1:] = factors[1:, None]
        return np.cumprod(table, axis=0)  # ((α·f1)·f2)·…: torch's running product
    if kind == "cosine":
        T = t_max or steps
        table = np.empty((steps, lr.size))
        table[0] = lr
        for i in range(1, steps):
            if (i - 1 - T) % (2 * T) == 0:
                table[i] = table[i - 1] + (lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
            else:
                ratio = (1 + math.cos(math.pi * i / T)) / (1 + math.cos(math.pi * (i - 1) / T))
                table[i] = ratio * (table[i - 1] - eta_min) + eta_min
        return table
    raise InputError(f"schedule must be one of {', '.join(SCHEDULES)}, got {kind!r}", "schedule")


def run_reference(
    surface: Surface, start, name: str, params: dict, steps: int, schedule: dict | None = None
):
    """A single run by looping the pure step: points (steps + 1, 2). The fast race's naive twin."""
    optimizer = get_optimizer(name)
    rates = lr_schedule(params["lr"], steps, **(schedule or {}))[:, 0]
    x = np.asarray(start, dtype=np.float64)
    state: dict = {}
    points = [x]
    with np.errstate(all="ignore"):  # a diverging run overflows: divergence is data
        for i in range(steps):
            at = nesterov_lookahead(x, state, params["rho"]) if name == "nesterov" else x
            grad = np.array(surface.grad(at[0], at[1]), dtype=np.float64)
            x, state = optimizer.step(x, grad, state, **{**params, "lr": float(rates[i])})
            points.append(x)
    return np.array(points)


# ---------------------------------------------------------------- the vectorised race


@dataclass
class Race:
    """Trajectories of R runs over T steps (arrays keep every step, even after divergence).

    points (T + 1, R, 2), losses (T + 1, R); per step t = 1..T (index t - 1): grads, the point
    the gradient was taken at (lookahead), first (velocity or first moment after the step),
    second (squared-gradient accumulator or average after the step), denominator (√G + ε or
    √v̂ + ε; 1 without one) and Adam's bias corrections bc1, bc2 (T, R; 1 for the others).
    diverged_at[r]: the first step whose point, loss or state is non-finite or runaway, or None.
    """

    names: list[str]
    params: list[dict]
    points: np.ndarray
    losses: np.ndarray
    diverged_at: list[int | None]
    grads: np.ndarray | None = None
    lookahead: np.ndarray | None = None
    first: np.ndarray | None = None
    second: np.ndarray | None = None
    denominator: np.ndarray | None = None
    bc1: np.ndarray | None = None
    bc2: np.ndarray | None = None
    lr: np.ndarray | None = None  # (T, R): the learning rate of each step

    def length(self, r: int) -> int:
        """Number of points run r keeps: T + 1, or diverged_at (the last finite point is kept)."""
        at = self.diverged_at[r]
        return self.points.shape[0] if at is None else at


def coefficients(names, params):
    """Per-run coefficients of the one update race() applies to every optimiser.

    p = x + L·m                       gradient point (L = ρ for Nesterov, else 0)
    m ← A·m + C·g, or lerp(m, g, W)   (Adam/AdamW: the lerp, with W = 1 - β1)
    s ← B·s + (E·g)·g
    d = √s / √bc2_t + ε               (ε = 1 and s = 0 without a denominator: d = 1)
    x ← x·Λ + (K_t·m) / d             (Λ = 1 - α·λ for AdamW, else 1)

    sgd:      A = 0, C = 1, K = -α
    momentum: A = ρ, C = 1, K = -α
    nesterov: A = ρ, C = -α, K = 1, L = ρ   (m is the velocity v)
    adagrad:  A = 0, C = 1, B = 1, E = 1, K = -α
    rmsprop:  A = 0, C = 1, B = d, E = 1 - d, K = -α
    adam:     W = 1 - β1, B = β2, E = 1 - β2, K_t = -(α / bc1_t)
    Every product by 0 or 1 and every division by 1 is exact, so each run's arithmetic is that of
    its pure step.
    """
    rows = []
    for name, p in zip(names, params, strict=True):
        lr = p["lr"]
        row = dict(
            L=0.0,
            A=0.0,
            C=1.0,
            W=0.0,
            lerp=False,
            B=0.0,
            E=0.0,
            eps=1.0,
            K=-lr,
            decay=1.0,
            wd=0.0,
            nesterov=False,
            beta1=0.0,
            beta2=0.0,
            adam=False,
        )
        if name in ("momentum", "nesterov"):
            row["A"] = p["rho"]
        if name == "nesterov":
            row.update(L=p["rho"], C=-lr, K=1.0, nesterov=True)
        elif name == "adagrad":
            row.update(B=1.0, E=1.0, eps=p["eps"])
        elif name == "rmsprop":
            row.update(B=p["decay"], E=1.0 - p["decay"], eps=p["eps"])
        elif name in ("adam", "adamw"):
            row.update(
                W=1.0 - p["beta1"],
                lerp=True,
                B=p["beta2"],
                E=1.0 - p["beta2"],
                eps=p["eps"],
                adam=True,
                beta1=p["beta1"],
                beta2=p["beta2"],
            )
            if name == "adamw":
                row.update(decay=1.0 - lr * p["weight_decay"], wd=p["weight_decay"])
        rows.append(row)
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def check_start(surface: Surface, start) -> np.ndarray:
    start = np.asarray(start, dtype=np.float64)
    with np.errstate(all="ignore"):
        loss = surface.f(start[..., 0], start[..., 1])
    if not np.all(np.isfinite(start)) or np.any(np.abs(start) > MAX_COORD):
        raise InputError(f"the start must be finite and within ±{MAX_COORD:g}", "start")
    if not np.all(np.isfinite(loss)) or np.any(np.abs(loss) > MAX_LOSS):
        raise InputError(
            f"the start is too far out: f there is beyond ±{MAX_LOSS:g}; pick a point nearer the "
            f"plotted domain {list(map(list, surface.domain))}",
            "start",
        )
    return start


def race(
    surface: Surface,
    start,
    names: list[str],
    params: list[dict],
    steps: int,
    noise_std: float = 0.0,
    seed: int = 0,
    internals: bool = True,
    schedule: dict | None = None,
    vectorised: bool | None = None,
) -> Race:
    """Run R optimisers from start (2,) or (R, 2) for `steps` steps, all at once.

    names[r] and params[r] (already resolved) describe run r. Gradient noise: every run sees the
    same sequence g + σ·N(0, 1) (one draw per step and coordinate from seed), so a race stays
    fair. With internals=False only points and losses are kept (the search's many runs).
    schedule: lr_schedule's keyword arguments (kind, step_size, gamma, t_max, eta_min); every
    run's learning rate follows it (Nesterov in the lecture's form, v ← ρ·v − α_t·g, which
    equals PyTorch's only while α is constant).
    vectorised: step all runs as arrays (default beyond SCALAR_MAX_RUNS runs) or run by run in
    Python floats (fewer runs: NumPy's per-call cost dominates). Both give the same bits.
    """
    R = len(names)
    T = steps
    start = check_start(surface, start)
    k = coefficients(names, params)
    col = {key: value[:, None] for key, value in k.items()}  # (R, 1): broadcast over x and y
    lr = np.array([p["lr"] for p in params])
    rates = lr_schedule(lr, T, **(schedule or {}))  # (T, R): α_t of each step

    # Step-dependent coefficients, t = 1..T: Adam's bias corrections; 1 for the others.
    t = np.arange(1, T + 1, dtype=np.float64)[:, None]
    with np.errstate(all="ignore"):
        bc1 = np.where(k["adam"], 1.0 - np.power(k["beta1"], t), 1.0)  # (T, R)
        bc2 = np.where(k["adam"], 1.0 - np.power(k["beta2"], t), 1.0)
        K = np.where(k["adam"], -(rates / bc1), np.where(k["nesterov"], 1.0, -rates))[:, :, None]
        C = np.where(k["nesterov"], -rates, k["C"])[:, :, None]
        decay = np.where(k["wd"] != 0.0, 1.0 - rates * k["wd"], 1.0)[:, :, None]
        root_bc2 = np.sqrt(bc2)[:, :, None]

    noise = None
    if noise_std > 0.0:
        noise = noise_std * np.random.default_rng(seed).standard_normal((T, 2))

    if vectorised is None:
        vectorised = R > SCALAR_MAX_RUNS
    steps_of = _steps_vectorised if vectorised else _steps_scalar
    points, grads, first, second = steps_of(
        surface, start, k, K, C, decay, root_bc2, noise, T, internals
    )
    any_ahead = bool((k["L"] != 0.0).any())
    L = col["L"]
    with np.errstate(all="ignore"):
        losses = surface.f(points[..., 0], points[..., 1])

        # The first bad step of each run: a non-finite or runaway point, loss or state.
        bad = ~np.isfinite(losses) | (np.abs(losses) > MAX_LOSS)
        bad |= ~np.all(np.isfinite(points), axis=2) | np.any(np.abs(points) > MAX_COORD, axis=2)
        if internals:
            # Recomputed over all steps at once, with the loop's arithmetic: same values.
            denominator = np.sqrt(second) / root_bc2 + col["eps"]
            denominator[:, ~(k["E"] != 0.0) & ~(k["B"] != 0.0)] = 1.0
            ahead = points[:-1].copy()
            if any_ahead:
                ahead[1:] = points[1:-1] + L * first[:-1]
            state_bad = ~np.all(
                np.isfinite(grads)
                & np.isfinite(first)
                & np.isfinite(second)
                & np.isfinite(denominator),
                axis=2,
            )
            bad[1:] |= state_bad
    any_bad = bad.any(axis=0)
    first_bad = bad.argmax(axis=0)
    diverged_at = [int(first_bad[r]) if any_bad[r] else None for r in range(R)]

    result = Race(list(names), list(params), points, losses, diverged_at)
    if internals:
        result.grads = grads
        result.lookahead = ahead
        result.first = first
        result.second = second
        result.denominator = denominator
        result.bc1 = bc1
        result.bc2 = bc2
        result.lr = rates
    return result


def _steps_vectorised(surface, start, k, K, C, decay, root_bc2, noise, T, internals):
    """race()'s loop for many runs: one NumPy call per operation and step on (R, 2) arrays."""
    R = k["A"].size
    col = {key: value[:, None] for key, value in k.items()}
    any_lerp = bool(k["lerp"].any())
    all_lerp = bool(k["lerp"].all())
    any_ahead = bool((k["L"] != 0.0).any())
    any_denominator = bool((k["E"] != 0.0).any() or (k["B"] != 0.0).any())
    any_decay = bool((k["wd"] != 0.0).any())
    lerp_rows = col["lerp"]
    points = np.empty((T + 1, R, 2))
    points[:] = start
    # With internals every step's state is kept (rows written once, never updated); without,
    # two alternating rows hold the previous and the new state.
    rows = T if internals else 2
    grads = np.empty((T if internals else 1, R, 2))
    first = np.empty((rows, R, 2))
    second = np.zeros((rows, R, 2))
    m = np.zeros((R, 2))
    s = np.zeros((R, 2))
    u = np.empty((R, 2))
    tmp = np.empty((R, 2))
    A, W, L = col["A"], col["W"], col["L"]
    B, E, eps = col["B"], col["E"], col["eps"]
    lerp_small = bool((np.abs(k["W"][k["lerp"]]) < 0.5).all())
    grad = surface.grad
    with np.errstate(all="ignore"):  # a diverging run overflows: divergence is data
        for i in range(T):
            j = i if internals else i & 1
            x = points[i]
            p = x + L * m if any_ahead else x
            g = grads[i if internals else 0]
            g[:, 0], g[:, 1] = grad(p[:, 0], p[:, 1])
            if noise is not None:
                g += noise[i]
            m_new = first[j]
            if any_lerp and not lerp_small:
                m_new[:] = np.where(lerp_rows, _lerp(m, g, W), m * A + g * C[i])
            elif all_lerp:  # m + W·(g - m)
                np.subtract(g, m, out=m_new)
                m_new *= W
                m_new += m
            else:  # A·m + C·g
                np.multiply(m, A, out=m_new)
                np.multiply(g, C[i], out=tmp)
                m_new += tmp
                if any_lerp:
                    np.subtract(g, m, out=tmp)
                    tmp *= W
                    tmp += m
                    np.copyto(m_new, tmp, where=lerp_rows)
            m = m_new
            if any_denominator:  # s·B + (E·g)·g, then (K·m) / (√s / √bc2 + ε)
                s_new = second[j]
                np.multiply(s, B, out=s_new)
                np.multiply(E, g, out=tmp)
                tmp *= g
                s_new += tmp
                s = s_new
                d = np.sqrt(s)
                d /= root_bc2[i]
                d += eps
                np.multiply(K[i], m, out=u)
                u /= d
            else:
                np.multiply(K[i], m, out=u)
            if any_decay:
                np.multiply(x, decay[i], out=points[i + 1])
                points[i + 1] += u
            else:
                np.add(x, u, out=points[i + 1])
    return points, grads, first, second


def _steps_scalar(surface, start, k, K, C, decay, root_bc2, noise, T, internals):
    """race()'s loop for a few runs: Python floats, run by run, with the vectorised loop's
    arithmetic operation for operation (so the same bits), and none of NumPy's per-call cost.
    """
    R = k["A"].size
    points = np.empty((T + 1, R, 2))
    points[:] = start
    grads = np.zeros((T, R, 2)) if internals else None
    first = np.zeros((T, R, 2)) if internals else None
    second = np.zeros((T, R, 2)) if internals else None
    grad = surface.grad
    sqrt = math.sqrt
    noise_list = noise.tolist() if noise is not None else None
    with np.errstate(all="ignore"):  # surfaces using NumPy functions on scalars may overflow
        for r in range(R):
            L, A, W = float(k["L"][r]), float(k["A"][r]), float(k["W"][r])
            B, E, eps = float(k["B"][r]), float(k["E"][r]), float(k["eps"][r])
            lerp, small = bool(k["lerp"][r]), abs(float(k["W"][r])) < 0.5
            adaptive = B != 0.0 or E != 0.0
            decays = bool(k["wd"][r] != 0.0)
            Ks, Cs = K[:, r, 0].tolist(), C[:, r, 0].tolist()
            Ds, roots = decay[:, r, 0].tolist(), root_bc2[:, r, 0].tolist()
            x, y = float(points[0, r, 0]), float(points[0, r, 1])
            mx = my = sx = sy = 0.0
            path = [x, y]  # flat lists: NumPy converts those fastest
            gs, ms, ss = [], [], []
            for i in range(T):
                px, py = (x + L * mx, y + L * my) if L != 0.0 else (x, y)
                try:
                    gx, gy = grad(px, py)
                except OverflowError:  # a Python float ** overflowed: as NumPy's inf
                    gx = gy = math.inf
                if noise_list is not None:
                    gx += noise_list[i][0]
                    gy += noise_list[i][1]
                if not lerp:
                    mx, my = mx * A + gx * Cs[i], my * A + gy * Cs[i]
                elif small:
                    mx, my = (gx - mx) * W + mx, (gy - my) * W + my
                else:
                    mx, my = gx - (gx - mx) * (1.0 - W), gy - (gy - my) * (1.0 - W)
                if adaptive:
                    sx, sy = sx * B + (E * gx) * gx, sy * B + (E * gy) * gy
                    root = roots[i]
                    dx = _sqrt(sqrt, sx) / root + eps
                    dy = _sqrt(sqrt, sy) / root + eps
                    ux = (Ks[i] * mx) / dx if dx else _by_zero(Ks[i] * mx)
                    uy = (Ks[i] * my) / dy if dy else _by_zero(Ks[i] * my)
                else:
                    ux, uy = Ks[i] * mx, Ks[i] * my
                if decays:
                    x, y = x * Ds[i] + ux, y * Ds[i] + uy
                else:
                    x, y = x + ux, y + uy
                path += (x, y)
                if internals:
                    gs += (gx, gy)
                    ms += (mx, my)
                    ss += (sx, sy)
            points[:, r] = np.array(path, dtype=np.float64).reshape(T + 1, 2)
            if internals:
                grads[:, r] = np.array(gs, dtype=np.float64).reshape(T, 2)
                first[:, r] = np.array(ms, dtype=np.float64).reshape(T, 2)
                second[:, r] = np.array(ss, dtype=np.float64).reshape(T, 2)
    return points, grads, first, second


def _by_zero(v):
    """v / 0.0 as IEEE (and NumPy) has it, where Python would raise."""
    return math.nan if v == 0.0 or v != v else math.copysign(math.inf, v)


def _sqrt(sqrt, v):
    """math.sqrt, but NaN for a negative or NaN input (as np.sqrt) instead of raising."""
    return sqrt(v) if v >= 0.0 else math.nan


def _lerp(m, g, W):
    """torch.lerp's two roundings, chosen per run by |W| < 0.5."""
    return np.where(np.abs(W) < 0.5, m + W * (g - m), g - (g - m) * (1.0 - W))


def run_internals(result: Race, r: int) -> dict[str, np.ndarray]:
    """Run r's per-step quantities (the numbers panel), cut where it diverged; arrays (n, 2)/(n,).

    Only the quantities its optimiser has (Optimizer.internals); n = points kept - 1.
    """
    name = result.names[r]
    n = result.length(r) - 1
    lr = result.lr[:n, r, None]
    grads = result.grads[:n, r]
    den = result.denominator[:n, r]
    update = result.points[1 : n + 1, r] - result.points[:n, r]
    out = {"grad": grads, "update": update}
    if name == "nesterov":
        out["lookahead"] = result.lookahead[:n, r]
    if name in ("momentum", "nesterov"):
        out["velocity"] = result.first[:n, r]
    if name == "adagrad":
        out["sum_sq"] = result.second[:n, r]
    if name == "rmsprop":
        out["mean_sq"] = result.second[:n, r]
    if name in ("adagrad", "rmsprop", "adam", "adamw"):
        out["denominator"] = den
    if name in ("adam", "adamw"):
        bc1 = result.bc1[:n, r]
        bc2 = result.bc2[:n, r]
        out["m"] = result.first[:n, r]
        out["v"] = result.second[:n, r]
        out["bias_correction1"] = bc1
        out["bias_correction2"] = bc2
        out["m_hat"] = out["m"] / bc1[:, None]
        out["v_hat"] = out["v"] / bc2[:, None]
    out["effective_lr"] = lr / den
    out["lr"] = result.lr[:n, r]
    return out
