"""f(x, y) as a learner types it: tokenised and parsed here into a tree, differentiated
symbolically, printed back (plain text and LaTeX) and evaluated with NumPy.

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom (("^" | "**") unary)?          right-associative, so -x^2 = -(x^2) and
    atom  := number | x | y | pi | e               2^3^2 = 2^(3^2), as Python's **
           | function "(" expr ("," expr)* ")" | "(" expr ")"

The text is never given to eval, exec, compile or another language's parser: only the tokens
below exist, and a tree is evaluated by calling NumPy functions chosen from a fixed table.
Everything is bounded before it is computed: the length, the nesting depth, the number of nodes
(of f and of its gradient), the size of numbers and of constant exponents.

Where f is not differentiable the gradient follows PyTorch's autograd: |u|' = sign(u)·u'
(0 at 0), max/min give each side half at a tie, √u' = u'/(2√u) (inf at 0), and u^v takes
torch's masks (no term where the exponent is 0; no log term where u = 0 and v ≥ 0).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.core.errors import InputError
from app.i18n import _, ngettext

MAX_LENGTH = 300
MAX_DEPTH = 30
MAX_NODES = 200
MAX_GRADIENT_NODES = 4000  # the gradient's tree: symbolic differentiation can grow it
MAX_NUMBER = 1e100
MAX_EXPONENT = 100  # |exponent| of a constant power: 10^1000 or 9^9^9 are refused, not computed

FIELD = "expression"
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS = {  # name -> number of arguments
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
    "tanh": 1,
    "sinh": 1,
    "cosh": 1,
    "sigmoid": 1,
    "min": 2,
    "max": 2,
}
# Functions only the gradient uses (a learner cannot type them).
INTERNAL = {"sign": 1, "step": 1, "pow_base": 2, "pow_exponent": 2}


def fail(message: str) -> InputError:
    return InputError(message, FIELD)


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op", "end"
    text: str
    col: int  # 1-based column of its first character
    value: float = 0.0


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise fail(
            _("the expression is {text_count:,} characters long; at most {MAX_LENGTH}").format(
                text_count=len(text), MAX_LENGTH=MAX_LENGTH
            )
        )
    tokens, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
        elif ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit())):
            j = i
            while j < n and text[j].isascii() and text[j].isdigit():
                j += 1
            if j < n and text[j] == ".":
                j += 1
                while j < n and text[j].isascii() and text[j].isdigit():
                    j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isascii() and text[k].isdigit():
                    while k < n and text[k].isascii() and text[k].isdigit():
                        k += 1
                    j = k
            literal = text[i:j]
            value = float(literal)
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                raise fail(
                    _("the number {literal} at column {value} is too large (at most 1e100)").format(
                        literal=literal, value=i + 1
                    )
                )
            tokens.append(Token("number", literal, i + 1, value))
            i = j
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            j = i
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], i + 1))
            i = j
        elif text.startswith("**", i):
            tokens.append(Token("op", "^", i + 1))
            i += 2
        elif ch in "+-*/^(),":
            tokens.append(Token("op", ch, i + 1))
            i += 1
        else:
            shown = repr(ch) if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            raise fail(
                _(
                    "unexpected character {shown} at column {col} (only ASCII letters, digits "
                    "and + - * / ^ ( ) , are allowed)"
                ).format(shown=shown, col=i + 1)
            )
    tokens.append(Token("end", "", n + 1))
    return tokens


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Node:
    """op: "num", "var", "neg", "+", "-", "*", "/", "^" or "call"; name: a variable, a
    constant's name or a function; args: the operands."""

    op: str
    args: tuple = ()
    value: float = 0.0
    name: str = ""
    col: int = 0


def num(value: float, name: str = "") -> Node:
    return Node("num", value=float(value), name=name)


ZERO, ONE = num(0.0), num(1.0)


def is_num(node: Node, value: float | None = None) -> bool:
    return node.op == "num" and (value is None or node.value == value)


def count_nodes(node: Node) -> int:
    return 1 + sum(count_nodes(a) for a in node.args)


