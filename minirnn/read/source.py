"""A .py file cut into the reading page's rows: each row is some lines of code (right) and what
explains them (left), taken from the file itself.

    a line with an end-of-line comment  -> a row of its own: the comment, typeset, beside the line
    comment lines above some code       -> the explanation of the row that follows them
    a def or class and its docstring    -> the signature beside its docstring
    the module docstring                -> the page's introduction (its indented lines are equations)
    other lines                         -> code rows, with nothing beside them

A `# $$ ... $$` comment line (LaTeX) sets the math of the line under it, for an equation the
plain-text converter cannot read. read_file() raises MathError when a comment's math is invalid.
"""
import ast
import io
import re
import tokenize
from dataclasses import dataclass, field

from .mathtext import MathError, to_segments, validate

OVERRIDE = re.compile(r"^\$\$(.+)\$\$$")
BANNER = re.compile(r"^-+\s*(.*?)\s*-*$")


@dataclass
class Row:
    lines: list                                   # [(lineno, source line)] shown on the right
    notes: list = field(default_factory=list)     # [(kind, payload)] shown on the left
    kind: str = "code"                            # "code", "eq" (one line and its equation), "def", "intro"


@dataclass
class SourceFile:
    path: str                                     # as the README writes it: minirnn/rnn.py
    text: str
    rows: list
    title: str                                    # the docstring's first line


def short_names(tree):
    """The variables of a file with names of 3 letters or fewer (dxw, dhh): in its comments they are math."""
    found = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    found |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return frozenset(x for x in found if len(x) <= 3)


def docstring_blocks(doc, names=frozenset()):
    """A docstring -> [("p", segments)] paragraphs and [("eqs", [[segments, note], ...])] blocks of
    indented lines (an equation, then what it is, after two or more spaces)."""
    blocks, para = [], []
    lines = doc.expandtabs().splitlines()

    def flush():
        if para:
            blocks.append(("p", to_segments(" ".join(para), full=False, names=names)))
            para.clear()

    def new_item(line):                   # "dh: (B, H) ...", "Returns ...": a list, one per line
        return re.match(r"(\w+(, \w+)*:\s|Returns\b|Shapes:)", line)

    for line in lines:
        if not line.strip():
            flush()
        elif line.startswith("    "):
            parts = []
            for p in re.split(r"\s{2,}", line.strip()):   # columns; "dc_t    = ..." is one equation
                if parts and re.match(r"[-+=*/@]|\+=", p):
                    parts[-1] += " " + p
                elif p.strip():
                    parts.append(p)
            parts = [p.strip().rstrip(",") for p in parts]
            words = re.findall(r"(?<![_\w])[a-z]{3,}(?![\w(_])", parts[0])
            if len(words) >= 4:                         # an indented sentence, not an equation
                para.append(line.strip())
                continue
            flush()
            try:
                item = [to_segments(parts[0], full=True, names=names),
                        [to_segments(p, full="=" in p, names=names) for p in parts[1:]]]
            except MathError:                           # not an equation: an example of code
                item = [[("code", line.strip())], []]
            if blocks and blocks[-1][0] == "eqs":
                blocks[-1][1].append(item)
            else:
                blocks.append(("eqs", [item]))
        else:
            if new_item(line.strip()):
                flush()
            para.append(line.strip())
    flush()
    return blocks


def _docstrings(tree):
    """{first line of the docstring: (last line, owner's first line or None, text)}."""
    out = {}
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                   ast.ClassDef))]
    for node in nodes:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            if isinstance(node, ast.Module):
                start = None
            else:
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            out[body[0].lineno] = (body[0].end_lineno, start, ast.get_docstring(node))
    return out


