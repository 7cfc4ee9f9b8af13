"""The exercise files: one per cell, written from its solution (rnn_solution.py, lstm_solution.py,
gru_solution.py) by blanking every part between "# ---- your code ----" and "# ---- end of your code ----".

    exercise_text("lstm")                  the file a learner fills in
    exercise_text("lstm", solution=True)   the completed file

SPECS says, per cell, what the four functions take and return; check.py reads it.
"""
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CELLS = ("rnn", "lstm", "gru")
FUNCTIONS = ("step_forward", "step_backward", "forward", "backward")   # each is f"{cell}_{name}"

# params: the weights after the states; states: h (and c); gates: the blocks of the G*H columns
SPECS = {
    "rnn": dict(params=("Wx", "Wh", "b"), states=("h",), gates=("",)),
    "lstm": dict(params=("Wx", "Wh", "b"), states=("h", "c"), gates=("i", "f", "g", "o")),
    "gru": dict(params=("Wx", "Wh", "b", "bhn"), states=("h",), gates=("r", "z", "n")),
}

_BLOCK = re.compile(r"^(?P<indent>[ \t]*)# ---- your code ---- blank: (?P<blank>[^\n]*)\n"
                    r"(?P<body>.*?)"
                    r"^(?P=indent)# ---- end of your code ----$", re.S | re.M)


def solution_source(cell):
    """The solution file's text, markers included."""
    if cell not in CELLS:
        raise ValueError(f"no exercise for {cell!r}: choose one of {', '.join(CELLS)}")
    return (HERE / f"{cell}_solution.py").read_text()


def exercise_text(cell, solution=False):
    """The text of the file `minirnn exercise CELL` writes (solution=True: completed)."""
    src = solution_source(cell)

    def blank(m):
        ind = m["indent"]
        body = m["body"] if solution else f"{ind}{m['blank']}\n"
        return f"{ind}# ---- your code ----\n{body}{ind}# ---- end of your code ----"
    return _BLOCK.sub(blank, src)


def outputs(cell, function):
    """Names of what cell_function returns, in order ("cache" is the learner's own business)."""
    s = SPECS[cell]
    p = [f"d{name}" for name in s["params"]]
    if function == "step_forward":
        return [f"{st}_t" for st in s["states"]] + ["cache"]
    if function == "step_backward":
        return ["dx_t"] + [f"d{st}_prev" for st in s["states"]] + p
    if function == "forward":
        return ["hs", "caches"]
    return ["dx"] + [f"d{st}0" for st in s["states"]] + p


def arguments(cell, function):
    """Names of cell_function's arguments, in order."""
    s = SPECS[cell]
    if function == "step_forward":
        return ["x_t"] + [f"{st}_prev" for st in s["states"]] + list(s["params"])
    if function == "step_backward":
        return [f"d{st}_t" for st in s["states"]] + ["cache"]
    if function == "forward":
        return ["x"] + [f"{st}0" for st in s["states"]] + list(s["params"])
    return ["dhs", "caches"]


# Typical mistakes, each as edits of the solution's text. `minirnn check` runs each such edited
# solution on the learner's inputs: when a wrong quantity equals the edited solution's, it names the
# mistake. The test suite checks that every `old` is found in the solution exactly once.
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
        ("the forget gate's gradient uses c_t: c_t = f c_{t-1} + i g, so df = dc * c_{t-1}",
         [("df = dc * c_prev", "df = dc * c_t")]),
        ("the (1 - tanh(c_t)^2) is missing: h_t = o tanh(c_t) reaches c_t through tanh",
         [("dc = dc_t + dh_t * o * (1 - tanh_c ** 2)", "dc = dc_t + dh_t * o")]),
        ("dc_prev is dL/dc_t times f_t, plus nothing else from this step",
         [("dc_prev = dc * f", "dc_prev = dc")]),
        ("dc_t from step t+1 is left out: c_t feeds step t+1, so dc = dc_t + dh_t * o * (1 - tanh(c_t)^2)",
         [("dc = dc_t + dh_t * o * (1 - tanh_c ** 2)", "dc = dh_t * o * (1 - tanh_c ** 2)")]),
        ("dh_next is not carried: h_t also feeds step t+1, so dh_t = dhs[:, t] + the dh_prev step t+1 returned",
         [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")]),
        ("dc_next is not carried: pass the dc_prev that step t+1 returned as that step's dc_t",
         [("lstm_step_backward(dh_t, dc_next, caches[t])", "lstm_step_backward(dh_t, 0 * dc_next, caches[t])")]),
        ("the weight gradients are overwritten at each step instead of summed over t",
         [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t")]),
    ],
    "gru": [
        ("z and 1 - z are swapped: PyTorch's GRU keeps z_t of the old state, h_t = (1 - z) n + z h_{t-1}",
         [("h_t = (1 - z) * n + z * h_prev", "h_t = z * n + (1 - z) * h_prev")]),
        ("b_hn is outside the reset gate: n = tanh(xw_n + r * (hw_n + b_hn)), r multiplies b_hn too",
         [("hWn = hw[:, 2 * H:] + bhn", "hWn = hw[:, 2 * H:]"),
          ("n = np.tanh(xw[:, 2 * H:] + r * hWn)", "n = np.tanh(xw[:, 2 * H:] + r * hWn + bhn)")]),
        ("dh_prev misses the straight path: h_t = ... + z h_{t-1}, so dh_prev = dh_t * z + dhw W_h^T",
         [("dh_prev = dh_t * z + dhw @ Wh.T", "dh_prev = dhw @ Wh.T")]),
        ("dh_next is not carried: h_t also feeds step t+1, so dh_t = dhs[:, t] + the dh_prev step t+1 returned",
         [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")]),
        ("the weight gradients are overwritten at each step instead of summed over t",
         [("dWx += dWx_t", "dWx = dWx_t"), ("dWh += dWh_t", "dWh = dWh_t"), ("db += db_t", "db = db_t"),
          ("dbhn += dbhn_t", "dbhn = dbhn_t")]),
    ],
}


def mistake_source(cell, edits):
    """The solution file with one mistake's edits applied."""
    src = exercise_text(cell, solution=True)
    for old, new in edits:
        src = src.replace(old, new, 1)
    return src
