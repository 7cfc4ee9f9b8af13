"""Element-wise activations: a forward and a backward function each, and a thin layer class.

    tanh(a)    = (e^a - e^-a) / (e^a + e^-a)     d/da = 1 - tanh(a)^2
    sigmoid(a) = 1 / (1 + e^-a)                  d/da = s (1 - s)
    relu(a)    = max(a, 0)                       d/da = [a > 0]

Every function keeps the shape of its input: (...) -> (...).
The backward functions take the forward's *output*, which is all they need.
"""
from .backend import array_module
from .layer import Layer


def sigmoid(a):
    """Numerically stable logistic sigmoid, computed as 0.5 * (1 + tanh(a / 2)) (no overflow in exp)."""
    xp = array_module(a)
    return 0.5 * (1.0 + xp.tanh(0.5 * a))


def tanh(a):
    return array_module(a).tanh(a)


def relu(a):
    return array_module(a).maximum(a, 0)


def sigmoid_backward(dy, y):
    return dy * y * (1 - y)          # backprop through sigmoid: s (1 - s)


def tanh_backward(dy, y):
    return dy * (1 - y * y)          # backprop through tanh: 1 - y^2


def relu_backward(dy, y):
    return dy * (y > 0)              # backprop through relu: 1 where the unit was on


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
