"""`minirnn gradcheck`: every gradient of small random float64 layers against finite differences
(and, with --torch, every output and gradient against torch.nn through minirnn.interop).

    run(["rnn", "lstm", "gru"], layers=1, bidirectional=False, mask=False, torch=False) -> number failed

The loss is L = sum(R * out) + sum(R_h * h_n) (+ sum(R_c * c_n) for the LSTM) for fixed random R, so
dL/dout = R goes into backward(). Checked: dL/dx, dL/dh0 (and dL/dc0), every parameter, each against
central differences over every entry. Error = max |analytic - numeric| / max |numeric|.
The layer and its inputs live on the active backend (NumPy or CuPy); torch gets host copies.
"""
import numpy as np

from ..backend import array_module, to_device, to_numpy
from ..recurrent import CELLS

B, T, E, H = 3, 4, 3, 4              # small: --cell all --layers 2 --bidirectional stays a few seconds
TOLERANCE, TORCH_TOLERANCE, EPS = 1e-6, 1e-9, 1e-6


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


def numeric(layer, x, m, states, R):
    """{name: gradient} by central differences over every entry of x, h0 (c0) and each parameter."""
    arrays = {"x": x, "h0": states[0]}
    if layer.num_states == 2:
        arrays["c0"] = states[1]
    arrays.update(layer.params)
    grads = {}
    for name, a in arrays.items():
        g = array_module(a).zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + EPS
            plus = _loss(layer, x, m, states, R)
            a[idx] = old - EPS
            minus = _loss(layer, x, m, states, R)
            a[idx] = old                                      # restore exactly
            g[idx] = (plus - minus) / (2 * EPS)
        grads[name] = g
    return grads


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


def run(cells, layers=1, bidirectional=False, mask=False, torch=False, seed=0, out=print):
    """Print one line per quantity and a summary; return the number of failures."""
    if torch:
        try:
            import torch as _  # noqa: F401
        except ImportError:
            raise RuntimeError("--torch needs PyTorch, which is not installed here: pip install torch "
                               "(or leave out --torch)") from None
    out(f"gradient check: float64, B={B} T={T} E={E} H={H}, layers={layers}, "
        f"bidirectional={'yes' if bidirectional else 'no'}, mask={'yes (full, end-padded, start-padded)' if mask else 'no'}, "
        f"every parameter random")
    out(f"error = max |analytic - numeric| / max |numeric| over all entries, tolerance {TOLERANCE:.0e}"
        + (f"; against torch.nn: max |minirnn - torch| / max |torch|, tolerance {TORCH_TOLERANCE:.0e}" if torch else ""))
    out(f"{'cell':<6}{'quantity':<24}{'shape':<14}{'error':>10}")
    checked = failed = 0
    for cell in cells:
        layer, x, m, states, R = make_case(cell, layers, bidirectional, mask, seed)
        a = analytic(layer, x, m, states, R)
        n = numeric(layer, x, m, states, R)
        rows = [(name, tuple(a[name].shape), rel_error(a[name], n[name]), TOLERANCE) for name in n]
        if torch:
            lengths = [T, T - 2, 1] if mask else None
            rows += [(f"torch {k}", shape, err, TORCH_TOLERANCE)
                     for k, (shape, err) in torch_errors(layer, x, states, R, lengths).items()]
        for name, shape, err, tol in rows:
            ok = err < tol
            checked, failed = checked + 1, failed + (not ok)
            out(f"{cell:<6}{name:<24}{str(shape):<14}{err:>10.1e}  {'ok' if ok else 'FAIL'}")
    out(f"{checked} checked, {failed} failed")
    return failed
