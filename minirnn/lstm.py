"""The LSTM cell, forward and backward, one step and a whole sequence.

    a_t = x_t W_x + h_{t-1} W_h + b              (B, 4H)  four gate blocks, PyTorch's order i, f, g, o
    i_t = sigmoid(a_t[i])                        input gate        (B, H)
    f_t = sigmoid(a_t[f])                        forget gate       (B, H)
    g_t = tanh(a_t[g])                           candidate cell    (B, H)
    o_t = sigmoid(a_t[o])                        output gate       (B, H)
    c_t = f_t * c_{t-1} + i_t * g_t              cell state        (B, H)
    h_t = o_t * tanh(c_t)                        hidden state      (B, H)

With a mask m_t (B, 1) of 0/1, padding steps carry both states through and output zeros:

    c_t = m_t * c_t + (1 - m_t) * c_{t-1},   h_t = m_t * h_t + (1 - m_t) * h_{t-1},   out_t = m_t * h_t

Shapes: x (B, T, E), W_x (E, 4H), W_h (H, 4H), b (4H,), h and c (B, H), out (B, T, H).
PyTorch keeps two biases, b_ih + b_hh; they always appear as a sum, so here they are one b.

Speed without hiding the math: x_t W_x + b does not depend on h, so lstm_forward computes it for
all T steps in one matrix product before the loop, and lstm_backward forms the weight gradients
with one product each after its loop.
"""
from .activations import sigmoid, sigmoid_backward, tanh, tanh_backward
from .backend import array_module


def lstm_step_forward(xw, h_prev, c_prev, Wh, m=None):
    """One time step.

    xw:     (B, 4H)  x_t W_x + b, already computed for every t by lstm_forward
    h_prev: (B, H), c_prev: (B, H)   the states h_{t-1} and c_{t-1}
    Wh:     (H, 4H)
    m:      (B, 1)   mask of 0/1 for this step, or None
    Returns h (B, H), c (B, H) and the cache the backward step needs.
    """
    xp = array_module(xw)
    H = h_prev.shape[1]
    a = xw + h_prev @ Wh                          # (B, H) @ (H, 4H) -> (B, 4H)
    gates = xp.empty_like(a)                      # (B, 4H): i, f, g, o after their nonlinearities
    gates[:, :2 * H] = sigmoid(a[:, :2 * H])      # i, f
    gates[:, 2 * H:3 * H] = tanh(a[:, 2 * H:3 * H])   # g
    gates[:, 3 * H:] = sigmoid(a[:, 3 * H:])      # o
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c = f * c_prev + i * g                        # (B, H)
    tanh_c = tanh(c)
    h = o * tanh_c                                # (B, H)
    if m is not None:
        c = m * c + (1 - m) * c_prev              # masked rows keep c_{t-1}
        h = m * h + (1 - m) * h_prev              # ... and h_{t-1}
    cache = (h_prev, c_prev, gates, tanh_c, Wh, m)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    dc: (B, H)  dL/dc_t (from step t+1)
    Returns da (B, 4H) = dL/da_t (also dL/d(x_t W_x + b)), dh_prev (B, H), dc_prev (B, H).
    """
    h_prev, c_prev, gates, tanh_c, Wh, m = cache
    xp = array_module(dh)
    H = dh.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dh_cell, dc_cell = (dh, dc) if m is None else (m * dh, m * dc)   # backprop through the mask
    do = dh_cell * tanh_c                                 # backprop through h = o * tanh(c), to o
    dc_cell = dc_cell + tanh_backward(dh_cell * o, tanh_c)   # ... and to c, through tanh: 1 - tanh(c)^2
    di = dc_cell * g                                      # backprop through c = f * c_prev + i * g
    df = dc_cell * c_prev
    dg = dc_cell * i
    dc_prev = dc_cell * f
    da = xp.empty_like(gates)                             # (B, 4H)
    da[:, :H] = sigmoid_backward(di, i)                   # backprop through sigmoid: s (1 - s)
    da[:, H:2 * H] = sigmoid_backward(df, f)
    da[:, 2 * H:3 * H] = tanh_backward(dg, g)             # backprop through tanh: 1 - g^2
    da[:, 3 * H:] = sigmoid_backward(do, o)
    dh_prev = da @ Wh.T                                   # backprop through h_{t-1} W_h: (B, 4H) @ (4H, H) -> (B, H)
    if m is not None:
        dh_prev += (1 - m) * dh                           # masked rows pass dh and dc straight back
        dc_prev += (1 - m) * dc
    return da, dh_prev, dc_prev


def lstm_forward(x, h0, c0, Wx, Wh, b, mask=None):
    """Run the cell over a whole sequence.

    x:    (B, T, E)       inputs
    h0:   (B, H), c0: (B, H)   initial states
    Wx:   (E, 4H), Wh: (H, 4H), b: (4H,)
    mask: (B, T)          0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H), c_T (B, H) (the states after the last real step), and a cache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    xt = xp.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, E)  # time-major, so step t is one block
    xw = (xt @ Wx + b).reshape(T, B, 4 * H)   # all steps at once: (T*B, E) @ (E, 4H) -> (T, B, 4H)
    ms = [None] * T if mask is None else mask.T[:, :, None]           # (T, B, 1)
    hs = xp.empty((T + 1, B, H), dtype=x.dtype)                       # hs[t + 1] = h_t, hs[0] = h0
    hs[0] = h0
    c = c0
    caches = []
    for t in range(T):
        hs[t + 1], c, cache = lstm_step_forward(xw[t], hs[t], c, Wh, ms[t])
        caches.append(cache)
    out = hs[1:] if mask is None else hs[1:] * ms                     # (T, B, H), zero at padding
    return out.transpose(1, 0, 2), hs[T], c, (xt, hs, ms, Wx, caches)


def lstm_backward(d_out, dh_T, dc_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)   dL/dout
    dh_T, dc_T: (B, H) dL/dh_T and dL/dc_T from whatever used the final states, or None
    Returns dx (B, T, E), dh0 (B, H), dc0 (B, H), and grads {"Wx": (E, 4H), "Wh": (H, 4H), "b": (4H,)}.
    """
    xt, hs, ms, Wx, caches = cache
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    E = Wx.shape[0]
    d_out = d_out.transpose(1, 0, 2)                   # (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t * h_t
    da = xp.empty((T, B, 4 * H), dtype=hs.dtype)       # dL/da_t for every step
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    dc_next = xp.zeros((B, H), dtype=hs.dtype) if dc_T is None else dc_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        da[t], dh_next, dc_next = lstm_step_backward(dh, dc_next, caches[t])
    # Weight gradients sum over steps and batch: one product each instead of T small ones.
    da = da.reshape(T * B, 4 * H)
    dWx = xt.T @ da                                    # backprop through x_t W_x: (E, T*B) @ (T*B, 4H) -> (E, 4H)
    dWh = hs[:-1].reshape(T * B, H).T @ da             # backprop through h_{t-1} W_h: (H, T*B) @ (T*B, 4H) -> (H, 4H)
    db = da.sum(axis=0)                                # backprop through + b: (T*B, 4H) -> (4H,)
    dx = (da @ Wx.T).reshape(T, B, E).transpose(1, 0, 2)   # (T*B, 4H) @ (4H, E) -> (B, T, E)
    return dx, dh_next, dc_next, {"Wx": dWx, "Wh": dWh, "b": db}
