"""The cell exercises, made from the plain cells (minirnn/plain/rnn.py, lstm.py, gru.py): the single
source of their solutions. The plain files carry no markers; ast finds what to keep and what to blank.

    exercise_text("lstm")                   derive mode: the forward equations and hints, no backward formula
    exercise_text("lstm", guided=True)      the same file with every formula in the docstrings
    exercise_text("lstm", solution=True)    the completed file (the plain cell's code)

The file keeps the plain module's imports, helpers (sigmoid) and forward loop, and swaps its docstring
for the exercise header. Of the functions the learner writes (WRITE: step forward, step backward, BPTT)
it keeps the signature and the docstring's shapes, adds the hints (or formulas) from hints.py, and
blanks the body down to `names = None` and the plain function's own return line.
"""
import ast
import functools
import re
import textwrap
from pathlib import Path

from .hints import QUANTITIES

PLAIN = Path(__file__).resolve().parent.parent / "plain"
CELLS = ("rnn", "lstm", "gru")
FUNCTIONS = ("step_forward", "step_backward", "forward", "backward")   # each is f"{cell}_{name}"
WRITE = ("step_forward", "step_backward", "backward")                  # forward (the loop) is given

# params: the weights after the states; states: h (and c); gates: the blocks of the G*H columns
SPECS = {
    "rnn": dict(params=("Wx", "Wh", "b"), states=("h",), gates=("",)),
    "lstm": dict(params=("Wx", "Wh", "b"), states=("h", "c"), gates=("i", "f", "g", "o")),
    "gru": dict(params=("Wx", "Wh", "b", "bhn"), states=("h",), gates=("r", "z", "n")),
}
INFO = {
    "rnn": dict(description="the simple RNN: one tanh step, its backward, and BPTT", concept="backprop through tanh; "
                "dh carried back in time"),
    "lstm": dict(description="the LSTM: four gates, the cell state, and BPTT carrying dh and dc",
                 concept="gates; the cell state's gradient path"),
    "gru": dict(description="the GRU (PyTorch's variant): reset and update gates, BPTT",
                concept="gates; the straight path through z h_{t-1}"),
}
NOTES = {
    "rnn": "Shapes: x_t (B, E), h_t (B, H), Wx = W_x (E, H), Wh = W_h (H, H), b (H,).",
    "lstm": "The 4H columns of a_t, W_x, W_h and b are four gate blocks side by side, in PyTorch's order\n"
            "i, f, g, o: a[:, :H] is i's, a[:, H:2H] f's, a[:, 2H:3H] g's, a[:, 3H:] o's. Products of two\n"
            "(B, H) arrays are element-wise. Shapes: x_t (B, E), h_t and c_t (B, H), Wx = W_x (E, 4H),\n"
            "Wh = W_h (H, 4H), b (4H,).",
    "gru": "The blocks sit side by side in the order r, z, n: Wx = W_x (E, 3H), Wh = W_h (H, 3H),\n"
           "b = [b_r, b_z, b_xn] (3H,), and bhn = b_hn (H,) on its own, because r_t multiplies it. The parts:\n"
           "xw = x_t W_x + b and hh = h_{t-1} W_h (B, 3H), hn = h_{t-1} W_hn + b_hn (B, H); the\n"
           "pre-activations a_r = xw_r + hh_r, a_z = xw_z + hh_z, a_n = xw_n + r_t hn. Products of two (B, H)\n"
           "arrays are element-wise.",
}
NAMES = {"rnn": "simple RNN", "lstm": "LSTM", "gru": "GRU"}


def _check_cell(cell):
    if cell not in CELLS:
        raise ValueError(f"no cell exercise {cell!r}: choose one of {', '.join(CELLS)}")


@functools.lru_cache(maxsize=None)
def plain_source(cell):
    _check_cell(cell)
    return (PLAIN / f"{cell}.py").read_text()


@functools.lru_cache(maxsize=None)
def _functions(cell):
    return {n.name: n for n in ast.parse(plain_source(cell)).body if isinstance(n, ast.FunctionDef)}


@functools.lru_cache(maxsize=None)
def _arguments(cell, function):
    return tuple(a.arg for a in _functions(cell)[f"{cell}_{function}"].args.args)


def arguments(cell, function):
    """Names of cell_function's arguments, in order (the plain cell's)."""
    return list(_arguments(cell, function))


def outputs(cell, function):
    """Names of what cell_function returns, in order (the plain cell's return line)."""
    return [e.id for e in _functions(cell)[f"{cell}_{function}"].body[-1].value.elts]


def forward_equations(cell):
    """The first indented block of the plain module's docstring: the forward equations."""
    doc = ast.get_docstring(ast.parse(plain_source(cell))).splitlines()
    start = next(k for k, line in enumerate(doc) if line.startswith("    "))
    end = next((k for k in range(start, len(doc)) if not doc[k].startswith("    ")), len(doc))
    return "\n".join(doc[start:end])


