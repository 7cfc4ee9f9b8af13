"""Shared by the kernel tests: the contract of the six fused functions, their readable NumPy
references (the cell files' own functions), random inputs, and a host build of the .cu math."""
import ctypes
import importlib
import shutil
import subprocess

import numpy as np

from minirnn import fused

# name -> (kernel file, output widths in units of H): (B, G*H) each, as the kernels write them
# (the cell functions return the gates as a tuple of (B, H) blocks: joined() lays them side by side)
CONTRACT = {
    "rnn_cell_forward": ("rnn_cell.cu", (1,)),                  # h
    "rnn_cell_backward": ("rnn_cell.cu", (1,)),                 # da
    "lstm_cell_forward": ("lstm_cell.cu", (1, 1, 4, 1)),        # h, c, gates (i, f, g, o), tanh_c
    "lstm_cell_backward": ("lstm_cell.cu", (4, 1)),             # da, dc_prev
    "gru_cell_forward": ("gru_cell.cu", (1, 3, 1)),             # h, gates (r, z, n), hn
    "gru_cell_backward": ("gru_cell.cu", (3, 3, 1)),            # dxw, dhh, dh_prev_direct
}
FILES = sorted({f for f, _ in CONTRACT.values()})
SIZES = [(3, 5), (1, 1), (4, 64), (7, 300)]                     # (B, H); B*H = 15 hits the bounds check
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}
nvcc = shutil.which("nvcc")


# -- the reference: the plain (unfused) functions in minirnn/rnn.py, lstm.py and gru.py ----------
def reference(name):
    """The readable NumPy function `name` from its cell file (unwrapped from @fusable)."""
    fn = getattr(importlib.import_module("minirnn." + name.split("_")[0]), name)
    return getattr(fn, "__wrapped__", fn)


def as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def each_array(fn, values):
    """values (a function's inputs or results) with fn applied to every array, inside the gates tuple too."""
    return [tuple(fn(b) for b in v) if isinstance(v, tuple) else fn(v) for v in as_tuple(values)]


def joined(values):
    """values with each gates tuple of (B, H) blocks joined side by side into one (B, G*H) array, as
    the kernels lay them out (the blocks must be NumPy arrays)."""
    return [np.concatenate(v, axis=1) if isinstance(v, tuple) else v for v in as_tuple(values)]


def make_inputs(name, B, H, dtype, seed=0):
    """Fresh random NumPy inputs for `name`; a backward's inputs come from the forward reference."""
    rng = np.random.default_rng(seed)
    r = lambda *shape: (2 * rng.standard_normal(shape)).astype(dtype)   # noqa: E731  (some saturation)
    cell = name.split("_")[0]
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    fwd = {"rnn": (r(B, H), r(B, H)), "lstm": (r(B, 4 * H), r(B, 4 * H), r(B, H)),
           "gru": (r(B, 3 * H), r(B, 3 * H), r(H), r(B, H))}[cell]
    assert fwd[0].shape == (B, G * H)
    if name.endswith("forward"):
        return fwd
    out = as_tuple(reference(f"{cell}_cell_forward")(*fwd))
    if cell == "rnn":
        return r(B, H), out[0]                                   # dh, h
    if cell == "lstm":
        return r(B, H), r(B, H), fwd[2], out[2], out[3]          # dh, dc, c_prev, gates, tanh_c
    return r(B, H), fwd[3], out[1], out[2]                       # dh, h_prev, gates, hn


def kernel_names(filename):
    return [f"{name}_{t}" for name, (f, _) in CONTRACT.items() if f == filename for t in ("float", "double")]


# host_<kernel>(B, H, arrays...) loops the same __host__ __device__ element function over all B*H
# elements: the kernel's math and argument order, run on the CPU.
HOST_LOOPS = {
    "rnn_cell.cu": """
extern "C" void host_rnn_cell_forward_##T(int B, int H, const T* xw, const T* hh, T* h)
{ for (int i = 0; i < B * H; ++i) rnn_forward_element(i, xw, hh, h); }
extern "C" void host_rnn_cell_backward_##T(int B, int H, const T* dh, const T* h, T* da)
{ for (int i = 0; i < B * H; ++i) rnn_backward_element(i, dh, h, da); }""",
    "lstm_cell.cu": """
extern "C" void host_lstm_cell_forward_##T(int B, int H, const T* xw, const T* hh, const T* c_prev,
                                           T* h, T* c, T* gates, T* tanh_c)
{ for (int i = 0; i < B * H; ++i) lstm_forward_element(i, H, xw, hh, c_prev, h, c, gates, tanh_c); }
extern "C" void host_lstm_cell_backward_##T(int B, int H, const T* dh, const T* dc, const T* c_prev,
                                            const T* gates, const T* tanh_c, T* da, T* dc_prev)
{ for (int i = 0; i < B * H; ++i) lstm_backward_element(i, H, dh, dc, c_prev, gates, tanh_c, da, dc_prev); }""",
    "gru_cell.cu": """
extern "C" void host_gru_cell_forward_##T(int B, int H, const T* xw, const T* hh, const T* bhn,
                                          const T* h_prev, T* h, T* gates, T* hn)
{ for (int i = 0; i < B * H; ++i) gru_forward_element(i, H, xw, hh, bhn, h_prev, h, gates, hn); }
extern "C" void host_gru_cell_backward_##T(int B, int H, const T* dh, const T* h_prev, const T* gates,
                                           const T* hn, T* dxw, T* dhh, T* dh_prev_direct)
{ for (int i = 0; i < B * H; ++i) gru_backward_element(i, H, dh, h_prev, gates, hn, dxw, dhh, dh_prev_direct); }""",
}


def build_host_libs(folder):
    """filename -> ctypes library with host_<kernel name> for every kernel in that file."""
    libs = {}
    for filename, loops in HOST_LOOPS.items():
        src = folder / f"host_{filename}"
        src.write_text(f'#include "{fused.kernel_dir() / filename}"\n#define HOST(T) '
                       + loops.replace("\n", " \\\n") + "\nHOST(float)\nHOST(double)\n")
        so = folder / f"{filename}.so"
        p = subprocess.run([nvcc, "-shared", "-Xcompiler", "-fPIC", "-arch=sm_90", "-o", str(so), str(src)],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        libs[filename] = ctypes.CDLL(str(so))
    return libs


def host_call(lib, kernel, args):
    """Call host_<kernel> with fused.py's launch arguments: (np.int32 B, np.int32 H, arrays...)."""
    suffix = kernel.rsplit("_", 1)[1]
    cargs = []
    for a in args:
        if isinstance(a, np.int32):
            cargs.append(ctypes.c_int(int(a)))
        else:
            assert a.flags.c_contiguous and a.dtype == {"float": np.float32, "double": np.float64}[suffix]
            cargs.append(ctypes.c_void_p(a.ctypes.data))
    getattr(lib, f"host_{kernel}")(*cargs)
