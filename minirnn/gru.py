"""The GRU cell in PyTorch's (cuDNN's) form, forward and backward, one step and a whole sequence.

    r_t = sigmoid(x_t W_xr + h_{t-1} W_hr + b_r)                 reset gate      (B, H)
    z_t = sigmoid(x_t W_xz + h_{t-1} W_hz + b_z)                 update gate     (B, H)
    n_t = tanh(x_t W_xn + b_xn + r_t * (h_{t-1} W_hn + b_hn))    candidate       (B, H)
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}                        hidden state    (B, H)

The reset gate multiplies h_{t-1} W_hn + b_hn, bias included, so b_hn cannot merge into b_xn.
The blocks sit side by side in PyTorch's order r, z, n: W_x (E, 3H), W_h (H, 3H), and
b (3H,) = [b_r, b_z, b_xn] (PyTorch's b_ir + b_hr, b_iz + b_hz, b_in), plus b_hn (H,).

With a mask m_t (B, 1) of 0/1, padding steps carry the state through and output zeros:

    h_t = m_t * h_t + (1 - m_t) * h_{t-1},   out_t = m_t * h_t

Speed without hiding the math: x_t W_x + b does not depend on h, so gru_forward computes it for
all T steps in one matrix product before the loop, and gru_backward forms the weight gradients
with one product each after its loop. The bias rides in the input product as the weight of a
constant input 1: [x_t, 1] [W_x; b] = x_t W_x + b.

The backward step multiplies by W_h^T, which the forward pass copies once into its own contiguous
array (OpenBLAS multiplies by it ~25% faster than by the transposed view Wh.T). The element-wise
part of a step is its own function, gru_cell_forward/backward, kept free of matmuls and masks.
"""
from .activations import sigmoid, sigmoid_backward, tanh, tanh_backward
from .backend import array_module, fusable
from .rnn import inputs_with_ones


def _blocks(a):
    """(B, 3H) -> its three (B, H) blocks, in PyTorch's order r, z, n (views, no copy)."""
    H = a.shape[1] // 3
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:]


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def gru_cell_forward(xw, hh, bhn, h_prev):
    """The element-wise part of one step (no matrix product, no mask).

    xw: (B, 3H)  x_t W_x + b;   hh: (B, 3H)  h_{t-1} W_h (no bias);   bhn: (H,);   h_prev: (B, H)
    Returns h (B, H), gates (B, 3H) = [r, z, n], and hn (B, H) = h_{t-1} W_hn + b_hn.
    """
    xp = array_module(xw)
    H = h_prev.shape[1]
    rz = sigmoid(xw[:, :2 * H] + hh[:, :2 * H])       # r and z side by side, one sigmoid for both: (B, 2H)
    r, z = rz[:, :H], rz[:, H:]
    hn = hh[:, 2 * H:] + bhn                          # h_{t-1} W_hn + b_hn: (B, H)
    n = r * hn
    n += xw[:, 2 * H:]
    tanh(n, out=n)                                    # n = tanh(x W_xn + b_xn + r * hn): (B, H)
    h = h_prev - n
    h *= z
    h += n                                            # h = (1 - z) n + z h_prev = n + z (h_prev - n)
    gates = xp.concatenate([rz, n], axis=1)           # (B, 3H) = [r, z, n]
    return h, gates, hn


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def gru_cell_backward(dh, h_prev, gates, hn):
    """Backward of gru_cell_forward.

    dh: (B, H) dL/dh_t;   h_prev, hn: (B, H);   gates: (B, 3H) = [r, z, n]
    Returns dxw (B, 3H) = dL/d(x_t W_x + b), dhh (B, 3H) = dL/d(h_{t-1} W_h + [0, 0, b_hn]),
    and dh_prev_direct (B, H) = dh * z, the part of dL/dh_{t-1} that skips W_h.
    """
    xp = array_module(dh)
    H = dh.shape[1]
    r, z, n = _blocks(gates)
    dn = dh * z
    xp.subtract(dh, dn, out=dn)                       # backprop through h = (1 - z) n + z h_prev, to n: dh (1 - z)
    dz = h_prev - n
    dz *= dh                                          # ... to z: dh (h_prev - n)
    dh_prev_direct = dh * z                           # ... and to h_prev
    dan = tanh_backward(dn, n, out=dn)                # backprop through tanh: 1 - n^2
    dr = dan * hn                                     # backprop through r * hn, to r
    drz = xp.concatenate([dr, dz], axis=1)            # (B, 2H)
    sigmoid_backward(drz, gates[:, :2 * H], out=drz)  # backprop through both sigmoids: s (1 - s)
    dxw = xp.concatenate([drz, dan], axis=1)          # (B, 3H): r and z see x and h through the same sum ...
    dhh = xp.concatenate([drz, dan * r], axis=1)      # ... n sees h only through r * hn
    return dxw, dhh, dh_prev_direct


