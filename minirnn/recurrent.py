"""RNN, LSTM and GRU layers: parameters, stacking, both directions, masks and initial states.

The math is in rnn.py, lstm.py and gru.py. These classes only hold the weights and call those
functions once per layer and direction:

    layer l, forward direction:   out_f, state_f = cell(x_l,           mask)
    layer l, reverse direction:   out_r, state_r = cell(x_l reversed,  mask reversed), reversed back
    x_{l+1} = [out_f, out_r]                                          (B, T, D*H)

A reversed sequence that was padded at the end is padded at the start, where the mask makes the
cell carry its initial state through untouched, so each direction's final state is its last real step.

Parameter names: "Wx_l0", "Wh_l0", "b_l0" (GRU also "bhn_l0"), and "Wx_l0_reverse" ... for the
reverse direction. Only the suffixes _l0 and _l0_reverse are PyTorch's; the rest maps as
    Wx_l0 = weight_ih_l0^T      Wh_l0 = weight_hh_l0^T      b_l0 = bias_ih_l0 + bias_hh_l0
    GRU: b_l0's r and z blocks are that sum, its n block is bias_ih_l0's alone; bhn_l0 is bias_hh_l0's n block
(minirnn.interop converts both ways). Wx_l is (E_l, G*H) with E_0 = E and E_l = D*H above,
Wh_l is (H, G*H), where G is 1 (RNN), 4 (LSTM) or 3 (GRU).

How the sequence functions in rnn.py, lstm.py and gru.py differ from the plain cells in
minirnn/plain/ (same numbers, faster; demos/plain_to_fast.py makes each change one at a time):
- x_t W_x + b does not depend on h, so *_forward computes it for all T steps in one matrix
  product before the loop; only h_{t-1} W_h has to wait for h_{t-1}.
- The weights are shared by every step, so *_backward sums their gradients over t with one
  matrix product each after its loop (dW_x = sum_t x_t^T da_t), and db as one visible sum.
- Each step's h_t goes into a list, stacked into hs (T+1, B, H) once after the loop (on a GPU, one
  copy instead of T); the backward's da_t are written into one array allocated before its loop.
- The backward step multiplies by W_h^T, which the forward copies once into its own contiguous
  array (OpenBLAS multiplies by it ~25% faster than by the transposed view).
"""
import numpy as np

from .backend import array_module
from .gru import gru_backward, gru_forward
from .base import Layer, check_float_input, check_mask
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward


