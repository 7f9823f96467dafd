"""A typed f(x, y), from the core's parsed tree (app.core.expression) to Python source.

The tree, never the text the learner typed, is printed: its numbers as repr floats, its
operators and functions from the tables below, parenthesised so that Python evaluates the same
tree in the same order (a + (b + c) stays so: floating-point addition is not associative).
Both get f and the core's exact gradient trees: NumPy with the core's own helpers for the kinks,
PyTorch with the same helpers in torch (TORCH_HELPERS), so a race steps the same gradient.
"""

from __future__ import annotations

import inspect
import math

from app.core import expression
from app.core.expression import Node, constant_value, uses

NUMPY_CALLS = {
    "sin": "np.sin",
    "cos": "np.cos",
    "tan": "np.tan",
    "exp": "np.exp",
    "log": "np.log",
    "sqrt": "np.sqrt",
    "abs": "np.abs",
    "tanh": "np.tanh",
    "sinh": "np.sinh",
    "cosh": "np.cosh",
    "sigmoid": "sigmoid",
    "min": "np.minimum",
    "max": "np.maximum",
    "sign": "np.sign",
    "step": "step",
    "pow_base": "pow_base",
    "pow_exponent": "pow_exponent",
}
TORCH_CALLS = {
    "sin": "torch.sin",
    "cos": "torch.cos",
    "tan": "torch.tan",
    "exp": "torch.exp",
    "log": "torch.log",
    "sqrt": "torch.sqrt",
    "abs": "torch.abs",
    "tanh": "torch.tanh",
    "sinh": "torch.sinh",
    "cosh": "torch.cosh",
    "sigmoid": "sigmoid",
    "min": "torch.minimum",
    "max": "torch.maximum",
    "sign": "torch.sign",
    "step": "step",
    "pow_base": "pow_base",
    "pow_exponent": "pow_exponent",
}
# The core's helpers a NumPy program copies when its tree uses them (by name in the tree).
HELPERS = {
    "sigmoid": expression.sigmoid,
    "step": expression.step,
    "pow_base": expression.pow_base,
    "pow_exponent": expression.pow_exponent,
    "scalar_power": expression.scalar_power,
}
# The same helpers for PyTorch, operation for operation (numbers become float64 tensors first).
TORCH_HELPERS = {
    "sigmoid": """\
def sigmoid(u):
    return 1.0 / (1.0 + torch.exp(-u))""",
    "step": '''\
def step(u):
    """Heaviside with H(0) = 1/2: how torch's maximum/minimum share a tie's gradient."""
    return torch.where(u > 0, 1.0, torch.where(u < 0, 0.0, 0.5))''',
    "pow_base": '''\
def pow_base(u, c):
    """∂(u^c)/∂u = c·u^(c−1), and 0 where c = 0 (torch's pow backward)."""
    u, c = torch.as_tensor(u, dtype=torch.float64), torch.as_tensor(c, dtype=torch.float64)
    return torch.where(c == 0, 0.0, c * torch.pow(u, c - 1.0))''',
    "pow_exponent": '''\
def pow_exponent(u, c):
    """∂(u^c)/∂c = u^c·ln u, and 0 where u = 0 and c ≥ 0 (torch's pow backward)."""
    u, c = torch.as_tensor(u, dtype=torch.float64), torch.as_tensor(c, dtype=torch.float64)
    return torch.where((u == 0) & (c >= 0), 0.0, torch.pow(u, c) * torch.log(u))''',
    "scalar_power": '''\
def scalar_power(u, c):
    """u^c for a constant c, as cnnlab's core computes it (u·u for 2, √u for 0.5, ...)."""
    if c == 2.0:
        return u * u
    if c == 3.0:
        return u * u * u
    if c == -1.0:
        return 1.0 / u
    if c == -2.0:
        return 1.0 / (u * u)
    if c == 0.5:
        return torch.sqrt(u)
    if c == -0.5:
        return 1.0 / torch.sqrt(u)
    return torch.pow(u, c)''',
}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
ATOM = 5


