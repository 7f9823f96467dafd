"""Toy loss surfaces f(x, y) for racing optimisers, each with its analytic gradient.

Every f(x, y) and grad(x, y) broadcasts like scipy.optimize.rosen: x and y may be floats, (R,)
columns of R runs, or a meshgrid; grad returns the pair (df/dx, df/dy) with the broadcast shape.
Gradients are written out by hand (no autodiff) and tested against float64 central differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.core import expression
from app.core.errors import InputError
from app.i18n import N_, _

PI = np.pi
TAU = 2.0 * np.pi


@dataclass(frozen=True)
class Surface:
    name: str
    label: str
    formula: str  # LaTeX
    domain: tuple[tuple[float, float], tuple[float, float]]  # ((xmin, xmax), (ymin, ymax))
    minima: tuple[tuple[float, float], ...]  # global minima ((x, y), ...), empty when unbounded
    default_start: tuple[float, float]
    f: Callable = field(repr=False)
    grad: Callable = field(repr=False)
    log_scale: bool = False  # colour by log10(f - f_min): values span decades
    f_min: float | None = None  # value at the global minimum, None when unbounded below
    note: str = ""
    expression: expression.Expression | None = field(default=None, repr=False)  # when typed


# ---- ill-conditioned quadratic bowl: curvature 0.1 along x, 2 along y (condition number 20)


def bowl(x, y):
    return 0.05 * x * x + y * y


def bowl_grad(x, y):
    return 0.1 * x, 2.0 * y


# ---- Rosenbrock's banana valley


def rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def rosenbrock_grad(x, y):
    r = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r


# ---- Beale


def beale(x, y):
    y2 = y * y
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y2) ** 2 + (2.625 - x + x * y2 * y) ** 2


def beale_grad(x, y):
    y2 = y * y
    y3 = y2 * y
    a = 1.5 - x + x * y
    b = 2.25 - x + x * y2
    c = 2.625 - x + x * y3
    dx = 2.0 * (a * (y - 1.0) + b * (y2 - 1.0) + c * (y3 - 1.0))
    dy = 2.0 * x * (a + 2.0 * b * y + 3.0 * c * y2)
    return dx, dy


# ---- Himmelblau: four global minima


def himmelblau(x, y):
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def himmelblau_grad(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


# ---- Booth


def booth(x, y):
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def booth_grad(x, y):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


# ---- saddle x² - y²: unbounded below, the origin is a saddle point


def saddle(x, y):
    return x * x - y * y


def saddle_grad(x, y):
    return 2.0 * x, -2.0 * y


# ---- monkey saddle x³ - 3xy²: flat saddle (zero gradient and zero curvature at the origin)


def monkey_saddle(x, y):
    return x**3 - 3.0 * x * y * y


def monkey_saddle_grad(x, y):
    return 3.0 * (x * x - y * y), -6.0 * x * y


# ---- Rastrigin: a bowl covered in local minima


def rastrigin(x, y):
    return 20.0 + x * x - 10.0 * np.cos(TAU * x) + y * y - 10.0 * np.cos(TAU * y)


def rastrigin_grad(x, y):
    return 2.0 * x + 20.0 * PI * np.sin(TAU * x), 2.0 * y + 20.0 * PI * np.sin(TAU * y)


# ---- Ackley: flat outer region, deep hole at the origin


def ackley(x, y):
    r = np.sqrt(0.5 * (x * x + y * y))
    return (
        -20.0 * np.exp(-0.2 * r) - np.exp(0.5 * (np.cos(TAU * x) + np.cos(TAU * y))) + np.e + 20.0
    )


def ackley_grad(x, y):
    r = np.sqrt(0.5 * (x * x + y * y))
    # 2 e^{-0.2 r} / r, with the removable singularity at the origin set to its limit's x·0 = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        radial = np.where(r > 0.0, 2.0 * np.exp(-0.2 * r) / r, 0.0)
    wave = PI * np.exp(0.5 * (np.cos(TAU * x) + np.cos(TAU * y)))
    return radial * x + wave * np.sin(TAU * x), radial * y + wave * np.sin(TAU * y)


# ---- six-hump camel


def six_hump_camel(x, y):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


def six_hump_camel_grad(x, y):
    x2 = x * x
    return 8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y, x - 8.0 * y + 16.0 * y * y * y


# ---- Styblinski-Tang (2-D): four local minima, one global


def styblinski_tang(x, y):
    return 0.5 * (x**4 - 16.0 * x * x + 5.0 * x + y**4 - 16.0 * y * y + 5.0 * y)


def styblinski_tang_grad(x, y):
    return 2.0 * x**3 - 16.0 * x + 2.5, 2.0 * y**3 - 16.0 * y + 2.5


# ---- Goldstein-Price: values from 3 to about 10⁶ on [-2, 2]²


def goldstein_price(x, y):
    s = x + y + 1.0
    p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    d = 2.0 * x - 3.0 * y
    q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + s * s * p) * (30.0 + d * d * q)


def goldstein_price_grad(x, y):
    s = x + y + 1.0
    p = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    d = 2.0 * x - 3.0 * y
    q = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    a = 1.0 + s * s * p
    b = 30.0 + d * d * q
    # dp/dx = dp/dy, so a's two partial derivatives are equal.
    da = 2.0 * s * p + s * s * (-14.0 + 6.0 * x + 6.0 * y)
    db_dx = 4.0 * d * q + d * d * (-32.0 + 24.0 * x - 36.0 * y)
    db_dy = -6.0 * d * q + d * d * (48.0 - 36.0 * x + 54.0 * y)
    return da * b + a * db_dx, da * b + a * db_dy


ST_MIN = -2.903534027771178  # root of 2x³ - 16x + 2.5 = 0 (the lower one)

SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface(
            "bowl",
            N_("Ill-conditioned bowl"),
            r"f(x, y) = 0.05\,x^2 + y^2",
            ((-8.0, 8.0), (-4.0, 4.0)),
            ((0.0, 0.0),),
            (-7.0, 2.5),
            bowl,
            bowl_grad,
            f_min=0.0,
            note=N_("Curvature 0.1 along x and 2 along y: a step size safe for y crawls along x."),
        ),
        Surface(
            "rosenbrock",
            N_("Rosenbrock"),
            r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
            ((-2.0, 2.0), (-1.0, 3.0)),
            ((1.0, 1.0),),
            (-1.2, 1.0),
            rosenbrock,
            rosenbrock_grad,
            log_scale=True,
            f_min=0.0,
            note=N_("A narrow curved valley: easy to reach, slow to follow to the minimum."),
        ),
        Surface(
            "beale",
            N_("Beale"),
            r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            ((-4.5, 4.5), (-4.5, 4.5)),
            ((3.0, 0.5),),
            (1.0, 1.5),
            beale,
            beale_grad,
            log_scale=True,
            f_min=0.0,
            note=N_("Flat plateaus and steep walls; values span ten decades."),
        ),
        Surface(
            "himmelblau",
            N_("Himmelblau"),
            r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            ((-5.0, 5.0), (-5.0, 5.0)),
            (
                (3.0, 2.0),
                (-2.805118086952745, 3.131312518250573),
                (-3.779310253377747, -3.283185991286170),
                (3.584428340330492, -1.848126526964404),
            ),
            (-0.3, -0.9),
            himmelblau,
            himmelblau_grad,
            log_scale=True,
            f_min=0.0,
            note=N_(
                "Four equal minima: from near the central maximum, each optimiser picks its own."
            ),
        ),
        Surface(
            "booth",
            N_("Booth"),
            r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
            ((-10.0, 10.0), (-10.0, 10.0)),
            ((1.0, 3.0),),
            (-8.0, -7.0),
            booth,
            booth_grad,
            log_scale=True,
            f_min=0.0,
            note=N_("A tilted quadratic bowl (condition number 9)."),
        ),
        Surface(
            "saddle",
            N_("Saddle"),
            r"f(x, y) = x^2 - y^2",
            ((-2.0, 2.0), (-2.0, 2.0)),
            (),
            (-1.8, 0.02),
            saddle,
            saddle_grad,
            note=N_(
                "No minimum: the origin is a saddle point, and the loss falls without bound "
                "along y. Plain SGD lingers near the saddle; momentum escapes faster."
            ),
        ),
        Surface(
            "monkey_saddle",
            N_("Monkey saddle"),
            r"f(x, y) = x^3 - 3xy^2",
            ((-2.0, 2.0), (-2.0, 2.0)),
            (),
            (1.8, 0.1),
            monkey_saddle,
            monkey_saddle_grad,
            note=N_("Three valleys and a perfectly flat saddle at the origin; unbounded below."),
        ),
        Surface(
            "rastrigin",
            N_("Rastrigin"),
            r"f(x, y) = 20 + \sum_{u \in \{x, y\}} \left(u^2 - 10\cos 2\pi u\right)",
            ((-5.12, 5.12), (-5.12, 5.12)),
            ((0.0, 0.0),),
            (-4.2, 3.7),
            rastrigin,
            rastrigin_grad,
            f_min=0.0,
            note=N_("A bowl under a grid of local minima: small steps get trapped in the nearest."),
        ),
        Surface(
            "ackley",
            N_("Ackley"),
            r"f(x, y) = -20 e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2}"
            r" + e + 20",
            ((-5.0, 5.0), (-5.0, 5.0)),
            ((0.0, 0.0),),
            (3.3, -2.7),
            ackley,
            ackley_grad,
            f_min=0.0,
            note=N_("An almost flat, bumpy plain around one deep hole."),
        ),
        Surface(
            "six_hump_camel",
            N_("Six-hump camel"),
            r"f(x, y) = \left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + xy + (4y^2 - 4)\,y^2",
            ((-3.0, 3.0), (-2.0, 2.0)),
            (
                (0.08984201368301331, -0.7126564032704135),
                (-0.08984201368301331, 0.7126564032704135),
            ),
            (-2.2, -1.2),
            six_hump_camel,
            six_hump_camel_grad,
            log_scale=True,
            f_min=-1.031628453489877,
            note=N_("Six local minima, two of them global."),
        ),
        Surface(
            "styblinski_tang",
            N_("Styblinski-Tang"),
            r"f(x, y) = \tfrac{1}{2}\sum_{u \in \{x, y\}} \left(u^4 - 16u^2 + 5u\right)",
            ((-5.0, 5.0), (-5.0, 5.0)),
            ((ST_MIN, ST_MIN),),
            (4.5, 0.5),
            styblinski_tang,
            styblinski_tang_grad,
            f_min=float(styblinski_tang(ST_MIN, ST_MIN)),
            note=N_("Four basins; only the one at (-2.90, -2.90) is global."),
        ),
        Surface(
            "goldstein_price",
            N_("Goldstein-Price"),
            r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r" \left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]",
            ((-2.0, 2.0), (-2.0, 2.0)),
            ((0.0, -1.0),),
            (-1.0, 1.5),
            goldstein_price,
            goldstein_price_grad,
            log_scale=True,
            f_min=3.0,
            note=N_("Values from 3 to about a million: gradients differ by orders of magnitude."),
        ),
    )
}


def get_surface(name: str) -> Surface:
    try:
        return SURFACES[name]
    except KeyError:
        raise InputError(
            _("unknown surface {name!r}; choose one of {value}").format(
                name=name, value=", ".join(SURFACES)
            ),
            "surface",
        ) from None


MAX_DOMAIN = 1e4  # |bound| of a typed surface's domain


@dataclass(frozen=True)
class Example:
    """A typed surface worth starting from: the page offers these beside the field."""

    name: str
    label: str
    expression: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float] | None = None  # None: the surface's default start


SQUARE = ((-2.0, 2.0), (-2.0, 2.0))
EXAMPLES = (
    Example("bowl", N_("An ill-conditioned bowl"), "x^2 + 10*y^2", SQUARE, (-1.8, 1.2)),
    Example("saddle", N_("A saddle, started near its ridge"), "x^2 - y^2", SQUARE, (-1.5, 0.01)),
    Example(
        "rosenbrock",
        N_("Rosenbrock, written out"),
        "(1-x)^2 + 100*(y-x^2)^2",
        ((-2.0, 2.0), (-1.0, 3.0)),
        (-1.2, 1.0),
    ),
    Example(
        "bumpy",
        N_("A bumpy bowl"),
        "sin(x)*cos(y) + 0.1*(x^2+y^2)",
        ((-5.0, 5.0), (-5.0, 5.0)),
        (4.0, 4.0),
    ),
    Example("kink", N_("A kink: |x| is not smooth at 0"), "abs(x) + y^2", SQUARE, (1.5, 1.5)),
    Example(
        "log",
        N_("Undefined for x ≤ 0 (shaded)"),
        "log(x) + (y - 1)^2",
        ((-1.0, 3.0), (-1.0, 3.0)),
        (2.5, 2.5),
    ),
)


def spans_decades(values: np.ndarray) -> bool:
    """Colour by log10(f − min) when the top is far above the median (more than 20 times)."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return False
    shifted = finite - finite.min()
    top = shifted.max()
    return bool(top > 0 and top / max(float(np.median(shifted)), top * 1e-12) > 20)


