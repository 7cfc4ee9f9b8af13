"""The hints of the cell exercises: for every quantity a learner computes, in the order the check
compares them (each after what it depends on), three tiers:

    1. the forward line to backpropagate through, as a question   (derive mode's docstrings; `minirnn check`)
    2. what the local derivative can be written in terms of, or what step t+1 sends back  (--hint)
    3. the formula itself                                          (guided mode's docstrings; --hint again)

QUANTITIES[cell][function] = [(name, meaning, tiers)], tiers a list of 3 strings, or for a quantity made
of gate blocks side by side ((B, 4H) da, ...) a dict {gate: 3 strings}. In `backward` (BPTT), dh_t and
dc_next are what the loop passes to the step backward at each t.

Which tier a learner has seen is kept per file (hint_level, forget) in $MINIRNN_CACHE/hints.json
(default ~/.cache/minirnn), and forgotten once that quantity is right.
"""
import json
import os
from pathlib import Path


def _sig(s, a):
    return [f"{s} = sigmoid({a}): what is sigmoid's derivative, written in terms of its output {s}?",
            f"sigmoid'(a) = s (1 - s) with s = sigmoid(a), here s = {s}; multiply element-wise by d{s}",
            f"d{a} = d{s} * {s} * (1 - {s})"]


def _tanh(s, a, upstream):
    return [f"{s} = tanh({a}): what is tanh's derivative, written in terms of its output {s}?",
            f"tanh'(a) = 1 - tanh(a)^2, and tanh({a}) is {s}; multiply element-wise by {upstream}",
            f"d{a} = {upstream} * (1 - {s}^2)"]


def _matmul(what, x, w, shapes, formula):
    return [f"backprop through the product {x} {w} in a_t, to {what}",
            f"for y = x W: dL/dx = dy W^T and dL/dW = x^T dy; let the shapes say the order: {shapes}", formula]


def _weights(cell, da, G):
    h = f"{G}H" if G > 1 else "H"
    return [
        ("dh_prev", "dL/dh_{t-1} (B, H)", _matmul(
            "h_{t-1}", "h_{t-1}", "W_h", f"(B, H) = (B, {h}) @ ({h}, H)",
            f"dh_prev = {da} W_h^T")),
        ("dWx", f"dL/dW_x (E, {h})", _matmul("W_x", "x_t", "W_x", f"(E, {h}) = (E, B) @ (B, {h})",
                                          f"dWx = x_t^T {'dxw' if cell == 'gru' else da}")),
        ("dWh", f"dL/dW_h (H, {h})", _matmul("W_h", "h_{t-1}", "W_h", f"(H, {h}) = (H, B) @ (B, {h}): the h that "
                                          "multiplies W_h in this step is h_{t-1}, not h_t",
                                          f"dWh = h_{{t-1}}^T {'dhh' if cell == 'gru' else da}")),
        ("db", f"dL/db ({h},)", ["backprop through + b: b is added to every row of the batch",
                                 "a gradient that reaches a broadcast array adds up along the broadcast axis",
                                 f"db = {'dxw' if cell == 'gru' else da} summed over the batch (axis 0)"]),
    ]


def _dx(cell, G):
    h = f"{G}H" if G > 1 else "H"
    da = "dxw" if cell == "gru" else "da"
    return ("dx_t", "dL/dx_t (B, E)", _matmul("x_t", "x_t", "W_x", f"(B, E) = (B, {h}) @ ({h}, E)",
                                            f"dx_t = {da} W_x^T"))


_GRU_DH_PREV = ("dh_prev", "dL/dh_{t-1} (B, H)", [
    "h_{t-1} reaches h_t two ways: straight, through z h_{t-1}, and through hh = h_{t-1} W_h",
    "add both: straight it is multiplied by z; through W_h it is dhh times W_h transposed, (B, 3H) @ (3H, H)",
    "dh_prev = dh_t * z + dhh W_h^T"])


