"""Training the character-level language model (charlm.py): the loop, checkpoints and the loss curve.

    config = Config(cell="lstm", num_layers=1, hidden=512, dropout=0.2, batch=32)
    result = train(load_text("tinyshakespeare.txt"), config, out_dir="runs/charlm", minutes=5)
    model, optimizer, vocab, config, run = load_checkpoint("runs/charlm/charlm.npz")

The loop: the first 90% of the text is cut into `batch` streams; each update trains on the next
`seq_len` columns (truncated BPTT, the state carried from chunk to chunk); at the end of the
streams the state goes back to zeros and a new epoch starts. Every `eval_every` updates the
validation loss (the last 10% of the text) is measured, a sample printed and a checkpoint
written. The run stops after `minutes` (or `max_steps`); Ctrl-C stops it too, after saving.

Resuming is exact: the checkpoint holds the weights, the optimizer state, the carried hidden
state and the position in the streams, and every update draws its dropout masks from
default_rng([seed, step]), so a resumed run makes the same updates as one that never stopped.
"""
import math
import os
import signal
import threading
import time

import numpy as np

from .. import checkpoint
from ..backend import to_device, to_numpy
from .charlm import CharLM, Vocab, evaluate, make_streams, sample, train_chunk
from ..optim import Adagrad, Adam

KIND = "minirnn-charlm"          # marks a checkpoint written by save_checkpoint()
CHECKPOINT = "charlm.npz"        # file names inside out_dir
CURVE = "loss_curve.png"
SAMPLES = "samples.txt"
LN2 = math.log(2)

# Every setting of a run, with its default. A config is this dict with some values changed.
DEFAULTS = {
    "cell": "lstm",          # "rnn", "lstm" or "gru"
    "num_layers": 2,         # L stacked recurrent layers, Dropout after each
    "hidden": 256,           # H
    "embed": 64,             # E, the embedding size
    "dropout": 0.0,
    "seq_len": 100,          # S: steps per truncated-BPTT chunk
    "batch": 64,             # B parallel streams
    "optimizer": "adam",     # "adam" or "adagrad" (min-char-rnn's)
    "lr": 2e-3,
    "clip": 5.0,             # clip the global gradient norm
    "val_fraction": 0.1,     # the last 10% of the text is held out
    "eval_every": 200,       # updates between validation / sample / checkpoint
    "val_chars": 200000,     # periodic validation reads at most this many held-out chars (the final one all)
    "sample_chars": 200,
    "seed": 0,
    "data": None,            # the text file's path, for the record (and --resume without --data)
}
OPTIMIZERS = {"adam": Adam, "adagrad": Adagrad}


