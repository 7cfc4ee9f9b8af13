"""Pictures of the recurrence, as PNG files (matplotlib's Agg backend: no display needed).

    states, probs, words = hidden_states(model, tokenizer, text)    # a sentiment model, one review
    plot_hidden_states(model, tokenizer, text, "out/hidden.png")    # units x words, and P(positive) so far
    plot_lstm_gates(lstm_layer, x, "out/gates.png")                 # i, f, o gates, c_t and h_t over time
    plot_memory(rows, "out/memory.png")                             # adding problem: MSE against T
    (gradients: minirnn.viz.grads; loss and accuracy per epoch: minirnn.viz.plots)

Every function draws one figure, saves it, closes it and returns the path. Every number drawn comes
from the engine's own layers and step functions (minirnn.trace.run_steps reads the real caches).
"""
import os
import sys

import numpy as np
import matplotlib

if "ipykernel" not in sys.modules:          # a script draws into files only: works without a display;
    matplotlib.use("Agg")                   # in Jupyter the notebook's backend stays, so plots show inline
import matplotlib.pyplot as plt  # noqa: E402

from ..backend import to_device, to_numpy  # noqa: E402
from ..layers import Embedding  # noqa: E402
from ..recurrent import CELL_NAMES, LSTM, _Recurrent  # noqa: E402

DPI = 120                                   # pixels per inch: a (10, 4) figure is 1200 x 480 pixels


