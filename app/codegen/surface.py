"""Programs for /api/surfaces/custom: the learner's f(x, y) sampled on the page's grid.

The expression is never pasted: app.core.expression parses it (the endpoint's own checks, the
same 422s), and app.codegen.expression prints the parsed tree, its numbers as repr floats and
its operators and functions from that module's tables. The gradient the page writes out is the
core's, derived from the same tree; the programs print f on the grid, as the endpoint does.
"""

from __future__ import annotations

from app.codegen import expression as expression_code
from app.codegen.printer import Programs, integer, number, program
from app.core import surfaces
from app.schemas.optim import CustomSurfaceRequest

PRINTS = ("values", "min", "max", "nonfinite_count")

NUMPY = """
np.seterr(all="ignore")  # f may be undefined in places (log of a negative number): data

# Your f(x, y), printed from the tree cnnlab parsed, and its gradient as cnnlab's core derives it.
{source}


(x0, x1), (y0, y1) = ({x0}, {x1}), ({y0}, {y1})
n = {n}  # points per side, ends included
xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
gx, gy = np.meshgrid(xs, ys)  # values[i][j] = f(xs[j], ys[i]): rows run along y
values = np.broadcast_to(np.asarray(f(gx, gy), dtype=np.float64), gx.shape)
finite = np.isfinite(values)
print(json.dumps({{
    "values": np.where(finite, values, None).tolist(),  # null where f is not finite
    "min": float(values[finite].min()) if finite.any() else None,
    "max": float(values[finite].max()) if finite.any() else None,
    "nonfinite_count": int((~finite).sum()),
}}))
"""

TORCH = """
# Your f(x, y), printed from the tree cnnlab parsed, and its gradient as cnnlab's core derives it.
# (grad is what the optimiser race steps; autograd on f gives the same up to rounding.)
{source}


(x0, x1), (y0, y1) = ({x0}, {x1}), ({y0}, {y1})
n = {n}  # points per side, ends included
xs = torch.linspace(x0, x1, n, dtype=torch.float64)
ys = torch.linspace(y0, y1, n, dtype=torch.float64)
gx, gy = torch.meshgrid(xs, ys, indexing="xy")  # values[i][j] = f(xs[j], ys[i])
values = torch.as_tensor(f(gx, gy), dtype=torch.float64).expand(n, n)
finite = torch.isfinite(values)
print(json.dumps({{
    "values": [[v if math.isfinite(v) else None for v in row] for row in values.tolist()],
    "min": values[finite].min().item() if finite.any() else None,
    "max": values[finite].max().item() if finite.any() else None,
    "nonfinite_count": int((~finite).sum()),
}}))
"""


def custom(request: CustomSurfaceRequest, _response=None) -> Programs:
    built = surfaces.custom_surface(request.expression, request.domain).expression
    (x0, x1), (y0, y1) = request.domain
    numbers = {
        "x0": number(x0),
        "x1": number(x1),
        "y0": number(y0),
        "y1": number(y1),
        "n": integer(request.resolution),
    }
    numpy = NUMPY.format(source=expression_code.surface_source(built, "np"), **numbers)
    torch = TORCH.format(source=expression_code.surface_source(built, "torch"), **numbers)
    numpy_imports = ["import json", *(["import math"] if "math." in numpy else []), ""]
    return Programs(
        program(["import json", "import math", "", "import torch"], torch),
        program([*numpy_imports, "import numpy as np"], numpy),
        PRINTS,
    )
