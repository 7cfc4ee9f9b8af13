"""Trace mode: follow one forward pass and backpropagation through time by hand, number by number.

    python -m minirnn.cli.viz trace --cell lstm --steps 3 --hidden 2      (or: minirnn trace ...)

A tiny layer (E = 2 inputs, H = 2 units, B = 1 sequence of T = 3 steps, float64) reads a random
input; the loss is the mean squared error of every output against a random target:

    L = mean over b, t, j of (h_t[b, j] - y_t[b, j])^2

The states, gates and gradients printed come from the engine itself: run_steps() calls the
cell's real *_step_forward function once per step and reads the gates from the StepCache it
returns; the backward pass calls the real *_step_backward functions in reverse time. Computed
here, for display only: x_t W_x + b and a_t (the same products the step makes), and the weight
gradients, summed one step at a time exactly as BPTT defines them,

    dW_x = sum_t x_t^T da_t      dW_h = sum_t h_{t-1}^T da_t      db = sum_t sum_b da_t

and at the end they are compared with layer.grads after the layer's own layer.backward().
Time steps are numbered as in the math: x_1 .. x_T, h_0 is the initial state.
h_t reaches the loss along two paths, its output out_t and the next step; the backward trace
prints each path's share apart from the total:
    dL/dh_t (total)  =  dL/dout_t  +  dL/dh_t via step t+1
"""
import sys

import numpy as np

from .backend import array_module, to_device, to_numpy
from .gru import gru_step_backward, gru_step_forward
from .losses import mse
from .lstm import lstm_step_backward, lstm_step_forward
from .recurrent import CELLS, GRU, LSTM
from .rnn import rnn_step_backward, rnn_step_forward



# ---------------------------------------------------------------- the steps, from the real cell code

def run_steps(layer, x):
    """Run a one-layer, one-direction RNN/LSTM/GRU over x (B, T, E), one real step function call at a time.

    Returns a list of T dicts, one per step t (0-based), with (on the layer's backend):
        "x" (B, E), "xw" (B, G*H) = x_t W_x + b, "h_prev" (B, H), "h" (B, H), "cache",
        and what the cell computed inside the step, read from its cache:
        LSTM: "c_prev", "c" (B, H) and "i", "f", "g", "o" (B, H) each;  GRU: "r", "z", "n", "hn" (B, H).
    """
    if layer.num_layers != 1 or layer.bidirectional:
        raise ValueError(f"run_steps: needs a one-layer, one-direction layer, got {layer!r}")
    p = layer._params_of(0, 0)                                     # {"Wx", "Wh", "b" (, "bhn")}
    xp = array_module(p["Wh"])                                     # NumPy or CuPy, where the weights are
    x = xp.asarray(x, dtype=p["Wh"].dtype)
    B, T, _ = x.shape
    H = layer.hidden_size
    h = xp.zeros((B, H), dtype=x.dtype)
    c = xp.zeros((B, H), dtype=x.dtype)
    steps = []
    for t in range(T):
        xw = x[:, t] @ p["Wx"] + p["b"]                            # (B, E) @ (E, G*H) -> (B, G*H)
        s = {"x": x[:, t], "xw": xw, "h_prev": h}
        if isinstance(layer, LSTM):
            s["c_prev"] = c
            h, c, cache = lstm_step_forward(xw, h, c, p["Wh"])
            s.update(zip("ifgo", cache.gates))                     # cache.gates: (i, f, g, o), each (B, H)
            s["c"] = c
        elif isinstance(layer, GRU):
            h, cache = gru_step_forward(xw, h, p["Wh"], p["bhn"])
            s["hn"] = cache.hn                                   # h_{t-1} W_hn + b_hn
            s.update(zip("rzn", cache.gates))                      # cache.gates: (r, z, n), each (B, H)
        else:
            h, cache = rnn_step_forward(xw, h, p["Wh"], None, layer.nonlinearity)
        s.update(h=h, cache=cache)
        steps.append(s)
    return steps