def _orthogonal(rng, n):
    """A random (n, n) orthogonal matrix (QR of a Gaussian one, signs fixed so it is uniform)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


class _Recurrent(Layer):
    num_gates = 1          # G: gate blocks side by side in Wx, Wh and b
    weight_names = ("Wx", "Wh", "b")
    num_states = 1         # 1 for h, 2 for the LSTM's (h, c)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, *,
                 orthogonal=False, rng=None, dtype=np.float32):
        super().__init__()
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be an integer >= 1, got {v!r}")
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bidirectional = bool(bidirectional)
        self.num_directions = D = 2 if bidirectional else 1
        rng = np.random.default_rng(rng)
        H, G = self.hidden_size, self.num_gates
        k = 1.0 / np.sqrt(H)                       # PyTorch's init: every weight and bias ~ U(-k, k)
        for l in range(self.num_layers):
            E_l = self.input_size if l == 0 else D * H
            for d in range(D):
                sfx = self._suffix(l, d)
                self.add_param("Wx" + sfx, rng.uniform(-k, k, (E_l, G * H)), dtype)
                Wh = rng.uniform(-k, k, (H, G * H))
                if orthogonal:                      # one orthogonal (H, H) block per gate
                    Wh = np.concatenate([_orthogonal(rng, H) for _ in range(G)], axis=1)
                self.add_param("Wh" + sfx, Wh, dtype)
                for name, value in self._init_biases(rng, k).items():
                    self.add_param(name + sfx, value, dtype)
        self._caches = None

    # -- what each cell fills in -------------------------------------------------------------
    def _init_biases(self, rng, k):
        """PyTorch draws b_ih and b_hh ~ U(-k, k) and adds them; so does this, into one b."""
        GH = self.num_gates * self.hidden_size
        return {"b": rng.uniform(-k, k, GH) + rng.uniform(-k, k, GH)}

    def _cell_forward(self, x, states0, p, mask):
        """-> out (B, T, H), final states (tuple), cache."""
        raise NotImplementedError

    def _cell_backward(self, d_out, d_states, cache):
        """-> dx (B, T, E_l), d initial states (tuple), grads dict."""
        raise NotImplementedError

    # -- bookkeeping ---------------------------------------------------------------------------
    @staticmethod
    def _suffix(l, d):
        return f"_l{l}" + ("_reverse" if d == 1 else "")

    def _params_of(self, l, d):
        """This layer and direction's weights by their plain names: {"Wx": ..., "Wh": ..., "b": ...}."""
        sfx = self._suffix(l, d)
        return {name: self.params[name + sfx] for name in self.weight_names}

    def _initial_states(self, h0, B, xp, dtype, where):
        """h0 (L*D, B, H) (a tuple (h0, c0) for the LSTM) or None -> list of num_states arrays."""
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        if h0 is None:
            return [xp.zeros(shape, dtype=dtype) for _ in range(self.num_states)]
        parts = (h0,) if self.num_states == 1 else h0
        if self.num_states == 2 and (not isinstance(h0, (tuple, list)) or len(h0) != 2):
            raise TypeError(f"{where}: h0 must be a tuple (h0, c0) for an LSTM, got {type(h0).__name__}")
        names = ("h0",) if self.num_states == 1 else ("h0", "c0")
        states = []
        for name, s in zip(names, parts):
            if s is None:
                states.append(xp.zeros(shape, dtype=dtype))
                continue
            check_float_input(s, name, 3, dtype=dtype, where=where)
            if tuple(s.shape) != shape:
                raise ValueError(f"{where}: {name} must have shape (num_layers*D, B, H) = {shape}, "
                                 f"got {tuple(s.shape)}")
            states.append(s)
        return states

    # -- the layer -------------------------------------------------------------------------------
    def forward(self, x, mask=None, h0=None):
        """x (B, T, E), mask (B, T) of bool or 0/1 or None, h0 (L*D, B, H) or None
        (for the LSTM a tuple (h0, c0)).

        Returns out (B, T, D*H) and h_n (L*D, B, H) laid out as in PyTorch (for the LSTM a tuple
        (h_n, c_n)): row l*D + d is layer l, direction d, at its last real step.
        """
        where = f"{type(self).__name__}.forward"
        check_float_input(x, "x", 3, self.input_size, self.dtype, where)
        xp = array_module(x)
        B, T, _ = x.shape
        mask = None if mask is None else check_mask(mask, (B, T), x.dtype, where)
        states0 = self._initial_states(h0, B, xp, x.dtype, where)
        states_n = [xp.empty_like(s) for s in states0]
        self._caches, self._shape = [], (B, T)
        inp = x
        for l in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = l * self.num_directions + d
                x_d = inp if d == 0 else inp[:, ::-1]
                m_d = mask if (d == 0 or mask is None) else mask[:, ::-1]
                out, states_T, cache = self._cell_forward(x_d, tuple(s[k] for s in states0),
                                                          self._params_of(l, d), m_d)
                outs.append(out if d == 0 else out[:, ::-1])
                for s_n, s_T in zip(states_n, states_T):
                    s_n[k] = s_T
                self._caches.append(cache)
            inp = outs[0] if len(outs) == 1 else xp.concatenate(outs, axis=2)   # (B, T, D*H)
        return inp, (states_n[0] if self.num_states == 1 else tuple(states_n))

    def backward(self, d_out, d_h_n=None):
        """d_out (B, T, D*H), d_h_n (L*D, B, H) or None (for the LSTM a tuple (dh, dc), either part None).

        Returns dx (B, T, E), fills self.grads, and keeps dL/dh0 in self.d_h0.
        """
        where = f"{type(self).__name__}.backward"
        if self._caches is None:
            raise RuntimeError(f"{where}: call forward() before backward()")
        B, T = self._shape
        H, D, L = self.hidden_size, self.num_directions, self.num_layers
        check_float_input(d_out, "d_out", 3, dtype=self.dtype, where=where)
        if tuple(d_out.shape) != (B, T, D * H):
            raise ValueError(f"{where}: d_out must have shape (B, T, D*H) = {(B, T, D * H)}, got {tuple(d_out.shape)}")
        if self.num_states == 2:
            d_states_n = (None, None) if d_h_n is None else tuple(d_h_n)
        else:
            d_states_n = (d_h_n,)
        xp = array_module(d_out)
        d_states_0 = [xp.zeros((L * D, B, H), dtype=d_out.dtype) for _ in range(self.num_states)]
        d_out_l = d_out                                                  # dL/d(layer l's output), from the top
        for l in reversed(range(L)):
            dx = None                                                    # dL/d(layer l's input): (B, T, E_l)
            for d in range(D):
                k = l * D + d
                d_out_d = d_out_l[:, :, d * H:(d + 1) * H]               # this direction's share
                d_out_d = d_out_d if d == 0 else d_out_d[:, ::-1]
                d_states_T = tuple(None if s is None else s[k] for s in d_states_n)
                dx_d, d_states, grads = self._cell_backward(d_out_d, d_states_T, self._caches[k])
                dx_d = dx_d if d == 0 else dx_d[:, ::-1]
                dx = dx_d if dx is None else dx + dx_d                  # both directions read the same input
                for s0, ds in zip(d_states_0, d_states):
                    s0[k] = ds
                for name, g in grads.items():
                    self.grads[name + self._suffix(l, d)][...] = g
            d_out_l = dx                                                 # layer l's input is layer l-1's output
        self.d_h0 = d_states_0[0] if self.num_states == 1 else tuple(d_states_0)
        return dx

    def __repr__(self):
        return (f"{type(self).__name__}({self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"bidirectional={self.bidirectional})")


