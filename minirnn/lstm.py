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
with one product each after its loop. The bias rides in the input product as the weight of a
constant input 1: [x_t, 1] [W_x; b] = x_t W_x + b.

The backward step multiplies by W_h^T, which the forward pass copies once into its own contiguous
array (OpenBLAS multiplies by it ~25% faster than by the transposed view Wh.T). The element-wise
part of a step is its own function, lstm_cell_forward/backward, kept free of matmuls and masks.
"""
import functools

from .activations import tanh, tanh_backward
from .backend import array_module, fusable
from .rnn import inputs_with_ones


@functools.lru_cache(maxsize=16)
def _sigmoid_tanh_coefficients(xp, B, H, dtype):
    """half, shift (B, 4H) so that half * tanh(half * a) + shift is sigmoid on i, f, o and tanh on g.

    sigmoid(a) = 0.5 tanh(0.5 a) + 0.5 -> half = 0.5, shift = 0.5;  tanh(a) -> half = 1, shift = 0.
    Full (B, 4H) arrays, not (4H,) rows: NumPy multiplies two same-shape arrays ~40% faster than
    it broadcasts a row. Made once per (B, H, dtype) and kept (callers must not write to them).
    """
    half = xp.full((B, 4 * H), 0.5, dtype=dtype)
    shift = xp.full((B, 4 * H), 0.5, dtype=dtype)
    half[:, 2 * H:3 * H], shift[:, 2 * H:3 * H] = 1, 0    # the g block
    return half, shift


def _blocks(a):
    """(B, 4H) -> its four (B, H) blocks, in PyTorch's order i, f, g, o (views, no copy)."""
    H = a.shape[1] // 4
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def lstm_cell_forward(xw, hh, c_prev, gates_out=None):
    """The element-wise part of one step (no matrix product, no mask).

    xw: (B, 4H)  x_t W_x + b;   hh: (B, 4H)  h_{t-1} W_h;   c_prev: (B, H)  c_{t-1}
    gates_out: (B, 4H) array to write the gates into (it may be xw itself), or None for a new one
    Returns h (B, H), c (B, H), gates (B, 4H) = [i, f, g, o] after their nonlinearities,
    and tanh_c (B, H) = tanh(c_t).
    """
    xp = array_module(xw)
    half, shift = _sigmoid_tanh_coefficients(xp, *c_prev.shape, xw.dtype)
    gates = xp.add(xw, hh, out=gates_out)                 # a_t (B, 4H), turned into the gates in place:
    # i, f, o = sigmoid(a) and g = tanh(a), with one tanh call for all four blocks, because
    # sigmoid(a) = 0.5 tanh(0.5 a) + 0.5:  gates = half * tanh(half * a) + shift, column by column.
    gates *= half
    tanh(gates, out=gates)
    gates *= half
    gates += shift
    i, f, g, o = _blocks(gates)
    c = f * c_prev
    c += i * g                                            # c_t = f c_{t-1} + i g
    tanh_c = tanh(c)
    h = o * tanh_c                                        # h_t = o tanh(c_t)
    return h, c, gates, tanh_c


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def lstm_cell_backward(dh, dc, c_prev, gates, tanh_c, da_out=None):
    """Backward of lstm_cell_forward.

    dh, dc: (B, H)  dL/dh_t and dL/dc_t;   c_prev, tanh_c: (B, H);   gates: (B, 4H) = [i, f, g, o]
    da_out: (B, 4H) array to write da into (not gates), or None for a new one
    Returns da (B, 4H) = dL/da_t (the pre-activations) and dc_prev (B, H) = dL/dc_{t-1}.
    """
    xp = array_module(dh)
    i, f, g, o = _blocks(gates)
    dc_total = tanh_backward(dh * o, tanh_c)              # backprop through h = o tanh(c), to c: 1 - tanh(c)^2
    dc_total += dc                                        # ... plus what c_t passes to step t+1
    da = xp.empty_like(gates) if da_out is None else da_out   # (B, 4H), filled block by block
    di, df, dg, do = _blocks(da)
    xp.multiply(dh, tanh_c, out=do)                       # backprop through h = o tanh(c), to o
    xp.multiply(dc_total, g, out=di)                      # backprop through c = f c_prev + i g, to i
    xp.multiply(dc_total, c_prev, out=df)                 # ... to f
    xp.multiply(dc_total, i, out=dg)                      # ... to g
    dc_prev = dc_total * f                                # ... and to c_prev
    # Backprop through the four nonlinearities in one pass: da *= slope, with slope = s (1 - s)
    # on the sigmoid blocks i, f, o and 1 - g^2 on the tanh block g.
    slope = 1 - gates
    slope *= gates                                        # s (1 - s) on every block ...
    slope_g = _blocks(slope)[2]
    xp.multiply(g, g, out=slope_g)
    xp.subtract(1, slope_g, out=slope_g)                  # ... then 1 - g^2 on g
    da *= slope
    return da, dc_prev


