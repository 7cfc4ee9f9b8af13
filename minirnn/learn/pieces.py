"""The exercises beyond the three cells: embedding, softmax-ce, masked-rnn, bidirectional,
truncated-bptt and clip. Each is written from its solution (solutions/<name>.py, plain NumPy) by
blanking the bodies of the functions the learner writes, keeping their signatures and docstrings.

    PIECES["clip"]                           {"description", "concept", "size"}: `minirnn exercise --list`
    exercise_text("clip")                    the file to fill in, derive mode: hints instead of backward formulas
    exercise_text("clip", guided=True)       the same with the formulas
    exercise_text("clip", solution=True)     the completed file
    check_file("clip_exercise.py")           `minirnn check`: 0 when all is right, 1 otherwise

check_file compares the learner's quantities with the solution's in the order they depend on each
other (pieces_specs.py, pieces_specs_rnn.py) and stops at the earliest wrong one: it says where it
is wrong (row, time step, direction, chunk), gives hints 1..hint_level for it (0 and 1: the first
hint only), and names the mistake when the quantity equals what a known mistake gives.
"""
import ast
import importlib
import inspect
import os
import re
import textwrap
import types

import numpy as np

from . import sandbox
from .pieces_specs import CLIP, EMBEDDING, SOFTMAX_CE, wrong_entries
from .pieces_specs_rnn import BIDIRECTIONAL, MASKED_RNN, TRUNCATED_BPTT
from .sandbox import LearnerError

SPECS = {s.name: s for s in (EMBEDDING, SOFTMAX_CE, MASKED_RNN, BIDIRECTIONAL, TRUNCATED_BPTT, CLIP)}


def _spec(name):
    if name not in SPECS:
        raise ValueError(f"no exercise named {name!r}: choose one of {', '.join(SPECS)}")
    return SPECS[name]


def solution_source(name):
    """The text of solutions/<module>.py."""
    path = os.path.join(os.path.dirname(__file__), "solutions", _spec(name).module + ".py")
    with open(path, encoding="utf-8") as f:
        return f.read()


def solution_lines(name):
    """How many lines of code (no docstrings, comments or blank lines) the learner writes in the solution."""
    src = solution_source(name)
    lines = src.splitlines()
    return sum(1 for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name in _spec(name).writes
               for k in range(n.body[0].end_lineno, n.end_lineno) if lines[k].strip() and not lines[k].strip().startswith("#"))


PIECES = {name: {"description": s.description, "concept": s.concept,
                 "size": f"~{max(5, 5 * round(solution_lines(name) / 5))} lines"} for name, s in SPECS.items()}


def _comment(text, indent, label=""):
    """text as comment lines of at most 100 characters, after label (on a line of its own when long)."""
    width = 100 - len(indent) - 2
    if len(label) > 30:
        return [f"{indent}# {label.rstrip()}"] + [f"{indent}#     {line}" for line in textwrap.wrap(text, width - 4)]
    lines = textwrap.wrap(label + text, width, subsequent_indent=" " * len(label))
    return [f"{indent}# {line}" for line in lines]


def _body(spec, fname, indent, guided):
    """The comment lines and the raise that replace fname's body: for each quantity fname makes, its
    equation (forward), or the first hint (backward, derive mode), or the formula (backward, guided);
    quantities that share a text share its line."""
    texts = {}                                  # text -> (is a hint, the quantities it is for), in order
    for q in spec.quantities:
        if q.function == fname:
            hint = q.backward and not guided
            chosen = (q.tiers[-1:] if q.backward else q.tiers) if guided else q.tiers[:1]
            for text in chosen:
                texts.setdefault(text, (hint, []))[1].append(q.name)
    lines = []
    for text, (hint, names) in texts.items():
        lines += _comment(text, indent, f"{'hint for ' if hint else ''}{', '.join(names)}: ")
    return lines + [f'{indent}raise NotImplementedError("write {fname}")']