def _comments(text):
    """{line: (comment text without '#', whether the line holds only the comment)}."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = (tok.string[1:].strip(), not tok.line[:tok.start[1]].strip())
    return out


def functions_around(text, linenos):
    """The line ranges of the innermost functions holding these lines (for a page that shows only
    the parts of a file the README points into)."""
    tree = ast.parse(text)
    spans = []
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = n.decorator_list[0].lineno if n.decorator_list else n.lineno
            spans.append((start, n.end_lineno))
    keep = set()
    for line in linenos:
        inside = [s for s in spans if s[0] <= line <= s[1]]
        if not inside:
            raise MathError(f"line {line} is in no function; the page cannot show it with its context")
        keep.add(min(inside, key=lambda s: s[1] - s[0]))
    return sorted(keep)


def read_file(path, text, only=None):
    """path (for the page), text (its source) -> SourceFile. only: [(first, last)] line ranges to
    show (None: the whole file)."""
    tree = ast.parse(text)
    lines = text.splitlines()
    docs = _docstrings(tree)
    comments = _comments(text)
    names = short_names(tree)
    title = (ast.get_docstring(tree) or path).strip().splitlines()[0]
    wanted = set(range(1, len(lines) + 1)) if only is None else \
        {n for a, b in only for n in range(a, b + 1)}
    rows, pending, override = [], [], None
    skip_until = 0
    for n in range(1, len(lines) + 1):
        try:
            skip_until, override = _row(n, lines, docs, comments, wanted, rows, pending, skip_until, override,
                                        names)
        except MathError as err:
            raise MathError(f"{n}: {err}") from None
    rows = [r for r in rows if r.kind != "blank"]
    rows = [r for i, r in enumerate(rows) if r.kind != "gap" or (0 < i < len(rows) - 1)]
    return SourceFile(path, text, rows, title)


def _row(n, lines, docs, comments, wanted, rows, pending, skip_until, override, names):
    """Place line n: into a new row, into the last one, or into the notes pending for the next."""
    if n <= skip_until or n not in wanted:
        if n not in wanted and rows and rows[-1].kind != "gap":
            rows.append(Row([], kind="gap"))
        return skip_until, override
    line = lines[n - 1]
    if n in docs:                                   # a docstring: beside its def, or the intro
        end, owner, doc = docs[n]
        skip_until = end
        blocks = docstring_blocks(doc, names)
        if owner is None:
            rows.append(Row([], [("doc", blocks)], kind="intro"))
        elif rows and rows[-1].kind == "def":
            rows[-1].notes.append(("doc", blocks))
        return skip_until, override
    if not line.strip():
        if rows and rows[-1].kind == "code":
            rows.append(Row([], kind="blank"))       # the next code line starts a new row
        return skip_until, override
    comment, alone = comments.get(n, (None, False))
    if comment is not None and alone:
        m = OVERRIDE.match(comment)
        if m:
            override = validate(m[1].strip())
        elif BANNER.match(comment) and comment.startswith("--"):
            pending.append(("heading", BANNER.match(comment)[1]))
        elif pending and pending[-1][0] == "prose":
            pending[-1] = ("prose", pending[-1][1] + " " + comment)
        else:
            pending.append(("prose", comment))
        return skip_until, override
    code = line if comment is None else line[:_comment_start(line, comment)].rstrip()
    notes = [(k, to_segments(v, full=False, names=names)) if k == "prose" else (k, v) for k, v in pending]
    pending.clear()
    if re.match(r"\s*(async\s+def|def|class|@)\b", line):
        decorated = rows and rows[-1].kind == "def" and rows[-1].lines[-1][1].lstrip().startswith("@")
        row = rows[-1] if decorated else Row([], kind="def")
        row.lines.append((n, code))
        row.notes.extend(notes)
        if comment is not None:
            row.notes.append(("eq", to_segments(comment, names=names)))
        if not decorated:
            rows.append(row)
        return skip_until, override
    if rows and rows[-1].kind == "def" and _open_brackets(rows[-1].lines):   # a signature's next line
        rows[-1].lines.append((n, code))
        return skip_until, override
    if comment is not None or override is not None:
        row = Row([(n, code)], notes, kind="eq")
        if override is not None:
            row.notes.append(("eq", [("math", override)]))
            override = None
        if comment is not None:
            row.notes.append(("eq", to_segments(comment, names=names)))
        rows.append(row)
    elif rows and rows[-1].kind == "code" and not notes:
        rows[-1].lines.append((n, code))
    else:
        rows.append(Row([(n, code)], notes))
    return skip_until, override


def _comment_start(line, comment):
    """Where the end-of-line comment starts (the last '#' that tokenize saw as a comment)."""
    i = line.rindex("#")
    while line[i + 1:].strip() != comment and i > 0:
        i = line.rindex("#", 0, i)
    return i


def _open_brackets(lines):
    text = "".join(code for _, code in lines)
    return sum(text.count(c) for c in "([{") > sum(text.count(c) for c in ")]}")
