"""GPU speed and memory: minirnn on CuPy with the fused kernels, without them, and torch.nn (cuDNN).

    python benchmarks/bench_gpu.py                      # RNN/LSTM/GRU, B x H from 64x128 to 256x1024
    python benchmarks/bench_gpu.py --quick              # LSTM only, 64x128 and 256x1024, fewer iterations
    python benchmarks/bench_gpu.py --cells gru --sizes 128x512 --iters 20 --no-torch

Workload: one training step of a 1-layer, 1-direction layer, float32, T=200, E=--E (128):
    forward x (B, T, E) -> out (B, T, H);  loss = sum(out * R);  backward (dx included);  Adam step.
Three sides, in one process, one after the other on the same GPU:
    fused   minirnn on CuPy, the cells' element-wise math in one CUDA kernel per step (kernels/*.cu)
    plain   minirnn on CuPy with MINIRNN_FUSED=0: the same Python lines as on NumPy
    torch   torch.nn.RNN/LSTM/GRU on CUDA (cuDNN), with TF32 turned off (torch.backends.cudnn.allow_tf32
            and torch.backends.cuda.matmul.allow_tf32 = False; cuDNN's default is True), so both sides
            multiply in full FP32 like minirnn's cuBLAS products (CuPy uses TF32 only with CUPY_TF32=1)
Method: --warmup untimed steps and a device synchronize, then --iters steps, each timed by two CUDA events around it (the
time the GPU stream takes from the step's first launch to its last, idle gaps waiting for Python
included). The table shows the median; ratios are medians over medians.
Peak memory: the largest amount of device memory in use during one step, parameters, optimizer
state and inputs included: for CuPy a memory hook sums the pool's live blocks (used, not cached);
for torch, torch.cuda.max_memory_allocated() after reset_peak_memory_stats().
Floor (roofline style, a lower bound no implementation can beat on this GPU):
    FLOPs  = 6 * B * T * (E + H) * G * H         matrix products: forward 2*B*T*(E+H)*G*H, backward twice that
    bytes  = 4 * (B * T * H * k_G + 7 * P)       element-wise traffic per step, read + written once each
                                                 (k_G = 6 RNN, 29 LSTM, 26 GRU elements per (b, j, t):
                                                 the fused kernels' inputs + outputs, forward + backward),
                                                 plus Adam reading p, g, m, v and writing p, m, v (P params)
    floor  = max(FLOPs / peak FP32 FLOP/s, bytes / peak memory bandwidth)
with G = 1, 4, 3 gate blocks. Weight reads per step are left out (the weights can stay in L2), and so
is the time the T sequential steps need just to launch: the floor is optimistic for small sizes.
Writes benchmarks/results/gpu.json and gpu.md. Needs CuPy and a GPU; torch with CUDA is optional.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys
from pathlib import Path

T_DEFAULT, E_DEFAULT = 200, 128
SIZES = "64x128,64x256,128x512,256x1024"
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
ELEMENTS = {"rnn": 6, "lstm": 29, "gru": 26}     # k_G above
# FP32 FLOP/s and memory B/s by device name (data sheets; SXM parts). A device not listed gets no
# floor (pass --peaks FLOPS,BYTES to give one), rather than another device's numbers.
PEAKS = {"H200": (67e12, 4.8e12), "H100 PCIe": (51e12, 2.0e12), "H100 NVL": (60e12, 3.9e12),
         "H100": (67e12, 3.35e12), "A100": (19.5e12, 2.0e12)}
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--cells", default="lstm,gru,rnn", help="comma-separated: rnn, lstm, gru")
    p.add_argument("--sizes", default=SIZES, help=f"comma-separated BxH (default {SIZES})")
    p.add_argument("--T", type=int, default=T_DEFAULT, help="time steps (default 200)")
    p.add_argument("--E", type=int, default=E_DEFAULT, help="input features (default 128)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="LSTM, 64x128 and 256x1024, 2 warm-up + 5 steps")
    p.add_argument("--no-torch", action="store_true", help="skip torch.nn even where CUDA torch exists")
    p.add_argument("--out", default=str(RESULTS), help="folder for gpu.json and gpu.md")
    p.add_argument("--peaks", default=None, help="FP32 FLOP/s and bytes/s for the floor, e.g. 67e12,3.35e12 "
                                                 "(default: looked up by device name)")
    args = p.parse_args(argv)
    if args.quick:
        args.cells, args.sizes, args.warmup, args.iters = "lstm", "64x128,256x1024", 2, 5
    args.cells = [c.strip().lower() for c in args.cells.split(",")]
    bad = [c for c in args.cells if c not in GATES]
    if bad:
        p.error(f"--cells: unknown cell(s) {bad}; choose from rnn, lstm, gru")
    try:
        sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",")]
        assert all(len(s) == 2 and min(s) > 0 for s in sizes)
    except (ValueError, AssertionError):
        p.error(f"--sizes: expected comma-separated BxH like 64x128, got {args.sizes!r}")
    args.sizes = sizes
    return args


def need_gpu():
    """Import cupy and check for a GPU through minirnn.backend; exit with a clear message otherwise."""
    from minirnn import backend
    try:
        return backend.set_backend("cupy")
    except RuntimeError as e:
        sys.exit(f"bench_gpu.py needs CuPy and a visible NVIDIA GPU: {e}")


def cuda_torch():
    try:
        import torch
    except ImportError:
        return None, "torch is not installed"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} has no CUDA (install a CUDA build of torch)"
    torch.backends.cuda.matmul.allow_tf32 = False   # full FP32, like minirnn: a fair comparison
    torch.backends.cudnn.allow_tf32 = False
    return torch, None


# -- the sides ----------------------------------------------------------------------------------------
def minirnn_step(cell, B, H, args, cupy):
    """A closure running one training step of a minirnn layer on CuPy, and the layer's parameter count."""
    import numpy as np
    import minirnn
    layer = getattr(minirnn, cell.upper())(args.E, H, rng=0)
    opt = minirnn.Adam([layer], lr=1e-3)
    rng = np.random.default_rng(0)
    x = cupy.asarray(rng.standard_normal((B, args.T, args.E)), dtype=cupy.float32)
    R = cupy.asarray(rng.standard_normal((B, args.T, H)), dtype=cupy.float32)

    def step():
        out, _ = layer.forward(x)
        layer.backward(R)                           # loss = sum(out * R), so dL/dout = R
        opt.step()
        return out
    return step, layer.num_params()


