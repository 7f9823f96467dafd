"""Page routes: the home page, one page per lesson, and /docs with local Swagger UI assets.

Each lesson page carries its catalogue: the labels, presets and control limits its script and
template need, taken from the core and the request schemas (so a page keeps no copy of them). It
goes into the page as a JSON data block, <script type="application/json" id="catalogue">, which
never executes (the CSP allows it), and the template reads the same values for its min/max.
"""

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlencode

from annotated_types import Ge, Gt, Le, Lt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app import i18n
from app.codegen.filters import MAX_CODE_SIDE
from app.core import (
    activations,
    conv_gradients,
    conv_transpose,
    datasets,
    expression,
    filters,
    init,
    surfaces,
)
from app.core.nn import layers as nn_layers
from app.core.nn import network as nn_network
from app.core.nn import train as nn_train
from app.i18n import N_
from app.i18n import gettext as _
from app.schemas import activations as activation_schemas
from app.schemas import cnn as cnn_schemas
from app.schemas import conv as conv_schemas
from app.schemas import conv_transpose as conv_transpose_schemas
from app.schemas import image as image_schemas
from app.schemas import optim as optim_schemas
from app.schemas import pool as pool_schemas
from app.schemas import training as training_schemas
from app.schemas.common import MAX_SEED
from app.settings import get_settings, resource_dir


@dataclass(frozen=True)
class Lesson:
    slug: str  # URL path and template name: /conv -> templates/conv.html (- becomes _)
    title: str  # English, marked N_ and translated where shown: {{ _(lesson.title) }}
    title_zh: str  # the Chinese term the English interface shows beside the title
    summary: str


# Each lesson adds itself here: the navigation and the home page's cards come from this list.
LESSONS = [
    Lesson(
        "conv",
        N_("Convolution"),
        "卷积",
        N_(
            "Step a filter over a padded input, window by window, with every product and sum "
            "written out: stride, padding, dilation, depth, and the output-size formula."
        ),
    ),
    Lesson(
        "conv-transpose",
        N_("Transposed convolution"),
        "转置卷积",
        N_(
            "Upsampling, stepped: each input cell stamps its value × the kernel into a larger "
            "output, or the same numbers as a convolution of the zero-stuffed input; output "
            "padding and the checkerboard artefact."
        ),
    ),
    Lesson(
        "activations",
        N_("Activations"),
        "激活函数",
        N_(
            "Sigmoid, tanh, ReLU, Leaky ReLU, PReLU, ELU and Maxout with their derivatives: "
            "saturation, zero-centring, vanishing gradients through a stack of layers, the dead "
            "ReLU."
        ),
    ),
    Lesson(
        "pooling",
        N_("Pooling"),
        "池化层",
        N_(
            "Max and average pooling stepped window by window: the winner or the sum and divisor,"
            " the output-size formula, global average pooling, and where the gradient goes back."
        ),
    ),
    Lesson(
        "filters",
        N_("Image filters"),
        "图像上的卷积",
        N_(
            "Your own photo through conv → ReLU → pooling: blur, sharpen, Sobel and other presets"
            " or a kernel you write, grayscale or colour, and the arithmetic behind any output "
            "pixel."
        ),
    ),
    Lesson(
        "optimizers",
        N_("Optimizers"),
        "优化器",
        N_(
            "SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam raced on toy loss surfaces with "
            "the numbers of every step; learning rates too low, good and too high; grid vs random"
            " search."
        ),
    ),
    Lesson(
        "training",
        N_("Training"),
        "训练",
        N_(
            "Before and during training: weight initialisation (0.01·randn, zeros, Xavier, He) "
            "through a 10-layer network, and batch normalisation with every mean, variance and "
            "gradient."
        ),
    ),
    Lesson(
        "cnn",
        N_("Train a CNN"),
        "训练一个卷积网络",
        N_(
            "Build a small convolutional network and train it live on shapes or Fashion-MNIST: "
            "the loss per step, accuracy, each layer's statistics, the filters it learns, the "
            "sanity checks, and optimisers compared on a real loss."
        ),
    ),
]


