"""Training the network on a data set in chunks of steps, with the optimiser lesson's rules.

A run is a RunConfig (architecture, data, seed, initialisation, optimiser, batch size, weight
decay) and a TrainState (step t, the optimiser's variable x, its state, batch norm's running
averages). Each step t = 1, 2, ...:

    p  = opt.gradient_point(x, state, hp)        the network's parameters (Nesterov: x + ρ·v)
    g  = ∇L(p; batch t) (+ λ·p, coupled weight decay)
    x, state = opt.rule(x, g, state, t, lr, hp)   the one definition of each rule (optimizers.py)

so a run equals torch.optim's on the same batches from the same initial parameters
(torch.optim.SGD(nesterov=True) steps p itself; p0 = x0 since v starts at 0). The parameters,
gradients and optimiser state are flat vectors (network.py): each rule runs once per step on all
the parameters, element-wise, exactly as it would array by array.

Weight decay λ: added to the gradient (g + λ·p, as torch.optim's weight_decay) for sgd,
momentum, nesterov, adagrad, rmsprop and adam, on every parameter (one parameter group); for
adamw it is the rule's own decoupled weight_decay (p ← p·(1 − α·λ)).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from app.core import datasets, optimizers
from app.core.errors import InputError
from app.core.nn.halves import StepPasses
from app.core.nn.layers import BatchNorm, softmax_cross_entropy, update_running
from app.core.nn.network import INIT_SCHEMES, MAX_BATCH_ACTIVATIONS, Forward, Network
from app.core.parallel import on_one_thread, one_blas_thread_here
from app.i18n import gettext

PRECISIONS = {"float32": np.float32, "float64": np.float64}
MAX_BATCH = 256
MAX_STEPS = 1000  # per chunk
MAX_TOTAL_STEPS = 1_000_000  # a state's step counter
MAX_TRAIN_PARAMS = 50_000  # a LeNet-like net on 28×28 has about 44,000
# Values a state carries: parameters × (1 + the optimiser's state arrays) + running averages.
# 160,000 float64 values are 1.7 MB of base64, so the largest state fits the default 2 MB body.
MAX_STATE_VALUES = 160_000
# Work of one chunk in multiply-add equivalents (network.flops(): conv and linear products plus
# ELEMENTWISE_COST per element-wise value): steps × batch × 3 (forward, and backward at about
# twice its cost) plus the evaluation's forward passes. 2e10 is about 210 steps of the default
# net at batch 64, 2 to 3 seconds on one core.
MAX_CHUNK_WORK = 20_000_000_000
# Indices listed in `batches`: steps × batch_size.
MAX_LISTED_EXAMPLES = 64_000
EVAL_BATCH = 500
# The smoothed loss: an exponential moving average s ← β·s + (1 − β)·loss, debiased as
# s / (1 − βᵗ) (as TensorBoard's smoothing and Adam's bias correction), about the last
# 1/(1 − β) = 20 batches. Its running s travels in the state, so chunks of any size give the same
# curve.
LOSS_SMOOTHING = 0.95
DEAD_TYPES = ("relu", "leaky_relu", "elu")
# ‖Δw‖/‖w‖ of a healthy step (CS231n's rule of thumb): far below, a layer hardly learns.
UPDATE_RATIO_RULE = 1e-3  # a unit is dead when its output is ≤ 0 on the batch


@dataclass(frozen=True)
class RunConfig:
    layers: tuple  # normalised layer specs (dicts), as the network holds them
    dataset: str
    seed: int
    init: str
    optimizer: str
    lr: float
    hp: dict  # every hyper-parameter but lr (optimizers.hyper); AdamW's includes weight_decay
    batch_size: int
    weight_decay: float  # coupled λ (0 for AdamW, whose λ is in hp)
    subset: int | None = None  # train on these many examples only (subset_indices)

    def digest(self) -> str:
        """A fingerprint of everything that decides the run's numbers (the precision aside)."""
        fields = {
            "layers": list(self.layers),
            "dataset": self.dataset,
            "seed": self.seed,
            "init": self.init,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "hp": self.hp,
            "batch_size": self.batch_size,
            "weight_decay": self.weight_decay,
        }
        if self.subset is not None:
            fields["subset"] = self.subset
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def examples(self, info: datasets.DatasetInfo) -> int:
        """How many training examples the run draws its batches from."""
        return self.subset if self.subset is not None else info.train_size

    def batch(self, info: datasets.DatasetInfo, step: int, orders: dict | None = None):
        """The training examples (indices in the training set) of step `step`, from 1."""
        if self.subset is None:
            return datasets.batch_indices(
                info.name, info.train_size, self.seed, self.batch_size, step, orders
            )
        chosen = datasets.subset_indices(info.name, info.train_size, self.seed, self.subset)
        order = datasets.batch_indices(
            info.name, self.subset, self.seed, self.batch_size, step, orders
        )
        return chosen[order]


