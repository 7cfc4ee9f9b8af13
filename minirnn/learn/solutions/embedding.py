"""An embedding: token id v -> row v of a table W. The lookup forward, the scatter-add backward.

    out[b, t] = W[ids[b, t]]                 ids (B, T) ints in [0, V), W (V, E) -> out (B, T, E)

An id can appear many times in a batch (every "e" of a text). Each place reads the same row of W,
so each place sends its gradient back into that same row: for row v, every dL/dout[b, t] with
ids[b, t] == v counts. A padding id (padding_idx) marks positions that are not tokens: its row
stays zero and gets no gradient.
minirnn/layers.py's Embedding computes the same numbers (backend.scatter_add_rows).
"""
import numpy as np


def embedding_forward(ids, W):
    """The lookup.

    ids: (B, T) integers in [0, V)   W: (V, E)
    Returns out (B, T, E) and cache = (ids, V), what embedding_backward needs.
    """
    out = W[ids]                                  # row ids[b, t] of W for every (b, t): (B, T) -> (B, T, E)
    cache = (ids, W.shape[0])
    return out, cache


def embedding_backward(dout, cache, padding_idx=None):
    """The gradient of the table.

    dout: (B, T, E) = dL/dout   cache: what embedding_forward returned   padding_idx: an id, or None
    Returns dW (V, E) = dL/dW (ids are integers: they get no gradient).
    """
    ids, V = cache
    E = dout.shape[-1]
    dW = np.zeros((V, E), dtype=dout.dtype)
    np.add.at(dW, ids.reshape(-1), dout.reshape(-1, E))   # dW[v] += dout[b, t] for every (b, t) with id v, repeats too
    if padding_idx is not None:
        dW[padding_idx] = 0                       # the padding row gets no gradient
    return dW
