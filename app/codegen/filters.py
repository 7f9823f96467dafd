"""Programs for the image-filter lesson: /api/image/filter and /api/image/probe.

/api/image/filter takes a photo upload (multipart/form-data), and a photo is not a number a
program can hold. What the maps are computed from is: the photo as the network sees it, after
decoding, EXIF orientation, grayscale or RGB and downscaling to the working size (Pillow's work,
which neither torch nor the standard library can redo), as C×H×W whole numbers with a scale
(x = pixel / scale), exactly the `input` the endpoint returns. So POST /api/code takes, for
"/api/image/filter", the JSON body {"pixels", "scale", "spec"} (the upload's spec field, parsed),
and the programs embed those pixels and compute every filter's conv, activation and pool maps
as the endpoint does. An image is embedded up to MAX_CODE_SIDE pixels a side: the lesson's
256×256 sample images fit (in RGB 196,608 numbers, about 1 MB of program and of request body,
within the 2 MB body limit); a photo at the working size (1024) would be megabytes, so the page
says the program needs a smaller image instead of sending it. The page's display settings
(previews, contrast, view) change no number and are ignored; `full` (one stage of one map) is
honoured: the programs print only that stage.

/api/image/probe is JSON already: its pixels are the few the probed pixel depends on.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import ConfigDict, Field

from app.api import image as image_api
from app.codegen.printer import Programs, integer, nested, program, wrapped
from app.core import filters
from app.core.errors import InputError
from app.i18n import _, gettext
from app.schemas.common import StrictModel, bounded, to_array
from app.schemas.image import FilterRequestSpec
from app.schemas.probe import ProbeRequest

# The longest side of an image a program embeds.
MAX_CODE_SIDE = 256

Pixel = Annotated[int, Field(ge=0, le=65535)]


class FilterCodeRequest(StrictModel):
    """/api/image/filter for POST /api/code: the image as the network sees it, and the spec."""

    model_config = ConfigDict(extra="forbid")  # a "file" here is a misunderstanding: say so

    pixels: bounded(bounded(bounded(Pixel, MAX_CODE_SIDE), MAX_CODE_SIDE), 3) = Field(
        description=f"C×H×W whole numbers (C = 1 for gray, 3 for rgb; H, W ≤ {MAX_CODE_SIDE}): "
        "the image the maps are computed from, exactly as /api/image/filter's `input` holds it"
    )
    scale: Literal[255, 65535] = Field(description="x = pixel / scale (16-bit images: 65535)")
    spec: FilterRequestSpec


def checked_pixels(pixels, scale: int, color: str, field: str = "pixels") -> np.ndarray:
    array = to_array(pixels, field, 3, dtype=np.int64)
    channels = 1 if color == "gray" else 3
    if array.shape[0] != channels:
        raise InputError(
            _("pixels has {count} channels; a {color} image has {channels}").format(
                count=array.shape[0], color=color, channels=channels
            ),
            field,
        )
    if array.max() > scale:
        raise InputError(
            gettext("pixels must be integers from 0 to the scale {scale}").format(scale=scale),
            field,
        )
    return array


def handler(request: FilterCodeRequest) -> dict:
    """The endpoint's checks on these pixels and this spec: the kernels, their fit, the pool."""
    spec = request.spec
    pixels = checked_pixels(request.pixels, request.scale, spec.color)
    C, H, W = pixels.shape
    image_api.check_full_stage(spec)  # the endpoint's own check of `full`
    chosen = [filters.make_filter(C, f.preset, f.kernel, f.full_depth) for f in spec.filters]
    pool = spec.pool.model_dump() if spec.pool else None
    try:
        for i, f in enumerate(chosen):
            filters.stage_shapes(
                f.kernel, C, H, W, spec.padding, spec.stride, pool, f"filters[{i}].kernel"
            )
    except InputError as exc:
        field = f"spec.{exc.field}" if exc.field else "spec"
        raise InputError(f"{field}: {exc.message}", field) from None
    return {"filters": chosen, "pixels": pixels}


NUMPY_HELPERS = '''
def conv(x, kernel, pad):
    """The kernel slid over x (C, H, W) with `pad` rings of zeros and the stride: a K×K kernel
    on each channel on its own (one map per channel, like an image editor), a C×K×K kernel
    over every channel at once (one map, like a CNN layer)."""
    if mode == "convolution":
        kernel = kernel[..., ::-1, ::-1]  # true convolution: the kernel flipped
    K = kernel.shape[-1]
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (K, K), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (C, H_out, W_out, K, K)
    if kernel.ndim == 3:
        return np.einsum("chwij,cij->hw", windows, kernel)
    maps = np.einsum("chwij,ij->chw", windows, kernel)
    return maps if len(x) > 1 else maps[0]


def pool(a, size, step):
    """Max or average pooling of each map, size × size windows every `step` cells."""
    windows = np.lib.stride_tricks.sliding_window_view(a, (size, size), axis=(-2, -1))
    windows = windows[..., ::step, ::step, :, :]
    if pool_mode == "max":
        return windows.max(axis=(-2, -1))
    return windows.mean(axis=(-2, -1), dtype=np.float32)'''

