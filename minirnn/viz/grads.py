"""Pictures of gradients: vanishing/exploding ||dL/dh_t|| over time, and the gradient norm per training step.

    norms = hidden_grad_norms(layer, x, d_hT)             # (T,): ||dL/dh_t|| for t = 0 .. T-1
    norms = adding_grad_norms(model, x, y)                # the same, loss = MSE of an AddingModel's answer
    plot_hidden_grad_norms({"at initialisation": {"RNN": n1, "LSTM": n2}}, "out/grads.png")
    plot_grad_norm_per_step(history, "out/grad_norm.png", clip_norm=5.0)

The loss is read at the last step only, so every dL/dh_t reaches h_t by backpropagating through
the steps t+1 .. T: ||dL/dh_t|| against t shows how much of the signal survives T - t steps.
For a simple RNN it shrinks (or grows) geometrically, a straight line on a log scale; the LSTM's
additive cell state and the GRU's update gate let it pass.

h_0 is the initial state and h_t the state after reading t inputs; dL/dh_t is computed by the real
*_step_backward functions (minirnn.trace.backward_steps), so norms[0] equals layer.d_h0 after
layer.forward(x) and layer.backward(zeros, d_h_n=d_hT). Works on either backend; returns NumPy.
"""
import numpy as np

from ..backend import to_device, to_numpy
from ..losses import mse
from ..recurrent import CELL_NAMES
from ..trace import backward_steps, run_steps
from .figures import plt, save_figure


def hidden_grad_norms(layer, x, d_hT, clip_norm=None):
    """||dL/dh_t||, the norm over the batch and units of dL/dh_t (B, H), for t = 0 .. T-1.

    layer: a one-layer, one-direction RNN/LSTM/GRU.  x: (B, T, E).  d_hT: (B, H) dL/dh_T, the loss's
    gradient at the last state (for the LSTM, dL/dc_T = 0 from outside).
    clip_norm: if given, scale the series as clip_grad_norm would scale this layer's gradients
    (by min(1, clip_norm / ||dL/dW||)): the part of the gradient an update actually uses.
    Returns norms (T,) as a float64 NumPy array.
    """
    x, d_hT = to_numpy(x), to_numpy(d_hT)
    B, T, _ = x.shape
    steps = run_steps(layer, x)                                    # the forward pass, step by step
    d_out = np.zeros((B, T, layer.hidden_size), dtype=x.dtype)     # the loss reads only h_T
    grads, d_h0 = backward_steps(layer, steps, d_out, dh_T=d_hT)   # fills steps[t]["dh"] = dL/dh_{t+1}
    dh = [d_h0] + [steps[t]["dh"] for t in range(T - 1)]           # dL/dh_0 .. dL/dh_{T-1}
    norms = np.array([np.linalg.norm(to_numpy(d)) for d in dh], dtype=np.float64)   # (T,)
    if clip_norm is not None:
        total = np.sqrt(sum(float(np.sum(to_numpy(g).astype(np.float64) ** 2)) for g in grads.values()))
        norms *= min(1.0, clip_norm / (total + 1e-6))              # the same scale as optim.clip_grad_norm
    return norms


def adding_grad_norms(model, x, y, clip_norm=None):
    """hidden_grad_norms for a minirnn.apps.tasks.AddingModel: L = MSE(head(h_T), y), read at the last step.

    x: (B, T, 2), y: (B,). Returns norms (T,).
    """
    pred = model.forward(to_device(x))                             # (B, 1)
    _, d_pred = mse(pred, to_device(y).reshape(-1, 1).astype(pred.dtype))
    d_hT = model.head.backward(d_pred)                             # backprop through the head: (B, 1) -> (B, H)
    return hidden_grad_norms(model.rnn, x, d_hT, clip_norm)


