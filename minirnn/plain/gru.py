"""The GRU in its textbook form (PyTorch's variant): one step, the loop, and backpropagation through time.

    r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)               reset gate        (B, H)
    z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)               update gate       (B, H)
    n_t = tanh(x_t W_xn + b_xn + r_t (h_{t-1} W_hn + b_hn))    candidate         (B, H)
    h_t = (1 - z_t) n_t + z_t h_{t-1}                          hidden state      (B, H)

The blocks sit side by side in the order r, z, n: W_x = [W_xr, W_xz, W_xn] (E, 3H), W_h = [W_hr, W_hz, W_hn]
(H, 3H), b = [b_r, b_z, b_xn] (3H,), and b_hn (H,) on its own, because r_t multiplies it. The code names
the parts: xw = x_t W_x + b and hh = h_{t-1} W_h (B, 3H), and hn = h_{t-1} W_hn + b_hn (B, H), the part
of n's input that the reset gate scales. The pre-activations are a_r = xw_r + hh_r, a_z = xw_z + hh_z and
a_n = xw_n + r_t hn. Products of two (B, H) arrays are element-wise. Backward, given dh_t = dL/dh_t:

    dn = dh_t (1 - z)    dz = dh_t (h_{t-1} - n)    dh_{t-1} gets dh_t z straight     through h_t
    da_n = dn (1 - n^2)    dr = da_n hn    dhn = da_n r    da_r = dr r(1 - r)    da_z = dz z(1 - z)
    dxw = [da_r, da_z, da_n]    dhh = [da_r, da_z, dhn]    (B, 3H): what reached xw and hh
    dx_t = dxw W_x^T    dh_{t-1} = dh_t z + dhh W_h^T    dW_x += x_t^T dxw    dW_h += h_{t-1}^T dhh
    db += sum_b dxw    db_hn += sum_b dhn

Shapes: x (B, T, E), h_t (B, H). In code W_x is Wx, W_h is Wh, b_hn is bhn.
The loops count steps from 0, the math from 1: x[:, t] is x_{t+1} (minirnn/__init__.py).
minirnn/gru.py computes the same numbers faster; tests/test_plain.py checks that they agree.
"""
import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a), element-wise. Its derivative, in terms of its output s: s (1 - s)."""
    return 1 / (1 + np.exp(-a))


def gru_step_forward(x_t, h_prev, Wx, Wh, b, bhn):
    """One step forward.

    x_t: (B, E)   h_prev: (B, H) = h_{t-1}   Wx: (E, 3H)   Wh: (H, 3H)   b: (3H,)   bhn: (H,)
    Returns h_t (B, H) and cache, what gru_step_backward needs.
    """
    H = h_prev.shape[1]
    xw = x_t @ Wx + b                             # x_t W_x + b: (B, E) @ (E, 3H) -> (B, 3H)
    hh = h_prev @ Wh                              # h_{t-1} W_h: (B, H) @ (H, 3H) -> (B, 3H)
    r = sigmoid(xw[:, :H] + hh[:, :H])            # r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)
    z = sigmoid(xw[:, H:2 * H] + hh[:, H:2 * H])  # z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)
    hn = hh[:, 2 * H:] + bhn                      # hn = h_{t-1} W_hn + b_hn
    n = np.tanh(xw[:, 2 * H:] + r * hn)           # n_t = tanh(x_t W_xn + b_xn + r_t hn)
    h_t = (1 - z) * n + z * h_prev                # h_t = (1 - z_t) n_t + z_t h_{t-1}
    cache = (x_t, h_prev, Wx, Wh, r, z, n, hn)
    return h_t, cache


def gru_step_backward(dh_t, cache):
    """One step backward.

    dh_t: (B, H) = dL/dh_t
    cache: what gru_step_forward returned
    Returns dx_t (B, E), dh_prev (B, H), and this step's share of the weight gradients:
    dWx (E, 3H), dWh (H, 3H), db (3H,), dbhn (H,).
    """
    x_t, h_prev, Wx, Wh, r, z, n, hn = cache
    dn = dh_t * (1 - z)                           # backprop through h_t = (1 - z) n + z h_{t-1}, to n
    dz = dh_t * (h_prev - n)                      # ... to z
    da_n = dn * (1 - n ** 2)                      # backprop through n = tanh(a_n): 1 - n^2
    dr = da_n * hn                                # backprop through r * hn, to r
    dhn = da_n * r                                # ... and to hn
    da_r = dr * r * (1 - r)                       # backprop through r = sigmoid(a_r): r (1 - r)
    da_z = dz * z * (1 - z)                       # backprop through z = sigmoid(a_z): z (1 - z)
    dxw = np.concatenate([da_r, da_z, da_n], axis=1)   # what reached x_t W_x + b: (B, 3H)
    dhh = np.concatenate([da_r, da_z, dhn], axis=1)    # what reached h_{t-1} W_h: (B, 3H)
    dx_t = dxw @ Wx.T                             # backprop through x_t W_x: (B, 3H) @ (3H, E) -> (B, E)
    # h_{t-1} reaches h_t straight, through z h_{t-1}, as well as through W_h. That straight path, like
    # the LSTM's cell state, meets no weight and no squashing: while z is near 1 the gradient survives.
    dh_prev = dh_t * z + dhh @ Wh.T               # (B, H) + (B, 3H) @ (3H, H) -> (B, H)
    dWx = x_t.T @ dxw                             # dW_x = x_t^T dxw: (E, B) @ (B, 3H) -> (E, 3H)
    dWh = h_prev.T @ dhh                          # dW_h = h_{t-1}^T dhh: (H, B) @ (B, 3H) -> (H, 3H)
    db = dxw.sum(axis=0)                          # b is added to every row of the batch: (3H,)
    dbhn = dhn.sum(axis=0)                        # b_hn sits inside hn: (H,)
    return dx_t, dh_prev, dWx, dWh, db, dbhn


def gru_forward(x, h0, Wx, Wh, b, bhn):
    """The whole sequence, one step after the other.

    x: (B, T, E)   h0: (B, H)   Wx: (E, 3H)   Wh: (H, 3H)   b: (3H,)   bhn: (H,)
    Returns hs (B, T, H), the state after every step (hs[:, -1] is the final state), and caches,
    the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]), dtype=h0.dtype)
    caches = []
    h = h0
    for t in range(T):
        h, cache = gru_step_forward(x[:, t], h, Wx, Wh, b, bhn)
        hs[:, t] = h
        caches.append(cache)
    return hs, caches


def gru_backward(dhs, caches):
    """Backpropagation through time.

    dhs: (B, T, H)  dL/dh_t from whatever read each step's output (the loss)
    Returns dx (B, T, E), dh0 (B, H), dWx (E, 3H), dWh (H, 3H), db (3H,), dbhn (H,).
    """
    B, T, H = dhs.shape
    x_0, _, Wx, Wh = caches[0][:4]
    dx = np.zeros((B, T, x_0.shape[1]), dtype=dhs.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db, dbhn = np.zeros(3 * H, dtype=Wh.dtype), np.zeros(H, dtype=Wh.dtype)
    dh_next = np.zeros((B, H), dtype=dhs.dtype)   # nothing comes back from after the last step
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at step t and step t+1
        dx[:, t], dh_next, dWx_t, dWh_t, db_t, dbhn_t = gru_step_backward(dh_t, caches[t])
        dWx += dWx_t                              # every step uses the same weights: their gradients add up
        dWh += dWh_t
        db += db_t
        dbhn += dbhn_t
    dh0 = dh_next                                 # what the first step sent back to h_0
    return dx, dh0, dWx, dWh, db, dbhn
