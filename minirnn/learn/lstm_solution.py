"""minirnn exercise: lstm. Write the LSTM's forward step, backward step and BPTT yourself.

Fill in every part between "your code" and "end of your code", then run

    minirnn check THIS_FILE

It runs your functions on small random float64 inputs, compares every output and gradient with
minirnn's own LSTM and with finite differences, and names the first quantity that is wrong.

Notation (row vectors, batch first, as in minirnn's README):
    B batch size, T time steps, E input features, H hidden units
    x_t (B, E)    h_t, c_t (B, H)    Wx = W_x (E, 4H)    Wh = W_h (H, 4H)    b (4H,)
The 4H columns are four gate blocks side by side, in PyTorch's order i, f, g, o:
    a[:, :H] is i's, a[:, H:2H] f's, a[:, 2H:3H] g's, a[:, 3H:] o's.
A gradient is named after what it differentiates: dWh = dL/dW_h, dc_prev = dL/dc_{t-1}.
Only NumPy is needed: a @ b is the matrix product, a.T the transpose, a.sum(axis=0) sums over the batch,
np.concatenate([p, q], axis=1) puts (B, H) blocks side by side.
"""
import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a), element-wise (given). Its derivative is sigmoid(a) (1 - sigmoid(a))."""
    return 1 / (1 + np.exp(-a))


def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    """One step forward.

        a   = x_t W_x + h_{t-1} W_h + b          (B, 4H), blocks i, f, g, o
        i   = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)      each (B, H)
        c_t = f * c_{t-1} + i * g                (B, H)
        h_t = o * tanh(c_t)                      (B, H)

    x_t: (B, E)   h_prev, c_prev: (B, H)   Wx: (E, 4H)   Wh: (H, 4H)   b: (4H,)
    Returns h_t (B, H), c_t (B, H) and cache: whatever lstm_step_backward needs.
    """
    # ---- your code ---- blank: h_t, c_t, cache = None, None, None
    H = h_prev.shape[1]
    a = x_t @ Wx + h_prev @ Wh + b                # (B, 4H)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c_t = f * c_prev + i * g
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c
    cache = (x_t, h_prev, c_prev, Wx, Wh, i, f, g, o, c_t, tanh_c)
    # ---- end of your code ----
    return h_t, c_t, cache


def lstm_step_backward(dh_t, dc_t, cache):
    """One step backward, given dh_t = dL/dh_t and dc_t = dL/dc_t from step t+1, both (B, H).

        dc      = dc_t + dh_t * o * (1 - tanh(c_t)^2)     all that reaches c_t          (B, H)
        do      = dh_t * tanh(c_t)                        through h_t = o tanh(c_t)
        di = dc * g     df = dc * c_{t-1}     dg = dc * i      through c_t = f c_{t-1} + i g
        dc_prev = f * dc
        da      = [di i (1 - i), df f (1 - f), dg (1 - g^2), do o (1 - o)]   through the nonlinearities (B, 4H)
        dx_t = da W_x^T     dh_prev = da W_h^T     dWx = x_t^T da     dWh = h_{t-1}^T da     db = sum_batch da

    Returns dx_t (B, E), dh_prev (B, H), dc_prev (B, H), dWx (E, 4H), dWh (H, 4H), db (4H,).
    """
    # ---- your code ---- blank: dx_t = dh_prev = dc_prev = dWx = dWh = db = None
    x_t, h_prev, c_prev, Wx, Wh, i, f, g, o, c_t, tanh_c = cache
    dc = dc_t + dh_t * o * (1 - tanh_c ** 2)      # backprop through h = o tanh(c), plus step t+1's share
    do = dh_t * tanh_c                            # ... to o
    di = dc * g                                   # backprop through c = f c_prev + i g, to i
    df = dc * c_prev                              # ... to f
    dg = dc * i                                   # ... to g
    dc_prev = dc * f                              # ... to c_prev
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)
    dx_t = da @ Wx.T                              # backprop through x_t W_x: (B, 4H) (4H, E) -> (B, E)
    dh_prev = da @ Wh.T                           # backprop through h_{t-1} W_h: (B, 4H) (4H, H) -> (B, H)
    dWx = x_t.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    # ---- end of your code ----
    return dx_t, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """The whole sequence, one step after the other (given: lstm_backward runs this loop backwards).

    x: (B, T, E)   h0, c0: (B, H)   Wx: (E, 4H)   Wh: (H, 4H)   b: (4H,)
    Returns hs (B, T, H) with hs[:, t] = h_t, and caches: the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]))
    caches = []
    h, c = h0, c0
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs[:, t] = h
        caches.append(cache)
    return hs, caches


def lstm_backward(dhs, caches):
    """Backpropagation through time, given dhs (B, T, H): dL/dh_t from the loss at every step t.

    h_t feeds the loss at step t and the next step, c_t only the next step:
        dh_t is dhs[:, t] + dh_next      dc_t is dc_next      (what step t+1 returned; zeros at t = T-1)
    Every step uses the same Wx, Wh, b, so dWx, dWh, db are sums over t of each step's gradients.
    Returns dx (B, T, E), dh0 (B, H), dc0 (B, H), dWx (E, 4H), dWh (H, 4H), db (4H,).
    """
    # ---- your code ---- blank: dx = dh0 = dc0 = dWx = dWh = db = None
    B, T, H = dhs.shape
    E = caches[0][0].shape[1]
    dx = np.zeros((B, T, E))
    dWx, dWh, db = 0, 0, 0
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at t and step t+1
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh_t, dc_next, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0, dc0 = dh_next, dc_next
    # ---- end of your code ----
    return dx, dh0, dc0, dWx, dWh, db
