"""The simple (Elman) RNN cell, forward and backward: one step, then a whole sequence.

    a_t = x_t W_x + h_{t-1} W_h + b              (B, H)
    h_t = tanh(a_t)            (or relu(a_t))    (B, H)

With a mask m_t (B, 1) of 0/1, a padding step carries the state through and outputs zeros:

    h_t   = m_t h_t + (1 - m_t) h_{t-1}
    out_t = m_t h_t

Shapes: x (B, T, E), W_x (E, H), W_h (H, H), b (H,), h (B, H), out (B, T, H).
In code W_x is Wx and W_h is Wh. PyTorch's weight_ih is W_x^T, weight_hh is W_h^T, and its two
biases b_ih + b_hh always appear as a sum, so here they are one b.

Read minirnn/plain/rnn.py first: the same math in its textbook form. This file computes the same
numbers faster (demos/plain_to_fast.py makes each change one at a time). Read it top to bottom:
rnn_cell_forward/backward are the element-wise math (on a GPU each is one fused kernel,
kernels/rnn_cell.cu); rnn_step_forward/backward add the recurrent product and the mask;
rnn_forward/backward loop over time.
"""
from collections import namedtuple

from .activations import relu, relu_backward, tanh, tanh_backward
from .backend import array_module
from .fused import fusable

# What one step keeps for its backward: h_prev, h (B, H) = h_{t-1}, h_t;  Wh_T (H, H) = W_h^T;
# m (B, 1) this step's mask, or None;  nonlinearity "tanh" or "relu".
StepCache = namedtuple("StepCache", "h_prev h Wh_T m nonlinearity")
# What the whole sequence keeps: x (T*B, E) every x_t, time-major (row t*B + b is step t of sequence b);
# hs (T+1, B, H) with hs[t] = h_t, hs[0] = h_0;  ms (T, B, 1) the masks, or T Nones;  Wx (E, H);
# steps the T StepCaches.
SequenceCache = namedtuple("SequenceCache", "x hs ms Wx steps")


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/rnn_cell.cu)
def rnn_cell_forward(xw, hh):
    """The element-wise part of a tanh step.

    xw: (B, H)  x_t W_x + b;   hh: (B, H)  h_{t-1} W_h.   Returns h (B, H).
    """
    a = xw + hh                             # a_t = x_t W_x + b + h_{t-1} W_h
    h = tanh(a)                             # h_t = tanh(a_t)
    return h


@fusable                                    # on CuPy: one fused CUDA kernel (kernels/rnn_cell.cu)
def rnn_cell_backward(dh, h):
    """Backward of rnn_cell_forward. dh: (B, H) dL/dh_t;  h: (B, H) h_t.  Returns da (B, H) = dL/da_t."""
    da = tanh_backward(dh, h)               # backprop through tanh: da = dh (1 - h^2)
    return da


def rnn_step_forward(xw, h_prev, Wh, m=None, nonlinearity="tanh", Wh_T=None):
    """One time step.

    xw:     (B, H)  x_t W_x + b, already computed for every t by rnn_forward
    h_prev: (B, H)  h_{t-1}
    Wh:     (H, H)  W_h
    m:      (B, 1)  this step's mask of 0/1, or None
    Wh_T:   (H, H)  W_h^T as its own contiguous array, for the backward step (None: Wh.T)
    Returns h (B, H) and the StepCache the backward step needs.
    """
    hh = h_prev @ Wh                        # h_{t-1} W_h: (B, H) @ (H, H) -> (B, H)
    if nonlinearity == "tanh":
        h = rnn_cell_forward(xw, hh)        # h_t = tanh(x_t W_x + b + h_{t-1} W_h)
    else:
        h = relu(xw + hh)                   # h_t = relu(x_t W_x + b + h_{t-1} W_h)
    if m is not None:
        h = m * h + (1 - m) * h_prev        # h_t = m_t h_t + (1 - m_t) h_{t-1}: padding keeps h_{t-1}
    return h, StepCache(h_prev, h, Wh.T if Wh_T is None else Wh_T, m, nonlinearity)


