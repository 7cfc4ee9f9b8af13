"""minirnn exercise: gru. Write the GRU's forward step, backward step and BPTT yourself.

Fill in every part between "your code" and "end of your code", then run

    minirnn check THIS_FILE

It runs your functions on small random float64 inputs, compares every output and gradient with
minirnn's own GRU and with finite differences, and names the first quantity that is wrong.

Notation (row vectors, batch first, as in minirnn's README), PyTorch's GRU:
    B batch size, T time steps, E input features, H hidden units
    x_t (B, E)    h_t (B, H)    Wx = W_x (E, 3H)    Wh = W_h (H, 3H)    b (3H,)    bhn = b_hn (H,)
The 3H columns are three blocks side by side, in PyTorch's order r, z, n:
    a[:, :H] is r's, a[:, H:2H] z's, a[:, 2H:] n's.
b = [b_r, b_z, b_xn]; b_hn stays apart because the reset gate multiplies it.
A gradient is named after what it differentiates: dWh = dL/dW_h, dh_prev = dL/dh_{t-1}.
Only NumPy is needed: a @ b is the matrix product, a.T the transpose, a.sum(axis=0) sums over the batch,
np.concatenate([p, q], axis=1) puts (B, H) blocks side by side.
"""
import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a), element-wise (given). Its derivative is sigmoid(a) (1 - sigmoid(a))."""
    return 1 / (1 + np.exp(-a))


def gru_step_forward(x_t, h_prev, Wx, Wh, b, bhn):
    """One step forward.

        xw = x_t W_x + b     hw = h_{t-1} W_h     (B, 3H) each, blocks r, z, n
        r   = sigmoid(xw_r + hw_r)               reset gate     (B, H)
        z   = sigmoid(xw_z + hw_z)               update gate    (B, H)
        hWn  = hw_n + b_hn                        (B, H)
        n   = tanh(xw_n + r * hWn)                candidate      (B, H)
        h_t = (1 - z) * n + z * h_{t-1}          (B, H)

    x_t: (B, E)   h_prev: (B, H)   Wx: (E, 3H)   Wh: (H, 3H)   b: (3H,)   bhn: (H,)
    Returns h_t (B, H) and cache: whatever gru_step_backward needs.
    """
    # ---- your code ---- blank: h_t, cache = None, None
    H = h_prev.shape[1]
    xw = x_t @ Wx + b                             # (B, 3H)
    hw = h_prev @ Wh                              # (B, 3H)
    r = sigmoid(xw[:, :H] + hw[:, :H])
    z = sigmoid(xw[:, H:2 * H] + hw[:, H:2 * H])
    hWn = hw[:, 2 * H:] + bhn
    n = np.tanh(xw[:, 2 * H:] + r * hWn)
    h_t = (1 - z) * n + z * h_prev
    cache = (x_t, h_prev, Wx, Wh, r, z, n, hWn)
    # ---- end of your code ----
    return h_t, cache


def gru_step_backward(dh_t, cache):
    """One step backward, given dh_t = dL/dh_t (B, H).

        dn = dh_t * (1 - z)     dz = dh_t * (h_{t-1} - n)          through h_t = (1 - z) n + z h_{t-1}
        dan = dn * (1 - n^2)                                       through tanh
        dr = dan * hWn           dhWn = dan * r                      through r * hWn
        dar = dr r (1 - r)      daz = dz z (1 - z)                 through the sigmoids
        dxw = [dar, daz, dan]   dhw = [dar, daz, dhWn]              (B, 3H): what reaches xw and hw
        dx_t = dxw W_x^T     dWx = x_t^T dxw     db = sum_batch dxw
        dWh = h_{t-1}^T dhw     dbhn = sum_batch dhWn
        dh_prev = dh_t * z + dhw W_h^T                             straight through, and through h_{t-1} W_h

    Returns dx_t (B, E), dh_prev (B, H), dWx (E, 3H), dWh (H, 3H), db (3H,), dbhn (H,).
    """
    # ---- your code ---- blank: dx_t = dh_prev = dWx = dWh = db = dbhn = None
    x_t, h_prev, Wx, Wh, r, z, n, hWn = cache
    dn = dh_t * (1 - z)                           # backprop through h = (1 - z) n + z h_prev, to n
    dz = dh_t * (h_prev - n)                      # ... to z
    dan = dn * (1 - n ** 2)                       # backprop through tanh
    dr = dan * hWn                                 # backprop through r * hWn, to r
    dhWn = dan * r                                 # ... to hWn
    dar, daz = dr * r * (1 - r), dz * z * (1 - z)   # backprop through the sigmoids
    dxw = np.concatenate([dar, daz, dan], axis=1)   # (B, 3H)
    dhw = np.concatenate([dar, daz, dhWn], axis=1)   # (B, 3H)
    dx_t = dxw @ Wx.T                             # backprop through x_t W_x
    dh_prev = dh_t * z + dhw @ Wh.T               # straight through z h_prev, and through h_prev W_h
    dWx = x_t.T @ dxw
    dWh = h_prev.T @ dhw
    db = dxw.sum(axis=0)
    dbhn = dhWn.sum(axis=0)
    # ---- end of your code ----
    return dx_t, dh_prev, dWx, dWh, db, dbhn


def gru_forward(x, h0, Wx, Wh, b, bhn):
    """The whole sequence, one step after the other (given: gru_backward runs this loop backwards).

    x: (B, T, E)   h0: (B, H)   Wx: (E, 3H)   Wh: (H, 3H)   b: (3H,)   bhn: (H,)
    Returns hs (B, T, H) with hs[:, t] = h_t, and caches: the list of the T step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]))
    caches = []
    h = h0
    for t in range(T):
        h, cache = gru_step_forward(x[:, t], h, Wx, Wh, b, bhn)
        hs[:, t] = h
        caches.append(cache)
    return hs, caches


def gru_backward(dhs, caches):
    """Backpropagation through time, given dhs (B, T, H): dL/dh_t from the loss at every step t.

    h_t feeds the loss at step t and the next step, so its gradient has two parts:
        dh_t is dhs[:, t] + dh_next          dh_next: the dh_prev that step t+1 returned (zeros at t = T-1)
    Every step uses the same weights, so dWx, dWh, db, dbhn are sums over t of each step's gradients.
    Returns dx (B, T, E), dh0 (B, H), dWx (E, 3H), dWh (H, 3H), db (3H,), dbhn (H,).
    """
    # ---- your code ---- blank: dx = dh0 = dWx = dWh = db = dbhn = None
    B, T, H = dhs.shape
    E = caches[0][0].shape[1]
    dx = np.zeros((B, T, E))
    dWx, dWh, db, dbhn = 0, 0, 0, 0
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        dh_t = dhs[:, t] + dh_next                # h_t feeds the loss at t and step t+1
        dx[:, t], dh_next, dWx_t, dWh_t, db_t, dbhn_t = gru_step_backward(dh_t, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        dbhn += dbhn_t
    dh0 = dh_next
    # ---- end of your code ----
    return dx, dh0, dWx, dWh, db, dbhn
