"""The subset of Gherkin the openCypher TCK is written in, parsed into test cases.

A feature file holds a Feature, at most one Background, Scenarios and Scenario Outlines
with their Examples tables, steps (Given/When/Then/And/But) with an optional docstring
(\"\"\" ... \"\"\") or table (| a | b |, with the cell escapes \\| \\\\ \\n), tags and # comments.
Each plain Scenario is one case; each Examples row of an outline is a case of its own with
the <placeholders> of its steps, docstrings and tables replaced by the row's cells.

A case id is `<feature path under features/>:<scenario name>`, plus `#<n>` (1-based row
number within the outline's Examples tables) for an outline row; these ids are what the
baseline file tests/tck/passing.txt lists. Anything outside the subset is a ParseError:
a silently skipped line would silently drop a test.
"""

import dataclasses
import os
import re

STEP_KEYWORDS = ("Given", "When", "Then", "And", "But", "*")


class ParseError(Exception):
    pass


@dataclasses.dataclass
class Step:
    keyword: str
    text: str
    line: int
    docstring: str | None = None
    table: list | None = None  # list of rows, each a list of cell strings


@dataclasses.dataclass
class Case:
    id: str
    feature: str  # path under features/, e.g. clauses/match/Match1.feature
    name: str
    line: int
    tags: frozenset
    steps: list  # Background steps first
    example: int | None = None  # 1-based Examples row of an outline

    @property
    def area(self):
        return self.feature.split("/")[0]

    @property
    def subarea(self):
        parts = self.feature.split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


@dataclasses.dataclass
class _Scenario:
    name: str
    line: int
    tags: frozenset
    outline: bool
    steps: list = dataclasses.field(default_factory=list)
    examples: list = dataclasses.field(default_factory=list)  # tables (header + rows)


def split_row(line, lineno):
    """The cells of one table row, unescaped as Gherkin does (\\| \\\\ \\n)."""
    s = line.strip()
    if not s.startswith("|") or not s.endswith("|") or len(s) < 1:
        raise ParseError(f"line {lineno}: table row must start and end with '|': {line!r}")
    cells = []
    cur = []
    i = 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "|":
                cur.append("|")
            elif n == "\\":
                cur.append("\\")
            elif n == "n":
                cur.append("\n")
            else:
                cur.append(c + n)
            i += 2
            continue
        if c == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        raise ParseError(f"line {lineno}: text after the last '|': {line!r}")
    return cells


def _substitute(text, row):
    if text is None:
        return None
    return re.sub(r"<([^<>\n]+)>", lambda m: row.get(m.group(1), m.group(0)), text)


