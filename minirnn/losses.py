"""Loss functions. Each returns (loss, dinput): the mean loss as a Python float, and its
gradient with respect to the first argument, with that argument's shape, ready to pass to
the last layer's backward().

Reading the loss as a float waits for the device (on a GPU). Each function waits once: the checks
of its inputs (labels in range, no NaN) come back in the same transfer as the loss
(backend.host_floats), and the details of a failed check are worked out only when one fails.

    bce_with_logits(logits, y)                 binary classification, logits (B,) or (B, 1)
    softmax_cross_entropy(logits, y, mask)     classes, logits (N, V) or (B, T, V)
    mse(pred, target)                          regression, any shape
"""
import math

import numpy as np

from .activations import sigmoid
from .backend import array_module, host_floats


def _check_float(a, name, where):
    if not hasattr(a, "dtype") or a.dtype.kind != "f":
        got = f"dtype {a.dtype}" if hasattr(a, "dtype") else type(a).__name__
        raise TypeError(f"{where}: {name} must be a float array, got {got}")


def _check_finite(loss, where, **inputs):
    """Raise a ValueError if the loss is NaN or Inf, saying which input holds how many non-finite values.
    (Called with the loss already on the host: the inputs are scanned only when it is not finite.)"""
    if math.isfinite(loss):
        return
    for name, a in inputs.items():
        xp = array_module(a)
        n_bad = int(xp.sum(~xp.isfinite(a)))
        if n_bad:
            raise ValueError(f"{where}: {name} contains {n_bad} non-finite value(s) (NaN or Inf) out of {a.size}; "
                             f"the model has probably diverged (lower the learning rate, clip gradients)")
    raise ValueError(f"{where}: the loss is {loss}; the model has probably diverged (lower the learning rate)")


def bce_with_logits(logits, y):
    """Binary cross-entropy on raw scores z (no sigmoid applied yet), averaged over the batch.

    logits: (B,) or (B, 1) float     z, the score for class 1
    y:      B elements (any shape)   targets in [0, 1] (0/1 labels, or bool)
    returns (loss, dlogits): float and (B,) or (B, 1) like logits

    loss_i = -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - z y + log(1 + e^-|z|),
    the right-hand form never overflows (|z| = 1e4 is fine). dloss/dz_i = (s(z_i) - y_i) / B.
    """
    where = "bce_with_logits"
    _check_float(logits, "logits", where)
    if not (logits.ndim == 1 or (logits.ndim == 2 and logits.shape[1] == 1)):
        raise ValueError(f"{where}: logits must have shape (B,) or (B, 1), got {tuple(logits.shape)}")
    if not hasattr(y, "shape") or y.size != logits.size:
        raise ValueError(f"{where}: y must have as many elements as logits; logits shape {tuple(logits.shape)}, "
                         f"y shape {tuple(getattr(y, 'shape', ()))}")
    xp = array_module(logits)
    y = y.reshape(logits.shape).astype(logits.dtype)                  # (B,) or (B, 1), like logits
    B = logits.size
    per_example = xp.maximum(logits, 0) - logits * y + xp.log1p(xp.exp(-xp.abs(logits)))   # (B,)
    dlogits = (sigmoid(logits) - y) / B                                # backprop through mean and BCE
    total, n_bad_y = host_floats(per_example.sum(), (~((y >= 0) & (y <= 1))).sum())   # one wait
    if n_bad_y:
        raise ValueError(f"{where}: y must hold targets in [0, 1] (0/1 labels), "
                         f"got values in [{float(xp.min(y))}, {float(xp.max(y))}]")
    _check_finite(total, where, logits=logits)
    return total / B, dlogits


