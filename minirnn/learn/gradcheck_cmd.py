"""`minirnn gradcheck`: every gradient of small random float64 layers against finite differences
(and, with --torch, every output and gradient against torch.nn through minirnn.interop).

    run(["rnn", "lstm", "gru"], layers=1, bidirectional=False, mask=False, torch=False, plain=False)
    -> number failed

The loss is L = sum(R * out) + sum(R_h * h_n) (+ sum(R_c * c_n) for the LSTM) for fixed random R, so
dL/dout = R goes into backward(). Checked: dL/dx, dL/dh0 (and dL/dc0), every parameter, each against
central differences (L(w + eps) - L(w - eps)) / (2 eps) over every entry w, eps = EPS.
Error = max |analytic - numeric| / max |numeric|.
The layer and its inputs live on the active backend (NumPy or CuPy); torch gets host copies.

plain=True checks the textbook cells of minirnn/plain/ instead (NumPy, one layer, one direction, no
mask): L = sum(R * hs), so *_backward(dhs=R, caches) returns every gradient checked: dx, dh0 (dc0)
and each weight, against central differences of the plain cell's own *_forward; with torch=True
also against torch.nn given W_x = weight_ih^T, W_h = weight_hh^T, b = b_ih + b_hh (GRU: b = b_ih +
[b_hr, b_hz, 0] and b_hn = the n block of b_hh).
"""
import numpy as np

from ..backend import array_module, to_device, to_numpy
from ..plain import gru as plain_gru, lstm as plain_lstm, rnn as plain_rnn
from ..recurrent import CELLS

B, T, E, H = 3, 4, 3, 4              # small: --cell all --layers 2 --bidirectional stays a few seconds
TOLERANCE, TORCH_TOLERANCE, EPS = 1e-6, 1e-9, 1e-6
PLAIN = {"rnn": plain_rnn, "lstm": plain_lstm, "gru": plain_gru}


def rel_error(a, ref):
    """max |a - ref| / max |ref| (0 when both are zero), computed on the host."""
    a, ref = to_numpy(a), to_numpy(ref)
    diff = float(np.max(np.abs(a - ref)))
    return 0.0 if diff == 0 else diff / max(float(np.max(np.abs(ref))), 1e-12)


def make_case(cell, layers, bidirectional, mask, seed=0):
    """A float64 layer with every parameter random, and its inputs, all on the active backend.
    Returns (layer, x, mask, h0 list, R dict)."""
    rng = np.random.default_rng(seed)
    layer = CELLS[cell](E, H, num_layers=layers, bidirectional=bidirectional, rng=seed, dtype=np.float64)
    for p in layer.params.values():
        p[...] = to_device(0.5 * rng.standard_normal(p.shape))   # biases too: nothing left at its init
    D = 2 if bidirectional else 1
    x = to_device(rng.standard_normal((B, T, E)))
    m = None
    if mask:                                                  # full, padded at the end, padded at the start
        m = np.ones((B, T))
        m[1, T - 2:] = 0
        m[2, :1] = 0
        m = to_device(m)
    states = [to_device(rng.standard_normal((layers * D, B, H))) for _ in range(layer.num_states)]
    R = {"out": to_device(rng.standard_normal((B, T, D * H))),
         "states": [to_device(rng.standard_normal((layers * D, B, H))) for _ in range(layer.num_states)]}
    return layer, x, m, states, R


def _forward(layer, x, m, states):
    out, hn = layer.forward(x, mask=m, h0=states[0] if layer.num_states == 1 else tuple(states))
    return out, ([hn] if layer.num_states == 1 else list(hn))


def _loss(layer, x, m, states, R):
    out, hn = _forward(layer, x, m, states)
    return float((R["out"] * out).sum() + sum((r * h).sum() for r, h in zip(R["states"], hn)))


