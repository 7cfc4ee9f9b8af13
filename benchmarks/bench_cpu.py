"""CPU speed: minirnn (NumPy) against torch.nn, same shapes, same threads, same random data.

    python benchmarks/bench_cpu.py              # full run: RNN/LSTM/GRU x H=64,128,256 (~6-10 min on 2 cores)
    python benchmarks/bench_cpu.py --quick      # fewer rounds and iterations, H=128 only (~1 min)
    python benchmarks/bench_cpu.py --cells lstm --sizes 128,256 --threads 2 --rounds 5   # on a quiet machine

Workloads, B=64, T=200, E=64, float32, one layer, one direction:
    fwd+bwd  forward, then backward with a fixed random d_out = R (input gradient included)
    train    forward, loss = sum(out * R), backward, Adam step (torch.optim.Adam / minirnn.optim.Adam)

Method. Each side runs in its OWN process: in one process OpenBLAS's spinning threads steal the
second core from torch's OpenMP threads and torch looks ~3x slower than it is. So this script is a
driver that launches `bench_cpu.py --worker minirnn|torch ...` subprocesses, alternating
minirnn, torch, minirnn, torch ... (--rounds pairs). Each worker warms up, times --iters iterations
with time.perf_counter (wall) and time.process_time (CPU), and prints JSON with the median
per-iteration times. The ratio is taken pair by pair (minirnn / torch of the same round); the table
shows its median and [min-max], for wall time and for CPU time.
OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS are set to --threads for both workers,
and the torch worker also calls torch.set_num_threads(--threads).

Noise. The machine this was written on is shared (2 cores, other jobs running). With --threads 1
(the default) the CPU-time ratio hardly moves when other processes compete for the cores, so it is
the number to trust there; the wall-time ratio agrees with it on a quiet machine. With --threads 2
on a busy machine both sides' threads wait for each other and wall times blow up by 10-100x: use
--threads 2 only when the "other load" column stays near 0.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

B, T, E = 64, 200, 64
# The standing targets, minirnn time / torch time, with ONE BLAS thread per side (the commands' default).
# Two threads are reported with no target: each NumPy element-wise call runs on one core, and the cells
# are the plain statement of the math (benchmarks/profile_step.py shows where a step's time goes).
TARGETS_1_THREAD = {"rnn": 1.0, "gru": 1.1, "lstm": 1.3}
WORKLOADS = ("fwd+bwd", "train")
RESULTS = Path(__file__).resolve().parent / "results"


def make_data(H):
    """The same x (B, T, E) and R (B, T, H) on both sides: NumPy's generator, seed 0."""
    import numpy as np
    rng = np.random.default_rng(0)
    return rng.standard_normal((B, T, E)).astype(np.float32), rng.standard_normal((B, T, H)).astype(np.float32)