def backward_steps(layer, steps, d_out, dh_T=None):
    """BPTT over the steps from run_steps, calling the real *_step_backward in reverse time.

    d_out: (B, T, H) dL/dout; dh_T: (B, H) dL/dh_T from outside, or None.
    Adds to each step dict "dh" (B, H) (dL/dh_t, total: both paths summed), "da" (B, G*H) (dL/da_t;
    for the GRU also "dxw" and "dhh"), "dh_prev" (B, H) (dL/dh_{t-1} via this step only; for the LSTM
    also "dc", "dc_prev"), and the running weight gradients "acc" (a dict like layer.grads).
    Returns the final grads dict and dL/dh_0.
    """
    p = layer._params_of(0, 0)
    xp = array_module(p["Wh"])
    d_out = xp.asarray(d_out, dtype=p["Wh"].dtype)
    B, T, H = d_out.shape
    grads = {name: xp.zeros_like(v) for name, v in p.items()}
    dh_next = xp.zeros((B, H), dtype=d_out.dtype) if dh_T is None else xp.asarray(dh_T, dtype=d_out.dtype)
    dc_next = xp.zeros((B, H), dtype=d_out.dtype)
    for t in reversed(range(T)):
        s = steps[t]
        dh = d_out[:, t] + dh_next                                 # h_t feeds out_t and step t+1
        s["dh"] = dh
        if isinstance(layer, LSTM):
            s["dc"] = dc_next
            da, dh_next, dc_next = lstm_step_backward(dh, dc_next, s["cache"])
            s["dc_prev"] = dc_next
            dxw = dhh = da
        elif isinstance(layer, GRU):
            dxw, dhh, dh_next = gru_step_backward(dh, s["cache"])
            s["dxw"], s["dhh"] = dxw, dhh
            grads["bhn"] += dhh[:, 2 * H:].sum(axis=0)             # backprop through + b_hn
        else:
            da, dh_next = rnn_step_backward(dh, s["cache"])
            dxw = dhh = da
        s["da"], s["dh_prev"] = dxw, dh_next
        grads["Wx"] += s["x"].T @ dxw                              # backprop through x_t W_x: (E, B) @ (B, G*H)
        grads["Wh"] += s["h_prev"].T @ dhh                         # backprop through h_{t-1} W_h: (H, B) @ (B, G*H)
        grads["b"] += dxw.sum(axis=0)                              # backprop through + b: (B, G*H) -> (G*H,)
        s["acc"] = {k: v.copy() for k, v in grads.items()}
    return grads, dh_next


# ---------------------------------------------------------------- printing

def _fmt(a):
    return np.array2string(np.asarray(to_numpy(a)), precision=4, floatmode="fixed", suppress_small=True,
                           max_line_width=200)


def _line(write, name, eq, a):
    """One line: name = equation   (shape)   numbers. Multi-row arrays continue on indented lines."""
    text = _fmt(a).replace("\n", "\n" + " " * 74)
    write(f"  {name + (' = ' + eq if eq else ''):<58} {str(tuple(np.shape(a))):>12}  {text}")


FORWARD_EQUATIONS = {
    "rnn": ["a_t = x_t W_x + h_{t-1} W_h + b", "h_t = tanh(a_t)"],
    "lstm": ["a_t = x_t W_x + h_{t-1} W_h + b  (4 blocks i, f, g, o)", "i_t = sigmoid(a_i)   f_t = sigmoid(a_f)",
             "g_t = tanh(a_g)      o_t = sigmoid(a_o)", "c_t = f_t c_{t-1} + i_t g_t", "h_t = o_t tanh(c_t)"],
    "gru": ["r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)", "z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)",
            "n_t = tanh(x_t W_xn + b_xn + r_t (h_{t-1} W_hn + b_hn))", "h_t = (1 - z_t) n_t + z_t h_{t-1}"],
}


