"""The GRU cell in PyTorch's (cuDNN's) form, forward and backward: one step, then a whole sequence.

    r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)                 reset gate      (B, H)
    z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)                 update gate     (B, H)
    n_t = tanh(x_t W_xn + b_xn + r_t (h_{t-1} W_hn + b_hn))      candidate       (B, H)
    h_t = (1 - z_t) n_t + z_t h_{t-1}                            hidden state    (B, H)

The blocks sit side by side in PyTorch's order r, z, n: W_x = [W_xr, W_xz, W_xn] (E, 3H),
W_h = [W_hr, W_hz, W_hn] (H, 3H), b = [b_r, b_z, b_xn] (3H,), and b_hn (H,) on its own: the reset
gate multiplies h_{t-1} W_hn + b_hn, bias included, so b_hn cannot merge into b_xn. In PyTorch's
terms b_r = b_ir + b_hr, b_z = b_iz + b_hz, b_xn = b_in and b_hn = b_hn; weight_ih is W_x^T and
weight_hh is W_h^T. In code W_x is Wx, W_h is Wh and b_hn is bhn.

The code names the parts: xw = x_t W_x + b and hh = h_{t-1} W_h (B, 3H), blocks r, z, n, and
hn = h_{t-1} W_hn + b_hn (B, H), the part of n's input that the reset gate scales. The gates'
inputs before their nonlinearities are

    a_r = xw_r + hh_r        a_z = xw_z + hh_z        a_n = xw_n + r_t hn

With a mask m_t (B, 1) of 0/1, a padding step carries the state through and outputs zeros:

    h_t = m_t h_t + (1 - m_t) h_{t-1},   out_t = m_t h_t

Read minirnn/plain/gru.py first: the same math in its textbook form. This file computes the same
numbers faster (demos/plain_to_fast.py makes each change to the LSTM one at a time). Read it top to
bottom: gru_cell_forward/backward are the element-wise math (on a GPU each is one fused kernel,
kernels/gru_cell.cu); gru_step_forward/backward add the recurrent product and the mask;
gru_forward/backward loop over time.
"""
from collections import namedtuple

from .activations import sigmoid, sigmoid_backward, tanh, tanh_backward
from .backend import array_module
from .fused import fusable

# What one step keeps for its backward: h_prev (B, H) = h_{t-1};  gates (r, z, n), three (B, H);
# hn (B, H) = h_{t-1} W_hn + b_hn;  Wh_T (3H, H) = W_h^T;  m (B, 1) this step's mask, or None.
StepCache = namedtuple("StepCache", "h_prev gates hn Wh_T m")
# What the whole sequence keeps: x (T*B, E) every x_t, time-major (row t*B + b is step t of sequence b);
# hs (T+1, B, H) with hs[t] = h_t, hs[0] = h_0;  ms (T, B, 1) the masks, or T Nones;  Wx (E, 3H);
# steps the T StepCaches.
SequenceCache = namedtuple("SequenceCache", "x hs ms Wx steps")


