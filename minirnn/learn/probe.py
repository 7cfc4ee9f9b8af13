"""Running one exercise function and seeing inside it, for `minirnn check` (check.py).

    execute(mod, cell, "step_backward", inp, ...) -> Run(outputs, inner, steps)

mod is the learner's module, a mistake's module or minirnn/plain/CELL.py itself (the reference): the
same code runs all three. Besides what the function returns, a Run holds
    inner: the function's local variables when it returned (sys.settrace on that one function), so
           the check can compare dc_t, da, ... and not only the return values;
    steps: for the BPTT loop, what it passed to the step backward at each t (the module's step
           backward is wrapped while the loop runs), so the check can see dh_t and dc_next per step.
Every call of learner code goes through sandbox.call: a time limit, copied inputs, capped prints.
"""
import sys
from dataclasses import dataclass, field

import numpy as np

from . import exercises, sandbox
from .exercises import SPECS
from .gradcheck_cmd import central_differences
from .sandbox import LearnerError

B, T, E, H = 2, 3, 5, 4             # distinct sizes, so a shape names its letters
_PLAIN = {}


def rel_error(a, ref):
    """max |a - ref| / max |ref| (0 when both are zero)."""
    scale = float(np.max(np.abs(ref))) if np.size(ref) else 0.0
    diff = float(np.max(np.abs(a - ref))) if np.size(ref) else 0.0
    return 0.0 if diff == 0 else diff / max(scale, 1e-12)


def plain(cell):
    """minirnn/plain/CELL.py, the reference, as a module."""
    if cell not in _PLAIN:
        import importlib
        _PLAIN[cell] = importlib.import_module(f"minirnn.plain.{cell}")
    return _PLAIN[cell]


@dataclass
class Run:
    outputs: dict
    inner: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)          # (name, t) -> the array passed at step t


def make_inputs(cell, seed=0):
    rng = np.random.default_rng(seed)
    G = len(SPECS[cell]["gates"])
    shapes = {"Wx": (E, G * H), "Wh": (H, G * H), "b": (G * H,), "bhn": (H,)}
    inp = {name: 0.5 * rng.standard_normal(shapes[name]) for name in SPECS[cell]["params"]}
    for st in SPECS[cell]["states"]:
        inp[f"{st}_prev"], inp[f"{st}0"] = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    inp["dh_t"], inp["dc_next"] = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    inp["x_t"], inp["x"] = rng.standard_normal((B, E)), rng.standard_normal((B, T, E))
    inp["dhs"] = rng.standard_normal((B, T, H))
    return inp


def _capturing(fn, into):
    """fn, with its local variables copied into `into` when its first call returns."""
    code = getattr(fn, "__code__", None)

    def local(frame, event, arg):
        if event == "return" and not into:
            into.update({k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in frame.f_locals.items()})
        return local

    def tracer(frame, event, arg):
        if event == "call" and frame.f_code is code and not into:
            frame.f_trace_lines = False
            return local
        return None

    def wrapped(*args):
        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn(*args)
        finally:
            sys.settrace(old)
    return wrapped if code is not None else fn


def call(mod, cell, function, args, path=None, timeout=20, echo=None, inner=None):
    """mod's cell_function(*args) -> a tuple of exercises.outputs(...) length; LearnerError otherwise."""
    fname = f"{cell}_{function}"
    f = getattr(mod, fname, None)
    if not callable(f):
        raise LearnerError(f"{fname} is not defined in your file", not_written=True)
    if inner is not None:
        f = _capturing(f, inner)
    result = sandbox.call(f, args, fname, timeout=timeout, path=path,
                          arg_names=exercises.arguments(cell, function), echo=echo)
    names = exercises.outputs(cell, function)
    if result is None or (isinstance(result, (tuple, list)) and all(v is None for v in result)):
        raise LearnerError(f"{fname} is not written yet (it returns None)", not_written=True)
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else f"one {type(result).__name__}"
        raise LearnerError(f"{fname} returned {got}; it must return {len(names)}: {', '.join(names)}")
    return tuple(result)


def _step_args(cell, function, inp):
    return [inp[a] for a in exercises.arguments(cell, function)]


def execute(mod, cell, function, inp, path=None, timeout=20, echo=None, look=False):
    """Call cell_function the way the check does (the backward ones after their own forward).

    look=True also fills Run.inner (step functions) or Run.steps (the BPTT loop).
    """
    names = exercises.outputs(cell, function)
    if function in ("step_forward", "forward"):
        inner = {} if look else None
        res = call(mod, cell, function, _step_args(cell, function, inp), path, timeout, echo, inner)
        return Run(dict(zip(names, res)), inner or {})
    if function == "step_backward":
        cache = call(mod, cell, "step_forward", _step_args(cell, "step_forward", inp), path, timeout)[-1]
        args = [inp[a] for a in exercises.arguments(cell, function)[:-1]] + [cache]
        inner = {} if look else None
        res = call(mod, cell, function, args, path, timeout, echo, inner)
        return Run(dict(zip(names, res)), inner or {})
    caches = call(mod, cell, "forward", _step_args(cell, "forward", inp), path, timeout)[-1]
    steps, step_name = {}, f"{cell}_step_backward"
    real = getattr(mod, step_name, None)

    def recorder(*args):                # the step backward, noting what the loop passed at which t
        t = next((t for t, c in enumerate(caches) if c is args[-1]), None)
        if t is not None:
            for name, a in zip(exercises.arguments(cell, "step_backward")[:-1], args):
                steps.setdefault((name, t), np.array(a, dtype=float) if _numeric(a) else a)
        return real(*args)
    if look and callable(real):
        setattr(mod, step_name, recorder)
    try:
        res = call(mod, cell, function, [inp["dhs"], caches], path, timeout, echo)
    finally:
        if look and callable(real):
            setattr(mod, step_name, real)
    return Run(dict(zip(names, res)), {}, steps)


def _numeric(a):
    try:
        return np.asarray(a, dtype=float).dtype == float
    except (TypeError, ValueError):
        return False


def numeric_grads(mod, cell, function, inp, path=None, timeout=20):
    """Central differences of the learner's own forward for the inputs a backward function differentiates."""
    s = SPECS[cell]
    step = function == "step_backward"
    fwd = "step_forward" if step else "forward"
    names = exercises.arguments(cell, fwd)
    args = {n: inp[n].copy() for n in names}
    ups = [inp["dh_t"], inp["dc_next"]][:len(s["states"])]

    def loss():
        out = call(mod, cell, fwd, [args[n] for n in names], path, timeout)
        if step:
            return sum(float(np.sum(u * np.asarray(o, dtype=float))) for u, o in zip(ups, out))
        return float(np.sum(inp["dhs"] * np.asarray(out[0], dtype=float)))

    grads = central_differences(loss, args)                  # {name: dL/d(that input)}, every entry
    return dict(zip(exercises.outputs(cell, function), (grads[n] for n in names)))
