"""Character-level LSTM on tiny-shakespeare under a time budget: validation loss in nats/char.

    python benchmarks/bench_charlm.py                    # 30 minutes, the defaults below
    python benchmarks/bench_charlm.py --minutes 5 --hidden 128 --threads 1

Target: validation loss <= 1.55 nats/char (2.24 bits/char) on the held-out last 10% of the text
within 30 minutes on 2 CPU cores (NumPy backend). The run is `charlm_train.train()`, the same loop
as `minirnn charlm train`; its checkpoint, loss curve and samples go to runs/bench_charlm/.
BLAS threads: 2 when the machine is quiet (1-minute load average < 0.5), else 1, or --threads;
the load average at the start and the end is recorded with the result.
Writes benchmarks/results/charlm.json and charlm.md: machine, date, command, the validation curve
(nats/char against minutes), the final validation loss on the whole held-out text, and a sample.

Why these defaults (1-layer LSTM, H=512, dropout 0.2, B=32, S=100, Adam lr 2e-3, clip 5): short
single-thread trials on a busy 2-core machine (load average 5-10, so absolute speeds are low):
    1 x 256, no dropout     1,705 updates in 5 min      validation 1.582 (whole held-out text)
    2 x 256, dropout 0.1      416 updates in 6 min      validation 1.788
    1 x 512, dropout 0.2      903 updates in 12 min     validation 1.533 (passed 1.56 at update 800)
Per update H=512 is far ahead (1.73 against about 1.9 after ~300 updates); one update costs about
2-3x an H=256 one (450 against 150-210 ms single-threaded), so per minute the two are close early
and the larger model, with dropout against overfitting, should pull ahead over 30 minutes.
"""
import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET = 1.55                                   # nats/char

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
parser.add_argument("--minutes", type=float, default=30.0, help="training budget (fractions allowed)")
parser.add_argument("--threads", type=int, default=None,
                    help="BLAS threads (OMP/OPENBLAS/MKL_NUM_THREADS); default 2 on a quiet machine, 1 on a busy one")
parser.add_argument("--model", default="lstm", choices=("rnn", "lstm", "gru"))
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--hidden", type=int, default=512)
parser.add_argument("--embed", type=int, default=64)
parser.add_argument("--seq-len", type=int, default=100)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--dropout", type=float, default=0.2)
parser.add_argument("--eval-every", type=int, default=300)
parser.add_argument("--out", default=str(ROOT / "runs" / "bench_charlm"))
args = parser.parse_args()

load_start = os.getloadavg()[0]                 # other processes' CPU use, as the 1-minute load average
if args.threads is None:                        # OpenBLAS threads that fight other processes for the cores
    args.threads = 2 if load_start < 0.5 else 1  # spin and wait: on a busy machine 2 can be slower than 1
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)         # before NumPy loads its BLAS

import numpy as np  # noqa: E402

from minirnn.apps.charlm import load_text, sample  # noqa: E402
from minirnn.apps.charlm_train import LN2, Config, split, train  # noqa: E402

config = Config(cell=args.model, num_layers=args.layers, hidden=args.hidden, embed=args.embed,
                seq_len=args.seq_len, batch=args.batch, lr=args.lr, dropout=args.dropout,
                eval_every=args.eval_every, data=args.data)
text = load_text(args.data)
if load_start > 0.5:
    print(f"warning: the machine is busy (load average {load_start:.1f}): the time budget buys fewer updates"
          + (f"; {args.threads} BLAS threads fighting other processes can be several times slower than 1 "
             f"(try --threads 1)" if args.threads > 1 else ""))
result = train(text, config, args.out, minutes=args.minutes)
run, hist, val = result["run"], result["run"]["history"], result["val_loss"]
if result["interrupted"]:
    sys.exit("interrupted: no results written")
n_val = len(split(text, result["vocab"], config["val_fraction"])[1])
text_out = sample(result["model"], result["vocab"], 500, prime="ROMEO:", temperature=0.8, seed=0)

def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


machine = (f"{cpu_name()}, {os.cpu_count()} cores visible, {args.threads} BLAS "
           f"threads; Python {platform.python_version()}, numpy {np.__version__}")
command = "python benchmarks/bench_charlm.py " + " ".join(sys.argv[1:])
record = {
    "benchmark": "charlm", "date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine,
    "command": command.strip(), "config": config, "parameters": result["model"].num_params(),
    "minutes": run["seconds"] / 60, "steps": run["step"], "epochs": run["epoch"],
    "chars_per_second": run["step"] * config["batch"] * config["seq_len"] / run["seconds"],
    "final_val_loss_nats": val, "final_val_loss_bits": val / LN2,
    "load_average_start": load_start, "load_average_end": os.getloadavg()[0],
    "target_nats": TARGET, "met_target": bool(val <= TARGET and args.minutes <= 30),
    "curve": {"step": hist["step"], "minutes": hist["minutes"], "train_loss": hist["train_loss"],
              "val_loss": hist["val_loss"]},
    "sample": text_out,
}
RESULTS.mkdir(parents=True, exist_ok=True)
(RESULTS / "charlm.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")

rows = [f"| {s} | {m:.1f} | {t:.4f} | {v:.4f} | {v / LN2:.3f} |"
        for s, m, t, v in zip(hist["step"], hist["minutes"], hist["train_loss"], hist["val_loss"])]
md = f"""# Character-level LSTM on tiny-shakespeare

{machine}; {record['date']}; 1-minute load average {load_start:.1f} at the start, {record['load_average_end']:.1f} at the end.
`{record['command']}`: {config['cell'].upper()} L={config['num_layers']} H={config['hidden']} E={config['embed']},
{record['parameters']:,d} parameters; B={config['batch']} S={config['seq_len']}, Adam lr {config['lr']}, clip {config['clip']}.
Validation: the held-out last 10% of the text, {n_val:,d} characters{'' if n_val <= config['val_chars'] else f" (the periodic points on its first {config['val_chars']:,d}, the last on all)"}.

**Final validation loss: {val:.4f} nats/char ({val / LN2:.3f} bits/char)** after {run['step']:,d} updates
({run['epoch']} full passes) in {record['minutes']:.1f} min, {record['chars_per_second']:,.0f} training chars/s (validation time included).
Target <= {TARGET} nats/char within 30 minutes on 2 cores: {'met' if record['met_target'] else 'NOT met'}.

| step | minutes | train nats/char | val nats/char | val bits/char |
|---:|---:|---:|---:|---:|
""" + "\n".join(rows) + f"""

Sample (prime "ROMEO:", temperature 0.8, seed 0):

```
{text_out}
```
"""
(RESULTS / "charlm.md").write_text(md, encoding="utf-8")
print(md)
print(f"wrote {RESULTS / 'charlm.json'} and {RESULTS / 'charlm.md'}")