def gate_blocks(a):
    """(B, 3H) -> its three (B, H) blocks, in PyTorch's order r, z, n (views, no copy)."""
    H = a.shape[1] // 3
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:]


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/gru_cell.cu)
def gru_cell_forward(xw, hh, bhn, h_prev):
    """The element-wise part of one step (no matrix product, no mask).

    xw: (B, 3H)  x_t W_x + b;   hh: (B, 3H)  h_{t-1} W_h (no bias);   bhn: (H,)  b_hn;   h_prev: (B, H)
    Returns h (B, H), gates = (r, z, n) (three (B, H) arrays) and hn (B, H) = h_{t-1} W_hn + b_hn.
    """
    xw_r, xw_z, xw_n = gate_blocks(xw)
    hh_r, hh_z, hh_n = gate_blocks(hh)
    r = sigmoid(xw_r + hh_r)                        # r_t = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)
    z = sigmoid(xw_z + hh_z)                        # z_t = sigmoid(x_t W_xz + b_z + h_{t-1} W_hz)
    hn = hh_n + bhn                                 # hn = h_{t-1} W_hn + b_hn
    n = tanh(xw_n + r * hn)                         # n_t = tanh(x_t W_xn + b_xn + r_t (h_{t-1} W_hn + b_hn))
    h = (1 - z) * n + z * h_prev                    # h_t = (1 - z_t) n_t + z_t h_{t-1}
    return h, (r, z, n), hn


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/gru_cell.cu)
def gru_cell_backward(dh, h_prev, gates, hn):
    """Backward of gru_cell_forward, line by line in reverse.

    dh: (B, H) dL/dh_t;   h_prev, hn: (B, H);   gates: (r, z, n), three (B, H) arrays
    Returns dxw (B, 3H) = dL/d(x_t W_x + b), dhh (B, 3H) = dL/d(h_{t-1} W_h), whose n block is also
    dL/db_hn, and dh_prev_direct (B, H) = dh z_t, the part of dL/dh_{t-1} that skips W_h.
    """
    xp = array_module(dh)
    r, z, n = gates
    dn = dh * (1 - z)                               # backprop through h = (1 - z) n + z h_prev, to n
    dz = dh * (h_prev - n)                          # ... to z
    # ... and to h_prev, straight: the GRU's counterpart of the LSTM's cell path. This share of
    # dL/dh_{t-1} meets no W_h and no squashing, so while z stays near 1 the gradient survives many steps.
    dh_prev_direct = dh * z
    da_n = tanh_backward(dn, n)                     # backprop through n = tanh(a_n): dn (1 - n^2)
    dr = da_n * hn                                  # backprop through r hn, to r
    dhn = da_n * r                                  # ... and to hn = h_{t-1} W_hn + b_hn
    da_r = sigmoid_backward(dr, r)                  # backprop through r = sigmoid(a_r): dr r (1 - r)
    da_z = sigmoid_backward(dz, z)                  # backprop through z = sigmoid(a_z): dz z (1 - z)
    dxw = xp.concatenate([da_r, da_z, da_n], axis=1)    # a_r, a_z, a_n each hold x_t W_x + b once: (B, 3H)
    dhh = xp.concatenate([da_r, da_z, dhn], axis=1)     # a_r, a_z hold h_{t-1} W_h; a_n only through r: (B, 3H)
    return dxw, dhh, dh_prev_direct


def gru_step_forward(xw, h_prev, Wh, bhn, m=None, Wh_T=None):
    """One time step.

    xw:     (B, 3H)  x_t W_x + b, already computed for every t by gru_forward
    h_prev: (B, H)   h_{t-1}
    Wh:     (H, 3H)  W_h;   bhn: (H,)  b_hn
    m:      (B, 1)   this step's mask of 0/1, or None
    Wh_T:   (3H, H)  W_h^T as its own contiguous array, for the backward step (None: Wh.T)
    Returns h (B, H) and the StepCache the backward step needs.
    """
    hh = h_prev @ Wh                                # h_{t-1} W_h: (B, H) @ (H, 3H) -> (B, 3H)
    h, gates, hn = gru_cell_forward(xw, hh, bhn, h_prev)
    if m is not None:
        h = m * h + (1 - m) * h_prev                # h_t = m_t h_t + (1 - m_t) h_{t-1}: padding keeps h_{t-1}
    return h, StepCache(h_prev, gates, hn, Wh.T if Wh_T is None else Wh_T, m)