def literal(value: float, named: str, lib: str) -> str:
    if named in ("pi", "e"):
        return f"{lib}.{named}"
    if math.isnan(value):
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


def precedence(node: Node) -> int:
    if node.op == "num" and node.value < 0 and not node.name:
        return 3  # printed with its minus sign
    return PRECEDENCE.get(node.op, ATOM)


class Printer:
    """Python source for a tree, NumPy or PyTorch flavour; records the helpers it used."""

    def __init__(self, lib: str):
        self.lib = lib
        self.calls = NUMPY_CALLS if lib == "np" else TORCH_CALLS
        self.helpers: set[str] = set()

    def wrap(self, node: Node, paren: bool) -> str:
        text = self.code(node)
        return f"({text})" if paren else text

    def code(self, node: Node) -> str:
        op, args = node.op, node.args
        if self.lib == "torch" and op in ("call", "^") and not (uses(node, "x") or uses(node, "y")):
            # A constant part: its value, computed by the core (torch functions take tensors).
            with_value = expression.compile_tree(node)
            return literal(float(with_value(0.0, 0.0)), "", "math")
        if op == "num":
            return literal(node.value, node.name, "np" if self.lib == "np" else "math")
        if op == "var":
            return node.name
        if op == "neg":
            return "-" + self.wrap(args[0], precedence(args[0]) < ATOM)
        if op == "call":
            inner = [self.code(a) for a in args]
            if self.lib == "torch" and len(args) == 2:  # minimum/maximum take two tensors
                inner = [
                    f"torch.tensor({text}, dtype=torch.float64)" if not uses_xy(a) else text
                    for a, text in zip(args, inner, strict=True)
                ]
            if node.name in HELPERS:
                self.helpers.add(node.name)
            return f"{self.calls[node.name]}({', '.join(inner)})"
        a, b = args
        if op == "^":
            c = constant_value(b)
            base = self.wrap(a, precedence(a) < ATOM)
            if c == 2.0 and a.op in ("var", "num"):
                return f"{base} * {base}"  # the core's u^2 is u·u too
            if c is not None:  # as the core computes u^c
                self.helpers.add("scalar_power")
                return f"scalar_power({self.code(a)}, {literal(c, '', 'math')})"
            power = "np.power" if self.lib == "np" else "torch.pow"
            return f"{power}({self.code(a)}, {self.code(b)})"
        p = PRECEDENCE[op]
        left = self.wrap(a, precedence(a) < p)
        right = self.wrap(b, precedence(b) <= p)  # keep the tree's grouping: a - (b - c)
        return f"{left} {'**' if op == '^' else op} {right}"

    def helper_source(self) -> str:
        """The helpers the trees printed need: the core's own (NumPy), or their torch twins."""
        if self.lib == "np":
            sources = [inspect.getsource(HELPERS[name]).strip() for name in sorted(self.helpers)]
        else:
            sources = [TORCH_HELPERS[name] for name in sorted(self.helpers)]
        return "\n\n\n".join(sources)


def uses_xy(node: Node) -> bool:
    return uses(node, "x") or uses(node, "y")


def surface_source(built: expression.Expression, lib: str) -> str:
    """def f(x, y) and def grad(x, y), NumPy ("np") or PyTorch ("torch"), with the helpers they
    use before them."""
    printer = Printer(lib)
    f, dx, dy = printer.code(built.tree), printer.code(built.dx), printer.code(built.dy)
    if lib == "torch" and not uses_xy(built.tree):
        f = f"0.0 * x + {f}  # a constant"
    helpers = printer.helper_source()
    head = f"{helpers}\n\n\n" if helpers else ""
    return (
        f"{head}def f(x, y):\n    return {f}\n\n\n"
        f'def grad(x, y):\n    """∂f/∂x and ∂f/∂y, derived from f by cnnlab\'s core."""\n'
        f"    return {dx}, {dy}"
    )
