"""Training runs for the IMDB exercise: one model with checkpoints, or several models compared.

    from minirnn.apps import sentiment, sentiment_train
    config = sentiment.Config(cell="lstm", epochs=3)
    model, tokenizer, history, interrupted = sentiment_train.train(config, out="runs/lstm")
    model.test                     # {"accuracy", "loss"} on the test set, scored once at the end
    table = sentiment_train.compare(["rnn", "lstm", "gru"], config, out="runs/compare")   # a DataFrame

train() holds out config["validation_split"] of the training reviews, trains config["epochs"]
epochs, keeps the weights of the epoch that scores best on the held-out reviews (keep_best), and
only then scores the test set, once. It writes into its folder, after every epoch:
    checkpoint.npz   the last epoch's weights and Adam's state (to resume), the best epoch's
                     weights (to predict), config, vocabulary, history; atomic (minirnn.checkpoint)
    training.png     loss and accuracy per epoch, training and validation
Ctrl-C stops training; checkpoint.npz keeps the epochs finished so far and train() returns with
interrupted=True. train(resume="runs/lstm/checkpoint.npz") continues where that checkpoint stopped;
with the same seed it gives the same weights as a run that never stopped.

compare() trains each model with the same settings (learning rate per cell unless the config sets
one), returns the table as a pandas DataFrame, one row per model (test accuracy, seconds per epoch,
parameters, ...), and writes it to comparison.md and comparison.csv (pd.read_csv reads it back), with
comparison.png (every model's curves in one figure).
"""
import os

import pandas as pd

from ..backend import to_numpy
from ..recurrent import CELL_NAMES as NAMES
from ..viz import plots
from . import sentiment


def model_name(config):
    name = NAMES[config["cell"]]
    return ("Bi" + name if config["bidirectional"] else name) + ("" if config["mask"] else " (no mask)")


def train(config, out, resume=None, verbose=True, data=None, progress=None):
    """Train one model, checkpointing into folder `out` after every epoch; score the test set once.

    config: a dict from sentiment.Config. resume: a checkpoint path to continue from (its config
    is used, with config["epochs"] as the new total). data: (tokenizer, train, test) from
    sentiment.load_data, to skip reading the reviews again. verbose: print what happens;
    progress: progress bars (default: verbose).
    Returns (model, tokenizer, history, interrupted). model.test is {"accuracy", "loss"} on the
    test set (None if interrupted); model.best is the kept epoch ({"epoch", "val_accuracy", ...}).
    """
    progress = verbose if progress is None else progress
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "checkpoint.npz")
    tokenizer, epoch, history, best = None, 0, None, None
    if resume is not None:
        model, _, tokenizer, saved, epoch, history = sentiment.load(resume, weights="last")
        config, best = dict(saved, epochs=config["epochs"]), model.best
        if verbose:
            print(f"resuming {model_name(config)} from {resume} after epoch {epoch}")
    else:
        model = sentiment.model_from_config(config)
    if data is None or tokenizer is not None:
        data = sentiment.load_data(config, progress=progress, tokenizer=tokenizer)
    tokenizer, (x_train, y_train), (x_test, y_test) = data
    if verbose:
        n_val = int(len(x_train) * config["validation_split"])
        print(f"{model_name(config)}: {len(x_train) - n_val} training, {n_val} validation and {len(x_test)} test "
              f"reviews, maxlen {config['maxlen']}, lr {sentiment.learning_rate(config):g}, "
              f"{model.num_params():,d} parameters")

    def on_epoch_end(model, e, history):                     # after every epoch: checkpoint + figure
        sentiment.save(path, model, model.optimizer, tokenizer, config, e + 1, history, best=model.best)
        plots.plot_history(history, os.path.join(out, "training.png"), f"{model_name(config)} on IMDB")
        if verbose and not progress:                         # fit printed nothing: say how the epoch went
            val = (f" val_loss {history['val_loss'][-1]:.4f} val_acc {history['val_accuracy'][-1]:.4f}"
                   if history.get("val_loss") else "")
            print(f"epoch {e + 1}/{config['epochs']}: loss {history['loss'][-1]:.4f} "
                  f"acc {history['accuracy'][-1]:.4f}{val} ({history['seconds'][-1]:.1f} s)", flush=True)

    model.test = None
    try:
        history = model.fit(x_train, y_train, epochs=config["epochs"], batch_size=config["batch_size"],
                            validation_split=config["validation_split"], seed=config["seed"], verbose=progress,
                            initial_epoch=epoch, history=history, on_epoch_end=on_epoch_end,
                            lr_schedule=sentiment.lr_schedule(config), best=best)
    except KeyboardInterrupt:
        # checkpoint.npz already holds every finished epoch (written at each epoch's end): keep it.
        if verbose:
            kept = f"{path} keeps the finished epochs" if os.path.exists(path) else "no epoch finished"
            print(f"\ninterrupted: {kept}")
        return model, tokenizer, history or {}, True

    last = {k: to_numpy(v).copy() for k, v in model.params.items()}   # what a --resume continues from
    if config["keep_best"] and model.best is not None:
        model.load_params(model.best["params"])
        if verbose:
            print(f"kept epoch {model.best['epoch']} (validation accuracy {model.best['val_accuracy']:.4f})")
    model.test = model.evaluate(x_test, y_test)                       # the test set, scored once
    sentiment.save(path, model, model.optimizer, tokenizer, config, config["epochs"], history,
                   best=model.best, test=model.test, weights=last)
    if verbose:
        print(f"checkpoint: {path}")
        print(f"test accuracy: {model.test['accuracy']:.4f}")
    return model, tokenizer, history, False