def _print_forward_step(write, cell, s, t, H, Wh, nonlinearity):
    write(f"\n-- step t = {t}")
    _line(write, f"x_{t}", "", s["x"])
    _line(write, f"h_{t - 1}", "", s["h_prev"])
    if cell == "lstm":
        _line(write, f"c_{t - 1}", "", s["c_prev"])
    _line(write, f"x_{t} W_x + b", "", s["xw"])
    if cell == "rnn":
        _line(write, f"a_{t}", f"x_{t} W_x + b + h_{t - 1} W_h", s["xw"] + s["h_prev"] @ Wh)
        _line(write, f"h_{t}", f"{nonlinearity}(a_{t})", s["h"])
    elif cell == "lstm":
        _line(write, f"a_{t}", f"x_{t} W_x + b + h_{t - 1} W_h", s["xw"] + s["h_prev"] @ Wh)
        _line(write, f"i_{t}", "sigmoid(a_i)   input gate", s["i"])
        _line(write, f"f_{t}", "sigmoid(a_f)   forget gate", s["f"])
        _line(write, f"g_{t}", "tanh(a_g)      candidate", s["g"])
        _line(write, f"o_{t}", "sigmoid(a_o)   output gate", s["o"])
        _line(write, f"c_{t}", f"f_{t} c_{t - 1} + i_{t} g_{t}", s["c"])
        _line(write, f"h_{t}", f"o_{t} tanh(c_{t})", s["h"])
    else:
        _line(write, f"h_{t - 1} W_h", "", s["h_prev"] @ Wh)
        _line(write, f"r_{t}", "sigmoid(.. r block ..)  reset", s["r"])
        _line(write, f"z_{t}", "sigmoid(.. z block ..)  update", s["z"])
        _line(write, f"hn,{t}", f"h_{t - 1} W_hn + b_hn", s["hn"])
        _line(write, f"n_{t}", f"tanh(x W_xn + b_xn + r_{t} hn,{t})", s["n"])
        _line(write, f"h_{t}", f"(1 - z_{t}) n_{t} + z_{t} h_{t - 1}", s["h"])


def _print_backward_step(write, cell, s, t, H, last):
    write(f"\n-- step t = {t} (backward)")
    later = f"dL/dh_{t} via step {t + 1}" if not last else "0 (no step after T)"
    _line(write, f"dL/dh_{t} (total)", f"dL/dout_{t} + {later}", s["dh"])
    if cell == "rnn":
        _line(write, f"dL/da_{t}", f"dL/dh_{t} * (1 - h_{t}^2)", s["da"])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/da_{t} W_h^T", s["dh_prev"])
    elif cell == "lstm":
        _line(write, f"dL/dc_{t} via step {t + 1}", "" if not last else "0 (no step after T)", s["dc"])
        for k, (name, why) in enumerate((("i", "input"), ("f", "forget"), ("g", "candidate"), ("o", "output"))):
            _line(write, f"dL/da_{name},{t}", f"{why} gate, before its nonlinearity", s["da"][:, k * H:(k + 1) * H])
        _line(write, f"dL/dc_{t - 1} via step {t}", f"(dL/dc_{t} + dL/dh_{t} o_{t} (1 - tanh^2 c_{t})) f_{t}",
              s["dc_prev"])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/da_{t} W_h^T", s["dh_prev"])
    else:
        for k, (name, why) in enumerate((("r", "reset"), ("z", "update"), ("n", "candidate"))):
            _line(write, f"dL/da_{name},{t}", f"{why}, before its nonlinearity", s["dxw"][:, k * H:(k + 1) * H])
        _line(write, f"dL/dhn,{t}", f"dL/da_n,{t} r_{t}", s["dhh"][:, 2 * H:])
        _line(write, f"dL/dh_{t - 1} via step {t}", f"dL/dh_{t} z_{t} + [da_r, da_z, dhW_n] W_h^T", s["dh_prev"])
    da = f"dL/da_{t}" if cell != "gru" else f"dL/d(x W_x + b)_{t}"
    write(f"  weight gradients summed over steps {t}..T:")
    _line(write, "  dW_x", f"dW_x + x_{t}^T {da}", s["acc"]["Wx"])
    _line(write, "  dW_h", f"dW_h + h_{t - 1}^T dL/da_{t}" if cell != "gru" else f"dW_h + h_{t - 1}^T dL/d(h W_h)_{t}",
          s["acc"]["Wh"])
    _line(write, "  db", f"db + sum_b {da}", s["acc"]["b"])
    if cell == "gru":
        _line(write, "  db_hn", f"db_hn + sum_b dL/dhn,{t}", s["acc"]["bhn"])


