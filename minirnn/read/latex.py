r"""One run of plain-text math into LaTeX, and the check that LaTeX is valid (minirnn.read.mathtext
decides which parts of a comment are math; this turns each part into LaTeX).

    to_latex("c_t = f_t c_{t-1} + i_t g_t")   -> c_{t} = f_{t} \odot c_{t-1} + i_{t} \odot g_{t}
    to_latex("x_t W_x + b")                   -> x_{t} W_{x} + b        (a W or a ^T: a matrix product)
    to_latex("dL/da_t")                       -> \frac{dL}{da_{t}}
    validate(r"\frac{a}{b")                   -> MathError: unmatched {

A small recursive-descent parser: expression = terms joined by + - = , ->; term = factors side by
side (element-wise, written \odot, unless a weight matrix, a transpose, a scalar or a sum takes
part), or joined by * and /; factor = a name with its subscript and superscript, a number, f(...),
a bracketed expression, then [index] or ^power. What it cannot read raises MathError.
"""
import re

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


# A name from the code, not math: max_norm, rnn_cell_forward (both parts 3+ letters, or 2+ underscores).
SNAKE_WORD = re.compile(r"[A-Za-z]{3,}_[A-Za-z]{3,}[A-Za-z0-9_]*|[A-Za-z0-9]+_[A-Za-z0-9]+_[A-Za-z0-9_]+")

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