def uses(node: Node, variable: str) -> bool:
    if node.op == "var":
        return node.name == variable
    return any(uses(a, variable) for a in node.args)


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def node(self, *args, **kwargs) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise fail(
                _("the expression has more than {MAX_NODES} parts; write a shorter one").format(
                    MAX_NODES=MAX_NODES
                )
            )
        return Node(*args, **kwargs)

    def nested(self, col: int):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise fail(
                _(
                    "the expression is nested too deeply at column {col} (at most {MAX_DEPTH})"
                ).format(col=col, MAX_DEPTH=MAX_DEPTH)
            )

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise fail(_("the expression is empty: type a formula in x and y, such as x^2 + y^2"))
        tree = self.expr()
        token = self.peek()
        if token.kind != "end":
            if token.text == ")":
                raise fail(_("unmatched ')' at column {col}").format(col=token.col))
            before = self.tokens[self.i - 1].text
            if token.kind != "op":
                message = _(
                    "expected an operator at column {col}, got {text!r} "
                    "(write {before}*{text} to multiply)"
                )
            else:
                message = _("expected an operator at column {col}, got {text!r}")
            raise fail(message.format(col=token.col, text=token.text, before=before))
        return tree

    def expr(self) -> Node:
        left = self.term()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            token = self.take()
            left = self.node(token.text, (left, self.term()), col=token.col)
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            token = self.take()
            left = self.node(token.text, (left, self.unary()), col=token.col)
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text in ("-", "+"):
            self.take()
            self.nested(token.col)
            arg = self.unary()
            self.depth -= 1
            return arg if token.text == "+" else self.node("neg", (arg,), col=token.col)
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        token = self.peek()
        if token.kind == "op" and token.text == "^":
            self.take()
            self.nested(token.col)
            exponent = self.unary()
            self.depth -= 1
            check_power(base, exponent, token.col)
            return self.node("^", (base, exponent), col=token.col)
        return base

    def atom(self) -> Node:
        token = self.take()
        if token.kind == "number":
            return self.node("num", value=token.value, col=token.col)
        if token.kind == "name":
            return self.name(token)
        if token.text == "(":
            self.nested(token.col)
            inside = self.expr()
            self.depth -= 1
            self.close(token)
            return inside
        if token.kind == "end":
            raise fail(
                _(
                    "the expression ends too early at column {col}: a number, x, y "
                    "or a function is missing"
                ).format(col=token.col)
            )
        raise fail(_("unexpected {text!r} at column {col}").format(text=token.text, col=token.col))

    def close(self, opening: Token):
        token = self.peek()
        if token.text != ")":
            raise fail(
                _("missing ')' at column {col} (for the '(' at column {col2})").format(
                    col=token.col, col2=opening.col
                )
            )
        self.take()

    def name(self, token: Token) -> Node:
        text = token.text
        if text in VARIABLES:
            return self.node("var", name=text, col=token.col)
        if text in CONSTANTS:
            return self.node("num", value=CONSTANTS[text], name=text, col=token.col)
        if text in FUNCTIONS:
            opening = self.peek()
            if opening.text != "(":
                raise fail(
                    _(
                        "{text} at column {col} needs its argument in parentheses: {text}(...)"
                    ).format(text=text, col=token.col)
                )
            self.take()
            self.nested(opening.col)
            args = [self.expr()]
            while self.peek().text == ",":
                self.take()
                args.append(self.expr())
            self.depth -= 1
            self.close(opening)
            wanted = FUNCTIONS[text]
            if len(args) != wanted:
                raise fail(
                    ngettext(
                        "{text} at column {col} takes {wanted} argument, got {count}",
                        "{text} at column {col} takes {wanted} arguments, got {count}",
                        wanted,
                    ).format(text=text, col=token.col, wanted=wanted, count=len(args))
                )
            return self.node("call", tuple(args), name=text, col=token.col)
        known = [*VARIABLES, *CONSTANTS, *FUNCTIONS]
        close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
        if close:
            raise fail(
                _("unknown name {text!r} at column {col} (did you mean {close}?)").format(
                    text=text, col=token.col, close=close[0]
                )
            )
        raise fail(
            _(
                "unknown name {text!r} at column {col}: the expression may only "
                "use x and y, pi, e and the functions {value}"
            ).format(text=text, col=token.col, value=", ".join(FUNCTIONS))
        )


def constant_value(node: Node) -> float | None:
    """The value of a subtree without x or y, if computing it is safe; else None."""
    if node.op == "num":
        return node.value
    if node.op == "var":
        return None
    values = [constant_value(a) for a in node.args]
    if any(v is None for v in values):
        return None
    with np.errstate(all="ignore"):
        value = float(compile_tree(node)(0.0, 0.0))
    return value if math.isfinite(value) else None


def check_power(base: Node, exponent: Node, col: int):
    """Refuse constant exponents that could explode before anything is computed."""
    value = constant_value(exponent)
    if value is None:
        if not uses(exponent, "x") and not uses(exponent, "y"):
            raise fail(_("the exponent at column {col} is too large to compute").format(col=col))
        return
    if abs(value) > MAX_EXPONENT:
        raise fail(
            _(
                "the exponent at column {col} is {value:g}; constant exponents "
                "are limited to ±{MAX_EXPONENT} so the result stays a number"
            ).format(col=col, value=value, MAX_EXPONENT=MAX_EXPONENT)
        )


