# %% [markdown]
# # From plain to fast: the textbook LSTM becomes the engine's, one rewrite at a time, each checked and timed
#
#     python demos/plain_to_fast.py                           # ~1 minute on 2 idle cores: table, figure in out/plain_to_fast/
#     python demos/plain_to_fast.py --out benchmarks/results  # how benchmarks/results/plain_to_fast.md was made
#
# From minirnn/plain/lstm.py (one loop, every product inside it) to minirnn/lstm.py. Each cell makes one
# rewrite on top of the ones before and restates only the function it changes, its changed lines marked
# "# <- new" or "# <- was ...". Then it checks the result against plain in float64 (the max relative
# difference of the outputs and of every gradient) and times forward+backward in float32, the engine's
# default, at B=64, T=200, E=64, H=128, on one BLAS thread and on two, taking turns with plain.
#     0. the cell cut out     1. hoist x_t W_x + b     2. gradients after the loop     3. a contiguous W_h^T
#     4. time-major, h_t stacked once     5. the engine's element-wise cell     6. the engine itself
# Then: why the thread count changes the story, and the GPU's last step, kernels/lstm_cell.cu.

# %% hyperparameters
import argparse
import datetime
import json
import os
import platform
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from minirnn import lstm as engine
from minirnn.fused import kernel_source
from minirnn.plain import lstm as plain

B, T, E, H = 64, 200, 64, 128      # batch, steps, input size, hidden size (benchmarks/bench_cpu.py's shapes)
REPEATS = 5                        # timed runs per rewrite and thread count, after one warm-up; the best is kept
THREADS = (1, 2)                   # BLAS threads
DTYPE = np.float32                 # the timed runs; every check runs in float64
TOLERANCE = 1e-10                  # the float64 max relative difference every rewrite must stay below
OUT = "out/plain_to_fast"          # table (.md, .json) and figure (.png)
if os.environ.get("MINIRNN_TINY") == "1":      # the test suite's budget: seconds
    B, T, E, H, REPEATS = 4, 12, 5, 6, 1

parser = argparse.ArgumentParser(description="Turn the plain LSTM into the engine's, one timed rewrite at a time.")
parser.add_argument("--out", default=OUT, help="folder for plain_to_fast.md, .json and .png")
args = parser.parse_args([] if "ipykernel" in sys.modules else None)     # in Jupyter: the defaults above
load_at_start = os.getloadavg()[0]


def threads(n):
    return f"{n} thread{'s' * (n > 1)}"


def md(text):
    """A markdown table cell: B*T, not the start of italics."""
    return text.replace("*", "\\*")


def make_inputs(dtype, seed=0):
    """Random inputs and PyTorch-style weights, U(-1/sqrt(H), 1/sqrt(H)), and a random d_out = dL/dout."""
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(H)
    arrays = dict(x=rng.standard_normal((B, T, E)), h0=rng.standard_normal((B, H)), c0=rng.standard_normal((B, H)),
                  Wx=rng.uniform(-k, k, (E, 4 * H)), Wh=rng.uniform(-k, k, (H, 4 * H)),
                  b=rng.uniform(-k, k, 4 * H))
    return {name: a.astype(dtype) for name, a in arrays.items()}, rng.standard_normal((B, T, H)).astype(dtype)


def run(forward, backward, inputs, d_out):
    """One forward+backward -> {name: array}. Every forward returns (out, c_T, cache), every backward
    (dx, dh0, dc0, dWx, dWh, db); the loss is L = sum(out * d_out)."""
    out, c_T, cache = forward(**inputs)
    return dict(zip(("out", "c_T", "dx", "dh0", "dc0", "dWx", "dWh", "db"), (out, c_T, *backward(d_out, cache))))


def best_ms(fns, n_threads):
    """The best of REPEATS calls of each fn() in fns, on n_threads BLAS threads, in ms. The functions take
    turns, so whatever else the machine is doing slows them alike; each is called once first, untimed."""
    with threadpool_limits(limits=n_threads, user_api="blas"):
        for fn in fns:
            fn()
        times = [[] for _ in fns]
        for _ in range(REPEATS):
            for fn, fn_times in zip(fns, times):
                t0 = time.perf_counter()
                fn()
                fn_times.append(time.perf_counter() - t0)
    return [1000 * min(fn_times) for fn_times in times]


