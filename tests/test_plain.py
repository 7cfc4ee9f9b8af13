"""The plain cells (minirnn/plain/) compute what the engine computes, and what torch.nn computes.

Each plain cell runs a whole sequence in float64 from random initial states, and its outputs, final
states, dL/dx, dL/dh_0 (and dL/dc_0) and every weight gradient are compared with the engine's
*_forward/*_backward (minirnn/rnn.py, lstm.py, gru.py) and with torch.nn.RNN/LSTM/GRU, every
parameter random. The loss is sum(hs * dhs) for a random dhs, so dL/dh_T enters through dhs[:, -1].
"""
import numpy as np
import pytest

from minirnn import gru as engine_gru, lstm as engine_lstm, rnn as engine_rnn
from minirnn.plain import gru as plain_gru, lstm as plain_lstm, rnn as plain_rnn

pytestmark = pytest.mark.numpy_only("the plain cells are NumPy only, by design")

G = {"rnn": 1, "lstm": 4, "gru": 3}


def rel_err(a, ref):
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert a.shape == ref.shape, f"shape {a.shape} != {ref.shape}"
    return float(np.max(np.abs(a - ref)) / max(np.max(np.abs(ref)), 1e-30))


def make(cell, B=3, T=6, E=4, H=5, seed=0):
    """Random float64 weights, input, initial states and upstream gradient dhs."""
    rng = np.random.default_rng(seed)
    p = dict(Wx=0.5 * rng.standard_normal((E, G[cell] * H)), Wh=0.5 * rng.standard_normal((H, G[cell] * H)),
             b=0.5 * rng.standard_normal(G[cell] * H))
    if cell == "gru":
        p["bhn"] = 0.5 * rng.standard_normal(H)
    states = [rng.standard_normal((B, H)) for _ in range(2 if cell == "lstm" else 1)]
    return rng.standard_normal((B, T, E)), states, p, rng.standard_normal((B, T, H))


def run_plain(cell, x, states, p, dhs):
    """-> {name: array}: the plain cell's forward and BPTT."""
    mod = {"rnn": plain_rnn, "lstm": plain_lstm, "gru": plain_gru}[cell]
    fwd, bwd = getattr(mod, f"{cell}_forward"), getattr(mod, f"{cell}_backward")
    res = fwd(x, *states, *p.values())
    hs, caches = res[0], res[-1]
    out = {"out": hs, "h_T": hs[:, -1]}
    if cell == "lstm":
        out["c_T"] = res[1][:, -1]
    grads = bwd(dhs, caches)
    names = ["dx", "dh0"] + (["dc0"] if cell == "lstm" else []) + [f"d{k}" for k in p]
    out.update(zip(names, grads))
    return out


def run_engine(cell, x, states, p, dhs):
    """-> {name: array}: the engine's sequence functions on the same numbers."""
    fwd, bwd = {"rnn": (engine_rnn.rnn_forward, engine_rnn.rnn_backward),
                "lstm": (engine_lstm.lstm_forward, engine_lstm.lstm_backward),
                "gru": (engine_gru.gru_forward, engine_gru.gru_backward)}[cell]
    res = fwd(x, *states, *p.values())
    out = {"out": res[0], "h_T": res[1]}
    if cell == "lstm":
        out["c_T"] = res[2]
    grads = bwd(dhs, *[None] * len(states), res[-1])          # dL/dh_T is already in dhs[:, -1]
    out.update(dx=grads[0], dh0=grads[1])
    if cell == "lstm":
        out["dc0"] = grads[2]
    out.update({f"d{k}": v for k, v in grads[-1].items()})
    return out


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("B, T, E, H", [(3, 6, 4, 5), (1, 1, 2, 1), (2, 9, 3, 2)])
def test_plain_equals_the_engine(cell, B, T, E, H):
    x, states, p, dhs = make(cell, B, T, E, H, seed=B + T)
    plain, engine = run_plain(cell, x, states, p, dhs), run_engine(cell, x, states, p, dhs)
    assert set(plain) == set(engine)
    errors = {k: rel_err(plain[k], engine[k]) for k in engine}
    assert max(errors.values()) < 1e-12, errors


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_plain_equals_torch(cell):
    torch = pytest.importorskip("torch")
    B, T, E, H = 3, 5, 4, 3
    x, states, _, dhs = make(cell, B, T, E, H, seed=7)
    torch.manual_seed(0)
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](E, H, batch_first=True).double()
    with torch.no_grad():
        for w in ref.parameters():                        # every parameter random, biases included
            w.uniform_(-0.6, 0.6)
    w_ih, w_hh, b_ih, b_hh = (getattr(ref, n).detach().numpy() for n in
                              ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    p = dict(Wx=w_ih.T, Wh=w_hh.T, b=b_ih + b_hh)       # W_x = weight_ih^T, W_h = weight_hh^T, b = b_ih + b_hh
    if cell == "gru":                                     # ... except the GRU's b_hn, which r multiplies
        p["b"] = b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H)])
        p["bhn"] = b_hh[2 * H:]
    plain = run_plain(cell, x, states, p, dhs)

    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s[None], requires_grad=True) for s in states]
    out, hn = ref(xt, tuple(st) if cell == "lstm" else st[0])
    (out * torch.tensor(dhs)).sum().backward()
    hn = hn if cell == "lstm" else (hn,)
    g_ih, g_hh = ref.weight_ih_l0.grad.numpy(), ref.weight_hh_l0.grad.numpy()
    g_bih, g_bhh = ref.bias_ih_l0.grad.numpy(), ref.bias_hh_l0.grad.numpy()
    theirs = {"out": out.detach().numpy(), "h_T": hn[0][0].detach().numpy(),
              "dx": xt.grad.numpy(), "dh0": st[0].grad[0].numpy(), "dWx": g_ih.T, "dWh": g_hh.T, "db": g_bih}
    if cell == "lstm":
        theirs.update(c_T=hn[1][0].detach().numpy(), dc0=st[1].grad[0].numpy())
    if cell == "gru":
        theirs["dbhn"] = g_bhh[2 * H:]
        assert rel_err(plain["db"][:2 * H], g_bhh[:2 * H]) < 1e-12   # b_r, b_z: both biases get the same gradient
    else:
        assert rel_err(plain["db"], g_bhh) < 1e-12
    errors = {k: rel_err(plain[k], theirs[k]) for k in theirs}
    assert max(errors.values()) < 1e-12, errors


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_plain_gradients_match_finite_differences(cell):
    """The check that needs no other implementation: central differences of sum(hs * dhs)."""
    x, states, p, dhs = make(cell, B=2, T=4, E=3, H=3, seed=3)
    plain = run_plain(cell, x, states, p, dhs)
    inputs = {"dx": x, "dh0": states[0], **({"dc0": states[1]} if cell == "lstm" else {}),
              **{f"d{k}": v for k, v in p.items()}}
    eps = 1e-6
    for name, arr in inputs.items():
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = float((run_plain(cell, x, states, p, dhs)["out"] * dhs).sum())
            arr[idx] = old - eps
            down = float((run_plain(cell, x, states, p, dhs)["out"] * dhs).sum())
            arr[idx] = old
            num[idx] = (up - down) / (2 * eps)
        assert rel_err(plain[name], num) < 1e-6, name