def schema_range(model, name: str) -> tuple[float | None, float | None]:
    """The [min, max] a request model's field accepts (its ge/gt/le/lt), None where open."""
    low = high = None
    for item in model.model_fields[name].metadata:
        if isinstance(item, (Ge, Gt)):
            low = item.ge if isinstance(item, Ge) else item.gt
        if isinstance(item, (Le, Lt)):
            high = item.le if isinstance(item, Le) else item.lt
    return low, high


def control(kind: str, default, low, high, model=None, field: str | None = None, **extra) -> dict:
    """One control for the page's state store (static/js/state.js): its type, default and range.

    low/high are the page's own range (what fits on a screen or a slider); with a request model's
    field they are narrowed to what that field accepts, so a page never offers what the API
    refuses.
    """
    if model is not None:
        schema_low, schema_high = schema_range(model, field)
        low = low if schema_low is None else max(low, schema_low)
        high = high if schema_high is None else min(high, schema_high)
    return {"type": kind, "default": default, "min": low, "max": high, **extra}


def seed(default: int = 0, model=None, field: str = "seed") -> dict:
    """A seed: the page's own generator takes any 32-bit seed, a request what its field allows."""
    return control("int", default, 0, MAX_SEED, model, field)


def conv_catalogue() -> dict:
    # The CS231n demo by default; grids up to 32×32 and 8 channels still fit on a screen.
    side = conv_schemas.MAX_SIDE
    return {
        "controls": {
            "h": control("int", 5, 1, min(32, side)),
            "w": control("int", 5, 1, min(32, side)),
            "c": control("int", 3, 1, min(8, conv_schemas.MAX_CHANNELS)),
            "f": control("int", 2, 1, min(8, conv_schemas.MAX_FILTERS)),
            "k": control("int", 3, 1, min(7, conv_schemas.MAX_KERNEL)),
            "s": control("int", 2, 1, min(8, side)),
            "p": control("int", 1, 0, min(6, side)),
            "d": control("int", 1, 1, min(4, side)),
            "seed": seed(231),
        },
        # The backward mode: the losses it can take dL/dY from, and /conv-transpose's limits,
        # for the link that reopens dL/dX there.
        "losses": {name: _(loss[0]) for name, loss in conv_gradients.LOSSES.items()},
        "transpose_controls": conv_transpose_catalogue()["controls"],
    }


def conv_transpose_catalogue() -> dict:
    # The guide's 2×2 → 5×5 by default (a preset in the core); up to 8×8 inputs and 5×5 kernels
    # fit on a screen. Stride, padding, output padding and dilation are Pair fields, bounded in
    # their validator, so their limits come from the schema's constants rather than schema_range.
    default = conv_transpose.PRESETS[conv_transpose.DEFAULT_PRESET].settings
    side = conv_schemas.MAX_SIDE
    return {
        "controls": {
            "h": control("int", default["h"], 1, min(8, side)),
            "w": control("int", default["w"], 1, min(8, side)),
            "c": control("int", default["c"], 1, min(3, conv_schemas.MAX_CHANNELS)),
            "f": control("int", default["f"], 1, min(3, conv_schemas.MAX_FILTERS)),
            "k": control("int", default["k"], 1, min(5, conv_schemas.MAX_KERNEL)),
            "s": control("int", default["s"], 1, min(4, conv_schemas.MAX_STRIDE)),
            "p": control("int", default["p"], 0, min(6, conv_schemas.MAX_PADDING)),
            "op": control("int", default["op"], 0, min(3, conv_schemas.MAX_STRIDE)),
            "d": control("int", default["d"], 1, min(3, conv_schemas.MAX_DILATION)),
            "seed": seed(default["seed"]),
        },
        "fills": {
            name: {
                "label": _(fill.label),
                "label_zh": fill.label_zh,
                "input": list(fill.input),
                "weights": list(fill.weights),
                "bias": list(fill.bias),
            }
            for name, fill in conv_transpose.FILLS.items()
        },
        "presets": [
            {
                "name": name,
                "label": _(preset.label),
                "label_zh": preset.label_zh,
                "description": _(preset.description),
                "settings": preset.settings,
            }
            for name, preset in conv_transpose.PRESETS.items()
        ],
        "default_preset": conv_transpose.DEFAULT_PRESET,
        "max_output_side": conv_transpose_schemas.MAX_TRANSPOSE_OUTPUT_SIDE,
    }