def lstm_step_forward(xw, h_prev, c_prev, Wh, m=None, Wh_T=None, gates_out=None):
    """One time step.

    xw:     (B, 4H)  x_t W_x + b, already computed for every t by lstm_forward
    h_prev: (B, H), c_prev: (B, H)   the states h_{t-1} and c_{t-1}
    Wh:     (H, 4H)
    m:      (B, 1)   mask of 0/1 for this step, or None
    Wh_T:   (4H, H)  W_h^T as its own contiguous array, for the backward step (None: Wh.T)
    gates_out: (B, 4H) where to keep the gates (lstm_forward passes xw itself), or None
    Returns h (B, H), c (B, H) and the cache the backward step needs.
    """
    hh = h_prev @ Wh                                      # (B, H) @ (H, 4H) -> (B, 4H)
    h, c, gates, tanh_c = lstm_cell_forward(xw, hh, c_prev, gates_out)
    if m is not None:
        c = m * c + (1 - m) * c_prev                      # masked rows keep c_{t-1}
        h = m * h + (1 - m) * h_prev                      # ... and h_{t-1}
    cache = (h_prev, c_prev, gates, tanh_c, Wh.T if Wh_T is None else Wh_T, m)
    return h, c, cache


def lstm_step_backward(dh, dc, cache, da_out=None):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    dc: (B, H)  dL/dc_t (from step t+1)
    da_out: (B, 4H) where to write da (lstm_backward passes its row t), or None
    Returns da (B, 4H) = dL/da_t (also dL/d(x_t W_x + b)), dh_prev (B, H), dc_prev (B, H).
    """
    h_prev, c_prev, gates, tanh_c, Wh_T, m = cache
    dh_cell, dc_cell = (dh, dc) if m is None else (m * dh, m * dc)   # backprop through the mask
    da, dc_prev = lstm_cell_backward(dh_cell, dc_cell, c_prev, gates, tanh_c, da_out)
    dh_prev = da @ Wh_T                                   # backprop through h_{t-1} W_h: (B, 4H) @ (4H, H) -> (B, H)
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
    # All steps' x_t W_x + b in one matrix product, with the bias as the weight of a constant input 1:
    # [x_t, 1] [W_x; b] = x_t W_x + b, so no separate pass adds b to (T, B, 4H).
    x1 = inputs_with_ones(x)                                          # (T*B, E+1): [x_t, 1] for every t
    xw = (x1 @ xp.concatenate([Wx, b[None]])).reshape(T, B, 4 * H)  # (T*B, E+1) @ (E+1, 4H) -> (T, B, 4H)
    ms = [None] * T if mask is None else mask.T[:, :, None]           # (T, B, 1)
    hs = xp.empty((T + 1, B, H), dtype=x.dtype)                       # hs[t + 1] = h_t, hs[0] = h0
    hs[0] = h0
    c = xp.ascontiguousarray(c0)                                      # the cell functions take C-contiguous arrays
    Wh_T = xp.ascontiguousarray(Wh.T)                                 # once, for the backward products
    caches = []
    for t in range(T):
        # gates_out=xw[t]: the step's gates take the place of its x_t W_x + b, which is not needed
        # again, so the loop allocates no (B, 4H) array per step to keep for the backward pass.
        hs[t + 1], c, cache = lstm_step_forward(xw[t], hs[t], c, Wh, ms[t], Wh_T, gates_out=xw[t])
        caches.append(cache)
    out = hs[1:] if mask is None else hs[1:] * ms                     # (T, B, H), zero at padding
    return out.transpose(1, 0, 2), hs[T], c, (x1, hs, ms, Wx, caches)


def lstm_backward(d_out, dh_T, dc_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)   dL/dout
    dh_T, dc_T: (B, H) dL/dh_T and dL/dc_T from whatever used the final states, or None
    Returns dx (B, T, E), dh0 (B, H), dc0 (B, H), and grads {"Wx": (E, 4H), "Wh": (H, 4H), "b": (4H,)}.
    """
    x1, hs, ms, Wx, caches = cache
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    E = Wx.shape[0]
    d_out = d_out.transpose(1, 0, 2)                   # (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t * h_t
    da = xp.empty((T, B, 4 * H), dtype=hs.dtype)       # dL/da_t for every step
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    dc_next = xp.zeros((B, H), dtype=hs.dtype) if dc_T is None else xp.ascontiguousarray(dc_T)
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        # da_out=da[t]: the step writes dL/da_t straight into row t, so its returned da is not needed.
        _, dh_next, dc_next = lstm_step_backward(dh, dc_next, caches[t], da_out=da[t])
    # Weight gradients sum over steps and batch: one product each instead of T small ones.
    da = da.reshape(T * B, 4 * H)
    dWxb = x1.T @ da                                   # backprop through [x_t, 1] [W_x; b]: (E+1, T*B) @ (T*B, 4H) -> (E+1, 4H)
    dWx, db = dWxb[:E], dWxb[E]                        # the last row is b's: its input was the constant 1
    dWh = hs[:-1].reshape(T * B, H).T @ da             # backprop through h_{t-1} W_h: (H, T*B) @ (T*B, 4H) -> (H, 4H)
    dx = (da @ Wx.T).reshape(T, B, E).transpose(1, 0, 2)   # (T*B, 4H) @ (4H, E) -> (B, T, E)
    return dx, dh_next, dc_next, {"Wx": dWx, "Wh": dWh, "b": db}
