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
from app.i18n import gettext

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
    raise InputError(
        gettext('state {reason}; start again with "state": null').format(reason=reason), FIELD
    )


def decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        refuse(
            gettext("is not valid: it must be the exact string a previous /api/cnn/train returned")
        )


def signed_payload(text: str, secret: bytes) -> tuple[bytes, dict, int]:
    """The payload, its header and the header's length, once the signature matches."""
    if not isinstance(text, str):
        refuse(gettext("must be a string"))
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != MAGIC:
        refuse(
            gettext("is not valid: it must be the exact string a previous /api/cnn/train returned")
        )
    payload, tag = decode(parts[1]), decode(parts[2])
    if not hmac.compare_digest(tag, sign(payload, secret)):
        refuse(
            gettext(
                "has been changed or truncated (its signature does not match), "
                "or was made by a server with another CNNLAB_STATE_SECRET"
            )
        )
    # Signed by this server (or one sharing its secret): the rest is checked all the same.
    try:
        (length,) = struct.unpack("<I", payload[:4])
        header = json.loads(payload[4 : 4 + length])
        if not isinstance(header, dict):
            raise TypeError
    except (struct.error, ValueError, TypeError):
        refuse(gettext("has an unreadable header"))
    return payload, header, length


def run_of(text: str, secret: bytes) -> dict:
    """The optimiser name and hyper-parameters a signed state was trained with."""
    _, header, _ = signed_payload(text, secret)
    run = header.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("optimizer"), str):
        refuse(
            gettext("does not say which optimiser made it; train a chunk again to get a new one")
        )
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
        refuse(gettext("has an unreadable header"))
    if digest is not None and config != digest:
        refuse(
            gettext(
                "belongs to a different run (its architecture, data set, seed, "
                "initialisation, optimiser, hyper-parameters, batch size or "
                "weight decay differ from this request's)"
            )
        )
    if precision not in PRECISIONS or not isinstance(step, int) or not 0 <= step <= MAX_TOTAL_STEPS:
        refuse(gettext("has an invalid precision or step"))
    if sizes != (num_params, running_size) or sorted(names) != sorted(state_names):
        refuse(
            gettext(
                "has the wrong shape: {sizes} parameters and state {names}, but "
                "this run needs {num_params} and {value}"
            ).format(sizes=sizes[0], names=names, num_params=num_params, value=sorted(state_names))
        )
    dtype = np.dtype(PRECISIONS[precision])
    expected = 4 + length + dtype.itemsize * (num_params * (1 + len(names)) + running_size)
    if len(payload) != expected:
        refuse(
            gettext("has {payload_count} bytes where {expected} are needed").format(
                payload_count=len(payload), expected=expected
            )
        )
    flat = np.frombuffer(payload, dtype, offset=4 + length).copy()
    if not np.isfinite(flat).all():
        refuse(gettext("holds non-finite values"))
    loss_ema = header.get("loss_ema", 0.0)
    if isinstance(loss_ema, bool) or not isinstance(loss_ema, (int, float)):
        refuse(gettext("has an invalid smoothed loss"))
    if not math.isfinite(loss_ema):
        refuse(gettext("holds non-finite values"))
    x = flat[:num_params]
    opt_state = {
        name: flat[num_params * (k + 1) : num_params * (k + 2)] for k, name in enumerate(names)
    }
    running = flat[num_params * (1 + len(names)) :]
    return TrainState(step, x, opt_state, running, precision, float(loss_ema))
