"""Optimizers: they read layer.grads and update layer.params in place.

    opt = Adam([embedding, lstm, head], lr=1e-3)
    loss, dlogits = softmax_cross_entropy(logits, y)
    ...backward through every layer...
    clip_grad_norm([embedding, lstm, head], max_norm=5.0)
    opt.step()

A "layer" here is anything with .params and .grads dicts (same keys, same shapes), so a
whole model works as well. Updates are in place (`p -= ...`): the arrays keep their identity.
Formulas follow torch.optim (SGD, RMSprop, Adam, AdamW), except Adagrad, which is min-char-rnn's.
weight_decay adds wd * p to the gradient first (L2, like torch's weight_decay), without
changing layer.grads; AdamW's instead shrinks the weights apart from the gradient.
State is per parameter, keyed "{layer index}.{param name}.{slot}".
"""
import math

import numpy as np

from .backend import array_module, to_numpy


def _as_layers(layers):
    """A single layer or a list of layers -> a list of layers."""
    return [layers] if hasattr(layers, "params") else list(layers)


class Optimizer:
    slots = ()                          # names of the per-parameter state arrays, e.g. ("m", "v")
    l2_in_gradient = True               # weight_decay adds wd * p to g (AdamW: False, it decays p itself)
    hyper = ("lr", "weight_decay")      # hyperparameters saved in state_dict()

    def __init__(self, layers, **hyperparameters):
        self.layers = _as_layers(layers)
        for name, value in hyperparameters.items():
            if value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {value}")
            setattr(self, name, value)
        self.t = 0                      # steps taken
        self.state = {}                 # "{i}.{name}.{slot}" -> array like the parameter
        for i, layer in enumerate(self.layers):
            for name, p in layer.params.items():
                for slot in self.slots:
                    self.state[f"{i}.{name}.{slot}"] = array_module(p).zeros_like(p)

    def step(self):
        """Update every parameter once, in place, from its current gradient."""
        self.t += 1
        for i, layer in enumerate(self.layers):
            for name, p in layer.params.items():
                g = layer.grads[name]
                if self.weight_decay and self.l2_in_gradient:
                    g = g + self.weight_decay * p              # L2: d/dp (wd/2 |p|^2) = wd p
                state = [self.state[f"{i}.{name}.{slot}"] for slot in self.slots]
                self.update(p, g, *state)

    def update(self, p, g, *state):
        raise NotImplementedError

    def zero_grad(self):
        for layer in self.layers:
            for g in layer.grads.values():
                g[...] = 0

    def state_dict(self):
        """A flat dict str -> NumPy array or scalar: np.savez(path, **opt.state_dict()) needs no pickle."""
        d = {"optimizer": type(self).__name__, "step": self.t}
        for name in self.hyper:
            d[name] = np.asarray(getattr(self, name), dtype=np.float64)
        for key, value in self.state.items():
            d[key] = to_numpy(value).copy()
        return d

    def load_state_dict(self, d):
        """Restore what state_dict() gave (e.g. dict(np.load(path))). Checks names, keys and shapes."""
        where = f"{type(self).__name__}.load_state_dict"
        saved = str(np.asarray(d.get("optimizer", "?")))
        if saved != type(self).__name__:
            raise ValueError(f"{where}: this state is from optimizer {saved!r}, not {type(self).__name__!r}")
        expected = {"optimizer", "step", *self.hyper, *self.state}
        missing, unexpected = sorted(expected - set(d)), sorted(set(d) - expected)
        if missing or unexpected:
            raise ValueError(f"{where}: keys do not match this optimizer's layers; "
                             f"missing {missing}, unexpected {unexpected}")
        for key, value in self.state.items():
            if tuple(np.shape(d[key])) != tuple(value.shape):
                raise ValueError(f"{where}: {key} has shape {tuple(np.shape(d[key]))}, "
                                 f"but the parameter has shape {tuple(value.shape)}")
        for key, value in self.state.items():
            value[...] = array_module(value).asarray(d[key], dtype=value.dtype)   # in place, on value's device
        for name in self.hyper:
            value = np.asarray(d[name])
            setattr(self, name, tuple(value.tolist()) if value.ndim else float(value))
        self.t = int(np.asarray(d["step"]))


