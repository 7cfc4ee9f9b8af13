"""A bidirectional RNN: one RNN reads the sequence left to right, another right to left.

    out_f = rnn(x)                                    the forward direction: (B, T, H)
    out_r = reverse(rnn(reverse(x)))                  reverse in time, run, reverse back: (B, T, H)
    out   = [out_f, out_r]                            concatenated on the last axis: (B, T, 2H)

reverse(x) = x[:, ::-1]. After reversing back, out[:, t] holds what each direction knows at step t:
the forward one has read x_0 .. x_t, the reverse one x_t .. x_{T-1}. Each direction has its own
weights fwd = (Wx, Wh, b) and rev = (Wx, Wh, b), and its own initial state h0_f, h0_r (B, H).
minirnn.plain.rnn's rnn_forward/rnn_backward run one direction; minirnn/recurrent.py's RNN(...,
bidirectional=True) computes the same numbers (its h0 is these two stacked, (2, B, H)).
"""
import numpy as np

from minirnn.plain.rnn import rnn_backward, rnn_forward


def bidirectional_forward(x, h0_f, h0_r, fwd, rev):
    """Both directions over a sequence.

    x: (B, T, E)   h0_f, h0_r: (B, H)   fwd, rev: tuples (Wx (E, H), Wh (H, H), b (H,))
    Returns out (B, T, 2H) and cache, what bidirectional_backward needs.
    """
    hs_f, caches_f = rnn_forward(x, h0_f, *fwd)                   # left to right: (B, T, H)
    hs_r, caches_r = rnn_forward(x[:, ::-1], h0_r, *rev)          # reverse x in time, run right to left
    out = np.concatenate([hs_f, hs_r[:, ::-1]], axis=2)           # reverse back, then side by side: (B, T, 2H)
    cache = (caches_f, caches_r)
    return out, cache


def bidirectional_backward(dout, cache):
    """Backward of both directions.

    dout: (B, T, 2H) = dL/dout   cache: what bidirectional_forward returned
    Returns dx (B, T, E), dh0_f (B, H), dh0_r (B, H), grads_f = (dWx, dWh, db) of fwd and
    grads_r = (dWx, dWh, db) of rev.
    """
    caches_f, caches_r = cache
    H = dout.shape[2] // 2
    dout_f, dout_r = dout[:, :, :H], dout[:, :, H:]               # each direction's half of the gradient
    dx_f, dh0_f, *grads_f = rnn_backward(dout_f, caches_f)
    dx_r, dh0_r, *grads_r = rnn_backward(dout_r[:, ::-1], caches_r)   # into the reversed run's own time order
    dx = dx_f + dx_r[:, ::-1]                     # both directions read x: their gradients add up
    return dx, dh0_f, dh0_r, tuple(grads_f), tuple(grads_r)
