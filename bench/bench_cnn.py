"""The CNN lesson end to end through the API, against torch (CPU) side by side.

    python bench/bench_cnn.py                 # step time ratio, then time to accuracy
    python bench/bench_cnn.py --part step     # only the step time ratio
    python bench/bench_cnn.py --part accuracy # only the time to 95% (shapes) / 85% (fashion)
    python bench/bench_cnn.py --part check    # correctness against torch autograd and torch.optim

Not a test: prints times, ratios and deviations. Torch is optional (pip install torch==2.13.0,
a CPU build) and only needed for the step ratio and the check.

- step: one training step of the default net (conv 3×3×8 pad 1, ReLU, max pool 2, conv 3×3×16
  pad 1, ReLU, max pool 2, linear 784→10; batch 64; 28×28; float32; Adam) through
  POST /api/cnn/train in chunks of 50 steps (JSON, the state string and all), against torch's
  CPU training step for the same network, batch and optimiser, in the same process with the
  same number of threads (torch.set_num_threads = the BLAS threads NumPy uses, --threads; the
  API's step uses two cores when there are two: its second half of the batch runs on the
  worker's companion process, app/core/nn/halves.py). Alternating rounds; prints best and
  median per step and their ratio (the target: ≤ 1.5). Measure on a quiet machine: on a busy
  one the API computes both halves on one core.
- accuracy: the default net trained through the API (Adam, lr 3e-3 on shapes, 2e-3 on
  fashion, chunks of 50 steps, evaluating on the full test set between chunks, outside the
  clock): the training time until the test accuracy reaches 95% on shapes and 85% on fashion,
  with the curve's figures at each checkpoint.
- check: /api/cnn/gradients against torch autograd (float64), and K steps of /api/cnn/train in
  float64 (two chunks) against K steps of torch.optim on the same batches from the same initial
  parameters, for every optimiser with and without weight decay, on a network with every layer
  type (batch norm on maps and on vectors); prints the worst relative deviations.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from app.core import datasets  # noqa: E402
from app.core.nn import state as nn_state  # noqa: E402
from app.core.nn import train as nn_train  # noqa: E402
from app.core.nn.network import build_network  # noqa: E402
from app.main import app  # noqa: E402
from app.settings import get_settings  # noqa: E402

DEFAULT_NET = [
    {"type": "conv", "filters": 8, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 16, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 10},
]
# Every layer type, batch norm on maps and on vectors, a stride-2 conv, a floor in avg pooling.
# Batch norm comes after the activations: right after a conv or linear layer it would cancel
# that layer's bias, whose gradient is then rounding noise (±1e-17) that Adam-like rules
# normalise into full steps, so both sides would move those biases by noise.
EVERY_LAYER = [
    {"type": "conv", "filters": 4, "size": 3, "padding": 1},
    {"type": "relu"},
    {"type": "batchnorm"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 6, "size": 3, "stride": 2, "padding": 1},
    {"type": "leaky_relu", "negative_slope": 0.05},
    {"type": "avgpool", "size": 2},
    {"type": "elu", "alpha": 0.7},
    {"type": "flatten"},
    {"type": "linear", "out": 16},
    {"type": "tanh"},
    {"type": "batchnorm", "momentum": 0.2},
    {"type": "linear", "out": 12},
    {"type": "sigmoid"},
    {"type": "linear", "out": 10},
]
OPTIMIZERS = [
    {"name": "sgd", "lr": 0.1},
    {"name": "momentum", "lr": 0.05, "rho": 0.9},
    {"name": "nesterov", "lr": 0.05, "rho": 0.9},
    {"name": "adagrad", "lr": 0.05, "eps": 1e-7},
    {"name": "rmsprop", "lr": 0.003, "decay": 0.99, "eps": 1e-7},
    {"name": "adam", "lr": 0.003, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    {"name": "adamw", "lr": 0.003},
]


def blas_threads() -> int:
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return os.cpu_count() or 1


# ---------------------------------------------------------------- torch twins


def torch_net(torch, layers, in_shape):
    nn = torch.nn
    modules, shape = [], tuple(in_shape)
    network = build_network(layers, in_shape)
    for layer in network.layers:
        s = layer.spec
        kind = s["type"]
        if kind == "conv":
            modules.append(nn.Conv2d(shape[0], s["filters"], s["size"], s["stride"], s["padding"]))
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "leaky_relu":
            modules.append(nn.LeakyReLU(s["negative_slope"]))
        elif kind == "tanh":
            modules.append(nn.Tanh())
        elif kind == "sigmoid":
            modules.append(nn.Sigmoid())
        elif kind == "elu":
            modules.append(nn.ELU(s["alpha"]))
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(s["size"], s["stride"], s["padding"]))
        elif kind == "avgpool":
            modules.append(nn.AvgPool2d(s["size"], s["stride"], s["padding"]))
        elif kind == "batchnorm":
            norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            modules.append(norm(shape[0], eps=s["eps"], momentum=s["momentum"]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
        else:
            modules.append(nn.Linear(shape[0], s["out"]))
        shape = layer.out_shape
    return nn.Sequential(*modules)


def load_params(torch, model, params, dtype):
    """Our per-layer {"weight", "bias"} / {"gamma", "beta"} into the torch modules, in order."""
    names = {"gamma": "weight", "beta": "bias"}
    with torch.no_grad():
        for module, given in zip(model, params, strict=True):
            for name, value in given.items():
                getattr(module, names.get(name, name)).copy_(torch.tensor(value, dtype=dtype))


def torch_optimizer(torch, spec, params, weight_decay):
    name, lr = spec["name"], spec["lr"]
    if name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=spec.get("rho", 0.0),
            nesterov=name == "nesterov",
            weight_decay=weight_decay,
        )
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=spec["eps"], weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params, lr=lr, alpha=spec["decay"], eps=spec["eps"], weight_decay=weight_decay
        )
    if name == "adam":
        return torch.optim.Adam(
            params,
            lr=lr,
            betas=(spec["beta1"], spec["beta2"]),
            eps=spec["eps"],
            weight_decay=weight_decay,
        )
    # AdamW: its own λ (default 0.01) unless the body's weight_decay is > 0
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay or 0.01)


def relative(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def param_deviation(ours, torch_model) -> float:
    names = {"gamma": "weight", "beta": "bias"}
    worst = 0.0
    for module, given in zip(torch_model, ours, strict=True):
        for name, value in given.items():
            theirs = getattr(module, names.get(name, name)).detach().numpy()
            worst = max(worst, relative(value, theirs))
    return worst


def check(client, torch) -> None:
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(5)
    data = datasets.get_dataset("fashion")
    # Gradients: random parameters (biases non-zero, so no ReLU sits exactly on its kink).
    print("POST /api/cnn/gradients vs torch autograd (float64), worst relative deviation:")
    for layers, wd in ((DEFAULT_NET, 0.0), (EVERY_LAYER, 0.0), (EVERY_LAYER, 0.01)):
        network = build_network(layers, (1, 28, 28))
        flat = rng.standard_normal(network.num_params) * 0.3
        params = [{k: v.tolist() for k, v in p.items()} for p in network.unflatten(flat)]
        chosen = rng.choice(data.info.train_size, 16, replace=False)
        x = data.train_x[chosen].astype(np.float64)
        y = data.train_y[chosen]
        body = {"layers": layers, "params": params, "x": x.tolist(), "labels": y.tolist()}
        r = client.post("/api/cnn/gradients", json={**body, "weight_decay": wd})
        assert r.status_code == 200, r.text
        ours = r.json()
        model = torch_net(torch, layers, (1, 28, 28))
        load_params(torch, model, params, torch.float64)
        model.train()
        logits = model(torch.tensor(x))
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
        loss = loss + 0.5 * wd * sum((p * p).sum() for p in model.parameters())
        loss.backward()
        names = {"gamma": "weight", "beta": "bias"}
        worst = 0.0
        for module, grads in zip(model, ours["grads"], strict=True):
            for name, value in grads.items():
                theirs = getattr(module, names.get(name, name)).grad.numpy()
                worst = max(worst, relative(value, theirs))
        print(
            f"  {len(layers):2d} layers, weight_decay {wd:g}: loss "
            f"{relative(ours['loss'], loss.item()):.1e}"
            f"  logits {relative(ours['logits'], logits.detach().numpy()):.1e}  grads {worst:.1e}"
        )
    # Training: K steps in two chunks.
    K, first = 12, 5
    print(
        f"\nPOST /api/cnn/train (float64, {K} steps in two chunks) vs torch.optim, worst relative"
    )
    print("deviation of the losses, the final parameters and the running averages:")
    nets = (
        (EVERY_LAYER, 32, "every layer type, batch norm (one part per step)"),
        (DEFAULT_NET, 64, "the default net (two halves per step, halves.py)"),
    )
    for layers, batch_size, label in nets:
        print(f" {label}:")
        for spec in OPTIMIZERS:
            for wd in (0.0, 0.05):
                train_check(client, torch, data, layers, batch_size, spec, wd, K, first)


def train_check(client, torch, data, layers, batch_size, spec, wd, K, first) -> None:
    body = {
        "layers": layers,
        "dataset": "fashion",
        "seed": 3,
        "optimizer": spec,
        "batch_size": batch_size,
        "weight_decay": wd,
        "precision": "float64",
        "steps": first,
        "return_params": True,
    }
    r1 = client.post("/api/cnn/train", json=body)
    assert r1.status_code == 200, r1.text
    one = r1.json()
    body = {**body, "state": one["state"], "steps": K - first}
    del body["precision"]
    r2 = client.post("/api/cnn/train", json=body)
    assert r2.status_code == 200, r2.text
    two = r2.json()
    model = torch_net(torch, layers, (1, 28, 28))
    load_params(torch, model, one["initial_params"], torch.float64)
    model.train()
    opt = torch_optimizer(torch, spec, model.parameters(), wd)
    losses = []
    for indices in one["batches"] + two["batches"]:
        xb = torch.tensor(data.train_x[indices].astype(np.float64))
        yb = torch.tensor(data.train_y[indices])
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    state = unpack_state(two["state"], body)
    running = [
        np.concatenate([m.running_mean.numpy(), m.running_var.numpy()])
        for m in model
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d)
    ]
    running_text = f"{relative(state.running, np.concatenate(running)):.1e}" if running else "-"
    print(
        f"  {spec['name']:8s} weight_decay {wd:<5g} losses "
        f"{relative(one['losses'] + two['losses'], losses):.1e}  params "
        f"{param_deviation(two['params'], model):.1e}  running {running_text}"
    )


def unpack_state(text, body):
    network = build_network(body["layers"], (1, 28, 28), 10)
    spec = dict(body["optimizer"])
    config = nn_train.make_config(
        network,
        body["dataset"],
        body["seed"],
        "auto",
        spec.pop("name"),
        spec,
        body["batch_size"],
        body["weight_decay"],
    )
    opt = nn_train.optimizers.OPTIMIZERS[config.optimizer]
    return nn_state.unpack(
        text,
        get_settings().state_secret.encode(),
        config.digest(),
        network.num_params,
        opt.state,
        nn_train.running_size(network),
    )


# ---------------------------------------------------------------- speed


def api_chunks(client, body, chunks):
    """Run `chunks` chunks through the API; returns seconds per step for each chunk."""
    times, state = [], None
    for _ in range(chunks):
        t0 = time.perf_counter()
        r = client.post("/api/cnn/train", json={**body, "state": state})
        times.append((time.perf_counter() - t0) / body["steps"])
        assert r.status_code == 200, r.text
        state = r.json()["state"]
    return times


def torch_steps(torch, steps, batches):
    model = torch_net(torch, DEFAULT_NET, (1, 28, 28))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = datasets.get_dataset("fashion")
    xs = [torch.from_numpy(np.ascontiguousarray(data.train_x[b])) for b in batches]
    ys = [torch.from_numpy(data.train_y[b]) for b in batches]
    times = []
    for k in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xs[k % len(xs)]), ys[k % len(ys)])
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return times


def step_ratio(client, torch, rounds, threads) -> None:
    body = {
        "layers": DEFAULT_NET,
        "dataset": "fashion",
        "seed": 0,
        "optimizer": {"name": "adam", "lr": 1e-3},
        "batch_size": 64,
        "precision": "float32",
        "steps": 50,
    }
    batches = [datasets.batch_indices("fashion", 10_000, 0, 64, t) for t in range(1, 51)]
    if torch is not None:
        torch.set_num_threads(threads)
        torch.set_default_dtype(torch.float32)
        torch_steps(torch, 20, batches)  # warm up
    api_chunks(client, body, 1)
    ours, theirs = [], []
    for _ in range(rounds):
        ours += api_chunks(client, body, 2)
        if torch is not None:
            round_times = torch_steps(torch, 100, batches)
            # per-step time of each block of 50, as the API's chunks are timed
            theirs += [sum(round_times[:50]) / 50, sum(round_times[50:]) / 50]
    print(f"one training step, default net, batch 64, float32, Adam, {threads} thread(s):")
    print(
        f"  API, chunks of 50: best {min(ours) * 1e3:.2f} ms, median "
        f"{statistics.median(ours) * 1e3:.2f} ms per step"
    )
    if theirs:
        print(
            f"  torch:             best {min(theirs) * 1e3:.2f} ms, median "
            f"{statistics.median(theirs) * 1e3:.2f} ms per step"
        )
        print(
            f"  ratio API / torch: best {min(ours) / min(theirs):.2f}, median "
            f"{statistics.median(ours) / statistics.median(theirs):.2f} (target ≤ 1.5)"
        )


def time_to_accuracy(client, name, lr, target, limit_s) -> None:
    data = datasets.get_dataset(name)
    network = build_network(
        DEFAULT_NET[:-1] + [{"type": "linear", "out": len(data.info.classes)}], (1, 28, 28)
    )
    layers = [layer.spec for layer in network.layers]
    body = {
        "layers": layers,
        "dataset": name,
        "seed": 0,
        "optimizer": {"name": "adam", "lr": lr},
        "batch_size": 64,
        "steps": 50,
        "return_params": True,
    }
    state, clock, reached = None, 0.0, None
    print(f"\n{name}: default net, Adam lr {lr:g}, batch 64, float32; time counts training only")
    print("   step   seconds   mean loss (last 50)   test accuracy (all test images)")
    while clock < limit_s:
        t0 = time.perf_counter()
        r = client.post("/api/cnn/train", json={**body, "state": state})
        clock += time.perf_counter() - t0
        assert r.status_code == 200, r.text
        out = r.json()
        state = out["state"]
        accuracy = test_accuracy(network, out["params"], data)
        print(
            f"  {out['step']:5d}   {clock:7.2f}   {np.mean(out['losses']):19.4f}   {accuracy:.4f}"
        )
        if reached is None and accuracy >= target:
            reached = (out["step"], clock)
            break
    if reached:
        print(f"  reached {target:.0%} test accuracy at step {reached[0]} after {reached[1]:.2f} s")
    else:
        print(f"  did not reach {target:.0%} within {limit_s} s")


def test_accuracy(network, params, data) -> float:
    flat = network.flatten(params, np.float32)
    scores = nn_train.predict(network, flat, np.zeros(0, np.float32), data.test_x, np.float32)
    return float((scores.argmax(axis=1) == data.test_y).mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("all", "step", "accuracy", "check"), default="all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=blas_threads())
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
        print("torch is not installed: no reference times or checks")
    client = TestClient(app)
    if args.part == "check":
        if torch is not None:
            check(client, torch)
        return
    if args.part in ("all", "step"):
        step_ratio(client, torch, args.rounds, args.threads)
    if args.part in ("all", "accuracy"):
        time_to_accuracy(client, "shapes", 3e-3, 0.95, 30)
        time_to_accuracy(client, "fashion", 2e-3, 0.85, 120)


if __name__ == "__main__":
    main()
