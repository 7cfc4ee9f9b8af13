"""The simple (Elman) RNN cell, forward and backward, one step and a whole sequence.

    a_t   = x_t W_xh + h_{t-1} W_hh + b                  (B, H)
    h_t   = tanh(a_t)            (or relu(a_t))          (B, H)

With a mask m_t (B, 1) of 0/1, padding steps carry the state through and output zeros:

    h_t   = m_t * h_t + (1 - m_t) * h_{t-1}
    out_t = m_t * h_t

Shapes: x (B, T, E), W_xh (E, H), W_hh (H, H), b (H,), h (B, H), out (B, T, H).
PyTorch keeps two biases, b_ih + b_hh; they always appear as a sum, so here they are one b.

Speed without hiding the math: x_t W_xh + b does not depend on h, so rnn_forward computes it
for all T steps in one matrix product before the loop, and rnn_backward forms dW_xh and db
with one matrix product after its loop, and dW_hh with another. Only h_{t-1} W_hh has to wait
for h_{t-1}. The bias rides in the input product as the weight of a constant input 1:
[x_t, 1] [W_xh; b] = x_t W_xh + b.

The backward step multiplies by W_h^T, which the forward pass copies once into its own contiguous
array (OpenBLAS multiplies by it ~25% faster than by the transposed view Wh.T). The element-wise
part of a step is its own function, rnn_cell_forward/backward, kept free of matmuls and masks.
"""
from .activations import relu, relu_backward, tanh, tanh_backward
from .backend import array_module, fusable


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def rnn_cell_forward(xw, hh):
    """The element-wise part of a tanh step: h = tanh(xw + hh).

    xw: (B, H)  x_t W_xh + b;   hh: (B, H)  h_{t-1} W_hh;   returns h (B, H).
    """
    a = xw + hh                             # a_t = x_t W_xh + b + h_{t-1} W_hh
    return tanh(a, out=a)                   # h_t = tanh(a_t), in place: a becomes h


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/)
def rnn_cell_backward(dh, h):
    """Backprop through h = tanh(a): da = dh * (1 - h^2). dh, h, da: (B, H)."""
    return tanh_backward(dh, h)


def rnn_step_forward(xw, h_prev, Wh, m=None, nonlinearity="tanh", Wh_T=None):
    """One time step.

    xw:     (B, H)  x_t W_xh + b, already computed for every t by rnn_forward
    h_prev: (B, H)  h_{t-1}
    Wh:     (H, H)  W_hh
    m:      (B, 1)  mask of 0/1 for this step, or None
    Wh_T:   (H, H)  W_hh^T as its own contiguous array, for the backward step (None: Wh.T)
    Returns h (B, H) and the cache the backward step needs.
    """
    hh = h_prev @ Wh                        # (B, H) @ (H, H) -> (B, H)
    if nonlinearity == "tanh":
        h = rnn_cell_forward(xw, hh)        # tanh(xw + hh)
    else:
        hh += xw
        h = relu(hh, out=hh)                # relu(xw + hh)
    if m is not None:
        h = m * h + (1 - m) * h_prev        # masked rows keep h_{t-1}
    cache = (h_prev, h, Wh.T if Wh_T is None else Wh_T, m, nonlinearity)
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    Returns da (B, H) = dL/da_t, which is also dL/d(x_t W_xh + b), and dh_prev (B, H) = dL/dh_{t-1}.
    """
    h_prev, h, Wh_T, m, nonlinearity = cache
    dh_cell = dh if m is None else m * dh          # backprop through the mask: only real steps reach the cell
    if nonlinearity == "tanh":
        da = rnn_cell_backward(dh_cell, h)         # backprop through tanh: 1 - h^2
    else:
        da = relu_backward(dh_cell, h)             # backprop through relu: 1 where h > 0
    dh_prev = da @ Wh_T                            # backprop through h_{t-1} W_hh: (B, H) @ (H, H) -> (B, H)
    if m is not None:
        dh_prev += (1 - m) * dh                    # masked rows pass dh straight back to h_{t-1}
    return da, dh_prev


def inputs_with_ones(x):
    """x (B, T, E) -> x1 (T*B, E+1): every step's [x_t, 1], time-major so step t is one block of B rows.

    The constant 1 lets the bias ride in the input product: [x_t, 1] [W_x; b] = x_t W_x + b.
    rnn_forward, lstm_forward and gru_forward all project their inputs through it.
    """
    xp = array_module(x)
    B, T, E = x.shape
    x1 = xp.empty((T, B, E + 1), dtype=x.dtype)
    x1[:, :, :E] = x.transpose(1, 0, 2)
    x1[:, :, E] = 1
    return x1.reshape(T * B, E + 1)


def rnn_forward(x, h0, Wx, Wh, b, mask=None, nonlinearity="tanh"):
    """Run the cell over a whole sequence.

    x:    (B, T, E)   inputs
    h0:   (B, H)      initial state
    Wx:   (E, H), Wh: (H, H), b: (H,)
    mask: (B, T)      0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H) (the state after the last real step), and a cache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    # All steps' x_t W_xh + b in one matrix product, with the bias as the weight of a constant input 1:
    # [x_t, 1] [W_xh; b] = x_t W_xh + b, so no separate pass adds b to (T, B, H).
    x1 = inputs_with_ones(x)                                          # (T*B, E+1): [x_t, 1] for every t
    xw = (x1 @ xp.concatenate([Wx, b[None]])).reshape(T, B, H)         # (T*B, E+1) @ (E+1, H) -> (T, B, H)
    ms = [None] * T if mask is None else mask.T[:, :, None]           # (T, B, 1)
    hs = xp.empty((T + 1, B, H), dtype=x.dtype)                       # hs[t + 1] = h_t, hs[0] = h0
    hs[0] = h0
    Wh_T = xp.ascontiguousarray(Wh.T)                                 # once, for the backward products
    caches = []
    for t in range(T):
        hs[t + 1], cache = rnn_step_forward(xw[t], hs[t], Wh, ms[t], nonlinearity, Wh_T)
        caches.append(cache)
    out = hs[1:] if mask is None else hs[1:] * ms                     # (T, B, H), zero at padding
    return out.transpose(1, 0, 2), hs[T], (x1, hs, ms, Wx, caches)


def rnn_backward(d_out, dh_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)  dL/dout
    dh_T:  (B, H)     dL/dh_T from whatever used the final state, or None
    Returns dx (B, T, E), dh0 (B, H), and grads {"Wx": (E, H), "Wh": (H, H), "b": (H,)}.
    """
    x1, hs, ms, Wx, caches = cache
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    E = Wx.shape[0]
    d_out = d_out.transpose(1, 0, 2)                   # (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t * h_t
    da = xp.empty((T, B, H), dtype=hs.dtype)           # dL/da_t for every step
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        da[t], dh_next = rnn_step_backward(dh, caches[t])
    # Weight gradients sum over steps and batch: one product each instead of T small ones.
    da = da.reshape(T * B, H)
    dWxb = x1.T @ da                                   # backprop through [x_t, 1] [W_xh; b]: (E+1, T*B) @ (T*B, H) -> (E+1, H)
    dWx, db = dWxb[:E], dWxb[E]                        # the last row is b's: its input was the constant 1
    dWh = hs[:-1].reshape(T * B, H).T @ da             # backprop through h_{t-1} W_hh: (H, T*B) @ (T*B, H) -> (H, H)
    dx = (da @ Wx.T).reshape(T, B, E).transpose(1, 0, 2)   # (T*B, H) @ (H, E) -> (B, T, E)
    return dx, dh_next, {"Wx": dWx, "Wh": dWh, "b": db}