def make_config(
    network: Network,
    dataset: str,
    seed: int,
    init: str,
    optimizer: str,
    params: dict,
    batch_size: int,
    weight_decay: float,
    subset: int | None = None,
    train_size: int | None = None,
) -> RunConfig:
    """Resolve the optimiser's hyper-parameters (defaults, ranges, as POST /api/optimize) and
    place weight decay: AdamW's own decoupled λ (its default 0.01) unless weight_decay > 0,
    which then sets it; every other optimiser adds weight_decay·p to the gradient.

    subset: train on that many seeded training examples only (of train_size), batch_size of
    them per step (the sanity check: a network should overfit a tiny batch to near-zero loss).
    """
    if init not in INIT_SCHEMES:
        raise InputError(
            gettext("unknown init scheme {init!r}: choose one of {value}").format(
                init=init, value=", ".join(INIT_SCHEMES)
            ),
            "init",
        )
    opt = optimizers.get_optimizer(optimizer, "optimizer.name")
    resolved = optimizers.resolve(optimizer, params, "optimizer")
    hp = optimizers.hyper(resolved)
    if not 0 <= weight_decay <= 10:
        raise InputError(
            gettext("weight_decay must be from 0 to 10, got {weight_decay}").format(
                weight_decay=weight_decay
            ),
            "weight_decay",
        )
    if opt.decoupled_decay:
        if weight_decay > 0:
            hp["weight_decay"] = float(weight_decay)
        weight_decay = 0.0
    if not 1 <= batch_size <= MAX_BATCH:
        raise InputError(
            gettext("batch_size must be from 1 to {MAX_BATCH}, got {batch_size}").format(
                MAX_BATCH=MAX_BATCH, batch_size=batch_size
            ),
            "batch_size",
        )
    if subset is not None:
        most = train_size if train_size is not None else subset
        if not batch_size <= subset <= most:
            raise InputError(
                gettext(
                    "subset must be from the batch size {batch_size} to the {most:,} "
                    "training examples, got {subset}"
                ).format(batch_size=batch_size, most=most, subset=subset),
                "subset",
            )
    return RunConfig(
        subset=None if subset is None else int(subset),
        layers=tuple(layer.spec for layer in network.layers),
        dataset=dataset,
        seed=int(seed),
        init=init,
        optimizer=optimizer,
        lr=float(resolved["lr"]),
        hp=hp,
        batch_size=int(batch_size),
        weight_decay=float(weight_decay),
    )


@dataclass
class TrainState:
    step: int  # steps taken so far (t of the last step)
    x: np.ndarray  # (P,) the optimiser's variable
    opt_state: dict[str, np.ndarray]  # (P,) each, by the rule's state names
    running: np.ndarray  # (R,) batch norm's running mean and var, layer by layer
    precision: str
    loss_ema: float = 0.0  # the smoothed loss's running s before debiasing (LOSS_SMOOTHING)


def running_size(network: Network) -> int:
    return sum(2 * layer.in_shape[0] for layer in network.batchnorms)


def running_list(network: Network, flat: np.ndarray) -> list[dict | None]:
    """flat (R,) -> per layer {"mean", "var"} views (None for layers without batch norm)."""
    result, offset = [], 0
    for layer in network.layers:
        if isinstance(layer, BatchNorm):
            C = layer.in_shape[0]
            result.append(
                {"mean": flat[offset : offset + C], "var": flat[offset + C : offset + 2 * C]}
            )
            offset += 2 * C
        else:
            result.append(None)
    return result