def save_figure(fig, path):
    """Lay out, save as PNG at DPI (the figure keeps its exact size), close. Returns path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if fig.get_layout_engine() is None:                           # _panels uses constrained layout
        fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _panels(n, figsize, heights=None):
    """n rows sharing the time axis, each with a thin column on its right for a colorbar.

    Returns (axes, caxes); a row without a heatmap hides its colorbar axis (caxes[k].axis("off")).
    """
    fig, grid = plt.subplots(n, 2, figsize=figsize, squeeze=False, layout="constrained",
                             gridspec_kw={"width_ratios": [60, 1], "height_ratios": heights})
    axes, caxes = list(grid[:, 0]), list(grid[:, 1])
    for ax in axes[1:]:
        ax.sharex(axes[0])
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)                          # time labels on the bottom row only
    return fig, axes, caxes


def _heatmap(fig, ax, cax, values, cmap, lims, label):
    """values (units, T) as an image: one column per time step, one row per unit, colorbar in cax."""
    if lims is None:
        lim = max(float(np.abs(values).max()), 1e-6)
        lims = (-lim, lim)                                         # symmetric: white is 0
    im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=lims[0], vmax=lims[1], interpolation="nearest")
    fig.colorbar(im, cax=cax).set_label(label)


def _time_ticks(ax, labels):
    """Label the time axis with one tick per step (words, or values); thinned out past 80 steps."""
    T = len(labels)
    every = max(1, int(np.ceil(T / 80)))
    ax.set_xticks(range(0, T, every))
    ax.set_xticklabels([labels[i] for i in range(0, T, every)], rotation=90, fontsize=7)


# ---------------------------------------------------------------- hidden state over one review

def _split_model(model):
    """A Sequential of Embedding -> ... -> recurrent layer -> head -> (B, 1): index of the last recurrent layer."""
    idx = [i for i, layer in enumerate(model.layers) if isinstance(layer, _Recurrent)]
    if not idx or not isinstance(model.layers[0], Embedding):
        raise ValueError("hidden_states needs a Sequential that starts with an Embedding and has a recurrent "
                         "layer (like minirnn.apps.sentiment.build_model)")
    k = idx[-1]
    if model.layers[k].bidirectional:
        raise ValueError("hidden_states: the state after word t of a bidirectional layer has already read the "
                         "words after t, so a probability per prefix needs a one-direction model")
    return k


def hidden_states(model, tokenizer, text, max_words=60):
    """Run a sentiment model over one review, word by word.

    model: Embedding -> RNN/LSTM/GRU -> Dense ... -> Dense(sigmoid), e.g. minirnn.apps.sentiment.build_model.
    text: one review (str); its first max_words known-or-<unk> words are used.
    Returns states (T, H) (the top recurrent layer's h_t after each word), probs (T,) (the model's
    P(positive) had the review stopped after word t: the head applied to h_t), and words (T list of str).
    """
    from ..datasets import imdb
    k = _split_model(model)
    ids = tokenizer.texts_to_sequences([imdb.clean(text)])[0][:max_words]
    if not ids:
        raise ValueError("hidden_states: the text has no words the tokenizer knows (nor an <unk> id)")
    words = [tokenizer.index_word.get(i, "?") for i in ids]
    model.eval()                                                   # Dropout off
    h = to_device(np.asarray(ids, dtype=np.int64)[None])           # (1, T): no padding, so no mask needed
    for layer in model.layers[:k + 1]:
        h = layer.forward(h)                                       # (1, T) -> (1, T, E) -> ...
        if isinstance(layer, _Recurrent):
            h = h[0]                                               # out (1, T, H): h_t after every word
    states = h
    for layer in model.layers[k + 1:]:
        h = layer.forward(h)                                       # the head on every prefix: (1, T, H) -> (1, T, 1)
    model.train()
    return to_numpy(states[0]), to_numpy(h[0, :, 0]), words


def plot_hidden_states(model, tokenizer, text, path, max_words=60, title=None):
    """Top: the hidden state, units x words (heatmap). Bottom: P(positive) after each word. Returns path."""
    states, probs, words = hidden_states(model, tokenizer, text, max_words)
    T, H = states.shape
    fig, (ax_h, ax_p), caxes = _panels(2, (max(10, 0.2 * T + 3), 7.5), heights=[2, 1])
    _heatmap(fig, ax_h, caxes[0], states.T, "RdBu_r", None, "h_t value (unitless)")
    caxes[1].axis("off")
    ax_h.set(ylabel=f"hidden unit (0..{H - 1})", title="Hidden state h_t after each word")
    ax_p.plot(range(T), probs, "o-", ms=3, color="C2", label="P(positive) if the review ended here")
    ax_p.axhline(0.5, color="gray", ls="--", lw=1, label="decision threshold 0.5")
    ax_p.set(ylim=(-0.02, 1.02), ylabel="P(positive) (probability)", xlabel="word (time step t)",
             title="The model's verdict after each word")
    ax_p.grid(alpha=0.3)
    ax_p.legend(loc="upper left", fontsize=8)
    _time_ticks(ax_p, words)
    fig.suptitle(title or f"{type(model.layers[_split_model(model)]).__name__} reading one review "
                          f"(final P(positive) = {probs[-1]:.2f})")
    return save_figure(fig, path)


# ---------------------------------------------------------------- LSTM gates

def lstm_gate_traces(layer, x):
    """Run an LSTM (one layer, one direction) over x (B, T, E) and keep sequence 0's internals.

    Returns a dict of (T, H) arrays: "i", "f", "o" (the gates, from the cache of lstm_step_forward),
    "g" (the candidate), "c" (the cell state c_t) and "h" (the hidden state h_t).
    """
    from ..trace import run_steps
    if not isinstance(layer, LSTM):
        raise TypeError(f"lstm_gate_traces needs an LSTM layer, got {type(layer).__name__}")
    steps = run_steps(layer, to_numpy(x))
    return {k: np.stack([to_numpy(s[k][0]) for s in steps]) for k in ("i", "f", "g", "o", "c", "h")}


def plot_lstm_gates(layer, x, path, labels=None, marks=None, title="Inside an LSTM: gates and states over time"):
    """Heatmaps (units x time) of the input, forget and output gates, the cell state c_t and the hidden
    state h_t for sequence 0 of x (B, T, E), and the mean of each gate over units per step.

    labels: T strings for the time axis (words, values) or None. marks: time steps to highlight
    (e.g. the adding problem's markers). Returns path.
    """
    tr = lstm_gate_traces(layer, x)
    T, H = tr["h"].shape
    rows = [("i", "input gate i_t", "viridis", (0, 1)), ("f", "forget gate f_t", "viridis", (0, 1)),
            ("o", "output gate o_t", "viridis", (0, 1)), ("c", "cell state c_t", "RdBu_r", None),
            ("h", "hidden state h_t", "RdBu_r", None)]
    fig, axes, caxes = _panels(len(rows) + 1, (max(10, 0.2 * T + 3), 13))
    for ax, cax, (key, name, cmap, lims) in zip(axes, caxes, rows):
        _heatmap(fig, ax, cax, tr[key].T, cmap, lims, "gate (0 shut .. 1 open)" if lims else "value (unitless)")
        ax.set(ylabel=f"unit (0..{H - 1})", title=name)
    ax = axes[-1]
    caxes[-1].axis("off")
    for k, (key, name) in enumerate((("i", "input gate"), ("f", "forget gate"), ("o", "output gate"))):
        ax.plot(range(T), tr[key].mean(axis=1), "-", color=f"C{k}", label=f"{name}, mean over units")
    for j, t in enumerate(marks or []):
        for a in axes:
            a.axvline(t, color="red", ls=":", lw=1.2, label="marked step" if (j == 0 and a is ax) else None)
    ax.set(ylim=(0, 1), ylabel="mean gate value (0..1)", xlabel="time step t", title="Gates, averaged over units")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    if labels is not None:
        _time_ticks(ax, list(labels))
    fig.suptitle(title)
    return save_figure(fig, path)


# ---------------------------------------------------------------- long-range memory

def plot_memory(rows, path, baseline=2.0 / 12.0, solved=0.01, title="Adding problem: who remembers across T steps?"):
    """rows: dicts with "cell", "T", "mse" (from minirnn.apps.tasks.memory_sweep). Test MSE against T per cell,
    log scale, with the predict-1.0 baseline and the "solved" line. Returns path."""
    names = CELL_NAMES
    fig, ax = plt.subplots(figsize=(8, 5))
    cells = list(dict.fromkeys(r["cell"] for r in rows))
    for k, cell in enumerate(cells):
        pts = sorted((r["T"], r["mse"]) for r in rows if r["cell"] == cell)
        ax.semilogy([p[0] for p in pts], [p[1] for p in pts], "o-", color=f"C{k}", lw=2, label=names.get(cell, cell))
    ax.axhline(baseline, color="gray", ls="--", label=f"always predict 1.0 (MSE {baseline:.3f})")
    ax.axhline(solved, color="gray", ls=":", label=f"solved: MSE < {solved:g}")
    Ts = sorted({r["T"] for r in rows})
    ax.set_xticks(Ts)
    ax.set(title=title, xlabel="sequence length T (steps between the first marker and the answer: up to T)",
           ylabel="test MSE (target: a sum in [0, 2]; log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return save_figure(fig, path)
