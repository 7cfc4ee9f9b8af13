"""Long-range memory toy tasks: can a cell carry one number across T steps?

The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015):

    x (B, T, 2)   channel 0: random values u_t ~ U(0, 1)
                  channel 1: a marker, 1 at exactly two steps (one in each half), 0 elsewhere
    y (B,)        the sum of the two marked values, in [0, 2]

The model reads the whole sequence and answers after the last step, so it must remember the first
marked value for up to T steps while ignoring everything else. Predicting the mean 1.0 always gives
MSE = Var(u_a + u_b) = 2/12 ~ 0.167 (BASELINE_MSE); a model that solves the task gets far below that.

    x, y = adding_problem(64, T=50, rng=0)
    result = train_adding("lstm", T=50, steps=1000)      # {"mse": ..., "history": [...], ...}
    rows = memory_sweep(("rnn", "lstm", "gru"), (10, 50, 100, 200))

The model is the engine's recurrent layer and a Linear head on its final state:
    (B, T, 2) -> RNN/LSTM/GRU -> h_T (B, H) -> Linear(H, 1) -> prediction (B, 1)
trained with MSE, Adam and gradient-norm clipping (minirnn.optim). The LSTM starts with its
forget-gate bias at 1 (forget_bias), the usual choice: early on, the cell keeps what it holds.
"""
import time

import numpy as np

from ..backend import array_module, host_floats, to_device, to_numpy
from ..layers import Linear
from ..losses import mse
from ..model import loss_and_grad
from ..optim import Adam, clip_grad_norm
from ..recurrent import CELLS

BASELINE_MSE = 2.0 / 12.0          # always predicting 1.0: the variance of u_a + u_b
SOLVED_MSE = 0.01                  # "solved": 17x below the baseline


def adding_problem(n, T, rng=None, dtype=np.float32):
    """n examples of the adding problem with T steps. Returns x (n, T, 2) and y (n,).

    One marker is in the first half (steps 0 .. T//2 - 1), the other in the second (T//2 .. T-1).
    """
    if not isinstance(T, (int, np.integer)) or T < 2:
        raise ValueError(f"adding_problem: T must be an integer >= 2 (one marker in each half), got {T!r}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"adding_problem: n must be an integer >= 1, got {n!r}")
    rng = np.random.default_rng(rng)
    values = rng.uniform(0.0, 1.0, (n, T))                       # (n, T)
    first = rng.integers(0, T // 2, n)                           # (n,) a step in the first half
    second = rng.integers(T // 2, T, n)                          # (n,) a step in the second half
    markers = np.zeros((n, T))
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=2).astype(dtype)        # (n, T) x 2 -> (n, T, 2)
    y = (values[np.arange(n), first] + values[np.arange(n), second]).astype(dtype)   # (n,)
    return x, y


class AddingModel:
    """A recurrent layer and a Linear head on its final state: x (B, T, 2) -> prediction (B, 1).

    layer_kwargs go to the recurrent layer (e.g. orthogonal=True, nonlinearity="relu").
    """

    def __init__(self, cell="lstm", hidden=32, seed=0, forget_bias=1.0, **layer_kwargs):
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        rng = np.random.default_rng(seed)
        kwargs = dict(layer_kwargs, **({"forget_bias": forget_bias} if cell == "lstm" else {}))
        self.cell = cell
        self.rnn = CELLS[cell](2, hidden, rng=rng, **kwargs)
        self.head = Linear(hidden, 1, rng=rng)
        self.layers = [self.rnn, self.head]

    def final_state(self, h_n):
        """h_n from the layer's forward (L*D, B, H), or (h, c) for an LSTM -> h_T (B, H)."""
        return (h_n[0] if isinstance(h_n, tuple) else h_n)[-1]

    def forward(self, x):
        """x (B, T, 2) -> prediction (B, 1)."""
        self._shape = x.shape[:2]
        _, h_n = self.rnn.forward(x)                             # (B, T, H), (1, B, H)
        return self.head.forward(self.final_state(h_n))          # (B, H) @ (H, 1) -> (B, 1)

    def backward(self, d_pred):
        """d_pred (B, 1) -> fills every layer's grads."""
        d_hT = self.head.backward(d_pred)                        # (B, 1) -> (B, H)
        B, T = self._shape
        d_out = array_module(d_hT).zeros((B, T, d_hT.shape[1]), dtype=d_hT.dtype)   # only h_T was used
        d_h_n = d_hT[None]                                       # (B, H) -> (1, B, H)
        self.rnn.backward(d_out, (d_h_n, None) if self.rnn.num_states == 2 else d_h_n)

    def loss_and_grad(self, x, y):
        """Forward, MSE, backward: fills every layer's grads. Returns (loss, prediction (B, 1))."""
        return loss_and_grad(self, mse, x, y.reshape(-1, 1))

    def predict(self, x, batch_size=1000):
        """x (N, T, 2) NumPy -> predictions (N,) NumPy."""
        return np.concatenate([to_numpy(self.forward(to_device(x[s:s + batch_size])))[:, 0]
                               for s in range(0, len(x), batch_size)])


def evaluate(model, x, y):
    """Mean squared error of model's predictions on (x (N, T, 2), y (N,)), a float."""
    return float(np.mean((model.predict(x) - y) ** 2))


def train_adding(cell="lstm", T=50, steps=1000, batch_size=64, hidden=32, lr=1e-2, clip_norm=1.0,
                 seed=0, n_test=1000, eval_every=100, target_mse=None, progress=True, model=None):
    """Train `cell` on freshly drawn adding-problem batches of length T and measure test MSE.

    steps: at most this many Adam steps (each a new batch of batch_size examples).
    target_mse: stop early once the test MSE (checked every eval_every steps) is below it.
    model: an AddingModel to keep training (None: a new one from cell, hidden and seed).
    Returns {"cell", "T", "mse", "steps", "seconds", "history": [(step, test mse), ...],
             "grad_norm": [per step], "model"}.
    """
    from tqdm.auto import tqdm
    model = model or AddingModel(cell, hidden, seed)
    opt = Adam(model.layers, lr=lr)
    rng = np.random.default_rng([seed, T])
    x_test, y_test = adding_problem(n_test, T, rng=np.random.default_rng([seed, T, 1]))
    history, norms, t0 = [], [], time.perf_counter()
    bar = tqdm(range(1, steps + 1), desc=f"{model.cell} T={T}", disable=not progress, unit="step")
    for step in bar:
        x, y = adding_problem(batch_size, T, rng=rng)
        loss, _ = model.loss_and_grad(to_device(x), to_device(y))
        norms.append(clip_grad_norm(model.layers, clip_norm or float("inf")))   # norm before clipping (on the device)
        opt.step()
        if step % eval_every == 0 or step == steps:
            history.append((step, evaluate(model, x_test, y_test)))
            bar.set_postfix(test_mse=f"{history[-1][1]:.4f}")
            if target_mse is not None and history[-1][1] < target_mse:
                break
    return {"cell": model.cell, "T": int(T), "mse": history[-1][1], "steps": history[-1][0],
            "seconds": time.perf_counter() - t0, "history": history, "grad_norm": list(host_floats(*norms)),
            "model": model}


def memory_sweep(cells=("rnn", "lstm", "gru"), Ts=(10, 50, 100, 200), progress=True, **train_kwargs):
    """train_adding for every cell and T. Returns a list of result dicts (without the models)."""
    rows = []
    for T in Ts:
        for cell in cells:
            r = train_adding(cell, T, progress=progress, **train_kwargs)
            r.pop("model")
            rows.append(r)
    return rows