def softmax_cross_entropy(logits, y, mask=None):
    """Cross-entropy of softmax(logits) against integer class ids, averaged over unmasked positions.

    logits: (N, V) or (B, T, V) float   unnormalised scores for V classes
    y:      (N,)   or (B, T)    int     class ids in [0, V)
    mask:   None or y's shape, 0/1 or bool: 1 where a position counts, 0 for padding
            (masked positions are ignored, their y may be anything, e.g. -100)
    returns (loss, dlogits): float and an array of logits' shape

    loss = -mean over counted positions of log softmax(z)[y], with log-sum-exp shifted by max(z);
    dloss/dz = (softmax(z) - onehot(y)) * mask / count. With no counted position: loss 0, grad 0.
    """
    where = "softmax_cross_entropy"
    _check_float(logits, "logits", where)
    if logits.ndim not in (2, 3):
        raise ValueError(f"{where}: logits must have shape (N, V) or (B, T, V), got {tuple(logits.shape)}")
    if not hasattr(y, "dtype") or y.dtype.kind not in "iu":
        got = f"dtype {y.dtype}" if hasattr(y, "dtype") else type(y).__name__
        raise TypeError(f"{where}: y must be an integer array of class ids, got {got}")
    if tuple(y.shape) != tuple(logits.shape[:-1]):
        raise ValueError(f"{where}: y must have shape {tuple(logits.shape[:-1])} to match logits "
                         f"{tuple(logits.shape)}, got y shape {tuple(y.shape)}")
    xp = array_module(logits)
    V = logits.shape[-1]
    z = logits.reshape(-1, V)                                          # (B, T, V) -> (N, V), N = B*T
    y = y.reshape(-1)                                                  # (B, T) -> (N,)
    N = y.shape[0]
    if mask is None:
        m = xp.ones((N,), dtype=logits.dtype)
    else:
        if tuple(getattr(mask, "shape", ())) != tuple(logits.shape[:-1]):
            raise ValueError(f"{where}: mask must have shape {tuple(logits.shape[:-1])} like y, "
                             f"got {tuple(getattr(mask, 'shape', ()))}")
        m = mask.reshape(-1).astype(logits.dtype)                      # (N,) of 0/1
    bad = (m > 0) & ((y < 0) | (y >= V))                               # (N,) out-of-range ids that count
    y_safe = xp.where((m > 0) & ~bad, y, 0)                            # (N,) safe to index with
    rows = xp.arange(N)
    shifted = z - z.max(axis=1, keepdims=True)                         # (N, V), max is 0: exp cannot overflow
    log_sum = xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))       # (N, 1)
    log_p = shifted - log_sum                                          # (N, V) log softmax
    count = xp.maximum(m.sum(), 1)                                     # counted positions (at least 1)
    total, n, n_bad_mask, n_bad = host_floats((log_p[rows, y_safe] * m).sum(), count,   # one wait
                                              ((m != 0) & (m != 1)).sum(), bad.sum())
    if n_bad_mask:
        raise ValueError(f"{where}: mask must hold only 0/1 or True/False")
    if n_bad:
        i = int(xp.argmax(bad))
        pos = tuple(int(k) for k in np.unravel_index(i, logits.shape[:-1]))
        raise IndexError(f"{where}: class id {int(y[i])} at position {pos} is out of range; "
                         f"y must be in [0, {V}) (V = logits.shape[-1] = {V})")
    _check_finite(total, where, logits=logits)
    dz = xp.exp(log_p)                                                 # (N, V) softmax
    dz[rows, y_safe] -= 1                                              # backprop through -log p[y]: p - onehot
    dz *= (m / count)[:, None]                                         # backprop through masked mean
    return -total / n, dz.reshape(logits.shape)                        # (N, V) -> logits' shape


def mse(pred, target):
    """Mean squared error over every element.

    pred:   (...) float    predictions
    target: (...) float    same shape as pred
    returns (loss, dpred): float and (...) like pred;  loss = mean((pred - target)^2),
    dloss/dpred = 2 (pred - target) / pred.size
    """
    where = "mse"
    _check_float(pred, "pred", where)
    if tuple(getattr(target, "shape", ())) != tuple(pred.shape):
        raise ValueError(f"{where}: pred and target must have the same shape; pred shape {tuple(pred.shape)}, "
                         f"target shape {tuple(getattr(target, 'shape', ()))}")
    diff = pred - target.astype(pred.dtype)                            # (...)
    (total,) = host_floats((diff * diff).sum())
    _check_finite(total, where, pred=pred, target=target)
    return total / diff.size, diff * (2.0 / diff.size)                 # backprop through mean of squares
