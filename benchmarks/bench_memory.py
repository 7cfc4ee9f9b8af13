"""Long-range memory: the adding problem at T = 10, 50, 100, 200 for SimpleRNN, LSTM and GRU.

    python benchmarks/bench_memory.py               # full sweep (~5-10 min on 2 cores)
    python benchmarks/bench_memory.py --quick       # T = 10, 50 and fewer steps (~1 min)
    python benchmarks/bench_memory.py --lengths 10,100 --steps 2000 --seed 1

Each (cell, T) trains a fresh model (recurrent layer, H = 32, + Linear head; MSE; Adam lr 1e-2;
gradient norm clipped to 1; batches of 64 freshly drawn sequences) for at most --steps steps,
stopping early once the test MSE (1,000 held-out sequences, checked every 100 steps) is below
--stop. Always predicting 1.0 scores MSE 0.167; "solved" means test MSE < 0.01.

Writes benchmarks/results/memory.json, memory.md (a table) and memory.png (MSE against T).
"""
import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from minirnn.apps.tasks import BASELINE_MSE, SOLVED_MSE, memory_sweep  # noqa: E402
from minirnn.viz.figures import plot_memory  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lengths", default="10,50,100,200", help="comma-separated sequence lengths T")
    p.add_argument("--cells", default="rnn,lstm,gru")
    p.add_argument("--steps", type=int, default=3000, help="at most this many training steps per run")
    p.add_argument("--stop", type=float, default=0.002, help="stop a run early below this test MSE")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="T = 10, 50 and at most 1,500 steps")
    p.add_argument("--out", default=str(RESULTS), help="folder for memory.json/.md/.png")
    args = p.parse_args(argv)
    lengths = [10, 50] if args.quick else [int(t) for t in args.lengths.split(",")]
    steps = min(args.steps, 1500) if args.quick else args.steps
    cells = args.cells.split(",")

    t0 = time.perf_counter()
    rows = memory_sweep(cells, lengths, steps=steps, hidden=args.hidden, seed=args.seed, target_mse=args.stop)
    seconds = time.perf_counter() - t0

    os.makedirs(args.out, exist_ok=True)
    header = (f"Adding problem, H={args.hidden}, batch 64, Adam lr 1e-2, clip 1.0, at most {steps} steps per run "
              f"(early stop below MSE {args.stop:g}), seed {args.seed}; {platform.processor() or platform.machine()}, "
              f"Python {platform.python_version()}, numpy {np.__version__}, "
              f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; total {seconds:.0f} s.\n"
              f"`python benchmarks/bench_memory.py {' '.join(argv if argv is not None else sys.argv[1:])}`\n"
              f"Baseline (always predict 1.0): MSE {BASELINE_MSE:.3f}. Solved: MSE < {SOLVED_MSE}.")
    table = ["| T | cell | test MSE | MSE / baseline | solved | steps | seconds |", "|---:|---|---:|---:|---|---:|---:|"]
    for r in rows:
        table.append(f"| {r['T']} | {NAMES[r['cell']]} | {r['mse']:.4f} | {r['mse'] / BASELINE_MSE:.3f} | "
                     f"{'yes' if r['mse'] < SOLVED_MSE else 'no'} | {r['steps']} | {r['seconds']:.1f} |")
    md = header + "\n\n" + "\n".join(table) + "\n"
    print("\n" + md)
    out = Path(args.out)
    (out / "memory.md").write_text(md)
    record = {"benchmark": "memory", "seconds": seconds, "steps": steps, "stop": args.stop, "hidden": args.hidden,
              "seed": args.seed, "baseline_mse": BASELINE_MSE, "solved_mse": SOLVED_MSE,
              "rows": [{k: r[k] for k in ("cell", "T", "mse", "steps", "seconds", "history")} for r in rows]}
    (out / "memory.json").write_text(json.dumps(record, indent=1))
    png = plot_memory(rows, str(out / "memory.png"),
                      title=f"Adding problem: test MSE after at most {steps} steps (lower is better)")
    print(f"wrote {out / 'memory.json'}, {out / 'memory.md'}, {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
