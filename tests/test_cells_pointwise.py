"""The element-wise part of each cell step (rnn/lstm/gru_cell_forward/backward) against the
contract's formulas, written out again here independently (sigmoid through exp, not tanh).

Each function is checked in float32 and float64: same dtype out, C-contiguous outputs,
inputs left untouched, values equal to the formulas evaluated in float64.
"""
import numpy as np
import pytest

from minirnn.gru import gru_cell_backward, gru_cell_forward
from minirnn.lstm import lstm_cell_backward, lstm_cell_forward
from minirnn.rnn import rnn_cell_backward, rnn_cell_forward

B, H = 5, 7
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def arrays(rng, dtype, *shapes, scale=2.0):
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def check(got, want, dtype):
    """got: what minirnn returned; want: the float64 formula."""
    assert got.dtype == dtype
    assert got.shape == want.shape
    assert got.flags.c_contiguous
    np.testing.assert_allclose(got.astype(np.float64), want, **TOL[dtype])


def call_untouched(fn, *args):
    """Call fn and assert it did not write into any of its inputs (the gates tuple's blocks included)."""
    flat = [b for a in args for b in (a if isinstance(a, tuple) else (a,))]
    before = [a.copy() for a in flat]
    out = fn(*args)
    for a, b in zip(flat, before):
        np.testing.assert_array_equal(a, b)
    return out


def side_by_side(gates):
    """The gates tuple of (B, H) blocks -> (B, G*H), after checking each block."""
    assert isinstance(gates, tuple) and all(g.flags.c_contiguous and g.ndim == 2 for g in gates)
    return np.concatenate(gates, axis=1)


def f64(*arrays_):
    return [a.astype(np.float64) for a in arrays_]


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


def test_rnn_cell(dtype):
    rng = np.random.default_rng(0)
    xw, hh, dh = arrays(rng, dtype, (B, H), (B, H), (B, H))
    h = call_untouched(rnn_cell_forward, xw, hh)
    X, Hh, dH = f64(xw, hh, dh)
    check(h, np.tanh(X + Hh), dtype)
    da = call_untouched(rnn_cell_backward, dh, h)
    check(da, dH * (1 - h.astype(np.float64) ** 2), dtype)


def test_lstm_cell(dtype):
    rng = np.random.default_rng(1)
    xw, hh, c_prev = arrays(rng, dtype, (B, 4 * H), (B, 4 * H), (B, H))
    h, c, gates, tanh_c = call_untouched(lstm_cell_forward, xw, hh, c_prev)
    a = sum(f64(xw, hh))
    ai, af, ag, ao = np.split(a, 4, axis=1)                      # PyTorch's order i, f, g, o
    i, f, g, o = sig(ai), sig(af), np.tanh(ag), sig(ao)
    C = f * c_prev.astype(np.float64) + i * g
    check(side_by_side(gates), np.concatenate([i, f, g, o], axis=1), dtype)
    check(c, C, dtype)
    check(tanh_c, np.tanh(C), dtype)
    check(h, o * np.tanh(C), dtype)

    dh, dc = arrays(rng, dtype, (B, H), (B, H))
    da, dc_prev = call_untouched(lstm_cell_backward, dh, dc, c_prev, gates, tanh_c)
    # the contract's backward formulas, from the stored (rounded) forward values
    i, f, g, o = f64(*gates)
    tc, cp, dH, dC = f64(tanh_c, c_prev, dh, dc)
    dc_total = dC + dH * o * (1 - tc ** 2)
    do, di, df, dg = dH * tc, dc_total * g, dc_total * cp, dc_total * i
    check(da, np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1), dtype)
    check(dc_prev, dc_total * f, dtype)


def test_gru_cell(dtype):
    rng = np.random.default_rng(2)
    xw, hh, bhn, h_prev = arrays(rng, dtype, (B, 3 * H), (B, 3 * H), (H,), (B, H))
    h, gates, hn = call_untouched(gru_cell_forward, xw, hh, bhn, h_prev)
    X, Hh, bn, hp = f64(xw, hh, bhn, h_prev)
    xr, xz, xn = np.split(X, 3, axis=1)                          # PyTorch's order r, z, n
    hr, hz, hnn = np.split(Hh, 3, axis=1)
    r, z = sig(xr + hr), sig(xz + hz)
    HN = hnn + bn
    n = np.tanh(xn + r * HN)
    check(side_by_side(gates), np.concatenate([r, z, n], axis=1), dtype)
    check(hn, HN, dtype)
    check(h, (1 - z) * n + z * hp, dtype)

    (dh,) = arrays(rng, dtype, (B, H))
    dxw, dhh, dh_prev_direct = call_untouched(gru_cell_backward, dh, h_prev, gates, hn)
    r, z, n = f64(*gates)
    dH, HN = f64(dh, hn)
    dn, dz = dH * (1 - z), dH * (hp - n)
    dan = dn * (1 - n ** 2)
    dr = dan * HN
    check(dxw, np.concatenate([dr * r * (1 - r), dz * z * (1 - z), dan], axis=1), dtype)
    check(dhh, np.concatenate([dr * r * (1 - r), dz * z * (1 - z), dan * r], axis=1), dtype)
    check(dh_prev_direct, dH * z, dtype)


def test_lstm_saturated_gates_stay_finite_and_exact():
    """Large pre-activations: sigmoid saturates to 0/1 and tanh to -1/1, with no overflow warnings."""
    a = np.array([[-800.0, 800.0, -800.0, 800.0], [30.0, -30.0, 30.0, -30.0]], dtype=np.float32)  # H = 1
    with np.errstate(all="raise"):
        h, c, gates, tanh_c = lstm_cell_forward(a, np.zeros_like(a), np.ones((2, 1), np.float32))
    np.testing.assert_allclose(side_by_side(gates), [[0, 1, -1, 1], [1, 0, 1, 0]], atol=1e-6)
    assert np.isfinite(h).all() and np.isfinite(c).all()


def test_lstm_g_block_is_tanh_to_the_last_bit(dtype):
    """g = tanh(a_g) computed directly, not through 2 sigmoid(2a) - 1 (which loses bits near 0)."""
    rng = np.random.default_rng(3)
    a = (1e-4 * rng.standard_normal((B, 4 * H))).astype(dtype)
    _, _, gates, _ = lstm_cell_forward(a, np.zeros_like(a), np.zeros((B, H), dtype))
    np.testing.assert_array_equal(gates[2], np.tanh(a[:, 2 * H:3 * H]))
