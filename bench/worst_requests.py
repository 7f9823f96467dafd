"""The largest requests each non-image endpoint accepts, as (name, method, path, JSON body).

Shared by tests/deploy/test_memory.py (the worst-case RSS a worker reaches) and
bench/bench_loop.py (a tiny request's latency while these run). Each is at or near the bound the
endpoint checks before computing: the conv traces at ~12 MB of JSON (MAX_TRACE_BYTES), the race at
its step and internals limits, the search at its run-step limit, init at its multiply-add limit,
a CNN chunk at its listed-example limit. Random full-precision values: the longest JSON.
"""

import numpy as np

LENET = [
    {"type": "conv", "filters": 6, "size": 5, "padding": 2},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "conv", "filters": 16, "size": 5},
    {"type": "relu"},
    {"type": "maxpool", "size": 2},
    {"type": "flatten"},
    {"type": "linear", "out": 60},
    {"type": "relu"},
    {"type": "linear", "out": 10},
]
OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "sgd", "adam"]


def rand(*shape, seed=0) -> list:
    return (-np.random.default_rng(seed).random(shape) - 1e-3).tolist()


def worst_requests() -> list[tuple[str, str, str, dict | None]]:
    race = [{"name": n, "lr": 0.001} for n in OPTIMIZERS]
    return [
        ("conv2d trace", "POST", "/api/conv2d",
         {"input": rand(3, 32, 32), "weights": rand(8, 3, 3, 3, seed=1), "padding": 1}),
        ("conv2d trace, 1 channel 64²", "POST", "/api/conv2d",
         {"input": rand(2, 64, 64), "weights": rand(1, 2, 5, 5, seed=1), "padding": 2}),
        ("conv2d backward trace", "POST", "/api/conv2d/backward",
         {"input": rand(2, 20, 20), "weights": rand(4, 2, 5, 5, seed=1), "padding": 2,
          "grad_output": rand(4, 20, 20, seed=2), "trace": True}),
        ("conv_transpose2d traces", "POST", "/api/conv_transpose2d",
         {"input": rand(1, 64, 64), "weights": rand(1, 2, 3, 3, seed=1)}),
        ("pool2d trace", "POST", "/api/pool2d",
         {"input": rand(8, 32, 32), "mode": "avg", "size": 2, "stride": 1}),
        ("activations, 10,000 points", "POST", "/api/activations",
         {"name": "maxout", "x": rand(10_000), "pieces": [[1, 0], [-1, 0], [0.5, 1]]}),
        ("optimize, 8 × 3000 with internals", "POST", "/api/optimize",
         {"surface": "rosenbrock", "start": [-1.2, 1], "steps": 3000, "optimizers": race}),
        ("optimize, 8 × 10,000", "POST", "/api/optimize",
         {"surface": "rosenbrock", "start": [-1.2, 1], "steps": 10_000, "optimizers": race,
          "internals": False}),
        ("optimize/search", "POST", "/api/optimize/search",
         {"surface": "booth", "start": [0, 0], "optimizer": "momentum", "budget": 256,
          "steps": 950}),
        ("surface grid 256²", "GET", "/api/surfaces/rosenbrock/grid?resolution=256", None),
        ("custom surface 256²", "POST", "/api/surfaces/custom",
         {"expression": "sin(x)*cos(y) + x^2", "domain": [[-3, 3], [-3, 3]], "resolution": 256}),
        ("training/init", "POST", "/api/training/init",
         {"scheme": "he", "layers": 10, "width": 500, "batch": 1000}),
        ("cnn/train, a chunk", "POST", "/api/cnn/train",
         {"layers": LENET, "dataset": "fashion", "seed": 1,
          "optimizer": {"name": "adam", "lr": 0.001}, "batch_size": 200, "steps": 4,
          "eval": True, "return_params": True, "filters": True, "stats_every": 1}),
        ("cnn examples", "GET", "/api/cnn/datasets/fashion/examples?split=train&start=0&count=256",
         None),
    ]  # fmt: skip
