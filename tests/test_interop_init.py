"""Weights travel both ways between torch and minirnn; initialisation follows PyTorch, with options."""
import numpy as np
import pytest

import minirnn
from minirnn import interop
from minirnn.backend import to_device, to_numpy

torch = pytest.importorskip("torch")
PAIRS = [(minirnn.RNN, torch.nn.RNN), (minirnn.LSTM, torch.nn.LSTM), (minirnn.GRU, torch.nn.GRU)]


@pytest.mark.parametrize("ours_cls, torch_cls", PAIRS, ids=["rnn", "lstm", "gru"])
def test_copy_to_torch_gives_the_same_function(ours_cls, torch_cls):
    layer = ours_cls(3, 5, num_layers=2, bidirectional=True, rng=0).astype(np.float64)
    ref = interop.copy_to_torch(layer, torch_cls(3, 5, num_layers=2, bidirectional=True, batch_first=True).double())
    x = np.random.default_rng(0).standard_normal((4, 6, 3))
    out, _ = layer.forward(to_device(x))
    out_t, _ = ref(torch.from_numpy(x))
    np.testing.assert_allclose(to_numpy(out), out_t.detach().numpy(), atol=1e-12)
    back = interop.copy_from_torch(ours_cls(3, 5, num_layers=2, bidirectional=True), ref)    # and back again
    for k in layer.params:
        np.testing.assert_allclose(to_numpy(back.params[k]), to_numpy(layer.params[k]), atol=1e-15, err_msg=k)


def test_copy_from_torch_takes_its_dtype():
    layer = interop.copy_from_torch(minirnn.GRU(3, 4), torch.nn.GRU(3, 4, batch_first=True).double())
    assert layer.dtype == np.float64
    layer = interop.copy_from_torch(minirnn.GRU(3, 4).astype(np.float64), torch.nn.GRU(3, 4, batch_first=True))
    assert layer.dtype == np.float32


def test_mismatched_modules_are_refused():
    with pytest.raises(ValueError, match=r"differ: minirnn \(3, 4, 1, False\), torch \(3, 5, 1, False\)"):
        interop.copy_from_torch(minirnn.LSTM(3, 4), torch.nn.LSTM(3, 5))
    with pytest.raises(TypeError, match="cannot pair LSTM with torch.nn.GRU"):
        interop.copy_from_torch(minirnn.LSTM(3, 4), torch.nn.GRU(3, 4))
    with pytest.raises(ValueError, match="nonlinearity differs"):
        interop.copy_to_torch(minirnn.RNN(3, 4), torch.nn.RNN(3, 4, nonlinearity="relu"))


def test_default_init_is_pytorchs_uniform():
    H = 64
    layer = minirnn.LSTM(32, H, rng=0)
    k = 1 / np.sqrt(H)
    for name in ("Wx_l0", "Wh_l0"):
        w = to_numpy(layer.params[name])
        assert w.dtype == np.float32 and np.abs(w).max() <= k
        assert abs(w.std() - k / np.sqrt(3)) < 0.05 * k          # std of U(-k, k)
    b = to_numpy(layer.params["b_l0"])                           # b_ih + b_hh: within 2k, std k*sqrt(2/3)
    assert np.abs(b).max() <= 2 * k and abs(b.std() - k * np.sqrt(2 / 3)) < 0.1 * k


def test_orthogonal_recurrent_weights_and_forget_bias():
    H = 8
    layer = minirnn.LSTM(3, H, orthogonal=True, forget_bias=1.0, rng=0).astype(np.float64)
    Wh = to_numpy(layer.params["Wh_l0"])
    for g in range(4):
        block = Wh[:, g * H:(g + 1) * H]
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-6)   # stored in float32
    b = to_numpy(layer.params["b_l0"])
    np.testing.assert_array_equal(b[H:2 * H], 1.0)
    assert not np.allclose(b[:H], 1.0)


def test_seeded_layers_are_reproducible():
    a, b = minirnn.GRU(3, 4, rng=7), minirnn.GRU(3, 4, rng=7)
    for k in a.params:
        np.testing.assert_array_equal(to_numpy(a.params[k]), to_numpy(b.params[k]))