CHECK, TIMED = make_inputs(np.float64), make_inputs(DTYPE)
ROWS = []                          # one per rewrite: what the table and the figure show


def check_and_time(name, changed, forward, backward):
    """Compare with plain in float64; time in DTYPE on each thread count, taking turns with plain (the
    speed-up is plain's best over this one's, from the same stretch of time); print it and keep a row."""
    result = run(forward, backward, *CHECK)
    diffs = {k: float(np.abs(result[k] - v).max() / np.abs(v).max()) for k, v in REFERENCE.items()}
    timed = [lambda: run(plain_forward, plain.lstm_backward, *TIMED), lambda: run(forward, backward, *TIMED)]
    ms = {n: best_ms(timed, n) for n in THREADS}            # {threads: [plain ms, this rewrite's ms]}, in turns
    row = dict(name=name, changed=changed, ms={n: ms[n][1] for n in THREADS}, plain_ms={n: ms[n][0] for n in THREADS},
               speedup={n: ms[n][0] / ms[n][1] for n in THREADS}, max_rel_diff=max(diffs.values()))
    ROWS.append(row)
    print(f"{name}: {changed}")
    print("  float64 vs plain, max relative difference: " + "  ".join(f"{k} {v:.1e}" for k, v in diffs.items())
          + f"  -> max {row['max_rel_diff']:.1e}, below {TOLERANCE:g}: {row['max_rel_diff'] < TOLERANCE}")
    print("  " + "   ".join(f"{threads(n)}: {row['ms'][n]:6.1f} ms, {row['speedup'][n]:.2f}x plain "
                            f"({row['plain_ms'][n]:.1f} ms in turn)" for n in THREADS))


# %% [markdown]
# ## plain: minirnn/plain/lstm.py as it is
# Every product is inside the loop: x_t W_x and h_{t-1} W_h forward; da_t W_x^T, da_t W_h^T, x_t^T da_t
# and h_{t-1}^T da_t backward, each a small (B, .) product, 6T of them in all. Its outputs, in float64,
# are the reference every rewrite is checked against. Its timing takes turns with itself: how far its
# "speed-up" lands from 1.00x is the noise in every other row.

# %%
def plain_forward(x, h0, c0, Wx, Wh, b):
    hs, cs, caches = plain.lstm_forward(x, h0, c0, Wx, Wh, b)     # hs, cs: (B, T, H)
    return hs, cs[:, -1], caches


REFERENCE = run(plain_forward, plain.lstm_backward, *CHECK)
print(f"B={B} T={T} E={E} H={H}; timed in {np.dtype(DTYPE).name}, best of {REPEATS}; checked in float64\n")
check_and_time("plain", "minirnn/plain/lstm.py: every product inside the loop", plain_forward, plain.lstm_backward)


# %% [markdown]
# ## 0. The cell cut out
# The element-wise lines of plain's step, unchanged, become two functions with the engine's signatures
# (minirnn/lstm.py's lstm_cell_forward/backward): the rewrites below restate only the loops around them.
# The loops are plain's, except that they keep h_t in one array (and only the last c_t), and each step's
# cache holds only what the cell needs (x_t and h_{t-1} are read back from x and hs). Nothing is faster yet.

# %%
def cell_forward(xw, hh, c_prev):
    """xw (B, 4H) = x_t W_x + b, hh (B, 4H) = h_{t-1} W_h, c_prev (B, H) -> h, c (B, H), gates, tanh_c."""
    H = c_prev.shape[1]
    a = xw + hh                                   # a_t = x_t W_x + b + h_{t-1} W_h: (B, 4H)
    i = plain.sigmoid(a[:, :H])                   # i_t = sigmoid(a_i), f_t, g_t = tanh(a_g), o_t: (B, H) each
    f = plain.sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = plain.sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g                        # c_t = f_t c_{t-1} + i_t g_t
    tanh_c = np.tanh(c)
    return o * tanh_c, c, (i, f, g, o), tanh_c    # h_t = o_t tanh(c_t)


