"""Optimiser race and search, end to end through the API, against stepping torch.optim (float64).

    python bench/bench_optim.py [--repeat 7]

Prints the best and median of --repeat wall times. The target: six optimisers × 2000 steps on
Rosenbrock through POST /api/optimize with the default internals, from the request to the
parsed JSON, in at most 1/25 of torch.optim's time for the same six trajectories (torch only
when importable; stepped as torch is used, loss.backward() then opt.step(), and also with the
gradient written out). The JSON is parsed with orjson, which parses as fast as a browser's
JSON.parse (the page's real client); the standard library's json is also timed. Also checks
that the API's trajectories agree with torch's (Nesterov through p = x + ρ·v), and times a
2 × 64-run, 500-step search.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from app.core.surfaces import SURFACES  # noqa: E402
from app.main import app  # noqa: E402

SIX = [
    {"name": "sgd", "lr": 1e-3},
    {"name": "momentum", "lr": 1e-3, "rho": 0.9},
    {"name": "nesterov", "lr": 1e-3, "rho": 0.9},
    {"name": "adagrad", "lr": 0.5, "eps": 1e-7},
    {"name": "rmsprop", "lr": 1e-2, "decay": 0.99, "eps": 1e-7},
    {"name": "adam", "lr": 5e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
]
STEPS = 2000
START = [-1.2, 1.0]


def timed(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def torch_optimizer(torch, spec, param):
    name = spec["name"]
    if name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(
            [param],
            lr=spec["lr"],
            momentum=spec.get("rho", 0.0),
            nesterov=name == "nesterov",
        )
    if name == "adagrad":
        return torch.optim.Adagrad([param], lr=spec["lr"], eps=spec["eps"])
    if name == "rmsprop":
        return torch.optim.RMSprop([param], lr=spec["lr"], alpha=spec["decay"], eps=spec["eps"])
    return torch.optim.Adam(
        [param], lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"]
    )


def torch_race(torch, analytic):
    """Step each of the six for STEPS steps; returns the (STEPS + 1, 2) trajectories."""
    paths = []
    for spec in SIX:
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = torch_optimizer(torch, spec, p)
        path = np.empty((STEPS + 1, 2))
        path[0] = START
        for t in range(STEPS):
            opt.zero_grad()
            if analytic:
                with torch.no_grad():
                    x, y = p[0], p[1]
                    r = y - x * x
                    p.grad = torch.stack([-2 * (1 - x) - 400 * x * r, 200 * r])
            else:
                x, y = p[0], p[1]
                loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
                loss.backward()
            opt.step()
            path[t + 1] = p.detach().numpy()
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    client = TestClient(app)
    body = {"surface": "rosenbrock", "start": START, "steps": STEPS, "optimizers": SIX}

    print(f"six optimisers × {STEPS} steps on Rosenbrock, POST /api/optimize (TestClient)")
    results = {}
    for internals, parse in ((True, orjson.loads), (True, json.loads), (False, orjson.loads)):
        payload = {**body, "internals": internals}

        def request(payload=payload, parse=parse):
            response = client.post("/api/optimize", json=payload)
            assert response.status_code == 200, response.text
            return parse(response.content), len(response.content)

        best, median, (data, size) = timed(request, args.repeat)
        label = f"internals={str(internals).lower()}, parsed by {parse.__module__}"
        results[label] = best
        print(
            f"  {label:38} best {best * 1e3:7.1f} ms   median {median * 1e3:7.1f} ms   "
            f"{size / 1e6:.2f} MB JSON"
        )
        if internals and parse is orjson.loads:
            api_runs = data["runs"]

    try:
        import torch
    except ImportError:
        torch = None
        print("torch not importable: no comparison")
    if torch is not None:
        torch.set_num_threads(1)
        for analytic in (False, True):
            kind = "analytic gradient" if analytic else "autograd loss.backward()"
            best, median, paths = timed(lambda a=analytic: torch_race(torch, a), 2)
            print(
                f"torch.optim float64, {kind}: best {best * 1e3:.0f} ms, median {median * 1e3:.0f}"
            )
            for label, ours in results.items():
                verdict = "meets" if ours * 25 <= best else "MISSES"
                print(
                    f"  API ({label}): ratio {ours / best:.3f} = 1/{best / ours:.0f} of torch's "
                    f"time: {verdict} the 1/25 (0.04) target"
                )
        # Agreement of the trajectories (those of the last torch run).
        worst = 0.0
        for spec, run, path in zip(SIX, api_runs, paths, strict=True):
            ours = np.array(run["points"])
            if spec["name"] == "nesterov":
                # torch steps the look-ahead point p = x + ρ·v: compare with that.
                one = {**body, "optimizers": [spec], "internals": True}
                inside = client.post("/api/optimize", json=one).json()["runs"][0]["internals"]
                ours[1:] = ours[1:] + spec["rho"] * np.array(inside["velocity"])
            scale = np.maximum(np.abs(path), 1.0)
            error = float(np.max(np.abs(ours - path) / scale))
            worst = max(worst, error)
            print(f"  {spec['name']:9s} max |API - torch| / max(|x|, 1) = {error:.1e}")
        print(f"  worst deviation from torch over {STEPS} steps: {worst:.1e}")

    print("hyper-parameter search, POST /api/optimize/search (momentum, lr × rho, 500 steps)")
    for resolution in (0, 32):
        search = {
            "surface": "rosenbrock",
            "start": START,
            "optimizer": "momentum",
            "lr_range": [1e-5, 1e-2],
            "budget": 64,
            "steps": 500,
            "map_resolution": resolution,
        }
        best, median, response = timed(
            lambda s=search: client.post("/api/optimize/search", json=s), args.repeat
        )
        assert response.status_code == 200, response.text
        runs = 128 + resolution**2
        print(
            f"  2 × 64 runs + {resolution}² map = {runs} runs: best {best * 1e3:.1f} ms, "
            f"median {median * 1e3:.1f} ms"
        )
    assert SURFACES["rosenbrock"].f(1.0, 1.0) == 0.0


if __name__ == "__main__":
    main()