class SGD(Optimizer):
    """p -= lr * buf, with buf = momentum * buf + g (buf = g when momentum = 0), as torch.optim.SGD."""
    slots = ("m",)
    hyper = ("lr", "momentum", "weight_decay")

    def __init__(self, layers, lr=0.01, momentum=0.0, weight_decay=0.0):
        if momentum == 0:
            self.slots = ()             # plain SGD keeps no state
        super().__init__(layers, lr=lr, momentum=momentum, weight_decay=weight_decay)

    def update(self, p, g, m=None):
        if self.momentum:
            m *= self.momentum
            m += g                      # velocity: a running sum of gradients, decayed by momentum
            g = m
        p -= self.lr * g


class Adagrad(Optimizer):
    """min-char-rnn's Adagrad: mem += g^2;  p -= lr * g / sqrt(mem + eps).

    (torch.optim.Adagrad divides by sqrt(mem) + eps instead: the same when eps = 0.)
    """
    slots = ("mem",)
    hyper = ("lr", "eps", "weight_decay")

    def __init__(self, layers, lr=0.1, eps=1e-8, weight_decay=0.0):
        super().__init__(layers, lr=lr, eps=eps, weight_decay=weight_decay)

    def update(self, p, g, mem):
        xp = array_module(p)
        mem += g * g                    # sum of squared gradients, per entry
        p -= self.lr * g / xp.sqrt(mem + self.eps)


class RMSprop(Optimizer):
    """v = alpha v + (1 - alpha) g^2;  p -= lr * g / (sqrt(v) + eps), as torch.optim.RMSprop."""
    slots = ("v",)
    hyper = ("lr", "alpha", "eps", "weight_decay")

    def __init__(self, layers, lr=1e-3, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(layers, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay)

    def update(self, p, g, v):
        xp = array_module(p)
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)                  # running mean of squared gradients
        denom = xp.sqrt(v)
        denom += self.eps
        p -= self.lr * g / denom


class Adam(Optimizer):
    """Adam as torch.optim.Adam, with bias correction (t = steps taken, from 1):
        m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
        p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """
    slots = ("m", "v")
    hyper = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, layers, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas}")
        super().__init__(layers, lr=lr, eps=eps, weight_decay=weight_decay)
        self.betas = tuple(float(b) for b in betas)

    def update(self, p, g, m, v):
        xp = array_module(p)
        b1, b2 = self.betas
        m[...] = b1 * m + (1 - b1) * g                   # running mean of gradients (m is updated in place)
        v[...] = b2 * v + (1 - b2) * (g * g)             # running mean of squared gradients
        denom = xp.sqrt(v)
        denom /= math.sqrt(1 - b2 ** self.t)             # bias correction: v starts at 0
        denom += self.eps
        p -= (self.lr / (1 - b1 ** self.t)) * m / denom  # ... and so does m


class AdamW(Adam):
    """Adam with decoupled weight decay, as torch.optim.AdamW (Loshchilov and Hutter, 2019):
        p -= lr * wd * p                  the weights shrink a little every step, whatever g is ...
        then Adam's update, with g alone  ... instead of wd * p joining g, where Adam would rescale it
    """
    l2_in_gradient = False

    def __init__(self, layers, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(layers, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def update(self, p, g, m, v):
        p *= 1 - self.lr * self.weight_decay             # decoupled weight decay
        super().update(p, g, m, v)


def clip_grad_norm(layers, max_norm):
    """Scale every gradient in place so that their global L2 norm is at most max_norm:

        g <- g * min(1, max_norm / (||g|| + 1e-6))      ||g||: the norm of all grads of all layers together

    as torch.nn.utils.clip_grad_norm_ does. Returns ||g|| before clipping, as a 0-d array on the
    grads' device: the scale is computed there too, so clipping never waits for the GPU. (float()
    of the result reads it, and waits.)
    """
    grads = [g for layer in _as_layers(layers) for g in layer.grads.values()]
    if not grads:
        return 0.0
    xp = array_module(grads[0])
    # vdot over the flattened array: a BLAS dot, no (…)-sized temporary like (g * g).sum().
    total = xp.sqrt(sum(xp.vdot(g.reshape(-1), g.reshape(-1)) for g in grads))
    if max_norm != float("inf"):
        scale = xp.minimum(max_norm / (total + 1e-6), 1.0)      # 1: the norm is within max_norm
        for g in grads:
            g *= scale
    return total