def rnn_step_backward(dh, cache):
    """Backward of one time step.

    dh: (B, H)  dL/dh_t (from this step's output and from step t+1)
    Returns da (B, H) = dL/da_t, which is also dL/d(x_t W_x + b), and dh_prev (B, H) = dL/dh_{t-1}.
    """
    m = cache.m
    if m is not None:
        dh_skip = (1 - m) * dh                     # backprop through the mask: padding passes dh to h_{t-1} ...
        dh = m * dh                                # ... real steps pass it to the cell
    if cache.nonlinearity == "tanh":
        da = rnn_cell_backward(dh, cache.h)        # backprop through tanh: dh (1 - h^2)
    else:
        da = relu_backward(dh, cache.h)            # backprop through relu: dh where h > 0
    dh_prev = da @ cache.Wh_T                      # backprop through h_{t-1} W_h: (B, H) @ (H, H) -> (B, H)
    if m is not None:
        dh_prev += dh_skip                         # ... plus what a padding step passed straight back
    return da, dh_prev


def rnn_forward(x, h0, Wx, Wh, b, mask=None, nonlinearity="tanh"):
    """Run the cell over a whole sequence.

    x:    (B, T, E)   inputs
    h0:   (B, H)      initial state
    Wx:   (E, H), Wh: (H, H), b: (H,)
    mask: (B, T)      0/1 in x's dtype, or None (every step real)
    Returns out (B, T, H), h_T (B, H) (the state after the last real step), and a SequenceCache.
    """
    xp = array_module(x)
    B, T, E = x.shape
    H = Wh.shape[0]
    x = xp.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, E)   # every x_t, time-major: (T*B, E)
    xw = (x @ Wx + b).reshape(T, B, H)                         # x_t W_x + b for every t: (T*B, E) @ (E, H) -> (T, B, H)
    ms = [None] * T if mask is None else mask.T[:, :, None]    # m_t for every t: (T, B, 1)
    hs = [h0]                                                  # h_0, then h_1 .. h_T as the loop makes them
    Wh_T = xp.ascontiguousarray(Wh.T)                          # W_h^T once, for every backward step
    steps = []
    for t in range(T):
        h, step = rnn_step_forward(xw[t], hs[-1], Wh, ms[t], nonlinearity, Wh_T)
        hs.append(h)
        steps.append(step)
    hs = xp.stack(hs)                                          # (T + 1, B, H), hs[t] = h_t: one copy, after the loop
    out = hs[1:] if mask is None else hs[1:] * ms              # out_t = m_t h_t: (T, B, H)
    return out.transpose(1, 0, 2), hs[T], SequenceCache(x, hs, ms, Wx, steps)


def rnn_backward(d_out, dh_T, cache):
    """Backpropagation through time.

    d_out: (B, T, H)  dL/dout
    dh_T:  (B, H)     dL/dh_T from whatever used the final state, or None
    Returns dx (B, T, E), dh0 (B, H), and grads {"Wx": (E, H), "Wh": (H, H), "b": (H,)}.
    """
    x, hs, ms, Wx, steps = cache.x, cache.hs, cache.ms, cache.Wx, cache.steps
    xp = array_module(d_out)
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    d_out = d_out.transpose(1, 0, 2)                   # time-major: (B, T, H) -> (T, B, H)
    if ms[0] is not None:
        d_out = d_out * ms                             # backprop through out_t = m_t h_t
    da = xp.empty((T, B, H), dtype=hs.dtype)           # dL/da_t for every t
    dh_next = xp.zeros((B, H), dtype=hs.dtype) if dh_T is None else dh_T
    for t in reversed(range(T)):
        dh = d_out[t] + dh_next                        # h_t feeds out_t and step t+1
        da[t], dh_next = rnn_step_backward(dh, steps[t])
    # Every step shares the weights, so their gradients sum over t (and the batch): one product each.
    da = da.reshape(T * B, H)                          # every da_t, time-major: (T*B, H)
    dWx = x.T @ da                                     # sum_t x_t^T da_t: (E, T*B) @ (T*B, H) -> (E, H)
    dWh = hs[:-1].reshape(T * B, H).T @ da             # sum_t h_{t-1}^T da_t: (H, T*B) @ (T*B, H) -> (H, H)
    db = da.sum(axis=0)                                # sum_t sum_b da_t: (H,)
    dx = (da @ Wx.T).reshape(T, B, -1).transpose(1, 0, 2)   # dx_t = da_t W_x^T: (T*B, H) @ (H, E) -> (B, T, E)
    return dx, dh_next, {"Wx": dWx, "Wh": dWh, "b": db}
