"""What every generated program shares: numbers written so they read back exactly, and the
program's frame (imports, one JSON line printed).

Only numbers reach a program from a request: floats as repr (the shortest text that reads back
as the same float64, so a pasted array round-trips bit for bit) and ints as ints. An array of
float32 values (a float32 run's parameters, a data set's pixels) is written as the shortest text
that reads back as the same float32 (0.1, not its float64 widening 0.10000000149011612), read
as float32 and widened: the same numbers in about half the characters. Every name,
keyword and function call in a program comes from the generators' own tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# A row longer than this is wrapped (Python joins lines inside brackets).
LINE = 96


def number(value) -> str:
    """One float as Python reads it back exactly (-0.0 kept); refuses what is not finite."""
    value = float(value)
    if not math.isfinite(value):  # the request models refuse these: a bug if it gets here
        raise ValueError(f"not a finite number: {value!r}")
    return repr(value)


def number32(value) -> str:
    """A float32 as the shortest text that reads back as the same float32 (numpy's dragon4)."""
    single = np.float32(value)
    if not np.isfinite(single):
        raise ValueError(f"not a finite number: {value!r}")
    texts = (
        np.format_float_positional(single, unique=True, trim="0"),  # 7056896.0, not 7.056896e+06
        np.format_float_scientific(single, unique=True, trim="-", exp_digits=1),  # 1e-45
    )
    # The program's Python reads the text as a float64 first, then rounds that to float32:
    # where the two roundings would miss the float32, its float64 text is exact instead.
    kept = [text for text in texts if np.float32(float(text)) == single]
    return min(kept, key=len) if kept else number(single)


def is_float32(array: np.ndarray) -> bool:
    """Every value is a float32 widened, and one at least is shorter written as a float32."""
    array = np.asarray(array, dtype=np.float64)
    if not np.isfinite(array).all() or not np.array_equal(
        array.astype(np.float32).astype(np.float64), array
    ):
        return False
    return any(len(number32(v)) < len(number(v)) for v in array.flat)


def integer(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"not an integer: {value!r}")
    return str(int(value))


def pair(values) -> str:
    """(2, 2) -> "2", (1, 2) -> "(1, 2)": keyword arguments as a person would write them."""
    a, b = (integer(v) for v in values)
    return a if a == b else f"({a}, {b})"


def wrapped(items: list[str], indent: int, opening: str = "[") -> str:
    """Items (texts) in brackets, comma-separated, wrapped at LINE characters: the first line
    after `indent` characters of its own line, the others `indent` + 1 spaces in."""
    lines, current, start = [], opening, indent  # start: what stands before `current`
    for k, item in enumerate(items):
        piece = item + (", " if k < len(items) - 1 else "")
        if start + len(current) + len(piece.rstrip()) > LINE and current != opening:
            lines.append(current.rstrip())
            current, start = " " * (indent + len(opening)), 0
        current += piece
    lines.append(current + "]")
    return "\n".join(lines)


def row(values, indent: int, float32: bool = False) -> str:
    """A flat list of numbers, wrapped at LINE characters with `indent` spaces on new lines
    (float32: written as float32 values)."""
    return wrapped([(number32 if float32 else number)(v) for v in values], indent)


def nested(value, indent: int = 0, float32: bool = False) -> str:
    """Nested lists of numbers as a Python literal: one innermost row per line, so a 5×5 plane
    reads as a 5×5 grid."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return (number32 if float32 else number)(array)
    if array.ndim == 1:
        return row(array, indent, float32)
    inner = [nested(part, indent + 1, float32) for part in array]
    joiner = ",\n" + " " * (indent + 1)
    return "[" + joiner.join(inner) + "]"


# A template line that is only this (indented or not) is dropped: an optional part left out.
OMIT = "\0"


def program(imports: list[str], body: str) -> str:
    """A complete program: its imports, then the body (which prints one JSON line)."""
    kept = [line for line in body.strip("\n").split("\n") if line.strip(" ") != OMIT]
    # An optional part left out can leave blank lines in a row: never more than two.
    kept = [line for k, line in enumerate(kept) if line or k < 2 or kept[k - 1] or kept[k - 2]]
    return "\n".join(imports) + "\n\n" + "\n".join(kept) + "\n"


@dataclass(frozen=True)
class Programs:
    """The two programs for one request, and the keys of the JSON line each prints."""

    pytorch: str
    numpy: str
    prints: tuple[str, ...]
    same_numbers: bool = True  # False: the PyTorch program runs the same experiment on its own
    # draws (the app's NumPy draws are too many to write out), so its numbers differ
    precision: str | None = None  # the body's precision when the endpoint has more than one


def array_text(lead: str, value, lib: str, grad: bool = False) -> str:
    """lead + the array as a float64 NumPy array (lib "np") or torch tensor (lib "torch", with
    requires_grad when grad); float32 values (is_float32) read as float32 and widened. An array
    longer than a few lines starts on the next line, four spaces in, so its rows are long."""
    array = np.asarray(value, dtype=np.float64)
    single = is_float32(array)
    call = "np.array(" if lib == "np" else "torch.tensor("
    if lib == "np":
        dtype, after = ("dtype=np.float32", ".astype(np.float64)") if single else ("", "")
    elif single:
        dtype, after = "dtype=torch.float32", ".double()" + (".requires_grad_()" if grad else "")
    else:
        dtype, after = "dtype=torch.float64" + (", requires_grad=True" if grad else ""), ""
    values = nested(array, len(lead) + len(call), single)
    if values.count("\n") < 4:
        return f"{lead}{call}{values}{', ' + dtype if dtype else ''}){after}"
    margin = " " * (len(lead) - len(lead.lstrip(" ")))
    values = nested(array, len(margin) + 4, single)
    keywords = f"{margin}    {dtype},\n" if dtype else ""
    return f"{lead}{call}\n{margin}    {values},\n{keywords}{margin}){after}"


def numpy_array(name: str, value, comment: str = "") -> str:
    """`name = np.array([...])`, a comment line above it when given."""
    head = f"# {comment}\n" if comment else ""
    prefix = f"{name} = np.array("
    return f"{head}{prefix}{nested(value, len(prefix))})"


def torch_tensor(name: str, value, comment: str = "", grad: bool = False) -> str:
    """`name = torch.tensor([...], dtype=torch.float64)` (requires_grad=True when asked)."""
    head = f"# {comment}\n" if comment else ""
    prefix = f"{name} = torch.tensor("
    extra = ", requires_grad=True" if grad else ""
    return f"{head}{prefix}{nested(value, len(prefix))}, dtype=torch.float64{extra})"


def keywords(**values) -> str:
    """ ", stride=2, padding=1" for the values given (None left out)."""
    return "".join(f", {key}={value}" for key, value in values.items() if value is not None)


NUMPY_IMPORTS = ["import json", "", "import numpy as np"]
TORCH_IMPORTS = ["import json", "", "import torch", "import torch.nn.functional as F"]


def print_json(values: dict[str, str]) -> str:
    """The program's last line: one JSON object, the key -> the expression that gives it."""
    if len(values) == 1:
        ((key, value),) = values.items()
        return f'print(json.dumps({{"{key}": {value}}}))'
    inside = "".join(f'    "{key}": {value},\n' for key, value in values.items())
    return "print(json.dumps({\n" + inside + "}))"
