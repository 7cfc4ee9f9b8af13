"""Character-level LSTM on tiny-shakespeare under a time budget: validation loss in nats/char.

    python benchmarks/bench_charlm.py                    # 30 minutes, the defaults of `minirnn charlm train`
    python benchmarks/bench_charlm.py --minutes 8 --threads 1 --dropout 0.3

Target: with the defaults, <= 1.45 nats/char on the held-out last 10% of the text within 30 minutes
on 2 quiet CPU cores (NumPy backend), <= 1.55 on a loaded machine (1-minute load average >= 0.5 at
the start). The anchor: nanoGPT's character-level "baby GPT" (6 layers, 10.7M parameters) reaches
about 1.47 on the same split, in a few minutes on a data-centre GPU.

The run is `charlm_train.train()`, the same loop as `minirnn charlm train`, with the same defaults
(`--minutes 30` is the only difference); its checkpoints, loss curve and samples go to
runs/bench_charlm/. The number reported is the whole held-out text scored with the weights that had
the best validation loss (on the fixed slice) during the run.
BLAS threads: 2 when the machine is quiet (1-minute load average < 0.5), else 1, or --threads.

Every run is appended to benchmarks/results/charlm.json (older runs are kept), and charlm.md is
rewritten from it: a table of all runs (command, load average, threads, best validation, final
held-out loss), then the latest run's curve and sample. A run with the default settings also draws
its learning curve to benchmarks/results/charlm_curve.png (the README shows it); any other run to
charlm_curve_trial.png.
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
TARGET_QUIET, TARGET_LOADED = 1.45, 1.55        # nats/char within 30 minutes
QUIET_LOAD = 0.5                                 # 1-minute load average below which the machine counts as quiet

pre = argparse.ArgumentParser(add_help=False)    # --threads first: the BLAS reads them when NumPy loads
pre.add_argument("--threads", type=int, default=None)
threads = pre.parse_known_args()[0].threads
load_start = os.getloadavg()[0]                 # other processes' CPU use, as the 1-minute load average
if threads is None:                             # OpenBLAS threads that fight other processes for the cores
    threads = 2 if load_start < QUIET_LOAD else 1   # spin and wait: on a busy machine 2 can be slower than 1
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

sys.path.insert(0, str(ROOT))                   # this checkout's minirnn
import numpy as np  # noqa: E402

from minirnn.apps.charlm import load_text, sample  # noqa: E402
from minirnn.apps.charlm_train import DEFAULTS, LN2, SCHEDULES, Config, plot_curve, split, train  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"))
parser.add_argument("--minutes", type=float, default=30.0, help="training budget (fractions allowed)")
parser.add_argument("--threads", type=int, default=None,
                    help="BLAS threads (OMP/OPENBLAS/MKL_NUM_THREADS); default 2 on a quiet machine, 1 on a busy one")
parser.add_argument("--model", default=DEFAULTS["cell"], choices=("rnn", "lstm", "gru"))
parser.add_argument("--out", default=str(ROOT / "runs" / "bench_charlm"))
SETTINGS = {"layers": "num_layers", "hidden": "hidden", "embed": "embed", "seq_len": "seq_len", "batch": "batch",
            "lr": "lr", "lr_floor": "lr_floor", "lr_decay_start": "lr_decay_start", "dropout": "dropout", "embed_dropout": "embed_dropout",
            "eval_every": "eval_every", "val_chars": "val_chars", "optimizer": "optimizer", "weight_decay": "weight_decay"}
for flag, key in SETTINGS.items():
    parser.add_argument("--" + flag.replace("_", "-"), type=type(DEFAULTS[key]), default=DEFAULTS[key])
parser.add_argument("--lr-schedule", choices=SCHEDULES, default=DEFAULTS["lr_schedule"])
args = parser.parse_args()
args.threads = threads

config = Config(cell=args.model, lr_schedule=args.lr_schedule, data=args.data,
                **{key: getattr(args, flag) for flag, key in SETTINGS.items()})
text = load_text(args.data)
if load_start >= QUIET_LOAD:
    print(f"warning: the machine is busy (load average {load_start:.1f}): the time budget buys fewer updates"
          + (f"; {args.threads} BLAS threads fighting other processes can be several times slower than 1 "
             f"(try --threads 1)" if args.threads > 1 else ""))
result = train(text, config, args.out, minutes=args.minutes)
if result["interrupted"]:
    sys.exit("interrupted: no results written")
run, hist, val = result["run"], result["run"]["history"], result["val_loss"]
load_end = os.getloadavg()[0]
n_val = len(split(text, result["vocab"], config["val_fraction"])[1])
text_out = sample(result["model"], result["vocab"], 500, prime="ROMEO:", temperature=0.8, seed=0)


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


defaults = config == dict(DEFAULTS, data=args.data)
loaded = load_start >= QUIET_LOAD            # the load at the end counts this run's own threads
target = TARGET_LOADED if loaded else TARGET_QUIET
record = {
    "benchmark": "charlm", "date": datetime.datetime.now().isoformat(timespec="seconds"),
    "machine": f"{cpu_name()}, {os.cpu_count()} cores visible; Python {platform.python_version()}, "
               f"numpy {np.__version__}",
    "command": ("python benchmarks/bench_charlm.py " + " ".join(sys.argv[1:])).strip(),
    "threads": args.threads, "load_average_start": load_start, "load_average_end": load_end,
    "machine_state": "loaded" if loaded else "quiet", "default_settings": defaults,
    "config": config, "parameters": result["model"].num_params(), "budget_minutes": args.minutes,
    "minutes": run["seconds"] / 60, "steps": run["step"], "epochs": run["epoch"],
    "chars_per_second": run["step"] * config["batch"] * config["seq_len"] / run["seconds"],
    "best": run["best"], "val_slice_chars": min(n_val, config["val_chars"]), "val_chars": n_val,
    "final_val_loss_nats": val, "final_val_loss_bits": val / LN2,
    "target_nats": target, "met_target": bool(defaults and val <= target and args.minutes <= 30),
    "curve": {k: hist[k] for k in ("step", "minutes", "train_loss", "val_loss")},
    "sample": text_out,
}
RESULTS.mkdir(parents=True, exist_ok=True)
path = RESULTS / "charlm.json"
records = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
records = (records if isinstance(records, list) else [records]) + [record]   # an old single record: the first
path.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
# The README's figure is the quiet 30-minute run with the defaults; every other run draws its own.
if not defaults:
    curve = RESULTS / "charlm_curve_trial.png"
elif args.minutes != 30:
    curve = RESULTS / f"charlm_curve_{args.minutes:g}min.png"
else:
    curve = RESULTS / ("charlm_curve_30min_loaded.png" if loaded else "charlm_curve.png")
plot_curve(hist, curve, f"{config['cell'].upper()} L={config['num_layers']} H={config['hidden']}, "
           f"{args.minutes:g} min, {args.threads} thread(s), load {load_start:.1f}", best=run["best"])


def row(r):
    c, best = r["config"], r.get("best") or {}
    settings = (f"{c['cell']} {c['num_layers']}x{c['hidden']}, dropout {c['dropout']}/"
                f"{c.get('embed_dropout', 0.0)}, lr {c['lr']:g} {c.get('lr_schedule', 'constant')}"
                + (f" to x{c['lr_floor']:g} from {c.get('lr_decay_start', 0):.0%}"
                   if c.get("lr_schedule", "constant") != "constant" else "")
                + (f", {c.get('optimizer', 'adam')} weight decay {c['weight_decay']:g}" if c.get("weight_decay") else ""))
    best_val = f"{best['val_loss']:.4f} at {best['minutes']:.1f} min" if best else "(not kept)"
    return (f"| {r['date'][:16]} | `{r['command']}` | {settings} | {r.get('threads', '?')} | "
            f"{r['load_average_start']:.1f} / {r['load_average_end']:.1f} | {r['steps']:,d} in {r['minutes']:.1f} min | "
            f"{best_val} | **{r['final_val_loss_nats']:.4f}** |")


rows = [f"| {s} | {m:.1f} | {t:.4f} | {v:.4f} | {v / LN2:.3f} |"
        for s, m, t, v in zip(hist["step"], hist["minutes"], hist["train_loss"], hist["val_loss"])]
md = f"""# Character-level LSTM on tiny-shakespeare

