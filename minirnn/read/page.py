"""HTML for the reading page: a SourceFile's rows as two columns, the explanation and its math
on the left, the syntax-highlighted lines (with their numbers) on the right.

Math goes into the page as <span class="math" data-tex="LaTeX">; static/read.js typesets each one
with the vendored KaTeX when the page opens. Nothing is loaded from anywhere but the site's folder.
"""
from html import escape

from pygments import lex
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES, Comment


def highlighted_lines(text):
    """{line number: the line as HTML, end-of-line comment left out (it is on the left, typeset)}."""
    lines, cur = {}, []
    n = 1
    for ttype, value in lex(text, PythonLexer()):
        parts = value.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines[n] = "".join(cur).rstrip()
                cur, n = [], n + 1
            if part and not (ttype in Comment and ttype is not Comment.Hashbang):
                cls = _css_class(ttype)
                cur.append(f'<span class="{cls}">{escape(part)}</span>' if cls else escape(part))
    if cur:
        lines[n] = "".join(cur).rstrip()
    return lines


def _css_class(ttype):
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def segments_html(segs):
    out = []
    for kind, s in segs:
        if kind == "math":
            out.append(f'<span class="math" data-tex="{escape(s)}">{escape(s)}</span>')
        elif kind == "code":
            out.append(f"<code>{escape(s)}</code>")
        elif kind == "shape":
            out.append(f'<span class="shape">{escape(s.replace("->", "→"))}</span>')
        else:
            out.append(escape(s))
    html = ""
    for piece in out:                     # a space between pieces, none before punctuation
        if html and not piece.startswith((",", ":", ";", ".", ")", "'", "&#x27;")) and not html.endswith("("):
            html += " "
        html += piece
    return html


def doc_html(blocks):
    out = []
    for kind, payload in blocks:
        if kind == "p":
            out.append(f"<p>{segments_html(payload)}</p>")
        else:
            items = "".join(f'<div class="eqline"><span class="lhs">{segments_html(eq)}</span>'
                            + "".join(f' <span class="{_column(n)}">{segments_html(n)}</span>' for n in notes)
                            + "</div>" for eq, notes in payload)
            out.append(f'<div class="eqs">{items}</div>')
    return "".join(out)


def _column(segs):
    """A column of an equation block: another equation ("lhs") or what the first one is ("what")."""
    return "lhs" if any(k == "math" and "=" in s for k, s in segs) else "what"


def note_html(kind, payload):
    if kind == "heading":
        return f"<h3>{escape(payload)}</h3>"
    if kind == "prose":
        return f"<p>{segments_html(payload)}</p>"
    if kind == "doc":
        return f'<div class="doc">{doc_html(payload)}</div>'
    if kind == "readme":
        return f'<p class="readme" title="a row of the README\'s math-to-code table">{segments_html(payload)}</p>'
    return f'<p class="eq">{segments_html(payload)}</p>'


def rows_html(source, code_lines, path):
    out = []
    for i, row in enumerate(source.rows):
        if row.kind == "gap":
            out.append('<div class="gap" aria-hidden="true">⋮</div>')
            continue
        notes = "".join(note_html(k, p) for k, p in row.notes)
        lines = "".join(f'<div class="line" id="L{n}" data-line="{n}"><a class="ln" href="#L{n}" '
                        f'title="{escape(path)}:{n}">{n}</a><code>{code_lines.get(n, "") or " "}</code></div>'
                        for n, _ in row.lines)
        first = row.lines[0][0] if row.lines else None
        where = f' data-where="{escape(path)}:{first}"' if first else ""
        code = f'<div class="code">{lines}</div>' if row.lines else ""
        out.append(f'<div class="row {row.kind}"{where}><div class="note">{notes}</div>{code}</div>')
    return "\n".join(out)


def page(title, body, version, depth=0, nav=""):
    static = "../" * depth + "_static"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src file: data:; style-src file: 'unsafe-inline'">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{static}/katex/katex.min.css">
<link rel="stylesheet" href="{static}/read.css">
</head>
<body>
<header class="top"><a href="index.html">minirnn, read line by line</a>{nav}</header>
<main>
{body}
</main>
<footer>Made by <code>minirnn read</code> from the installed source ({escape(version)}), with nothing
loaded from the network.</footer>
<script src="{static}/katex/katex.min.js"></script>
<script src="{static}/read.js"></script>
</body>
</html>
"""
