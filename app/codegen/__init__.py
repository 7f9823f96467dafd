"""Programs that reproduce a lesson endpoint: POST /api/code's catalogue.

Each entry names an endpoint, the request model it validates its body with, the handler it
runs (so a body the endpoint refuses is refused here with the same message), the generator, and
what the programs print. A program holds numbers from the body and nothing else: every word in
it comes from these modules, and every string a body carries is a catalogue name by the time a
generator sees it (a Literal of the model, or a name the handler looked up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from app.api import activations as activations_api
from app.api import cnn as cnn_api
from app.api import conv as conv_api
from app.api import conv_transpose as conv_transpose_api
from app.api import optim as optim_api
from app.api import pool as pool_api
from app.api import training as training_api
from app.codegen import (
    activations,
    cnn,
    cnn_checks,
    cnn_inside,
    conv,
    optimize,
    pool,
    train,
    training,
)
from app.codegen.cnn_trained import with_settings
from app.codegen.printer import Programs
from app.core.errors import InputError
from app.i18n import _
from app.schemas.activations import ActivationRequest, DeadReluRequest, VanishingRequest
from app.schemas.cnn import (  # the CNN lesson's block (CNN_LESSONS)
    ConfusionRequest,
    FiltersRequest,
    GradcheckRequest,
    GradientsRequest,
    InspectRequest,
    NetworkRequest,
    TraceRequest,
    TrainRequest,
)
from app.schemas.conv import Conv2dBackwardRequest, Conv2dRequest
from app.schemas.conv_transpose import ConvTransposeRequest
from app.schemas.optim import OptimizeRequest
from app.schemas.pool import Pool2dBackwardRequest, Pool2dRequest
from app.schemas.training import BatchNormRequest, InitRequest

# Each program is at most this long; a body whose program would be longer is refused. A program
# is about as long as its body's numbers written out (plus what a PyTorch program adds: the
# race's noise, at most 50,000 initialisation draws; a training chunk's 128 examples), so bodies
# within the default 2 MB body limit fit; a larger CNNLAB_MAX_BODY_BYTES meets this bound instead.
MAX_PROGRAM_CHARS = 2_000_000


@dataclass(frozen=True)
class Lesson:
    endpoint: str
    request: type[BaseModel]
    handler: Callable  # the endpoint's own handler: the same checks, the same 422s
    generate: Callable[[BaseModel, object], Programs]  # (request, the handler's response)
    precision: str = "float64"
    quiet: dict = field(default_factory=dict)  # set before the handler runs (no trace)


# ---- The CNN lesson's other endpoints (sections 1, 4 and 6 of /cnn): app/codegen/cnn_checks.py
# and cnn_inside.py. A state string in a body is decoded (signature checked) into numbers.
CNN_LESSONS = (
    Lesson("/api/cnn/network", NetworkRequest, cnn_api.network, cnn_checks.network),
    Lesson(
        "/api/cnn/gradcheck",
        GradcheckRequest,
        with_settings(cnn_api.gradcheck),
        cnn_checks.gradcheck,
    ),
    Lesson("/api/cnn/inspect", InspectRequest, with_settings(cnn_api.inspect), cnn_inside.inspect),
    Lesson("/api/cnn/trace", TraceRequest, with_settings(cnn_api.trace), cnn_inside.trace),
    Lesson(
        "/api/cnn/filters",
        FiltersRequest,
        with_settings(cnn_api.learned_filters),
        cnn_inside.filters,
    ),
    Lesson(
        "/api/cnn/confusion",
        ConfusionRequest,
        with_settings(cnn_api.confusion),
        cnn_inside.confusion,
    ),
)
# ---- end of the CNN lesson's block

LESSONS: dict[str, Lesson] = {
    lesson.endpoint: lesson
    for lesson in (
        Lesson(
            "/api/conv2d",
            Conv2dRequest,
            conv_api.conv2d,
            conv.conv2d,
            quiet={"trace": False},
        ),
        Lesson(
            "/api/conv2d/backward",
            Conv2dBackwardRequest,
            conv_api.conv2d_backward,
            conv.conv2d_backward,
            quiet={"trace": False},
        ),
        Lesson(
            "/api/conv_transpose2d",
            ConvTransposeRequest,
            conv_transpose_api.conv_transpose2d,
            conv.conv_transpose2d,
            quiet={"trace": False},
        ),
        Lesson(
            "/api/pool2d",
            Pool2dRequest,
            pool_api.pool2d,
            pool.pool2d,
            quiet={"trace": False},
        ),
        Lesson(
            "/api/pool2d/backward",
            Pool2dBackwardRequest,
            pool_api.pool2d_backward,
            pool.pool2d_backward,
        ),
        Lesson(
            "/api/activations",
            ActivationRequest,
            activations_api.activation,
            activations.activation,
        ),
        Lesson(
            "/api/activations/vanishing",
            VanishingRequest,
            activations_api.vanishing,
            activations.vanishing,
        ),
        Lesson(
            "/api/activations/dead-relu",
            DeadReluRequest,
            activations_api.dead_relu,
            activations.dead_relu,
        ),
        Lesson(
            "/api/training/batchnorm",
            BatchNormRequest,
            training_api.batch_norm,
            training.batchnorm,
        ),
        Lesson("/api/optimize", OptimizeRequest, optim_api.optimize, optimize.optimize),
        Lesson(
            "/api/training/init",
            InitRequest,
            training_api.initialisation,
            training.init_programs,
        ),
        Lesson("/api/cnn/gradients", GradientsRequest, cnn_api.gradients, cnn.gradients),
        Lesson(
            "/api/cnn/train",
            TrainRequest,
            train.handler,
            train.train,
            precision="float32",  # the default; a body's "precision" decides
        ),
        *CNN_LESSONS,
    )
}

# ---- coderest: the search, the typed surface and the image filters (issue #16 part 3) ----
from app.api import probe as probe_api  # noqa: E402
from app.codegen import filters as filters_code  # noqa: E402
from app.codegen import search as search_code  # noqa: E402
from app.codegen import surface as surface_code  # noqa: E402
from app.schemas.optim import CustomSurfaceRequest, SearchRequest  # noqa: E402
from app.schemas.probe import ProbeRequest  # noqa: E402

LESSONS.update(
    (lesson.endpoint, lesson)
    for lesson in (
        Lesson(
            "/api/optimize/search",
            SearchRequest,
            optim_api.optimize_search,
            search_code.search,
        ),
        Lesson(
            "/api/surfaces/custom",
            CustomSurfaceRequest,
            optim_api.surface_custom,
            surface_code.custom,
        ),
        Lesson(
            "/api/image/probe",
            ProbeRequest,
            probe_api.probe,
            filters_code.probe,
            precision="float32",
        ),
        Lesson(
            "/api/image/filter",
            filters_code.FilterCodeRequest,
            filters_code.handler,
            filters_code.filter_maps,
            precision="float32",
        ),
    )
)
# ---- end coderest ----

# ---- course: the uploaded image as an example (from its decoded pixels, not the file) ----
from app.codegen import example as example_code  # noqa: E402

LESSONS["/api/cnn/example"] = Lesson(
    "/api/cnn/example",
    example_code.ExampleCodeRequest,
    example_code.handler,
    example_code.example,
    precision="float32",
)
# ---- end course ----

ENDPOINTS = tuple(LESSONS)


def validated(lesson: Lesson, body: dict) -> tuple[BaseModel, object]:
    """The body as the endpoint's request model and the endpoint's response to it (what the
    core decided: a default stride, a resolved hyper-parameter), or the endpoint's 422 with
    body. in front of the field."""
    try:
        request = lesson.request.model_validate(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
    try:
        response = lesson.handler(request.model_copy(update=lesson.quiet))
    except InputError as exc:
        where = f"body.{exc.field}" if exc.field else "body"
        raise InputError(exc.message, where) from None
    return request, response


def generate(endpoint: str, body: dict) -> Programs:
    """Both programs for a body of `endpoint`, checked as that endpoint checks it."""
    lesson = LESSONS[endpoint]
    programs = lesson.generate(*validated(lesson, body))
    longest = max(len(programs.pytorch), len(programs.numpy))
    if longest > MAX_PROGRAM_CHARS:
        raise InputError(
            _(
                "the program for this body would be {longest:,} characters long; "
                "at most {MAX_PROGRAM_CHARS:,}: send fewer numbers (smaller "
                "arrays, fewer steps)"
            ).format(longest=longest, MAX_PROGRAM_CHARS=MAX_PROGRAM_CHARS),
            "body",
        )
    return programs
