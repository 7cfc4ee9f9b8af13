"""`minirnn check FILE`: run a learner's exercise file and say what is right, what is wrong first, and why.

Each of the four functions (step forward, step backward, forward loop, BPTT loop) runs on small random
float64 inputs, under a time limit (sandbox.py). It is compared with minirnn/plain/CELL.py, the
solution, quantity by quantity in dependency order (hints.QUANTITIES): not only what it returns but
its intermediates (dc_t, do, ..., each gate block of da: localise.py, probe.py) and, in BPTT,
the dh_t (and dc_next) it passes to the step backward at every t. Every gradient is also compared with
central finite differences of the learner's own forward. The earliest wrong quantity is named, with
its gate block, and the first tier of its hint; `--hint` shows one tier more each time, up to the
formula. When the wrong outputs equal what a known mistake gives (mistakes.py: its catalogue, a wrong
gate order, a transpose, a sign), the mistake is named too.

    check_file("lstm_exercise.py") -> 0 when everything matches, 1 otherwise (the report goes to print)
    check_any(path, ...)           -> the same for any exercise: a cell's, or one of pieces.py's
"""
import ast
import importlib
import inspect
import os
import textwrap

import numpy as np

from . import exercises, hints, probe, sandbox
from .exercises import CELLS, FUNCTIONS, SPECS
from .localise import TOL, TOL_FD, compare, first_wrong_text, label
from .mistakes import diagnose
from .probe import B, E, H, T, plain, rel_error
from .sandbox import LearnerError

try:                                # the other exercises (embedding, clip, ...), written alongside
    pieces = importlib.import_module(f"{__package__}.pieces")
except ModuleNotFoundError as e:    # not there: only the cells; an import error inside it still shows
    if e.name != f"{__package__}.pieces":
        raise
    pieces = None

NEEDS = {"step_forward": (), "step_backward": ("step_forward",), "forward": ("step_forward",),
         "backward": ("forward", "step_backward")}