def parse_feature(text, feature_path):
    """The cases of one feature file (feature_path: its path under features/)."""
    lines = text.split("\n")
    background = None
    scenarios = []
    feature_seen = False
    pending_tags = []
    current = None  # the step list being filled: background steps or a scenario's
    in_examples = False
    last_step = None
    i = 0
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        s = raw.strip()
        i += 1
        if not s or s.startswith("#"):
            continue
        if s.startswith('"""') or s.startswith("```"):
            if last_step is None or last_step.docstring is not None or last_step.table is not None:
                raise ParseError(f"line {lineno}: docstring without a step")
            fence = s[:3]
            indent = len(raw) - len(raw.lstrip())
            body = []
            while True:
                if i >= len(lines):
                    raise ParseError(f"line {lineno}: unterminated docstring")
                r = lines[i]
                i += 1
                if r.strip() == fence:
                    break
                prefix = r[:indent]
                body.append(r[indent:] if not prefix.strip() else r.lstrip())
            last_step.docstring = "\n".join(body)
            continue
        if s.startswith("|"):
            row = split_row(s, lineno)
            if in_examples:
                current_scenario = scenarios[-1]
                current_scenario.examples[-1].append(row)
            elif last_step is not None and last_step.docstring is None:
                if last_step.table is None:
                    last_step.table = []
                last_step.table.append(row)
            else:
                raise ParseError(f"line {lineno}: table without a step")
            continue
        if s.startswith("@"):
            pending_tags.extend(t for t in s.split() if t.startswith("@"))
            continue
        keyword, _, rest = s.partition(":")
        keyword = keyword.strip()
        if keyword == "Feature" and ":" in s:
            if feature_seen:
                raise ParseError(f"line {lineno}: second Feature")
            feature_seen = True
            pending_tags = []
            # The free description lines after Feature: run until the first section.
            while i < len(lines):
                t = lines[i].strip()
                if re.match(r"^(Background|Scenario|Scenario Outline|Scenario Template|Rule)\s*:", t) or t.startswith("@"):
                    break
                i += 1
            continue
        if not feature_seen:
            raise ParseError(f"line {lineno}: text before Feature: {s!r}")
        if keyword == "Background" and ":" in s:
            if background is not None or scenarios:
                raise ParseError(f"line {lineno}: Background must come once, before the scenarios")
            background = []
            current = background
            in_examples = False
            last_step = None
            continue
        if keyword in ("Scenario", "Scenario Outline", "Scenario Template") and ":" in s:
            scenario = _Scenario(rest.strip(), lineno, frozenset(pending_tags), keyword != "Scenario")
            pending_tags = []
            scenarios.append(scenario)
            current = scenario.steps
            in_examples = False
            last_step = None
            continue
        if keyword in ("Examples", "Scenarios") and ":" in s:
            if not scenarios or not scenarios[-1].outline:
                raise ParseError(f"line {lineno}: Examples outside a Scenario Outline")
            scenarios[-1].examples.append([])
            pending_tags = []
            in_examples = True
            last_step = None
            continue
        word = s.split(None, 1)[0]
        if word in STEP_KEYWORDS:
            if current is None or in_examples:
                raise ParseError(f"line {lineno}: step outside a scenario: {s!r}")
            text_part = s[len(word):].strip()
            last_step = Step(word, text_part, lineno)
            current.append(last_step)
            continue
        raise ParseError(f"line {lineno}: not understood: {s!r}")
    return list(_expand(feature_path, background or [], scenarios))


def _expand(feature_path, background, scenarios):
    for sc in scenarios:
        if not sc.outline:
            yield Case(f"{feature_path}:{sc.name}", feature_path, sc.name, sc.line, sc.tags,
                       [dataclasses.replace(st) for st in background + sc.steps])
            continue
        if not sc.examples:
            raise ParseError(f"{feature_path}: outline {sc.name!r} has no Examples")
        n = 0
        for table in sc.examples:
            if not table:
                raise ParseError(f"{feature_path}: outline {sc.name!r} has an Examples without a header")
            header, rows = table[0], table[1:]
            for cells in rows:
                if len(cells) != len(header):
                    raise ParseError(f"{feature_path}: outline {sc.name!r}: row width differs from its header")
                n += 1
                row = dict(zip(header, cells))
                steps = []
                for st in background + sc.steps:
                    steps.append(Step(st.keyword, _substitute(st.text, row), st.line,
                                      _substitute(st.docstring, row),
                                      None if st.table is None else
                                      [[_substitute(c, row) for c in r] for r in st.table]))
                yield Case(f"{feature_path}:{sc.name}#{n}", feature_path, sc.name, sc.line, sc.tags, steps, n)


def load_cases(features_dir, only=None):
    """Every case under features_dir (sorted by file), or those of the files named in
    `only` (paths under features/)."""
    paths = []
    for root, _, files in os.walk(features_dir):
        for f in files:
            if f.endswith(".feature"):
                paths.append(os.path.relpath(os.path.join(root, f), features_dir).replace(os.sep, "/"))
    paths.sort()
    if only is not None:
        wanted = set(only)
        missing = wanted - set(paths)
        if missing:
            raise ParseError(f"no such feature files: {sorted(missing)}")
        paths = [p for p in paths if p in wanted]
    cases = []
    for p in paths:
        with open(os.path.join(features_dir, p), encoding="utf-8") as fh:
            try:
                cases.extend(parse_feature(fh.read(), p))
            except ParseError as e:
                raise ParseError(f"{p}: {e}") from None
    return cases