def pooling_catalogue() -> dict:
    side = pool_schemas.MAX_SIDE
    return {
        "controls": {
            "h": control("int", 4, 1, min(12, side)),
            "w": control("int", 4, 1, min(12, side)),
            "c": control("int", 1, 1, min(3, pool_schemas.MAX_CHANNELS)),
            "k": control("int", 2, 1, min(12, side)),
            # 0: not set, the window size (PyTorch's default)
            "s": control("int", 0, 0, min(12, side)),
            "p": control("int", 0, 0, min(6, side // 2)),
            "seed": seed(7),
        },
    }


def activations_catalogue() -> dict:
    vanishing = activation_schemas.VanishingRequest
    dead = activation_schemas.DeadReluRequest
    return {
        "functions": {
            name: {"label": _(info.label), "label_zh": info.label_zh, "alpha": info.alpha}
            for name, info in activations.FUNCTIONS.items()
        },
        "max_pieces": activation_schemas.MAX_PIECES,
        "controls": {
            "range": control("int", 6, 1, 20),
            "x": control("float", 1, -20, 20),
            # α sliders: the ranges worth exploring for each function
            "la": control("float", 0.01, 0, 0.5, step=0.005),
            "pa": control("float", 0.25, 0, 1, step=0.01),
            "ea": control("float", 1, 0, 3, step=0.05),
            "vd": control("int", 10, 1, 50, vanishing, "depth"),
            "vloc": control("float", 0, -20, 20, vanishing, "loc"),
            "vscale": control("float", 1, 0, 20, vanishing, "scale"),
            "vn": control("int", 500, 1, 2000, vanishing, "samples"),
            "vseed": seed(0, vanishing),
            "dw": control("float", 1, -5, 5, dead, "weight"),
            "db": control("float", 0.5, -10, 10, dead, "bias"),
            "dloc": control("float", 0, -20, 20, dead, "loc"),
            "dscale": control("float", 1, 0, 20, dead, "scale"),
            "dn": control("int", 200, 1, 2000, dead, "samples"),
            "dseed": seed(0, dead),
            "lr": control("float", 1, 0, 100),
        },
    }


def filters_catalogue() -> dict:
    return {
        "presets": [
            {
                "name": name,
                "label": _(p.label),
                "label_zh": p.label_zh,
                "extracts": _(p.extracts),
            }
            for name, p in filters.PRESETS.items()
        ],
        "kernel_sizes": list(range(1, filters.MAX_KERNEL + 1, 2)),
        # The page downscales a larger image in the browser to this side before it is uploaded.
        "working_size": get_settings().image_working_size,
        # The stage previews the page asks for; a zoomed stage comes at full resolution.
        "preview_side": 256,
        # The largest image side a Code panel program embeds (app.codegen.filters).
        "code_side": MAX_CODE_SIDE,
        "robust_percentiles": list(filters.ROBUST_PERCENTILES),
        "controls": {
            "ksize": control("int", 3, 1, filters.MAX_KERNEL),
            "stride": control("int", 1, 1, image_schemas.MAX_STRIDE),
            "psize": control("int", 2, 1, image_schemas.MAX_POOL),
            "pstride": control("int", 2, 1, image_schemas.MAX_POOL),
        },
    }


def custom_catalogue() -> dict:
    """Your own f(x, y): the grammar's names and limits, and the examples the page offers."""
    return {
        "label": _("Your own f(x, y)"),
        "max_length": expression.MAX_LENGTH,
        "max_domain": surfaces.MAX_DOMAIN,
        "functions": list(expression.FUNCTIONS),
        "constants": list(expression.CONSTANTS),
        "examples": [
            {
                "name": e.name,
                "label": _(e.label),
                "expression": e.expression,
                "domain": [list(e.domain[0]), list(e.domain[1])],
                "start": list(e.start) if e.start else None,
            }
            for e in surfaces.EXAMPLES
        ],
    }


def optimizers_catalogue() -> dict:
    race = optim_schemas.OptimizeRequest
    search = optim_schemas.SearchRequest
    return {
        "max_optimizers": optim_schemas.MAX_OPTIMIZERS,
        # Drawn at this resolution; the search map at this many runs per side.
        "grid_resolution": min(128, optim_schemas.MAX_GRID_RESOLUTION),
        "map_resolution": min(24, optim_schemas.MAX_MAP_RESOLUTION),
        "custom": custom_catalogue(),
        "controls": {
            "steps": control("int", 500, 1, 2000, race, "steps"),
            "noise": control("float", 0, 0, 1000, optim_schemas.Noise, "std"),
            "seed": seed(0, optim_schemas.Noise),
            "lr_steps": control("int", 100, 1, 2000, race, "steps"),
            "s_budget": control("int", 64, 4, 100, search, "budget"),
            "s_steps": control("int", 300, 1, 2000, search, "steps"),
            "s_seed": seed(0, search),
        },
    }


def training_catalogue() -> dict:
    request = training_schemas.InitRequest
    return {
        "schemes": {
            name: {"label": _(s.label), "label_zh": s.label_zh} for name, s in init.SCHEMES.items()
        },
        "controls": {
            "layers": control("int", 10, 1, init.MAX_LAYERS, request, "layers"),
            "seed": seed(0, request),
            "n": control("int", 4, 2, min(8, training_schemas.MAX_ROWS)),
            "d": control("int", 3, 1, min(5, training_schemas.MAX_FEATURES)),
            "bseed": seed(1),
            "classes": control("int", 10, 2, 100_000),
        },
        "widths": [n for n in (100, 250, 500, 1000) if n <= init.MAX_WIDTH],
        "batches": [n for n in (100, 250, 500) if n <= init.MAX_BATCH],
    }


def layer_label(label: str) -> str:
    """A layer type's name: a few ("Convolution") are translated in the "layer type" context
    (卷积层, where the lesson is 卷积), the others as they are anywhere."""
    translated = i18n.pgettext("layer type", label)
    return translated if translated != label else _(label)


def layer_types() -> dict:
    """Each layer type with its options: default, range (the core's, narrowed by the request
    schema's field) and whether it is whole."""
    types = {}
    for name, info in nn_layers.LAYER_TYPES.items():
        options = {}
        for key, option in info["options"].items():
            low, high = schema_range(cnn_schemas.LayerSpec, key)
            options[key] = {
                "default": option.default,
                "min": max(option.low, low) if low is not None else option.low,
                "max": min(option.high, high) if high is not None else option.high,
                "integer": option.integer,
                "description": _(option.description),
            }
        label = layer_label(info["label"])
        types[name] = {"label": label, "label_zh": info["label_zh"], "options": options}
    return types


def cnn_catalogue() -> dict:
    train = cnn_schemas.TrainRequest
    infos = list(datasets.CATALOGUE.values())
    return {
        "datasets": [
            {
                "name": info.name,
                "label": _(info.label),
                "label_zh": info.label_zh,
                "classes": [_(en) for en, _zh in info.classes],
                "classes_zh": [zh for _en, zh in info.classes],
                "shape": list(info.shape),
                "train_size": info.train_size,
                "description": _(info.description),
                "source": datasets.source_text(info),
                "licence": info.licence,
            }
            for info in infos
        ],
        "layer_types": layer_types(),
        "max_layers": nn_network.MAX_LAYERS,
        "presets": {
            name: {
                "label": _(preset["label"]),
                "label_zh": preset["label_zh"],
                "description": _(preset["description"]),
                "layers": {
                    info.name: nn_network.preset_layers(name, len(info.classes)) for info in infos
                },
            }
            for name, preset in nn_network.PRESETS.items()
        },
        "default_preset": nn_network.DEFAULT_PRESET,
        "init_schemes": [
            {
                "name": "auto",
                "label": _("auto: He for ReLU, Xavier for tanh/sigmoid"),
                "label_zh": "自动",
            },
            *(
                {"name": name, "label": _(s.label), "label_zh": s.label_zh}
                for name, s in init.SCHEMES.items()
                if name in nn_network.INIT_SCHEMES
            ),
        ],
        "last_layer_scale": nn_network.LAST_LAYER_SCALE,
        "optimizer": {"name": "adam", "lr": 0.001},
        "max_compare": 4,
        "compare": [
            {"name": "sgd", "lr": 0.05},
            {"name": "momentum", "lr": 0.01, "rho": 0.9},
            {"name": "adam", "lr": 0.001},
        ],
        # Steps per second while playing (0: as fast as the server goes), and the view's update
        # interval: each update is one chunk of steps, one request in flight at a time, sized to
        # take about chunk_ms at the measured pace (the rest of the interval draws the view).
        "speeds": [5, 10, 25, 50, 100, 0],
        "update_ms": 180,
        "chunk_ms": 110,
        "eval_every": [25, 50, 100, 200, 500],
        "stats_every": 10,
        "update_ratio_rule": nn_train.UPDATE_RATIO_RULE,
        "compare_steps": [100, 200, 500, 1000],
        "overfit": {"examples": 20, "steps": 200},
        "smoothing": nn_train.LOSS_SMOOTHING,
        "controls": {
            "batch": control("int", 64, 1, nn_train.MAX_BATCH, train, "batch_size"),
            "seed": seed(0, train),
            "wd": control("float", 0, 0, 1, train, "weight_decay"),
            "step": control("int", 0, 0, nn_train.MAX_TOTAL_STEPS),
            "cstep": control("int", 0, 0, nn_train.MAX_TOTAL_STEPS),
            "ostep": control("int", 0, 0, nn_train.MAX_TOTAL_STEPS),
        },
    }


CATALOGUES = {
    "conv": conv_catalogue,
    "conv-transpose": conv_transpose_catalogue,
    "pooling": pooling_catalogue,
    "activations": activations_catalogue,
    "filters": filters_catalogue,
    "optimizers": optimizers_catalogue,
    "training": training_catalogue,
    "cnn": cnn_catalogue,
}


def lang_url(request: Request, language: str) -> str:
    """This page with lang=language, the view's other parameters kept: a query-only URL, which
    the browser resolves against the page's own address (any path prefix)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", language))
    return f"?{urlencode(query)}"


def link(request: Request, path: str) -> str:
    """An internal link ('/conv'), relative to the page (root_path: any proxy prefix), that
    keeps the page's `lang` when its URL names one (the cookie and Accept-Language need none)."""
    path = root_path(site_path(request)) + path.lstrip("/")
    language = request.query_params.get("lang")
    if language not in i18n.LANGUAGES:
        return path
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}lang={language}"


def embed_flags(request: Request) -> dict | None:
    """?embed=1 opens a view for an iframe: no site header or footer; controls=0 and text=0 hide
    the controls and the explanations. None when the page is not embedded."""
    query = request.query_params
    if query.get("embed") != "1":
        return None
    return {"controls": query.get("controls") != "0", "text": query.get("text") != "0"}


def site_path(request: Request) -> str:
    """The request's path below the site's root (a proxy's prefix taken off): /api/conv2d."""
    root = request.base_url.path.rstrip("/")
    return "/" + request.url.path.removeprefix(root).lstrip("/")


def root_path(path: str) -> str:
    """The way back from a page to the site's root: '/conv' -> './', '/a/b/c' -> '../../'.

    Every URL a page holds starts with it (a template's `root`), never with '/' or a host: the
    browser resolves it against the page's own address, so the site works under any host, scheme
    and path prefix a proxy mounts it at (https://school.example/cnnlab/, prefix stripped), and
    the Host header a proxy passes never reaches a page. static/js/api.js reads it from the
    page's <meta name="cnnlab-root"> to send its API calls to the same root.
    """
    return "../" * (path.count("/") - 1) or "./"


def page_urls(request: Request) -> dict:
    """Every template's `root` (a Jinja2Templates context processor)."""
    return {"root": root_path(site_path(request))}


templates = Jinja2Templates(directory=resource_dir("templates"), context_processors=[page_urls])
# Strings are marked for translation ({% trans %}, _()) and translated in the request's language:
# the callables read app.i18n.current_language when the template renders. {% trans %} blocks are
# trimmed (line breaks and indentation become one space), as babel.cfg extracts them.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(
    i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
)
templates.env.policies["ext.i18n.trimmed"] = True
templates.env.globals["current_lang"] = i18n.current_language.get
templates.env.globals["html_lang"] = lambda: i18n.HTML_LANG[i18n.current_language.get()]
templates.env.globals["script_catalogue"] = lambda slug=None: i18n.script_catalogue_json(
    i18n.current_language.get(), slug
)
templates.env.globals["lang_url"] = lang_url
templates.env.globals["link"] = link
templates.env.globals["lessons"] = LESSONS
templates.env.globals["lesson_slugs"] = [lesson.slug for lesson in LESSONS]
templates.env.globals["embed_flags"] = embed_flags
# Catalogues keep their order (the lessons list functions and schemes in the core's order).
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {"active": None})


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html", {"active": "docs"})


