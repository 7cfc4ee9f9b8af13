"""Training curves as PNG files, with matplotlib's Agg backend (no display needed).

    plot_history(history, "out/training.png", "SimpleRNN on IMDB")   # one model: loss and accuracy
    plot_comparison({"rnn": h1, "lstm": h2}, "out/comparison.png")   # several models in one figure

history is the dict Sequential.fit returns: lists per epoch under "loss", "accuracy",
"val_loss", "val_accuracy". Each function makes one figure, saves it, closes it and returns the path.
"""
import os
import sys

import matplotlib

if "ipykernel" not in sys.modules:          # a script draws into files only: works without a display;
    matplotlib.use("Agg")                   # in Jupyter the notebook's backend stays, so plots show inline
import matplotlib.pyplot as plt  # noqa: E402

FIGSIZE, DPI = (10, 4), 120                 # 1200 x 480 pixels


def _epochs(values):
    return list(range(1, len(values) + 1))  # epoch 1, 2, ...


def _save(fig, path):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _label_axes(ax_loss, ax_acc):
    ax_loss.set(xlabel="epoch", ylabel="binary cross-entropy (nats)", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (fraction correct)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)   # whole epochs on the x axis
        ax.legend()


def plot_history(history, path, title="Training Loss per Epoch"):
    """Loss (left) and accuracy (right) per epoch, training and validation. Returns path."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=FIGSIZE)
    for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.plot(_epochs(history[key]), history[key], "o-", label="training")
        if history.get("val_" + key):
            ax.plot(_epochs(history["val_" + key]), history["val_" + key], "s--", label="validation")
    fig.suptitle(title)
    _label_axes(ax_loss, ax_acc)
    return _save(fig, path)


def plot_comparison(histories, path, title="Models compared"):
    """histories: dict name -> history. Every model's loss and accuracy in one figure (2 panels):
    one colour per model, solid = training, dashed = validation. Returns path."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=FIGSIZE)
    for i, (name, history) in enumerate(histories.items()):
        color = f"C{i % 10}"
        for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.plot(_epochs(history[key]), history[key], "-", color=color, label=f"{name} training")
            if history.get("val_" + key):
                ax.plot(_epochs(history["val_" + key]), history["val_" + key], "--", color=color,
                        label=f"{name} validation")
    fig.suptitle(title)
    _label_axes(ax_loss, ax_acc)
    return _save(fig, path)
