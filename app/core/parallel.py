"""Work over a batch of images, split across the machine's cores.

NumPy runs an element-wise pass or a copy on one core, while torch splits its element-wise
kernels over its threads. The batched conv, pool and ReLU paths of the CNN lesson hand their
passes (im2col copies, col2im adds, pooling, ReLU) to for_images, which runs ranges of images,
maps or values on a small thread pool: NumPy releases the GIL inside those loops.

Only passes whose result for an index does not depend on the other indices are split, so the
numbers never depend on the number of threads.

Matrix products: OpenBLAS threads a large product itself, but its helper threads spin-wait
after each call, and on a loaded machine (other processes on the cores) they competed with the
pool's copies: a 1 ms conv forward measured 24 ms (best of 40) with both at work. So the conv
products go through matmul below: the columns of the result in PARTS fixed ranges, each one
BLAS call on one BLAS thread (openblas_set_num_threads_local, on this thread and on the pool's),
side by side on the pool. The ranges depend on the sizes only, and a range of columns of a
product is bitwise the same as those columns of the whole product, so the numbers depend
neither on the threads nor on the cores. Where the BLAS is not an OpenBLAS with
openblas_set_num_threads_local, matmul is a @ b, threaded by the BLAS as before.
"""

from __future__ import annotations

import contextvars
import ctypes
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache

import numpy as np

WORKERS = max(1, min(4, os.cpu_count() or 1))
# Below these per call, a hand-off to another thread (some 20-50 µs) costs more than it saves.
MIN_IMAGES = 8
MIN_VALUES = 100_000
# Products of at least this many multiply-adds are split into PARTS ranges of columns (the
# default net's conv products are 4e6 to 2e7; OpenBLAS itself threads from about 2.6e5).
MIN_PRODUCT = 1_000_000
PARTS = 2


@cache
def blas_local_threads():
    """OpenBLAS's openblas_set_num_threads_local(n) -> previous n, for the calling thread only
    (OpenBLAS ≥ 0.3.27), from the library NumPy loaded; None if there is none."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            function = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int]
        function.restype = ctypes.c_int
        return function
    return None


def one_blas_thread() -> None:
    """The pool threads' initialiser: their BLAS calls run on themselves only."""
    local = blas_local_threads()
    if local is not None:
        local(1)


@cache
def executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=WORKERS - 1 or 1, thread_name_prefix="cnn-images", initializer=one_blas_thread
    )


# Set by on_one_thread(): every pass and product stays on the calling thread.
ONE_THREAD = contextvars.ContextVar("one_thread", default=False)


def run_slices(fn, slices) -> None:
    """fn(s) for every slice, the first on this thread, the others on the pool; waits for all."""
    if WORKERS == 1 or ONE_THREAD.get():
        for s in slices:
            fn(s)
        return
    # Each slice runs in a copy of the caller's context: the request's language
    # (app.i18n.current_language) reaches an error raised there.
    futures = [executor().submit(contextvars.copy_context().run, fn, s) for s in slices[1:]]
    try:
        fn(slices[0])
    finally:
        for future in futures:
            future.result()


def ranges(N: int, parts: int) -> list[slice]:
    bounds = [N * k // parts for k in range(parts + 1)]
    return [slice(bounds[k], bounds[k + 1]) for k in range(parts)]


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
    run_slices(fn, ranges(N, parts))


@contextmanager
def on_one_thread():
    """Within: for_images and matmul run on the calling thread, the BLAS too (where it can be
    told so, see one_blas_thread_here).

    For a training step's passes (batch 64: a million values or fewer each). On a 2-core VM a
    hand-off to the pool and back measured about 95 µs (waking a sleeping thread), so a step's
    twenty-odd splits cost about what they saved (7.4 ms a step split, 7.1 ms on one thread),
    and on a loaded machine they cost more (10 ms against 8). OpenBLAS's own threads made a
    quiet step 6.1 ms but a loaded one 36 to 80 ms (its helpers spin and wait for each other
    while other processes hold the cores). A step's second core is a companion process's
    instead (app/core/nn/halves.py)."""
    token = ONE_THREAD.set(True)
    try:
        with one_blas_thread_here():
            yield
    finally:
        ONE_THREAD.reset(token)


@contextmanager
def one_blas_thread_here():
    """Within: this thread's BLAS calls run on this thread only (no spinning helper threads);
    nothing changes where the BLAS is not an OpenBLAS with openblas_set_num_threads_local."""
    local = blas_local_threads()
    previous = local(1) if local is not None else None
    try:
        yield
    finally:
        if local is not None:
            local(previous)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (m, k) @ b (k, n) side by side on the pool, each part one BLAS call on one BLAS thread
    (see the module's docstring): PARTS ranges of the result's columns when n is large, else,
    when k is large, the sum of PARTS partial products over ranges of k (in a fixed order, so
    the numbers depend on the sizes only); small products, or no control over the BLAS's
    threads: a @ b."""
    (m, k), n = a.shape, b.shape[1]
    if ONE_THREAD.get() or blas_local_threads() is None or m * k * n < MIN_PRODUCT:
        return a @ b
    dtype = np.result_type(a, b)
    with one_blas_thread_here():
        if n >= 64 * PARTS:
            out = np.empty((m, n), dtype)

            def columns(s):
                np.matmul(a, b[:, s], out=out[:, s])

            run_slices(columns, ranges(n, PARTS))
            return out
        partial = np.empty((PARTS, m, n), dtype)
        inner = ranges(k, PARTS)

        def share(s):
            for p in range(PARTS)[s]:
                np.matmul(a[:, inner[p]], b[inner[p]], out=partial[p])

        run_slices(share, ranges(PARTS, PARTS))
        return partial.sum(axis=0)
