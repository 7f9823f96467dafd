"""What every generated program shares: numbers written so they read back exactly, and the
program's frame (imports, one JSON line printed).

Only numbers reach a program from a request: floats as repr (the shortest text that reads back
as the same float64, so a pasted array round-trips bit for bit) and ints as ints. Every name,
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


def integer(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"not an integer: {value!r}")
    return str(int(value))


def pair(values) -> str:
    """(2, 2) -> "2", (1, 2) -> "(1, 2)": keyword arguments as a person would write them."""
    a, b = (integer(v) for v in values)
    return a if a == b else f"({a}, {b})"


def row(values, indent: int) -> str:
    """A flat list of numbers, wrapped at LINE characters with `indent` spaces on new lines."""
    items = [number(v) for v in values]
    lines, current = [], "["
    for k, item in enumerate(items):
        piece = item + (", " if k < len(items) - 1 else "")
        if len(current) + len(piece.rstrip()) > LINE - indent and current != "[":
            lines.append(current.rstrip())
            current = " " * (indent + 1)
        current += piece
    lines.append(current + "]")
    return "\n".join(lines)


def nested(value, indent: int = 0) -> str:
    """Nested lists of numbers as a Python literal: one innermost row per line, so a 5×5 plane
    reads as a 5×5 grid."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return number(array)
    if array.ndim == 1:
        return row(array, indent)
    inner = [nested(part, indent + 1) for part in array]
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
