"""The feed-forward pieces around the recurrent layers: Embedding, Linear (Dense) and Dropout.

    Embedding   ids (B, T) int          -> (B, T, E)     a row lookup in W (V, E)
    Linear      x (..., in)             -> (..., out)    y = x W + b
    Dense       x (..., in)             -> (..., out)    y = act(x W + b)
    Dropout     x (...)                 -> (...)         zero a random fraction p, scale the rest by 1/(1-p)

Each layer's forward() keeps what its backward() needs. backward() *overwrites* self.grads
with fresh gradients for this batch (it does not add to them), and returns dx.
"""
import numpy as np

from . import activations
from .backend import array_module, device_rng, scatter_add_rows
from .base import Layer, check_float_input


def _as_rng(rng):
    """None, an int seed or a np.random.Generator -> a np.random.Generator (on the host)."""
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an int seed or a np.random.Generator, got {type(rng).__name__}")


# ---------------------------------------------------------------- Embedding

class Embedding(Layer):
    """A lookup table: token id v -> row v of W.

    W: (V, E), initialised N(0, 1) like torch.nn.Embedding. Row `padding_idx` starts at zero
    and never receives a gradient, so it stays zero (padding_idx=None: no such row).

    forward(ids):     ids (B, T) (or any shape S) of integers in [0, V) -> out (B, T, E) (S + (E,))
    backward(d_out):  d_out (B, T, E) -> None (ids are integers, there is no dx);
                      sets grads["W"] (V, E), adding up the rows of d_out that share an id.
    compute_mask(ids): ids (B, T) -> (B, T) bool, True where ids != padding_idx.
    """

    def __init__(self, num_embeddings, dim, padding_idx=0, rng=None):
        super().__init__()
        if padding_idx is not None and not 0 <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx must be in [0, {num_embeddings}) or None, got {padding_idx}")
        self.num_embeddings, self.dim, self.padding_idx = num_embeddings, dim, padding_idx
        W = _as_rng(rng).standard_normal((num_embeddings, dim))
        if padding_idx is not None:
            W[padding_idx] = 0.0
        self.add_param("W", W)

    def _check_ids(self, ids):
        where = "Embedding.forward"
        if not hasattr(ids, "dtype") or ids.dtype.kind not in "iu":
            got = f"dtype {ids.dtype}" if hasattr(ids, "dtype") else type(ids).__name__
            raise TypeError(f"{where}: ids must be an integer array of token ids, got {got}")
        if ids.size == 0:
            return
        xp = array_module(ids)
        out_of_range = (ids < 0) | (ids >= self.num_embeddings)   # checked by hand: CuPy would wrap silently
        if bool(out_of_range.any()):                  # one host sync per batch; the details only on error
            lo, hi = int(xp.min(ids)), int(xp.max(ids))
            bad = lo if lo < 0 else hi
            pos = tuple(int(i) for i in np.unravel_index(int(xp.argmax(ids == bad)), ids.shape))
            raise IndexError(f"{where}: token id {bad} at position {pos} is out of range; "
                             f"ids must be in [0, {self.num_embeddings}) (num_embeddings={self.num_embeddings})")

    def forward(self, ids):
        self._check_ids(ids)
        self.ids = ids
        return self.params["W"][ids]                       # (B, T) -> (B, T, E)

    def backward(self, d_out):
        xp = array_module(d_out)
        V, E = self.params["W"].shape
        if tuple(d_out.shape) != tuple(self.ids.shape) + (E,):
            raise ValueError(f"Embedding.backward: d_out must have shape {tuple(self.ids.shape) + (E,)}, "
                             f"got {tuple(d_out.shape)}")
        # Backprop through the lookup: dW[v] = sum of d_out over every position holding id v,
        # a scatter-add that accumulates repeated ids (the same batch gives the same dW bit for bit).
        dW = xp.zeros((V, E), dtype=self.params["W"].dtype)
        scatter_add_rows(dW, self.ids.reshape(-1), d_out.reshape(-1, E))   # (V, E) += (B*T,) ids of (B*T, E) rows
        if self.padding_idx is not None:
            dW[self.padding_idx] = 0                      # the padding row gets no gradient
        self.grads["W"][...] = dW
        return None

    def compute_mask(self, ids):
        """ids (B, T) -> (B, T) bool: True for a real token, False for padding."""
        xp = array_module(ids)
        if self.padding_idx is None:
            return xp.ones(ids.shape, dtype=bool)
        return ids != self.padding_idx


# ---------------------------------------------------------------- Linear / Dense