def analytic(layer, x, m, states, R):
    """{name: gradient} from minirnn's backward: x, h0 (c0), every parameter."""
    _forward(layer, x, m, states)
    d_hn = R["states"][0] if layer.num_states == 1 else tuple(R["states"])
    dx = layer.backward(R["out"], d_hn)
    d0 = [layer.d_h0] if layer.num_states == 1 else list(layer.d_h0)
    grads = {"x": dx, "h0": d0[0]}
    if layer.num_states == 2:
        grads["c0"] = d0[1]
    grads.update({name: g.copy() for name, g in layer.grads.items()})
    return grads


def central_differences(loss, arrays):
    """{name: gradient} of loss() by central differences over every entry of each array (changed in
    place and restored exactly)."""
    grads = {}
    for name, a in arrays.items():
        g = array_module(a).zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + EPS
            plus = loss()
            a[idx] = old - EPS
            minus = loss()
            a[idx] = old                                      # restore exactly
            g[idx] = (plus - minus) / (2 * EPS)
        grads[name] = g
    return grads


def numeric(layer, x, m, states, R):
    """{name: gradient} by central differences over every entry of x, h0 (c0) and each parameter."""
    arrays = {"x": x, "h0": states[0]}
    if layer.num_states == 2:
        arrays["c0"] = states[1]
    arrays.update(layer.params)
    return central_differences(lambda: _loss(layer, x, m, states, R), arrays)


def torch_errors(layer, x, states, R, lengths=None):
    """{name: error} of minirnn against torch.nn with the same weights: outputs, final states, every gradient.
    lengths: real steps per sequence (padding at the end, as pack_padded_sequence needs), or None."""
    import torch
    from .. import interop
    D = 2 if layer.bidirectional else 1
    cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[type(layer).__name__]
    ref = cls(E, H, num_layers=layer.num_layers, bidirectional=layer.bidirectional, batch_first=True).double()
    interop.copy_to_torch(layer, ref)
    m = None
    if lengths is not None:                                         # (B, T): 1 on each sequence's real steps
        m = to_device((np.arange(T)[None] < np.asarray(lengths)[:, None]).astype(np.float64))
    d_out = R["out"] if m is None else R["out"] * m[:, :, None]     # torch's padded outputs are constants
    xt = torch.tensor(to_numpy(x), requires_grad=True)
    st = [torch.tensor(to_numpy(s), requires_grad=True) for s in states]
    inp = xt if lengths is None else torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out_t, hn_t = ref(inp, st[0] if layer.num_states == 1 else tuple(st))
    if lengths is not None:
        out_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=True, total_length=T)[0]
    hn_t = [hn_t] if layer.num_states == 1 else list(hn_t)
    loss = (out_t * torch.tensor(to_numpy(d_out))).sum() + sum((h * torch.tensor(to_numpy(r))).sum()
                                                               for h, r in zip(hn_t, R["states"]))
    loss.backward()
    out, hn = _forward(layer, x, m, states)
    dx = layer.backward(d_out, R["states"][0] if layer.num_states == 1 else tuple(R["states"]))
    d0 = [layer.d_h0] if layer.num_states == 1 else list(layer.d_h0)
    names = ["h", "c"][:layer.num_states]
    errors = {"out": (out, out_t.detach().numpy()), "dx": (dx, xt.grad.numpy())}
    for n, ours, theirs in zip(names, hn, hn_t):
        errors[f"{n}_n"] = (ours, theirs.detach().numpy())
    for n, ours, theirs in zip(names, d0, st):
        errors[f"d{n}0"] = (ours, theirs.grad.numpy())
    ours = interop.torch_named(layer, grads=True)
    for name, p in ref.named_parameters():
        errors["d" + name] = (ours[name], p.grad.numpy())
    return {k: (tuple(a.shape), rel_error(a, b)) for k, (a, b) in errors.items()}


# ---------------------------------------------------------------- the plain cells (--plain)

