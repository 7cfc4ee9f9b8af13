"""The reading page: every equation typeset beside the line that computes it, forward and backward,
made from the installed source and readable with no network (`minirnn read`).

    from minirnn.read import build
    site = build("/tmp/minirnn-read")      # -> Site(index=Path, pages={"lstm": Path, ...}, ...)

One page per file of the README's reading order (the plain cells, then the engine's rnn.py,
lstm.py, gru.py and recurrent.py) and one for each other file the README's math-to-code table
points into (only the functions it points at), and an index in reading order. Each row of a page
is a comment of the file, typeset (minirnn.read.mathtext), beside the code it explains
(minirnn.read.source); a README table row also appears beside its line, and the build fails if
that line no longer holds the row's code. KaTeX (its CSS, fonts and script) is copied from the
package (static/katex, with its LICENSE and VERSION), so the pages need nothing from a network.
"""
import re
import shutil
from collections import namedtuple
from html import escape
from pathlib import Path

from .mathtext import MathError, to_segments
from .readme import code_part, readme_text, reading_order, table_places

STATIC = Path(__file__).resolve().parent / "static"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]       # the folder that holds minirnn/
Site = namedtuple("Site", "index pages equations")        # equations: {slug: number of math spans}
NEEDS = "pip install Pygments"                         # what `minirnn read` needs beyond the core (the [read] extra)

TRY = {"rnn": "rnn", "lstm": "lstm", "gru": "gru"}


def slug(path):
    """minirnn/plain/lstm.py -> plain-lstm; minirnn/rnn.py -> rnn."""
    return path.removeprefix("minirnn/").removesuffix(".py").replace("/", "-")


def katex_version():
    return (STATIC / "katex" / "VERSION").read_text().strip()


def plan(root=PACKAGE_ROOT, readme=None):
    """-> (order, pages, entries): the reading order (paths), [(path, focus)] to build in that order
    (focus: only the functions the table points at, for files outside the reading order), and the
    README table's Entries."""
    text = readme_text(root) if readme is None else readme
    entries = table_places(text)
    order = reading_order(text)
    pages = [(p, False) for p in order if p.startswith("minirnn/") and (Path(root) / p).is_file()]
    for e in entries:
        if e.path not in [p for p, _ in pages] and (Path(root) / e.path).is_file():
            pages.append((e.path, True))
    return order, pages, entries


def build_page(path, root, entries, focus=False):
    """One file -> (its SourceFile, the rows' HTML, the number of math spans). MathError for math
    that cannot be typeset, or a README row whose line does not hold its code or is not shown."""
    from .page import highlighted_lines, rows_html
    from .source import functions_around, read_file
    text = (Path(root) / path).read_text(encoding="utf-8")
    lines = text.splitlines()
    mine = [e for e in entries if e.path == path]
    for e in mine:
        if not (1 <= e.line <= len(lines)) or e.code not in code_part(lines[e.line - 1]):
            raise MathError(f"README row `{e.code}` points at {path}:{e.line}, which does not hold it "
                            "(python scripts/update_readme_lines.py refreshes the numbers)")
    try:
        source = read_file(path, text, functions_around(text, [e.line for e in mine]) if focus else None)
    except MathError as err:
        raise MathError(f"{path}:{err}") from None
    for e in mine:
        _place_readme_row(source, e)
    body = rows_html(source, highlighted_lines(text), path)
    count = body.count('class="math"')
    return source, body, count


def _place_readme_row(source, e):
    """Put README row e beside its line: that line gets a row of its own (split out of a run of
    plain code if need be), and the row's equation goes first on its left, once (if the line's
    own comment says the same math, the comment is marked as the README's row instead)."""
    from .source import Row
    row = next((r for r in source.rows if e.line in [n for n, _ in r.lines]), None)
    if row is None:
        raise MathError(f"{e.path}:{e.line} (README row `{e.code}`) is not on the page")
    if len(row.lines) > 1 and row.kind != "def":
        i, k = source.rows.index(row), [n for n, _ in row.lines].index(e.line)
        before, mine, after = Row(row.lines[:k], row.notes), Row([row.lines[k]], kind="eq"), Row(row.lines[k + 1:])
        if k == 0:                                    # the notes above the run stay above its first line
            mine.notes, before = row.notes, None
        source.rows[i:i + 1] = [r for r in (before, mine, after) if r is not None and r.lines]
        row = mine
    try:
        readme = _markdown_segments(e.equation)
    except MathError as err:
        raise MathError(f"README row for {e.path}:{e.line}: {err}") from None
    maths = [s for k, s in readme if k == "math"]
    same = [i for i, (k, p) in enumerate(row.notes) if k == "eq" and [s for kk, s in p if kk == "math"] == maths]
    if same:
        row.notes[same[0]] = ("readme", row.notes[same[0]][1])
    else:
        row.notes.insert(0, ("readme", readme))