def gru_step_forward(xw, h_prev, Wh, bhn, m=None, Wh_T=None):
    """One time step.

    xw:     (B, 3H)  x_t W_x + b, already computed for every t by gru_forward
    h_prev: (B, H)   h_{t-1}
    Wh:     (H, 3H), bhn: (H,)
    m:      (B, 1)   mask of 0/1 for this step, or None
    Wh_T:   (3H, H)  W_h^T as its own contiguous array, for the backward step (None: Wh.T)
    Returns h (B, H) and the cache the backward step needs.
    """
    hh = h_prev @ Wh                                  # (B, H) @ (H, 3H) -> (B, 3H)
    h, gates, hn = gru_cell_forward(xw, hh, bhn, h_prev)
    if m is not None:
        h = m * h + (1 - m) * h_prev                  # masked rows keep h_{t-1}
    cache = (h_prev, gates, hn, Wh.T if Wh_T is None else Wh_T, m)
    return h, cache


def gru_step_backward(dh, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    Returns dxw (B, 3H) = dL/d(x_t W_x + b), dhw (B, 3H) = dL/d(h_{t-1} W_h + [0, 0, b_hn]),
    and dh_prev (B, H).
    """
    h_prev, gates, hn, Wh_T, m = cache
    dh_cell = dh if m is None else m * dh              # backprop through the mask
    dxw, dhw, dh_prev = gru_cell_backward(dh_cell, h_prev, gates, hn)
    dh_prev += dhw @ Wh_T                              # backprop through h_{t-1} W_h: (B, 3H) @ (3H, H) -> (B, H)
    if m is not None:
        dh_prev += (1 - m) * dh                        # masked rows pass dh straight back
    return dxw, dhw, dh_prev


def gru_forward(x, h0, Wx, Wh, b, bhn, mask=None):
    """Run the cell over a whole sequence.

    x:    (B, T, E)   inputs
    h0:   (B, H)      initial state
    Wx:   (E, 3H), Wh: (H, 3H), b: (3H,), bhn: (H,)
    mask: (B, T)      0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H) (the state after the last real step), and a cache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    # All steps' x_t W_x + b in one matrix product, with the bias as the weight of a constant input 1:
    # [x_t, 1] [W_x; b] = x_t W_x + b, so no separate pass adds b to (T, B, 3H).
    x1 = inputs_with_ones(x)                                          # (T*B, E+1): [x_t, 1] for every t
    xw = (x1 @ xp.concatenate([Wx, b[None]])).reshape(T, B, 3 * H)  # (T*B, E+1) @ (E+1, 3H) -> (T, B, 3H)
    ms = [None] * T if mask is None else mask.T[:, :, None]           # (T, B, 1)
    hs = xp.empty((T + 1, B, H), dtype=x.dtype)                       # hs[t + 1] = h_t, hs[0] = h0
    hs[0] = h0
    Wh_T = xp.ascontiguousarray(Wh.T)                                 # once, for the backward products
    caches = []
    for t in range(T):
        hs[t + 1], cache = gru_step_forward(xw[t], hs[t], Wh, bhn, ms[t], Wh_T)
        caches.append(cache)
    out = hs[1:] if mask is None else hs[1:] * ms                     # (T, B, H), zero at padding
    return out.transpose(1, 0, 2), hs[T], (x1, hs, ms, Wx, caches)


def gru_backward(d_out, dh_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)  dL/dout
    dh_T:  (B, H)     dL/dh_T from whatever used the final state, or None
    Returns dx (B, T, E), dh0 (B, H), and grads
    {"Wx": (E, 3H), "Wh": (H, 3H), "b": (3H,), "bhn": (H,)}.
    """
    x1, hs, ms, Wx, caches = cache
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    E = Wx.shape[0]
    d_out = d_out.transpose(1, 0, 2)                   # (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t * h_t
    dxw = xp.empty((T, B, 3 * H), dtype=hs.dtype)      # dL/d(x_t W_x + b) for every step
    dhw = xp.empty((T, B, 3 * H), dtype=hs.dtype)      # dL/d(h_{t-1} W_h + [0, 0, b_hn]) for every step
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        dxw[t], dhw[t], dh_next = gru_step_backward(dh, caches[t])
    # Weight gradients sum over steps and batch: one product each instead of T small ones.
    dxw, dhw = dxw.reshape(T * B, 3 * H), dhw.reshape(T * B, 3 * H)
    dWxb = x1.T @ dxw                                  # backprop through [x_t, 1] [W_x; b]: (E+1, T*B) @ (T*B, 3H) -> (E+1, 3H)
    dWx, db = dWxb[:E], dWxb[E]                        # the last row is b's: its input was the constant 1
    dWh = hs[:-1].reshape(T * B, H).T @ dhw            # backprop through h_{t-1} W_h: (H, T*B) @ (T*B, 3H) -> (H, 3H)
    dbhn = dhw[:, 2 * H:].sum(axis=0)                  # backprop through + b_hn: (H,)
    dx = (dxw @ Wx.T).reshape(T, B, E).transpose(1, 0, 2)  # (T*B, 3H) @ (3H, E) -> (B, T, E)
    return dx, dh_next, {"Wx": dWx, "Wh": dWh, "b": db, "bhn": dbhn}