class RNN(_Recurrent):
    """Stacked, optionally bidirectional simple RNN: h_t = tanh(x_t W_x + h_{t-1} W_h + b). See rnn.py.

    RNN(input_size, hidden_size, num_layers=1, bidirectional=False, nonlinearity="tanh",
        orthogonal=False, rng=None, dtype=np.float32)
    orthogonal: draw W_h as a random orthogonal matrix instead of U(-1/sqrt(H), 1/sqrt(H)).
    """
    num_gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bidirectional, **kwargs)

    def _cell_forward(self, x, states0, p, mask):
        out, h_T, cache = rnn_forward(x, states0[0], p["Wx"], p["Wh"], p["b"], mask, self.nonlinearity)
        return out, (h_T,), cache

    def _cell_backward(self, d_out, d_states, cache):
        dx, dh0, grads = rnn_backward(d_out, d_states[0], cache)
        return dx, (dh0,), grads


class LSTM(_Recurrent):
    """Stacked, optionally bidirectional LSTM with gates i, f, g, o in PyTorch's order. See lstm.py.

    LSTM(input_size, hidden_size, num_layers=1, bidirectional=False, forget_bias=None,
         orthogonal=False, rng=None, dtype=np.float32)
    forget_bias: if given (1.0 is the usual choice), the forget gate's bias starts at this value,
    so that early in training the cell keeps what it holds.
    """
    num_gates, num_states = 4, 2

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, forget_bias=None, **kwargs):
        self.forget_bias = forget_bias
        super().__init__(input_size, hidden_size, num_layers, bidirectional, **kwargs)

    def _init_biases(self, rng, k):
        b = super()._init_biases(rng, k)["b"]
        if self.forget_bias is not None:
            H = self.hidden_size
            b[H:2 * H] = self.forget_bias           # the f block
        return {"b": b}

    def _cell_forward(self, x, states0, p, mask):
        out, h_T, c_T, cache = lstm_forward(x, states0[0], states0[1], p["Wx"], p["Wh"], p["b"], mask)
        return out, (h_T, c_T), cache

    def _cell_backward(self, d_out, d_states, cache):
        dx, dh0, dc0, grads = lstm_backward(d_out, d_states[0], d_states[1], cache)
        return dx, (dh0, dc0), grads


class GRU(_Recurrent):
    """Stacked, optionally bidirectional GRU in PyTorch's form (r, z, n; r multiplies h W_hn + b_hn). See gru.py.

    GRU(input_size, hidden_size, num_layers=1, bidirectional=False, orthogonal=False, rng=None, dtype=np.float32)
    """
    num_gates = 3
    weight_names = ("Wx", "Wh", "b", "bhn")

    def _init_biases(self, rng, k):
        H = self.hidden_size
        b_ih, b_hh = rng.uniform(-k, k, 3 * H), rng.uniform(-k, k, 3 * H)
        b = b_ih.copy()
        b[:2 * H] += b_hh[:2 * H]                   # r and z see both biases as a sum
        return {"b": b, "bhn": b_hh[2 * H:]}        # n keeps b_hn apart: r multiplies it

    def _cell_forward(self, x, states0, p, mask):
        out, h_T, cache = gru_forward(x, states0[0], p["Wx"], p["Wh"], p["b"], p["bhn"], mask)
        return out, (h_T,), cache

    def _cell_backward(self, d_out, d_states, cache):
        dx, dh0, grads = gru_backward(d_out, d_states[0], cache)
        return dx, (dh0,), grads


# The one registry of cells, by the names the command line and the configs use.
CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CELL_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}     # how tables and figures name them
