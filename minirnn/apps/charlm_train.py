"""Training the character-level language model (charlm.py): the loop, the schedule, checkpoints, the loss curve.

    config = Config(cell="lstm", num_layers=1, hidden=512, dropout=0.4, batch=32)
    result = train(load_text("tinyshakespeare.txt"), config, out_dir="runs/charlm", minutes=5)
    model, optimizer, vocab, config, run = load_checkpoint("runs/charlm/charlm-best.npz")

The loop: the first 90% of the text is cut into `batch` streams; each update trains on the next
`seq_len` columns (truncated BPTT, the state carried from chunk to chunk); at the end of the
streams the state goes back to zeros and a new epoch starts. The run stops after `minutes` (or
`max_steps`); Ctrl-C stops it too, after saving.

The learning rate follows a schedule over the run's budget (lr_at): `lr` for the first
`lr_decay_start` (70%) of it, then cosine down to `lr * lr_floor`, keyed to the fraction of the
budget used so far, the larger of step / max_steps and elapsed seconds / (minutes * 60). So a run
with more minutes decays later and still ends at the floor, where the last, small steps polish
the weights. (Decaying from the start lost 0.03-0.10 nats in 8-minute trials: an under-trained
model wants the full rate. See benchmarks/results/charlm.md.)

Every `eval_every` updates the validation loss is measured on a fixed slice (the first
`val_chars` characters of the held-out last 10%), so the values are comparable over time, a
sample is printed, and two checkpoints are written to out_dir:
    charlm.npz        the latest weights, with everything a resume needs (--resume uses it)
    charlm-best.npz   the weights with the lowest validation loss so far (sample uses it)
At the end, the best weights score the whole held-out text: that is the reported number.

Resuming is exact: the checkpoint holds the weights, the optimizer state, the carried hidden
state, the position in the streams and the schedule's budget, and every update draws its dropout
masks from default_rng([seed, step, layer]), so a resumed run makes the same updates as one that
never stopped (when the schedule is keyed to steps; one keyed to minutes follows the clock).
"""
import math
import os
import shutil
import signal
import sys
import threading
import time

import numpy as np

from .. import checkpoint
from ..backend import to_device, to_numpy
from .charlm import CharLM, Vocab, evaluate, make_streams, sample, train_chunk
from ..optim import Adagrad, Adam, AdamW

KIND = "minirnn-charlm"          # marks a checkpoint written by save_checkpoint()
CHECKPOINT = "charlm.npz"        # file names inside out_dir: the latest weights (what --resume continues)
BEST = "charlm-best.npz"         # the weights with the lowest validation loss (what sample reads)
CURVE = "loss_curve.png"
SAMPLES = "samples.txt"
LN2 = math.log(2)

# Every setting of a run, with its default. A config is this dict with some values changed.
# The defaults were chosen by timed trials on tiny-shakespeare: benchmarks/results/charlm.md.
DEFAULTS = {
    "cell": "lstm",          # "rnn", "lstm" or "gru"
    "num_layers": 1,         # L stacked recurrent layers, Dropout after each
    "hidden": 512,           # H
    "embed": 64,             # E, the embedding size
    "dropout": 0.4,          # after every recurrent layer
    "embed_dropout": 0.1,    # on the embedding vectors
    "seq_len": 100,          # S: steps per truncated-BPTT chunk
    "batch": 32,             # B parallel streams
    "optimizer": "adam",     # "adam", "adamw" or "adagrad" (min-char-rnn's)
    "weight_decay": 0.0,     # adamw: the weights shrink by lr * weight_decay per update; others: L2
    "lr": 2e-3,              # the peak learning rate
    "lr_schedule": "cosine", # "cosine", "linear" or "constant", over the budget (lr_at)
    "lr_floor": 0.1,         # the rate at the end of the budget, as a fraction of lr
    "lr_decay_start": 0.7,   # the fraction of the budget spent at the peak rate before the decay begins
    "clip": 5.0,             # clip the global gradient norm
    "val_fraction": 0.1,     # the last 10% of the text is held out
    "eval_every": 200,       # updates between validation / sample / checkpoint
    "val_chars": 50000,      # the fixed validation slice: the first val_chars held-out chars (the final score: all)
    "sample_chars": 200,
    "seed": 0,
    "data": None,            # the text file's path, for the record (and --resume without --data)
}
# What a checkpoint written before a setting existed meant by it (so it resumes as it ran).
LEGACY = {"embed_dropout": 0.0, "lr_schedule": "constant", "lr_floor": 1.0, "lr_decay_start": 0.0, "val_chars": 200000,
          "weight_decay": 0.0}
