"""gradcheck itself: it passes right gradients, catches wrong ones, and refuses float32."""
import numpy as np
import pytest

from minirnn.backend import to_device, to_numpy
from minirnn.gradcheck import gradcheck
from minirnn.base import Layer
from minirnn.layers import Linear
from minirnn.losses import mse


class BrokenLinear(Linear):
    """A Linear whose dW is 1% off: the kind of bug gradcheck must flag."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"][...] *= 1.01          # 1% off
        return dx


class TwoStates(Layer):
    """A toy layer returning (out, (h, c)) like an LSTM: out = x W, h = sum_t out, c = tanh(h)."""

    def __init__(self):
        super().__init__()
        self.add_param("W", np.random.default_rng(0).standard_normal((3, 2)), dtype=np.float64)

    def forward(self, x):
        self.x = x
        out = x @ self.params["W"]                  # (B, T, 3) @ (3, 2) -> (B, T, 2)
        h = out.sum(axis=1)                          # (B, 2)
        self.c = np.tanh(h)                          # np.tanh of a CuPy array runs on CuPy
        return out, (h, self.c)

    def backward(self, d_out, d_state):
        dh, dc = d_state
        dh = dh + dc * (1 - self.c ** 2)             # through tanh into h
        d_out = d_out + dh[:, None, :]               # through the sum over time
        self.grads["W"][...] = np.einsum("bti,btj->ij", self.x, d_out)
        return d_out @ self.params["W"].T, None      # (dx, dh0)


def test_correct_layer_passes_and_prints_table(capsys):
    layer = Linear(3, 4, rng=0).astype(np.float64)
    errors = gradcheck(layer, to_device(np.random.default_rng(1).standard_normal((2, 3))))
    assert set(errors) == {"W", "b", "x"} and max(errors.values()) < 1e-8
    out = capsys.readouterr().out
    assert "rel.error" in out and "(3, 4)" in out and out.count("ok") == 3 and "FAIL" not in out


def test_catches_wrong_gradient(capsys):
    layer = BrokenLinear(3, 4, rng=0).astype(np.float64)
    errors = gradcheck(layer, to_device(np.random.default_rng(1).standard_normal((2, 3))))
    assert errors["W"] > 1e-3                  # 1% off -> rel. error ~ 0.005
    assert errors["b"] < 1e-8 and errors["x"] < 1e-8
    assert "FAIL" in capsys.readouterr().out


def test_catches_wrong_loss_gradient():
    def bad_mse(pred, target):
        loss, dpred = mse(pred, target)
        return loss, dpred / 2                 # forgot the factor 2
    rng = np.random.default_rng(0)
    p, t = to_device(rng.standard_normal(5)), to_device(rng.standard_normal(5))
    assert gradcheck(bad_mse, p, t, verbose=False)["x"] > 0.1
    assert gradcheck(mse, p, t, verbose=False)["x"] < 1e-8


def test_tuple_outputs_and_state():
    x = to_device(np.random.default_rng(2).standard_normal((2, 4, 3)))
    errors = gradcheck(TwoStates(), x, verbose=False)
    assert errors["W"] < 1e-8 and errors["x"] < 1e-8


def test_restores_arrays_and_num_checks():
    layer = Linear(6, 5, rng=0).astype(np.float64)
    x = to_device(np.random.default_rng(1).standard_normal((3, 6)))
    W0, x0 = to_numpy(layer.params["W"]).copy(), to_numpy(x).copy()
    errors = gradcheck(layer, x, num_checks=4, verbose=False)
    assert max(errors.values()) < 1e-8
    np.testing.assert_array_equal(to_numpy(layer.params["W"]), W0)
    np.testing.assert_array_equal(to_numpy(x), x0)
    broken = BrokenLinear(6, 5, rng=0).astype(np.float64)
    assert gradcheck(broken, x, num_checks=4, verbose=False)["W"] > 1e-3


def test_refuses_float32():
    with pytest.raises(TypeError, match=r"parameter 'W' has dtype float32.*astype\(np.float64\)"):
        gradcheck(Linear(3, 4), to_device(np.zeros((2, 3), np.float32)))
    with pytest.raises(TypeError, match=r"first input has dtype float32.*astype\(np.float64\)"):
        gradcheck(Linear(3, 4).astype(np.float64), to_device(np.zeros((2, 3), np.float32)))
    with pytest.raises(TypeError, match="float64"):
        gradcheck(mse, to_device(np.zeros(3, np.float32)), to_device(np.zeros(3, np.float32)))