def cell_backward(dh, dc_next, c_prev, gates, tanh_c):
    """dh, dc_next (B, H) -> da (B, 4H) = dL/da_t, dc_prev (B, H): plain's lines up to da."""
    i, f, g, o = gates
    dc = dc_next + dh * o * (1 - tanh_c ** 2)     # backprop through h = o tanh(c), plus what step t+1 sent
    do, di, df, dg = dh * tanh_c, dc * g, dc * c_prev, dc * i     # ... to o; through c = f c_prev + i g
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f),     # through sigmoid: s (1 - s)
                         dg * (1 - g ** 2), do * o * (1 - o)], axis=1)   # through tanh, sigmoid: (B, 4H)
    return da, dc * f                             # dc_prev: through c = f c_prev + i g


def forward_0(x, h0, c0, Wx, Wh, b):
    B, T, E = x.shape
    hs = np.empty((B, T, Wh.shape[0]), dtype=x.dtype)    # h_t for every t: (B, T, H)
    h, c, steps = h0, c0, []
    for t in range(T):
        c_prev = c
        h, c, gates, tanh_c = cell_forward(x[:, t] @ Wx + b, h @ Wh, c)   # (B, E) @ (E, 4H), (B, H) @ (H, 4H)
        hs[:, t] = h
        steps.append((c_prev, gates, tanh_c))
    return hs, c, (x, h0, hs, Wx, Wh.T, steps)           # Wh.T: W_h^T (4H, H), a transposed view


def backward_0(d_out, cache):
    x, h0, hs, Wx, Wh_T, steps = cache
    dx = np.empty_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh_T.T), np.zeros(Wx.shape[1], dtype=Wx.dtype)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        da, dc_next = cell_backward(d_out[:, t] + dh_next, dc_next, *steps[t])
        dx[:, t] = da @ Wx.T                      # (B, 4H) @ (4H, E)
        dh_next = da @ Wh_T                       # (B, 4H) @ (4H, H)
        dWx += x[:, t].T @ da                     # (E, B) @ (B, 4H)
        dWh += h_prev.T @ da                      # (H, B) @ (B, 4H)
        db += da.sum(axis=0)
    return dx, dh_next, dc_next, dWx, dWh, db


check_and_time("0. the cell cut out", "the element-wise lines as cell_forward/backward; x_t, h_{t-1} read from x, hs",
               forward_0, backward_0)


# %% [markdown]
# ## 1. Hoist x_t W_x + b out of the loop
# x_t W_x + b does not depend on h, so all T of them are one (B*T, E) @ (E, 4H) product before the
# loop: one BLAS call on B*T rows instead of T calls on B rows. Only h_{t-1} W_h must wait for h_{t-1}.
# The backward is backward_0.

# %%
def forward_1(x, h0, c0, Wx, Wh, b):
    B, T, E = x.shape
    xw = (x.reshape(B * T, E) @ Wx + b).reshape(B, T, -1)   # <- new: (B*T, E) @ (E, 4H) -> (B, T, 4H)
    hs = np.empty((B, T, Wh.shape[0]), dtype=x.dtype)
    h, c, steps = h0, c0, []
    for t in range(T):
        c_prev = c
        h, c, gates, tanh_c = cell_forward(xw[:, t], h @ Wh, c)          # <- was x[:, t] @ Wx + b
        hs[:, t] = h
        steps.append((c_prev, gates, tanh_c))
    return hs, c, (x, h0, hs, Wx, Wh.T, steps)


check_and_time("1. hoist x_t W_x + b", "x_t W_x + b for every t: one (B*T, E) @ (E, 4H) product before the loop",
               forward_1, backward_0)


# %% [markdown]
# ## 2. The input and weight gradients after the loop
# Backward, only dh_{t-1} = da_t W_h^T feeds the next step back. dx_t = da_t W_x^T, dW_x += x_t^T da_t,
# dW_h += h_{t-1}^T da_t and db += sum da_t only read da_t, so the loop writes every da_t into one
# array and each becomes one product over all B*T rows after it: sum_t x_t^T da_t = X^T dA.

# %%
def backward_2(d_out, cache):
    x, h0, hs, Wx, Wh_T, steps = cache
    B, T, H = hs.shape
    da = np.empty((B, T, 4 * H), dtype=hs.dtype)            # <- new: every da_t, (B, T, 4H)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t], dc_next = cell_backward(d_out[:, t] + dh_next, dc_next, *steps[t])
        dh_next = da[:, t] @ Wh_T                           # the one product left in the loop
    da = da.reshape(B * T, 4 * H)                                                 # <- new, and below
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1).reshape(B * T, H)   # h_{t-1} for every t
    dWx = x.reshape(B * T, -1).T @ da                       # (E, B*T) @ (B*T, 4H) -> (E, 4H)
    dWh = h_prev.T @ da                                     # (H, B*T) @ (B*T, 4H) -> (H, 4H)
    dx = (da @ Wx.T).reshape(B, T, -1)                      # (B*T, 4H) @ (4H, E) -> (B, T, E)
    return dx, dh_next, dc_next, dWx, dWh, da.sum(axis=0)