def plot_hidden_grad_norms(panels, path, title="Gradient reaching h_t from a loss at the last step"):
    """panels: {panel title: {line label: norms (T,)}}, one panel per entry, side by side, log scale.

    Returns path.
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.5), squeeze=False, sharey=True)
    for ax, (name, lines) in zip(axes[0], panels.items()):
        for k, (label, norms) in enumerate(lines.items()):
            norms = np.asarray(norms, dtype=np.float64)
            t = np.arange(len(norms))
            ok = np.isfinite(norms) & (norms > 0)                  # log scale: leave out exact zeros
            ls = "--" if "clipped" in label else "-"               # a clipped copy of a line: dashed
            ax.semilogy(t[ok], norms[ok], ls, color=f"C{k}", label=label)
        T = max(len(n) for n in lines.values())
        ax.set(title=name, xlabel=f"time step t (state after t of {T} inputs; the loss reads h_{T})",
               ylabel="||dL/dh_t|| (L2 norm, log scale)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return save_figure(fig, path)


def steps_and_boundaries(history):
    """history["grad_norm"], one list of step norms per epoch -> (every step's norm, the steps after
    which an epoch ended)."""
    per_epoch = history.get("grad_norm", [])
    norms = [float(n) for epoch in per_epoch for n in epoch]
    ends = np.cumsum([len(epoch) for epoch in per_epoch])[:-1]
    return norms, [int(e) for e in ends]


def plot_grad_norm_per_step(history, path, clip_norm=None, title="Gradient norm per training step"):
    """history: the dict Sequential.fit returns ("grad_norm": per epoch, the norm at each of its steps).

    Plots the global gradient norm before clipping at every step (log scale), its running mean,
    the clipping threshold and the epoch boundaries. Returns path.
    """
    norms, ends = steps_and_boundaries(history)
    norms = np.asarray(norms, dtype=np.float64)
    if norms.size == 0:
        raise ValueError("plot_grad_norm_per_step: history has no 'grad_norm' entries (train with model.fit first)")
    steps = np.arange(1, norms.size + 1)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.semilogy(steps, norms, "-", color="C0", alpha=0.4, lw=0.8, label="||dL/dW|| at each step (before clipping)")
    w = max(1, norms.size // 25)                                   # running mean over ~4% of the run
    if w > 1:
        smooth = np.convolve(norms, np.ones(w) / w, mode="valid")
        ax.semilogy(steps[w - 1:], smooth, "-", color="C0", lw=2, label=f"running mean over {w} steps")
    if clip_norm:
        ax.axhline(clip_norm, color="C3", ls="--", label=f"clip_norm = {clip_norm:g} (larger norms are scaled down)")
    for i, end in enumerate(ends):
        ax.axvline(end + 0.5, color="gray", ls=":", lw=1, label="epoch boundary" if i == 0 else None)
    ax.set(title=title, xlabel="training step (one batch)", ylabel="global gradient norm (L2, log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return save_figure(fig, path)


def grad_norm_panels(T=50, steps=300, hidden=32, batch_size=64, clip_norm=1.0, lr=1e-2, seed=0,
                     cells=("rnn", "lstm", "gru"), progress=True):
    """The data for plot_hidden_grad_norms: every cell on the same adding-problem batch (B, T, 2),
    at initialisation and after `steps` Adam steps on the adding problem, trained without clipping
    and (from the same initial weights) with clip_norm. Returns {panel title: {cell name: norms (T,)}}.

    The clipped panel also scales the series as the clipping does (hidden_grad_norms's clip_norm).
    The first panel adds an exploding case: a SimpleRNN whose W_h is 2 x an orthogonal matrix (the
    backward signal roughly doubles per step while the units are not saturated), with and without
    clipping: clipping scales the whole series down, it does not change its shape.
    A run whose loss becomes NaN/Inf is drawn as missing, labelled "(diverged)".
    """
    from ..apps.tasks import AddingModel, adding_problem, train_adding
    names = CELL_NAMES
    x, y = adding_problem(batch_size, T, rng=np.random.default_rng([seed, T, 2]))   # the same input for all
    init, plain, clipped = {}, {}, {}
    for cell in cells:
        name = names[cell]
        init[name] = adding_grad_norms(AddingModel(cell, hidden, seed), x, y)
        for panel, clip in ((plain, None), (clipped, clip_norm)):
            model = AddingModel(cell, hidden, seed)                # the same initial weights each time
            try:
                train_adding(cell, T, steps=steps, batch_size=batch_size, lr=lr, clip_norm=clip, seed=seed,
                             n_test=256, eval_every=steps, progress=progress, model=model)
                panel[name] = adding_grad_norms(model, x, y, clip_norm=clip)
            except ValueError:                                     # mse refuses NaN/Inf: training diverged
                panel[name + " (diverged)"] = np.full(T, np.nan)
    exploding = AddingModel("rnn", hidden, seed, orthogonal=True)
    exploding.rnn.params["Wh_l0"] *= 2.0                           # every singular value of W_h is 2
    init["SimpleRNN, W_h = 2 x orthogonal"] = adding_grad_norms(exploding, x, y)
    init[f"the same, clipped to norm {clip_norm:g}"] = adding_grad_norms(exploding, x, y, clip_norm=clip_norm)
    return {"at initialisation": init,
            f"after {steps} Adam steps (lr {lr:g}), no clipping": plain,
            f"after {steps} Adam steps, clipped to norm {clip_norm:g}": clipped}
