"""Printing a trace: trace() runs the steps (minirnn/trace/steps.py) and prints every number, one
line per array: label = equation, shape, numbers (see minirnn/trace/__init__.py).
"""
import numpy as np

from ..backend import array_module, to_device, to_numpy
from ..losses import mse
from ..recurrent import CELLS
from .steps import backward_plain_steps, backward_steps, run_plain_steps, run_steps, shown_backward, shown_forward

WIDTH = 100                     # columns: every line of the trace fits a normal terminal
LABEL, SHAPE = 50, 9            # the label column, then the shape column, then the numbers


# ---------------------------------------------------------------- printing

def _fmt(a, width=10_000):
    return np.array2string(np.asarray(to_numpy(a)), precision=4, floatmode="fixed", suppress_small=True,
                           max_line_width=width)


def _line(write, name, eq, a):
    """name = equation   (shape)   numbers, within WIDTH columns. A label longer than its column gets a
    line of its own; numbers that do not fit beside it go below, indented."""
    label, shape = name + (" = " + eq if eq else ""), str(tuple(np.shape(a)))
    if len(label) > LABEL:
        write(f"  {label}")
        label = ""
    head = f"  {label:<{LABEL}} {shape:>{SHAPE}}  "
    rows = _fmt(a).split("\n")
    if len(head) + max(len(r) for r in rows) <= WIDTH:
        write(head + rows[0])
        for r in rows[1:]:
            write((" " * len(head) + r).rstrip())
    else:
        write(head.rstrip())
        for r in _fmt(a, WIDTH - 6).split("\n"):
            write("      " + r)


FORWARD_EQUATIONS = {
    "rnn": ["a_t = x_t W_x + h_{t-1} W_h + b", "h_t = tanh(a_t)"],
    "lstm": ["a_t = x_t W_x + h_{t-1} W_h + b  (4 blocks a_i, a_f, a_g, a_o)",
             "i_t = sigmoid(a_i)   f_t = sigmoid(a_f)", "g_t = tanh(a_g)      o_t = sigmoid(a_o)",
             "c_t = f_t c_{t-1} + i_t g_t", "h_t = o_t tanh(c_t)"],
    "gru": ["r_t = sigmoid(a_r),  a_r = x_t W_xr + b_r + h_{t-1} W_hr",
            "z_t = sigmoid(a_z),  a_z = x_t W_xz + b_z + h_{t-1} W_hz",
            "n_t = tanh(a_n),     a_n = x_t W_xn + b_xn + r_t hn_t,  hn_t = h_{t-1} W_hn + b_hn",
            "h_t = (1 - z_t) n_t + z_t h_{t-1}"],
}


def _print_forward_step(write, cell, s, t):
    write(f"\n-- step t = {t}")
    _line(write, f"x_{t}", "", s["x"])
    _line(write, f"h_{t - 1}", "", s["h_prev"])
    if cell == "lstm":
        _line(write, f"c_{t - 1}", "", s["c_prev"])
    _line(write, f"x_{t} W_x + b", "", s["xw"])
    _line(write, f"h_{t - 1} W_h", "", s["hh"])
    if cell == "rnn":
        _line(write, f"a_{t}", f"x_{t} W_x + b + h_{t - 1} W_h", s["a"])
        _line(write, f"h_{t}", f"tanh(a_{t})", s["h"])
    elif cell == "lstm":
        _line(write, f"a_{t}", f"x_{t} W_x + b + h_{t - 1} W_h", s["a"])
        _line(write, f"i_{t}", "sigmoid(a_i)   input gate", s["i"])
        _line(write, f"f_{t}", "sigmoid(a_f)   forget gate", s["f"])
        _line(write, f"g_{t}", "tanh(a_g)      candidate", s["g"])
        _line(write, f"o_{t}", "sigmoid(a_o)   output gate", s["o"])
        _line(write, f"c_{t}", f"f_{t} c_{t - 1} + i_{t} g_{t}", s["c"])
        _line(write, f"h_{t}", f"o_{t} tanh(c_{t})", s["h"])
    else:
        _line(write, f"a_r,{t}", f"x_{t} W_xr + b_r + h_{t - 1} W_hr", s["a_r"])
        _line(write, f"r_{t}", f"sigmoid(a_r,{t})   reset gate", s["r"])
        _line(write, f"a_z,{t}", f"x_{t} W_xz + b_z + h_{t - 1} W_hz", s["a_z"])
        _line(write, f"z_{t}", f"sigmoid(a_z,{t})   update gate", s["z"])
        _line(write, f"hn_{t}", f"h_{t - 1} W_hn + b_hn", s["hn"])
        _line(write, f"a_n,{t}", f"x_{t} W_xn + b_xn + r_{t} hn_{t}", s["a_n"])
        _line(write, f"n_{t}", f"tanh(a_n,{t})   candidate", s["n"])
        _line(write, f"h_{t}", f"(1 - z_{t}) n_{t} + z_{t} h_{t - 1}", s["h"])