check_and_time("2. gradients after the loop", "dx, dW_x, dW_h, db: one product (or sum) each over all B*T rows",
               forward_1, backward_2)


# %% [markdown]
# ## 3. A contiguous W_h^T
# The backward loop's one product reads W_h^T, which Wh.T gives as a transposed view. OpenBLAS
# multiplies by a contiguous copy faster (benchmarks/README.md measured ~25%), so the forward copies it
# once into the cache. The backward is backward_2.

# %%
def forward_3(x, h0, c0, Wx, Wh, b):
    hs, c, (x, h0, hs, Wx, Wh_T, steps) = forward_1(x, h0, c0, Wx, Wh, b)
    return hs, c, (x, h0, hs, Wx, np.ascontiguousarray(Wh_T), steps)   # <- was Wh_T, a transposed view


check_and_time("3. a contiguous W_h^T", "W_h^T copied once, for every backward step, not a transposed view",
               forward_3, backward_2)


# %% [markdown]
# ## 4. Time-major, the states stacked once
# With x transposed once to (T, B, E), every step's xw_t, h_t and da_t is one contiguous block. Each
# h_t goes into a list, [h_0, h_1, ...], stacked into hs (T+1, B, H) once after the loop, so
# h_{t-1} for every t is hs[:-1], no copy. On the CPU the stack copies as many bytes as the
# per-step writes did; on a GPU it is one copy instead of T. cell_forward/cell_backward become
# arguments, so that rewrite 5 can swap them.

# %%
def forward_4(x, h0, c0, Wx, Wh, b, cell_forward=cell_forward):
    B, T, E = x.shape
    x = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * B, E)   # <- new: time-major (T*B, E)
    xw = (x @ Wx + b).reshape(T, B, -1)                     # (T*B, E) @ (E, 4H) -> (T, B, 4H)
    hs, c, steps = [h0], c0, []                             # <- new: hs[t + 1] = h_t
    for t in range(T):
        c_prev = c
        h, c, gates, tanh_c = cell_forward(xw[t], hs[t] @ Wh, c)   # <- was xw[:, t], h @ Wh
        hs.append(h)                                        # <- was hs[:, t] = h
        steps.append((c_prev, gates, tanh_c))
    hs = np.stack(hs)                                       # <- new: (T + 1, B, H), one copy
    return hs[1:].transpose(1, 0, 2), c, (x, hs, Wx, np.ascontiguousarray(Wh.T), steps)   # <- no h0: it is hs[0]


def backward_4(d_out, cache, cell_backward=cell_backward):
    x, hs, Wx, Wh_T, steps = cache
    T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    d_out = d_out.transpose(1, 0, 2)                        # <- new: (T, B, H), a view
    da = np.empty((T, B, 4 * H), dtype=hs.dtype)            # <- was (B, T, 4H)
    dh_next, dc_next = np.zeros_like(hs[0]), np.zeros_like(hs[0])   # <- was h0
    for t in reversed(range(T)):
        da[t], dc_next = cell_backward(d_out[t] + dh_next, dc_next, *steps[t])   # <- was [:, t]
        dh_next = da[t] @ Wh_T
    da = da.reshape(T * B, 4 * H)
    dWx = x.T @ da
    dWh = hs[:-1].reshape(T * B, H).T @ da                  # <- was a concatenate of h0 and hs
    dx = (da @ Wx.T).reshape(T, B, -1).transpose(1, 0, 2)   # <- new: back to (B, T, E), a view
    return dx, dh_next, dc_next, dWx, dWh, da.sum(axis=0)


check_and_time("4. time-major, h_t stacked once", "x as (T*B, E); h_t in a list, stacked once; hs[:-1] is every h_{t-1}",
               forward_4, backward_4)