Written by `benchmarks/bench_charlm.py` from `charlm.json`, which keeps every run. Loss in nats/char
(divide by ln 2 = 0.693 for bits/char). "Best validation": the lowest loss on the fixed validation
slice (the first {config['val_chars']:,d} characters of the held-out last 10%) during the run, whose
weights are kept; "held-out": those weights on the whole held-out text ({n_val:,d} characters), the
reported number. Load average: the 1-minute one at the start / the end; "loaded" is >= {QUIET_LOAD}.
Targets with the default settings in 30 minutes: <= {TARGET_QUIET} quiet, <= {TARGET_LOADED} loaded.
Runs before 2026-11-30 kept the last weights, validated on the whole held-out text, and had no schedule.

| date | command | settings | threads | load avg | updates | best validation | held-out |
|---|---|---|---:|---|---|---|---:|
""" + "\n".join(row(r) for r in records) + f"""

## The latest run

{record['machine']}, {args.threads} BLAS thread(s); {record['date']}; load average {load_start:.1f} at the start,
{load_end:.1f} at the end ({record['machine_state']}).
`{record['command']}`: {config['cell'].upper()} L={config['num_layers']} H={config['hidden']} E={config['embed']},
{record['parameters']:,d} parameters; B={config['batch']} S={config['seq_len']}; dropout {config['dropout']} after the
LSTM, {config['embed_dropout']} on the embeddings; Adam lr {config['lr']:g}, {config['lr_schedule']} to
{config['lr'] * config['lr_floor']:g} over the budget, from {config['lr_decay_start']:.0%} of it; clip {config['clip']}.

**Held-out loss: {val:.4f} nats/char ({val / LN2:.3f} bits/char)**, with the weights of update
{run['best']['step']:,d} ({run['best']['minutes']:.1f} min; validation {run['best']['val_loss']:.4f}), after
{run['step']:,d} updates ({run['epoch']} full passes) in {record['minutes']:.1f} min,
{record['chars_per_second']:,.0f} training chars/s (validation time included).
{'Target <= ' + str(target) + ' (' + record['machine_state'] + ' machine): ' + ('met' if record['met_target'] else 'NOT met')
 if defaults and args.minutes <= 30 else 'No target: the targets are for 30 minutes.' if defaults
 else 'Not the default settings: a trial, no target.'}

![learning curve]({curve.name})

| step | minutes | train nats/char | validation nats/char | validation bits/char |
|---:|---:|---:|---:|---:|
""" + "\n".join(rows) + f"""

Sample from the kept weights (prime "ROMEO:", temperature 0.8, seed 0):

```
{text_out}
```
"""
(RESULTS / "charlm.md").write_text(md, encoding="utf-8")
print(md)
print(f"wrote {path}, {RESULTS / 'charlm.md'} and {curve}")
