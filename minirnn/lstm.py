"""The LSTM cell, forward and backward: one step, then a whole sequence.

    a_t = x_t W_x + h_{t-1} W_h + b              (B, 4H)  four gate blocks a_i, a_f, a_g, a_o (PyTorch's order)
    i_t = sigmoid(a_i)                           input gate        (B, H)
    f_t = sigmoid(a_f)                           forget gate       (B, H)
    g_t = tanh(a_g)                              candidate cell    (B, H)
    o_t = sigmoid(a_o)                           output gate       (B, H)
    c_t = f_t c_{t-1} + i_t g_t                  cell state        (B, H)
    h_t = o_t tanh(c_t)                          hidden state      (B, H)

With a mask m_t (B, 1) of 0/1, a padding step carries both states through and outputs zeros:

    c_t = m_t c_t + (1 - m_t) c_{t-1},   h_t = m_t h_t + (1 - m_t) h_{t-1},   out_t = m_t h_t

Shapes: x (B, T, E), W_x (E, 4H), W_h (H, 4H), b (4H,), h and c (B, H), out (B, T, H).
In code W_x is Wx and W_h is Wh. PyTorch's weight_ih is W_x^T and weight_hh is W_h^T, and its two
biases b_ih + b_hh always appear as a sum, so here they are one b. CS231n's assignment orders the
gates i, f, o, g; the math is the same.

Read minirnn/plain/lstm.py first: the same math in its textbook form. This file computes the same
numbers faster (demos/plain_to_fast.py makes each change one at a time). Read it top to bottom:
lstm_cell_forward/backward are the element-wise math (on a GPU each is one fused kernel,
kernels/lstm_cell.cu); lstm_step_forward/backward add the recurrent product and the mask;
lstm_forward/backward loop over time.
"""
from collections import namedtuple

from .activations import sigmoid, sigmoid_backward, tanh, tanh_backward
from .backend import array_module
from .fused import fusable

# What one step keeps for its backward: c_prev (B, H) = c_{t-1};  gates (i, f, g, o), four (B, H);
# tanh_c (B, H) = tanh(c_t);  Wh_T (4H, H) = W_h^T;  m (B, 1) this step's mask, or None.
StepCache = namedtuple("StepCache", "c_prev gates tanh_c Wh_T m")
# What the whole sequence keeps: x (T*B, E) every x_t, time-major (row t*B + b is step t of sequence b);
# hs (T+1, B, H) with hs[t] = h_t, hs[0] = h_0;  ms (T, B, 1) the masks, or T Nones;  Wx (E, 4H);
# steps the T StepCaches.
SequenceCache = namedtuple("SequenceCache", "x hs ms Wx steps")


def gate_blocks(a):
    """(B, 4H) -> its four (B, H) blocks, in PyTorch's order i, f, g, o (views, no copy)."""
    H = a.shape[1] // 4
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/lstm_cell.cu)
def lstm_cell_forward(xw, hh, c_prev):
    """The element-wise part of one step (no matrix product, no mask).

    xw: (B, 4H)  x_t W_x + b;   hh: (B, 4H)  h_{t-1} W_h;   c_prev: (B, H)  c_{t-1}
    Returns h (B, H), c (B, H), gates = (i, f, g, o) (four (B, H) arrays, after their
    nonlinearities) and tanh_c (B, H) = tanh(c_t).
    """
    a = xw + hh                                     # a_t = x_t W_x + b + h_{t-1} W_h: (B, 4H)
    a_i, a_f, a_g, a_o = gate_blocks(a)
    i = sigmoid(a_i)                                # i_t = sigmoid(a_i)
    f = sigmoid(a_f)                                # f_t = sigmoid(a_f)
    g = tanh(a_g)                                   # g_t = tanh(a_g)
    o = sigmoid(a_o)                                # o_t = sigmoid(a_o)
    c = f * c_prev + i * g                          # c_t = f_t c_{t-1} + i_t g_t
    tanh_c = tanh(c)
    h = o * tanh_c                                  # h_t = o_t tanh(c_t)
    return h, c, (i, f, g, o), tanh_c


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/lstm_cell.cu)
def lstm_cell_backward(dh, dc_next, c_prev, gates, tanh_c):
    """Backward of lstm_cell_forward, line by line in reverse.

    dh: (B, H) dL/dh_t;   dc_next: (B, H) what step t+1 sent back to c_t;   c_prev, tanh_c: (B, H)
    gates: (i, f, g, o), four (B, H) arrays, as lstm_cell_forward returned them
    Returns da (B, 4H) = dL/da_t (the gates before their nonlinearities) and dc_prev (B, H) = dL/dc_{t-1}.
    """
    xp = array_module(dh)
    i, f, g, o = gates
    do = dh * tanh_c                                # backprop through h = o tanh(c), to o
    dc = dc_next + tanh_backward(dh * o, tanh_c)    # dL/dc_t: through h = o tanh(c), plus what step t+1 sent
    di = dc * g                                     # backprop through c = f c_prev + i g, to i
    df = dc * c_prev                                # ... to f
    dg = dc * i                                     # ... to g
    # The path that keeps the LSTM's gradient alive: c_{t-1} reaches c_t through one product with f and
    # nothing else, no W_h and no tanh'. While f stays near 1, dc flows back over many steps undiminished.
    dc_prev = dc * f                                # ... and to c_prev
    da_i = sigmoid_backward(di, i)                  # backprop through i = sigmoid(a_i): di i (1 - i)
    da_f = sigmoid_backward(df, f)                  # backprop through f = sigmoid(a_f): df f (1 - f)
    da_g = tanh_backward(dg, g)                     # backprop through g = tanh(a_g): dg (1 - g^2)
    da_o = sigmoid_backward(do, o)                  # backprop through o = sigmoid(a_o): do o (1 - o)
    da = xp.concatenate([da_i, da_f, da_g, da_o], axis=1)   # dL/da_t: (B, 4H)
    return da, dc_prev