def _markdown_segments(cell):
    """A README table cell: `backticked` parts are math (or code), the rest is words."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", cell)):
        if i % 2:
            out.extend(to_segments(part, full=True))
        elif part.strip():
            out.append(("text", part.strip()))
    return out


def build(out, root=PACKAGE_ROOT, readme=None):
    """Write the site into out (made if missing; pages it wrote before are replaced) -> Site."""
    from .page import page
    order, pages, entries = plan(root, readme)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if (out / "_static").exists():
        shutil.rmtree(out / "_static")
    shutil.copytree(STATIC, out / "_static")
    from importlib.metadata import PackageNotFoundError, version
    try:
        mine = f"minirnn {version('minirnn')}, KaTeX {katex_version()}"
    except PackageNotFoundError:
        mine = f"KaTeX {katex_version()}"
    built, counts, summaries = {}, {}, {}
    names = [p for p, _ in pages]
    for i, (path, focus) in enumerate(pages):
        source, rows, count = build_page(path, root, entries, focus)
        s = slug(path)
        nav = "".join(f' · <a href="{slug(q)}.html">{label} {escape(q)}</a>'
                      for label, q in (("←", names[i - 1] if i else None),
                                       ("→", names[i + 1] if i + 1 < len(names) else None)) if q)
        body = (f'<h1><code>{escape(path)}</code></h1>\n'
                f"{_try_html(s)}\n"
                + ('<p class="focus">Only the functions the README\'s math-to-code table points into.</p>\n'
                   if focus else "")
                + f'<div class="rows" data-equations="{count}">\n{rows}\n</div>')
        (out / f"{s}.html").write_text(page(f"{path} · minirnn", body, mine, nav=nav), encoding="utf-8")
        built[s], counts[s], summaries[path] = out / f"{s}.html", count, source.title
    (out / "index.html").write_text(page("minirnn, read line by line", _index_html(order, pages, summaries, root),
                                         mine), encoding="utf-8")
    return Site(out / "index.html", built, counts)


def try_commands(s):
    """The commands a page suggests (tests/test_read.py checks each one parses)."""
    cell = s.removeprefix("plain-")
    plain = " --plain" if s.startswith("plain-") else ""
    if cell in TRY:
        return [f"minirnn trace --cell {cell}{plain}", f"minirnn gradcheck --cell {cell}{plain}",
                f"minirnn exercise {cell}"]
    if s == "recurrent":
        return ["minirnn gradcheck --cell all --layers 2 --bidirectional --mask"]
    return []


def _try_html(s):
    cmds = try_commands(s)
    if not cmds:
        return ""
    items = "".join(f"<li><code>{escape(c)}</code></li>" for c in cmds)
    return f'<div class="try"><span>Try it:</span><ul>{items}</ul></div>'


def demo_file(root, path):
    """demos/NAME.py in a checkout (root/demos), or in an installed wheel (root/minirnn/demos); else None."""
    for where in (Path(root) / path, Path(root) / "minirnn" / path):
        if where.is_file():
            return where
    return None


def _index_html(order, pages, summaries, root):
    items = []
    for path in order:
        if path in summaries:
            items.append(f'<li><a href="{slug(path)}.html"><code>{escape(path)}</code></a> '
                         f"<span>{escape(summaries[path])}</span></li>")
        elif demo_file(root, path) is not None:                     # a demo: a script, linked as it is
            uri = demo_file(root, path).resolve().as_uri()
            items.append(f'<li><a href="{uri}"><code>{escape(path)}</code></a> '
                         f"<span>the walkthrough script: run it, or open it in Jupyter or VS Code</span></li>")
        else:
            items.append(f"<li><code>{escape(path)}</code> <span>(not in this installation)</span></li>")
    more = "".join(f'<li><a href="{slug(p)}.html"><code>{escape(p)}</code></a> '
                   f"<span>{escape(summaries[p])}</span></li>" for p, focus in pages if focus)
    return (f"<h1>minirnn, read line by line</h1>\n"
            "<p>Each page sets a file's code beside what it computes: every equation typeset beside its "
            "line, forward and backward. The pages are made from the installed source, so they say what "
            "the code does.</p>\n"
            f'<h2>Reading order</h2>\n<ol class="order">{"".join(items)}</ol>\n'
            + (f'<h2>Around the cells</h2>\n<ul class="order">{more}</ul>\n' if more else ""))
