# %% [markdown]
# # min-char-rnn, grown up: a character-level LSTM learns to write Shakespeare
#
#     python demos/char_rnn.py                      # tiny-shakespeare if present, else the shipped excerpt
#     python demos/char_rnn.py --data my.txt --minutes 10
#
# Reads ../shared/data/tinyshakespeare.txt (next to the repository) or `--data`, falling back to
# minirnn/data/tiny_text.txt (45 KB of Coriolanus). The last 10% of the text is held out. Prints the
# validation loss and a sample as it trains, keeps the weights with the best validation loss, samples
# at three temperatures at the end, and saves the loss curve to out/char_rnn/char_rnn_loss.png. The
# learning rate decays (cosine) over the last 30% of the time budget. The same loop, with checkpoints
# and `--resume`, is `minirnn charlm train` (minirnn/apps/charlm_train.py).
#
# `MINIRNN_TINY=1` shrinks the hyperparameter block (and reads the shipped excerpt) so it runs in seconds.
# Each `# %%` line starts a cell for Jupyter (`minirnn notebooks`) and VS Code.

# %%
import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

import minirnn
from minirnn.backend import to_device
from minirnn.apps.charlm import CharLM, Vocab, evaluate, load_text, make_streams, sample, train_chunk
from minirnn.apps.charlm_train import lr_at, plot_curve
from minirnn.optim import Adam

