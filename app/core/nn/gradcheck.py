"""Gradient check: back-propagation's gradient against float64 central differences.

For a sample of entries of every parameter array, the numerical derivative
    n = (L(p + h·e) − L(p − h·e)) / 2h
(two forward passes each, training mode, the same batch) beside the analytic one a, and the
relative error |a − n| / max(|a|, |n|) (0 when both are 0), as CS231n's gradient check.
"""

from __future__ import annotations

import numpy as np

from app.core.errors import InputError
from app.core.nn.layers import softmax_cross_entropy
from app.core.nn.network import MAX_PASS_WORK, Network
from app.i18n import N_, NP_, gettext, pgettext

MEANING = N_(
    "relative error |a − n| / max(|a|, |n|) in float64: below 1e-7 the gradient is right; up to "
    "1e-4 is fine for entries whose gradient is tiny (rounding) or that sit near a kink (ReLU at "
    "0, a max-pooling tie); above 1e-2 the gradient is probably wrong, unless a ReLU input sits "
    "exactly on its kink: with zero biases (the initialisation) a window of black pixels gives "
    "exactly 0, where the central difference averages the two slopes (0 and 1) and "
    "back-propagation takes ReLU'(0) = 0, as PyTorch does"
)

# (upper bound, verdict, what it means) for the largest relative error of a parameter array, as
# CS231n's notes read them. The verdict is a fixed key (the API's, in English); its label, in the
# request's language, is pgettext(VERDICT_CONTEXT, verdict).
VERDICT_CONTEXT = "gradient check verdict"
VERDICTS = (
    (
        1e-7,
        NP_("gradient check verdict", "right"),
        N_("the analytic gradient agrees with the central difference"),
    ),
    (
        1e-4,
        NP_("gradient check verdict", "fine"),
        N_("usual for tiny gradients (rounding) or entries near a kink"),
    ),
    (
        1e-2,
        NP_("gradient check verdict", "uncomfortable"),
        N_("worth a look: large for a smooth network, possible near kinks"),
    ),
    (
        float("inf"),
        NP_("gradient check verdict", "wrong or a kink"),
        N_("probably a wrong gradient, unless a ReLU input sits exactly on its kink"),
    ),
)


def verdict(error: float) -> str:
    """The VERDICTS key of a largest relative error."""
    return next(key for bound, key, _ in VERDICTS if error <= bound)


def verdict_label(key: str) -> str:
    """A verdict as the page shows it, in the request's language."""
    return pgettext(VERDICT_CONTEXT, key)


def chosen_entries(size: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """All flat indices of a small array, else `samples` distinct ones, sorted."""
    if size <= samples:
        return np.arange(size)
    return np.sort(rng.choice(size, samples, replace=False))


def check_work(network: Network, batch: int, samples: int) -> None:
    entries = sum(min(slot.size, samples) for slot in network.slots)
    work = (2 * entries + 3) * batch * network.flops()
    if work > MAX_PASS_WORK:
        raise InputError(
            gettext(
                "checking {entries} entries takes {value} forward passes of "
                "{batch} examples, about {work:.2e} multiply-adds, more than "
                "{MAX_PASS_WORK:.0e}: use fewer samples or examples"
            ).format(
                entries=entries,
                value=2 * entries,
                batch=batch,
                work=work,
                MAX_PASS_WORK=MAX_PASS_WORK,
            ),
            "samples",
        )


def gradcheck(network: Network, flat, x, labels, samples=10, h=1e-5, seed=0) -> dict:
    """Per parameter array: the entries checked, analytic and numerical values, relative errors."""
    flat = np.asarray(flat, np.float64)
    x = np.asarray(x, np.float64)
    loss, _, _, backward, _ = network.loss_and_gradients(flat, x, labels)
    rng = np.random.default_rng([seed, 0x6C])

    def loss_at(p):
        forward = network.forward(network.unflatten(p), x, train=True)
        return softmax_cross_entropy(forward.logits, labels)[0]

    checks = []
    for slot in network.slots:
        entries = chosen_entries(slot.size, samples, rng)
        analytic, numerical = [], []
        for e in entries:
            k = slot.offset + int(e)
            p = flat.copy()
            p[k] = flat[k] + h
            up = loss_at(p)
            p[k] = flat[k] - h
            down = loss_at(p)
            numerical.append((up - down) / (2 * h))
            analytic.append(float(backward.flat[k]))
        a, n = np.array(analytic), np.array(numerical)
        scale = np.maximum(np.abs(a), np.abs(n))
        errors = np.where(scale > 0, np.abs(a - n) / np.where(scale > 0, scale, 1), 0.0)
        checks.append(
            {
                "layer": slot.layer,
                "type": network.layers[slot.layer].type,
                "param": slot.name,
                "shape": list(slot.shape),
                "entries": [list(map(int, np.unravel_index(e, slot.shape))) for e in entries],
                "analytic": a.tolist(),
                "numerical": n.tolist(),
                "relative_errors": errors.tolist(),
                "max_relative_error": float(errors.max()),
                "verdict": verdict(float(errors.max())),
                "label": verdict_label(verdict(float(errors.max()))),
            }
        )
    worst = max((c["max_relative_error"] for c in checks), default=0.0)
    return {
        "loss": loss,
        "h": h,
        "checks": checks,
        "max_relative_error": worst,
        "verdict": verdict(worst),
        "label": verdict_label(verdict(worst)),
        "meaning": gettext(MEANING),
        "verdicts": [
            {
                "up_to": bound if bound < float("inf") else None,
                "verdict": key,
                "label": verdict_label(key),
                "meaning": gettext(meaning),
            }
            for bound, key, meaning in VERDICTS
        ],
    }
