"""conv2d forward speed: the fast path against its naive loop twin and, when importable, torch.

Run by hand: python bench/bench_conv.py [--repeat 10]
Prints the best and median times of each, and the ratios. Not a test: nothing here asserts.
"""

import argparse
import functools
import statistics
import time

import numpy as np

from app.core.conv import conv2d_forward, conv2d_naive

CASES = [
    # name, input (C, H, W), filters (F, C, K, K), padding
    ("3x1024x1024, 8 filters 3x3, pad 1", (3, 1024, 1024), (8, 3, 3, 3), 1),
    ("16x64x64, 32 filters 3x3, pad 1", (16, 64, 64), (32, 16, 3, 3), 1),
]


def timed(fn, repeat):
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def naive_estimate(x, w, padding):
    """The naive twin on a crop, scaled by output cells (a full 1024² run takes many minutes)."""
    C, H, W = x.shape
    side = min(H, 32)
    crop = x[:, :side, :side]
    start = time.perf_counter()
    conv2d_naive(crop, w, None, 1, padding)
    elapsed = time.perf_counter() - start
    return elapsed * (H * W) / (side * side)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch = None
        torch_version = None
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}; torch {torch_version or 'not installed'}")
    for name, x_shape, w_shape, padding in CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        b = rng.standard_normal(w_shape[0]).astype(np.float32)
        ours_fn = functools.partial(conv2d_forward, x, w, b, 1, padding)
        best, median = timed(ours_fn, args.repeat)
        naive = naive_estimate(x, w, padding)
        print(f"\n{name}")
        print(f"  cnnlab fast path   best {best * 1e3:8.2f} ms   median {median * 1e3:8.2f} ms")
        print(f"  naive loop twin    ~{naive * 1e3:10.0f} ms (extrapolated from a 32x32 crop)")
        print(f"  speed-up over naive: {naive / median:,.0f}x")
        if torch is not None:
            tx, tw, tb = (torch.from_numpy(a) for a in (x[None], w, b))
            torch_fn = functools.partial(torch.nn.functional.conv2d, tx, tw, tb, 1, padding)
            t_best, t_median = timed(torch_fn, args.repeat)
            ours, _ = conv2d_forward(x, w, b, 1, padding)
            theirs = torch.nn.functional.conv2d(tx, tw, tb, 1, padding)[0].numpy()
            error = float(np.max(np.abs(ours - theirs)))
            print(
                f"  torch conv2d       best {t_best * 1e3:8.2f} ms   "
                f"median {t_median * 1e3:8.2f} ms"
            )
            print(
                f"  ratio cnnlab/torch: best {best / t_best:.2f}, median {median / t_median:.2f} "
                f"(max |difference| {error:.1e})"
            )


if __name__ == "__main__":
    main()