def _loop(cell, step, params):
    carried = [("dh_t", f"(B, H), the dh_t passed to {step} at step t", [
        f"h_t feeds the loss at step t and step t+1, which sends back the dh_prev its {step} returned: "
        "how do the two combine?",
        "gradients from two uses of the same h_t add up; carry step t+1's dh_prev in dh_next (zeros after the "
        "last step)", "dh_t = dhs[:, t] + dh_next"])]
    if cell == "lstm":
        carried.append(("dc_next", f"(B, H), the dc_next passed to {step} at step t", [
            f"c_t feeds only step t+1 (no loss reads it), which sends back the dc_prev its {step} returned: "
            "what does step t get as dc_next?",
            "exactly that, carried from one iteration to the next (zeros after the last step)",
            f"pass the dc_prev of step t+1 as dc_next: ... = {step}(dh_t, dc_next, caches[t])"]))
    ends = [("dx", "dL/dx (B, T, E)", ["x_t is used by step t only",
                                       f"dx[:, t] is the dx_t that step t's {step} returns",
                                       f"dx[:, t] = the dx_t of {step}(dh_t, ..., caches[t])"]),
            ("dh0", "dL/dh_0 (B, H)", ["h_0 feeds step 0 only", "after the loop, dh_next holds what step 0 sent "
                                       "back", "dh0 = the dh_prev of step 0 (dh_next once the loop is done)"])]
    if cell == "lstm":
        ends.append(("dc0", "dL/dc_0 (B, H)", ["c_0 feeds step 0 only", "after the loop, dc_next holds what "
                                               "step 0 sent back", "dc0 = the dc_prev of step 0"]))
    for p in params:
        ends.append((f"d{p}", f"dL/d{p}", [f"every step uses the same {p}: what happens to the gradients of "
                                            "a weight used T times?",
                                            "they add up: start from zeros and add each step's share",
                                            f"d{p} = the sum over t of each step's d{p}_t (d{p} += d{p}_t)"]))
    return carried + ends


