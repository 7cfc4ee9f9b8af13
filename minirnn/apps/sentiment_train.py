"""Training runs for the IMDB exercise: one model with checkpoints, or several models compared.

    from minirnn.apps import sentiment, sentiment_train
    config = sentiment.Config(cell="lstm", epochs=3)
    model, tokenizer, history = sentiment_train.train(config, out="runs/lstm")
    table = sentiment_train.compare(["rnn", "lstm", "gru"], config, out="runs/compare")

train() writes into its folder, after every epoch:
    checkpoint.npz   weights, Adam's state, config, vocabulary, history (atomic; see minirnn.checkpoint)
    training.png     loss and accuracy per epoch, training and validation
Ctrl-C stops training, writes checkpoint.npz with the epochs finished so far, and returns normally.
train(resume="runs/lstm/checkpoint.npz") continues where that checkpoint stopped; with the same seed
it gives the same weights as a run that never stopped.

compare() trains each model under the same budget (same data, epochs, batch size, learning rate)
and writes comparison.md and comparison.csv (test accuracy, loss, seconds per epoch, parameters)
and comparison.png (every model's curves in one figure).
"""
import csv
import os

from ..recurrent import CELL_NAMES as NAMES
from ..viz import plots
from . import sentiment



def model_name(config):
    name = NAMES[config["cell"]]
    return ("Bi" + name if config["bidirectional"] else name) + ("" if config["mask"] else " (no mask)")


def train(config, out, resume=None, verbose=True, data=None):
    """Train one model, checkpointing into folder `out` after every epoch.

    config: a dict from sentiment.Config. resume: a checkpoint path to continue from (its config
    is used, with config["epochs"] as the new total). data: (tokenizer, train, test) from
    sentiment.load_data, to skip reading the reviews again.
    Returns (model, tokenizer, history, interrupted).
    """
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "checkpoint.npz")
    tokenizer, epoch, history = None, 0, None
    if resume is not None:
        model, _, tokenizer, saved, epoch, history = sentiment.load(resume)
        config = dict(saved, epochs=config["epochs"])
        if verbose:
            print(f"resuming {model_name(config)} from {resume} after epoch {epoch}")
    else:
        model = sentiment.model_from_config(config)
    if data is None or tokenizer is not None:
        data = sentiment.load_data(config, progress=verbose, tokenizer=tokenizer)
    tokenizer, (x_train, y_train), (x_test, y_test) = data
    if verbose:
        print(f"{model_name(config)}: {len(x_train)} training and {len(x_test)} test reviews, "
              f"maxlen {config['maxlen']}, {model.num_params():,d} parameters")

    done = {"epoch": epoch, "history": history}               # what the last checkpoint holds

    def on_epoch_end(model, e, history):                     # after every epoch: checkpoint + figure
        done["epoch"], done["history"] = e + 1, {k: list(v) for k, v in history.items()}
        sentiment.save(path, model, model.optimizer, tokenizer, config, e + 1, history)
        plots.plot_history(history, os.path.join(out, "training.png"), f"{model_name(config)} on IMDB")

    interrupted = False
    try:
        history = model.fit(x_train, y_train, epochs=config["epochs"], batch_size=config["batch_size"],
                            validation_data=(x_test, y_test), seed=config["seed"], verbose=verbose,
                            initial_epoch=epoch, history=history, on_epoch_end=on_epoch_end,
                            lr_schedule=sentiment.lr_schedule(config))
    except KeyboardInterrupt:
        # Stopped half-way through an epoch: save the weights and Adam's state as they are, so no
        # work is lost, with the count of *finished* epochs; --resume repeats the unfinished one.
        interrupted, history = True, done["history"] or {}
        if verbose:
            print(f"\ninterrupted after {done['epoch']} finished epoch(s): saving {path}")
        sentiment.save(path, model, model.optimizer, tokenizer, config, done["epoch"], history)
    if verbose:
        print(f"checkpoint: {path}")
    return model, tokenizer, history, interrupted


def compare(cells, config, out, verbose=True):
    """Train each cell in `cells` ("rnn", "lstm", "gru") with the same config. Returns the table rows."""
    os.makedirs(out, exist_ok=True)
    data = sentiment.load_data(config, progress=verbose)     # read and tokenize once, for every model
    rows, histories = [], {}
    for cell in cells:
        run = sentiment.Config(**dict(config, cell=cell))
        model, _, history, interrupted = train(run, os.path.join(out, cell), verbose=verbose, data=data)
        if interrupted:
            raise KeyboardInterrupt
        name = model_name(run)
        histories[name] = history
        test = model.evaluate(*data[2])
        rows.append({"model": name, "test_accuracy": round(test["accuracy"], 4), "test_loss": round(test["loss"], 4),
                     "seconds_per_epoch": float(f"{sum(history['seconds']) / len(history['seconds']):.3g}"),
                     "parameters": model.num_params()})
    write_table(rows, os.path.join(out, "comparison"))
    plots.plot_comparison(histories, os.path.join(out, "comparison.png"), "IMDB sentiment: models compared")
    if verbose:
        print(markdown_table(rows))
        print(f"wrote {os.path.join(out, 'comparison.md')}, .csv and .png")
    return rows


def markdown_table(rows):
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def write_table(rows, stem):
    """rows: list of dicts with the same keys -> stem.md (markdown) and stem.csv."""
    with open(stem + ".md", "w") as f:
        f.write(markdown_table(rows) + "\n")
    with open(stem + ".csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
