"""A training step in two halves of the batch, the second on a companion process.

Two threads of one process cannot share a step's work here. NumPy holds the GIL between its
calls and a step is some 300 calls of 5 to 50 µs, so two threads wait on each other at almost
every call (the default net's two halves: 7.0 ms side by side, 7.3 one after the other), and
waking a sleeping thread costs about 95 µs on a 2-core VM. A process has its own GIL: the
halves run at the same time with one hand-off each way per step (the parameters and half the
batch out; that half's gradient and scores back), about 4 ms a step instead of 7.

The split depends on the network and the batch size only (split_batch), never on the cores or
on whether the companion is free: when it is busy (another request of this worker), not
started yet, or failed, this process computes the second half itself, with the same code and
the same numbers. Each half's gradient is that of its rows of the batch's mean loss (the rows
of dL/dlogits are the whole batch's, divided by the whole batch size), so the step's gradient
is their sum: the whole batch's up to rounding.
"""

from __future__ import annotations

import atexit
import math
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from app.core.nn.layers import softmax_cross_entropy
from app.core.nn.network import Backward, Network, build_network
from app.core.parallel import on_one_thread, ranges

MIN_HALF = 16  # examples per half: below, a hand-off costs more than half a step saves
# A step's half that takes longer than this is taken as a hung companion (the request's own
# process then computes it); a half of the largest allowed chunk step takes well under 1 s.
REPLY_TIMEOUT_S = 30.0
# SLOW_STEPS steps in a row whose half took CONTENDED × the chunk's fastest, or whose
# companion's half arrived as late, mean that other processes hold the cores: the next PAUSE
# steps skip the companion. Quiet, the companion's half arrived 0.3 to 0.6 ms after this
# process's 3.3 ms one (2 to 11 ms when its core had been idle for a while); on a loaded
# machine both halves took 8 to 12 ms.
CONTENDED = 1.5
SLOW_STEPS = 3
PAUSE = 20


def split_batch(network: Network, batch: int) -> list[slice]:
    """The parts of a batch a training step computes on their own: two halves when the
    examples are independent (no batch norm, whose statistics span the whole batch) and each
    half has at least MIN_HALF of them, else the whole batch."""
    if network.batchnorms or batch < 2 * MIN_HALF:
        return [slice(0, batch)]
    return ranges(batch, 2)


def half_gradients(network: Network, params, x, labels, batch: int, workspace: dict):
    """Forward and backward of some rows of a batch of `batch` examples: (the forward pass,
    the Backward, the rows' scores). The gradient is that of these rows' share of the batch's
    mean loss."""
    forward = network.forward(params, x, train=True, workspace=workspace)
    dlogits = softmax_cross_entropy(forward.logits, labels, batch)[2]
    return forward, network.backward(forward, dlogits), forward.logits