TORCH_HELPERS = '''
def conv(x, kernel, pad):
    """The kernel slid over x (C, H, W) with `pad` rings of zeros and the stride: a K×K kernel
    on each channel on its own (one map per channel, like an image editor), a C×K×K kernel
    over every channel at once (one map, like a CNN layer)."""
    if mode == "convolution":
        kernel = torch.flip(kernel, dims=(-2, -1))  # true convolution: the kernel flipped
    if kernel.dim() == 3:
        return F.conv2d(x[None], kernel[None], stride=stride, padding=pad)[0, 0]
    maps = F.conv2d(x[:, None], kernel[None, None], stride=stride, padding=pad)[:, 0]
    return maps if len(x) > 1 else maps[0]


def pool(a, size, step):
    """Max or average pooling of each map, size × size windows every `step` cells."""
    pooling = F.max_pool2d if pool_mode == "max" else F.avg_pool2d
    return pooling(a[None], size, step)[0]'''


# The words a program may hold: these tables' own strings (a request's value is a Literal of
# its model, and only the table's copy is pasted).
WORDS = {
    word: word
    for word in ("same", "valid", "relu", "none", "cross-correlation", "convolution", "max", "avg")
}


def settings_lines(padding, stride, activation, pool, mode) -> str:
    """The pipeline's settings: catalogue words (Literals of the request models) and numbers."""
    lines = [
        f'padding = "{WORDS[padding]}"  # same: (K - 1) / 2 rings of zeros; valid: none',
        f"stride = {integer(stride)}",
        f'activation = "{WORDS[activation]}"',
        f'mode = "{WORDS[mode]}"',
    ]
    if pool is not None:
        step = pool.get("stride") or pool["size"]
        lines.append(
            f'pool_mode, pool_size, pool_stride = "{WORDS[pool["mode"]]}", '
            f"{integer(pool['size'])}, {integer(step)}"
        )
    else:
        lines.append("pool_mode = None  # no pooling")
    return "\n".join(lines)


def pixel_lines(lib: str, pixels: np.ndarray, scale: int, comment: str) -> str:
    if lib == "np":
        prefix = "pixels = np.array("
        return (
            f"# {comment}\n{prefix}{integer_rows(pixels, len(prefix))})\n"
            f"x = pixels.astype(np.float32) / np.float32({integer(scale)})"
            "  # the numbers the kernels see"
        )
    prefix = "pixels = torch.tensor("
    return (
        f"# {comment}\n{prefix}{integer_rows(pixels, len(prefix))})\n"
        f"x = pixels.to(torch.float32) / {integer(scale)}  # the numbers the kernels see"
    )


def integer_rows(array: np.ndarray, indent: int) -> str:
    """Whole numbers as nested lists, one image row per line."""
    if array.ndim == 1:
        return wrapped([integer(int(v)) for v in array], indent)
    joiner = ",\n" + " " * (indent + 1)
    return "[" + joiner.join(integer_rows(part, indent + 1) for part in array) + "]"


def kernel_line(lib: str, name: str, kernel: np.ndarray, label: str) -> str:
    prefix = f"{name} = np.array(" if lib == "np" else f"{name} = torch.tensor("
    dtype = "np.float32" if lib == "np" else "torch.float32"
    return f"# {label}\n{prefix}{nested(kernel, len(prefix))}, dtype={dtype})"


def label_of(f: filters.Filter) -> str:
    if f.name in filters.PRESETS:
        preset = filters.PRESETS[f.name]
        depth = " (full depth: a third on each channel)" if f.kernel.ndim == 3 else ""
        return f"{preset.label}: the preset's kernel{depth}"
    return "your kernel"


FILTER_BODY = """
{pixels}

{settings}
{helpers}


maps = []
for index, kernel in enumerate(kernels):
    pad = (kernel.shape[-1] - 1) // 2 if padding == "same" else 0
    stages = {{"conv": conv(x, kernel, pad)}}
    stages["activation"] = {relu} if activation == "relu" else stages["conv"]
    if pool_mode is not None:
        stages["pool"] = pool(stages["activation"], pool_size, pool_stride)
    {keep}
    maps.append({{
        "index": index,
        "stages": {{
            name: {{"shape": list(a.shape), "min": {min}, "max": {max}, "values": a.tolist()}}
            for name, a in stages.items()
        }},
    }})
print(json.dumps({{"maps": maps}}))
"""


