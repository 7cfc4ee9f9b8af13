"""Where the CPU time of one time step goes: the recurrent matrix products against the element-wise cell.

    python benchmarks/profile_step.py                  # RNN/LSTM/GRU x H=64,128,256, 1 BLAS thread (~1 min)
    python benchmarks/profile_step.py --threads 2 --out benchmarks/results/profile_step_2threads

bench_cpu.py times whole layers against torch.nn. This script splits one step of minirnn's NumPy
cells into its parts, at bench_cpu.py's shapes (B=64, E=64, float32), each timed on its own as
the median over --reps calls:

    forward:   product    hh = h_{t-1} @ W_h                       (B, H) @ (H, G*H)
               cell       *_cell_forward: the gates, c_t, h_t      ~10-20 NumPy calls on (B, H) arrays
    backward:  cell       *_cell_backward
               product    da @ W_h^T                               (B, G*H) @ (G*H, H)

"element-wise share" is the cells' part of the four. It says what a faster CPU step would have to
change: the products are one BLAS call each, while the cell is many small NumPy calls, each of which
reads and writes its whole (B, H) array and costs ~1-5 us however small the array.
Writes a table to stdout, and --out .md and .json.
"""
import argparse
import datetime
import functools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=1, help="BLAS threads (OPENBLAS/OMP/MKL_NUM_THREADS)")
parser.add_argument("--sizes", default="64,128,256", help="hidden sizes H, comma-separated")
parser.add_argument("--reps", type=int, default=400, help="calls per timing (the median is kept)")
parser.add_argument("--out", default=None, help="path without extension (default: results/profile_step_<n>thread)")
args = parser.parse_args()
if args.threads < 1 or args.reps < 1:
    sys.exit("profile_step.py: --threads and --reps must be >= 1")
try:
    sizes = [int(h) for h in args.sizes.split(",")]
except ValueError:
    sys.exit(f"profile_step.py: --sizes must be integers separated by commas, got {args.sizes!r}")
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)                     # before NumPy loads its BLAS

import numpy as np                                          # noqa: E402

from minirnn import gru, lstm, rnn                          # noqa: E402

B, E = 64, 64
RESULTS = Path(__file__).resolve().parent / "results"


def median_us(fn, reps):
    """Median microseconds per call of fn(), after 20 untimed calls."""
    for _ in range(20):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def step_parts(cell, H, rng):
    """{part: fn} for one step of `cell` at hidden size H, on random float32 inputs."""
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    def a(*shape):
        return rng.standard_normal(shape).astype(np.float32) * 0.5
    xw, hh, h, c, Wh = a(B, G * H), a(B, G * H), a(B, H), a(B, H), a(H, G * H)
    Wh_T, da = np.ascontiguousarray(Wh.T), a(B, G * H)
    call = functools.partial
    if cell == "rnn":
        h_new = rnn.rnn_cell_forward(xw, hh)
        cell_fwd, cell_bwd = call(rnn.rnn_cell_forward, xw, hh), call(rnn.rnn_cell_backward, h, h_new)
    elif cell == "lstm":
        _, _, gates, tanh_c = lstm.lstm_cell_forward(xw, hh, c)
        cell_fwd = call(lstm.lstm_cell_forward, xw, hh, c)
        cell_bwd = call(lstm.lstm_cell_backward, h, c, c, gates, tanh_c)
    else:
        bhn = a(H)
        _, gates, hn = gru.gru_cell_forward(xw, hh, bhn, h)
        cell_fwd = call(gru.gru_cell_forward, xw, hh, bhn, h)
        cell_bwd = call(gru.gru_cell_backward, h, h, gates, hn)
    return {"product fwd": call(np.matmul, h, Wh), "cell fwd": cell_fwd,       # h_{t-1} @ W_h: (B, H) @ (H, G*H)
            "cell bwd": cell_bwd, "product bwd": call(np.matmul, da, Wh_T)}  # da @ W_h^T: (B, G*H) @ (G*H, H)


rows = []
rng = np.random.default_rng(0)
for cell in ("rnn", "lstm", "gru"):
    for H in sizes:
        us = {part: median_us(fn, args.reps) for part, fn in step_parts(cell, H, rng).items()}
        share = (us["cell fwd"] + us["cell bwd"]) / sum(us.values())
        rows.append({"cell": cell, "H": H, **{k: round(v, 1) for k, v in us.items()}, "elementwise_share": round(share, 3)})

command = "python benchmarks/profile_step.py" + "".join(f" {a}" for a in sys.argv[1:])
header = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, {args.threads} BLAS thread(s); "
          f"numpy {np.__version__}; {datetime.datetime.now():%Y-%m-%d %H:%M}; 1-minute load average "
          f"{os.getloadavg()[0]:.1f} at the end.\n`{command}`: B={B}, float32, medians of {args.reps} calls, microseconds.")
lines = [header, "",
         "| cell | H | product fwd | cell fwd | cell bwd | product bwd | element-wise share |",
         "|---|---:|---:|---:|---:|---:|---:|"]
lines += [f"| {r['cell']} | {r['H']} | {r['product fwd']:.1f} | {r['cell fwd']:.1f} | {r['cell bwd']:.1f} | "
          f"{r['product bwd']:.1f} | {r['elementwise_share']:.0%} |" for r in rows]
table = "\n".join(lines)
print(table)
out = Path(args.out) if args.out else RESULTS / f"profile_step_{args.threads}thread"
out.parent.mkdir(parents=True, exist_ok=True)
out.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
out.with_suffix(".json").write_text(json.dumps({"command": command, "threads": args.threads, "B": B,
                                                "rows": rows}, indent=1) + "\n", encoding="utf-8")
print(f"wrote {out.with_suffix('.md')} and .json")