def make_plain_case(cell, seed=0):
    """The engine case's numbers, as NumPy arrays for the plain cell: (p {"Wx", "Wh", "b" (, "bhn")},
    x (B, T, E), states [h0 (, c0)] each (B, H), R (B, T, H))."""
    layer, x, _, states, R = make_case(cell, 1, False, False, seed)
    p = {name[:-3]: to_numpy(v).copy() for name, v in layer.params.items()}      # "Wx_l0" -> "Wx"
    return p, to_numpy(x).copy(), [to_numpy(s[0]).copy() for s in states], to_numpy(R["out"])


def plain_forward(cell, p, x, states):
    """The plain cell's *_forward: its whole result (hs, (cs,) caches)."""
    return getattr(PLAIN[cell], f"{cell}_forward")(x, *states, *p.values())


def plain_analytic(cell, p, x, states, R):
    """{name: gradient} that the plain *_backward returns for L = sum(R * hs): x, h0 (c0), every weight."""
    caches = plain_forward(cell, p, x, states)[-1]
    grads = getattr(PLAIN[cell], f"{cell}_backward")(R, caches)
    return dict(zip(["x", "h0"] + (["c0"] if cell == "lstm" else []) + list(p), grads))


def plain_numeric(cell, p, x, states, R):
    arrays = {"x": x, "h0": states[0], **({"c0": states[1]} if cell == "lstm" else {}), **p}
    return central_differences(lambda: float((R * plain_forward(cell, p, x, states)[0]).sum()), arrays)


def plain_torch_errors(cell, p, x, states, R, seed=0):
    """{name: (shape, error)} of the plain cell against torch.nn on the same numbers and loss. The bias
    is split at random into b_ih + b_hh, so the check also covers how the two add up."""
    import torch
    H, G = states[0].shape[1], {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](E, H, batch_first=True).double()
    b_hh = 0.5 * np.random.default_rng(seed + 1).standard_normal(G * H)
    if cell == "gru":                                         # b = b_ih + [b_hr, b_hz, 0], b_hn = b_hh's n block
        b_hh[2 * H:] = p["bhn"]
        b_ih = p["b"] - np.concatenate([b_hh[:2 * H], np.zeros(H)])
    else:                                                     # b = b_ih + b_hh
        b_ih = p["b"] - b_hh
    with torch.no_grad():
        for name, value in (("weight_ih_l0", p["Wx"].T), ("weight_hh_l0", p["Wh"].T), ("bias_ih_l0", b_ih),
                            ("bias_hh_l0", b_hh)):
            getattr(ref, name).copy_(torch.tensor(value))
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s[None], requires_grad=True) for s in states]   # (B, H) -> (1, B, H)
    out_t, hn_t = ref(xt, tuple(st) if cell == "lstm" else st[0])
    (out_t * torch.tensor(R)).sum().backward()
    hn_t = list(hn_t) if cell == "lstm" else [hn_t]
    res, g = plain_forward(cell, p, x, states), plain_analytic(cell, p, x, states, R)
    errors = {"out": (res[0], out_t.detach().numpy()), "h_n": (res[0][:, -1], hn_t[0][0].detach().numpy())}
    if cell == "lstm":
        errors["c_n"] = (res[1][:, -1], hn_t[1][0].detach().numpy())
    errors.update(dx=(g["x"], xt.grad.numpy()), dh0=(g["h0"], st[0].grad[0].numpy()))
    if cell == "lstm":
        errors["dc0"] = (g["c0"], st[1].grad[0].numpy())
    db_hh = g["b"] if cell != "gru" else np.concatenate([g["b"][:2 * H], g["bhn"]])
    errors.update(dweight_ih_l0=(g["Wx"].T, ref.weight_ih_l0.grad.numpy()),
                  dweight_hh_l0=(g["Wh"].T, ref.weight_hh_l0.grad.numpy()),
                  dbias_ih_l0=(g["b"], ref.bias_ih_l0.grad.numpy()), dbias_hh_l0=(db_hh, ref.bias_hh_l0.grad.numpy()))
    return {k: (tuple(a.shape), rel_error(a, b)) for k, (a, b) in errors.items()}


