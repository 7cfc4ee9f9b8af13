"""Finite differences in float64 for the recurrent layers: every parameter, dL/dx, with masks and states."""
import numpy as np
import pytest

import minirnn
from minirnn.backend import to_device

CELLS = {"rnn": minirnn.RNN, "lstm": minirnn.LSTM, "gru": minirnn.GRU}
MIXED = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1]])      # full, post-padded, pre-padded


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("B, T, E, H, L, bi, mask", [
    (3, 4, 3, 2, 1, False, None),
    (3, 4, 3, 2, 2, True, MIXED),
    (1, 1, 2, 1, 1, False, None),        # B=1, T=1, H=1
    (1, 1, 1, 1, 2, True, np.ones((1, 1))),
    (3, 4, 2, 3, 1, True, MIXED),
], ids=["plain", "stacked-bi-masked", "tiny", "tiny-bi", "bi-masked"])
def test_gradcheck(cell, B, T, E, H, L, bi, mask):
    layer = CELLS[cell](E, H, num_layers=L, bidirectional=bi, rng=0).astype(np.float64)
    x = to_device(np.random.default_rng(1).standard_normal((B, T, E)))
    errors = minirnn.gradcheck(layer, x, mask=None if mask is None else to_device(mask), verbose=False)
    assert set(errors) == set(layer.params) | {"x"}
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_relu_rnn_with_initial_state():
    layer = minirnn.RNN(2, 3, nonlinearity="relu", rng=0).astype(np.float64)
    rng = np.random.default_rng(2)
    x, h0 = to_device(rng.standard_normal((2, 5, 2))), to_device(rng.standard_normal((1, 2, 3)))
    errors = minirnn.gradcheck(layer, x, h0=h0, mask=to_device(MIXED[:2, :].repeat(2, axis=1)[:, :5]), verbose=False)
    assert max(errors.values()) < 1e-6, errors


def test_gradcheck_catches_a_broken_lstm(monkeypatch):
    """The check can fail: a forget gate that forgets its own gradient is caught."""
    from minirnn import lstm

    real = lstm.lstm_step_backward

    def broken(dh, dc, cache):
        da, dh_prev, dc_prev = real(dh, dc, cache)
        H = dh.shape[1]
        da[:, H:2 * H] *= 0.9
        return da, dh_prev, dc_prev

    monkeypatch.setattr(lstm, "lstm_step_backward", broken)
    layer = minirnn.LSTM(2, 3, rng=0).astype(np.float64)
    errors = minirnn.gradcheck(layer, to_device(np.random.default_rng(0).standard_normal((2, 3, 2))), verbose=False)
    assert errors["Wx_l0"] > 1e-3