def custom_surface(text: str, domain, field: str = "") -> Surface:
    """A surface from f(x, y) as typed (app.core.expression), over [[xmin, xmax], [ymin, ymax]].

    field: where the request put it ("surface." for a race), so errors name the right place.
    """
    try:
        built = expression.build(text)
    except InputError as exc:
        raise InputError(exc.message, field + "expression") from None
    (x0, x1), (y0, y1) = domain
    for axis, (low, high) in (("x", (x0, x1)), ("y", (y0, y1))):
        if not (np.isfinite(low) and np.isfinite(high)) or max(abs(low), abs(high)) > MAX_DOMAIN:
            raise InputError(
                _("the {axis} range must be finite numbers within ±{MAX_DOMAIN:g}").format(
                    axis=axis, MAX_DOMAIN=MAX_DOMAIN
                ),
                field + "domain",
            )
        if not low < high:
            raise InputError(
                _("the {axis} range must go from low to high, got [{low:g}, {high:g}]").format(
                    axis=axis, low=low, high=high
                ),
                field + "domain",
            )
    xs, ys, values = sample_grid_of(built.f, ((x0, x1), (y0, y1)), 33)
    return Surface(
        "custom",
        N_("Your own f(x, y)"),
        "f(x, y) = " + built.latex,
        ((float(x0), float(x1)), (float(y0), float(y1))),
        (),
        default_start_of(xs, ys, values),
        built.f,
        built.grad,
        log_scale=spans_decades(values),
        note=built.text,
        expression=built,
    )


def default_start_of(xs, ys, values) -> tuple[float, float]:
    """A fifth of the way in from the top-left corner, or the finite grid point nearest it."""
    i, j = int(round(0.8 * (len(ys) - 1))), int(round(0.2 * (len(xs) - 1)))
    finite = np.isfinite(values)
    if not finite[i, j] and finite.any():
        rows, cols = np.nonzero(finite)
        nearest = np.argmin((rows - i) ** 2 + (cols - j) ** 2)
        i, j = int(rows[nearest]), int(cols[nearest])
    return float(xs[j]), float(ys[i])


def sample_grid_of(f, domain, resolution: int):
    (x0, x1), (y0, y1) = domain
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):  # a typed surface may be undefined in places: data
        values = np.asarray(f(gx, gy), dtype=np.float64)
    return xs, ys, np.broadcast_to(values, gx.shape)


def sample_grid(surface: Surface, resolution: int, domain=None):
    """f on a resolution × resolution grid over the domain: xs (n,), ys (n,), values (n, n).

    values[i, j] = f(xs[j], ys[i]): rows run along y, as an image whose first row is ymin.
    """
    return sample_grid_of(surface.f, domain if domain is not None else surface.domain, resolution)
