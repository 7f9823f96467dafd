"""Learning-rate schedules, stepped as torch.optim.lr_scheduler steps them."""

from __future__ import annotations

import math

import numpy as np

from app.core.errors import InputError
from app.i18n import _

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
    raise InputError(
        _("schedule must be one of {value}, got {kind!r}").format(
            value=", ".join(SCHEDULES), kind=kind
        ),
        "schedule",
    )
