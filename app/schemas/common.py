"""Types shared by every domain: finite floats, bounded nested lists, int-or-pair parameters."""

from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import ShapeError

# Every float field refuses NaN and Infinity (Python's json accepts them as literals).
Finite = Annotated[float, Field(allow_inf_nan=False)]
# Values a lesson multiplies and sums: bounded so no result can overflow to Infinity.
MAX_MAGNITUDE = 1e6
# Seeds for NumPy's generators: every seeded request takes 0..MAX_SEED.
MAX_SEED = 2**32 - 1
Value = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]


class StrictModel(BaseModel):
    """Base for request models: finite floats everywhere."""

    model_config = ConfigDict(allow_inf_nan=False)


def Pair(low: int, high: int, what: str):
    """An int, or a [h, w] pair, each within [low, high]."""
    item = Annotated[int, Field(ge=low, le=high)]
    return Annotated[
        item | Annotated[list[item], Field(min_length=2, max_length=2)],
        Field(description=f"{what}: one integer for both axes, or [height, width]"),
    ]


def bounded(item, max_length: int, min_length: int = 1):
    return Annotated[list[item], Field(min_length=min_length, max_length=max_length)]


def to_array(value, field: str, ndim: int, dtype=np.float64) -> np.ndarray:
    """Nested lists -> an ndarray, or a ShapeError naming the field when the lists are ragged."""
    try:
        array = np.array(value, dtype=dtype)
    except ValueError:
        array = None
    if array is None or array.ndim != ndim:
        raise ShapeError(f"{field} is ragged: {describe_ragged(value, ndim)}", field)
    return array


def describe_ragged(value, ndim: int, path: str = "") -> str:
    """Point at the first sub-list whose length differs from its siblings."""
    if ndim <= 1 or not isinstance(value, list) or not value:
        return "every row must have the same length"
    lengths = [len(v) if isinstance(v, list) else -1 for v in value]
    if len(set(lengths)) > 1:
        first = lengths[0]
        bad = next(i for i, n in enumerate(lengths) if n != first)
        return f"{path}[{bad}] has {lengths[bad]} entries but {path}[0] has {first}"
    for i, v in enumerate(value):
        message = describe_ragged(v, ndim - 1, f"{path}[{i}]")
        if message != "every row must have the same length":
            return message
    return "every row must have the same length"
