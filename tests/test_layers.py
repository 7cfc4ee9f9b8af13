"""Embedding, Linear/Dense, Dropout and the activations: finite differences, torch parity, bad input."""
import numpy as np
import pytest
import torch

from minirnn.activations import ReLU, Sigmoid, Tanh
from minirnn.backend import to_device, to_numpy
from minirnn.gradcheck import gradcheck
from minirnn.layers import Dense, Dropout, Embedding, Linear

TOL = 1e-6


def randn(*shape, seed=0):
    """Random float64 numbers on the active backend (host arrays for comparisons: to_numpy)."""
    return to_device(np.random.default_rng(seed).standard_normal(shape))


def ids_of(rows, dtype=None):
    """Token ids (a nested list) on the active backend."""
    return to_device(np.array(rows, dtype=dtype))


# ------------------------------------------------------------ finite differences (float64)

@pytest.mark.parametrize("x_shape", [(1, 3), (4, 3), (2, 5, 3), (1, 1, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(x_shape, bias):
    layer = Linear(3, 4, bias=bias, rng=0).astype(np.float64)
    errors = gradcheck(layer, randn(*x_shape), verbose=False)
    assert set(errors) == ({"W", "b", "x"} if bias else {"W", "x"})
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid"])
def test_dense_gradcheck(activation):
    layer = Dense(3, 2, activation=activation, rng=1).astype(np.float64)
    errors = gradcheck(layer, randn(4, 3), verbose=False)
    assert max(errors.values()) < TOL, errors


def test_dense_applies_activation():
    layer = Dense(3, 2, activation="relu", rng=1).astype(np.float64)
    x = randn(5, 3)
    want = np.maximum(to_numpy(x) @ to_numpy(layer.params["W"]) + to_numpy(layer.params["b"]), 0)
    np.testing.assert_allclose(to_numpy(layer.forward(x)), want)
    with pytest.raises(ValueError, match="activation.*'softmax'"):
        Dense(3, 2, activation="softmax")


@pytest.mark.parametrize("cls", [Tanh, Sigmoid, ReLU])
@pytest.mark.parametrize("shape", [(1,), (3, 4), (2, 3, 4)])
def test_activation_gradcheck(cls, shape):
    x = randn(*shape) + 0.05          # keep clear of relu's kink at 0
    errors = gradcheck(cls(), x, verbose=False)
    assert errors["x"] < TOL


def test_embedding_gradcheck_with_repeated_ids():
    layer = Embedding(6, 3, padding_idx=None, rng=0).astype(np.float64)
    ids = ids_of([[1, 1, 2, 5], [5, 1, 0, 1]])            # id 1 appears four times
    errors = gradcheck(layer, ids, verbose=False)
    assert errors["W"] < TOL


def test_embedding_backward_accumulates_and_skips_padding():
    layer = Embedding(5, 2, padding_idx=0, rng=0).astype(np.float64)
    ids = ids_of([[3, 3, 0], [3, 1, 0]])
    d_out = randn(2, 3, 2)
    assert layer.forward(ids).shape == (2, 3, 2)
    assert layer.backward(d_out) is None
    dW, d_out = to_numpy(layer.grads["W"]), to_numpy(d_out)
    np.testing.assert_allclose(dW[3], d_out[0, 0] + d_out[0, 1] + d_out[1, 0])
    np.testing.assert_allclose(dW[1], d_out[1, 1])
    np.testing.assert_array_equal(dW[0], 0)               # padding row: no gradient
    np.testing.assert_array_equal(dW[[2, 4]], 0)          # unused rows
    np.testing.assert_array_equal(to_numpy(layer.params["W"])[0], 0)


def test_embedding_gradient_is_the_same_bit_for_bit_every_time():
    """Resumed == unbroken needs a reproducible dW: many repeated ids (padding, common words), twice."""
    layer = Embedding(50, 8, padding_idx=0, rng=0)
    rng = np.random.default_rng(0)
    ids = to_device(np.where(rng.random((16, 40)) < 0.3, 0, rng.zipf(1.5, (16, 40)) % 50))
    d_out = to_device(rng.standard_normal((16, 40, 8)).astype(np.float32))
    layer.forward(ids)
    layer.backward(d_out)
    first = to_numpy(layer.grads["W"]).copy()
    layer.backward(d_out)
    np.testing.assert_array_equal(to_numpy(layer.grads["W"]), first)
    want = np.zeros((50, 8))
    np.add.at(want, to_numpy(ids).reshape(-1), to_numpy(d_out).reshape(-1, 8).astype(np.float64))
    want[0] = 0
    np.testing.assert_allclose(first, want, rtol=1e-5, atol=1e-5)


def test_embedding_backward_with_no_tokens():
    layer = Embedding(5, 2, rng=0)
    layer.forward(to_device(np.zeros((0, 3), np.int64)))
    layer.backward(to_device(np.zeros((0, 3, 2), np.float32)))
    assert not to_numpy(layer.grads["W"]).any()


def test_backward_overwrites_grads():
    layer = Linear(3, 2, rng=0).astype(np.float64)
    x, dy = randn(4, 3), randn(4, 2, seed=1)
    layer.forward(x)
    layer.backward(dy)
    first = to_numpy(layer.grads["W"]).copy()
    layer.backward(dy)
    np.testing.assert_array_equal(to_numpy(layer.grads["W"]), first)   # not 2 * first


def test_dropout_gradcheck_with_fixed_mask():
    class FixedMaskDropout(Dropout):          # same mask on every forward, so finite differences apply
        def forward(self, x):
            self.rng = np.random.default_rng(0)
            return super().forward(x)

    errors = gradcheck(FixedMaskDropout(p=0.3), randn(3, 4, 5), verbose=False)
    assert errors["x"] < TOL


def test_dropout_train_eval_and_mask():
    x = to_device(np.ones((200, 50)))
    drop = Dropout(p=0.25, rng=0)
    y = to_numpy(drop.forward(x))
    assert set(np.unique(y)) == {0.0, 1 / 0.75}               # inverted dropout: survivors scaled by 1/(1-p)
    assert abs((y == 0).mean() - 0.25) < 0.02
    assert abs(y.mean() - 1.0) < 0.03                          # expectation preserved
    dy = randn(200, 50)
    np.testing.assert_allclose(to_numpy(drop.backward(dy)), to_numpy(dy) * (y != 0) / 0.75, rtol=1e-14)   # same mask
    drop.eval()
    assert drop.forward(x) is x and drop.backward(dy) is dy
    drop.train()
    assert Dropout(p=0.0).forward(x) is x
    assert Dropout(0.5, rng=0).forward(x.astype(np.float32)).dtype == np.float32
    masks = [to_numpy(Dropout(0.5, rng=seed).forward(x)) for seed in (3, 3, 4)]
    np.testing.assert_array_equal(masks[0], masks[1])                  # a seed fixes the mask ...
    assert (masks[0] != masks[2]).any()                                # ... and another seed changes it
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="p must be a probability in \\[0, 1\\)"):
            Dropout(p=p)


# ------------------------------------------------------------ parity with torch (float64)

def test_linear_matches_torch():
    layer = Linear(5, 3, rng=0).astype(np.float64)
    x, dy = randn(2, 4, 5), randn(2, 4, 3, seed=1)
    ref = torch.nn.Linear(5, 3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(to_numpy(layer.params["W"]).T))
        ref.bias.copy_(torch.from_numpy(to_numpy(layer.params["b"])))
    xt = torch.from_numpy(to_numpy(x)).requires_grad_()
    yt = ref(xt)
    yt.backward(torch.from_numpy(to_numpy(dy)))
    np.testing.assert_allclose(to_numpy(layer.forward(x)), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    dx = layer.backward(dy)
    np.testing.assert_allclose(to_numpy(dx), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(layer.grads["W"]), ref.weight.grad.numpy().T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(layer.grads["b"]), ref.bias.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_linear_init_like_torch():
    layer = Linear(16, 300, rng=0)
    bound = 1 / np.sqrt(16)
    for p in layer.params.values():
        p = to_numpy(p)
        assert p.dtype == np.float32
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    np.testing.assert_array_equal(to_numpy(Linear(4, 3, rng=7).params["W"]), to_numpy(Linear(4, 3, rng=7).params["W"]))


def test_embedding_matches_torch():
    layer = Embedding(7, 4, padding_idx=0, rng=0).astype(np.float64)
    ids = ids_of([[1, 2, 2, 0], [6, 2, 0, 0]])
    d_out = randn(2, 4, 4)
    ref = torch.nn.Embedding(7, 4, padding_idx=0).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(to_numpy(layer.params["W"])))
    out = ref(torch.from_numpy(to_numpy(ids)))
    out.backward(torch.from_numpy(to_numpy(d_out)))
    np.testing.assert_array_equal(to_numpy(layer.forward(ids)), out.detach().numpy())
    layer.backward(d_out)
    np.testing.assert_allclose(to_numpy(layer.grads["W"]), ref.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(to_numpy(layer.compute_mask(ids)), to_numpy(ids) != 0)
    assert to_numpy(Embedding(7, 4, padding_idx=None).compute_mask(ids)).all()


def test_embedding_small_int_dtypes_do_not_overflow():
    layer = Embedding(300, 200, padding_idx=None, rng=0)        # id * E = 59800 > 2**16
    ids = ids_of([[299, 1]], dtype=np.uint16)
    layer.forward(ids)
    layer.backward(to_device(np.ones((1, 2, 200), np.float32)))
    dW = to_numpy(layer.grads["W"])
    assert dW[299].sum() == 200 and dW.sum() == 400


# ------------------------------------------------------------ bad input

def test_embedding_rejects_out_of_range_ids():
    layer = Embedding(10, 4)
    with pytest.raises(IndexError, match=r"token id 10 at position \(1, 2\).*\[0, 10\)"):
        layer.forward(ids_of([[1, 2, 3], [4, 5, 10]]))
    with pytest.raises(IndexError, match=r"token id -1 at position \(0, 0\).*\[0, 10\)"):
        layer.forward(ids_of([[-1, 2, 3]]))


def test_embedding_rejects_float_ids():
    with pytest.raises(TypeError, match="integer.*float64"):
        Embedding(10, 4).forward(ids_of([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(10, 4, padding_idx=10)


def test_linear_rejects_wrong_last_dim():
    with pytest.raises(ValueError, match=r"in_features=3.*\(2, 5\)"):
        Linear(3, 4).forward(to_device(np.zeros((2, 5), np.float32)))


def test_linear_rejects_dtype_mismatch():
    with pytest.raises(TypeError, match="float64.*float32"):
        Linear(3, 4).forward(to_device(np.zeros((2, 3))))      # float64 input, float32 layer
    with pytest.raises(TypeError, match="float array"):
        Linear(3, 4).forward(to_device(np.zeros((2, 3), np.int64)))
