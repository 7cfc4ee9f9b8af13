r"""Plain-text equations, as the comments write them, into LaTeX for the reading page.

    to_segments("backprop through tanh: da = dh (1 - h^2)")
    -> [("text", "backprop through tanh: "), ("math", r"da = dh \odot (1 - h^{2})")]

A comment mixes words and math. It is cut at spaces (a bracket keeps its contents together), each
piece is judged math or words (x_t, h_{t-1}, =, +, single letters, f(...) are math; English words,
file names and snake_case function names are not), and each run of math pieces is parsed:

    juxtaposition   f_t c_{t-1}     -> f_t \odot c_{t-1}     (element-wise: two vectors)
                    x_t W_x         -> x_t W_x               (a matrix product: a W, or a ^T, takes part)
    a / b           dL/da_t         -> \frac{dL}{da_t}
    functions       sigmoid(a_i)    -> \sigma(a_i);  tanh, exp, log, max, min as themselves
    sums            sum_t x_t^T da_t -> \sum_{t} x_t^T da_t
    shapes          (B, H) @ (H, 4H) -> (B, 4H)  are kept as text, not math

What it cannot parse (an unmatched bracket, a character it does not know) raises MathError, and
latex.validate() checks every LaTeX string the page will show (balanced braces, known commands only),
so bad math fails the build instead of showing up broken in the browser. A comment can override
the conversion with a `# $$ ... $$` line of its own just above the line it explains.
"""
import re

from .latex import FUNCTIONS, GREEK, SNAKE_WORD, MathError, to_latex, validate  # noqa: F401

STOPWORDS = {"a", "an", "to", "of", "in", "is", "at", "on", "or", "by", "as", "if", "it", "up", "no", "be",
             "we", "so", "and", "the"}


# -- words or math ----------------------------------------------------------------------------------
def _chunks(text):
    """Cut at spaces, but keep a bracket's contents in one piece: "(1 - h^2)" stays whole."""
    out, cur, depth = [], "", 0
    for ch in text:
        if ch.isspace() and depth == 0:
            if cur:
                out.append(cur)
            cur = ""
            continue
        depth += (ch in "([{") - (ch in ")]}")
        cur += ch
    if cur:
        out.append(cur)
    return out


FILE = re.compile(r"^[\w./-]*\w\.(py|cu|md|npz|csv|png|json|txt)$|^[a-z][\w.]{2,}/[\w./]+$")


def _kind(chunk, names=frozenset()):
    """'math', 'code', 'shape' or 'text' for one piece of a comment (its punctuation already cut off).
    names: short variable names of the file the comment is in (dxw, dhh): math, not words."""
    if FILE.match(chunk) or SNAKE_WORD.fullmatch(chunk) or chunk in ("True", "False", "None") \
            or re.match(r"(?:" + SNAKE_WORD.pattern + r")\(|\w+\(\)$", chunk):   # state_dict(), rnn_forward(x)
        return "code"
    if re.fullmatch(r"[A-Za-z]{4,}_[A-Za-z0-9]{2,}", chunk):                 # weight_ih: a name
        return "code"
    if chunk == "(...)":
        return "shape"
    if chunk == "...":
        return "text"
    if chunk in ("@", "->"):
        return "shape"
    if _is_shape(chunk):
        return "shape"
    if chunk[0] in "([" and chunk[-1] in ")]":
        inner = [_strip(c)[1] for c in _chunks(chunk[1:-1])]
        kinds = [_kind(c, names) if c else "text" for c in inner]
        short = [k == "math" or (re.fullmatch(r"[a-z]{1,4}", c) and c not in STOPWORDS) for c, k in zip(inner, kinds)]
        return "math" if inner and "math" in kinds and all(short) else "text"     # [da_r, da_z, dhn]
    if re.fullmatch(r"[A-Za-z]+(-[A-Za-z]+)+|[A-Za-z]+'s?", chunk):        # time-major, LSTM's
        return "text"
    if re.search(r"[_^=+*/@<>|‖²βσ]|->|\d-|-\d", chunk) or re.fullmatch(r"-|-?\d+(\.\d+)?", chunk):
        return "math"
    if re.fullmatch(r"-?[A-Za-z0-9σ]+[(\[].*[)\]](\^\w+)?", chunk):         # f(...) applied, or h[t] indexed
        name = re.split(r"[(\[]", chunk.lstrip("-"))[0]
        return "math" if name in FUNCTIONS or len(name) <= 2 else "text"
    if chunk in GREEK or chunk in FUNCTIONS or re.fullmatch(r"[a-z]{1,3}[A-Z][a-z]{0,2}", chunk):   # β1, hWn
        return "math"
    if chunk in names and len(chunk) <= 3 and chunk not in STOPWORDS:
        return "math"
    if re.fullmatch(r"[A-Za-z]{1,2}", chunk):
        return "text" if chunk in STOPWORDS else "math"
    return "text"