def trace(cell="rnn", steps=3, hidden=2, input_size=2, batch=1, seed=0, write=print):
    """Print the forward pass and BPTT of a tiny layer, step by step (see the module docstring).

    write: a function taking one line of text (print by default).
    Returns {"layer", "x", "target", "loss", "grads" (from the trace), "layer_grads" (from
    layer.backward), "d_h0" (from the trace), "max_diff"}.
    """
    if cell not in CELLS:
        raise ValueError(f"trace: cell must be one of {sorted(CELLS)}, got {cell!r}")
    for name, v in (("steps", steps), ("hidden", hidden), ("input_size", input_size), ("batch", batch)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= 50:
            raise ValueError(f"trace: {name} must be an integer from 1 to 50 (it is printed in full), got {v!r}")
    rng = np.random.default_rng(seed)
    layer = CELLS[cell](input_size, hidden, rng=rng, dtype=np.float64)
    x = to_device(rng.standard_normal((batch, steps, input_size)), np.float64)    # (B, T, E)
    target = to_device(rng.standard_normal((batch, steps, hidden)), np.float64)   # (B, T, H)
    H, p = hidden, layer._params_of(0, 0)
    write(f"{type(layer).__name__} trace: B={batch} sequence(s), T={steps} steps, E={input_size} inputs, "
          f"H={hidden} units, seed {seed}")
    write("Forward equations, row vectors (x_t is (B, E)):")
    for eq in FORWARD_EQUATIONS[cell]:
        write("    " + eq)
    write("Loss: L = mean((h_t - y_t)^2) over every b, t and unit (y: a random target).\n\nParameters:")
    for name, v in p.items():
        _line(write, {"Wx": "W_x", "Wh": "W_h", "bhn": "b_hn"}.get(name, name), "", v)

    write("\n==== FORWARD, t = 1 .. T")
    st = run_steps(layer, x)
    for t, s in enumerate(st, start=1):
        _print_forward_step(write, cell, s, t, H, p["Wh"], getattr(layer, "nonlinearity", ""))
    out = array_module(x).stack([s["h"] for s in st], axis=1)      # T x (B, H) -> (B, T, H)
    loss, d_out = mse(out, target)
    write("")
    _line(write, "y", "target", target)
    _line(write, "L", "mean((out - y)^2)", np.array(loss))
    _line(write, "dL/dout", "2 (out - y) / (B T H)", d_out)

    write("\n==== BACKWARD (BPTT), t = T .. 1")
    grads, d_h0 = backward_steps(layer, st, d_out)
    for t in reversed(range(1, steps + 1)):
        _print_backward_step(write, cell, st[t - 1], t, H, last=t == steps)
    _line(write, "dL/dh_0 (total)", "via step 1: h_0 feeds nothing else", d_h0)

    # The same with the layer's own forward and backward: the numbers must agree.
    layer_out, _ = layer.forward(x)
    layer.backward(d_out)
    def gap(a, b):
        return float(np.max(np.abs(to_numpy(a) - to_numpy(b))))
    diffs = {k: gap(grads[k], layer.grads[k + "_l0"]) for k in grads}
    diffs["out"] = gap(out, layer_out)
    layer_dh0 = layer.d_h0[0] if isinstance(layer, LSTM) else layer.d_h0   # the LSTM's is (dh0, dc0)
    diffs["d_h0"] = gap(d_h0, layer_dh0[0])                               # (L*D, B, H) -> (B, H)
    write("\n==== CHECK against layer.forward() and layer.backward()")
    for k, d in diffs.items():
        write(f"  {k:<6} max |trace - layer| = {d:.1e}")
    return {"layer": layer, "x": x, "target": target, "loss": loss, "grads": grads, "d_h0": d_h0,
            "layer_grads": {k: layer.grads[k + "_l0"].copy() for k in grads}, "max_diff": max(diffs.values())}


if __name__ == "__main__":
    trace(sys.argv[1] if len(sys.argv) > 1 else "rnn")