class Linear(Layer):
    """y = x W + b, applied to the last axis.

    W: (in, out), b: (out,), both initialised U(-1/sqrt(in), 1/sqrt(in)) like torch.nn.Linear
    (note W is the transpose of torch's weight: row vectors, x @ W).

    forward(x):   x (..., in) -> y (..., out), any leading shape, e.g. (B, in) or (B, T, in)
    backward(dy): dy (..., out) -> dx (..., in); sets grads["W"] (in, out) and grads["b"] (out,)
    """

    def __init__(self, in_features, out_features, bias=True, rng=None):
        super().__init__()
        self.in_features, self.out_features, self.bias = in_features, out_features, bias
        rng = _as_rng(rng)
        bound = 1.0 / np.sqrt(in_features)
        self.add_param("W", rng.uniform(-bound, bound, (in_features, out_features)))
        if bias:
            self.add_param("b", rng.uniform(-bound, bound, (out_features,)))

    def forward(self, x):
        where = f"{type(self).__name__}.forward"
        check_float_input(x, "x", rank=max(getattr(x, "ndim", 1), 1), dtype=self.dtype, where=where)
        if x.shape[-1] != self.in_features:
            raise ValueError(f"{where}: x must have last dimension in_features={self.in_features}, "
                             f"got shape {tuple(x.shape)}")
        self.x = x
        y = x @ self.params["W"]                           # (..., in) @ (in, out) -> (..., out)
        if self.bias:
            y = y + self.params["b"]                       # (..., out) + (out,) -> (..., out)
        return y

    def backward(self, dy):
        W = self.params["W"]
        x2 = self.x.reshape(-1, self.in_features)          # (..., in) -> (N, in)
        dy2 = dy.reshape(-1, self.out_features)            # (..., out) -> (N, out)
        self.grads["W"][...] = x2.T @ dy2                  # backprop through x W: (in, N) @ (N, out) -> (in, out)
        if self.bias:
            self.grads["b"][...] = dy2.sum(axis=0)         # backprop through + b: (N, out) -> (out,)
        return dy @ W.T                                    # backprop into x: (..., out) @ (out, in) -> (..., in)


class Dense(Linear):
    """A Linear followed by an element-wise activation: y = act(x W + b).

    activation: None (plain Linear), "relu", "tanh" or "sigmoid".
    forward(x):   x (..., in) -> y (..., out)
    backward(dy): dy (..., out) -> dx (..., in); sets grads["W"] (in, out) and grads["b"] (out,)
    """

    _ACTIVATIONS = {
        None: (None, None),
        "relu": (activations.relu, activations.relu_backward),
        "tanh": (activations.tanh, activations.tanh_backward),
        "sigmoid": (activations.sigmoid, activations.sigmoid_backward),
    }

    def __init__(self, in_features, out_features, activation=None, bias=True, rng=None):
        if activation not in self._ACTIVATIONS:
            raise ValueError(f"Dense: activation must be None, 'relu', 'tanh' or 'sigmoid', got {activation!r}")
        super().__init__(in_features, out_features, bias=bias, rng=rng)
        self.activation = activation
        self.act, self.act_backward = self._ACTIVATIONS[activation]

    def forward(self, x):
        a = super().forward(x)                             # (..., in) -> (..., out)
        self.y = a if self.act is None else self.act(a)    # (..., out), same shape
        return self.y

    def backward(self, dy):
        da = dy if self.act is None else self.act_backward(dy, self.y)   # backprop through the activation
        return super().backward(da)                        # backprop through x W + b


# ---------------------------------------------------------------- Dropout

class Dropout(Layer):
    """Inverted dropout: in train mode zero each element with probability p and scale the
    survivors by 1/(1-p), so the expected output equals the input; in eval mode (or p=0) the
    identity. No parameters.

    forward(x):   x (...) -> y (...), same shape
    backward(dy): dy (...) -> dx (...), through the same mask as the last forward
    rng: None / int seed / np.random.Generator. On NumPy the mask is drawn from rng; on a GPU from
    a generator on the device seeded from rng (backend.device_rng), so no mask is copied over.
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not (isinstance(p, (int, float, np.floating)) and 0 <= p < 1):
            raise ValueError(f"Dropout: p must be a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = _as_rng(rng)
        self.mask = None
        self._gen = (None, None, None)                     # (rng, array module, generator drawn from)

    def forward(self, x):
        if not self.training or self.p == 0:
            self.mask = None                               # identity
            return x
        xp = array_module(x)
        if self._gen[:2] != (self.rng, xp):                # a new rng (fit() sets one per epoch) or device
            self._gen = (self.rng, xp, device_rng(self.rng, xp))
        keep = self._gen[2].random(x.shape) >= self.p      # (...) bool, True with probability 1-p
        self.mask = keep.astype(x.dtype) / (1 - self.p)    # (...) values 0 or 1/(1-p)
        return x * self.mask

    def backward(self, dy):
        return dy if self.mask is None else dy * self.mask   # backprop through the same mask
