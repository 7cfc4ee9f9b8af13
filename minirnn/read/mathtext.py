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
validate() checks every LaTeX string the page will show (balanced braces, known commands only),
so bad math fails the build instead of showing up broken in the browser. A comment can override
the conversion with a `# $$ ... $$` line of its own just above the line it explains.
"""
import re

# Words that are English even when short; any other 1-2 letter word is a variable (h, dh, Wx, do).
STOPWORDS = {"a", "an", "to", "of", "in", "is", "at", "on", "or", "by", "as", "if", "it", "up", "no", "be",
             "we", "so", "and", "the"}
FUNCTIONS = {"tanh": r"\tanh", "sigmoid": r"\sigma", "σ": r"\sigma", "exp": r"\exp", "log": r"\log",
             "max": r"\max", "min": r"\min", "relu": r"\operatorname{relu}", "softmax": r"\operatorname{softmax}",
             "softplus": r"\operatorname{softplus}", "onehot": r"\operatorname{onehot}",
             "mean": r"\operatorname{mean}", "log1p": r"\operatorname{log1p}", "U": "U", "d": "d"}
GREEK = {"β": r"\beta", "β1": r"\beta_1", "β2": r"\beta_2", "σ": r"\sigma", "ε": r"\varepsilon",
         "η": r"\eta", "∂": r"\partial"}
SCALARS = {"B", "T", "H", "E", "V", "D", "L", "N", "G", "k", "lr", "eps", "b1", "b2", "β", "β1", "β2", "1"}
COMMANDS = {r"\tanh", r"\sigma", r"\exp", r"\log", r"\max", r"\min", r"\operatorname", r"\odot", r"\frac",
            r"\sum", r"\text", r"\mathit", r"\ldots", r"\to", r"\beta", r"\varepsilon", r"\eta", r"\partial",
            r"\lVert", r"\rVert", r"\cdot", r"\le", r"\ge", r"\ne", r"\sqrt", r"\left", r"\right", r"\,",
            r"\quad", r"\mathrm", r"\times", r"\gets", r"\mid", r"\mathrel"}


class MathError(ValueError):
    """A plain-text equation that cannot be turned into LaTeX, or LaTeX that is not valid."""


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


SNAKE_WORD = re.compile(r"[A-Za-z]{3,}_[A-Za-z]{3,}[A-Za-z0-9_]*|[A-Za-z0-9]+_[A-Za-z0-9]+_[A-Za-z0-9_]+")
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
    lead, core, tail = m[1] or "", m[2], m[3]
    if core.startswith("(") and not core.endswith(")") and core.count("(") > core.count(")"):
        return lead, core, tail
    return lead, core, tail


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


# -- math into LaTeX -------------------------------------------------------------------------------
TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<ident>(?:[A-Za-z][A-Za-z0-9]*|[βσεη∂][0-9]?)
        (?:_(?:\{[^{}]*\}|[A-Za-z0-9]+))?(?:\^(?:\{[^{}]*\}|-?[A-Za-z0-9]+))?)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>->|<=|>=|!=|[*+-]=|\.\.\.|[-+*/@=<>,;:|‖()\[\]^])
""", re.VERBOSE)


def _tokens(s):
    out, pos, space = [], 0, True
    while pos < len(s):
        m = TOKEN.match(s, pos)
        if not m:
            raise MathError(f"cannot read {s[pos:]!r} in the equation {s!r}")
        pos = m.end()
        if m.lastgroup == "space":
            space = True
            continue
        out.append((m.lastgroup, m.group(), space))
        space = False
    return out


def _sub_sup(text):
    """h_{t-1}^T -> ('h', 't-1', 'T')."""
    m = re.fullmatch(r"([^_^]+)(?:_(\{[^{}]*\}|[A-Za-z0-9]+))?(?:\^(\{[^{}]*\}|-?[A-Za-z0-9]+))?", text)
    unbrace = (lambda x: x[1:-1] if x and x.startswith("{") else x)
    return m[1], unbrace(m[2]), unbrace(m[3])


def _script(x):
    if x is None:
        return ""
    if re.fullmatch(r"[A-Za-z]{3,}", x):
        return r"{\text{" + x + "}}"
    if not re.fullmatch(r"[\w+\- ]+", x):
        raise MathError(f"a subscript or superscript must be letters, digits, + or -, got {x!r}")
    return "{" + x + "}"