QUANTITIES = {
    "rnn": {
        "step_forward": [
            ("a_t", "(B, H)", ["a_t = x_t W_x + h_{t-1} W_h + b",
                               "(B, E) @ (E, H) + (B, H) @ (H, H) + (H,): b is added to every row",
                               "a_t = x_t @ Wx + h_prev @ Wh + b"]),
            ("h_t", "(B, H)", ["h_t = tanh(a_t)", "np.tanh works element-wise", "h_t = np.tanh(a_t)"]),
        ],
        "step_backward": [("da", "dL/da_t (B, H)", _tanh("h_t", "a_t", "dh_t")[:2] + ["da = dh_t * (1 - h_t^2)"]),
                          *_weights("rnn", "da", 1), _dx("rnn", 1)],
        "backward": _loop("rnn", "rnn_step_backward", ("Wx", "Wh", "b")),
    },
    "lstm": {
        "step_forward": [
            ("a", "(B, 4H)", ["a_t = x_t W_x + h_{t-1} W_h + b, four gate blocks side by side: i, f, g, o",
                              "(B, E) @ (E, 4H) + (B, H) @ (H, 4H) + (4H,)", "a = x_t @ Wx + h_prev @ Wh + b"]),
            ("i", "(B, H)", ["i_t = sigmoid(a_i)", "a_i is the first block of a: columns 0 to H-1",
                             "i = sigmoid(a[:, :H])"]),
            ("f", "(B, H)", ["f_t = sigmoid(a_f)", "a_f is the second block: columns H to 2H-1",
                             "f = sigmoid(a[:, H:2H])"]),
            ("g", "(B, H)", ["g_t = tanh(a_g)", "a_g is the third block (columns 2H to 3H-1), and g uses tanh",
                             "g = np.tanh(a[:, 2H:3H])"]),
            ("o", "(B, H)", ["o_t = sigmoid(a_o)", "a_o is the last block: columns 3H to 4H-1",
                             "o = sigmoid(a[:, 3H:])"]),
            ("c_t", "(B, H)", ["c_t = f_t c_{t-1} + i_t g_t", "the products are element-wise (*), not @",
                               "c_t = f * c_prev + i * g"]),
            ("h_t", "(B, H)", ["h_t = o_t tanh(c_t)", "tanh of the new cell state c_t, not of c_{t-1}",
                               "h_t = o * np.tanh(c_t)"]),
        ],
        "step_backward": [
            ("dc_t", "dL/dc_t (B, H), all that reaches c_t", [
                "c_t reaches the loss two ways: through h_t = o tanh(c_t), and through step t+1, which sends dc_next",
                "through h_t: dh_t times o times tanh'(c_t), with tanh' written in terms of tanh(c_t); "
                "then add dc_next", "dc_t = dc_next + dh_t * o * (1 - tanh(c_t)^2)"]),
            ("do", "dL/do_t (B, H)", ["backprop through h_t = o tanh(c_t), to o",
                                      "for h = o * s, element-wise, dL/do = dL/dh * s", "do = dh_t * tanh(c_t)"]),
            ("di", "dL/di_t (B, H)", ["backprop through c_t = f c_{t-1} + i g, to i: what multiplies i?",
                                      "use the total dc_t; i is multiplied by g", "di = dc_t * g"]),
            ("df", "dL/df_t (B, H)", ["backprop through c_t = f c_{t-1} + i g, to f: what multiplies f?",
                                      "f multiplies c_{t-1}, the cell state before this step, not c_t",
                                      "df = dc_t * c_{t-1}"]),
            ("dg", "dL/dg_t (B, H)", ["backprop through c_t = f c_{t-1} + i g, to g: what multiplies g?",
                                      "g is multiplied by i", "dg = dc_t * i"]),
            ("da", "dL/da_t (B, 4H), blocks i, f, g, o", {
                "i": _sig("i", "a_i"), "f": _sig("f", "a_f"), "g": _tanh("g", "a_g", "dg"),
                "o": _sig("o", "a_o")}),
            ("dc_prev", "dL/dc_{t-1} (B, H)", [
                "backprop through c_t = f c_{t-1} + i g, to c_{t-1}: what multiplies c_{t-1}?",
                "only f_t: c_{t-1} reaches the loss through c_t alone, so nothing else from this step",
                "dc_prev = dc_t * f"]),
            *_weights("lstm", "da", 4), _dx("lstm", 4),
        ],
        "backward": _loop("lstm", "lstm_step_backward", ("Wx", "Wh", "b")),
    },
    "gru": {
        "step_forward": [
            ("xw", "(B, 3H)", ["xw = x_t W_x + b: the x part of all three blocks, with b",
                               "(B, E) @ (E, 3H) + (3H,)", "xw = x_t @ Wx + b"]),
            ("hh", "(B, 3H)", ["hh = h_{t-1} W_h: the h part of all three blocks, no bias",
                               "(B, H) @ (H, 3H)", "hh = h_prev @ Wh"]),
            ("r", "(B, H)", ["r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)", "the r blocks are columns 0 to H-1 "
                             "of xw and of hh", "r = sigmoid(xw[:, :H] + hh[:, :H])"]),
            ("z", "(B, H)", ["z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)", "the z blocks are columns H to 2H-1",
                             "z = sigmoid(xw[:, H:2H] + hh[:, H:2H])"]),
            ("hn", "(B, H)", ["hn = h_{t-1} W_hn + b_hn: the part of n's input the reset gate scales",
                              "the n block of hh is columns 2H to 3H-1; b_hn is added here, inside r's reach",
                              "hn = hh[:, 2H:] + bhn"]),
            ("n", "(B, H)", ["n_t = tanh(x_t W_xn + b_xn + r_t hn)", "r_t multiplies all of hn, b_hn included",
                             "n = np.tanh(xw[:, 2H:] + r * hn)"]),
            ("h_t", "(B, H)", ["h_t = (1 - z_t) n_t + z_t h_{t-1}", "z_t keeps the old state (PyTorch's GRU)",
                               "h_t = (1 - z) * n + z * h_prev"]),
        ],
        "step_backward": [
            ("dn", "dL/dn_t (B, H)", ["backprop through h_t = (1 - z) n + z h_{t-1}, to n: what multiplies n?",
                                      "n is multiplied by (1 - z)", "dn = dh_t * (1 - z)"]),
            ("dz", "dL/dz_t (B, H)", ["backprop through h_t = (1 - z) n + z h_{t-1}, to z: z appears twice",
                                      "the derivative of (1 - z) n + z h_{t-1} with respect to z is h_{t-1} - n",
                                      "dz = dh_t * (h_{t-1} - n)"]),
            ("da_n", "dL/da_n (B, H)", _tanh("n", "a_n", "dn")),
            ("dr", "dL/dr_t (B, H)", ["backprop through a_n = xw_n + r hn, to r: what multiplies r?",
                                      "r multiplies hn (b_hn included)", "dr = da_n * hn"]),
            ("dhn", "dL/dhn (B, H)", ["backprop through a_n = xw_n + r hn, to hn: what multiplies hn?",
                                      "hn is multiplied by r", "dhn = da_n * r"]),
            ("da_r", "dL/da_r (B, H)", _sig("r", "a_r")[:2] + ["da_r = dr * r * (1 - r)"]),
            ("da_z", "dL/da_z (B, H)", _sig("z", "a_z")[:2] + ["da_z = dz * z * (1 - z)"]),
            ("dxw", "dL/dxw (B, 3H), blocks r, z, n", {
                "r": ["xw_r enters a_r = xw_r + hh_r as a plain sum: what reaches it?",
                      "a sum passes its gradient on unchanged", "the r block of dxw is da_r"],
                "z": ["xw_z enters a_z = xw_z + hh_z as a plain sum: what reaches it?",
                      "a sum passes its gradient on unchanged", "the z block of dxw is da_z"],
                "n": ["xw_n enters a_n = xw_n + r hn as a plain sum, outside r: what reaches it?",
                      "a sum passes its gradient on unchanged; r scales only hn", "the n block of dxw is da_n"]}),
            ("dhh", "dL/dhh (B, 3H), blocks r, z, n", {
                "r": ["hh_r enters a_r = xw_r + hh_r as a plain sum: what reaches it?",
                      "a sum passes its gradient on unchanged", "the r block of dhh is da_r"],
                "z": ["hh_z enters a_z = xw_z + hh_z as a plain sum: what reaches it?",
                      "a sum passes its gradient on unchanged", "the z block of dhh is da_z"],
                "n": ["hh_n reaches n only through hn = hh_n + b_hn, which r multiplies: what reaches hh_n?",
                      "what reached hn (already multiplied by r), not da_n", "the n block of dhh is dhn"]}),
            _GRU_DH_PREV, *_weights("gru", "dxw", 3)[1:],
            ("dbhn", "dL/db_hn (H,)", ["b_hn sits inside hn = h_{t-1} W_hn + b_hn",
                                       "it gets what reached hn, added up over the batch",
                                       "dbhn = dhn summed over the batch (axis 0)"]),
            _dx("gru", 3),
        ],
        "backward": _loop("gru", "gru_step_backward", ("Wx", "Wh", "b", "bhn")),
    },
}