def _print_backward_step(write, cell, s, t, last):
    H = s["h"].shape[1]
    write(f"\n-- step t = {t} (backward)")
    later = f"dL/dh_{t} via step {t + 1}" if not last else "0 (no step after T)"
    _line(write, f"dL/dh_{t} (total)", f"dL/dout_{t} + {later}", s["dh"])
    if cell == "rnn":
        _line(write, f"dL/da_{t}", f"dL/dh_{t} (1 - h_{t}^2)   through tanh", s["da"])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/da_{t} W_h^T", s["dh_prev"])
    elif cell == "lstm":
        _line(write, f"dL/dc_{t} via step {t + 1}", "" if not last else "0 (no step after T)", s["dc"])
        _line(write, f"dL/dc_{t} (total)", f"dL/dc_{t} via step {t + 1} + dL/dh_{t} o_{t} (1 - tanh(c_{t})^2)",
              s["dc_total"])
        _line(write, f"dL/do_{t}", f"dL/dh_{t} tanh(c_{t})", s["do"])
        _line(write, f"dL/di_{t}", f"dL/dc_{t} g_{t}", s["di"])
        _line(write, f"dL/df_{t}", f"dL/dc_{t} c_{t - 1}", s["df"])
        _line(write, f"dL/dg_{t}", f"dL/dc_{t} i_{t}", s["dg"])
        for k, (gate, why) in enumerate((("i", f"dL/di_{t} i_{t} (1 - i_{t})"), ("f", f"dL/df_{t} f_{t} (1 - f_{t})"),
                                         ("g", f"dL/dg_{t} (1 - g_{t}^2)"), ("o", f"dL/do_{t} o_{t} (1 - o_{t})"))):
            _line(write, f"dL/da_{gate},{t}", why, s["da"][:, k * H:(k + 1) * H])
        _line(write, f"dL/dc_{t - 1} via step {t}", f"dL/dc_{t} f_{t}", s["dc_prev"])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/da_{t} W_h^T", s["dh_prev"])
    else:
        _line(write, f"dL/dn_{t}", f"dL/dh_{t} (1 - z_{t})", s["dn"])
        _line(write, f"dL/dz_{t}", f"dL/dh_{t} (h_{t - 1} - n_{t})", s["dz"])
        _line(write, f"dL/da_n,{t}", f"dL/dn_{t} (1 - n_{t}^2)", s["da"][:, 2 * H:])
        _line(write, f"dL/dr_{t}", f"dL/da_n,{t} hn_{t}", s["dr"])
        _line(write, f"dL/dhn_{t}", f"dL/da_n,{t} r_{t}", s["dhh"][:, 2 * H:])
        _line(write, f"dL/da_r,{t}", f"dL/dr_{t} r_{t} (1 - r_{t})", s["da"][:, :H])
        _line(write, f"dL/da_z,{t}", f"dL/dz_{t} z_{t} (1 - z_{t})", s["da"][:, H:2 * H])
        _line(write, f"dL/d(x W_x + b)_{t}", "[dL/da_r, dL/da_z, dL/da_n]", s["da"])
        _line(write, f"dL/d(h W_h)_{t}", "[dL/da_r, dL/da_z, dL/dhn]", s["dhh"])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/dh_{t} z_{t} + dL/d(h W_h)_{t} W_h^T", s["dh_prev"])
    da, dhh = (f"dL/da_{t}", f"dL/da_{t}") if cell != "gru" else (f"dL/d(x W_x + b)_{t}", f"dL/d(h W_h)_{t}")
    _line(write, f"dL/dx_{t}", f"{da} W_x^T", s["dx"])
    write(f"  weight gradients, summed over steps {t}..T:")
    _line(write, "  dW_x", f"dW_x + x_{t}^T {da}", s["acc"]["Wx"])
    _line(write, "  dW_h", f"dW_h + h_{t - 1}^T {dhh}", s["acc"]["Wh"])
    if t == 1 and not array_module(s["h_prev"]).any(s["h_prev"]):
        write(f"    h_0 = 0: step 1 adds h_0^T {dhh} = 0, so dW_h gets nothing from step 1")
    _line(write, "  db", f"db + sum_b {da}", s["acc"]["b"])
    if cell == "gru":
        _line(write, "  db_hn", f"db_hn + sum_b dL/dhn_{t}", s["acc"]["bhn"])


