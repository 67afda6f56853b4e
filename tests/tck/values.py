"""The TCK's value literals (README.adoc, "Format of the expected results") and the one
comparable form both the expected values and the server's results are brought into.

Literals: null, true/false, integers, floats (decimal, exponent, NaN, Inf, -Inf),
'single-quoted strings' (escapes \\' and \\\\ only, as the TCK's own value parser), lists
[a, b], maps {k: v} (keys as bare names or `backticked`), nodes (:A:B {p: 1}),
relationships [:T {p: 1}] and paths <(:A)-[:T]->(:B)<-[:S]-()>.

parse() gives a tree of plain Python values (None, bool, int, float, str, list, dict) and
Node/Rel/Path/Other; canonical() turns such a tree into a hashable key where equal keys
mean equal values as the TCK defines them: integers and floats never equal each other,
NaN equals NaN, maps are unordered, nodes compare by label set and properties,
relationships by type and properties, paths structurally, lists in order - unless
unordered_lists (the "ignoring element order for lists" steps), where every list at every
depth compares as a multiset. render() writes a tree back in the literal form for
failure messages.
"""

import dataclasses
import math


class ValueSyntaxError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Node:
    labels: frozenset
    props: dict


@dataclasses.dataclass(frozen=True)
class Rel:
    type: str
    props: dict


@dataclasses.dataclass(frozen=True)
class Path:
    start: Node
    links: tuple  # of (forward: bool, Rel, Node)


@dataclasses.dataclass(frozen=True)
class Other:
    """A server value the TCK has no literal for (a point, bytes, an undecodable
    structure): it equals no expected value."""

    kind: str
    text: str


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


class _Parser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def fail(self, what):
        raise ValueSyntaxError(f"{what} at offset {self.i} in {self.s!r}")

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n\f":
            self.i += 1

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def eat(self, token):
        self.ws()
        if self.s.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def expect(self, token):
        if not self.eat(token):
            self.fail(f"expected {token!r}")

    def value(self):
        self.ws()
        c = self.peek()
        if c == "(":
            return self.node()
        if c == "[":
            j = self.i + 1
            while j < len(self.s) and self.s[j] in " \t":
                j += 1
            if j < len(self.s) and self.s[j] == ":":
                return self.rel()
            return self.list()
        if c == "<":
            return self.path()
        if c == "{":
            return self.map()
        if c == "'":
            return self.string()
        for word, val in (("null", None), ("true", True), ("false", False), ("NaN", math.nan),
                          ("-Inf", -math.inf), ("Inf", math.inf)):
            if self.s.startswith(word, self.i) and self.peek(len(word)) not in _NAME_CHARS:
                self.i += len(word)
                return val
        return self.number()

    def number(self):
        start = self.i
        if self.peek() == "-":
            self.i += 1
        int_digits = self.digits()
        is_float = False
        if self.peek() == "." and self.peek(1).isdigit():
            self.i += 1
            self.digits()
            is_float = True
        elif self.peek() == ".":
            self.fail("a digit must follow '.'")
        if self.peek() in ("e", "E"):
            self.i += 1
            if self.peek() == "-":
                self.i += 1
            if not self.digits():
                self.fail("exponent without digits")
            is_float = True
        text = self.s[start:self.i]
        if not int_digits and not is_float:
            self.fail("expected a value")
        return float(text) if is_float else int(text)

    def digits(self):
        start = self.i
        while self.peek().isdigit():
            self.i += 1
        return self.i > start

    def string(self):
        self.i += 1
        out = []
        while True:
            c = self.peek()
            if c == "":
                self.fail("unterminated string")
            if c == "'":
                self.i += 1
                return "".join(out)
            if c == "\\":
                n = self.peek(1)
                if n in ("'", "\\"):
                    out.append(n)
                    self.i += 2
                    continue
                self.fail(f"unknown escape \\{n}")
            out.append(c)
            self.i += 1

    def name(self):
        self.ws()
        if self.peek() == "`":
            end = self.s.find("`", self.i + 1)
            if end < 0:
                self.fail("unterminated `name`")
            n = self.s[self.i + 1:end]
            self.i = end + 1
            return n
        start = self.i
        while self.peek() in _NAME_CHARS and self.peek() != "":
            self.i += 1
        if self.i == start:
            self.fail("expected a name")
        return self.s[start:self.i]

    def list(self):
        self.expect("[")
        items = []
        if self.eat("]"):
            return items
        while True:
            items.append(self.value())
            if self.eat("]"):
                return items
            self.expect(",")

    def map(self):
        self.expect("{")
        out = {}
        if self.eat("}"):
            return out
        while True:
            k = self.name()
            if k in out:
                self.fail(f"duplicate key {k!r}")
            self.expect(":")
            out[k] = self.value()
            if self.eat("}"):
                return out
            self.expect(",")

    def node(self):
        self.expect("(")
        labels = []
        while self.eat(":"):
            labels.append(self.name())
        self.ws()
        props = self.map() if self.peek() == "{" else {}
        self.expect(")")
        return Node(frozenset(labels), props)

    def rel(self):
        self.expect("[")
        self.expect(":")
        t = self.name()
        self.ws()
        props = self.map() if self.peek() == "{" else {}
        self.expect("]")
        return Rel(t, props)

    def path(self):
        self.expect("<")
        start = self.node()
        links = []
        while True:
            self.ws()
            if self.eat(">"):
                return Path(start, tuple(links))
            if self.eat("<-"):
                r = self.rel()
                self.expect("-")
                links.append((False, r, self.node()))
            elif self.eat("-"):
                r = self.rel()
                self.expect("->")
                links.append((True, r, self.node()))
            else:
                self.fail("expected a relationship or '>'")