class _Parser:
    """Recursive descent over one run of math: expr = term (op term)*, term = factor factor ..."""

    BINARY = {"+": "+", "-": "-", "=": "=", ",": ",", ";": ";", ":": ":", "->": r"\to", "<": "<", ">": ">",
              "<=": r"\le", ">=": r"\ge", "!=": r"\ne", "@": r"\,@\,",
              "*=": r"\mathrel{*}=", "+=": r"\mathrel{+}=", "-=": r"\mathrel{-}="}

    def __init__(self, text):
        self.text, self.toks, self.i = text, _tokens(text), 0

    def peek(self, k=0):
        return self.toks[self.i + k] if self.i + k < len(self.toks) else (None, None, True)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise MathError(f"expected {value or 'more'} in the equation {self.text!r}")
        self.i += 1
        return tok

    def parse(self):
        out = self.expr(())
        if self.i != len(self.toks):
            raise MathError(f"unexpected {self.peek()[1]!r} in the equation {self.text!r}")
        return out

    def expr(self, closers):
        parts, kinds, after_op = [], [], True
        while True:
            kind, value, _ = self.peek()
            if kind is None or value in closers:
                break
            if kind == "op" and value in self.BINARY:
                if after_op and parts and value != "-":
                    raise MathError(f"two operators in a row ({value!r}) in the equation {self.text!r}")
                after_op = True
                self.take()
                parts.append(f" {self.BINARY[value]} " if value not in ",;:" else value + " ")
                continue
            latex, k = self.term(closers)
            parts.append(latex)
            kinds.append(k)
            after_op = False
        if after_op and parts and parts[-1].strip() not in (",", ";", ":"):
            raise MathError(f"the equation {self.text!r} ends with an operator")
        if not kinds:
            raise MathError(f"an empty expression in the equation {self.text!r}")
        kind = "scalar" if all(k == "scalar" for k in kinds) else "vector"
        return "".join(parts).strip(), kind

    def term(self, closers):
        factors = [self.factor()]                      # [(latex, kind)], joined at the end
        stars = []                                     # was the join before factor k an explicit * ?
        while True:
            tk, value, space = self.peek()
            if tk is None or value in closers or (tk == "op" and value in self.BINARY):
                break
            if value == "/":                           # a / b c: the last factor over the next run
                self.take()
                den, _ = self.factor()
                while self.peek()[0] == "ident" and not self.peek()[2]:
                    den += self.factor()[0]
                num, kind = factors.pop()
                factors.append((r"\frac{" + _unparen(num) + "}{" + _unparen(den) + "}", kind))
                continue
            star = value == "*"
            if star:
                self.take()
            factors.append(self.factor())
            stars.append(star)
        latex, kind = factors[0]
        for star, (right, rkind) in zip(stars, factors[1:]):
            plain = "op" in (kind, rkind) or "matrix" in (kind, rkind) or "scalar" in (kind, rkind)
            latex += ((r" \cdot " if star else " ") if plain else r" \odot ") + right
            kind = rkind if kind == "op" else ("vector" if "vector" in (kind, rkind) else kind)
        return latex, kind

    def factor(self):
        tk, value, _ = self.take()
        if tk == "op" and value == "-":                        # unary minus
            inner, kind = self.factor()
            return "-" + inner, kind
        if tk == "op" and value == "...":
            return r"\ldots", "op"
        if tk == "op" and value in "([‖|":
            close = {"(": ")", "[": "]", "‖": "‖", "|": "|"}[value]
            inner, kind = self.expr((close,))
            self.take(close)
            left, right = {"(": ("(", ")"), "[": ("[", "]"), "‖": (r"\lVert ", r"\rVert"), "|": (r"\lvert ", r"\rvert")}[value]
            latex = left + inner + right
            latex, kind = self.postfix(latex, kind)
            return latex, kind
        if tk == "num":
            return value, "scalar"
        if tk != "ident":
            raise MathError(f"unexpected {value!r} in the equation {self.text!r}")
        if SNAKE_WORD.fullmatch(value):                                 # max_norm: a name from the code
            return self.postfix(r"\mathit{" + value.replace("_", r"\_") + "}", "vector")
        base, sub, sup = _sub_sup(value)
        if base == "sum" and sub is not None:
            return r"\sum_" + _script(sub), "op"
        nxt = self.peek()
        if base in FUNCTIONS and nxt[1] == "(" and not nxt[2]:          # f(...): applied, no space
            self.take("(")
            inner, _ = self.expr((")",))
            self.take(")")
            latex = FUNCTIONS[base] + "(" + inner + ")"
            if sup is not None:
                latex += "^" + _script(sup)
            return self.postfix(latex, "vector")
        if base in FUNCTIONS and sub is None and len(base) > 1:         # "backprop through tanh"
            return self.postfix(FUNCTIONS[base] + ("^" + _script(sup) if sup else ""), "op")
        kind = "scalar" if base in SCALARS or value in SCALARS else "vector"
        if base.startswith(("W", "dW")) or sup == "T":
            kind = "matrix"
        name = GREEK.get(base) or (r"\mathit{" + base + "}" if len(base) >= 3 else base)
        latex = name + ("_" + _script(sub) if sub is not None else "") + ("^" + _script(sup) if sup else "")
        return self.postfix(latex, kind)

    def postfix(self, latex, kind):
        while self.peek()[1] in ("[", "^") and not self.peek()[2]:
            if self.take()[1] == "[":
                inner, _ = self.expr(("]",))
                self.take("]")
                latex += "[" + inner + "]"
            else:
                tk, value, _ = self.take()
                latex += "^" + _script(value)
        return latex, kind


def _unparen(latex):
    """(a - b) -> a - b, for a fraction's numerator or denominator (only if the brackets are one pair)."""
    if latex.startswith("(") and latex.endswith(")"):
        depth = 0
        for i, ch in enumerate(latex):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and i < len(latex) - 1:
                return latex
        return latex[1:-1]
    return latex


def to_latex(text):
    """One run of plain-text math -> LaTeX (validated); MathError if it cannot be read."""
    text = text.replace("²", "^2").replace("ᵀ", "^T")
    return validate(_Parser(text).parse()[0])


def validate(latex):
    """Return latex if every brace is matched and every command is one KaTeX knows; else MathError."""
    depth = 0
    for ch in latex:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            raise MathError(f"unmatched }} in {latex!r}")
    if depth:
        raise MathError(f"unmatched {{ in {latex!r}")
    for cmd in re.findall(r"\\(?:[A-Za-z]+|.)", latex):
        if cmd not in COMMANDS and cmd not in GREEK.values() and cmd not in (r"\{", r"\}", r"\|", r"\_", r"\lvert", r"\rvert"):
            raise MathError(f"unknown command {cmd} in {latex!r}")
    if re.search(r"[_^]\s*[_^]|[_^]$|[_^]\s*[}]", latex):
        raise MathError(f"an empty subscript or superscript in {latex!r}")
    if re.search(r"(?<!\\)[#$%&~]", latex):
        raise MathError(f"a character LaTeX reserves in {latex!r}")
    return latex