def running_flat(network: Network, running: list, dtype) -> np.ndarray:
    parts = [np.concatenate([r["mean"], r["var"]]) for r in running if r is not None]
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def new_state(network: Network, config: RunConfig, precision: str) -> TrainState:
    """Step 0: initial parameters from the seed, zero optimiser state, running mean 0, var 1."""
    dtype = PRECISIONS[precision]
    x = network.init_params(config.init, config.seed, dtype)
    opt = optimizers.OPTIMIZERS[config.optimizer]
    running = running_flat(network, network.zero_running(dtype), dtype)
    return TrainState(0, x, opt.zero_state(x), running, precision)


def network_params(state: TrainState, config: RunConfig) -> np.ndarray:
    """The network's parameters for the next forward pass: opt.gradient_point(x, state, hp)."""
    opt = optimizers.OPTIMIZERS[config.optimizer]
    return opt.gradient_point(state.x, state.opt_state, config.hp)


def state_values(network: Network, optimizer: str) -> int:
    arrays = 1 + len(optimizers.OPTIMIZERS[optimizer].state)
    return network.num_params * arrays + running_size(network)


def check_work(
    network: Network, batch_size: int, steps: int, evaluate: bool, optimizer: str = "adam"
) -> None:
    """Refuse a chunk whose work, memory or response would be too large, before computing."""
    if network.num_params > MAX_TRAIN_PARAMS:
        raise InputError(
            gettext(
                "the network has {num_params:,} parameters; training takes at "
                "most {MAX_TRAIN_PARAMS:,}: use fewer filters or a smaller "
                "linear layer"
            ).format(num_params=network.num_params, MAX_TRAIN_PARAMS=MAX_TRAIN_PARAMS),
            "layers",
        )
    if state_values(network, optimizer) > MAX_STATE_VALUES:
        raise InputError(
            gettext(
                "the training state of this network with {optimizer} would hold "
                "{value:,} values, more than {MAX_STATE_VALUES:,}: use a smaller "
                "network (or an optimiser with less state, e.g. sgd or momentum)"
            ).format(
                optimizer=optimizer,
                value=state_values(network, optimizer),
                MAX_STATE_VALUES=MAX_STATE_VALUES,
            ),
            "layers",
        )
    if not 1 <= steps <= MAX_STEPS:
        raise InputError(
            gettext("steps must be from 1 to {MAX_STEPS}, got {steps}").format(
                MAX_STEPS=MAX_STEPS, steps=steps
            ),
            "steps",
        )
    values = batch_size * network.activation_size()
    if values > MAX_BATCH_ACTIVATIONS:
        raise InputError(
            gettext(
                "a batch of {batch_size} keeps {values:,} values through the "
                "network, more than {MAX_BATCH_ACTIVATIONS:,}: use a smaller "
                "batch or smaller layers"
            ).format(
                batch_size=batch_size, values=values, MAX_BATCH_ACTIVATIONS=MAX_BATCH_ACTIVATIONS
            ),
            "batch_size",
        )
    if steps * batch_size > MAX_LISTED_EXAMPLES:
        raise InputError(
            gettext(
                "steps × batch_size = {value:,} examples is more than one chunk "
                "lists ({MAX_LISTED_EXAMPLES:,}): ask for fewer steps per chunk"
            ).format(value=steps * batch_size, MAX_LISTED_EXAMPLES=MAX_LISTED_EXAMPLES),
            "steps",
        )
    work = chunk_work(network, batch_size, steps, evaluate)
    if work > MAX_CHUNK_WORK:
        per_step = chunk_work(network, batch_size, 1, False)
        raise InputError(
            gettext(
                "{steps} steps of this network at batch {batch_size} are about "
                "{work:.2e} multiply-adds, over the limit of "
                "{MAX_CHUNK_WORK:.0e} per request: ask for at most {value} steps "
                "per chunk"
            ).format(
                steps=steps,
                batch_size=batch_size,
                work=work,
                MAX_CHUNK_WORK=MAX_CHUNK_WORK,
                value=max(1, MAX_CHUNK_WORK // per_step),
            ),
            "steps",
        )


def max_chunk_steps(network: Network, batch_size: int, evaluate: bool) -> int:
    """The most steps one chunk of this network at this batch size may take (check_work's
    bounds on steps, listed examples and work)."""
    per_step = chunk_work(network, batch_size, 1, False)
    budget = MAX_CHUNK_WORK - (chunk_work(network, batch_size, 0, True) if evaluate else 0)
    return max(0, min(MAX_STEPS, MAX_LISTED_EXAMPLES // batch_size, budget // per_step))


def chunk_work(network: Network, batch_size: int, steps: int, evaluate: bool) -> int:
    work = 3 * steps * batch_size * network.flops()
    if evaluate:
        work += 2 * datasets.EVAL_SIZE * network.flops()
    return work


@dataclass
class Chunk:
    """What a chunk of steps returns (everything per step is indexed by step − first step)."""

    state: TrainState
    losses: list[float] = field(default_factory=list)
    smoothed_losses: list[float] = field(default_factory=list)
    batch_accuracy: list[float] = field(default_factory=list)
    batches: list[np.ndarray] = field(default_factory=list)
    initial_loss: float | None = None
    initial_params: np.ndarray | None = None
    layer_stats: list[dict] | None = None
    stats_history: list[tuple[int, list[dict]]] = field(default_factory=list)
    evaluation: dict | None = None
    diverged_at: int | None = None


def all_finite(*arrays) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


def train_chunk(
    network: Network,
    data: datasets.Dataset,
    config: RunConfig,
    state: TrainState,
    steps: int,
    evaluate: bool = False,
    stats_every: int | None = None,
) -> Chunk:
    """Steps state.step + 1 ... state.step + steps; stops early at the first non-finite loss,
    parameter or optimiser state (diverged_at: that step; the state stays before it).

    stats_every: also keep the layer statistics of every step t with t % stats_every == 0 (the
    same steps whatever the chunks, so a replayed run lists the same ones)."""
    chunk = Chunk(state)
    if state.step == 0:
        chunk.initial_params = network_params(state, config).copy()
    # Divergence is data. The steps' small passes run on this thread; the evaluation's batches
    # of 500 split over the pool, one BLAS thread each (parallel.py).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        with on_one_thread():
            chunk.state = run_steps(network, data, config, state, steps, chunk, stats_every)
        if evaluate:
            with one_blas_thread_here():
                chunk.evaluation = evaluate_run(network, data, chunk.state, config)
    return chunk


def run_steps(
    network, data, config: RunConfig, state: TrainState, steps: int, chunk: Chunk, stats_every
):
    """The loop of train_chunk: records each finite step in chunk; returns the last state."""
    dtype = PRECISIONS[state.precision]
    opt = optimizers.OPTIMIZERS[config.optimizer]
    hp, lr, decay = config.hp, config.lr, config.weight_decay
    info = data.info
    orders: dict = {}  # each epoch's batch order, computed once
    x, opt_state, running = state.x, state.opt_state, state.running
    ema, beta = state.loss_ema, LOSS_SMOOTHING
    t = state.step
    with StepPasses(network, config.batch_size) as passes:
        for k in range(steps):
            t = state.step + k + 1
            last, listed = k == steps - 1, stats_every is not None and t % stats_every == 0
            indices = config.batch(info, t, orders)
            xb = data.train_x[indices].astype(dtype, copy=False)
            yb = data.train_y[indices]
            p = opt.gradient_point(x, opt_state, hp)
            loss, probs, forwards, backward = passes(p, xb, yb, keep_outputs=last or listed)
            g = backward.flat + decay * p if decay else backward.flat
            new_x, new_state, _ = opt.rule(x, g, opt_state, t, lr, hp)
            # a net with batch norm runs in one part: forwards[0] is the whole batch's
            new_running = batch_running(network, forwards[0], running)
            if not (math.isfinite(loss) and all_finite(new_x, *new_state.values(), new_running)):
                chunk.diverged_at = t
                t -= 1
                break
            if t == 1:
                chunk.initial_loss = loss
            ema = beta * ema + (1 - beta) * loss
            chunk.losses.append(loss)
            chunk.smoothed_losses.append(ema / (1 - beta**t))
            chunk.batch_accuracy.append(float((probs.argmax(axis=1) == yb).mean()))
            chunk.batches.append(indices)
            if last or listed:
                new_p = opt.gradient_point(new_x, new_state, hp)
                stats = layer_stats(network, joined(forwards), backward, p, new_p)
                if last:
                    chunk.layer_stats = stats
                if listed:
                    chunk.stats_history.append((t, stats))
            x, opt_state, running = new_x, new_state, new_running
    return TrainState(t, x, opt_state, running, state.precision, ema)


def joined(forwards: list[Forward]) -> Forward:
    """The parts' forward passes as one, outputs only (what layer_stats reads)."""
    if len(forwards) == 1:
        return forwards[0]
    outputs = [np.concatenate(parts) for parts in zip(*(f.outputs for f in forwards), strict=True)]
    return Forward(outputs, [], forwards[0].params, forwards[0].train)


def batch_running(network: Network, forward, running: np.ndarray) -> np.ndarray:
    """Batch norm's running averages after this training forward pass (a new flat array)."""
    if running.size == 0:
        return running
    current = running_list(network, running)
    updated = [
        update_running(current[layer.index], forward.caches[layer.index], layer.spec["momentum"])
        for layer in network.batchnorms
    ]
    return running_flat(network, updated, running.dtype)


def norm(a) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def layer_stats(network: Network, forward, backward, p_before, p_after) -> list[dict]:
    """Per layer, for the step's batch: the main parameter's (weight, or γ) norm, gradient norm
    and update/weight ratio ‖Δw‖/‖w‖; the output's mean and std; for ReLU-like layers the
    share of units (channel × position) whose output is ≤ 0 on every example (dead) and the
    share of outputs ≤ 0."""
    before = network.unflatten(p_before)
    after = network.unflatten(p_after)
    stats = []
    for layer in network.layers:
        i = layer.index
        out = forward.outputs[i]
        entry = {
            "layer": i,
            "type": layer.type,
            "param": None,
            "weight_norm": None,
            "grad_norm": None,
            "update_ratio": None,
            # In the run's precision (NumPy's pairwise sums): a third of the float64 time, and
            # the page shows four digits. Every chunk pays it once, so a 1-step chunk notices.
            "activation_mean": float(out.mean()),
            "activation_std": float(out.std()),
            "dead_fraction": None,
            "inactive_fraction": None,
        }
        if layer.param_shapes:
            name = next(iter(layer.param_shapes))
            w = before[i][name]
            w_norm = norm(w)
            entry.update(
                param=name,
                weight_norm=w_norm,
                grad_norm=norm(backward.grads[i]["d" + name]),
                update_ratio=norm(after[i][name] - w) / w_norm if w_norm > 0 else None,
            )
        if layer.type in DEAD_TYPES:
            inactive = out <= 0
            dead = inactive.all(axis=0)
            entry["dead_fraction"] = np.count_nonzero(dead) / dead.size
            entry["inactive_fraction"] = np.count_nonzero(inactive) / inactive.size
        stats.append(entry)
    return stats


def predict(network: Network, flat, running_flat_, x, dtype, batch=EVAL_BATCH) -> np.ndarray:
    """Scores (N, K) in evaluation mode (batch norm with its running averages), in batches
    that keep at most MAX_BATCH_ACTIVATIONS values."""
    batch = max(1, min(batch, MAX_BATCH_ACTIVATIONS // network.activation_size()))
    params = network.unflatten(flat)
    running = running_list(network, running_flat_)
    scores = []
    for start in range(0, len(x), batch):
        xb = x[start : start + batch].astype(dtype, copy=False)
        scores.append(network.forward(params, xb, train=False, running=running).logits)
    return np.concatenate(scores)


def evaluate_run(network: Network, data: datasets.Dataset, state: TrainState, config) -> dict:
    """Accuracy (and loss) on fixed subsets of EVAL_SIZE training and test examples, in
    evaluation mode, with the network's current parameters."""
    dtype = PRECISIONS[state.precision]
    p = network_params(state, config)
    result = {}
    for split in ("train", "test"):
        xs, ys = data.split(split)
        chosen = datasets.eval_indices(len(xs))
        scores = predict(network, p, state.running, xs[chosen], dtype)
        loss, probs, _ = softmax_cross_entropy(scores, ys[chosen])
        result[f"{split}_accuracy"] = float((probs.argmax(axis=1) == ys[chosen]).mean())
        result[f"{split}_loss"] = loss if math.isfinite(loss) else None
        result[f"{split}_examples"] = len(chosen)
    return result