def torch_step(cell, B, H, args, torch):
    module = getattr(torch.nn, cell.upper())(args.E, H, batch_first=True).cuda()
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    g = torch.Generator(device="cuda").manual_seed(0)
    x = torch.randn(B, args.T, args.E, device="cuda", generator=g).requires_grad_(True)
    R = torch.randn(B, args.T, H, device="cuda", generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = module(x)
        (out * R).sum().backward()
        opt.step()
        return out
    return step


def time_cupy(step, args, cupy):
    """Median milliseconds per step by CUDA events, after args.warmup untimed steps."""
    for _ in range(args.warmup):
        step()
    cupy.cuda.Device().synchronize()                # the warm-up's queued work is not timed
    times = []
    for _ in range(args.iters):
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        step()
        end.record()
        end.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, end))
    return statistics.median(times)


def time_torch(step, args, torch):
    for _ in range(args.warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(args.iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def peak_cupy(step, cupy):
    """Peak bytes of the CuPy pool in use during one step (live blocks, not the pool's cache)."""
    class Peak(cupy.cuda.MemoryHook):
        name = "Peak"

        def __init__(self, used):
            self.used = self.peak = used

        def malloc_postprocess(self, **kw):
            self.used += kw["mem_size"]
            self.peak = max(self.peak, self.used)

        def free_postprocess(self, **kw):
            self.used -= kw["mem_size"]
    cupy.cuda.Device().synchronize()
    hook = Peak(cupy.get_default_memory_pool().used_bytes())
    with hook:
        step()
        cupy.cuda.Device().synchronize()
    return hook.peak


def peak_torch(step, torch):
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated()


def floor_ms(cell, B, H, P, args, peaks):
    G = GATES[cell]
    flops = 6 * B * args.T * (args.E + H) * G * H
    nbytes = 4 * (B * args.T * H * ELEMENTS[cell] + 7 * P)
    return 1e3 * max(flops / peaks[0], nbytes / peaks[1]), flops, nbytes


# -- the driver ---------------------------------------------------------------------------------------
def main(argv=None):
    args = parse_args(argv)
    cupy = need_gpu()
    import numpy as np
    torch, why_no_torch = (None, "--no-torch") if args.no_torch else cuda_torch()
    name = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    if args.peaks:
        peaks = tuple(float(v) for v in args.peaks.split(","))
    else:   # the longest listed name that the device's name contains, word for word ("H100 PCIe" before "H100")
        words = re.split(r"[^A-Za-z0-9]+", name)     # "NVIDIA A100-SXM4-80GB" -> NVIDIA, A100, SXM4, 80GB
        known = sorted((k for k in PEAKS if all(w in words for w in k.split())), key=len, reverse=True)
        peaks = PEAKS[known[0]] if known else None
        if peaks is None:
            print(f"no peak numbers for {name!r}: the floor column is left empty (give --peaks)", file=sys.stderr)
    rows = []
    for cell in args.cells:
        for B, H in args.sizes:
            row = {"cell": cell, "B": B, "T": args.T, "E": args.E, "H": H}
            outs = {}
            for side, flag in (("fused", "1"), ("plain", "0")):
                os.environ["MINIRNN_FUSED"] = flag
                step, P = minirnn_step(cell, B, H, args, cupy)
                row[f"{side}_ms"] = time_cupy(step, args, cupy)
                row[f"{side}_peak_MiB"] = peak_cupy(step, cupy) / 2**20
                outs[side] = cupy.asnumpy(step())
                del step
                cupy.get_default_memory_pool().free_all_blocks()
            os.environ.pop("MINIRNN_FUSED")
            row["fused_vs_plain_max_abs_diff"] = float(np.max(np.abs(outs["fused"] - outs["plain"])))
            if torch is not None:
                step = torch_step(cell, B, H, args, torch)
                row["torch_ms"] = time_torch(step, args, torch)
                row["torch_peak_MiB"] = peak_torch(step, torch) / 2**20
                del step
                torch.cuda.empty_cache()
            if peaks is not None:
                row["floor_ms"], row["flops"], row["bytes"] = floor_ms(cell, B, H, P, args, peaks)
            rows.append(row)
            print(format_row(row), flush=True)
    write_results(rows, args, name, peaks, torch, why_no_torch, cupy)


def format_row(r):
    t = f"{r['torch_ms']:8.1f}" if "torch_ms" in r else "       -"
    return (f"{r['cell']:>4} B={r['B']:<4} H={r['H']:<5} fused {r['fused_ms']:8.1f} ms  plain {r['plain_ms']:8.1f} ms"
            f"  torch {t} ms  floor {r.get('floor_ms', float('nan')):7.2f} ms")


def write_results(rows, args, device, peaks, torch, why_no_torch, cupy):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {"device": device, "cupy": cupy.__version__, "torch": torch.__version__ if torch else why_no_torch,
           "peak_fp32_flops": peaks and peaks[0], "peak_bytes_per_s": peaks and peaks[1], "tf32": False, "date": datetime.datetime.now().isoformat(),
           "command": "python benchmarks/bench_gpu.py " + " ".join(sys.argv[1:]), "warmup": args.warmup,
           "iters": args.iters}
    (out / "gpu.json").write_text(json.dumps({"env": env, "rows": rows}, indent=2))
    lines = [f"GPU: {device}; CuPy {env['cupy']}; torch: {env['torch']}; {env['date'][:16]}.",
             f"`{env['command']}`: one training step (forward, backward, Adam), 1 layer, float32, "
             f"median of {args.iters} steps by CUDA events after {args.warmup} warm-up steps.",
             "fused: minirnn on CuPy with kernels/*.cu; plain: MINIRNN_FUSED=0; torch: torch.nn on cuDNN, TF32 off. "
             "floor: max(FLOPs / peak FP32, bytes / peak bandwidth), see bench_gpu.py.", "",
             "| cell | B | T | E | H | fused ms | plain ms | torch ms | plain / fused | fused / torch | floor ms "
             "| fused / floor | peak MiB fused / plain / torch |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        t = r.get("torch_ms")
        torch_ms, vs_torch = ("-", "-") if t is None else (f"{t:.1f}", f"{r['fused_ms'] / t:.2f}")
        torch_mem = "-" if t is None else f"{r['torch_peak_MiB']:.0f}"
        lines.append(
            f"| {r['cell']} | {r['B']} | {r['T']} | {r['E']} | {r['H']} | {r['fused_ms']:.1f} | {r['plain_ms']:.1f} "
            f"| {torch_ms} | {r['plain_ms'] / r['fused_ms']:.2f} | {vs_torch} | {r.get('floor_ms', float('nan')):.2f} "
            f"| {r['fused_ms'] / r.get('floor_ms', float('nan')):.0f} "
            f"| {r['fused_peak_MiB']:.0f} / {r['plain_peak_MiB']:.0f} / {torch_mem} |")
    (out / "gpu.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'gpu.json'} and {out / 'gpu.md'}")


if __name__ == "__main__":
    main()
