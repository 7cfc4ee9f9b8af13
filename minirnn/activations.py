"""Element-wise activations: a forward and a backward function each, and a thin layer class.

    tanh(a)    = (e^a - e^-a) / (e^a + e^-a)     d/da = 1 - tanh(a)^2
    sigmoid(a) = 1 / (1 + e^-a)                  d/da = s (1 - s)
    relu(a)    = max(a, 0)                       d/da = [a > 0]

Every function keeps the shape of its input: (...) -> (...).
The backward functions take the forward's *output*, which is all they need.
Each also takes an optional out= array to write into (the cells use it inside their time loops
to avoid a fresh temporary per step); without it, it returns a new array.
"""
from .backend import array_module
from .base import Layer


def sigmoid(a, out=None):
    """Numerically stable logistic sigmoid, computed as 0.5 * (1 + tanh(a / 2)) (no overflow in exp).

    out: an array of a's shape to write the result into (it may be a itself), or None for a new one.
    """
    xp = array_module(a)
    out = xp.multiply(a, 0.5, out=out)          # a / 2
    xp.tanh(out, out=out)                       # tanh(a / 2), in place
    out *= 0.5
    out += 0.5                                  # 0.5 * (1 + tanh(a / 2))
    return out


def tanh(a, out=None):
    return array_module(a).tanh(a, out=out)


def relu(a, out=None):
    return array_module(a).maximum(a, 0, out=out)


def sigmoid_backward(dy, y, out=None):
    """dy * s (1 - s), with y = s the sigmoid's output. out: as in sigmoid (it may be dy)."""
    xp = array_module(dy)
    ds = 1 - y                                  # backprop through sigmoid: s (1 - s)
    ds *= y
    return xp.multiply(dy, ds, out=out)


def tanh_backward(dy, y, out=None):
    """dy * (1 - y^2), with y = tanh(a) the forward's output. out: as in sigmoid (it may be dy)."""
    xp = array_module(dy)
    dt = y * y                                  # backprop through tanh: 1 - y^2
    xp.subtract(1, dt, out=dt)
    return xp.multiply(dy, dt, out=out)


def relu_backward(dy, y, out=None):
    return array_module(dy).multiply(dy, y > 0, out=out)   # backprop through relu: 1 where the unit was on


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