def lstm_step_forward(xw, h_prev, c_prev, Wh, m=None, Wh_T=None):
    """One time step.

    xw:     (B, 4H)  x_t W_x + b, already computed for every t by lstm_forward
    h_prev: (B, H), c_prev: (B, H)   the states h_{t-1} and c_{t-1}
    Wh:     (H, 4H)  W_h
    m:      (B, 1)   this step's mask of 0/1, or None
    Wh_T:   (4H, H)  W_h^T as its own contiguous array, for the backward step (None: Wh.T)
    Returns h (B, H), c (B, H) and the StepCache the backward step needs.
    """
    hh = h_prev @ Wh                                # h_{t-1} W_h: (B, H) @ (H, 4H) -> (B, 4H)
    h, c, gates, tanh_c = lstm_cell_forward(xw, hh, c_prev)
    if m is not None:
        c = m * c + (1 - m) * c_prev                # c_t = m_t c_t + (1 - m_t) c_{t-1}: padding keeps c_{t-1}
        h = m * h + (1 - m) * h_prev                # h_t = m_t h_t + (1 - m_t) h_{t-1}: ... and h_{t-1}
    return h, c, StepCache(c_prev, gates, tanh_c, Wh.T if Wh_T is None else Wh_T, m)


def lstm_step_backward(dh, dc_next, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    dc_next: (B, H)  what step t+1 sent back to c_t
    Returns da (B, 4H) = dL/da_t (also dL/d(x_t W_x + b)), dh_prev (B, H) and dc_prev (B, H).
    """
    m = cache.m
    if m is not None:
        dh_skip, dc_skip = (1 - m) * dh, (1 - m) * dc_next   # backprop through the mask: padding passes them back ...
        dh, dc_next = m * dh, m * dc_next                     # ... real steps pass them to the cell
    da, dc_prev = lstm_cell_backward(dh, dc_next, cache.c_prev, cache.gates, cache.tanh_c)
    dh_prev = da @ cache.Wh_T                       # backprop through h_{t-1} W_h: (B, 4H) @ (4H, H) -> (B, H)
    if m is not None:
        dh_prev += dh_skip                          # ... plus what a padding step passed straight back
        dc_prev += dc_skip
    return da, dh_prev, dc_prev


def lstm_forward(x, h0, c0, Wx, Wh, b, mask=None):
    """Run the cell over a whole sequence.

    x:    (B, T, E)            inputs
    h0:   (B, H), c0: (B, H)   initial states
    Wx:   (E, 4H), Wh: (H, 4H), b: (4H,)
    mask: (B, T)               0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H), c_T (B, H) (the states after the last real step), and a SequenceCache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    x = xp.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, E)   # every x_t, time-major: (T*B, E)
    xw = (x @ Wx + b).reshape(T, B, 4 * H)                     # x_t W_x + b for every t: (T*B, E) @ (E, 4H) -> (T, B, 4H)
    ms = [None] * T if mask is None else mask.T[:, :, None]    # m_t for every t: (T, B, 1)
    hs = [h0]                                                  # h_0, then h_1 .. h_T as the loop makes them
    c = c0
    Wh_T = xp.ascontiguousarray(Wh.T)                          # W_h^T once, for every backward step
    steps = []
    for t in range(T):
        h, c, step = lstm_step_forward(xw[t], hs[-1], c, Wh, ms[t], Wh_T)
        hs.append(h)
        steps.append(step)
    hs = xp.stack(hs)                                          # (T + 1, B, H), hs[t] = h_t: one copy, after the loop
    out = hs[1:] if mask is None else hs[1:] * ms              # out_t = m_t h_t: (T, B, H)
    return out.transpose(1, 0, 2), hs[T], c, SequenceCache(x, hs, ms, Wx, steps)


def lstm_backward(d_out, dh_T, dc_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)   dL/dout
    dh_T, dc_T: (B, H) dL/dh_T and dL/dc_T from whatever used the final states, or None
    Returns dx (B, T, E), dh0 (B, H), dc0 (B, H), and grads {"Wx": (E, 4H), "Wh": (H, 4H), "b": (4H,)}.
    """
    x, hs, ms, Wx, steps = cache.x, cache.hs, cache.ms, cache.Wx, cache.steps
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    d_out = d_out.transpose(1, 0, 2)                   # time-major: (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t h_t
    da = xp.empty((T, B, 4 * H), dtype=hs.dtype)       # dL/da_t for every t
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    dc_next = xp.zeros((B, H), dtype=hs.dtype) if dc_T is None else dc_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        da[t], dh_next, dc_next = lstm_step_backward(dh, dc_next, steps[t])
    # Every step shares the weights, so their gradients sum over t (and the batch): one product each.
    da = da.reshape(T * B, 4 * H)                      # every da_t, time-major: (T*B, 4H)
    dWx = x.T @ da                                     # sum_t x_t^T da_t: (E, T*B) @ (T*B, 4H) -> (E, 4H)
    dWh = hs[:-1].reshape(T * B, H).T @ da             # sum_t h_{t-1}^T da_t: (H, T*B) @ (T*B, 4H) -> (H, 4H)
    db = da.sum(axis=0)                                # sum_t sum_b da_t: (4H,)
    dx = (da @ Wx.T).reshape(T, B, -1).transpose(1, 0, 2)   # dx_t = da_t W_x^T: (T*B, 4H) @ (4H, E) -> (B, T, E)
    return dx, dh_next, dc_next, {"Wx": dWx, "Wh": dWh, "b": db}