def exercise_text(name, guided=False, solution=False):
    """The file `minirnn exercise NAME` writes: derive mode (default), guided, or the solution."""
    spec, src = _spec(name), solution_source(name)
    lines = src.splitlines()
    if not solution:
        tree = ast.parse(src)
        for node in sorted((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in spec.writes),
                           key=lambda n: -n.lineno):       # from the bottom up: line numbers above stay valid
            doc_end = node.body[0].end_lineno              # every written function opens with its docstring
            indent = re.match(r"\s*", lines[node.body[0].lineno - 1]).group(0)
            lines[doc_end:node.end_lineno] = _body(spec, node.name, indent, guided)
    mode = "the solution" if solution else ("guided mode: the formulas" if guided else
                                            "derive mode: hints, not formulas, for the backward parts")
    todo = (["The completed exercise. Check it:  minirnn check THIS_FILE"] if solution else
            [*textwrap.wrap(f"Write the bodies of {', '.join(spec.writes)} (each raises NotImplementedError "
                            f"until you do), then run:", 100), "",
             "    minirnn check THIS_FILE          (--hint, once more each time, reveals more of the first wrong part)"])
    header = [f'"""minirnn exercise: {name} ({mode})', "", *todo, "", lines[0][3:]]
    return "\n".join(header + lines[1:]) + "\n"


def find_exercise(text):
    """The exercise a file's text is (its header line, else its function names), or None."""
    m = re.search(r"minirnn exercise: ([\w-]+)", text)
    if m and m.group(1) in SPECS:
        return m.group(1)
    return next((n for n, s in SPECS.items() if all(f"def {f}(" in text for f in s.writes)), None)


# ---------------------------------------------------------------- calling either file's functions

def _copied(x):
    """A list or tuple of arrays (grads, a tuple of weights) as a new one of copies; else None."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(a, np.ndarray) for a in x):
        return type(x)(a.copy() for a in x)
    return None


class _Functions:
    """f.name(*args) calls mod's function under the time limit, on copies of the arrays it is given
    (those in a list or tuple too), and says so in one line when it changes them or does not exist."""

    def __init__(self, mod, timeout=20, path=None, echo=None):
        self.mod, self.timeout, self.path, self.echo = mod, timeout, path, echo

    def __getattr__(self, fname):
        fn = getattr(self.mod, fname, None)
        if not callable(fn):
            raise LearnerError(f"{fname} is not defined in your file", not_written=True)
        try:
            names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            names = []

        def run(*args):
            args = [x if _copied(x) is None else _copied(x) for x in args]
            kept = [_copied(x) for x in args]
            arg_names = names if len(names) >= len(args) else None
            result = sandbox.call(fn, args, fname, self.timeout, self.path, arg_names, self.echo)
            for k, (x, before) in enumerate(zip(args, kept)):
                if before is not None and not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(x, before)):
                    arg = arg_names[k] if arg_names else f"argument {k + 1}"
                    raise LearnerError(f"your {fname} changed the arrays in its argument {arg} in place (e.g. with "
                                       f"*= or +=); compute new arrays instead (g * scale, not g *= scale)")
            return result
        return run


_modules = {}


def _solution_module(spec, k=None):
    """The solution as a module, or (k given) the solution with mistake k's edits applied."""
    if (spec.name, k) not in _modules:
        if k is None:
            _modules[spec.name, k] = importlib.import_module(f"{__package__}.solutions.{spec.module}")
        else:
            src = mistake_source(spec.name, spec.mistakes[k][1])
            mod = types.ModuleType(f"minirnn_mistake_{spec.module}_{k}")
            exec(compile(src, f"<{spec.name} mistake {k}>", "exec"), mod.__dict__)
            _modules[spec.name, k] = mod
    return _modules[spec.name, k]


def mistake_source(name, edits):
    """The solution's text with one mistake's edits applied."""
    src = solution_source(name)
    for old, new in edits:
        src = src.replace(old, new, 1)
    return src


def _array(value, q, ref):
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise LearnerError(f"{q.name} is a {type(value).__name__}, not an array of numbers") from None
    if a.shape != ref.shape:
        raise LearnerError(f"{q.name} has shape {a.shape}, expected {ref.shape} = {q.shape}"
                           + (" (transposed?)" if a.shape == ref.shape[::-1] and a.ndim == 2 else ""))
    return a


def rel_error(a, b):
    with np.errstate(invalid="ignore", over="ignore"):
        err = float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(b))), 1e-12) if b.size else 0.0
    return err if np.isfinite(err) else float("inf")


def _same(a, b):
    """Equal up to rounding, with NaN and Inf (overflow) at the same places counting as equal."""
    if a.shape != b.shape:
        return False
    finite = np.isfinite(b)
    return np.array_equal(np.isfinite(a), finite) and not wrong_entries(a[finite], b[finite]).any()


