"""Element-wise activations: a forward and a backward function each, and a thin layer class.

    tanh(a)    = (e^a - e^-a) / (e^a + e^-a)     d/da = 1 - tanh(a)^2
    sigmoid(a) = 1 / (1 + e^-a)                  d/da = s (1 - s), with s = sigmoid(a)
    relu(a)    = max(a, 0)                       d/da = [a > 0]

Every function keeps the shape of its input: (...) -> (...).
The backward functions take the forward's *output* y, which is all they need, and dy = dL/dy.
"""
from .backend import array_module
from .base import Layer


def sigmoid(a):
    """1 / (1 + e^-a), computed as its equal (1 + tanh(a/2)) / 2, which cannot overflow for any a."""
    return 0.5 * (1 + array_module(a).tanh(0.5 * a))


def tanh(a):
    return array_module(a).tanh(a)


def relu(a):
    return array_module(a).maximum(a, 0)


def sigmoid_backward(dy, y):
    """dL/da = dy s (1 - s), with y = s the sigmoid's output."""
    return dy * y * (1 - y)


def tanh_backward(dy, y):
    """dL/da = dy (1 - y^2), with y = tanh(a) the forward's output."""
    return dy * (1 - y * y)


def relu_backward(dy, y):
    """dL/da = dy where the unit was on (y > 0), else 0."""
    return dy * (y > 0)


class _Activation(Layer):
    """A parameter-free layer: forward(x) -> y, backward(dy) -> dx, shapes (...) unchanged."""
    fn = staticmethod(tanh)
    fn_backward = staticmethod(tanh_backward)

    def forward(self, x):
        self.y = self.fn(x)
        return self.y

    def backward(self, dy):
        return self.fn_backward(dy, self.y)


class Tanh(_Activation):
    fn, fn_backward = staticmethod(tanh), staticmethod(tanh_backward)


class Sigmoid(_Activation):
    fn, fn_backward = staticmethod(sigmoid), staticmethod(sigmoid_backward)


class ReLU(_Activation):
    fn, fn_backward = staticmethod(relu), staticmethod(relu_backward)
