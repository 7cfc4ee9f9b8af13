"""`minirnn check FILE`: run a learner's exercise file and say what is right, what is wrong and why.

Each of the four functions (step forward, step backward, forward loop, BPTT loop) runs on small random
float64 inputs. Every output is compared with minirnn's own cell (rnn.py, lstm.py, gru.py, run over one
step for the step functions) and every gradient also with central finite differences of the learner's
own forward. The first wrong quantity gets a hint from the math (hints.py) and, when it equals what a
known mistake gives (exercises.MISTAKES, wrong gate orders, a transpose), the mistake's name.

    check_file("lstm_exercise.py") -> 0 when everything matches, 1 otherwise (the report goes to print)
"""
import ast
import importlib.util
import inspect
import itertools
import textwrap
import os
import traceback
import types

import numpy as np

from . import exercises
from .exercises import CELLS, FUNCTIONS, SPECS
from .hints import hint

B, T, E, H = 2, 3, 5, 4             # distinct sizes, so a shape names its letters
TOL_MINIRNN, TOL_FD, EPS = 1e-7, 1e-5, 1e-6
NEEDS = {"step_forward": (), "step_backward": ("step_forward",), "forward": ("step_forward",),
         "backward": ("forward", "step_backward")}


class LearnerError(Exception):
    """The learner's code raised, or returned something unusable: .message says what, in one or two lines."""

    def __init__(self, message, not_written=False):
        super().__init__(message)
        self.message, self.not_written = message, not_written


def rel_error(a, ref):
    """max |a - ref| / max |ref| (0 when both are zero)."""
    scale = float(np.max(np.abs(ref))) if np.size(ref) else 0.0
    diff = float(np.max(np.abs(a - ref))) if np.size(ref) else 0.0
    return 0.0 if diff == 0 else diff / max(scale, 1e-12)


