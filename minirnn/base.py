"""The thin base every layer shares, and the input checks that give clear errors.

A layer holds state and nothing clever:
    layer.params  dict name -> array   the weights
    layer.grads   dict name -> array   dL/d(weight), same keys and shapes, filled by backward()
    layer.training                     True in train mode (Dropout uses it)
The math lives in plain functions next to each layer; the class only calls them.
"""
import numpy as np

from .backend import array_module, to_device


class Layer:
    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True

    def add_param(self, name, value, dtype=np.float32):
        """Register a weight (created on the host) on the current backend, with a zero gradient."""
        self.params[name] = to_device(np.asarray(value, dtype=dtype))
        self.grads[name] = self.params[name] * 0

    @property
    def dtype(self):
        """The dtype of the parameters (float32 by default); None for a layer without any."""
        for p in self.params.values():
            return p.dtype
        return None

    def astype(self, dtype):
        """Cast every parameter and gradient once (e.g. to float64 for gradient checks). Returns self."""
        for k in self.params:
            self.params[k] = self.params[k].astype(dtype)
            self.grads[k] = self.grads[k].astype(dtype)
        return self

    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def num_params(self):
        return int(sum(p.size for p in self.params.values()))

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)


def check_float_input(x, name, rank, last_dim=None, dtype=None, where=""):
    """Raise a clear TypeError/ValueError unless x is a float array of the given rank and width.

    where: the layer's name, to start the message with (e.g. "LSTM.forward").
    """
    where = f"{where}: " if where else ""
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{where}{name} must be an array, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{where}{name} must be a float array (float32 or float64), got dtype {x.dtype}"
                        + ("; token ids go through an Embedding first" if x.dtype.kind in "iub" else ""))
    if x.ndim != rank:
        raise ValueError(f"{where}{name} must have {rank} dimensions, got shape {tuple(x.shape)}")
    if last_dim is not None and x.shape[-1] != last_dim:
        raise ValueError(f"{where}{name} must have last dimension {last_dim} (input_size), "
                         f"got shape {tuple(x.shape)}")
    if dtype is not None and x.dtype != dtype:
        raise TypeError(f"{where}{name} has dtype {x.dtype} but the parameters are {np.dtype(dtype)}; "
                        f"cast the input (x.astype(np.{np.dtype(dtype)})) or the layer (layer.astype(np.{x.dtype}))")


def check_mask(mask, batch_shape, dtype, where=""):
    """Turn a (B, T) mask of bool or 0/1 into a float array of `dtype`; raise a clear error if it is off."""
    where = f"{where}: " if where else ""
    if not hasattr(mask, "shape"):
        raise TypeError(f"{where}mask must be an array of shape {tuple(batch_shape)}, got {type(mask).__name__}")
    if tuple(mask.shape) != tuple(batch_shape):
        raise ValueError(f"{where}mask must have shape (B, T) = {tuple(batch_shape)} to match x, "
                         f"got {tuple(mask.shape)}")
    xp = array_module(mask)
    m = mask.astype(dtype)
    if mask.dtype == bool:                         # 0/1 by construction: nothing to check, and on a GPU
        return m                                   # no check means no wait for the device (a host sync)
    if not bool(xp.all((m == 0) | (m == 1))):      # one host sync: only for masks given as numbers
        raise ValueError(f"{where}mask must hold only 0/1 or True/False")
    return m