class Companion:
    """A child process (python -m app.core.nn.halves) that computes second halves."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[3])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.core.nn.halves", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
        theirs.close()
        self.connection = Connection(ours.detach())
        self.ready = False
        self.network_key = None
        self.lock = threading.Lock()

    def usable(self) -> bool:
        """Ready for work (it says so once its imports are done) and alive."""
        if self.process.poll() is not None:
            return False
        if not self.ready and self.connection.poll(0):
            self.ready = self.connection.recv() == "ready"
        return self.ready

    def start(self, network: Network, params_flat, x, labels, batch: int) -> None:
        key = (tuple(str(layer.spec) for layer in network.layers), network.input_shape)
        if key != self.network_key:
            specs = [layer.spec for layer in network.layers]
            self.connection.send(("network", specs, network.input_shape))
            self.network_key = key
        self.connection.send(("half", params_flat, x, labels, batch))

    def result(self):
        """(the half's flat gradient, its scores); raises OSError when none comes."""
        if not self.connection.poll(REPLY_TIMEOUT_S):
            raise OSError("the companion did not answer")
        reply = self.connection.recv()
        if reply[0] != "done":
            raise OSError(f"the companion failed: {reply[1]}")
        return reply[1], reply[2]

    def close(self) -> None:
        self.connection.close()
        self.process.kill()
        self.process.wait()


COMPANION: Companion | None = None
COMPANION_LOCK = threading.Lock()
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
ENABLED = CORES > 1


def spare_core() -> bool:
    """Whether a core is free for the companion now: at most CORES − 1 tasks runnable, this one
    included (/proc/loadavg's running count; assumed free where it cannot be read). On a busy
    machine (a class on the server) the halves wait for each other while other processes hold
    the cores: a step measured 15 ms with the companion against 10 ms without."""
    try:
        with open("/proc/loadavg") as loadavg:
            running = int(loadavg.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return True
    return running <= CORES - 1


def free_companion() -> Companion | None:
    """This process's companion with its lock held (release it after the chunk), or None
    when it is busy, starting up, or there is a single core. Started on first use."""
    global COMPANION
    if not ENABLED:
        return None
    with COMPANION_LOCK:
        if COMPANION is not None and COMPANION.process.poll() is not None:
            COMPANION = None  # died: start another
        if COMPANION is None:
            try:
                COMPANION = Companion()
            except OSError:  # no process to be had (limits, a sandbox): this one does it all
                return None
            atexit.register(COMPANION.close)
        companion = COMPANION
    if not companion.lock.acquire(blocking=False):
        return None
    try:
        if companion.usable():
            return companion
    except (OSError, EOFError):
        pass
    companion.lock.release()
    return None


def drop(companion: Companion) -> None:
    """A companion that failed: closed, and the next chunk starts another."""
    global COMPANION
    with COMPANION_LOCK:
        if COMPANION is companion:
            COMPANION = None
    companion.close()


class StepPasses:
    """The forward and backward passes of a chunk's steps, in the parts split_batch gives,
    the second half on the companion when it is free. Use as a context manager (the chunk
    holds the companion while it runs)."""

    def __init__(self, network: Network, batch: int):
        self.network = network
        self.parts = split_batch(network, batch)
        self.workspaces = [{} for _ in self.parts]  # im2col buffers, reused by every step
        self.companion = None
        self.fastest = math.inf  # seconds: this chunk's fastest half on this process
        self.pause = 0  # steps left to run without the companion
        self.slow = 0  # slow steps in a row with the companion

    def __enter__(self):
        if len(self.parts) == 2:
            self.companion = free_companion()
        return self

    def __exit__(self, *exc):
        if self.companion is not None:
            self.companion.lock.release()
            self.companion = None

    def drop_companion(self) -> None:
        companion, self.companion = self.companion, None
        companion.lock.release()
        drop(companion)

    def __call__(self, p, x, labels, keep_outputs=False):
        """One step at the parameters p (flat): (loss, probs, the parts' forward passes,
        the Backward). keep_outputs: compute both halves here, so that every part's forward
        pass (its layers' outputs) is at hand."""
        network = self.network
        params = network.unflatten(p)
        if len(self.parts) == 1:
            forward = network.forward(params, x, train=True, workspace=self.workspaces[0])
            loss, probs, dlogits = softmax_cross_entropy(forward.logits, labels)
            return loss, probs, [forward], network.backward(forward, dlogits)
        first, second = self.parts
        batch = len(x)
        companion = self.companion
        if keep_outputs or self.pause > 0 or not spare_core():
            self.pause = max(self.pause - 1, 0)
            companion = None
        if companion is not None:
            try:
                companion.start(network, p, x[second], labels[second], batch)
            except OSError:
                self.drop_companion()
                companion = None
        start = time.perf_counter()
        f0, b0, z0 = half_gradients(
            network, params, x[first], labels[first], batch, self.workspaces[0]
        )
        mine = time.perf_counter() - start
        self.fastest = min(self.fastest, mine)
        f1 = None
        if companion is not None:
            try:
                g1, z1 = companion.result()
            except (OSError, EOFError):
                self.drop_companion()
                companion = None
            # Contended: this half ran slow, or the companion's came late, SLOW_STEPS times in
            # a row (the first step after a pause is slow anyway: the idle core wakes up).
            waited = time.perf_counter() - start - mine
            slow = max(mine, waited + self.fastest) > CONTENDED * self.fastest
            self.slow = self.slow + 1 if slow else 0
            if self.slow >= SLOW_STEPS:
                self.pause, self.slow = PAUSE, 0
        if companion is None:
            f1, b1, z1 = half_gradients(
                network, params, x[second], labels[second], batch, self.workspaces[1]
            )
            g1 = b1.flat
        flat = b0.flat + g1
        loss, probs, _ = softmax_cross_entropy(np.concatenate([z0, z1]), labels)
        grads = [{f"d{k}": v for k, v in g.items()} for g in network.unflatten(flat)]
        return loss, probs, [f0, f1], Backward(flat, grads)


def serve(connection: Connection) -> None:
    """The companion's loop: builds the network it is sent, then computes each half."""
    connection.send("ready")
    network, workspace = None, {}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), on_one_thread():
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            try:
                if message[0] == "network":
                    network, workspace = build_network(message[1], tuple(message[2])), {}
                    continue
                _, params_flat, x, labels, batch = message
                params = network.unflatten(params_flat)
                _, backward, logits = half_gradients(network, params, x, labels, batch, workspace)
                connection.send(("done", backward.flat, logits))
            except Exception as error:  # noqa: BLE001 — reported to the parent, which computes
                connection.send(("failed", repr(error)))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
