"""Element-wise work over a batch of images, split across the machine's cores.

NumPy runs an element-wise pass or a copy on one core, while torch splits its element-wise
kernels over its threads. The batched conv, pool and ReLU paths of the CNN lesson hand their
per-image passes (im2col copies, col2im adds, pooling, ReLU) to for_images, which runs image
ranges on a small thread pool: NumPy releases the GIL inside those loops. Matrix products stay
on the calling thread (OpenBLAS threads them itself; small products called from several
threads at once measured slower than one after the other).

Only passes whose result for an image does not depend on the other images are split, so the
numbers never depend on the number of threads. Measured on the default lesson net (batch 64,
float32, forward + backward, 2 shared cores, alternating in one process, best of 5): 16.2 ms
per step on one thread, 13.1 ms on two.
"""

from __future__ import annotations

import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

WORKERS = max(1, min(4, os.cpu_count() or 1))
# Below these per call, a hand-off to another thread (some 20-50 µs) costs more than it saves.
MIN_IMAGES = 8
MIN_VALUES = 100_000


@cache
def executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WORKERS - 1 or 1, thread_name_prefix="cnn-images")


def for_images(fn, N: int, values: int | None = None) -> None:
    """fn(s) for contiguous slices s that cover range(N), side by side on WORKERS threads.

    values: how many array values the work touches; below MIN_VALUES it runs on this thread.
    """
    if values is not None and values < MIN_VALUES:
        fn(slice(0, N))
        return
    parts = max(1, min(WORKERS, N // MIN_IMAGES))
    if parts == 1:
        fn(slice(0, N))
        return
    bounds = [N * k // parts for k in range(parts + 1)]
    slices = [slice(bounds[k], bounds[k + 1]) for k in range(parts)]
    # Each slice runs in a copy of the caller's context: the request's language
    # (app.i18n.current_language) reaches an error raised there.
    futures = [executor().submit(contextvars.copy_context().run, fn, s) for s in slices[1:]]
    fn(slices[0])
    for future in futures:
        future.result()