def parse(text):
    p = _Parser(text)
    v = p.value()
    p.ws()
    if p.i != len(p.s):
        p.fail("trailing text")
    return v


def canonical(v, unordered_lists=False):
    """A hashable key: equal keys exactly when the TCK calls the values equal."""
    if v is None:
        return ("null",)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("float", "NaN") if math.isnan(v) else ("float", v)
    if isinstance(v, str):
        return ("str", v)
    if isinstance(v, (list, tuple)):
        items = [canonical(x, unordered_lists) for x in v]
        if unordered_lists:
            items.sort(key=repr)
        return ("list", tuple(items))
    if isinstance(v, dict):
        return ("map", tuple(sorted((k, canonical(x, unordered_lists)) for k, x in v.items())))
    if isinstance(v, Node):
        return ("node", tuple(sorted(v.labels)), canonical(v.props, unordered_lists))
    if isinstance(v, Rel):
        return ("rel", v.type, canonical(v.props, unordered_lists))
    if isinstance(v, Path):
        return ("path", canonical(v.start, unordered_lists),
                tuple((fwd, canonical(r, unordered_lists), canonical(n, unordered_lists)) for fwd, r, n in v.links))
    if isinstance(v, Other):
        return ("other", v.kind, v.text)
    raise TypeError(f"no TCK form for {type(v).__name__}")


def _render_float(f):
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Inf" if f > 0 else "-Inf"
    return repr(f)


def _render_name(k):
    return k if k and all(c in _NAME_CHARS for c in k) else "`" + k + "`"


def render(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _render_float(v)
    if isinstance(v, str):
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(render(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_render_name(k)}: {render(x)}" for k, x in sorted(v.items())) + "}"
    if isinstance(v, Node):
        parts = "".join(":" + _render_name(lbl) for lbl in sorted(v.labels))
        if v.props:
            parts += (" " if parts else "") + render(v.props)
        return "(" + parts + ")"
    if isinstance(v, Rel):
        return "[:" + _render_name(v.type) + (" " + render(v.props) if v.props else "") + "]"
    if isinstance(v, Path):
        out = "<" + render(v.start)
        for fwd, r, n in v.links:
            out += ("-" + render(r) + "->" if fwd else "<-" + render(r) + "-") + render(n)
        return out + ">"
    if isinstance(v, Other):
        return f"<{v.kind} {v.text}>"
    return f"<{type(v).__name__} {v!r}>"


def to_parameter(v):
    """A parsed literal as a driver parameter value (the TCK's parameters are never graph
    elements)."""
    if isinstance(v, (Node, Rel, Path, Other)):
        raise ValueSyntaxError(f"a graph element cannot be a parameter: {render(v)}")
    if isinstance(v, list):
        return [to_parameter(x) for x in v]
    if isinstance(v, dict):
        return {k: to_parameter(x) for k, x in v.items()}
    return v