def size(cell):
    """'~N lines': the code lines (no comment, no blank, no docstring) of the functions a learner writes."""
    src, fns = plain_source(cell).splitlines(), _functions(cell)
    n = sum(1 for f in WRITE for line in src[fns[f"{cell}_{f}"].body[1].lineno - 1:fns[f"{cell}_{f}"].end_lineno]
            if line.strip() and not line.strip().startswith("#"))
    return f"~{n} lines"


def _wrap(text, indent, hang):
    return textwrap.fill(text, 108, initial_indent=indent, subsequent_indent=indent + hang)


def _quantities_doc(cell, function, guided):
    """The docstring part that lists, in the check's order, what to compute: hints, or formulas."""
    tier = 2 if guided else 0
    if function == "backward":
        intro = ["The loop runs t = T-1, ..., 0; minirnn check follows what it passes to the step backward, then",
                 "compares what it returns" + (", each with its formula:" if guided else ":")]
    else:
        intro = ["What to compute, in the order minirnn check compares it (name yours the same, so that the",
                 "check can say which one is wrong first)" + (", each with its formula:" if guided else
                 ":" if function == "step_forward" else ", each with the forward line it comes back through:")]
    lines = [""] + intro
    for name, meaning, tiers in QUANTITIES[cell][function]:
        if isinstance(tiers, dict):
            lines.append(_wrap(f"{name}: {meaning}", "    ", "    "))
            lines += [_wrap(f"{gate} block: {t[tier]}", "        ", "    ") for gate, t in tiers.items()]
        else:
            lines.append(_wrap(f"{name}: {meaning}: {tiers[tier]}", "    ", "    "))
    return "\n".join(lines).splitlines()


def _docstring(cell, function, node, guided, indent="    "):
    doc = ast.get_docstring(node).splitlines()
    if function.startswith("step") or function == "backward":
        doc += _quantities_doc(cell, function, guided)
    body = "\n".join((indent + line).rstrip() for line in doc[1:])
    return f'{indent}"""{doc[0]}\n{body}\n{indent}"""\n'


def _header(cell, guided):
    mode = "guided" if guided else "derive"
    other = ("Each function's docstring gives the formulas (guided mode); `minirnn exercise {c}` writes the "
             "file without them, to derive yourself." if guided else
             "Derive the backward yourself: each function's docstring says which forward line each quantity comes "
             "back through. `minirnn exercise {c} --guided` writes this file with the formulas.").format(c=cell)
    return f'''"""minirnn exercise: {cell} ({mode} mode). Write the {NAMES[cell]}'s forward step, backward step and BPTT.

Fill in {cell}_step_forward, {cell}_step_backward and {cell}_backward ({cell}_forward is given), then run

    minirnn check THIS_FILE            what is right, the first quantity that is wrong, and a first hint
    minirnn check THIS_FILE --hint     the next hint for that quantity, one tier at a time, up to its formula

{_wrap(other, "", "")}

The forward:

{forward_equations(cell)}

{NOTES[cell]}
Notation: B batch size, T time steps, E input features, H hidden units; row vectors, batch first.
A gradient is named after what it differentiates: dWh = dL/dW_h, dh_prev = dL/dh_{{t-1}}.
NumPy: a @ b is the matrix product, a * b element-wise, a.T the transpose, a.sum(axis=0) sums over
the batch, np.concatenate([p, q], axis=1) puts (B, H) blocks side by side.
"""
'''


@functools.lru_cache(maxsize=None)
def exercise_text(cell, guided=False, solution=False):
    """The text of the file `minirnn exercise CELL [--guided] [--solution]` writes."""
    src = plain_source(cell)
    lines = src.splitlines(keepends=True)
    tree = ast.parse(src)
    edits = [(0, tree.body[0].end_lineno, _header(cell, guided))]           # the module docstring
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        function = node.name[len(cell) + 1:]
        doc_node, first, last = node.body[0], node.body[1], node.body[-1]
        if function in WRITE:
            if solution:
                body = "".join(lines[first.lineno - 1:node.end_lineno])
            else:
                names = [e.id for e in last.value.elts]
                body = (f"    # your code: compute {', '.join(names)}\n    {' = '.join(names)} = None\n\n"
                        + "".join(lines[last.lineno - 1:last.end_lineno]))
            edits.append((doc_node.lineno - 1, node.end_lineno, _docstring(cell, function, node, guided) + body))
        elif not node.name.startswith(cell) and not guided:
            # a helper (sigmoid): derive mode keeps its first sentence, not the derivative it states
            first_sentence = ast.get_docstring(node).split(". ")[0].rstrip(".") + "."
            edits.append((doc_node.lineno - 1, doc_node.end_lineno, f'    """{first_sentence}"""\n'))
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    return "".join(lines)


def cell_of(text):
    """The cell of an exercise file's text: from its header line, else from the functions it defines."""
    m = re.search(r"minirnn exercise: ([\w-]+)", text)
    if m:
        return m[1] if m[1] in CELLS else None
    return next((c for c in CELLS if re.search(rf"^def {c}_step_forward\b", text, re.M)), None)
