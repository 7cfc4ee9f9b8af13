"""The simple RNN in its textbook form: one step, the loop, and backpropagation through time.

    a_t = x_t W_x + h_{t-1} W_h + b          (B, E) @ (E, H) + (B, H) @ (H, H) + (H,) -> (B, H)
    h_t = tanh(a_t)                          (B, H)

Backward, given dh_t = dL/dh_t (from the loss at step t and from step t+1):

    da_t     = dh_t (1 - h_t^2)              tanh'(a) = 1 - tanh(a)^2, written with the output h_t
    dx_t     = da_t W_x^T                    dh_{t-1} = da_t W_h^T
    dW_x    += x_t^T da_t                    dW_h += h_{t-1}^T da_t      db += da_t summed over the batch

Every step uses the same W_x, W_h and b, so their gradients are sums over t.
Shapes: x (B, T, E), h_0 and h_t (B, H), W_x (E, H), W_h (H, H), b (H,). In code W_x is Wx, W_h is Wh.
The loops count steps from 0, the math from 1: x[:, t] is x_{t+1} (minirnn/__init__.py).
minirnn/rnn.py computes the same numbers faster; tests/test_plain.py checks that they agree.
"""
import numpy as np


def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    """One step forward.

    x_t: (B, E)   h_prev: (B, H) = h_{t-1}   Wx: (E, H)   Wh: (H, H)   b: (H,)
    Returns h_t (B, H) and cache = (x_t, h_prev, h_t, Wx, Wh), what rnn_step_backward needs.
    """
    a_t = x_t @ Wx + h_prev @ Wh + b              # a_t = x_t W_x + h_{t-1} W_h + b: (B, H)
    h_t = np.tanh(a_t)                            # h_t = tanh(a_t)
    cache = (x_t, h_prev, h_t, Wx, Wh)
    return h_t, cache


def rnn_step_backward(dh_t, cache):
    """One step backward.

    dh_t: (B, H) = dL/dh_t
    cache: what rnn_step_forward returned
    Returns dx_t (B, E), dh_prev (B, H) = dL/dh_{t-1}, and this step's share of the weight
    gradients: dWx (E, H), dWh (H, H), db (H,).
    """
    x_t, h_prev, h_t, Wx, Wh = cache
    da = dh_t * (1 - h_t ** 2)                    # backprop through tanh: 1 - h_t^2
    dx_t = da @ Wx.T                              # backprop through x_t W_x: (B, H) @ (H, E) -> (B, E)
    dh_prev = da @ Wh.T                           # backprop through h_{t-1} W_h: (B, H) @ (H, H) -> (B, H)
    dWx = x_t.T @ da                              # dW_x = x_t^T da_t: (E, B) @ (B, H) -> (E, H)
    dWh = h_prev.T @ da                           # dW_h = h_{t-1}^T da_t: (H, B) @ (B, H) -> (H, H)
    db = da.sum(axis=0)                           # b is added to every row of the batch: (H,)
    return dx_t, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """The whole sequence, one step after the other.

    x: (B, T, E)   h0: (B, H)   Wx: (E, H)   Wh: (H, H)   b: (H,)
    Returns hs (B, T, H), the state after every step (hs[:, -1] is the final state), and caches,
    the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]), dtype=h0.dtype)
    caches = []
    h = h0
    for t in range(T):
        h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs[:, t] = h
        caches.append(cache)
    return hs, caches


def rnn_backward(dhs, caches):
    """Backpropagation through time.

    dhs: (B, T, H)  dL/dh_t from whatever read each step's output (the loss)
    Returns dx (B, T, E), dh0 (B, H) = dL/dh_0, dWx (E, H), dWh (H, H), db (H,).
    """
    B, T, H = dhs.shape
    x_0, _, _, Wx, Wh = caches[0]
    dx = np.zeros((B, T, x_0.shape[1]), dtype=dhs.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=Wh.dtype)
    dh_next = np.zeros((B, H), dtype=dhs.dtype)   # nothing comes back from after the last step
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at step t and step t+1
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, caches[t])
        dWx += dWx_t                              # every step uses the same weights: their gradients add up
        dWh += dWh_t
        db += db_t
    dh0 = dh_next                                 # what the first step sent back to h_0
    return dx, dh0, dWx, dWh, db
