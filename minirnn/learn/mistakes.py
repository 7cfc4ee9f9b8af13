"""The mistakes `minirnn check` knows by name, and how it recognises them.

MISTAKES[cell] = [(title, edits)]: each mistake as edits of the solution's text (the plain cell's
code). diagnose() runs each such edited solution on the learner's inputs: when the wrong outputs
equal the edited solution's, it names the mistake. It also recognises gate blocks read or written in
another order, a transposed matrix and a flipped sign. The tests check that every `old` is in the
plain cell exactly once, and that each mistake is named.
"""
import itertools
import types

import numpy as np

from . import exercises, probe
from .exercises import SPECS
from .probe import H, plain, rel_error
from .sandbox import LearnerError

MISTAKES = {
    "rnn": [
        ("the (1 - h_t^2) of tanh is missing: backprop through h_t = tanh(a_t) multiplies dh_t by 1 - h_t^2",
         [("da = dh_t * (1 - h_t ** 2)", "da = dh_t")]),
        ("W_h is not transposed: a_t uses h_{t-1} W_h, so the gradient goes back as da W_h^T (Wh.T)",
         [("dh_prev = da @ Wh.T", "dh_prev = da @ Wh")]),
        ("dWh uses h_t: the weight multiplies h_{t-1}, so dWh = h_{t-1}^T da",
         [("dWh = h_prev.T @ da", "dWh = h_t.T @ da")]),
        ("dh_next is not carried: h_t also feeds step t+1, so dh_t = dhs[:, t] + the dh_prev step t+1 returned",
         [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")]),
        ("the weight gradients are overwritten at each step instead of summed over t",
         [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t")]),
    ],
    "lstm": [
        ("the forget gate's gradient uses c_t: c_t = f c_{t-1} + i g, so df = dc_t * c_{t-1}",
         [("df = dc_t * c_prev", "df = dc_t * (f * c_prev + i * g)")]),
        ("the (1 - tanh(c_t)^2) is missing: h_t = o tanh(c_t) reaches c_t through tanh",
         [("dc_t = dc_next + dh_t * o * (1 - tanh_c ** 2)", "dc_t = dc_next + dh_t * o")]),
        ("dc_prev is dL/dc_t times f_t, plus nothing else from this step",
         [("dc_prev = dc_t * f", "dc_prev = dc_t")]),
        ("dc_next from step t+1 is left out: c_t feeds step t+1, so dc_t = dc_next + dh_t * o * (1 - tanh(c_t)^2)",
         [("dc_t = dc_next + dh_t * o * (1 - tanh_c ** 2)", "dc_t = dh_t * o * (1 - tanh_c ** 2)")]),
        ("dh_next is not carried: h_t also feeds step t+1, so dh_t = dhs[:, t] + the dh_prev step t+1 returned",
         [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")]),
        ("dc_next is not carried: pass the dc_prev that step t+1 returned as that step's dc_next",
         [("lstm_step_backward(dh_t, dc_next, caches[t])", "lstm_step_backward(dh_t, 0 * dc_next, caches[t])")]),
        ("the weight gradients are overwritten at each step instead of summed over t",
         [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t")]),
    ],
    "gru": [
        ("z and 1 - z are swapped: PyTorch's GRU keeps z_t of the old state, h_t = (1 - z) n + z h_{t-1}",
         [("h_t = (1 - z) * n + z * h_prev", "h_t = z * n + (1 - z) * h_prev")]),
        ("b_hn is outside the reset gate: n = tanh(xw_n + r * (hh_n + b_hn)), r multiplies b_hn too",
         [("hn = hh[:, 2 * H:] + bhn", "hn = hh[:, 2 * H:]"),
          ("n = np.tanh(xw[:, 2 * H:] + r * hn)", "n = np.tanh(xw[:, 2 * H:] + r * hn + bhn)")]),
        ("dh_prev misses the straight path: h_t = ... + z h_{t-1}, so dh_prev = dh_t * z + dhh W_h^T",
         [("dh_prev = dh_t * z + dhh @ Wh.T", "dh_prev = dhh @ Wh.T")]),
        ("dh_next is not carried: h_t also feeds step t+1, so dh_t = dhs[:, t] + the dh_prev step t+1 returned",
         [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")]),
        ("the weight gradients are overwritten at each step instead of summed over t",
         [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t"),
          ("dbhn += dbhn_t", "dbhn = dbhn_t")]),
    ],
}


def mistake_source(cell, edits):
    """The solution file with one mistake's edits applied."""
    src = exercises.exercise_text(cell, solution=True)
    for old, new in edits:
        src = src.replace(old, new, 1)
    return src


_mistake_modules = {}


def _mistake_module(cell, k):
    if (cell, k) not in _mistake_modules:
        src = mistake_source(cell, MISTAKES[cell][k][1])
        mod = types.ModuleType(f"minirnn_mistake_{cell}_{k}")
        exec(compile(src, f"<{cell} mistake {k}>", "exec"), mod.__dict__)
        _mistake_modules[cell, k] = mod
    return _mistake_modules[cell, k]


def _function_of(cell, text):
    """The name of the solution's function whose code contains text."""
    src = exercises.exercise_text(cell, solution=True)
    return src[:src.index(text)].rsplit("\ndef ", 1)[1].split("(")[0]


def diagnose(cell, function, wrong, inp):
    """A sentence naming the mistake, when the wrong quantities [(name, value, ref)] show a known one; else None.

    A catalogued mistake must give every wrong output; the other patterns (gate blocks in another order,
    a transpose, a sign) are looked for in each wrong quantity, intermediates included."""
    outs = exercises.outputs(cell, function)
    fname, gates = f"{cell}_{function}", SPECS[cell]["gates"]
    same = lambda a, b: np.shape(a) == np.shape(b) and rel_error(np.asarray(a, dtype=float), b) < 1e-9
    for k, (title, edits) in enumerate(MISTAKES[cell]):
        if any(_function_of(cell, old) != fname for old, _ in edits):
            continue                # the learner's other functions passed: only this one's mistakes apply
        try:
            theirs = probe.execute(_mistake_module(cell, k), cell, function, inp).outputs
        except LearnerError:
            continue
        mine = [(n, value, r) for n, value, r in wrong if n in outs]
        if mine and all(same(v, theirs[n]) for n, v, _ in mine) and not all(same(theirs[n], r) for n, _, r in mine):
            return title
    orders = [o for o in itertools.permutations(gates) if o != gates] if len(gates) > 1 else []
    if function in ("step_forward", "forward"):
        for n, value, ref in [w for w in wrong if w[0] in outs][:1]:
            for order in orders:    # reading gate g from block order.index(g) = the right code on moved weights
                moved = dict(inp)
                for p in ("Wx", "Wh", "b"):
                    blocks = np.split(inp[p], len(gates), axis=-1)
                    moved[p] = np.concatenate([blocks[order.index(g)] for g in gates], axis=-1)
                if same(value, probe.execute(plain(cell), cell, function, moved).outputs[n]):
                    return (f"{fname} reads the gate blocks in the order {', '.join(order)}; they are "
                            f"{', '.join(gates)} (PyTorch's order): a[:, :H] is {gates[0]}'s, a[:, H:2H] "
                            f"{gates[1]}'s, ...")
    for n, value, ref in wrong:
        for order in (orders if value.shape[-1] == len(gates) * H else []):
            blocks = np.split(ref, len(gates), axis=-1)
            if same(value, np.concatenate([blocks[gates.index(g)] for g in order], axis=-1)):
                return (f"the blocks of {n} are in the order {', '.join(order)}; they must be in the "
                        f"forward's order {', '.join(gates)}")
        if value.ndim == 2 and value.shape[0] == value.shape[1] and same(value, ref.T):
            return f"{n} is transposed"
        if same(value, -ref):
            return f"{n} has the wrong sign"
    return None
