"""Bad input to the recurrent layers gives an error that names the problem, not a NumPy traceback."""
import numpy as np
import pytest

import minirnn
from minirnn.backend import to_device

CELLS = [minirnn.RNN, minirnn.LSTM, minirnn.GRU]


@pytest.fixture(params=CELLS, ids=lambda c: c.__name__)
def layer(request):
    return request.param(4, 3, rng=0)


def x_of(*shape, dtype=np.float32):
    return to_device(np.zeros(shape, dtype=dtype))


def test_wrong_rank(layer):
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(5, 4\)"):
        layer.forward(x_of(5, 4))


def test_wrong_feature_size(layer):
    with pytest.raises(ValueError, match=r"last dimension 4 \(input_size\), got shape \(2, 5, 7\)"):
        layer.forward(x_of(2, 5, 7))


def test_mask_shape_mismatch(layer):
    with pytest.raises(ValueError, match=r"mask must have shape \(B, T\) = \(2, 5\).*got \(2, 4\)"):
        layer.forward(x_of(2, 5, 4), mask=to_device(np.ones((2, 4))))


def test_mask_values_not_binary(layer):
    with pytest.raises(ValueError, match="mask must hold only 0/1"):
        layer.forward(x_of(1, 2, 4), mask=to_device(np.array([[1, 2]])))


def test_integer_input(layer):
    with pytest.raises(TypeError, match=r"x must be a float array.*int64.*Embedding"):
        layer.forward(to_device(np.zeros((2, 5, 4), dtype=np.int64)))


def test_dtype_mismatch_names_both(layer):
    with pytest.raises(TypeError, match=r"x has dtype float64 but the parameters are float32"):
        layer.forward(x_of(2, 5, 4, dtype=np.float64))
    layer.astype(np.float64).forward(x_of(2, 5, 4, dtype=np.float64))   # fine once cast


def test_h0_wrong_shape(layer):
    bad = x_of(1, 3, 3)
    with pytest.raises(ValueError, match=r"h0 must have shape \(num_layers\*D, B, H\) = \(1, 2, 3\), got \(1, 3, 3\)"):
        layer.forward(x_of(2, 5, 4), h0=(bad, None) if isinstance(layer, minirnn.LSTM) else bad)


def test_lstm_h0_must_be_tuple():
    with pytest.raises(TypeError, match=r"h0 must be a tuple \(h0, c0\)"):
        minirnn.LSTM(4, 3).forward(x_of(2, 5, 4), h0=x_of(1, 2, 3))


def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(x_of(2, 5, 3))


def test_d_out_wrong_shape(layer):
    layer.forward(x_of(2, 5, 4))
    with pytest.raises(ValueError, match=r"d_out must have shape \(B, T, D\*H\) = \(2, 5, 3\), got \(2, 5, 6\)"):
        layer.backward(x_of(2, 5, 6))


@pytest.mark.parametrize("kwargs, match", [({"hidden_size": 0}, "hidden_size must be an integer >= 1, got 0"),
                                           ({"num_layers": 1.5}, "num_layers must be an integer >= 1, got 1.5")])
def test_bad_constructor_arguments(kwargs, match):
    args = {"input_size": 4, "hidden_size": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        minirnn.GRU(**args)


def test_bad_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        minirnn.RNN(4, 3, nonlinearity="sigmoid")
