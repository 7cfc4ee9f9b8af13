"""Softmax cross-entropy over every step of a padded batch: the loss, its masked mean, its gradient.

    log p[b, t] = z[b, t] - log sum_v exp(z[b, t, v])      z: logits (B, T, V), log p: (B, T, V)
    loss = -(1 / n) sum_{b,t} m[b, t] log p[b, t, y[b, t]]  n = sum_{b,t} m[b, t], the counted steps

y (B, T) holds the right class at every step; the mask m (B, T) is 1 where a step counts and 0 for
padding, where y may be anything (e.g. -100). With no counted step the loss is 0. The log-sum-exp is
computed after subtracting each row's max score, which changes nothing in exact arithmetic and keeps
exp from overflowing (scores of 1000 happen).
minirnn/losses.py's softmax_cross_entropy(logits, y, mask) computes the same numbers.
"""
import numpy as np


def log_softmax(z):
    """log softmax over the last axis, shifted by the max.  z: (..., V) -> (..., V)"""
    shifted = z - z.max(axis=-1, keepdims=True)   # the largest score becomes 0: exp cannot overflow
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_ce_forward(logits, y, mask):
    """The masked mean of -log p[y].

    logits: (B, T, V)   y: (B, T) ints   mask: (B, T) of 0/1
    Returns loss (a float) and cache, what softmax_ce_backward needs.
    """
    log_p = log_softmax(logits)                                   # (B, T, V)
    y_safe = np.where(mask > 0, y, 0)                             # padding's y may be -100: read class 0 there
    log_p_y = np.take_along_axis(log_p, y_safe[..., None], axis=-1)[..., 0]   # log p[b, t, y[b, t]]: (B, T)
    count = max(mask.sum(), 1)                                    # the counted steps (at least 1)
    loss = -(log_p_y * mask).sum() / count                        # the mean over counted steps only
    cache = (log_p, y_safe, mask, count)
    return float(loss), cache


def softmax_ce_backward(cache):
    """dL/dlogits.  cache: what softmax_ce_forward returned.  Returns dlogits (B, T, V)."""
    log_p, y_safe, mask, count = cache
    onehot = np.zeros_like(log_p)
    np.put_along_axis(onehot, y_safe[..., None], 1.0, axis=-1)  # 1 at class y[b, t]: (B, T, V)
    dlogits = np.exp(log_p) - onehot                              # backprop through -log softmax(z)[y]: p - onehot
    dlogits = dlogits * mask[..., None] / count                   # backprop through the masked mean
    return dlogits


def softmax_cross_entropy(logits, y, mask):
    """Both at once, as minirnn.losses.softmax_cross_entropy returns them: (loss, dlogits (B, T, V))."""
    loss, cache = softmax_ce_forward(logits, y, mask)
    return loss, softmax_ce_backward(cache)
