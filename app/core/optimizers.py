"""The lecture's optimisers: one update rule each, and the catalogue everything else reads.

A rule is written once, element-wise, and steps whatever it is given: a Python float (one
coordinate of one run of the race), an (R,) array (one coordinate of R runs of a search, with
per-run hyper-parameters), or a layer's weight array (the CNN lesson):

    x, state, shown = rule(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False)

x: parameters; g: the gradient at x (for Nesterov at OPTIMIZER.lookahead(x, state, hp));
state: the rule's state by name, zeros before the first step; t: the step, counted from 1;
lr: this step's learning rate (a schedule may change it); hp: the other hyper-parameters;
sqrt: math.sqrt for floats, np.sqrt for arrays. Nothing is updated in place: the new point and
state are new values, so a trajectory can keep every step. With explain=True, `shown` holds the
step's named quantities (the numbers panel); its names are the optimiser's `shows`.

The arithmetic follows torch.optim (CPU, single-tensor path) operation by operation, so with the
same hyper-parameters a trajectory equals torch's to rounding.

To add an optimiser, add its rule and one Optimizer entry to OPTIMIZERS below: the race, the
search, the API schema and catalogue (GET /api/optimizers), the numbers panel and the CNN
lesson all read it from there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.core.errors import InputError
from app.i18n import N_, _, gettext

# ---------------------------------------------------------------- the update rules


def sgd(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """Stochastic gradient descent (torch.optim.SGD).

    x ← x − α·g
    """
    shown = {"effective_lr": lr} if explain else None
    return x - lr * g, state, shown


def momentum(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """SGD + momentum (torch.optim.SGD(momentum=ρ), dampening 0).

    v ← ρ·v + g          (v starts at 0, so the first v is g, as torch's buffer)
    x ← x − α·v
    """
    v = state["v"] * hp["rho"] + g
    shown = {"velocity": v, "effective_lr": lr} if explain else None
    return x - lr * v, {"v": v}, shown


def nesterov(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """Nesterov momentum, the look-ahead form of the lecture; g = ∇f(x + ρ·v).

    v ← ρ·v − α·∇f(x + ρ·v)
    x ← x + v

    torch.optim.SGD(nesterov=True) is the same method written for the look-ahead point
    p = x + ρ·v and buf = −v/α:  buf ← ρ·buf + ∇f(p);  p ← p − α·(∇f(p) + ρ·buf).
    """
    v = state["v"] * hp["rho"] - lr * g
    shown = {"velocity": v, "effective_lr": lr} if explain else None
    return x + v, {"v": v}, shown


def nesterov_lookahead(x, state, hp):
    """Where Nesterov takes its gradient: x + ρ·v (torch's parameter p)."""
    return x + hp["rho"] * state["v"]


def adagrad(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """AdaGrad (torch.optim.Adagrad, initial_accumulator_value 0, lr_decay 0).

    G ← G + g²                         (element-wise; G only grows, so steps only shrink)
    x ← x − α·g / (√G + ε)
    """
    G = state["G"] + g * g
    denominator = sqrt(G) + hp["eps"]
    shown = None
    if explain:
        shown = {"sum_sq": G, "denominator": denominator, "effective_lr": lr / denominator}
    return x - (lr * g) / denominator, {"G": G}, shown


def rmsprop(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """RMSProp (torch.optim.RMSprop with alpha = d).

    G ← d·G + (1 − d)·g²
    x ← x − α·g / (√G + ε)
    """
    d = hp["decay"]
    G = state["G"] * d + ((1.0 - d) * g) * g
    denominator = sqrt(G) + hp["eps"]
    shown = None
    if explain:
        shown = {"mean_sq": G, "denominator": denominator, "effective_lr": lr / denominator}
    return x - (lr * g) / denominator, {"G": G}, shown


def lerp(start, end, weight):
    """start + weight·(end − start), rounded as torch.lerp rounds it (two forms by |weight|)."""
    if isinstance(weight, np.ndarray):
        small = np.abs(weight) < 0.5
        return np.where(small, start + weight * (end - start), end - (end - start) * (1.0 - weight))
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def root(value):
    """√value: math.sqrt for a Python float (as torch takes it), so float32 arrays stay float32."""
    return math.sqrt(value) if isinstance(value, float) else np.sqrt(value)


def adam(x, g, state, t, lr, hp, sqrt=np.sqrt, explain=False):
    """Adam with bias correction, t counted from 1 (torch.optim.Adam); AdamW with weight_decay.

    x ← x·(1 − α·λ)                    (AdamW's decoupled weight decay λ, when hp has it)
    m ← β1·m + (1 − β1)·g
    v ← β2·v + (1 − β2)·g²
    m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)
    x ← x − α·m̂ / (√v̂ + ε)

    Computed as torch does: x − ((α / (1 − β1ᵗ))·m) / (√v / √(1 − β2ᵗ) + ε).
    """
    beta1, beta2 = hp["beta1"], hp["beta2"]
    m = lerp(state["m"], g, 1.0 - beta1)
    v = state["v"] * beta2 + ((1.0 - beta2) * g) * g
    bc1 = 1.0 - beta1**t
    bc2 = 1.0 - beta2**t
    denominator = sqrt(v) / root(bc2) + hp["eps"]
    if "weight_decay" in hp:  # AdamW; torch multiplies even when λ = 0 (exactly x then)
        x = x * (1.0 - lr * hp["weight_decay"])
    shown = None
    if explain:
        shown = {
            "m": m,
            "v": v,
            "bias_correction1": bc1,
            "bias_correction2": bc2,
            "m_hat": m / bc1,
            "v_hat": v / bc2,
            "denominator": denominator,
            "effective_lr": lr / denominator,
        }
    return x - ((lr / bc1) * m) / denominator, {"m": m, "v": v}, shown


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
class Quantity:
    """A number a step shows in the numbers panel, per coordinate ("pair") or per step."""

    name: str
    symbol: str
    meaning: str
    param: str | None = None  # the hyper-parameter the meaning quotes, e.g. "(β1 = 0.9)"
    kind: str = "pair"  # "pair": one value per coordinate; "number": one per step
    schedule_only: bool = False  # shown only while a learning-rate schedule is on
    state: str | None = None  # this is the rule's state of that name after the step


@dataclass(frozen=True)
class Optimizer:
    name: str
    label: str
    label_zh: str
    params: dict[str, Param]
    equations: tuple[str, ...]
    rule: Callable
    state: tuple[str, ...]  # the rule's state, zeros before the first step
    shows: tuple[Quantity, ...]  # what rule(..., explain=True) returns, in panel order
    lookahead: Callable | None = None  # where the gradient is taken, if not at x
    search_second: str | None = None  # the parameter a search pairs with lr by default
    search_ranges: dict[str, tuple[float, float]] | None = None  # the search lesson's preset
    lesson_rates: tuple[float, float, float] = (1e-3, 1e-2, 1e-1)  # too low, good, too high
    lesson_surface: str = "bowl"
    race_default: dict[str, float] | None = None  # in the default race, with these parameters
    decoupled_decay: bool = field(default=False)  # weight decay is the rule's own (AdamW)

    def zero_state(self, like):
        """The state before the first step: zeros shaped like `like` (an array or a float)."""
        if isinstance(like, np.ndarray):
            return {name: np.zeros_like(like) for name in self.state}
        return {name: 0.0 for name in self.state}

    def gradient_point(self, x, state, hp):
        return x if self.lookahead is None else self.lookahead(x, state, hp)


LR = Param(1e-3, 0.0, 1e3, N_("learning rate α"), log=True, low_open=True)
RHO = Param(0.9, 0.0, 0.9999, N_("ρ, the friction (momentum)"))
BETA1 = Param(0.9, 0.0, 0.9999, N_("β1, decay of the first moment (mean)"))
BETA2 = Param(0.999, 0.0, 0.99999, N_("β2, decay of the second moment"))


def eps_param(default: float) -> Param:
    return Param(default, 0.0, 1.0, N_("ε, added to the root of the squared-gradient average"))


# Quantities several optimisers show.
GRAD = Quantity("grad", "g = ∇f", N_("gradient"))
LOOKAHEAD = Quantity("lookahead", "x + ρ·v", N_("look-ahead point, where g is taken"))
RATE = Quantity("lr", "α_t", N_("learning rate this step"), "lr", "number", schedule_only=True)
STEP_SIZE = Quantity("effective_lr", "α", N_("step size, the same for every coordinate"))
UPDATE = Quantity("update", "Δx = x_{t+1} − x_t", N_("the update"))
ADAM_SHOWS = (
    Quantity("m", "m ← β1·m + (1 − β1)·g", N_("first moment"), "beta1", state="m"),
    Quantity("v", "v ← β2·v + (1 − β2)·g²", N_("second moment"), "beta2", state="v"),
    Quantity("bias_correction1", "1 − β1ᵗ", N_("bias correction of m"), kind="number"),
    Quantity("bias_correction2", "1 − β2ᵗ", N_("bias correction of v"), kind="number"),
    Quantity("m_hat", "m̂ = m / (1 − β1ᵗ)", N_("bias-corrected mean")),
    Quantity("v_hat", "v̂ = v / (1 − β2ᵗ)", N_("bias-corrected second moment")),
    Quantity("denominator", "√v̂ + ε", N_("denominator"), "eps"),
    Quantity("effective_lr", "α / (√v̂ + ε)", N_("effective step size")),
)
ADAM_EQUATIONS = (
    "m ← β1·m + (1 − β1)·g",
    "v ← β2·v + (1 − β2)·g²",
    "m̂ = m / (1 − β1ᵗ),  v̂ = v / (1 − β2ᵗ)   (t = 1, 2, …)",
    "x ← x − α·m̂ / (√v̂ + ε)",
)
ADAPTIVE_SEARCH = {"lr": (1e-4, 1.0), "second": (0.0, 0.99)}

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer(
            name="sgd",
            label=N_("SGD"),
            label_zh="随机梯度下降",
            params={"lr": LR},
            equations=("x ← x − α·g",),
            rule=sgd,
            state=(),
            shows=(STEP_SIZE,),
            lesson_rates=(0.02, 0.9, 1.05),
            race_default={"lr": 0.001},
        ),
        Optimizer(
            name="momentum",
            label=N_("SGD + Momentum"),
            label_zh="动量",
            params={"lr": LR, "rho": RHO},
            equations=("v ← ρ·v + g", "x ← x − α·v"),
            rule=momentum,
            state=("v",),
            shows=(
                Quantity("velocity", "v ← ρ·v + g", N_("velocity"), "rho", state="v"),
                STEP_SIZE,
            ),
            search_second="rho",
            search_ranges={"lr": (1e-5, 1e-2), "second": (0.0, 0.99)},
            lesson_rates=(0.002, 0.1, 2.0),
            race_default={"lr": 0.001, "rho": 0.9},
        ),
        Optimizer(
            name="nesterov",
            label=N_("Nesterov momentum"),
            label_zh="Nesterov 动量",
            params={"lr": LR, "rho": RHO},
            equations=("v ← ρ·v − α·∇f(x + ρ·v)", "x ← x + v"),
            rule=nesterov,
            state=("v",),
            shows=(
                Quantity("velocity", "v ← ρ·v − α·g", N_("velocity"), "rho", state="v"),
                STEP_SIZE,
            ),
            lookahead=nesterov_lookahead,
            search_second="rho",
            search_ranges={"lr": (1e-5, 1e-2), "second": (0.0, 0.99)},
            lesson_rates=(0.002, 0.1, 2.0),
        ),
        Optimizer(
            name="adagrad",
            label=N_("AdaGrad"),
            label_zh="AdaGrad",
            params={"lr": LR, "eps": eps_param(1e-7)},
            equations=("G ← G + g²", "x ← x − α·g / (√G + ε)"),
            rule=adagrad,
            state=("G",),
            shows=(
                Quantity("sum_sq", "G ← G + g²", N_("sum of squared gradients"), state="G"),
                Quantity("denominator", "√G + ε", N_("denominator"), "eps"),
                Quantity("effective_lr", "α / (√G + ε)", N_("effective step size")),
            ),
            search_second="eps",
            lesson_rates=(0.003, 2.0, 60.0),
            lesson_surface="rosenbrock",
        ),
        Optimizer(
            name="rmsprop",
            label=N_("RMSProp"),
            label_zh="RMSProp",
            params={
                "lr": LR,
                "decay": Param(
                    0.99, 0.0, 0.9999, N_("d, decay rate of the squared-gradient average")
                ),
                "eps": eps_param(1e-7),
            },
            equations=("G ← d·G + (1 − d)·g²", "x ← x − α·g / (√G + ε)"),
            rule=rmsprop,
            state=("G",),
            shows=(
                Quantity(
                    "mean_sq", "G ← d·G + (1 − d)·g²", N_("running mean of g²"), "decay", state="G"
                ),
                Quantity("denominator", "√G + ε", N_("denominator"), "eps"),
                Quantity("effective_lr", "α / (√G + ε)", N_("effective step size")),
            ),
            search_second="decay",
            search_ranges={"lr": (1e-4, 1.0), "second": (0.5, 0.999)},
            lesson_rates=(0.0003, 0.2, 10.0),
            lesson_surface="rosenbrock",
            race_default={"lr": 0.01},
        ),
        Optimizer(
            name="adam",
            label=N_("Adam"),
            label_zh="Adam",
            params={"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": eps_param(1e-8)},
            equations=ADAM_EQUATIONS,
            rule=adam,
            state=("m", "v"),
            shows=ADAM_SHOWS,
            search_second="beta1",
            search_ranges=ADAPTIVE_SEARCH,
            lesson_rates=(0.001, 0.6, 30.0),
            lesson_surface="rosenbrock",
            race_default={"lr": 0.05},
        ),
        Optimizer(
            name="adamw",
            label=N_("AdamW"),
            label_zh="AdamW",
            params={
                "lr": LR,
                "beta1": BETA1,
                "beta2": BETA2,
                "eps": eps_param(1e-8),
                "weight_decay": Param(0.01, 0.0, 10.0, N_("λ, decoupled weight decay")),
            },
            equations=("x ← x·(1 − α·λ)", *ADAM_EQUATIONS),
            rule=adam,
            state=("m", "v"),
            shows=ADAM_SHOWS,
            search_second="beta1",
            search_ranges=ADAPTIVE_SEARCH,
            lesson_rates=(0.001, 0.6, 30.0),
            lesson_surface="rosenbrock",
            decoupled_decay=True,
        ),
    )
}


def quantities(optimizer: Optimizer) -> tuple[Quantity, ...]:
    """Every quantity a step of this optimiser reports, in the numbers panel's order.

    The gradient (and where it was taken), the step's learning rate, the rule's own quantities
    and the update x_{t+1} − x_t.
    """
    ahead = (LOOKAHEAD,) if optimizer.lookahead is not None else ()
    return (*ahead, GRAD, RATE, *optimizer.shows, UPDATE)


def get_optimizer(name: str, field: str = "optimizers") -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise InputError(
            _("unknown optimiser {name!r}; choose one of {value}").format(
                name=name, value=", ".join(OPTIMIZERS)
            ),
            field,
        ) from None


def resolve(name: str, params: dict, field: str = "optimizers") -> dict:
    """The optimiser's full hyper-parameters: defaults filled in, each checked against its range."""
    optimizer = get_optimizer(name, field)
    unknown = sorted(set(params) - set(optimizer.params))
    if unknown:
        raise InputError(
            _("{label} has no parameter {unknown!r}; its parameters are {value}").format(
                label=gettext(optimizer.label),
                unknown=unknown[0],
                value=", ".join(optimizer.params),
            ),
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
                _("{label}: {key} must be {low} and <= {high:g}, got {value:g}").format(
                    label=gettext(optimizer.label), key=key, low=low, high=spec.high, value=value
                ),
                f"{field}.{key}",
            )
        out[key] = value
    return out


def hyper(params: dict) -> dict:
    """What a rule takes as hp: every hyper-parameter but the learning rate."""
    return {key: value for key, value in params.items() if key != "lr"}