def parse(text: str) -> Node:
    """The tree of f(x, y), or an InputError naming the problem and its column."""
    if not isinstance(text, str):
        raise fail(_("the expression must be text"))
    return Parser(text).parse()


# ---------------------------------------------------------------- building and simplifying


def coefficient(node: Node) -> tuple[float, Node]:
    """node = c·rest with c a plain number: (c, rest)."""
    if is_num(node) and not node.name:
        return node.value, ONE
    if node.op == "neg":
        c, rest = coefficient(node.args[0])
        return -c, rest
    if node.op == "*" and is_num(node.args[0]) and not node.args[0].name:
        return node.args[0].value, node.args[1]
    return 1.0, node


def scaled(c: float, rest: Node) -> Node:
    if c == 0.0:
        return ZERO
    if is_num(rest, 1.0) and not rest.name:
        return num(c)
    if c == 1.0:
        return rest
    if c == -1.0:
        return Node("neg", (rest,))
    return Node("*", (num(c), rest))


def neg(a: Node) -> Node:
    if a.op == "neg":
        return a.args[0]
    if is_num(a, 0.0):
        return ZERO
    c, rest = coefficient(a)
    if c != 1.0 or is_num(a):
        return scaled(-c, rest)
    return Node("neg", (a,))


def add(a: Node, b: Node) -> Node:
    if is_num(a, 0.0):
        return b
    if is_num(b, 0.0):
        return a
    if is_num(a) and is_num(b) and not (a.name or b.name):
        return num(a.value + b.value)
    c, rest = coefficient(b)
    if c < 0:  # a + (−c)·rest is a − c·rest
        return sub(a, scaled(-c, rest))
    return Node("+", (a, b))


def sub(a: Node, b: Node) -> Node:
    if is_num(b, 0.0):
        return a
    if is_num(a, 0.0):
        return neg(b)
    if is_num(a) and is_num(b) and not (a.name or b.name):
        return num(a.value - b.value)
    c, rest = coefficient(b)
    if c < 0:
        return add(a, scaled(-c, rest))
    return Node("-", (a, b))


def mul(a: Node, b: Node) -> Node:
    """a·b with the numbers gathered in front: 100·(2·r)·(2·x) is 400·(r·x)."""
    if is_num(a, 0.0) or is_num(b, 0.0):
        return ZERO
    ca, ra = coefficient(a)
    cb, rb = coefficient(b)
    if is_num(ra, 1.0) and not ra.name:
        rest = rb
    elif is_num(rb, 1.0) and not rb.name:
        rest = ra
    else:
        rest = Node("*", (ra, rb))
    return scaled(ca * cb, rest)


def div(a: Node, b: Node) -> Node:
    """a/b with the numbers gathered in front: 2·x/(2·√u) is x/√u."""
    if is_num(a, 0.0):
        return ZERO
    ca, ra = coefficient(a)
    cb, rb = coefficient(b)
    if cb == 0.0:
        return Node("/", (a, b))
    if is_num(rb, 1.0) and not rb.name:
        return scaled(ca / cb, ra)
    return scaled(ca / cb, Node("/", (ra, rb)))


def power(a: Node, b: Node) -> Node:
    if is_num(b, 1.0):
        return a
    if is_num(b, 0.0):
        return ONE
    return Node("^", (a, b))


def call(name: str, *args: Node) -> Node:
    return Node("call", tuple(args), name=name)


# ---------------------------------------------------------------- the gradient