def letters(shape, cell):
    G = len(SPECS[cell]["gates"])
    names = {B: "B", T: "T", E: "E", H: "H", G * H: f"{G}H" if G > 1 else "H"}
    return "(" + ", ".join(names.get(n, str(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(value, name, ref, cell, fname):
    if value is None:
        raise LearnerError(f"{fname}: {name} is still None (not written yet)", not_written=True)
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise LearnerError(f"{fname}: {name} is a {type(value).__name__}, not an array of numbers") from None
    if a.shape != ref.shape:
        extra = " (transposed?)" if a.shape == ref.shape[::-1] and a.ndim == 2 else ""
        raise LearnerError(f"{fname}: {name} has shape {a.shape}, expected {ref.shape} = "
                           f"{letters(ref.shape, cell)}{extra}")
    return a


# ---------------------------------------------------------------- the report

def untouched(mod, cell, function):
    """True when mod's cell_function is still the template's (docstring, comments and spacing aside)."""
    fname = f"{cell}_{function}"
    if function not in exercises.WRITE:
        return False                # a function the template gives complete (the forward loop)

    def body(node):
        stmts = node.body[1:] if isinstance(node.body[0], ast.Expr) and isinstance(
            getattr(node.body[0], "value", None), ast.Constant) else node.body
        return [ast.dump(s) for s in stmts]
    blank = next(n for n in ast.parse(exercises.exercise_text(cell)).body
                 if isinstance(n, ast.FunctionDef) and n.name == fname)
    try:
        mine = ast.parse(textwrap.dedent(inspect.getsource(getattr(mod, fname)))).body[0]
    except (TypeError, OSError, SyntaxError, AttributeError):
        return not callable(getattr(mod, fname, None))
    return body(mine) == body(blank)


def _must_be_a_file(path):
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder; give the exercise file in it")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file (write one with: minirnn exercise rnn --out {path})")


def _timed_out(e):
    return "did not return within" in e.message


def check_file(path, cell=None, seed=0, hint=False, timeout=20, out=print):
    """Check the learner's file; print the report through out(); return 0 when all is right, else 1.

    hint=True (--hint) shows one more tier of the first wrong quantity's hint than last time."""
    _must_be_a_file(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cell = cell or exercises.cell_of(text)
    if cell is None:
        out(f"{path}: no exercise in it yet: it defines none of "
            f"{', '.join(c + '_step_forward' for c in CELLS)}.")
        out("not written yet: everything. Start from a template: minirnn exercise rnn --out " + path)
        return 1
    try:
        mod = sandbox.load(path, timeout=timeout, echo=out)
    except LearnerError as e:
        out(e.message + ("" if _timed_out(e) or "SyntaxError" in e.message else "  (while loading it)"))
        return 1

    inp = probe.make_inputs(cell, seed)
    out(f"checking {path} ({cell}: B={B} T={T} E={E} H={H}, float64, seed {seed}, time limit {timeout:g} s)")
    out(f"against minirnn/plain/{cell}.py (tolerance {TOL:.0e}) and finite differences of your forward "
        f"(tolerance {TOL_FD:.0e}); error = max |yours - its| / max |its|")
    status, not_written, first = {}, [], None
    for function in FUNCTIONS:
        fname = f"{cell}_{function}"
        missing = [n for n in NEEDS[function] if status.get(n) != "ok"]
        if missing:
            status[function] = "skipped"
            if untouched(mod, cell, function):
                not_written.append(fname)
            out(f"{fname}: not checked yet (needs {', '.join(f'{cell}_{n}' for n in missing)} right first)")
            continue
        out(fname)
        try:
            mine = probe.execute(mod, cell, function, inp, path, timeout, echo=out, look=True)
            ref = probe.execute(plain(cell), cell, function, inp, look=True)
            refs = {n: v for n, v in ref.outputs.items() if n not in ("cache", "caches")}
            values = {n: as_array(mine.outputs[n], n, r, cell, fname) for n, r in refs.items()}
            nums = probe.numeric_grads(mod, cell, function, inp, path, timeout) if "backward" in function else {}
        except LearnerError as e:
            if _timed_out(e):
                out(e.message)
                return 1
            status[function] = "not written" if e.not_written else "wrong"
            (not_written.append(fname) if e.not_written else None)
            out(f"  {'TODO ' if e.not_written else 'WRONG'}  {e.message}")
            if first is None and not e.not_written:
                first = dict(text=e.message)
            continue
        if function == "forward":
            rows = compare_outputs(cell, values, refs)
        else:
            rows = compare(cell, function, mine, ref, values, nums, inp)
        wrong_out = [r for r in rows if r["name"] in refs and r["t"] is None and r["status"] != "ok"]
        status[function] = "wrong" if wrong_out else "ok"
        print_rows(cell, rows if wrong_out else [r for r in rows if r["name"] in refs and r["t"] is None], out)
        if wrong_out and first is None:
            first = first_wrong(cell, function, rows, wrong_out, inp)
    if first is not None:
        report_first(first, path, hint, out)
    if not_written:
        out(f"not written yet: {', '.join(not_written)}")
    right = [f for f in FUNCTIONS if status.get(f) == "ok"]
    out(f"{len(right)} of {len(FUNCTIONS)} functions right" + ("" if len(right) < len(FUNCTIONS) else
                                                                 ": all of them. Well done."))
    if len(right) == len(FUNCTIONS) or first is None or "key" not in first:
        hints.forget(path)
    return 0 if len(right) == len(FUNCTIONS) else 1


def print_rows(cell, rows, out):
    """One line per quantity compared; then those the learner's code has no variable for."""
    for r in rows:
        if r["status"] == "unseen":
            continue
        fd = f"   finite diff. {r['fd']:.1e}" if r["fd"] is not None else ""
        blocks = ("   blocks: " + ", ".join(f"{g} {'ok' if ok else 'WRONG'}" for g, ok in r["blocks"].items())
                  if r["blocks"] and r["status"] == "wrong" else "")
        out(f"  {'ok   ' if r['status'] == 'ok' else 'WRONG'}  {label(r):<9} {letters(r['shape'], cell):<10} "
            f"plain {r['err']:.1e}{fd}{blocks}{r.get('note', '')}")
    unseen = [label(r) for r in rows if r["status"] == "unseen"]
    if unseen and any(r["status"] == "wrong" for r in rows):
        out(f"  (not among your variables, so compared only through what depends on them: {', '.join(unseen)})")


def first_wrong(cell, function, rows, wrong_out, inp):
    """What report_first says about the earliest wrong quantity of cell_function."""
    fname = f"{cell}_{function}"
    if wrong_out[0]["tiers"] is None:       # the given forward loop: no hints of its own
        return dict(text=f"first wrong: {wrong_out[0]['name']} in {fname}, relative error {wrong_out[0]['err']:.1e}")
    row = next(r for r in rows if r["status"] == "wrong")
    text, block = first_wrong_text(cell, function, row, rows)
    wrong = [(r["name"], r["value"], r["ref"]) for r in rows if r["status"] == "wrong" and r["t"] is None]
    return dict(text=text, tiers=row["tiers"][block] if block else row["tiers"],
                key=f"{fname}:{label(row)}" + (f":{block}" if block else ""),
                right=[label(r) for r in rows[:rows.index(row)] if r["status"] == "ok"],
                named=diagnose(cell, function, wrong, inp))


def compare_outputs(cell, values, refs):
    return [dict(name=n, t=None, blocks=None, fd=None, tiers=None, shape=r.shape, err=rel_error(values[n], r),
                 status="ok" if rel_error(values[n], r) < TOL else "wrong") for n, r in refs.items()]


def report_first(first, path, reveal, out):
    out("")
    out(first["text"])
    if "key" not in first:
        return
    if first["right"]:
        out(f"  right before it: {', '.join(first['right'])}")
    tiers = first["tiers"]
    level = hints.hint_level(path, first["key"], reveal, len(tiers) - 1)
    for k in range(level + 1):
        label = " (the formula)" if k == len(tiers) - 1 else ""
        out(f"  hint {k + 1} of {len(tiers)}{label}: {tiers[k]}")
    if level < len(tiers) - 1:
        out(f"  next hint: minirnn check {path} --hint")
    if first["named"]:
        out(f"  this looks like: {first['named']}")


def check_any(path, seed=0, hint=False, timeout=20, out=print):
    """`minirnn check FILE`: a cell's file goes to check_file, another exercise's to pieces.check_file.

    For the latter, the hint tier is kept per file (hints.hint_level with the key "piece") and passed
    on as hint_level; it starts again once the file is all right."""
    _must_be_a_file(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    name = pieces.find_exercise(text) if pieces is not None else None
    if name is None or exercises.cell_of(text) is not None:
        return check_file(path, seed=seed, hint=hint, timeout=timeout, out=out)
    level = hints.hint_level(path, f"piece:{name}", hint, most=99)
    code = pieces.check_file(path, name=name, seed=seed, hint_level=level, timeout=timeout, out=out)
    if code == 0:
        hints.forget(path)
    return code