def trace(cell="rnn", steps=3, hidden=2, input_size=2, batch=1, seed=0, plain=False, h0="zero", write=print):
    """Print the forward pass and BPTT of a tiny layer, step by step (see the module docstring).

    plain: run the steps of the plain cell (minirnn/plain/) instead of the engine's.
    h0: "zero" (h_0 = 0, c_0 = 0) or "random" (both random).
    write: a function taking one line of text (print by default).
    Returns {"layer", "x", "target", "loss", "steps" (the step dicts), "grads", "dx", "d_h0" (and "d_c0")
    from the trace, "layer_grads" (from layer.backward), "diffs" ({name: max |trace - layer|}), "max_diff"}.
    """
    if cell not in CELLS:
        raise ValueError(f"trace: cell must be one of {sorted(CELLS)}, got {cell!r}")
    for name, v in (("steps", steps), ("hidden", hidden), ("input_size", input_size), ("batch", batch)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= 50:
            raise ValueError(f"trace: {name} must be an integer from 1 to 50 (it is printed in full), got {v!r}")
    if h0 not in ("zero", "random"):
        raise ValueError(f"trace: h0 must be 'zero' or 'random', got {h0!r}")
    rng = np.random.default_rng(seed)
    layer = CELLS[cell](input_size, hidden, rng=rng, dtype=np.float64)
    x = to_device(rng.standard_normal((batch, steps, input_size)), np.float64)    # (B, T, E)
    target = to_device(rng.standard_normal((batch, steps, hidden)), np.float64)   # (B, T, H)
    states = [np.zeros((batch, hidden)) if h0 == "zero" else rng.standard_normal((batch, hidden))
              for _ in range(2 if cell == "lstm" else 1)]                           # h_0 (, c_0): (B, H)
    p = layer._params_of(0, 0)                                     # {"Wx", "Wh", "b" (, "bhn")}
    write(f"{type(layer).__name__} trace: B={batch} sequence(s), T={steps} steps, E={input_size} inputs, "
          f"H={hidden} units, seed {seed}")
    source = f"the plain cell, minirnn/plain/{cell}.py" if plain else f"the engine, minirnn/{cell}.py"
    write(f"Steps: {source} (*_step_forward, *_step_backward)")
    write("Forward equations, row vectors (x_t is (B, E)):")
    for eq in FORWARD_EQUATIONS[cell]:
        write("    " + eq)
    write("Loss: L = mean((h_t - y_t)^2) over every b, t and unit (y: a random target).\n\nParameters:")
    for name, v in p.items():
        _line(write, {"Wx": "W_x", "Wh": "W_h", "bhn": "b_hn"}.get(name, name), "", v)

    if plain:                                                      # the plain cells are NumPy only
        p_run, x_run, target_run = {k: to_numpy(v) for k, v in p.items()}, to_numpy(x), to_numpy(target)
        st = run_plain_steps(cell, p_run, x_run, *states)
    else:
        p_run, x_run, target_run = p, x, target
        st = run_steps(layer, x, *[to_device(s) for s in states])
    write("\n==== FORWARD, t = 1 .. T")
    for t, s in enumerate(st, start=1):
        shown_forward(cell, s, p_run)
        _print_forward_step(write, cell, s, t)
    xp = array_module(x_run)
    out = xp.stack([s["h"] for s in st], axis=1)                   # T x (B, H) -> (B, T, H)
    loss, d_out = mse(out, target_run)
    write("")
    _line(write, "y", "target", target_run)
    _line(write, "L", "mean((out - y)^2)", np.array(loss))
    _line(write, "dL/dout", "2 (out - y) / (B T H)", d_out)

    write("\n==== BACKWARD (BPTT), t = T .. 1")
    if plain:
        grads, d_h0 = backward_plain_steps(cell, st, d_out, p_run)
    else:
        grads, d_h0 = backward_steps(layer, st, d_out)
    for s in st:
        shown_backward(cell, s)
        if plain:                                                  # the plain step keeps dL/da_t to itself
            s["da"], s["dhh"] = s["da_shown"], s.get("dhh_shown")
        else:                                                      # the engine's caller computes dx_t
            s["dx"] = s["da"] @ p["Wx"].T                          # (B, G*H) @ (G*H, E) -> (B, E)
    for t in reversed(range(1, steps + 1)):
        _print_backward_step(write, cell, st[t - 1], t, last=t == steps)
    _line(write, "dL/dh_0 (total)", "dL/dh_0 via step 1", d_h0)
    d_c0 = st[0]["dc_prev"] if cell == "lstm" else None
    if cell == "lstm":
        _line(write, "dL/dc_0 (total)", "dL/dc_0 via step 1", d_c0)
    dx = xp.stack([s["dx"] for s in st], axis=1)                   # T x (B, E) -> (B, T, E)

    # The engine's own forward and backward on the same numbers: they must agree.
    dev = [to_device(s)[None] for s in states]                     # (B, H) -> (L*D, B, H)
    layer_out, _ = layer.forward(x, h0=dev[0] if cell != "lstm" else tuple(dev))
    layer_dx = layer.backward(to_device(d_out))
    layer_d0 = [layer.d_h0] if cell != "lstm" else list(layer.d_h0)

    def gap(a, b):
        return float(np.max(np.abs(to_numpy(a) - to_numpy(b))))
    diffs = {k: gap(grads[k], layer.grads[k + "_l0"]) for k in grads}
    diffs.update(out=gap(out, layer_out), dx=gap(dx, layer_dx), d_h0=gap(d_h0, layer_d0[0][0]))
    if cell == "lstm":
        diffs["d_c0"] = gap(d_c0, layer_d0[1][0])
    who = "plain" if plain else "trace"
    write(f"\n==== CHECK: the {'plain cell' if plain else 'trace'} against the engine's layer.forward() "
          f"and layer.backward()")
    for k, d in diffs.items():
        write(f"  {k:<6} max |{who} - layer| = {d:.1e}")
    return {"layer": layer, "x": x, "target": target, "loss": loss, "steps": st, "grads": grads, "dx": dx,
            "d_h0": d_h0, "d_c0": d_c0, "layer_grads": {k: layer.grads[k + "_l0"].copy() for k in grads},
            "diffs": diffs, "max_diff": max(diffs.values())}