# %% [markdown]
# ## 5. The engine's element-wise cell
# minirnn/lstm.py's lstm_cell_forward/backward compute the same lines, with sigmoid as
# 0.5 (1 + tanh(a/2)) (no overflow in exp) and several intermediates written in place
# (minirnn/activations.py). The loops are forward_4 and backward_4.

# %%
def forward_5(x, h0, c0, Wx, Wh, b):
    return forward_4(x, h0, c0, Wx, Wh, b, cell_forward=engine.lstm_cell_forward)   # <- was cell_forward


def backward_5(d_out, cache):
    return backward_4(d_out, cache, cell_backward=engine.lstm_cell_backward)         # <- was cell_backward


check_and_time("5. the engine's element-wise cell", "minirnn.lstm.lstm_cell_forward/backward in the loops of 4",
               forward_5, backward_5)


# %% [markdown]
# ## 6. The engine
# minirnn.lstm.lstm_forward/lstm_backward are rewrite 5 plus a mask (padding steps carry the states
# through; None here) and named caches. The same numbers, and its time should match rewrite 5's: nothing
# in the engine is left unexplained.

# %%
def engine_forward(x, h0, c0, Wx, Wh, b):
    out, h_T, c_T, cache = engine.lstm_forward(x, h0, c0, Wx, Wh, b)
    return out, c_T, cache


def engine_backward(d_out, cache):
    dx, dh0, dc0, grads = engine.lstm_backward(d_out, None, None, cache)   # dL/dh_T is in d_out[:, -1]
    return dx, dh0, dc0, grads["Wx"], grads["Wh"], grads["b"]


check_and_time("6. the engine", "minirnn.lstm.lstm_forward/lstm_backward (rewrite 5, plus the mask)",
               engine_forward, engine_backward)
print(f"\nall {len(ROWS) - 1} rewrites match plain in float64, max relative difference below {TOLERANCE:g}: "
      f"{all(r['max_rel_diff'] < TOLERANCE for r in ROWS)}")


# %% [markdown]
# ## Why one thread and two tell different stories
# Per step, x_t W_x costs B E 4H multiply-adds and h_{t-1} W_h B H 4H; backward, dx_t and dW_x cost
# as much as x_t W_x, dh_{t-1} and dW_h as much as h_{t-1} W_h. Rewrites 1 and 2 take four of the six
# out of the loop, as products on B*T rows; only h_{t-1} W_h and da_t W_h^T must stay. On one core,
# batching saves only each call's start-up: where a (B, H) @ (H, 4H) product already runs at about the
# rate of a big one (GFLOP/s below), the rewrites save little. On two cores a big product splits almost
# perfectly, a small one less well (each call is short, and the threads meet at every one), and the
# element-wise cell, ~20 NumPy calls per step each way, stays on one core whatever the BLAS threads.
# So the products the rewrites moved out of the loop are the work that uses the second core best.

# %%
moved = (3 * E + H) / (3 * E + 3 * H)      # x W_x, dx, dW_x (B E 4H each) and dW_h (B H 4H), of all six
print(f"\nrewrites 1-2 take {moved:.0%} of the products' multiply-adds out of the loop (E={E}, H={H})")
x2d, Wx, Wh = TIMED[0]["x"].reshape(B * T, E), TIMED[0]["Wx"], TIMED[0]["Wh"]
h, c, xw = TIMED[0]["h0"], TIMED[0]["c0"], x2d[:B] @ Wx
pieces = {"x_t W_x for every t, one (B*T, E) @ (E, 4H) product": (lambda: x2d @ Wx, 2 * B * T * E * 4 * H),
          "h_{t-1} W_h, T (B, H) @ (H, 4H) products": (lambda: [h @ Wh for _ in range(T)], 2 * T * B * H * 4 * H),
          "the element-wise cell forward, T times": (lambda: [engine.lstm_cell_forward(xw, xw, c) for _ in range(T)], 0)}
WHY = {piece: {n: best_ms([fn], n)[0] for n in THREADS} for piece, (fn, _) in pieces.items()}
GFLOPS = {piece: {n: flops / ms[n] / 1e6 for n in THREADS} for (piece, ms), (_, flops) in zip(WHY.items(), pieces.values())}
for piece, ms in WHY.items():           # a product's rate, in floating-point operations per second, says how well it uses a core
    print(f"  {piece:<54}" + "  ".join(f"{threads(n)}: {ms[n]:6.2f} ms" + (f" ({GFLOPS[piece][n]:3.0f} GFLOP/s)"
                                                                       if GFLOPS[piece][n] else "") for n in THREADS)
          + f"  -> {ms[THREADS[0]] / ms[THREADS[-1]]:.2f}x on {threads(THREADS[-1])}")