def derivative(node: Node, v: str) -> Node:
    """∂node/∂v as a tree, with PyTorch's conventions at the kinks (see the module docstring)."""
    op, args = node.op, node.args
    if op == "num":
        return ZERO
    if op == "var":
        return ONE if node.name == v else ZERO
    if op == "neg":
        return neg(derivative(args[0], v))
    if op in ("+", "-"):
        da, db = derivative(args[0], v), derivative(args[1], v)
        return add(da, db) if op == "+" else sub(da, db)
    a, da = args[0], derivative(args[0], v)
    if op == "*":
        b, db = args[1], derivative(args[1], v)
        return add(mul(da, b), mul(a, db))
    if op == "/":
        b, db = args[1], derivative(args[1], v)
        return sub(div(da, b), div(mul(a, db), mul(b, b)))
    if op == "^":
        b, db = args[1], derivative(args[1], v)
        if not uses(b, "x") and not uses(b, "y"):  # u^c: c·u^(c−1)·u'
            c = constant_value(b)
            if c is not None:
                return mul(mul(num(c), power(a, num(c - 1.0))), da)
        return add(mul(call("pow_base", a, b), da), mul(call("pow_exponent", a, b), db))
    name = node.name
    if name in ("min", "max"):
        b, db = args[1], derivative(args[1], v)
        first, second = (sub(a, b), sub(b, a)) if name == "max" else (sub(b, a), sub(a, b))
        return add(mul(call("step", first), da), mul(call("step", second), db))
    if name == "log":  # u'/u
        return div(da, a)
    if name == "sqrt":  # u'/(2√u), inf at 0 as torch's
        return div(da, mul(num(2.0), call("sqrt", a)))
    outer = {
        "sin": lambda: call("cos", a),
        "cos": lambda: neg(call("sin", a)),
        "tan": lambda: add(ONE, power(call("tan", a), num(2.0))),
        "exp": lambda: call("exp", a),
        "abs": lambda: call("sign", a),
        "tanh": lambda: sub(ONE, power(call("tanh", a), num(2.0))),
        "sinh": lambda: call("cosh", a),
        "cosh": lambda: call("sinh", a),
        "sigmoid": lambda: mul(call("sigmoid", a), sub(ONE, call("sigmoid", a))),
    }[name]
    return mul(outer(), da)


# ---------------------------------------------------------------- evaluation


def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def step(u):
    """Heaviside with H(0) = 1/2: how torch's maximum/minimum share a tie's gradient."""
    return np.where(u > 0, 1.0, np.where(u < 0, 0.0, 0.5))


def pow_base(u, c):
    """∂(u^c)/∂u = c·u^(c−1), and 0 where c = 0 (torch's pow backward)."""
    with np.errstate(all="ignore"):  # the masked-out side may be NaN: never used
        return np.where(c == 0, 0.0, c * np.power(u, c - 1.0))


def pow_exponent(u, c):
    """∂(u^c)/∂c = u^c·ln u, and 0 where u = 0 and c ≥ 0 (torch's pow backward)."""
    with np.errstate(all="ignore"):
        return np.where((u == 0) & (c >= 0), 0.0, np.power(u, c) * np.log(u))


def scalar_power(u, c: float):
    """u^c for a constant c, with torch's special cases (u·u for 2, √u for 0.5, ...)."""
    if c == 2.0:
        return u * u
    if c == 3.0:
        return u * u * u
    if c == -1.0:
        return 1.0 / u
    if c == -2.0:
        return 1.0 / (u * u)
    if c == 0.5:
        return np.sqrt(u)
    if c == -0.5:
        return 1.0 / np.sqrt(u)
    return np.power(u, c)


CALLS: dict[str, Callable] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "sigmoid": sigmoid,
    "min": np.minimum,
    "max": np.maximum,
    "sign": np.sign,
    "step": step,
    "pow_base": pow_base,
    "pow_exponent": pow_exponent,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def compile_tree(node: Node) -> Callable:
    """The tree as nested closures f(x, y): no text is evaluated, only these NumPy functions."""
    op, args = node.op, node.args
    if op == "num":
        value = np.float64(node.value)  # NumPy's rules, not Python's: 1/0 is inf, not an error
        return lambda x, y: value
    if op == "var":
        return (lambda x, y: x) if node.name == "x" else (lambda x, y: y)
    parts = [compile_tree(a) for a in args]
    if op == "neg":
        (a,) = parts
        return lambda x, y: -a(x, y)
    if op in BINARY:
        a, b = parts
        fn = BINARY[op]
        return lambda x, y: fn(a(x, y), b(x, y))
    if op == "^":
        a, b = parts
        c = constant_value(args[1])
        if c is not None:
            return lambda x, y: scalar_power(a(x, y), c)
        return lambda x, y: np.power(a(x, y), b(x, y))
    fn = CALLS[node.name]
    if len(parts) == 1:
        (a,) = parts
        return lambda x, y: fn(a(x, y))
    a, b = parts
    return lambda x, y: fn(a(x, y), b(x, y))


def compile_function(node: Node) -> Callable:
    """f(x, y) broadcast to the shape of x and y, even where it does not depend on them."""
    fn = compile_tree(node)
    if uses(node, "x") or uses(node, "y"):
        return fn
    return lambda x, y: np.broadcast_to(np.float64(fn(x, y)), np.broadcast(x, y).shape)


# ---------------------------------------------------------------- printing

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
LATEX_CALLS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "exp": r"\exp",
    "log": r"\ln",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "sigmoid": r"\sigma",
    "min": r"\min",
    "max": r"\max",
    "sign": r"\operatorname{sign}",
    "step": r"H",
}


