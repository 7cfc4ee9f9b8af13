"""Truncated backpropagation through time: a long sequence in chunks of S steps.

A text is one very long sequence; backpropagating through all of it at every update costs memory
and time in proportion to its length. So it is cut into chunks of S steps (the last may be shorter):

    forward:   chunk k starts from the state chunk k-1 ended with (h_0 for the first chunk),
               so the model reads the text as one sequence: h_t = tanh(x_t W_x + h_{t-1} W_h + b)
    backward:  BPTT within each chunk only. The state crossed into the chunk, its gradient does not
               cross back out: the chunk's first state is treated as a constant.

Here every chunk uses the same weights, and the weight gradients of all chunks are added up (in
training, each chunk would be one update). dhs (B, T, H) = dL/dh_t at every step, from the loss.
Shapes: x (B, T, E), h_0 (B, H), W_x (E, H), W_h (H, H), b (H,). minirnn/apps/charlm.py trains this
way: each chunk's forward starts from the state the last one left (minirnn/recurrent.py's RNN with
h0=state), and its backward drops the gradient of that h0.
"""
import numpy as np

from minirnn.plain.rnn import rnn_step_backward, rnn_step_forward


def truncated_forward(x, h0, Wx, Wh, b, S):
    """The forward pass, chunk after chunk.

    x: (B, T, E)   h0: (B, H)   Wx: (E, H)   Wh: (H, H)   b: (H,)   S: steps per chunk
    Returns hs (B, T, H), h_T (B, H) (the state after the last step, for the next batch), and
    chunks: a list of (start, caches), one per chunk, caches holding its step caches.
    """
    B, T, E = x.shape
    hs = np.zeros((B, T, h0.shape[1]), dtype=h0.dtype)
    chunks = []
    h = h0
    for start in range(0, T, S):
        caches = []
        for t in range(start, min(start + S, T)):
            h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)   # the state runs on across chunk borders
            hs[:, t] = h
            caches.append(cache)
        chunks.append((start, caches))
    return hs, h, chunks


def truncated_backward(dhs, chunks):
    """BPTT inside each chunk, the weight gradients added up over all of them.

    dhs: (B, T, H) = dL/dh_t   chunks: what truncated_forward returned
    Returns dWx (E, H), dWh (H, H), db (H,).
    """
    B, T, H = dhs.shape
    _, _, _, Wx, Wh = chunks[0][1][0]
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=dhs.dtype)
    for start, caches in reversed(chunks):
        dh_next = np.zeros((B, H), dtype=dhs.dtype)   # nothing comes back from the next chunk
        for k in reversed(range(len(caches))):
            dh_t = dhs[:, start + k] + dh_next
            _, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh_t, caches[k])
            dWx += dWx_t
            dWh += dWh_t
            db += db_t
        # dh_next is now dL/d(the chunk's first state): dropped, that is the truncation
    return dWx, dWh, db
