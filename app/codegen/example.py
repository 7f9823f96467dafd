"""Programs for /api/cnn/example: an uploaded image made into one example of a data set.

The endpoint takes a file (multipart/form-data), and a file is not a number a program can hold.
What the example is computed from is: the image as Pillow decoded it, grayscale and scaled so
its longest side is at most the data set's (Pillow's work, which neither torch nor the standard
library redoes), as H×W whole numbers with a scale (value = pixel / scale), exactly the
`pixels` and `scale` the endpoint returns. So POST /api/code takes, for "/api/cnn/example", the
JSON body {"dataset", "invert", "pixels", "scale"}, and the programs do the rest as the endpoint
does (app.core.nn.inspect.as_example): a smaller image scaled up (bilinear, pixel centres
aligned as Pillow's), inverted when asked or when its border is light, and centred on a black
square the data set's size.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import ConfigDict, Field

from app.codegen.filters import integer_rows
from app.codegen.printer import OMIT, Programs, integer, program
from app.core import datasets
from app.core.errors import InputError
from app.core.nn import inspect as nn_inspect
from app.i18n import gettext
from app.schemas.common import StrictModel, bounded, to_array

MAX_SIDE = 64  # the largest data set side a body may hold (the data sets are 28×28)

Pixel = Annotated[int, Field(ge=0, le=65535)]


class ExampleCodeRequest(StrictModel):
    """/api/cnn/example for POST /api/code: the decoded image, not the file."""

    model_config = ConfigDict(extra="forbid")  # a "file" here is a misunderstanding: say so

    dataset: str = Field(default="shapes", max_length=40, description=", ".join(datasets.CATALOGUE))
    invert: Literal["auto", "yes", "no"] = "auto"
    pixels: bounded(bounded(Pixel, MAX_SIDE), MAX_SIDE) = Field(
        description="H×W whole numbers: the image as the endpoint decoded it (grayscale, longest "
        "side at most the data set's), exactly /api/cnn/example's `pixels`"
    )
    scale: Literal[255, 65535] = Field(description="value = pixel / scale (16-bit images: 65535)")


def handler(request: ExampleCodeRequest) -> dict:
    """The endpoint's work from its decoded image on: the same checks, the same example."""
    info = datasets.get_info(request.dataset)
    pixels = to_array(request.pixels, "pixels", 2, dtype=np.int64)
    if pixels.max() > request.scale:
        raise InputError(
            gettext("pixels must be integers from 0 to the scale {scale}").format(
                scale=request.scale
            ),
            "pixels",
        )
    gray = pixels.astype(np.float32) / np.float32(request.scale)
    try:
        x, _, inverted = nn_inspect.as_example(gray, info.shape[-1], request.invert)
    except InputError as exc:
        raise InputError(exc.message, "pixels") from None
    return {"x": x, "inverted": inverted, "side": info.shape[-1], "pixels": pixels}


def sizes(h: int, w: int, side: int) -> tuple[int, int]:
    """The scaled-up size, as app.core.nn.inspect.scale_up rounds it."""
    factor = side / max(h, w)
    return max(1, round(h * factor)), max(1, round(w * factor))


NUMPY_SCALE_UP = '''

def scale_up(gray, H, W):
    """Bilinear resampling to H×W, pixel centres aligned as Pillow's BILINEAR when enlarging."""
    h, w = gray.shape

    def centres(n_in, n_out):
        return np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)

    rows = np.array([np.interp(centres(w, W), np.arange(w), row) for row in gray])
    return np.array([np.interp(centres(h, H), np.arange(h), col) for col in rows.T]).T

'''


def example(request: ExampleCodeRequest, response: dict) -> Programs:
    side, pixels = response["side"], response["pixels"]
    h, w = pixels.shape
    H, W = sizes(h, w, side) if max(h, w) < side else (h, w)
    scale = integer(request.scale)
    comment = (
        f"# The image as the endpoint decoded it (Pillow): grayscale, {integer(w)}×{integer(h)}\n"
        f"# (longest side at most {integer(side)}), whole numbers 0 to {scale}."
    )
    if request.invert == "auto":
        decide = "inverted = bool(border.mean() > 0.5)  # auto: a light border is paper"
    else:
        decide = f"inverted = {request.invert == 'yes'}  # as asked"
    grow = max(h, w) < side
    size = f"{integer(H)}, {integer(W)}"
    grow_np = (
        f"{NUMPY_SCALE_UP}\ngray = scale_up(gray, {size})  # the longest side made side"
        if grow
        else OMIT
    )
    grow_torch = (
        "# Bilinear, pixel centres aligned (align_corners=False): the longest side made side.\n"
        f"gray = F.interpolate(gray[None, None].double(), size=({size}), "
        'mode="bilinear", align_corners=False)[0, 0]'
        if grow
        else OMIT
    )
    # Inverted or not, centred: the same lines in both programs (np.zeros and torch.zeros alike).
    finish = """if inverted:
    gray = 1.0 - gray
x = LIB.zeros((1, side, side), dtype=LIB.float32)  # centred on a black square
h, w = gray.shape
top, left = (side - h) // 2, (side - w) // 2
x[0, top : top + h, left : left + w] = gray

print(json.dumps({"x": x.tolist(), "inverted": inverted}))
"""
    numpy = f"""
{comment}
pixels = np.array({integer_rows(pixels, len("pixels = np.array("))})
gray = pixels.astype(np.float32) / np.float32({scale})  # values in [0, 1]
side = {integer(side)}  # the data set's images are side × side
{grow_np}

# The data set's images are light strokes on black: a drawing on paper is inverted.
border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
{decide}
{finish.replace("LIB", "np")}"""
    torch = f"""
{comment}
pixels = torch.tensor({integer_rows(pixels, len("pixels = torch.tensor("))})
gray = pixels.to(torch.float32) / {scale}  # values in [0, 1]
side = {integer(side)}  # the data set's images are side × side
{grow_torch}

# The data set's images are light strokes on black: a drawing on paper is inverted.
border = torch.cat([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
{decide.replace("border.mean() > 0.5", "border.mean().item() > 0.5")}
{finish.replace("LIB", "torch")}"""
    torch_imports = ["import json", "", "import torch"]
    if grow:
        torch_imports.append("import torch.nn.functional as F")
    return Programs(
        program(torch_imports, torch),
        program(["import json", "", "import numpy as np"], numpy),
        ("x", "inverted"),
        precision="float32",
    )