OPTIMIZERS = {"adam": Adam, "adamw": AdamW, "adagrad": Adagrad}
SCHEDULES = ("cosine", "linear", "constant")


def Config(**changes):
    """The defaults with some values changed, as a plain dict. Unknown names or bad values are an error."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"Config: unknown setting(s) {unknown}; known: {sorted(DEFAULTS)}")
    config = dict(DEFAULTS, **changes)
    if config["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"Config: optimizer must be one of {sorted(OPTIMIZERS)}, got {config['optimizer']!r}")
    if config["lr_schedule"] not in SCHEDULES:
        raise ValueError(f"Config: lr_schedule must be one of {list(SCHEDULES)}, got {config['lr_schedule']!r}")
    if not 0 < config["val_fraction"] < 1:
        raise ValueError(f"Config: val_fraction must be in (0, 1), got {config['val_fraction']}")
    if not config["lr"] > 0:
        raise ValueError(f"Config: lr must be > 0, got {config['lr']}")
    if not 0 <= config["lr_floor"] <= 1:
        raise ValueError(f"Config: lr_floor must be in [0, 1] (a fraction of lr), got {config['lr_floor']}")
    if not 0 <= config["lr_decay_start"] < 1:
        raise ValueError(f"Config: lr_decay_start must be in [0, 1) (a fraction of the budget), "
                         f"got {config['lr_decay_start']}")
    if not config["weight_decay"] >= 0:
        raise ValueError(f"Config: weight_decay must be >= 0, got {config['weight_decay']}")
    for name in ("dropout", "embed_dropout"):
        if not 0 <= config[name] < 1:
            raise ValueError(f"Config: {name} must be in [0, 1), got {config[name]}")
    return config


def lr_at(config, progress):
    """The learning rate after a fraction `progress` in [0, 1] of the budget (clamped to it).

    The rate stays at lr until progress reaches lr_decay_start = s, then decays over the rest,
    with f = (progress - s) / (1 - s) going from 0 to 1:
    cosine:   floor + (lr - floor) * (1 + cos(pi * f)) / 2     slow start, fast middle, slow end
    linear:   lr - (lr - floor) * f
    constant: lr
    with floor = lr * lr_floor.
    """
    lr, start = config["lr"], config["lr_decay_start"]
    f = min(max((float(progress) - start) / (1 - start), 0.0), 1.0)
    floor = lr * config["lr_floor"]
    if config["lr_schedule"] == "cosine":
        return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * f))
    if config["lr_schedule"] == "linear":
        return lr - (lr - floor) * f
    return lr


def progress(run):
    """The fraction of the budget used: the larger of step / steps and seconds / budget seconds (each if set)."""
    budget, f = run["budget"], 0.0
    if budget.get("steps"):
        f = max(f, run["step"] / budget["steps"])
    if budget.get("seconds"):
        f = max(f, run["seconds"] / budget["seconds"])
    return f


def build(config, vocab_size):
    """-> (model, optimizer) for a config."""
    model = CharLM(vocab_size, config["cell"], config["hidden"], config["num_layers"], config["embed"],
                   config["dropout"], config["embed_dropout"], seed=config["seed"])
    return model, OPTIMIZERS[config["optimizer"]](model.layers, lr=config["lr"], weight_decay=config["weight_decay"])


def split(text, vocab, val_fraction):
    """-> train ids, val ids: the last val_fraction of the text is held out."""
    ids = vocab.encode(text)
    n_val = max(2, int(len(ids) * val_fraction))
    if len(ids) - n_val < 2:
        raise ValueError(f"the text has {len(ids)} characters: too short to hold out {val_fraction:.0%} and train")
    return ids[:-n_val], ids[-n_val:]


def check_length(n_text, n_train, config):
    """A text whose training part is shorter than one chunk (B streams of S steps) is refused, with what to change."""
    B, S = config["batch"], config["seq_len"]
    if n_train < B * S + 1:
        raise ValueError(f"the text has {n_text:,d} characters ({n_train:,d} to train on after holding out "
                         f"{config['val_fraction']:.0%}): shorter than one chunk of --batch {B} x --seq-len {S} "
                         f"= {B * S + 1:,d}; use a longer text or a smaller --batch / --seq-len")


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(path, model, optimizer, vocab, config, run, state=None):
    """Write everything a resume needs to path, atomically. run: {"step", "epoch", "pos", "seconds", "history", ...}."""
    arrays = checkpoint.model_arrays(model, optimizer)
    for l, s in enumerate(state or []):
        parts = s if isinstance(s, tuple) else (s,)
        for j, a in enumerate(parts):
            arrays[f"state/{l}.{j}"] = to_numpy(a)                  # (1, B, H)
    return checkpoint.save(path, arrays, {"kind": KIND, "config": config, "vocab": vocab.chars, "run": run})


def load_checkpoint(path):
    """-> model, optimizer, vocab, config, run (with run["state"]: the carried state or None)."""
    arrays, meta = checkpoint.load(path)
    if meta.get("kind") != KIND:
        raise ValueError(f"checkpoint {path} is not a character-level model (kind {meta.get('kind')!r})")
    config, vocab = Config(**dict(LEGACY, **meta["config"])), Vocab(meta["vocab"])
    model, optimizer = build(config, vocab.size)
    checkpoint.restore(model, arrays, optimizer)
    state = []
    for l in range(config["num_layers"]):
        parts = [to_device(arrays[f"state/{l}.{j}"]) for j in range(2) if f"state/{l}.{j}" in arrays]
        state.append(tuple(parts) if len(parts) == 2 else (parts[0] if parts else None))
    run = dict(meta["run"], state=state if state and state[0] is not None else None)
    return model, optimizer, vocab, config, run


def find_checkpoint(path, which):
    """A checkpoint file, or a run folder -> its latest (which="latest") or best (which="best") checkpoint.

    A folder from before best checkpoints were kept has only the latest: that one, then."""
    if os.path.isdir(path):
        best, latest = os.path.join(path, BEST), os.path.join(path, CHECKPOINT)
        path = best if which == "best" and (os.path.exists(best) or not os.path.exists(latest)) else latest
    return str(path)


def describe(path, run):
    """One line naming a checkpoint file: best or latest, its step and validation loss."""
    kind = "best-validation" if os.path.basename(str(path)) == BEST else "latest"
    best = run.get("best") or {}
    if run.get("final_val_loss") is not None and kind == "best-validation":
        val = f", {run['final_val_loss']:.4f} nats/char on the whole held-out text"
    elif kind == "best-validation" and best:
        val = f", validation {best['val_loss']:.4f} nats/char on the fixed slice"
    else:
        val = ""
    return f"the {kind} checkpoint {path} (step {run['step']}{val})"


# ---------------------------------------------------------------- the loop

def train(text, config, out_dir, minutes=None, max_steps=None, resume=None, verbose=True, log=print):
    """Train on text until `minutes` of wall time or `max_steps` updates in total (or Ctrl-C).

    resume: a checkpoint path to continue from (its config and vocabulary are used). The learning
    rate schedule runs over this call's budget: max_steps in total, and/or the seconds already
    trained plus `minutes`; so a run stopped by Ctrl-C and resumed with the same budget is exact.
    Writes out_dir/charlm.npz (latest), charlm-best.npz (best validation), loss_curve.png and
    samples.txt. Returns a dict with the best model, vocab, config, run (history included), the
    best weights' loss on the whole held-out text ("val_loss") and "interrupted".
    """
    from tqdm.auto import tqdm
    if minutes is None and max_steps is None:
        raise ValueError("train: give minutes or max_steps (or both), or it would never stop")
    if resume:
        model, optimizer, vocab, config, run = load_checkpoint(resume)
        state = run.pop("state")
        run.pop("final_val_loss", None)                            # this leg will score again at its end
        log(f"resuming from {describe(resume, run)}")
    else:
        config, vocab = Config(**config), Vocab.from_text(text)
        model, optimizer = build(config, vocab.size)
        run, state = {"step": 0, "epoch": 0, "pos": 0, "seconds": 0.0, "best": None,
                      "history": {"step": [], "minutes": [], "train_loss": [], "val_loss": []}}, None
    run["budget"] = {"steps": max_steps, "seconds": None if minutes is None else run["seconds"] + minutes * 60}
    train_ids, val_ids = split(text, vocab, config["val_fraction"])
    check_length(len(text), len(train_ids), config)
    x, y = make_streams(train_ids, config["batch"])               # (B, n) each
    S, hist = config["seq_len"], run["history"]
    ckpt, best_ckpt = os.path.join(out_dir, CHECKPOINT), os.path.join(out_dir, BEST)
    os.makedirs(out_dir, exist_ok=True)
    if run.get("best") and not os.path.exists(best_ckpt):         # resumed into another folder: bring the best
        src = os.path.join(os.path.dirname(os.path.abspath(resume)), BEST)
        if os.path.exists(src):
            shutil.copyfile(src, best_ckpt)
        else:
            run["best"] = None                                     # nothing to compare with: start keeping anew

    def checkpoint_now():
        save_checkpoint(ckpt, model, optimizer, vocab, config, run, state)

    def validate(ids):
        return evaluate(model, ids, batch=min(32, config["batch"]), seq_len=S)

    def validate_and_keep_best():
        """Validation loss on the fixed slice; the best weights so far go to charlm-best.npz."""
        val = validate(val_ids[:config["val_chars"]])
        record(hist, run, losses, val)
        losses.clear()
        if run.get("best") is None or val < run["best"]["val_loss"]:
            run["best"] = {"step": run["step"], "val_loss": val, "minutes": run["seconds"] / 60}
            save_checkpoint(best_ckpt, model, optimizer, vocab, config, run, state)
        return val

    t_start, seconds0, losses = time.perf_counter(), run["seconds"], []
    budget = math.inf if minutes is None else minutes * 60
    bar = tqdm(total=max_steps, initial=run["step"], disable=not verbose, unit="step", desc="charlm train")
    stop, old_handler = [], None

    def on_ctrl_c(signum, frame):                                  # finish this update, then save and stop
        if stop:
            raise KeyboardInterrupt                                # a second Ctrl-C: stop right now
        stop.append(signum)

    if threading.current_thread() is threading.main_thread():
        old_handler = signal.signal(signal.SIGINT, on_ctrl_c)
    log(f"charlm: {config['cell']} L={config['num_layers']} H={config['hidden']} E={config['embed']}, "
        f"{model.num_params():,d} parameters; V={vocab.size}, {len(train_ids):,d} train / {len(val_ids):,d} "
        f"val chars; B={config['batch']} S={S}; {n_chunks(x, S)} updates per epoch; "
        f"lr {config['lr']:g} {config['lr_schedule']} to {config['lr'] * config['lr_floor']:g}")
    try:
        while (not stop and (max_steps is None or run["step"] < max_steps)
               and time.perf_counter() - t_start < budget):
            p = run["pos"]
            for l, drop in enumerate(model.drops + [model.embed_drop]):   # masks depend only on (seed, step, layer)
                drop.rng = np.random.default_rng([config["seed"], run["step"], l])
            optimizer.lr = lr_at(config, progress(run))
            loss, _, state = train_chunk(model, optimizer, to_device(x[:, p:p + S]), to_device(y[:, p:p + S]),
                                         state, config["clip"])
            losses.append(loss)
            run["step"] += 1
            run["pos"] = p + S
            if run["pos"] >= x.shape[1]:                           # end of the streams: a new epoch from zeros
                run["epoch"], run["pos"], state = run["epoch"] + 1, 0, None
            run["seconds"] = seconds0 + time.perf_counter() - t_start
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", lr=f"{optimizer.lr:.2g}", epoch=run["epoch"], refresh=False)
            if run["step"] % config["eval_every"] == 0:
                val = validate_and_keep_best()
                text_out = sample(model, vocab, config["sample_chars"], prime=_prime(vocab),
                                  temperature=0.8, seed=run["step"])
                bar.write(f"step {run['step']}: train {hist['train_loss'][-1]:.4f}, val {val:.4f} nats/char "
                          f"({val / LN2:.3f} bits/char), best {run['best']['val_loss']:.4f} at step "
                          f"{run['best']['step']}; lr {optimizer.lr:.2g}\n{text_out}\n")
                _append(os.path.join(out_dir, SAMPLES), f"--- step {run['step']}\n{text_out}\n")
                checkpoint_now()
    except KeyboardInterrupt:
        stop.append(signal.SIGINT)
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGINT, old_handler)
    bar.close()
    interrupted = bool(stop)
    checkpoint_now()                                               # first, so Ctrl-C loses nothing
    if interrupted:
        log(f"checkpoint saved to {ckpt} (step {run['step']}); continue with --resume {ckpt}"
            + (f"; the best so far is {best_ckpt} (step {run['best']['step']})" if run.get("best") else ""))
        return {"model": model, "vocab": vocab, "config": config, "run": run, "val_loss": None,
                "interrupted": True, "checkpoint": ckpt, "best_checkpoint": best_ckpt if run.get("best") else None}
    if not hist["step"] or hist["step"][-1] != run["step"]:
        validate_and_keep_best()                                   # the last point of the curve
    checkpoint_now()
    best_model, best_opt, _, _, best_run = load_checkpoint(best_ckpt)   # the weights with the lowest validation loss
    val = evaluate(best_model, val_ids, batch=min(32, config["batch"]), seq_len=S)   # the whole held-out text
    run["final_val_loss"] = best_run["final_val_loss"] = val
    checkpoint_now()
    save_checkpoint(best_ckpt, best_model, best_opt, vocab, config, best_run, best_run.pop("state"))
    plot_curve(hist, os.path.join(out_dir, CURVE),
               f"{config['cell'].upper()} L={config['num_layers']} H={config['hidden']} character model",
               best=run["best"])
    log(f"done: {run['step']} updates, {run['seconds'] / 60:.1f} min; best validation loss "
        f"{run['best']['val_loss']:.4f} at step {run['best']['step']} ({run['best']['minutes']:.1f} min) on the "
        f"fixed slice; its weights on the whole held-out text: {val:.4f} nats/char ({val / LN2:.3f} bits/char)")
    log(f"checkpoints: {best_ckpt} (best validation, what sample reads), {ckpt} (latest, what --resume continues)")
    return {"model": best_model, "vocab": vocab, "config": config, "run": run, "val_loss": val,
            "interrupted": False, "checkpoint": ckpt, "best_checkpoint": best_ckpt}


def n_chunks(x, S):
    return -(-x.shape[1] // S)                                     # ceil(n / S)


def record(hist, run, losses, val):
    hist["step"].append(run["step"])
    hist["minutes"].append(run["seconds"] / 60)
    hist["train_loss"].append(float(np.mean(losses)) if losses else float("nan"))
    hist["val_loss"].append(float(val))


def _prime(vocab):
    return "\n" if "\n" in vocab.index else vocab.chars[0]


def _append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def plot_curve(hist, path, title="Character-level language model", best=None):
    """Training and validation loss against training time: nats/char on the left, bits/char on the right.

    best: {"minutes", "val_loss"} marks the kept (best-validation) point."""
    import matplotlib
    if "ipykernel" not in sys.modules:      # a script: files only; in Jupyter the notebook's backend stays
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(hist["minutes"], hist["train_loss"], "-", label="training (mean since last point)")
    ax.plot(hist["minutes"], hist["val_loss"], "o--", label="validation (fixed slice of the held-out last 10%)")
    if best:
        ax.plot([best["minutes"]], [best["val_loss"]], "*", ms=14, color="C3",
                label=f"best, kept: {best['val_loss']:.3f} at {best['minutes']:.1f} min")
    ax.set(xlabel="training time (minutes)", ylabel="cross-entropy (nats/char)", title=title)
    right = ax.secondary_yaxis("right", functions=(lambda n: n / LN2, lambda b: b * LN2))
    right.set_ylabel("cross-entropy (bits/char)")
    ax.grid(alpha=0.3)
    ax.legend()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
