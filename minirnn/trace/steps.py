"""The steps a trace prints: real step functions called one at a time, and what is computed beside
them for display (see minirnn/trace/__init__.py).

    run_steps(layer, x) / backward_steps(layer, steps, d_out)         the engine's steps
    run_plain_steps(cell, p, x, h0) / backward_plain_steps(...)       the plain cells' (minirnn/plain/)
    shown_forward(cell, s, p) / shown_backward(cell, s)              products, pre-activations, gate gradients

Each step is a dict of arrays, (B, ...) each; the loops count steps from 0, the math from 1.
"""
import numpy as np

from ..backend import array_module
from ..gru import gru_step_backward, gru_step_forward
from ..lstm import lstm_step_backward, lstm_step_forward
from ..plain import gru as plain_gru, lstm as plain_lstm, rnn as plain_rnn
from ..recurrent import GRU, LSTM
from ..rnn import rnn_step_backward, rnn_step_forward


# ---------------------------------------------------------------- the engine's steps

def run_steps(layer, x, h0=None, c0=None):
    """Run a one-layer, one-direction RNN/LSTM/GRU over x (B, T, E), one real step function call at a time.

    h0, c0: (B, H) initial states, or None for zeros (c0: the LSTM only).
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
    h = xp.zeros((B, H), dtype=x.dtype) if h0 is None else xp.asarray(h0, dtype=x.dtype)
    c = xp.zeros((B, H), dtype=x.dtype) if c0 is None else xp.asarray(c0, dtype=x.dtype)
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
            s["hn"] = cache.hn                                     # h_{t-1} W_hn + b_hn
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
    for the GRU also "dhh"), "dh_prev" (B, H) (dL/dh_{t-1} via this step only; for the LSTM
    also "dc", "dc_prev"), and the running weight gradients "acc" (a dict like layer.grads).
    Returns the final grads dict and dL/dh_0 (the LSTM's dL/dc_0 is steps[0]["dc_prev"]).
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
            s["dhh"] = dhh
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


# ---------------------------------------------------------------- the plain cells' steps (--plain)

def run_plain_steps(cell, p, x, h0, c0=None):
    """run_steps with the plain cell's *_step_forward (minirnn/plain/, NumPy): the same step dicts.

    p: {"Wx", "Wh", "b" (, "bhn")} NumPy arrays; x (B, T, E); h0, c0 (B, H). No "xw": the plain
    step takes x_t itself.
    """
    h, c, steps = h0, c0, []
    for t in range(x.shape[1]):
        s = {"x": x[:, t], "h_prev": h}
        if cell == "lstm":
            s["c_prev"] = c
            h, c, cache = plain_lstm.lstm_step_forward(x[:, t], h, c, p["Wx"], p["Wh"], p["b"])
            s.update(zip("ifgo", cache[5:9]), c=c)   # cache: (x_t, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
        elif cell == "gru":
            h, cache = plain_gru.gru_step_forward(x[:, t], h, p["Wx"], p["Wh"], p["b"], p["bhn"])
            s.update(zip(("r", "z", "n", "hn"), cache[4:]))        # cache: (x_t, h_prev, Wx, Wh, r, z, n, hn)
        else:
            h, cache = plain_rnn.rnn_step_forward(x[:, t], h, p["Wx"], p["Wh"], p["b"])
        s.update(h=h, cache=cache)
        steps.append(s)
    return steps


def backward_plain_steps(cell, steps, d_out, p):
    """backward_steps with the plain cell's *_step_backward: it returns dx_t and its own share of
    every weight gradient, added up here. Adds "dh", "dh_prev", "dx" (and "dc", "dc_prev") and "acc".
    Returns the grads dict and dL/dh_0."""
    B, T, H = d_out.shape
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        s = steps[t]
        s["dh"] = dh = d_out[:, t] + dh_next                      # h_t feeds out_t and step t+1
        if cell == "lstm":
            s["dc"] = dc_next
            dx, dh_next, dc_next, *dW = plain_lstm.lstm_step_backward(dh, dc_next, s["cache"])
            s["dc_prev"] = dc_next
        elif cell == "gru":
            dx, dh_next, *dW = plain_gru.gru_step_backward(dh, s["cache"])
        else:
            dx, dh_next, *dW = plain_rnn.rnn_step_backward(dh, s["cache"])
        s["dx"], s["dh_prev"] = dx, dh_next
        for k, g in zip(grads, dW):                                # dWx, dWh, db (, dbhn) of this step
            grads[k] += g
        s["acc"] = {k: v.copy() for k, v in grads.items()}
    return grads, dh_next


# ---------------------------------------------------------------- computed for display only

def shown_forward(cell, s, p):
    """Add what a learner checks by hand: "xw" = x_t W_x + b, "hh" = h_{t-1} W_h and the pre-activations
    ("a"; GRU: "a_r", "a_z", "a_n")."""
    H = s["h"].shape[1]
    if "xw" not in s:
        s["xw"] = s["x"] @ p["Wx"] + p["b"]                        # (B, E) @ (E, G*H) -> (B, G*H)
    s["hh"] = s["h_prev"] @ p["Wh"]                                # (B, H) @ (H, G*H) -> (B, G*H)
    if cell == "gru":
        s["a_r"] = s["xw"][:, :H] + s["hh"][:, :H]
        s["a_z"] = s["xw"][:, H:2 * H] + s["hh"][:, H:2 * H]
        s["a_n"] = s["xw"][:, 2 * H:] + s["r"] * s["hn"]
    else:
        s["a"] = s["xw"] + s["hh"]


def shown_backward(cell, s):
    """Add the gradients inside a step, from its forward values and dL/dh_t (and dc): LSTM "dc_total",
    "do", "di", "df", "dg"; GRU "dn", "dz", "dr"; and "da_shown" (GRU: also "dhh_shown"), dL/da_t
    rebuilt from them (the tests check it against the step's own)."""
    xp, dh = array_module(s["dh"]), s["dh"]
    if cell == "lstm":
        tanh_c = xp.tanh(s["c"])
        s["dc_total"] = dc = s["dc"] + dh * s["o"] * (1 - tanh_c ** 2)
        s["do"], s["di"], s["df"], s["dg"] = dh * tanh_c, dc * s["g"], dc * s["c_prev"], dc * s["i"]
        i, f, g, o = s["i"], s["f"], s["g"], s["o"]
        s["da_shown"] = xp.concatenate([s["di"] * i * (1 - i), s["df"] * f * (1 - f), s["dg"] * (1 - g ** 2),
                                        s["do"] * o * (1 - o)], axis=1)
    elif cell == "gru":
        r, z, n = s["r"], s["z"], s["n"]
        s["dn"], s["dz"] = dh * (1 - z), dh * (s["h_prev"] - n)
        da_n = s["dn"] * (1 - n ** 2)
        s["dr"] = da_n * s["hn"]
        da_r, da_z = s["dr"] * r * (1 - r), s["dz"] * z * (1 - z)
        s["da_shown"] = xp.concatenate([da_r, da_z, da_n], axis=1)
        s["dhh_shown"] = xp.concatenate([da_r, da_z, da_n * r], axis=1)
    else:
        s["da_shown"] = dh * (1 - s["h"] ** 2)
