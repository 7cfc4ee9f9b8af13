"""minirnn exercise: rnn. Write the simple RNN's forward step, backward step and BPTT yourself.

Fill in every part between "your code" and "end of your code", then run

    minirnn check THIS_FILE

It runs your functions on small random float64 inputs, compares every output and gradient with
minirnn's own RNN and with finite differences, and names the first quantity that is wrong.

Notation (row vectors, batch first, as in minirnn's README):
    B batch size, T time steps, E input features, H hidden units
    x_t (B, E)    h_t (B, H)    Wx = W_x (E, H)    Wh = W_h (H, H)    b (H,)
A gradient is named after what it differentiates: dWh = dL/dW_h, dh_prev = dL/dh_{t-1}.
Only NumPy is needed: a @ b is the matrix product, a.T the transpose, a.sum(axis=0) sums over the batch.
"""
import numpy as np


def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    """One step forward.

        a_t = x_t W_x + h_{t-1} W_h + b        (B, E) (E, H) + (B, H) (H, H) + (H,) -> (B, H)
        h_t = tanh(a_t)                          (B, H)

    x_t: (B, E)   h_prev: (B, H) = h_{t-1}   Wx: (E, H)   Wh: (H, H)   b: (H,)
    Returns h_t (B, H) and cache: whatever rnn_step_backward needs (a tuple of your choice).
    """
    # ---- your code ---- blank: h_t, cache = None, None
    a_t = x_t @ Wx + h_prev @ Wh + b              # (B, H)
    h_t = np.tanh(a_t)                            # (B, H)
    cache = (x_t, h_prev, Wx, Wh, h_t)
    # ---- end of your code ----
    return h_t, cache


def rnn_step_backward(dh_t, cache):
    """One step backward, given dh_t = dL/dh_t (B, H).

        da      = dh_t * (1 - h_t^2)             through tanh: tanh'(a) = 1 - tanh(a)^2     (B, H)
        dx_t    = da W_x^T                      (B, H) (H, E) -> (B, E)
        dh_prev = da W_h^T                      (B, H) (H, H) -> (B, H)
        dWx     = x_t^T da                       (E, B) (B, H) -> (E, H)
        dWh     = h_{t-1}^T da                   (H, B) (B, H) -> (H, H)
        db      = da summed over the batch       (H,)

    Returns dx_t (B, E), dh_prev (B, H), dWx (E, H), dWh (H, H), db (H,).
    """
    # ---- your code ---- blank: dx_t = dh_prev = dWx = dWh = db = None
    x_t, h_prev, Wx, Wh, h_t = cache
    da = dh_t * (1 - h_t ** 2)                    # backprop through tanh
    dx_t = da @ Wx.T                              # backprop through x_t W_x
    dh_prev = da @ Wh.T                           # backprop through h_{t-1} W_h
    dWx = x_t.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    # ---- end of your code ----
    return dx_t, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """The whole sequence, one step after the other (given: rnn_backward runs this loop backwards).

    x: (B, T, E)   h0: (B, H)   Wx: (E, H)   Wh: (H, H)   b: (H,)
    Returns hs (B, T, H) with hs[:, t] = h_t, and caches: the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, Wh.shape[0]))
    caches = []
    h = h0
    for t in range(T):
        h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs[:, t] = h
        caches.append(cache)
    return hs, caches


def rnn_backward(dhs, caches):
    """Backpropagation through time, given dhs (B, T, H): dL/dh_t from the loss at every step t.

    h_t feeds the loss at step t and the next step, so its gradient has two parts:
        dh_t is dhs[:, t] + dh_next          dh_next: the dh_prev that step t+1 returned (zeros at t = T-1)
    Every step uses the same Wx, Wh, b, so dWx, dWh, db are sums over t of each step's gradients.
    Returns dx (B, T, E), dh0 (B, H) = dL/dh_0, dWx (E, H), dWh (H, H), db (H,).
    """
    # ---- your code ---- blank: dx = dh0 = dWx = dWh = db = None
    B, T, H = dhs.shape
    E = caches[0][0].shape[1]
    dx = np.zeros((B, T, E))
    dWx, dWh, db = 0, 0, 0
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at t and step t+1
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dh_next
    # ---- end of your code ----
    return dx, dh0, dWx, dWh, db