def precedence(node: Node) -> int:
    return PRECEDENCE.get(node.op, 5)


def number_text(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def text(node: Node) -> str:
    """Plain text with as few parentheses as the grammar allows: "x^2 + 10*y^2"."""
    op = node.op
    if op == "num":
        return node.name or number_text(node.value)
    if op == "var":
        return node.name
    if op == "call":
        shown = {"pow_base": "dpow_du", "pow_exponent": "dpow_dv"}.get(node.name, node.name)
        return f"{shown}({', '.join(text(a) for a in node.args)})"
    if op == "neg":
        (a,) = node.args
        inner = text(a)
        return f"-({inner})" if precedence(a) < 3 else f"-{inner}"
    a, b = node.args
    p = PRECEDENCE[op]
    left, right = text(a), text(b)
    if op == "^":
        left = f"({left})" if precedence(a) <= p or (a.op == "num" and a.value < 0) else left
        right = f"({right})" if precedence(b) < 3 else right
        return f"{left}^{right}"
    if precedence(a) < p:
        left = f"({left})"
    if precedence(b) < p or (precedence(b) == p and op in ("-", "/")) or b.op == "neg":
        right = f"({right})"
    return f"{left} {op} {right}" if op in ("+", "-") else f"{left}{op}{right}"


def latex_number(value: float) -> str:
    shown = number_text(value)
    if "e" in shown:
        mantissa, exponent = shown.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return shown


def latex(node: Node) -> str:
    """The same tree in LaTeX, for rendering (fractions, powers, function names)."""
    op = node.op
    if op == "num":
        return {"pi": r"\pi", "e": "e"}.get(node.name) or latex_number(node.value)
    if op == "var":
        return node.name
    if op == "call":
        name, args = node.name, node.args
        inside = ", ".join(latex(a) for a in args)
        if name == "sqrt":
            return rf"\sqrt{{{inside}}}"
        if name == "abs":
            return rf"\left|{inside}\right|"
        if name == "pow_base":
            u, c = args
            return rf"{latex(c)}\,{wrap_latex(u)}^{{{latex(sub(c, ONE))}}}"
        if name == "pow_exponent":
            u, c = args
            return rf"{wrap_latex(u)}^{{{latex(c)}}} \ln {wrap_latex(u)}"
        return rf"{LATEX_CALLS[name]}\left({inside}\right)"
    if op == "neg":
        (a,) = node.args
        inner = latex(a)
        return rf"-\left({inner}\right)" if precedence(a) < 3 else f"-{inner}"
    a, b = node.args
    if op == "/":
        return rf"\frac{{{latex(a)}}}{{{latex(b)}}}"
    if op == "^":
        return f"{wrap_latex(a)}^{{{latex(b)}}}"
    p = PRECEDENCE[op]
    left, right = latex(a), latex(b)
    if precedence(a) < p:
        left = rf"\left({left}\right)"
    if precedence(b) < p or (op == "-" and precedence(b) == p) or b.op == "neg":
        right = rf"\left({right}\right)"
    if op == "*":
        joiner = r" \cdot " if is_num(b) or (b.op == "^" and is_num(b.args[0])) else r"\,"
        return f"{left}{joiner}{right}"
    return f"{left} {op} {right}"


def wrap_latex(node: Node) -> str:
    inner = latex(node)
    if precedence(node) < 5 or (node.op == "num" and node.value < 0):
        return rf"\left({inner}\right)"
    return inner


# ---------------------------------------------------------------- the whole


@dataclass(frozen=True)
class Expression:
    """A parsed f(x, y): its tree, its gradient's trees, the texts, and NumPy functions."""

    source: str
    tree: Node
    dx: Node
    dy: Node
    f: Callable  # f(x, y), broadcasting like the built-in surfaces
    grad: Callable  # grad(x, y) -> (∂f/∂x, ∂f/∂y)

    @property
    def text(self) -> str:
        return text(self.tree)

    @property
    def latex(self) -> str:
        return latex(self.tree)


def build(source: str) -> Expression:
    """Parse, check, differentiate and compile; every limit is checked before any work."""
    tree = parse(source)
    dx, dy = derivative(tree, "x"), derivative(tree, "y")
    if count_nodes(dx) + count_nodes(dy) > MAX_GRADIENT_NODES:
        raise fail(_("the gradient of this expression is too large to compute; simplify it"))
    f, fx, fy = compile_function(tree), compile_function(dx), compile_function(dy)
    return Expression(source, tree, dx, dy, f, lambda x, y: (fx(x, y), fy(x, y)))