# %% [markdown]
# ## On a GPU: the cell as one kernel
# What is left in the loop is one product and the element-wise cell. On a GPU each of the cell's
# ~15 operations would be a kernel launch that reads and writes (B, H) arrays; with CuPy arrays,
# minirnn/fused.py replaces lstm_cell_forward/backward (rewrite 5) by one kernel each, from
# kernels/lstm_cell.cu, whose header comment gives the same equations and the memory layout.

# %%
header = kernel_source("lstm_cell.cu").splitlines()[0]           # the .cu file, wherever minirnn is installed
print("\nkernels/lstm_cell.cu:", header.strip(" /"))
print("on a GPU (MINIRNN_BACKEND=cupy), rewrite 6 runs with those kernels in place of rewrite 5's cell")


# %% the table, the figure, the files
command = "python demos/plain_to_fast.py" + "".join(" " + a for a in sys.argv[1:])
date = f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
load = [load_at_start, os.getloadavg()[0]]
header = (f"`{command}`: B={B}, T={T}, E={E}, H={H}, timed in {np.dtype(DTYPE).name} (best of {REPEATS} "
          f"forward+backward runs, taking turns with plain), checked in float64; {date}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}; "
          f"1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end"
          + (" (other work was running: rough times; rerun on an idle machine)." if load[0] >= 0.5 else "."))
lines = [header, "", "| rewrite | what changed |" + "".join(f" {threads(n)}: ms | speed-up |" for n in THREADS)
         + " max rel. diff (float64) |", "|---|---|" + "---:|---:|" * len(THREADS) + "---:|"]
for r in ROWS:
    lines.append(f"| {r['name']} | {md(r['changed'])} |" + "".join(f" {r['ms'][n]:.1f} | {r['speedup'][n]:.2f}x |"
                                                          for n in THREADS) + f" {r['max_rel_diff']:.1e} |")
lines += ["", "| piece, timed alone |" + "".join(f" {threads(n)}: ms |" for n in THREADS) + " gain |",
          "|---|" + "---:|" * (len(THREADS) + 1)]
for piece, ms in WHY.items():
    lines.append(f"| {md(piece)} |" + "".join(f" {ms[n]:.2f}" + (f" ({GFLOPS[piece][n]:.0f} GFLOP/s)" if GFLOPS[piece][n]
                                                                 else "") + " |" for n in THREADS)
                 + f" {ms[THREADS[0]] / ms[THREADS[-1]]:.2f}x |")
table = "\n".join(lines)
print("\n" + table)

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(9, 4))
width = 0.8 / len(THREADS)
for k, n in enumerate(THREADS):
    ax.bar(np.arange(len(ROWS)) + (k - (len(THREADS) - 1) / 2) * width, [r["speedup"][n] for r in ROWS], width,
           label=f"{threads(n)} (BLAS)")
ax.axhline(1, color="gray", lw=0.8)
ax.set_xticks(range(len(ROWS)), [r["name"] for r in ROWS], rotation=25, ha="right", fontsize=8)
ax.set_ylabel("speed-up over plain, forward+backward")
ax.set_title(f"From plain to fast: the LSTM at B={B} T={T} E={E} H={H}, {np.dtype(DTYPE).name}")
ax.legend()
os.makedirs(args.out, exist_ok=True)
base = os.path.join(args.out, "plain_to_fast")
fig.savefig(base + ".png", dpi=100, bbox_inches="tight")
with open(base + ".md", "w", encoding="utf-8") as f:
    f.write(table + "\n")
with open(base + ".json", "w", encoding="utf-8") as f:
    json.dump(dict(command=command, date=date, header=header, B=B, T=T, E=E, H=H, dtype=np.dtype(DTYPE).name,
                   repeats=REPEATS, threads=list(THREADS), load_average=load, moved_share=moved, rows=ROWS,
                   pieces=WHY, pieces_gflops=GFLOPS), f, indent=1)
print(f"wrote {base}.md, .json and .png")
