"""Property tests (hypothesis) of the recurrent layers over shapes, lengths and seeds, in float64."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minirnn
from minirnn.backend import to_device, to_numpy

CELLS = {"rnn": minirnn.RNN, "lstm": minirnn.LSTM, "gru": minirnn.GRU}
SETTINGS = settings(max_examples=15, deadline=None)


@st.composite
def problems(draw, bidirectional=None):
    """A random layer and input: cell, sizes, lengths in 1..T (at least one full row), seed."""
    cell = draw(st.sampled_from(sorted(CELLS)))
    B, T, E, H = draw(st.integers(1, 4)), draw(st.integers(1, 7)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    L = draw(st.integers(1, 2))
    bi = draw(st.booleans()) if bidirectional is None else bidirectional
    lengths = draw(st.lists(st.integers(1, T), min_size=B, max_size=B))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    layer = CELLS[cell](E, H, num_layers=L, bidirectional=bi, rng=seed).astype(np.float64)
    x = rng.standard_normal((B, T, E))
    mask = np.arange(T)[None, :] < np.asarray(lengths)[:, None]           # post-padding
    return layer, x, mask, rng


def run(layer, x, mask=None, d_out=None, seed=0):
    """Forward and backward with a fixed random d_out; everything back on the host as float64 arrays."""
    out, h_n = layer.forward(to_device(x), mask=None if mask is None else to_device(mask))
    if d_out is None:
        d_out = np.random.default_rng(seed).standard_normal(out.shape)
    dx = layer.backward(to_device(d_out))
    states = h_n if isinstance(h_n, tuple) else (h_n,)
    return (to_numpy(out), [to_numpy(s) for s in states], to_numpy(dx),
            {k: to_numpy(g).copy() for k, g in layer.grads.items()})


def assert_same(a, b, atol=1e-12):
    out_a, st_a, dx_a, g_a = a
    out_b, st_b, dx_b, g_b = b
    np.testing.assert_allclose(out_a, out_b, atol=atol, rtol=0)
    for s_a, s_b in zip(st_a, st_b):
        np.testing.assert_allclose(s_a, s_b, atol=atol, rtol=0)
    np.testing.assert_allclose(dx_a, dx_b, atol=atol, rtol=0)
    for k in g_a:
        np.testing.assert_allclose(g_a[k], g_b[k], atol=atol, rtol=0, err_msg=k)


@SETTINGS
@given(problems())
def test_all_ones_mask_equals_no_mask(p):
    layer, x, mask, _ = p
    assert_same(run(layer, x, None), run(layer, x, np.ones_like(mask)))


@SETTINGS
@given(problems())
def test_masked_tail_changes_nothing(p):
    layer, x, mask, rng = p
    clean = run(layer, x, mask)
    noisy_x = np.where(mask[:, :, None], x, 1e3 * rng.standard_normal(x.shape))   # garbage at padding
    noisy = run(layer, noisy_x, mask)
    assert_same(clean, noisy)
    assert np.all(clean[0][~mask] == 0), "outputs at padding must be zero"
    assert np.all(clean[2][~mask] == 0), "no gradient may reach padded inputs"


@SETTINGS
@given(problems(), st.floats(-3, 3), st.floats(-3, 3))
def test_gradients_are_linear_in_d_out(p, a, b):
    layer, x, mask, rng = p
    out_shape = layer.forward(to_device(x))[0].shape
    d1, d2 = rng.standard_normal(out_shape), rng.standard_normal(out_shape)
    r1, r2 = run(layer, x, mask, d1), run(layer, x, mask, d2)
    r12 = run(layer, x, mask, a * d1 + b * d2)
    np.testing.assert_allclose(r12[2], a * r1[2] + b * r2[2], atol=1e-10)
    for k in r12[3]:
        np.testing.assert_allclose(r12[3][k], a * r1[3][k] + b * r2[3][k], atol=1e-10, err_msg=k)


def reverse_real_part(x, lengths):
    """Reverse each row's first `length` steps and leave its padding where it is."""
    y = x.copy()
    for i, n in enumerate(lengths):
        y[i, :n] = x[i, :n][::-1]
    return y


@SETTINGS
@given(problems(bidirectional=True))
def test_bidirectional_is_forward_plus_reversed_run(p):
    """out = [forward layer on x, reverse of (forward layer on reversed x)], per row's real length."""
    layer, x, mask, _ = p
    if layer.num_layers != 1:
        layer = type(layer)(layer.input_size, layer.hidden_size, bidirectional=True, rng=1).astype(np.float64)
    H, lengths = layer.hidden_size, mask.sum(axis=1)
    fwd = type(layer)(layer.input_size, H, rng=2).astype(np.float64)
    bwd = type(layer)(layer.input_size, H, rng=3).astype(np.float64)
    for name in layer.params:
        target = bwd if name.endswith("_reverse") else fwd
        target.params[name.replace("_reverse", "")][...] = layer.params[name]
    out, h_n = layer.forward(to_device(x), mask=to_device(mask))
    out_f, h_f = fwd.forward(to_device(x), mask=to_device(mask))
    out_b, h_b = bwd.forward(to_device(reverse_real_part(x, lengths)), mask=to_device(mask))
    out, out_f, out_b = to_numpy(out), to_numpy(out_f), to_numpy(out_b)
    np.testing.assert_allclose(out[:, :, :H], out_f, atol=1e-12)
    np.testing.assert_allclose(out[:, :, H:], reverse_real_part(out_b, lengths), atol=1e-12)
    first = lambda s: to_numpy(s[0] if isinstance(s, tuple) else s)
    np.testing.assert_allclose(first(h_n)[1], first(h_b)[0], atol=1e-12)   # reverse state ends at step 0


@SETTINGS
@given(problems())
def test_pre_padding_equals_post_padding(p):
    """Padding at the start or at the end gives the same outputs (shifted) and the same final states."""
    layer, x, mask, _ = p
    lengths, T = mask.sum(axis=1), x.shape[1]
    shift = lambda a: np.stack([np.roll(a[i], T - n, axis=0) for i, n in enumerate(lengths)])
    post = run(layer, x, mask)
    d_out_pre = shift(np.random.default_rng(0).standard_normal(post[0].shape) * mask[:, :, None])
    pre = run(layer, shift(x), shift(mask), d_out=d_out_pre)
    post = run(layer, x, mask, d_out=np.random.default_rng(0).standard_normal(post[0].shape) * mask[:, :, None])
    np.testing.assert_allclose(pre[0], shift(post[0]), atol=1e-12)
    for s_pre, s_post in zip(pre[1], post[1]):
        np.testing.assert_allclose(s_pre, s_post, atol=1e-12)
    np.testing.assert_allclose(pre[2], shift(post[2]), atol=1e-12)
    for k in pre[3]:
        np.testing.assert_allclose(pre[3][k], post[3][k], atol=1e-12, err_msg=k)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_fully_masked_row_keeps_initial_state(cell):
    layer = CELLS[cell](2, 3, rng=0).astype(np.float64)
    x = np.random.default_rng(0).standard_normal((2, 4, 2))
    mask = np.array([[1, 1, 0, 0], [0, 0, 0, 0]])
    h0 = np.random.default_rng(1).standard_normal((1, 2, 3))
    out, h_n = layer.forward(to_device(x), to_device(mask), h0=(to_device(h0), to_device(h0)) if cell == "lstm" else to_device(h0))
    h_n = to_numpy(h_n[0] if cell == "lstm" else h_n)
    np.testing.assert_array_equal(h_n[0, 1], h0[0, 1])
    assert np.all(to_numpy(out)[1] == 0)