SHIPPED = Path(minirnn.__file__).parent / "data" / "tiny_text.txt"
SHAKESPEARE = Path(minirnn.__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"

# %% [markdown]
# ## Hyperparameters

# %%
CELL = "lstm"          # "rnn", "lstm" or "gru"
NUM_LAYERS = 1         # L
HIDDEN = 256           # H
EMBED = 64             # E
DROPOUT = 0.25         # after every recurrent layer
EMBED_DROPOUT = 0.1    # on the embedding vectors
SEQ_LEN = 100          # S: truncated-BPTT steps per update
BATCH = 32             # B parallel streams through the text
LR = 2e-3              # Adam, the peak rate ...
LR_DECAY_START = 0.7   # ... for the first 70% of the budget, then decaying (cosine) ...
LR_FLOOR = 0.1         # ... to LR * LR_FLOOR at the end of the budget
CLIP = 5.0             # max global gradient norm
EVAL_EVERY = 200       # updates between validation + sample
VAL_CHARS = 50000      # validate on this fixed slice of the held-out text (the final score reads all of it)
MINUTES = 3.0          # training budget
SAMPLE_CHARS = 300
SEED = 0
TINY = os.environ.get("MINIRNN_TINY") == "1"
if TINY:               # a smoke run in seconds: tiny model, shipped text, a few updates
    HIDDEN, EMBED, SEQ_LEN, BATCH, EVAL_EVERY, VAL_CHARS, MINUTES, SAMPLE_CHARS = 32, 16, 32, 8, 10, 2000, 0.05, 60

parser = argparse.ArgumentParser(description="Train a character-level LSTM on Shakespeare and let it write.")
parser.add_argument("--data", default=str(SHIPPED if TINY else SHAKESPEARE))
parser.add_argument("--minutes", type=float, default=MINUTES)
parser.add_argument("--out", default="out/char_rnn")
args = parser.parse_args([] if "ipykernel" in sys.modules else None)     # in Jupyter: the defaults above

# %% [markdown]
# ## 1. The text and its characters
# The last 10% is held out for validation.

# %%
path = Path(args.data)
if not path.exists():
    print(f"{path} not found: using the shipped excerpt instead")
    path = SHIPPED
text = load_text(path)
vocab = Vocab.from_text(text)
ids = vocab.encode(text)                                   # (N,) int64
n_val = len(ids) // 10
train_ids, val_ids = ids[:-n_val], ids[-n_val:]
x, y = make_streams(train_ids, BATCH)                      # (B, n) each: B contiguous streams
print(f"{path.name}: {len(text):,d} characters, V = {vocab.size}; "
      f"{x.shape[1] // SEQ_LEN} updates per pass over the text")

# %% [markdown]
# ## 2. The model
# Embedding -> Dropout -> LSTM -> Dropout -> Linear to V scores, and Adam.

# %%
model = CharLM(vocab.size, CELL, HIDDEN, NUM_LAYERS, EMBED, DROPOUT, EMBED_DROPOUT, seed=SEED)
optimizer = Adam(model.layers, lr=LR)
print(f"{CELL.upper()} L={NUM_LAYERS} H={HIDDEN}: {model.num_params():,d} parameters")

# %% [markdown]
# ## 3. Truncated BPTT
# Each update reads the next `SEQ_LEN` columns of the streams. The state after a chunk is the h0 of
# the next one (the model reads on), but no gradient flows back past it. The learning rate follows
# the budget: `LR`, then cosine down to `LR * LR_FLOOR` as the minutes run out. Every `EVAL_EVERY`
# updates the model is scored on a fixed validation slice; the best weights are kept.

# %%
schedule = {"lr": LR, "lr_floor": LR_FLOOR, "lr_decay_start": LR_DECAY_START, "lr_schedule": "cosine"}
history = {"step": [], "minutes": [], "train_loss": [], "val_loss": []}


def add_point(val):
    """One point of the loss curve: the mean training loss since the last point, and val."""
    for key, value in (("step", step), ("minutes", (time.perf_counter() - t0) / 60),
                       ("train_loss", float(np.mean(losses))), ("val_loss", val)):
        history[key].append(value)
    losses.clear()


state, pos, step, losses = None, 0, 0, []
best_val, best_params = math.inf, None
t0 = time.perf_counter()
bar = tqdm(unit="step", desc="training")
while time.perf_counter() - t0 < args.minutes * 60:
    optimizer.lr = lr_at(schedule, (time.perf_counter() - t0) / (args.minutes * 60))
    xs, ys = to_device(x[:, pos:pos + SEQ_LEN]), to_device(y[:, pos:pos + SEQ_LEN])   # (B, S) each
    loss, norm, state = train_chunk(model, optimizer, xs, ys, state, clip=CLIP)
    losses.append(loss)
    step, pos = step + 1, pos + SEQ_LEN
    if pos >= x.shape[1]:                                  # end of the text: start over from zero state
        state, pos = None, 0
    bar.update(1)
    bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
    if step % EVAL_EVERY == 0:
        val = evaluate(model, val_ids[:VAL_CHARS], batch=32, seq_len=SEQ_LEN)
        add_point(val)
        if val < best_val:                                 # keep a copy of the best weights so far
            best_val, best_params = val, {k: v.copy() for k, v in model.params.items()}
        bar.write(f"step {step}: validation {val:.3f} nats/char ({val / math.log(2):.3f} bits/char), "
                  f"best {best_val:.3f}; lr {optimizer.lr:.2g}")
        bar.write(sample(model, vocab, 150, prime="\n", temperature=0.8, seed=step) + "\n")
bar.close()

# %% [markdown]
# ## 4. The best weights on the whole held-out text, and samples
# Colder is safer and more repetitive, hotter is wilder.

# %%
if losses:
    val = evaluate(model, val_ids[:VAL_CHARS], batch=32, seq_len=SEQ_LEN)
    add_point(val)                                         # the last point of the curve
    if val < best_val:
        best_val, best_params = val, None                  # the last weights are the best: keep them
if best_params is not None:
    model.load_params(best_params)
val = evaluate(model, val_ids, batch=32, seq_len=SEQ_LEN)
print(f"\n{step} updates in {(time.perf_counter() - t0) / 60:.1f} min: the best weights score {val:.4f} nats/char "
      f"({val / math.log(2):.3f} bits/char) on the whole held-out text")
prime = "ROMEO:" if all(c in vocab.index for c in "ROMEO:") else text[:5]
for temperature in (0.5, 0.8, 1.0):
    print(f"\n--- temperature {temperature} ---")
    print(sample(model, vocab, SAMPLE_CHARS, prime=prime, temperature=temperature, seed=0))
# %% [markdown]
# ## 5. The loss curve
# One row per validation point: the table, then the figure.

# %%
print(pd.DataFrame(history).round(3).to_string(index=False))
curve = plot_curve(history, Path(args.out) / "char_rnn_loss.png", f"{CELL.upper()} H={HIDDEN} on {path.name}")
print(f"\nloss curve: {curve}")
