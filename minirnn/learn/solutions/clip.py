"""Global-norm gradient clipping: when all the gradients together are too long, shrink them all.

    ||g|| = sqrt(sum over every gradient array g_k of sum(g_k^2))     one number for all of them
    g_k <- g_k * min(1, max_norm / (||g|| + 1e-6))                   the same scale for every g_k

One scale for all keeps the direction of the whole update; clipping each array on its own would
turn it. Below max_norm the gradients pass unchanged (the 1e-6 keeps a zero norm from dividing by 0).
minirnn/optim.py's clip_grad_norm(layers, max_norm) does the same in place on every layer's grads.
"""
import numpy as np


def global_norm(grads):
    """grads: a list of arrays of any shapes. Returns ||g|| (a float): the L2 norm of all of them as one vector."""
    total = sum(np.sum(g * g) for g in grads)     # every squared entry of every array
    return float(np.sqrt(total))


def clip_grad_norm(grads, max_norm):
    """grads: a list of arrays   max_norm: a float > 0.

    Returns (clipped, norm): a new list of arrays shaped like grads (grads itself stays unchanged),
    and ||g|| before clipping.
    """
    norm = global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-6))    # 1: the norm is within max_norm, nothing to do
    clipped = [g * scale for g in grads]          # one scale for every array
    return clipped, norm