def _diagnose(spec, q, mine, ref, inp, timeout):
    """The title of the known mistake that gives exactly mine, or a sign/transpose remark, or None."""
    for k, (title, _) in enumerate(spec.mistakes):
        try:
            theirs = np.asarray(q.compute(_Functions(_solution_module(spec, k), timeout), inp), dtype=np.float64)
        except Exception:            # a mistake that raises here is not this one
            continue
        if _same(mine, theirs) and not _same(theirs, ref):
            return title
    if _same(mine, -ref):
        return f"{q.name} has the wrong sign"
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and _same(mine, ref.T):
        return f"{q.name} is transposed"
    return None


def _untouched(spec, text):
    """The functions of spec.writes still as the template has them (or missing)."""
    def functions(src):
        try:
            return {n.name: ast.dump(n) for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)}
        except SyntaxError:
            return {}
    blank, mine = functions(exercise_text(spec.name)), functions(text)
    return [f for f in spec.writes if mine.get(f) in (None, blank[f])]


def check_file(path, name=None, seed=0, hint_level=0, timeout=20, out=print):
    """Check a learner's file for exercise `name` (default: read from the file). Returns 0 when
    every quantity matches the solution, 1 otherwise; the report goes line by line to out()."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file (write one with: minirnn exercise NAME --out {path})")
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    name = name or find_exercise(text)
    if name is None:
        out(f"{path}: not one of the exercises {', '.join(SPECS)} (no 'minirnn exercise: NAME' line in it); "
            f"start from one: minirnn exercise NAME --out {path}")
        return 1
    spec = _spec(name)
    try:
        compile(text, path, "exec")
    except SyntaxError as e:                    # before running a line of it
        out(f"your file does not load: SyntaxError at line {e.lineno}: {e.msg}")
        return 1
    try:
        mod = sandbox.load(path, timeout, echo=out)
    except LearnerError as e:
        out(e.message)
        return 1
    inp = spec.inputs(seed)
    out(f"checking {path} ({name}: {spec.sizes}, float64, seed {seed})")
    out("each quantity against the solution, in the order they depend on each other; "
        "error = max |yours - solution| / max |solution|")
    mine_f, ref_f = _Functions(mod, timeout, path, out), _Functions(_solution_module(spec), timeout)
    right, first, not_written = 0, None, _untouched(spec, text)
    for q in spec.quantities:
        if first is not None:
            continue
        try:
            ref = np.asarray(q.compute(ref_f, inp), dtype=np.float64)
            mine = _array(q.compute(mine_f, inp), q, ref)
        except LearnerError as e:
            out(f"  {'TODO ' if e.not_written else 'WRONG'}  {q.name}: {e.message}")
            if e.not_written:
                not_written += [q.function] if q.function not in not_written else []
                first = (q, None, None)
            else:
                first = (q, e.message, None)
            continue
        err = rel_error(mine, ref)
        ok = err < 1e-7
        out(f"  {'ok   ' if ok else 'WRONG'}  {q.name:<22} {q.shape:<11} error {err:.1e}")
        if ok:
            right += 1
        else:
            first = (q, None, (mine, ref))
    total = len(spec.quantities)
    if first is not None and (first[1] is not None or first[2] is not None):
        q, message, values = first
        out("")
        out(f"first wrong: {q.name}, from your {q.function}" + (" (above)" if message else ""))
        if values is not None and q.where:
            try:
                where = q.where(values[0], values[1], inp, mine_f, ref_f)
            except Exception:                   # it reruns your code on part of the input: whatever it does
                where = ""
            if where:
                out(f"  where: {where}")
        level = min(max(hint_level, 1), len(q.tiers))
        for k in range(level):
            out(f"  hint {k + 1} of {len(q.tiers)}: {q.tiers[k]}")
        if level < len(q.tiers):
            out("  (more: add --hint once more)")
        if values is not None:
            named = _diagnose(spec, q, values[0], values[1], inp, timeout)
            if named:
                out(f"  this looks like: {named}")
    if not_written:
        out(f"not written yet: {', '.join(not_written)}")
    if right < total:
        out(f"{right} of {total} quantities right" + (f"; the {total - right - 1} after {first[0].name} not "
                                                       f"checked yet (they need it right first)"
                                                       if first and total - right > 1 else ""))
        return 1
    out(f"{total} of {total} quantities right: all of them. Well done.")
    return 0