def time_it(fn, warmup, iters):
    """{"wall": s, "cpu": s}: median seconds per call of fn() (wall clock, and this process's CPU
    time over all its threads), after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(iters):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu)}


# -- the workers: one side, one cell, one H, both workloads --------------------------------------
def minirnn_workloads(cell, H):
    import minirnn
    layer = getattr(minirnn, cell.upper())(E, H, rng=0)
    x, R = make_data(H)
    try:
        from minirnn.optim import Adam
        opt = Adam([layer], lr=1e-3)
    except ImportError:                       # optimizer not written yet: no train workload
        opt = None

    def fwd_bwd():
        out, _ = layer.forward(x)
        layer.backward(R)                     # d_out = R; also returns dx

    def train():
        out, _ = layer.forward(x)
        loss = float((out * R).sum())         # loss = sum(out * R), so dL/dout = R, as on the torch side
        layer.backward(R)
        opt.step()
        return loss

    return {"fwd+bwd": fwd_bwd, "train": train if opt else None}


def torch_workloads(cell, H, threads):
    import torch
    torch.set_num_threads(threads)
    module = getattr(torch.nn, cell.upper())(E, H, batch_first=True)
    try:                                      # same weights as the minirnn side (not needed for speed)
        import minirnn
        from minirnn.interop import copy_to_torch
        copy_to_torch(getattr(minirnn, cell.upper())(E, H, rng=0), module)
    except Exception:
        pass
    x_np, R_np = make_data(H)
    x = torch.from_numpy(x_np).requires_grad_(True)   # autograd as normal, dx included
    R = torch.from_numpy(R_np)
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)

    def fwd_bwd():
        out, _ = module(x)
        out.backward(R)                       # d_out = R
        module.zero_grad(set_to_none=True)
        x.grad = None

    def train():
        opt.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = module(x)
        loss = (out * R).sum()
        loss.backward()
        opt.step()
        return loss.item()

    return {"fwd+bwd": fwd_bwd, "train": train}


def worker(args):
    fns = minirnn_workloads(args.cell, args.H) if args.worker == "minirnn" else \
        torch_workloads(args.cell, args.H, args.threads)
    print(json.dumps({w: fns[w] and time_it(fns[w], args.warmup, args.iters) for w in WORKLOADS}))


# -- the driver ---------------------------------------------------------------------------------
def cpu_busy_seconds():
    """Seconds of CPU the whole machine has been busy (all cores), from /proc/stat; None if unreadable."""
    try:
        ticks = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")      # minus idle and iowait


def run_worker(side, cell, H, args, env):
    """Run one worker; also measure how many cores OTHER processes kept busy meanwhile (noise check)."""
    cmd = [sys.executable, __file__, "--worker", side, "--cell", cell, "--H", str(H),
           "--threads", str(args.threads), "--warmup", str(args.warmup), "--iters", str(args.iters)]
    busy0, own0, t0 = cpu_busy_seconds(), os.times(), time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    busy1, own1, wall = cpu_busy_seconds(), os.times(), time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"worker failed: {' '.join(cmd)}\n{p.stderr}")
    result = json.loads(p.stdout.strip().splitlines()[-1])
    own = (own1.children_user + own1.children_system + own1.user + own1.system
           - own0.children_user - own0.children_system - own0.user - own0.system)
    result["other_cores"] = None if busy0 is None else max(0.0, (busy1 - busy0 - own) / wall)
    return result


def wait_quiet(max_wait, limit=0.2):
    """On a shared machine: wait (at most max_wait s) until other processes use < `limit` cores for 1 s."""
    t_end = time.time() + max_wait
    while time.time() < t_end:
        b0 = cpu_busy_seconds()
        time.sleep(1.0)
        if b0 is None or cpu_busy_seconds() - b0 < limit:
            return


def machine_info(threads, env):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    probe = ("import json, numpy, torch\n"      # in a subprocess: the driver itself never loads torch
             "try:\n b = numpy.show_config(mode='dicts')['Build Dependencies']['blas']; b = b['name'] + ' ' + b['version']\n"
             "except Exception:\n b = '?'\n"
             "print(json.dumps({'numpy': numpy.__version__, 'torch': torch.__version__, 'numpy_blas': b,"
             " 'torch_blas': 'MKL' if torch.backends.mkl.is_available() else 'other'}))")
    versions = json.loads(subprocess.check_output([sys.executable, "-c", probe], env=env, text=True))
    return {"cpu": cpu, "cores_visible": len(os.sched_getaffinity(0)), "threads": threads,
            "python": platform.python_version(), **versions,
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M")}


def verdict(cell, threads, ratio):
    """'<= 1.3: met' / '<= 1.3: missed' on one thread; 'reported (no target)' on more."""
    if threads != 1 or cell not in TARGETS_1_THREAD:
        return "reported (no target)"
    goal = TARGETS_1_THREAD[cell]
    return f"<= {goal:g}: {'met' if ratio <= goal else 'missed'}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 rounds, fewer iterations, H=128 only")
    ap.add_argument("--cells", default="rnn,lstm,gru")
    ap.add_argument("--sizes", default=None, help="hidden sizes H, e.g. 64,128,256 (default; --quick: 128)")
    ap.add_argument("--threads", type=int, default=1, help="threads for both sides (default 1; see Noise)")
    ap.add_argument("--rounds", type=int, default=None, help="minirnn/torch pairs per case (default 5; --quick: 2)")
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--max-wait", type=float, default=5, help="s to wait for a quiet machine before a round")
    ap.add_argument("--retries", type=int, default=0, help="re-runs of a round that other processes disturbed")
    ap.add_argument("--out", default=str(RESULTS / "cpu"), help="writes OUT.json and OUT.md")
    ap.add_argument("--worker", choices=("minirnn", "torch"), help=argparse.SUPPRESS)
    ap.add_argument("--cell", help=argparse.SUPPRESS)
    ap.add_argument("--H", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    for name, quick, full in (("rounds", 2, 5), ("warmup", 1, 2), ("iters", 3, 7)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.worker:
        return worker(args)

    sizes = [int(s) for s in (args.sizes or ("128" if args.quick else "64,128,256")).split(",")]
    cells = args.cells.split(",")
    n = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n)
    info = machine_info(args.threads, env)
    print(f"# {info['cpu']}, {info['cores_visible']} cores visible, {args.threads} threads; numpy {info['numpy']} "
          f"({info['numpy_blas']}), torch {info['torch']}; B={B} T={T} E={E} float32; "
          f"{args.rounds} rounds x {args.iters} iters (+{args.warmup} warm-up)", flush=True)

    rows = []
    print(f"{'cell':5} {'H':>4} {'workload':8} {'minirnn ms':>11} {'torch ms':>9}   wall ratio [min-max]   "
          f"CPU ratio [min-max]   other load mean/max", flush=True)
    t_start = time.time()
    for cell in cells:
        for H in sizes:
            runs = {"minirnn": [], "torch": []}
            for _ in range(args.rounds):           # A B A B ...: slow drifts of the machine hit both sides
                for attempt in range(1 + args.retries):
                    wait_quiet(args.max_wait)
                    pair = {side: run_worker(side, cell, H, args, env) for side in runs}
                    if max(r["other_cores"] or 0.0 for r in pair.values()) < 0.3:
                        break                      # quiet enough; else run this round again
                for side in runs:
                    runs[side].append(pair[side])
            # cores that other processes kept busy during this case (over kept workers): > ~0.3 means noise
            loads = [(r["other_cores"] or 0.0) for rs in runs.values() for r in rs]
            other, other_mean = max(loads), statistics.mean(loads)
            for w in WORKLOADS:
                ours = [r[w] for r in runs["minirnn"]]
                theirs = [r[w] for r in runs["torch"]]
                row = {"cell": cell, "H": H, "workload": w, "minirnn_s": ours, "torch_s": theirs,
                       "other_cores_max": round(other, 2), "other_cores_mean": round(other_mean, 2)}
                if None in ours:
                    row["note"] = "skipped: minirnn.optim.Adam not importable"
                    text = f"{'skipped':>11} {statistics.median(t['wall'] for t in theirs) * 1e3:9.1f}   (no minirnn.optim.Adam)"
                else:
                    for clock, key in (("wall", "ratio"), ("cpu", "cpu_ratio")):
                        ratios = [a[clock] / b[clock] for a, b in zip(ours, theirs)]   # pair by pair, same round
                        row.update({key: statistics.median(ratios), key + "_min": min(ratios), key + "_max": max(ratios)})
                    row.update(minirnn_ms=statistics.median(a["wall"] for a in ours) * 1e3,
                               torch_ms=statistics.median(b["wall"] for b in theirs) * 1e3,
                               minirnn_cpu_ms=statistics.median(a["cpu"] for a in ours) * 1e3,
                               torch_cpu_ms=statistics.median(b["cpu"] for b in theirs) * 1e3)
                    text = (f"{row['minirnn_ms']:11.1f} {row['torch_ms']:9.1f}   {row['ratio']:5.2f} "
                            f"[{row['ratio_min']:.2f}-{row['ratio_max']:.2f}]     {row['cpu_ratio']:5.2f} "
                            f"[{row['cpu_ratio_min']:.2f}-{row['cpu_ratio_max']:.2f}]")
                if "ratio" in row:
                    row["target"] = verdict(cell, args.threads, row["ratio"])
                print(f"{cell:5} {H:4d} {w:8} {text:<64} {other_mean:4.1f}/{other:.1f}  {row.get('target', '')}",
                      flush=True)
                rows.append(row)
    print(f"# {time.time() - t_start:.0f} s", flush=True)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = {"B": B, "T": T, "E": E, "dtype": "float32", "threads": args.threads, "rounds": args.rounds,
                "iters": args.iters, "warmup": args.warmup,
                "command": "python benchmarks/bench_cpu.py " + " ".join(sys.argv[1:])}
    out.with_suffix(".json").write_text(json.dumps({"machine": info, "settings": settings, "rows": rows}, indent=1))
    lines = [f"CPU: {info['cpu']}, {info['cores_visible']} cores visible, {args.threads} thread(s) per side; "
             f"Python {info['python']}, numpy {info['numpy']} ({info['numpy_blas']}), torch {info['torch']}; "
             f"{info['date']}.",
             f"`{settings['command']}` - B={B}, T={T}, E={E}, float32, 1 layer; {args.rounds} rounds of "
             f"separate processes (minirnn, torch alternating), each the median of {args.iters} iterations.",
             "Ratios are minirnn / torch (below 1: minirnn is faster), taken round by round; median [min-max].",
             "Wall: perf_counter. CPU: the process's CPU time, which other jobs on a shared machine disturb far less.",
             "\"other load\": cores that other processes kept busy while this case ran, mean/max over its "
             "workers (0 = quiet machine).",
             "Target (wall ratio, median): one thread RNN <= 1.0, GRU <= 1.1, LSTM <= 1.3; two threads: reported.",
             "", "| cell | H | workload | minirnn ms | torch ms | wall ratio | CPU ratio | other load | target |",
             "|---|---:|---|---:|---:|---|---|---:|---|"]
    for r in rows:
        if "note" in r:
            lines.append(f"| {r['cell']} | {r['H']} | {r['workload']} | - | - | {r['note']} | | | |")
        else:
            lines.append(f"| {r['cell']} | {r['H']} | {r['workload']} | {r['minirnn_ms']:.1f} | {r['torch_ms']:.1f} "
                         f"| {r['ratio']:.2f} [{r['ratio_min']:.2f}-{r['ratio_max']:.2f}] "
                         f"| {r['cpu_ratio']:.2f} [{r['cpu_ratio_min']:.2f}-{r['cpu_ratio_max']:.2f}] "
                         f"| {r['other_cores_mean']:.1f}/{r['other_cores_max']:.1f} | {r['target']} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