def compare(cells, config, out, verbose=True, progress=None, command=None):
    """Train each cell in `cells` ("rnn", "lstm", "gru") with the same config (learning rate per cell
    when config["lr"] is None). Returns the table: a DataFrame, one row per model. command: written
    above the table in comparison.md."""
    os.makedirs(out, exist_ok=True)
    progress = verbose if progress is None else progress
    data = sentiment.load_data(config, progress=progress)     # read and tokenize once, for every model
    rows, histories = [], {}
    for cell in cells:
        run = sentiment.Config(**dict(config, cell=cell))
        model, _, history, interrupted = train(run, os.path.join(out, cell), verbose=verbose,
                                               progress=progress, data=data)
        if interrupted:
            raise KeyboardInterrupt
        name = model_name(run)
        histories[name] = history
        rows.append({"model": name, "lr": sentiment.learning_rate(run),
                     "epoch_kept": model.best["epoch"] if run["keep_best"] and model.best else len(history["loss"]),
                     "val_accuracy": round(model.best["val_accuracy"], 4) if model.best else None,
                     "test_accuracy": round(model.test["accuracy"], 4), "test_loss": round(model.test["loss"], 4),
                     "seconds_per_epoch": float(f"{sum(history['seconds']) / len(history['seconds']):.3g}"),
                     "parameters": model.num_params()})
    table = pd.DataFrame(rows)
    write_table(table, os.path.join(out, "comparison"), command)
    plots.plot_comparison(histories, os.path.join(out, "comparison.png"), "IMDB sentiment: models compared")
    if verbose:
        print(markdown_table(table))
        print(f"wrote {os.path.join(out, 'comparison.md')}, .csv and .png")
    return table


def markdown_table(table):
    """A DataFrame (or a list of dicts with the same keys) -> a markdown table; missing values are left empty.
    By hand, since DataFrame.to_markdown needs the tabulate package."""
    table = pd.DataFrame(table)
    cells = table.astype(object).where(table.notna(), "")         # None / NaN -> an empty cell
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines)


def write_table(table, stem, command=None):
    """A DataFrame (or a list of dicts) -> stem.md (markdown, under the command if given) and stem.csv."""
    table = pd.DataFrame(table)
    with open(stem + ".md", "w") as f:
        f.write((f"`{command}`\n\n" if command else "") + markdown_table(table) + "\n")
    table.to_csv(stem + ".csv", index=False)