def is_page_path(request: Request) -> bool:
    """A GET for a page (not under /api or /static): a miss there gets the 404 page, not JSON."""
    first = site_path(request).lstrip("/").split("/", 1)[0]
    return request.method in ("GET", "HEAD") and first not in ("api", "static")


def not_found_page(request: Request) -> HTMLResponse:
    """The site's 404: in its style, with a link to every lesson."""
    context = {"active": None, "path": site_path(request)}
    return templates.TemplateResponse(request, "404.html", context, status_code=404)


def add_lesson_route(lesson: Lesson) -> None:
    def lesson_page(request: Request) -> HTMLResponse:
        context = {"active": lesson.slug, "catalogue": page_catalogue(lesson.slug)}
        template = lesson.slug.replace("-", "_")
        return templates.TemplateResponse(request, f"{template}.html", context)

    router.add_api_route(
        f"/{lesson.slug}",
        lesson_page,
        methods=["GET"],
        response_class=HTMLResponse,
        name=f"page_{lesson.slug}",
    )


@cache
def built_catalogue(slug: str, language: str) -> dict:
    """A lesson's catalogue in one language, built once: builders call i18n's _() on the names
    they hand to the page (marked N_ where they are defined), under that language."""
    token = i18n.current_language.set(language)
    try:
        return CATALOGUES[slug]()
    finally:
        i18n.current_language.reset(token)


def page_catalogue(slug: str) -> dict:
    return built_catalogue(slug, i18n.current_language.get())


# Built when the app starts, in every language, so a broken builder fails at once.
for _slug in CATALOGUES:
    for _language in i18n.LANGUAGES:
        built_catalogue(_slug, _language)
for _lesson in LESSONS:
    add_lesson_route(_lesson)
