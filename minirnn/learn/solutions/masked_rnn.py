"""A padded batch through the simple RNN: a padding step carries the state through, forward and backward.

Sequences of different lengths share a batch by padding; the mask m (B, T) is 1 at a real step and 0
at padding. At a padding step the row keeps its state and outputs zeros:

    h~_t  = tanh(x_t W_x + h_{t-1} W_h + b)          the plain step (minirnn.plain.rnn)   (B, H)
    h_t   = m_t h~_t + (1 - m_t) h_{t-1}             m_t = m[:, t] as (B, 1): padding keeps h_{t-1}
    out_t = m_t h_t                                  padding outputs zeros               (B, H)

So a sequence padded at the end ends with the state of its last real step, and one padded at the
start (a reversed sequence in a bidirectional layer) starts its real steps from h_0.
Shapes: x (B, T, E), h_0 (B, H), W_x (E, H), W_h (H, H), b (H,), out (B, T, H).
minirnn/rnn.py's rnn_forward/rnn_backward with a mask compute the same numbers.
"""
import numpy as np

from minirnn.plain.rnn import rnn_step_backward, rnn_step_forward


def masked_rnn_step_forward(x_t, h_prev, m_t, Wx, Wh, b):
    """One step of a padded batch.

    x_t: (B, E)   h_prev: (B, H)   m_t: (B, 1) of 0/1   Wx: (E, H)   Wh: (H, H)   b: (H,)
    Returns h_t (B, H), the state step t+1 starts from, and cache, what the backward step needs.
    """
    h_new, step_cache = rnn_step_forward(x_t, h_prev, Wx, Wh, b)   # h~_t: the plain step, every row
    h_t = m_t * h_new + (1 - m_t) * h_prev                        # padding rows keep h_{t-1}
    cache = (step_cache, m_t)
    return h_t, cache


def masked_rnn_step_backward(dh_t, cache):
    """Backward of one step.

    dh_t: (B, H) = dL/dh_t   cache: what masked_rnn_step_forward returned
    Returns dx_t (B, E), dh_prev (B, H) = dL/dh_{t-1}, and this step's dWx (E, H), dWh (H, H), db (H,).
    """
    step_cache, m_t = cache
    dx_t, dh_prev, dWx, dWh, db = rnn_step_backward(m_t * dh_t, step_cache)   # backprop through m_t h~_t
    dh_prev = dh_prev + (1 - m_t) * dh_t          # backprop through (1 - m_t) h_{t-1}: padding passes dh_t on
    return dx_t, dh_prev, dWx, dWh, db


def masked_rnn_forward(x, h0, mask, Wx, Wh, b):
    """The whole padded batch.

    x: (B, T, E)   h0: (B, H)   mask: (B, T) of 0/1   Wx, Wh, b as in the step
    Returns out (B, T, H) (zeros at padding), h_T (B, H) (each row's state after its last real
    step), and caches, the list of the T step caches.
    """
    B, T, E = x.shape
    out = np.zeros((B, T, h0.shape[1]), dtype=h0.dtype)
    caches = []
    h = h0
    for t in range(T):
        m_t = mask[:, t, None]                    # (B,) -> (B, 1)
        h, cache = masked_rnn_step_forward(x[:, t], h, m_t, Wx, Wh, b)
        out[:, t] = m_t * h                       # out_t = m_t h_t: zeros at padding
        caches.append(cache)
    return out, h, caches


def masked_rnn_backward(dout, dh_T, caches):
    """Backpropagation through time over a padded batch.

    dout: (B, T, H) = dL/dout   dh_T: (B, H) = dL/dh_T from whatever read the final state (or zeros)
    Returns dx (B, T, E), dh0 (B, H), dWx (E, H), dWh (H, H), db (H,).
    """
    B, T, H = dout.shape
    (x_0, _, _, Wx, Wh), _ = caches[0]
    dx = np.zeros((B, T, x_0.shape[1]), dtype=dout.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=dout.dtype)
    dh_next = dh_T                                # the final state's gradient enters at the last step
    for t in reversed(range(T)):
        m_t = caches[t][1]
        dh_t = dout[:, t] * m_t + dh_next         # backprop through out_t = m_t h_t, plus what step t+1 sent
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = masked_rnn_step_backward(dh_t, caches[t])
        dWx += dWx_t                              # every step uses the same weights: their gradients add up
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