def filter_maps(request: FilterCodeRequest, checked: dict) -> Programs:
    spec = request.spec
    pool = spec.pool.model_dump() if spec.pool else None
    chosen = checked["filters"]
    wanted = range(len(chosen)) if spec.full is None else [spec.full.map]
    comment = (
        f"The image as the network sees it: {'gray' if spec.color == 'gray' else 'RGB'}, "
        f"{len(checked['pixels'])}×{len(checked['pixels'][0])}×{len(checked['pixels'][0][0])} "
        "(C×H×W),\n# after cnnlab decoded, oriented and scaled the photo."
    )
    settings = settings_lines(spec.padding, spec.stride, spec.activation, pool, spec.mode)
    if spec.full is None:
        keep = "pass  # every stage of every map"
    else:
        stage = {name: name for name in filters.STAGES}[spec.full.stage]
        keep = f'stages = {{"{stage}": stages["{stage}"]}}  # the one stage asked for'
    sources = {}
    for lib in ("np", "torch"):
        kernels = "\n".join(
            kernel_line(lib, f"k{i}", chosen[i].kernel, f"filter {i}: {label_of(chosen[i])}")
            for i in wanted
        )
        listing = ", ".join(f"k{i}" for i in wanted)
        body = FILTER_BODY.format(
            pixels=pixel_lines(lib, checked["pixels"], request.scale, comment),
            settings=f"{settings}\n\n{kernels}\nkernels = [{listing}]",
            helpers=NUMPY_HELPERS if lib == "np" else TORCH_HELPERS,
            relu=(
                "np.maximum(stages['conv'], np.float32(0))"
                if lib == "np"
                else "torch.relu(stages['conv'])"
            ),
            keep=keep,
            min="float(a.min())" if lib == "np" else "a.min().item()",
            max="float(a.max())" if lib == "np" else "a.max().item()",
        )
        if spec.full is not None:  # indices as the endpoint numbers its maps
            body = body.replace('"index": index,', f'"index": {integer(spec.full.map)},')
        sources[lib] = body
    return Programs(
        program(
            ["import json", "", "import torch", "import torch.nn.functional as F"], sources["torch"]
        ),
        program(["import json", "", "import numpy as np"], sources["np"]),
        ("maps",),
    )


PROBE_BODY = """
{pixels}
oy, ox = {oy}, {ox}  # their first row and column in the image
H, W = {H}, {W}  # the image's height and width

{settings}
{kernel}
stage, row, col = "{stage}", {row}, {col}  # the pixel, on the {stage} map
{helpers}


# The conv cells the pixel depends on: a pool window of them, or the pixel itself.
K = kernel.shape[-1]
pad = (K - 1) // 2 if padding == "same" else 0
n, step = (pool_size, pool_stride) if stage == "pool" else (1, 1)
top, left = row * step * stride - pad, col * step * stride - pad
side = (n - 1) * stride + K
# Their windows, as one crop of the zero-padded image.
{crop}
y0, y1, x0, x1 = max(top, 0), min(top + side, H), max(left, 0), min(left + side, W)
crop[:, y0 - top : y1 - top, x0 - left : x1 - left] = x[:, y0 - oy : y1 - oy, x0 - ox : x1 - ox]
cells = conv(crop, kernel, 0)  # n × n conv cells (per channel map)
if cells.ndim == 2:
    cells = cells[None]  # one map: a leading axis, so that both kinds index alike
activated = {relu} if activation == "relu" else cells
if stage == "pool":
    value = pool(activated, n, n)[:, 0, 0]
else:
    value = (cells if stage == "conv" else activated)[:, 0, 0]
print(json.dumps({{"value": value.tolist()}}))
"""


def probe(request: ProbeRequest, _response=None) -> Programs:
    pixels = np.asarray(request.pixels, dtype=np.int64)
    f = request.filter
    if f.preset is not None:
        kernel = filters.preset_kernel(f.preset)
        label = f"{filters.PRESETS[f.preset].label}: the preset's kernel"
    else:
        kernel = np.asarray(f.kernel, dtype=np.float32)
        label = "the kernel"
    pool = request.pool.model_dump() if request.pool else None
    settings = settings_lines(
        request.padding, request.stride, request.activation, pool, request.mode
    )
    stage = {name: name for name in filters.STAGES}[request.stage]
    C, h, w = pixels.shape
    sources = {}
    for lib in ("np", "torch"):
        body = PROBE_BODY.format(
            pixels=pixel_lines(
                lib,
                pixels,
                request.scale,
                f"The {C}×{h}×{w} image pixels (C×h×w) the probed pixel depends on.",
            ),
            oy=integer(request.origin[0]),
            ox=integer(request.origin[1]),
            H=integer(request.image_size[0]),
            W=integer(request.image_size[1]),
            settings=settings,
            kernel=kernel_line(lib, "kernel", kernel, label),
            stage=stage,
            row=integer(request.row),
            col=integer(request.col),
            helpers=NUMPY_HELPERS if lib == "np" else TORCH_HELPERS,
            crop=(
                "crop = np.zeros((len(x), side, side), np.float32)"
                if lib == "np"
                else "crop = torch.zeros(len(x), side, side)"
            ),
            relu="np.maximum(cells, np.float32(0))" if lib == "np" else "torch.relu(cells)",
        )
        sources[lib] = body
    return Programs(
        program(
            ["import json", "", "import torch", "import torch.nn.functional as F"], sources["torch"]
        ),
        program(["import json", "", "import numpy as np"], sources["np"]),
        ("value",),
    )