SHAPE_ATOM = r"[\w*+.]+(?: [+*] [\w*+.]+)*"
SHAPE_TUPLE = rf"\((?:{SHAPE_ATOM}|\.\.\.)(?:, (?:{SHAPE_ATOM}|\.\.\.))*,?\)"


def _is_shape(chunk):
    """(B, H), (4H,), (T*B, E), (..., out): a tuple of sizes (at least one comma)."""
    return "," in chunk and re.fullmatch(SHAPE_TUPLE, chunk) is not None


def _strip(chunk):
    """-> (lead, core, tail): punctuation around a piece ("W_h:" -> "", "W_h", ":")."""
    m = re.fullmatch(r"(\.\.\.)?(.*?)((?:'s)?[,;:.]*)", chunk)
    return m[1] or "", m[2], m[3]


def to_segments(text, full=True, names=frozenset()):
    """A comment -> [(kind, str)], kind "text", "code", "shape" or "math" (a LaTeX string).

    full=False (prose: docstrings, comment blocks) typesets only pieces that hold a subscript or a
    superscript (x_t, W_h^T); full=True (a line's own comment) also runs of operators and letters."""
    out = []
    for kind, s in _split(text, full, names):
        if kind == "math":
            try:
                s = to_latex(s)
            except MathError:
                words = [w for w in re.findall(r"(?<![_{\w])[A-Za-z]{3,}(?![\w(])", s) if w not in FUNCTIONS]
                if full and not words:         # an equation that cannot be read: fail the build
                    raise
                kind = "code"                  # words in brackets, "dL/d(layer l's output)": shown as written
        out.append((kind, s))
    return out


def _split(text, full, names=frozenset()):
    """to_segments, before the math is turned into LaTeX."""
    raw = []                                     # (kind, source text)
    for chunk in _chunks(text):
        lead, core, tail = _strip(chunk)
        if lead:
            raw.append(("text", "…"))
        if core:
            kind = _kind(core, names)
            if not full and kind == "math" and (not re.search(r"[_^]", core) or core in FUNCTIONS):
                kind = "text"
            if kind == "text" and core[0] in "([" and core[-1] in ")]" and len(core) > 2:
                raw.append(("text", core[0]))            # "(and the batch)": words inside, look again
                raw.extend(_split(core[1:-1], full, names))
                raw.append(("text", core[-1]))
            else:
                raw.append((kind, core))
        if tail:
            raw.append(("text", tail))
    for i, (kind, s) in enumerate(raw):          # a lone +, +=, ->: between shapes it is part of them
        if kind == "math" and not re.search(r"[A-Za-z0-9βσ]", s):
            near = [raw[j][0] for j in (i - 1, i + 1) if 0 <= j < len(raw)]
            raw[i] = ("shape" if "shape" in near else "math" if "math" in near else "text", s)
    merged = []
    for kind, s in raw:                          # join neighbours of one kind: x_t W_x + b is one equation
        if merged and merged[-1][0] == kind and kind in ("math", "shape"):
            merged[-1] = (kind, merged[-1][1] + " " + s)
        elif merged and merged[-1][0] == kind == "text":
            sep = "" if s in ",;:.)" or s.startswith("'") or merged[-1][1].endswith("(") or s == "…" and not merged[-1][1] else " "
            merged[-1] = (kind, merged[-1][1] + sep + s)
        else:
            merged.append((kind, s))
    return merged
