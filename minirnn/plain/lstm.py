"""The LSTM in its textbook form: one step, the loop, and backpropagation through time.

    a_t = x_t W_x + h_{t-1} W_h + b          (B, 4H): four gate blocks a_i, a_f, a_g, a_o, in PyTorch's order
    i_t = sigmoid(a_i)                       input gate           (B, H)
    f_t = sigmoid(a_f)                       forget gate          (B, H)
    g_t = tanh(a_g)                          candidate cell       (B, H)
    o_t = sigmoid(a_o)                       output gate          (B, H)
    c_t = f_t c_{t-1} + i_t g_t              cell state           (B, H)
    h_t = o_t tanh(c_t)                      hidden state         (B, H)

Products of two (B, H) arrays are element-wise. Backward, given dh_t = dL/dh_t and dc_next, what step
t+1 sent back to c_t:

    dc_t     = dc_next + dh_t o_t (1 - tanh(c_t)^2)       c_t reaches the loss through h_t and through step t+1
    do = dh_t tanh(c_t)    di = dc_t g_t    df = dc_t c_{t-1}    dg = dc_t i_t    dc_{t-1} = dc_t f_t
    da_t     = [di i(1 - i), df f(1 - f), dg (1 - g^2), do o(1 - o)]     through the nonlinearities (B, 4H)
    dx_t = da_t W_x^T    dh_{t-1} = da_t W_h^T    dW_x += x_t^T da_t    dW_h += h_{t-1}^T da_t    db += sum_b da_t

Shapes: x (B, T, E), h_t and c_t (B, H), W_x (E, 4H), W_h (H, 4H), b (4H,). In code W_x is Wx, W_h is Wh.
The loops count steps from 0, the math from 1: x[:, t] is x_{t+1} (minirnn/__init__.py).
minirnn/lstm.py computes the same numbers faster; tests/test_plain.py checks that they agree.
"""
import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a), element-wise. Its derivative, in terms of its output s: s (1 - s)."""
    return 1 / (1 + np.exp(-a))


def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    """One step forward.

    x_t: (B, E)   h_prev, c_prev: (B, H) = h_{t-1}, c_{t-1}   Wx: (E, 4H)   Wh: (H, 4H)   b: (4H,)
    Returns h_t (B, H), c_t (B, H) and cache, what lstm_step_backward needs.
    """
    H = h_prev.shape[1]
    a = x_t @ Wx + h_prev @ Wh + b                # a_t = x_t W_x + h_{t-1} W_h + b: (B, 4H)
    i = sigmoid(a[:, :H])                         # i_t = sigmoid(a_i)
    f = sigmoid(a[:, H:2 * H])                    # f_t = sigmoid(a_f)
    g = np.tanh(a[:, 2 * H:3 * H])                # g_t = tanh(a_g)
    o = sigmoid(a[:, 3 * H:])                     # o_t = sigmoid(a_o)
    c_t = f * c_prev + i * g                      # c_t = f_t c_{t-1} + i_t g_t
    tanh_c = np.tanh(c_t)
    h_t = o * tanh_c                              # h_t = o_t tanh(c_t)
    cache = (x_t, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    return h_t, c_t, cache


def lstm_step_backward(dh_t, dc_next, cache):
    """One step backward.

    dh_t: (B, H) = dL/dh_t
    dc_next: (B, H), what step t+1 sent back to c_t (zeros after the last step)
    Returns dx_t (B, E), dh_prev (B, H), dc_prev (B, H), and this step's share of the weight
    gradients: dWx (E, 4H), dWh (H, 4H), db (4H,).
    """
    x_t, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dc_t = dc_next + dh_t * o * (1 - tanh_c ** 2)  # backprop through h_t = o tanh(c_t), plus what step t+1 sent
    do = dh_t * tanh_c                            # backprop through h_t = o tanh(c_t), to o
    di = dc_t * g                                 # backprop through c_t = f c_{t-1} + i g, to i
    df = dc_t * c_prev                            # ... to f
    dg = dc_t * i                                 # ... to g
    # The path that keeps the LSTM's gradient alive: c_{t-1} reaches c_t through one product with f and
    # nothing else, no W_h and no tanh'. While f stays near 1, dc flows back over many steps undiminished.
    dc_prev = dc_t * f                            # ... and to c_{t-1}
    da = np.concatenate([di * i * (1 - i),        # backprop through i = sigmoid(a_i): i (1 - i)
                         df * f * (1 - f),        # ... through f = sigmoid(a_f)
                         dg * (1 - g ** 2),       # ... through g = tanh(a_g): 1 - g^2
                         do * o * (1 - o)], axis=1)   # ... through o = sigmoid(a_o): (B, 4H)
    dx_t = da @ Wx.T                              # backprop through x_t W_x: (B, 4H) @ (4H, E) -> (B, E)
    dh_prev = da @ Wh.T                           # backprop through h_{t-1} W_h: (B, 4H) @ (4H, H) -> (B, H)
    dWx = x_t.T @ da                              # dW_x = x_t^T da_t: (E, B) @ (B, 4H) -> (E, 4H)
    dWh = h_prev.T @ da                           # dW_h = h_{t-1}^T da_t: (H, B) @ (B, 4H) -> (H, 4H)
    db = da.sum(axis=0)                           # b is added to every row of the batch: (4H,)
    return dx_t, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """The whole sequence, one step after the other.

    x: (B, T, E)   h0, c0: (B, H)   Wx: (E, 4H)   Wh: (H, 4H)   b: (4H,)
    Returns hs (B, T, H) and cs (B, T, H), the states after every step (hs[:, -1] and cs[:, -1] are
    the final states), and caches, the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]), dtype=h0.dtype)
    cs = np.zeros_like(hs)
    caches = []
    h, c = h0, c0
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs[:, t], cs[:, t] = h, c
        caches.append(cache)
    return hs, cs, caches


def lstm_backward(dhs, caches):
    """Backpropagation through time.

    dhs: (B, T, H)  dL/dh_t from whatever read each step's output (the loss); c_t feeds only step t+1
    Returns dx (B, T, E), dh0 (B, H), dc0 (B, H), dWx (E, 4H), dWh (H, 4H), db (4H,).
    """
    B, T, H = dhs.shape
    x_0, _, _, Wx, Wh = caches[0][:5]
    dx = np.zeros((B, T, x_0.shape[1]), dtype=dhs.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H, dtype=Wh.dtype)
    dh_next = np.zeros((B, H), dtype=dhs.dtype)   # nothing comes back from after the last step
    dc_next = np.zeros((B, H), dtype=dhs.dtype)
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at step t and step t+1
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh_t, dc_next, caches[t])
        dWx += dWx_t                              # every step uses the same weights: their gradients add up
        dWh += dWh_t
        db += db_t
    dh0, dc0 = dh_next, dc_next                   # what the first step sent back to h_0 and c_0
    return dx, dh0, dc0, dWx, dWh, db