def quantity(cell, function, name):
    """(meaning, tiers) of one quantity, or None."""
    return next(((m, t) for n, m, t in QUANTITIES[cell][function] if n == name), None)


# ---------------------------------------------------------------- which tier a learner has seen

def _state_path():
    root = os.environ.get("MINIRNN_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "minirnn"
    return Path(root).expanduser() / "hints.json"


def _read():
    try:
        return json.loads(_state_path().read_text())
    except (OSError, ValueError):
        return {}


def _write(state):
    try:
        p = _state_path()
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(state, indent=1, sort_keys=True))
    except OSError:
        pass                        # a read-only home: hints still work, one tier at a time is not kept


def hint_level(path, key, reveal, most):
    """How many tiers past the first to show for file `path`'s first wrong quantity `key`.

    The level seen is kept per file: reveal=True (--hint) raises it by one, up to `most`, and a
    different key (another quantity is now the first wrong one) starts again from 0 (1 with reveal).
    """
    state, path = _read(), os.path.abspath(path)
    seen = state.get(path, {})
    level = seen.get("level", 0) if seen.get("key") == key else 0
    if reveal:
        level = min(level + 1, most)
    if level:
        state[path] = {"key": key, "level": level}
    else:
        state.pop(path, None)
    _write(state)
    return level


def forget(path):
    """Everything in `path` is right: its hint tiers start again at the first next time."""
    state = _read()
    if state.pop(os.path.abspath(path), None) is not None:
        _write(state)