def Config(**changes):
    """The defaults with some values changed, as a plain dict. Unknown names are an error."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"Config: unknown setting(s) {unknown}; known: {sorted(DEFAULTS)}")
    config = dict(DEFAULTS, **changes)
    if config["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"Config: optimizer must be one of {sorted(OPTIMIZERS)}, got {config['optimizer']!r}")
    if not 0 < config["val_fraction"] < 1:
        raise ValueError(f"Config: val_fraction must be in (0, 1), got {config['val_fraction']}")
    return config


def build(config, vocab_size):
    """-> (model, optimizer) for a config."""
    model = CharLM(vocab_size, config["cell"], config["hidden"], config["num_layers"], config["embed"],
                   config["dropout"], seed=config["seed"])
    return model, OPTIMIZERS[config["optimizer"]](model.layers, lr=config["lr"])


def split(text, vocab, val_fraction):
    """-> train ids, val ids: the last val_fraction of the text is held out."""
    ids = vocab.encode(text)
    n_val = max(2, int(len(ids) * val_fraction))
    if len(ids) - n_val < 2:
        raise ValueError(f"the text has {len(ids)} characters: too short to hold out {val_fraction:.0%} and train")
    return ids[:-n_val], ids[-n_val:]


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(path, model, optimizer, vocab, config, run, state=None):
    """Write everything a resume needs to path, atomically. run: {"step", "epoch", "pos", "seconds", "history"}."""
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
    config, vocab = Config(**meta["config"]), Vocab(meta["vocab"])
    model, optimizer = build(config, vocab.size)
    checkpoint.restore(model, arrays, optimizer)
    state = []
    for l in range(config["num_layers"]):
        parts = [to_device(arrays[f"state/{l}.{j}"]) for j in range(2) if f"state/{l}.{j}" in arrays]
        state.append(tuple(parts) if len(parts) == 2 else (parts[0] if parts else None))
    run = dict(meta["run"], state=state if state and state[0] is not None else None)
    return model, optimizer, vocab, config, run


# ---------------------------------------------------------------- the loop

def train(text, config, out_dir, minutes=None, max_steps=None, resume=None, verbose=True, log=print):
    """Train on text until `minutes` of wall time or `max_steps` updates in total (or Ctrl-C).

    resume: a checkpoint path to continue from (its config and vocabulary are used).
    Writes out_dir/charlm.npz, loss_curve.png and samples.txt. Returns a dict with the model,
    vocab, config, run (history included), the final validation loss and "interrupted".
    """
    from tqdm.auto import tqdm
    if minutes is None and max_steps is None:
        raise ValueError("train: give minutes or max_steps (or both), or it would never stop")
    if resume:
        model, optimizer, vocab, config, run = load_checkpoint(resume)
        state = run.pop("state")
    else:
        config, vocab = Config(**config), Vocab.from_text(text)
        model, optimizer = build(config, vocab.size)
        run, state = {"step": 0, "epoch": 0, "pos": 0, "seconds": 0.0,
                      "history": {"step": [], "minutes": [], "train_loss": [], "val_loss": []}}, None
    train_ids, val_ids = split(text, vocab, config["val_fraction"])
    x, y = make_streams(train_ids, config["batch"])               # (B, n) each
    S, hist, ckpt = config["seq_len"], run["history"], os.path.join(out_dir, CHECKPOINT)
    os.makedirs(out_dir, exist_ok=True)

    def checkpoint_now():
        save_checkpoint(ckpt, model, optimizer, vocab, config, run, state)

    def validate(chars=None):
        v = val_ids if chars is None else val_ids[:chars]
        return evaluate(model, v, batch=min(32, config["batch"]), seq_len=S)

    t_start, seconds0, losses = time.perf_counter(), run["seconds"], []
    budget = math.inf if minutes is None else minutes * 60
    total = None if max_steps is None else max_steps
    bar = tqdm(total=total, initial=run["step"], disable=not verbose, unit="step", desc="charlm train")
    stop, old_handler = [], None

    def on_ctrl_c(signum, frame):                                  # finish this update, then save and stop
        if stop:
            raise KeyboardInterrupt                                # a second Ctrl-C: stop right now
        stop.append(signum)

    if threading.current_thread() is threading.main_thread():
        old_handler = signal.signal(signal.SIGINT, on_ctrl_c)
    log(f"charlm: {config['cell']} L={config['num_layers']} H={config['hidden']} E={config['embed']}, "
        f"{model.num_params():,d} parameters; V={vocab.size}, {len(train_ids):,d} train / {len(val_ids):,d} "
        f"val chars; B={config['batch']} S={S}; {n_chunks(x, S)} updates per epoch")
    try:
        while (not stop and (max_steps is None or run["step"] < max_steps)
               and time.perf_counter() - t_start < budget):
            p = run["pos"]
            for l, drop in enumerate(model.drops):                 # masks depend only on (seed, step, layer)
                drop.rng = np.random.default_rng([config["seed"], run["step"], l])
            loss, _, state = train_chunk(model, optimizer, to_device(x[:, p:p + S]), to_device(y[:, p:p + S]),
                                         state, config["clip"])
            losses.append(loss)
            run["step"] += 1
            run["pos"] = p + S
            if run["pos"] >= x.shape[1]:                           # end of the streams: a new epoch from zeros
                run["epoch"], run["pos"], state = run["epoch"] + 1, 0, None
            run["seconds"] = seconds0 + time.perf_counter() - t_start
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", epoch=run["epoch"], refresh=False)
            if run["step"] % config["eval_every"] == 0:
                record(hist, run, losses, validate(config["val_chars"]))
                losses = []
                text_out = sample(model, vocab, config["sample_chars"], prime=_prime(vocab),
                                  temperature=0.8, seed=run["step"])
                bar.write(f"step {run['step']}: train {hist['train_loss'][-1]:.4f}, val {hist['val_loss'][-1]:.4f} "
                          f"nats/char ({hist['val_loss'][-1] / LN2:.3f} bits/char)\n{text_out}\n")
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
        log(f"checkpoint saved to {ckpt} (step {run['step']}); continue with --resume {ckpt}")
        return {"model": model, "vocab": vocab, "config": config, "run": run, "val_loss": None,
                "interrupted": True, "checkpoint": ckpt}
    val = validate()                                               # the whole held-out text
    if not hist["step"] or hist["step"][-1] != run["step"]:
        record(hist, run, losses, val)
    else:
        hist["val_loss"][-1] = val
    run["final_val_loss"] = val
    checkpoint_now()
    plot_curve(hist, os.path.join(out_dir, CURVE),
               f"{config['cell'].upper()} L={config['num_layers']} H={config['hidden']} character model")
    log(f"done: {run['step']} updates, {run['seconds'] / 60:.1f} min, validation loss {val:.4f} nats/char "
        f"({val / LN2:.3f} bits/char); checkpoint {ckpt}")
    return {"model": model, "vocab": vocab, "config": config, "run": run, "val_loss": val,
            "interrupted": False, "checkpoint": ckpt}


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


def plot_curve(hist, path, title="Character-level language model"):
    """Training and validation loss against training time: nats/char on the left, bits/char on the right."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(hist["minutes"], hist["train_loss"], "-", label="training (mean since last point)")
    ax.plot(hist["minutes"], hist["val_loss"], "o--", label="validation (held-out last 10%)")
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
