"""Page routes: the home page, one page per lesson, and /docs with local Swagger UI assets."""

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.settings import resource_dir


@dataclass(frozen=True)
class Lesson:
    slug: str  # URL path and template name: /conv -> templates/conv.html
    title: str
    title_zh: str
    summary: str


# Each lesson adds itself here: the navigation and the home page's cards come from this list.
LESSONS = [
    Lesson(
        "conv",
        "Convolution",
        "卷积",
        "Step a filter over a padded input, window by window, with every product and sum written "
        "out: stride, padding, dilation, depth, and the output-size formula.",
    ),
    Lesson(
        "activations",
        "Activations",
        "激活函数",
        "Sigmoid, tanh, ReLU, Leaky ReLU, PReLU, ELU and Maxout with their derivatives: "
        "saturation, zero-centring, vanishing gradients through a stack of layers, the dead ReLU.",
    ),
    Lesson(
        "pooling",
        "Pooling",
        "池化层",
        "Max and average pooling stepped window by window: the winner or the sum and divisor, the "
        "output-size formula, global average pooling, and where the gradient goes back.",
    ),
    Lesson(
        "filters",
        "Image filters",
        "图像上的卷积",
        "Your own photo through conv → ReLU → pooling: blur, sharpen, Sobel and other presets or a "
        "kernel you write, grayscale or colour, and the arithmetic behind any output pixel.",
    ),
    Lesson(
        "optimizers",
        "Optimizers",
        "优化器",
        "SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam raced on toy loss surfaces with the "
        "numbers of every step; learning rates too low, good and too high; grid vs random search.",
    ),
    Lesson(
        "training",
        "Training",
        "训练",
        "Before and during training: weight initialisation (0.01·randn, zeros, Xavier, He) through "
        "a 10-layer network, and batch normalisation with every mean, variance and gradient.",
    ),
]

templates = Jinja2Templates(directory=resource_dir("templates"))
templates.env.globals["lessons"] = LESSONS

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {"active": None})


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html", {"active": "docs"})


def add_lesson_route(lesson: Lesson) -> None:
    def lesson_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, f"{lesson.slug}.html", {"active": lesson.slug})

    router.add_api_route(
        f"/{lesson.slug}",
        lesson_page,
        methods=["GET"],
        response_class=HTMLResponse,
        name=f"page_{lesson.slug}",
    )


for _lesson in LESSONS:
    add_lesson_route(_lesson)