def gru_step_backward(dh, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    Returns dxw (B, 3H) = dL/d(x_t W_x + b), dhh (B, 3H) = dL/d(h_{t-1} W_h), and dh_prev (B, H).
    """
    m = cache.m
    if m is not None:
        dh_skip = (1 - m) * dh                      # backprop through the mask: padding passes dh to h_{t-1} ...
        dh = m * dh                                 # ... real steps pass it to the cell
    dxw, dhh, dh_prev_direct = gru_cell_backward(dh, cache.h_prev, cache.gates, cache.hn)
    dh_prev = dh_prev_direct + dhh @ cache.Wh_T     # straight, and through h_{t-1} W_h: (B, 3H) @ (3H, H) -> (B, H)
    if m is not None:
        dh_prev += dh_skip                          # ... plus what a padding step passed straight back
    return dxw, dhh, dh_prev


def gru_forward(x, h0, Wx, Wh, b, bhn, mask=None):
    """Run the cell over a whole sequence.

    x:    (B, T, E)   inputs
    h0:   (B, H)      initial state
    Wx:   (E, 3H), Wh: (H, 3H), b: (3H,), bhn: (H,)
    mask: (B, T)      0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H) (the state after the last real step), and a SequenceCache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    x = xp.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, E)   # every x_t, time-major: (T*B, E)
    xw = (x @ Wx + b).reshape(T, B, 3 * H)                     # x_t W_x + b for every t: (T*B, E) @ (E, 3H) -> (T, B, 3H)
    ms = [None] * T if mask is None else mask.T[:, :, None]    # m_t for every t: (T, B, 1)
    hs = [h0]                                                  # h_0, then h_1 .. h_T as the loop makes them
    Wh_T = xp.ascontiguousarray(Wh.T)                          # W_h^T once, for every backward step
    steps = []
    for t in range(T):
        h, step = gru_step_forward(xw[t], hs[-1], Wh, bhn, ms[t], Wh_T)
        hs.append(h)
        steps.append(step)
    hs = xp.stack(hs)                                          # (T + 1, B, H), hs[t] = h_t: one copy, after the loop
    out = hs[1:] if mask is None else hs[1:] * ms              # out_t = m_t h_t: (T, B, H)
    return out.transpose(1, 0, 2), hs[T], SequenceCache(x, hs, ms, Wx, steps)


def gru_backward(d_out, dh_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)  dL/dout
    dh_T:  (B, H)     dL/dh_T from whatever used the final state, or None
    Returns dx (B, T, E), dh0 (B, H), and grads
    {"Wx": (E, 3H), "Wh": (H, 3H), "b": (3H,), "bhn": (H,)}.
    """
    x, hs, ms, Wx, steps = cache.x, cache.hs, cache.ms, cache.Wx, cache.steps
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    d_out = d_out.transpose(1, 0, 2)                   # time-major: (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t h_t
    dxw = xp.empty((T, B, 3 * H), dtype=hs.dtype)      # dL/d(x_t W_x + b) for every t
    dhh = xp.empty((T, B, 3 * H), dtype=hs.dtype)      # dL/d(h_{t-1} W_h) for every t
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        dxw[t], dhh[t], dh_next = gru_step_backward(dh, steps[t])
    # Every step shares the weights, so their gradients sum over t (and the batch): one product each.
    dxw, dhh = dxw.reshape(T * B, 3 * H), dhh.reshape(T * B, 3 * H)   # every step's, time-major: (T*B, 3H)
    dWx = x.T @ dxw                                    # sum_t x_t^T dxw_t: (E, T*B) @ (T*B, 3H) -> (E, 3H)
    dWh = hs[:-1].reshape(T * B, H).T @ dhh            # sum_t h_{t-1}^T dhh_t: (H, T*B) @ (T*B, 3H) -> (H, 3H)
    db = dxw.sum(axis=0)                               # sum_t sum_b dxw_t: (3H,)
    dbhn = dhh[:, 2 * H:].sum(axis=0)                  # sum_t sum_b dhh_t[n]: (H,)
    dx = (dxw @ Wx.T).reshape(T, B, -1).transpose(1, 0, 2)  # dx_t = dxw_t W_x^T: (T*B, 3H) @ (3H, E) -> (B, T, E)
    return dx, dh_next, {"Wx": dWx, "Wh": dWh, "b": db, "bhn": dbhn}