def letters(shape, cell):
    G = len(SPECS[cell]["gates"])
    names = {B: "B", T: "T", E: "E", H: "H", G * H: f"{G}H" if G > 1 else "H"}
    return "(" + ", ".join(names.get(n, str(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# ---------------------------------------------------------------- inputs and minirnn's answers

def make_inputs(cell, seed=0):
    rng = np.random.default_rng(seed)
    G = len(SPECS[cell]["gates"])
    shapes = {"Wx": (E, G * H), "Wh": (H, G * H), "b": (G * H,), "bhn": (H,)}
    inp = {name: 0.5 * rng.standard_normal(shapes[name]) for name in SPECS[cell]["params"]}
    for st in SPECS[cell]["states"]:
        inp[f"{st}_prev"], inp[f"{st}0"] = rng.standard_normal((B, H)), rng.standard_normal((B, H))
        inp[f"d{st}_t"] = rng.standard_normal((B, H))
    inp["x_t"], inp["x"] = rng.standard_normal((B, E)), rng.standard_normal((B, T, E))
    inp["dhs"] = rng.standard_normal((B, T, H))
    return inp


def minirnn_answers(cell, function, inp):
    """What minirnn's own cell gives for each quantity of cell_function on these inputs."""
    from .. import gru, lstm, rnn
    s = SPECS[cell]
    step = function.startswith("step")
    x = inp["x_t"][:, None] if step else inp["x"]
    states = [inp[f"{st}_prev" if step else f"{st}0"].copy() for st in s["states"]]
    params = [inp[p].copy() for p in s["params"]]
    dhs = inp["dh_t"][:, None] if step else inp["dhs"]
    fwd, bwd = {"rnn": (rnn.rnn_forward, rnn.rnn_backward), "lstm": (lstm.lstm_forward, lstm.lstm_backward),
                "gru": (gru.gru_forward, gru.gru_backward)}[cell]
    res = fwd(x.copy(), *states, *params)
    out, states_T, cache = res[0], res[1:-1], res[-1]
    d_T = [None] + ([inp["dc_t"] if step else None] if cell == "lstm" else [])
    back = bwd(dhs.copy(), *d_T, cache)
    dx, d_states0, grads = back[0], back[1:-1], back[-1]
    if function == "step_forward":
        return {f"{st}_t": v for st, v in zip(s["states"], states_T)}
    if function == "forward":
        return {"hs": out}
    names = exercises.outputs(cell, function)
    values = [dx[:, 0] if step else dx, *d_states0, *(grads[p] for p in s["params"])]
    return dict(zip(names, values))


# ---------------------------------------------------------------- calling the learner

def _raised(fname, e, path):
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if path and os.path.abspath(f.filename) == os.path.abspath(path)]
    where = f"\n    at line {frames[-1].lineno} of {os.path.basename(path)}: {frames[-1].line}" if frames else ""
    return LearnerError(f"your {fname} raised {type(e).__name__}: {e}{where}")


def call(mod, cell, function, args, path=None):
    """mod's cell_function(*args) -> a tuple of exercises.outputs(...) length; LearnerError otherwise."""
    fname = f"{cell}_{function}"
    f = getattr(mod, fname, None)
    if not callable(f):
        raise LearnerError(f"{fname} is not defined in your file", not_written=True)
    try:
        with np.errstate(all="ignore"):
            result = f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    except NotImplementedError:
        raise LearnerError(f"{fname} is not written yet", not_written=True)
    except Exception as e:          # the learner's bug, reported as theirs, with their line
        raise _raised(fname, e, path) from None
    names = exercises.outputs(cell, function)
    if result is None or (isinstance(result, tuple) and all(v is None for v in result)):
        raise LearnerError(f"{fname} is not written yet (it returns None)", not_written=True)
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, tuple) else f"one {type(result).__name__}"
        raise LearnerError(f"{fname} returned {got}; it must return {len(names)}: {', '.join(names)}")
    return result


def run(mod, cell, function, inp, path=None):
    """Call cell_function the way the check does (the backward ones after their own forward)."""
    s = SPECS[cell]
    if function == "step_forward":
        return call(mod, cell, function, [inp[a] for a in exercises.arguments(cell, function)], path)
    if function == "forward":
        return call(mod, cell, function, [inp[a] for a in exercises.arguments(cell, function)], path)
    if function == "step_backward":
        cache = run(mod, cell, "step_forward", inp, path)[-1]
        return call(mod, cell, function, [inp[f"d{st}_t"] for st in s["states"]] + [cache], path)
    caches = run(mod, cell, "forward", inp, path)[-1]
    return call(mod, cell, function, [inp["dhs"], caches], path)


def numeric_grads(mod, cell, function, inp, path=None):
    """Central differences of the learner's own forward for the inputs a backward function differentiates."""
    s = SPECS[cell]
    step = function == "step_backward"
    fwd = "step_forward" if step else "forward"
    names = exercises.arguments(cell, fwd)
    args = {n: inp[n].copy() for n in names}

    def loss():
        out = call(mod, cell, fwd, [args[n] for n in names], path)
        if step:
            return sum(float(np.sum(inp[f"d{st}_t"] * out[k])) for k, st in enumerate(s["states"]))
        return float(np.sum(inp["dhs"] * np.asarray(out[0], dtype=float)))

    grads = []
    for n in names:
        a, g = args[n], np.zeros_like(args[n])
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + EPS
            plus = loss()
            a[idx] = old - EPS
            minus = loss()
            a[idx] = old
            g[idx] = (plus - minus) / (2 * EPS)
        grads.append(g)
    return dict(zip(exercises.outputs(cell, function), grads))


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


# ---------------------------------------------------------------- naming the mistake

_mistake_modules = {}


def _mistake_module(cell, k):
    if (cell, k) not in _mistake_modules:
        src = exercises.mistake_source(cell, exercises.MISTAKES[cell][k][1])
        mod = types.ModuleType(f"minirnn_mistake_{cell}_{k}")
        exec(compile(src, f"<{cell} mistake {k}>", "exec"), mod.__dict__)
        _mistake_modules[cell, k] = mod
    return _mistake_modules[cell, k]


def _function_of(cell, text):
    """The name of the solution's function whose code contains text."""
    src = exercises.exercise_text(cell, solution=True)
    return src[:src.index(text)].rsplit("\ndef ", 1)[1].split("(")[0]


def _orders(cell):
    gates = SPECS[cell]["gates"]
    return [order for order in itertools.permutations(gates) if order != gates] if len(gates) > 1 else []


def _blocks_in_order(a, cell, order):
    """a (..., G*H) with blocks in the canonical order -> its blocks rearranged into `order`."""
    gates = SPECS[cell]["gates"]
    blocks = np.split(a, len(gates), axis=-1)
    return np.concatenate([blocks[gates.index(g)] for g in order], axis=-1)


def diagnose(cell, function, name, value, ref, inp):
    """A sentence naming the mistake, when value is what a known one gives; else None."""
    fname, gates = f"{cell}_{function}", SPECS[cell]["gates"]
    same = lambda a, b: a.shape == b.shape and rel_error(a, b) < 1e-9
    k_out = exercises.outputs(cell, function).index(name)
    for k, (title, edits) in enumerate(exercises.MISTAKES[cell]):
        if any(_function_of(cell, old) != fname for old, _ in edits):
            continue                # the learner's other functions passed: only this one's mistakes apply
        try:
            theirs = np.asarray(run(_mistake_module(cell, k), cell, function, inp)[k_out], dtype=np.float64)
        except LearnerError:
            continue
        if same(value, theirs) and not same(theirs, ref):
            return title
    for order in _orders(cell):
        if function in ("step_forward", "forward"):
            # reading gate g from block position order.index(g) = the right code with the blocks moved there
            moved = dict(inp)
            for p in ("Wx", "Wh", "b"):
                blocks = np.split(inp[p], len(gates), axis=-1)
                moved[p] = np.concatenate([blocks[order.index(g)] for g in gates], axis=-1)
            if same(value, minirnn_answers(cell, function, moved)[name]):
                return (f"{fname} reads the gate blocks in the order {', '.join(order)}; they are "
                        f"{', '.join(gates)} (PyTorch's order): a[:, :H] is {gates[0]}'s, a[:, H:2H] {gates[1]}'s, ...")
        elif value.shape[-1] == len(gates) * H and same(value, _blocks_in_order(ref, cell, order)):
            return (f"the blocks of {name} are in the order {', '.join(order)}; they must be in the forward's "
                    f"order {', '.join(gates)}")
    if value.ndim == 2 and value.shape[0] == value.shape[1] and same(value, ref.T):
        return f"{name} is transposed"
    if same(value, -ref):
        return f"{name} has the wrong sign"
    return None


# ---------------------------------------------------------------- the report

def _load(path):
    spec = importlib.util.spec_from_file_location("minirnn_learner_exercise", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def untouched(mod, cell, function):
    """True when mod's cell_function is still the template's (comments and spacing aside)."""
    fname = f"{cell}_{function}"
    def node(solution):
        tree = ast.parse(exercises.exercise_text(cell, solution))
        return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fname), None)
    blank = node(False)
    if ast.dump(blank) == ast.dump(node(True)):
        return False                # a function the template gives complete (the forward loop)
    try:
        mine = ast.parse(textwrap.dedent(inspect.getsource(getattr(mod, fname)))).body[0]
    except (TypeError, OSError, SyntaxError, AttributeError):
        return not callable(getattr(mod, fname, None))
    return blank is not None and ast.dump(mine) == ast.dump(blank)


