"""The training state as an opaque string: the server keeps nothing between chunks.

    text = pack(state, digest, secret)
    state = unpack(text, secret, digest, num_params, state_names, running_size)

Format: "cnn1." + base64url(payload) + "." + base64url(HMAC-SHA256(secret, payload)), where
payload = a 4-byte little-endian header length, the header (JSON: step, precision, the run's
config digest, the sizes, the state names, the optimiser and the smoothed loss's running
average) and the arrays' raw bytes in order: x (P,), each optimiser state array (P,), batch
norm's running averages (R,), in the run's precision (a float64 run stays float64). Float32
with Adam on the default net (9,098 parameters): about 145 kB of text; packing and checking it
take well under a millisecond.

unpack trusts nothing before the signature matches (compared in constant time), then checks the
header, that the state belongs to this run (the config digest), the sizes, the exact byte length
and that every value is finite. Every failure is an InputError naming `state`, so a changed,
truncated, oversized or foreign state is a 422 and is never used. The secret comes from the
caller (the app's settings), so every worker and machine given the same secret accepts the same
states.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import struct

import numpy as np

from app.core.errors import InputError
from app.core.nn.train import MAX_TOTAL_STEPS, PRECISIONS, TrainState

MAGIC = "cnn1"
FIELD = "state"


def sign(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def pack(state: TrainState, digest: str, secret: bytes, run: dict | None = None) -> str:
    """run: the optimiser's name and hyper-parameters, so a state alone says where the network's
    parameters are (Nesterov's look-ahead) when it is inspected."""
    names = sorted(state.opt_state)
    header = json.dumps(
        {
            "step": state.step,
            "precision": state.precision,
            "config": digest,
            "params": int(state.x.size),
            "state": names,
            "running": int(state.running.size),
            "run": run,
            "loss_ema": state.loss_ema,
        },
        sort_keys=True,
    ).encode()
    arrays = [state.x, *(state.opt_state[name] for name in names), state.running]
    payload = b"".join(
        [struct.pack("<I", len(header)), header]
        + [np.ascontiguousarray(a, PRECISIONS[state.precision]).tobytes() for a in arrays]
    )
    return f"{MAGIC}.{b64(payload)}.{b64(sign(payload, secret))}"


def refuse(reason: str):
    raise InputError(f'state {reason}; start again with "state": null', FIELD)


def decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        refuse("is not valid: it must be the exact string a previous /api/cnn/train returned")


def signed_payload(text: str, secret: bytes) -> tuple[bytes, dict, int]:
    """The payload, its header and the header's length, once the signature matches."""
    if not isinstance(text, str):
        refuse("must be a string")
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != MAGIC:
        refuse("is not valid: it must be the exact string a previous /api/cnn/train returned")
    payload, tag = decode(parts[1]), decode(parts[2])
    if not hmac.compare_digest(tag, sign(payload, secret)):
        refuse(
            "has been changed or truncated (its signature does not match), or was made by a "
            "server with another CNNLAB_STATE_SECRET"
        )
    # Signed by this server (or one sharing its secret): the rest is checked all the same.
    try:
        (length,) = struct.unpack("<I", payload[:4])
        header = json.loads(payload[4 : 4 + length])
        if not isinstance(header, dict):
            raise TypeError
    except (struct.error, ValueError, TypeError):
        refuse("has an unreadable header")
    return payload, header, length


def run_of(text: str, secret: bytes) -> dict:
    """The optimiser name and hyper-parameters a signed state was trained with."""
    _, header, _ = signed_payload(text, secret)
    run = header.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("optimizer"), str):
        refuse("does not say which optimiser made it; train a chunk again to get a new one")
    return run


def unpack(
    text: str,
    secret: bytes,
    digest: str | None,
    num_params: int,
    state_names: tuple[str, ...],
    running_size: int,
) -> TrainState:
    """digest None: any run's state (its signature and sizes still checked), for inspection."""
    payload, header, length = signed_payload(text, secret)
    try:
        step = header["step"]
        precision = header["precision"]
        names = header["state"]
        sizes = (header["params"], header["running"])
        config = header["config"]
    except (KeyError, TypeError):
        refuse("has an unreadable header")
    if digest is not None and config != digest:
        refuse(
            "belongs to a different run (its architecture, data set, seed, initialisation, "
            "optimiser, hyper-parameters, batch size or weight decay differ from this request's)"
        )
    if precision not in PRECISIONS or not isinstance(step, int) or not 0 <= step <= MAX_TOTAL_STEPS:
        refuse("has an invalid precision or step")
    if sizes != (num_params, running_size) or sorted(names) != sorted(state_names):
        refuse(
            f"has the wrong shape: {sizes[0]} parameters and state {names}, but this run needs "
            f"{num_params} and {sorted(state_names)}"
        )
    dtype = np.dtype(PRECISIONS[precision])
    expected = 4 + length + dtype.itemsize * (num_params * (1 + len(names)) + running_size)
    if len(payload) != expected:
        refuse(f"has {len(payload)} bytes where {expected} are needed")
    flat = np.frombuffer(payload, dtype, offset=4 + length).copy()
    if not np.isfinite(flat).all():
        refuse("holds non-finite values")
    loss_ema = header.get("loss_ema", 0.0)
    if isinstance(loss_ema, bool) or not isinstance(loss_ema, (int, float)):
        refuse("has an invalid smoothed loss")
    if not math.isfinite(loss_ema):
        refuse("holds non-finite values")
    x = flat[:num_params]
    opt_state = {
        name: flat[num_params * (k + 1) : num_params * (k + 2)] for k, name in enumerate(names)
    }
    running = flat[num_params * (1 + len(names)) :]
    return TrainState(step, x, opt_state, running, precision, float(loss_ema))