def _row_names(cells, layers, bidirectional, torch):
    """Every quantity name the table can print, to size its first column."""
    from .. import interop
    names = ["quantity", "x", "h0", "c0"]
    for cell in cells:
        layer = CELLS[cell](E, H, num_layers=layers, bidirectional=bidirectional, dtype=np.float64)
        names += list(layer.params)
        if torch:
            names += ["torch " + n for n in ("out", "dx", "h_n", "c_n", "dh0", "dc0")]
            names += ["torch d" + n for n in interop.torch_named(layer)]
    return names


def run(cells, layers=1, bidirectional=False, mask=False, torch=False, plain=False, seed=0, out=print):
    """Print one line per quantity and a summary; return the number of failures."""
    if plain and (layers != 1 or bidirectional or mask):
        given = [f"--layers {layers}"] * (layers != 1) + ["--bidirectional"] * bidirectional + ["--mask"] * mask
        raise ValueError(f"--plain checks the textbook cells (one layer, one direction, no mask): "
                         f"leave out {', '.join(given)}")
    if torch:
        try:
            import torch as _  # noqa: F401
        except ImportError:
            raise RuntimeError("--torch needs PyTorch, which is not installed here: pip install torch "
                               "(or leave out --torch)") from None
    if plain:
        out(f"gradient check of the plain cells (minirnn/plain/): float64, B={B} T={T} E={E} H={H}, "
            f"every parameter random")
        out("loss: L = sum(R * hs) for a fixed random R (B, T, H); *_backward(dhs=R, caches) gives every gradient")
    else:
        out(f"gradient check: float64, B={B} T={T} E={E} H={H}, every parameter random")
        out(f"layers={layers}, bidirectional={'yes' if bidirectional else 'no'}, "
            f"mask={'yes (full, end-padded, start-padded)' if mask else 'no'}")
        out("loss: L = sum(R * out) + sum(R_h * h_n) (+ sum(R_c * c_n), LSTM) for fixed random R, R_h, R_c")
    out(f"numeric: (L(w + eps) - L(w - eps)) / (2 eps) for every entry w, eps = {EPS:.0e}")
    out(f"error = max |analytic - numeric| / max |numeric| over all entries, tolerance {TOLERANCE:.0e}")
    if torch:
        who = "plain" if plain else "minirnn"
        out(f"torch.nn, same weights and loss: max |{who} - torch| / max |torch|, tolerance {TORCH_TOLERANCE:.0e}")
        if plain:
            out("  W_x = weight_ih^T, W_h = weight_hh^T, b = b_ih + b_hh (b split at random into the two);")
            out("  GRU: b = b_ih + [b_hr, b_hz, 0] and b_hn = the n block of b_hh")
    width = max(len(n) for n in _row_names(cells, layers, bidirectional, torch)) + 2
    out(f"{'cell':<6}{'quantity':<{width}}{'shape':<14}{'error':>10}")
    checked = failed = 0
    for cell in cells:
        if plain:
            p, x, states, R = make_plain_case(cell, seed)
            a, n = plain_analytic(cell, p, x, states, R), plain_numeric(cell, p, x, states, R)
        else:
            layer, x, m, states, R = make_case(cell, layers, bidirectional, mask, seed)
            a, n = analytic(layer, x, m, states, R), numeric(layer, x, m, states, R)
        rows = [(name, tuple(a[name].shape), rel_error(a[name], n[name]), TOLERANCE) for name in n]
        if torch:
            lengths = [T, T - 2, 1] if mask else None
            errors = (plain_torch_errors(cell, p, x, states, R, seed) if plain
                      else torch_errors(layer, x, states, R, lengths))
            rows += [(f"torch {k}", shape, err, TORCH_TOLERANCE) for k, (shape, err) in errors.items()]
        for name, shape, err, tol in rows:
            ok = err < tol
            checked, failed = checked + 1, failed + (not ok)
            out(f"{cell:<6}{name:<{width}}{str(shape):<14}{err:>10.1e}  {'ok' if ok else 'FAIL'}")
    out(f"{checked} checked, {failed} failed")
    return failed