def find_cell(text):
    for cell in CELLS:
        if f"minirnn exercise: {cell}" in text or f"def {cell}_step_forward" in text:
            return cell
    return None


def check_file(path, cell=None, seed=0, out=print):
    """Check the learner's file; print the report through out(); return 0 when all is right, else 1."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file (write one with: minirnn exercise rnn --out {path})")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cell = cell or find_cell(text)
    if cell is None:
        out(f"{path}: no exercise in it yet: it defines none of "
            f"{', '.join(c + '_step_forward' for c in CELLS)}.")
        out("not written yet: everything. Start from a template: minirnn exercise rnn --out " + path)
        return 1
    try:
        mod = _load(path)
    except SyntaxError as e:
        out(f"your file does not load: SyntaxError at line {e.lineno}: {e.msg}")
        return 1
    except Exception as e:
        out(_raised("file", e, path).message + "  (while loading it)")
        return 1

    inp = make_inputs(cell, seed)
    out(f"checking {path} ({cell}: B={B} T={T} E={E} H={H}, float64, seed {seed})")
    out(f"against minirnn's own {cell} (tolerance {TOL_MINIRNN:.0e}) and finite differences of your "
        f"forward (tolerance {TOL_FD:.0e}); error = max |yours - theirs| / max |theirs|")
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
            result = run(mod, cell, function, inp, path)
            refs = minirnn_answers(cell, function, inp)
            names = exercises.outputs(cell, function)
            values = {n: as_array(result[names.index(n)], n, refs[n], cell, fname) for n in refs}
            nums = numeric_grads(mod, cell, function, inp, path) if "backward" in function else {}
        except LearnerError as e:
            status[function] = "not written" if e.not_written else "wrong"
            (not_written.append(fname) if e.not_written else None)
            out(f"  {'TODO ' if e.not_written else 'WRONG'}  {e.message}")
            if first is None and not e.not_written:
                first = (e.message, None)
            continue
        status[function] = "ok"
        for n, ref in refs.items():
            err = rel_error(values[n], ref)
            fd = f"   finite diff. {rel_error(values[n], nums[n]):.1e}" if n in nums else ""
            ok = err < TOL_MINIRNN and (n not in nums or rel_error(values[n], nums[n]) < TOL_FD)
            out(f"  {'ok   ' if ok else 'WRONG'}  {n:<8} {letters(ref.shape, cell):<10} minirnn {err:.1e}{fd}")
            if not ok:
                status[function] = "wrong"
                if first is None:
                    first = (f"first wrong: {n} in {fname}, relative error {err:.1e}", (function, []))
                if first[1] is not None and first[1][0] == function:
                    first[1][1].append((n, values[n], ref))
    if first is not None:
        out("")
        out(first[0])
        if first[1] is not None:
            function, wrong = first[1]
            n = wrong[0][0]
            h = hint(cell, function, n)
            if h:
                out(f"  hint: {n} should be: {h}")
            for n, value, ref in wrong:         # the first wrong quantity that shows a known mistake
                named = diagnose(cell, function, n, value, ref, inp)
                if named:
                    out(f"  this looks like: {named}")
                    break
    if not_written:
        out(f"not written yet: {', '.join(not_written)}")
    right = [f for f in FUNCTIONS if status.get(f) == "ok"]
    out(f"{len(right)} of {len(FUNCTIONS)} functions right" + ("" if len(right) < len(FUNCTIONS) else
                                                                 ": all of them. Well done."))
    return 0 if len(right) == len(FUNCTIONS) else 1
