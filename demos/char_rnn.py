"""min-char-rnn, grown up: train a character-level LSTM on Shakespeare and let it write.

    python demos/char_rnn.py                      # tiny-shakespeare if present, else the shipped excerpt
    python demos/char_rnn.py --data my.txt --minutes 10

Reads ../shared/data/tinyshakespeare.txt (relative to the repository) or --data, falling back to
minirnn/data/tiny_text.txt (45 KB of Coriolanus). The last 10% of the text is held out. Prints the
validation loss and a sample as it trains, samples at three temperatures at the end, and saves
the loss curve to demos/out/char_rnn_loss.png. The same loop, with checkpoints and --resume, is
`minirnn charlm train` (minirnn/apps/charlm_train.py).
"""
import argparse
import math
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from minirnn.backend import to_device
from minirnn.apps.charlm import CharLM, Vocab, evaluate, load_text, make_streams, sample, train_chunk
from minirnn.apps.charlm_train import plot_curve
from minirnn.optim import Adam

ROOT = Path(__file__).resolve().parents[1]

# ---- hyperparameters ---------------------------------------------------------------------------
CELL = "lstm"          # "rnn", "lstm" or "gru"
NUM_LAYERS = 1         # L
HIDDEN = 256           # H
EMBED = 64             # E
DROPOUT = 0.0          # after every recurrent layer
SEQ_LEN = 100          # S: truncated-BPTT steps per update
BATCH = 32             # B parallel streams through the text
LR = 2e-3              # Adam
CLIP = 5.0             # max global gradient norm
EVAL_EVERY = 200       # updates between validation + sample
MINUTES = 3.0          # training budget
SEED = 0
# -------------------------------------------------------------------------------------------------

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
parser.add_argument("--minutes", type=float, default=MINUTES)
parser.add_argument("--out", default=str(ROOT / "demos" / "out"))
args = parser.parse_args()

# 1. The text and its characters. The last 10% is held out for validation.
path = Path(args.data)
if not path.exists():
    print(f"{path} not found: using the shipped excerpt instead")
    path = ROOT / "minirnn" / "data" / "tiny_text.txt"
text = load_text(path)
vocab = Vocab.from_text(text)
ids = vocab.encode(text)                                   # (N,) int64
n_val = len(ids) // 10
train_ids, val_ids = ids[:-n_val], ids[-n_val:]
x, y = make_streams(train_ids, BATCH)                      # (B, n) each: B contiguous streams
print(f"{path.name}: {len(text):,d} characters, V = {vocab.size}; "
      f"{x.shape[1] // SEQ_LEN} updates per pass over the text")

# 2. The model: Embedding -> LSTM -> Linear to V scores, and Adam.
model = CharLM(vocab.size, CELL, HIDDEN, NUM_LAYERS, EMBED, DROPOUT, seed=SEED)
optimizer = Adam(model.layers, lr=LR)
print(f"{CELL.upper()} L={NUM_LAYERS} H={HIDDEN}: {model.num_params():,d} parameters")

# 3. Truncated BPTT: each update reads the next SEQ_LEN columns of the streams. The state after a
#    chunk is the h0 of the next one (the model reads on), but no gradient flows back past it.
history = {"step": [], "minutes": [], "train_loss": [], "val_loss": []}


def add_point(val):
    """One point of the loss curve: the mean training loss since the last point, and val."""
    for key, value in (("step", step), ("minutes", (time.perf_counter() - t0) / 60),
                       ("train_loss", float(np.mean(losses))), ("val_loss", val)):
        history[key].append(value)
    losses.clear()


state, pos, step, losses = None, 0, 0, []
t0 = time.perf_counter()
bar = tqdm(unit="step", desc="training")
while time.perf_counter() - t0 < args.minutes * 60:
    xs, ys = to_device(x[:, pos:pos + SEQ_LEN]), to_device(y[:, pos:pos + SEQ_LEN])   # (B, S) each
    loss, norm, state = train_chunk(model, optimizer, xs, ys, state, clip=CLIP)
    losses.append(loss)
    step, pos = step + 1, pos + SEQ_LEN
    if pos >= x.shape[1]:                                  # end of the text: start over from zero state
        state, pos = None, 0
    bar.update(1)
    bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
    if step % EVAL_EVERY == 0:
        val = evaluate(model, val_ids, batch=32, seq_len=SEQ_LEN)
        add_point(val)
        bar.write(f"step {step}: validation {val:.3f} nats/char ({val / math.log(2):.3f} bits/char)")
        bar.write(sample(model, vocab, 150, prime="\n", temperature=0.8, seed=step) + "\n")
bar.close()

# 4. The whole held-out text, and samples: colder is safer and more repetitive, hotter is wilder.
val = evaluate(model, val_ids, batch=32, seq_len=SEQ_LEN)
if losses:
    add_point(val)                                         # the last point of the curve
print(f"\n{step} updates in {(time.perf_counter() - t0) / 60:.1f} min: validation loss {val:.4f} nats/char "
      f"({val / math.log(2):.3f} bits/char)")
prime = "ROMEO:" if all(c in vocab.index for c in "ROMEO:") else text[:5]
for temperature in (0.5, 0.8, 1.0):
    print(f"\n--- temperature {temperature} ---")
    print(sample(model, vocab, 300, prime=prime, temperature=temperature, seed=0))
curve = plot_curve(history, Path(args.out) / "char_rnn_loss.png", f"{CELL.upper()} H={HIDDEN} on {path.name}")
print(f"\nloss curve: {curve}")
