"""Types shared by every domain: finite floats, bounded nested lists, int-or-pair parameters."""

from typing import Annotated

import numpy as np
import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.responses import Response

from app.core.errors import ShapeError
from app.i18n import _

# Every seed a lesson takes: NumPy's default_rng accepts 0 to 2³² − 1 (and so does the page).
MAX_SEED = 2**32 - 1

# Every float field refuses NaN and Infinity (Python's json accepts them as literals).
Finite = Annotated[float, Field(allow_inf_nan=False)]
# Values a lesson multiplies and sums: bounded so no result can overflow to Infinity.
MAX_MAGNITUDE = 1e6
Value = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]


class StrictModel(BaseModel):
    """Base for request models: finite floats everywhere."""

    model_config = ConfigDict(allow_inf_nan=False)


def Pair(low: int, high: int, what: str):
    """An int for both axes, or [height, width]; each within [low, high]. Validates to (h, w);
    give defaults as pairs, since defaults are not validated.

    One validator for every int-or-pair parameter, so that conv and pool word a mistake the same
    way and an error's location is the field itself (a union would add its members' names).
    """

    def to_pair(value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if not (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise PydanticCustomError(
                "int_or_pair",
                _("must be an integer or a pair [height, width], got {got}"),
                {"got": repr(value)[:40]},
            )
        for v in value:
            if not low <= v <= high:
                raise PydanticCustomError(
                    "int_or_pair_range",
                    _("must be between {low} and {high}, got {value}"),
                    {"low": low, "high": high, "value": v},
                )
        return tuple(value)

    item = Annotated[int, Field(ge=low, le=high)]
    documented = item | Annotated[list[item], Field(min_length=2, max_length=2)]
    return Annotated[
        tuple[int, int],
        BeforeValidator(to_pair, json_schema_input_type=documented),
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
        raise ShapeError(
            _("{field} is ragged: {value}").format(field=field, value=describe_ragged(value, ndim)),
            field,
        )
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


def json_response(body: dict) -> Response:
    """A large response serialised by orjson in the route's worker thread, not by pydantic:
    validating 10⁵ trace objects into models held the GIL (and so the event loop) for a second,
    and serialising them on the loop for another 100 ms. The route declares its model with
    response_model= for /openapi.json; tests/api/test_response_models.py validates the real
    responses against it. Values are finite by construction (bounded inputs)."""
    return Response(
        orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json"
    )
