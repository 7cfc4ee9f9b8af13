"""Fused CUDA kernels for the element-wise part of each cell step, on the CuPy backend.

On a GPU, one LSTM step is two matrix products (cuBLAS, fast) and ~15 element-wise operations
(sigmoid, tanh, *, +), each of which CuPy runs as its own kernel that reads and writes (B, H)
arrays in GPU memory. For a recurrent layer these small launches dominate. The kernels in
kernels/*.cu do all the element-wise math of a step in one launch, one thread per (b, j).

Each function here has the same name, arguments and results as the readable NumPy/CuPy function
in rnn.py, lstm.py or gru.py that it replaces (see the equations there and at the top of each
.cu file). @fusable (below) picks between the two: the cell files mark their element-wise functions with it.

    rnn_cell_forward(xw, hh) -> h                                   kernels/rnn_cell.cu
    rnn_cell_backward(dh, h) -> da
    lstm_cell_forward(xw, hh, c_prev) -> (h, c, gates, tanh_c)      kernels/lstm_cell.cu
    lstm_cell_backward(dh, dc_next, c_prev, gates, tanh_c) -> (da, dc_prev)
    gru_cell_forward(xw, hh, bhn, h_prev) -> (h, gates, hn)        kernels/gru_cell.cu
    gru_cell_backward(dh, h_prev, gates, hn) -> (dxw, dhh, dh_prev_direct)

gates is a tuple of (B, H) blocks, (i, f, g, o) or (r, z, n), as in the cell files. The kernels
write them side by side into one (B, 4H) or (B, 3H) array; the forward returns its column blocks
(views) and the backward hands that array back to its kernel (_joined).

How a kernel runs: the .cu text is read from disk, compiled once by NVRTC through
cupy.RawModule, and cached; each call allocates its outputs and launches ceil(B*H / 256) blocks
of 256 threads (none for an empty batch, B*H = 0). A compile that fails (no NVRTC, a rejected
source) raises KernelCompileError, on which @fusable falls back to plain CuPy, once.

Numerics: CuPy adds -ftz=true to every NVRTC compile, and NVRTC contracts a*b + c into one fused
multiply-add by default. So float32 results are not bit-equal to NumPy's: subnormals (|x| < 1.2e-38)
flush to zero and an FMA rounds once where NumPy rounds twice. They agree to float32 rounding
(the tests use rtol 2e-5); float64 is not flushed, and agrees to ~1e-15 relative. The .cu files live in kernels/ at the top of the repository (a checkout or an
editable install) and inside the package as minirnn/kernels/ (an installed wheel).
"""
import functools
import os
import warnings
from pathlib import Path

import numpy as np

from . import backend

THREADS = 256                                   # threads per block
NVRTC_OPTIONS = ("--generate-line-info",)       # keeps source lines for profilers; no --use_fast_math
# (CuPy adds -ftz=true itself, and FMA contraction is on: see "Numerics" above)
KERNEL_SUFFIX = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def kernel_dir():
    """The folder holding rnn_cell.cu, lstm_cell.cu and gru_cell.cu."""
    here = Path(__file__).resolve().parent
    for folder in (here / "kernels", here.parent / "kernels"):    # installed wheel, then checkout
        if (folder / "lstm_cell.cu").is_file():
            return folder
    raise FileNotFoundError(f"minirnn.fused: the CUDA sources (lstm_cell.cu ...) are in neither "
                            f"{here / 'kernels'} nor {here.parent / 'kernels'}; reinstall minirnn")


def kernel_source(filename):
    """The CUDA C text of one kernels/ file, e.g. kernel_source("lstm_cell.cu")."""
    return (kernel_dir() / filename).read_text()


class KernelCompileError(RuntimeError):
    """The CUDA sources could not be compiled here (NVRTC missing, or it rejected them)."""


def fused_enabled():
    """False when the environment says MINIRNN_FUSED=0 (read at each call, so it can be toggled)."""
    return os.environ.get("MINIRNN_FUSED", "1").strip() != "0"


FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))   # what kernels/*.cu are built for
_fused_failed = None  # the reason the kernels could not be compiled in this process, once they failed


def _fusable_inputs(args):
    """True when every array argument (and every array in a tuple of gates) is a CuPy array of one
    dtype the kernels are built for."""
    dtype = args[0].dtype
    arrays = [b for a in args for b in (a if isinstance(a, (tuple, list)) else (a,))]
    return dtype in FUSED_DTYPES and all(
        isinstance(a, backend._cupy.ndarray) and a.dtype == dtype for a in arrays if hasattr(a, "dtype"))


def fusable(fn):
    """Decorator for a cell's element-wise function: NumPy runs fn itself, CuPy runs its fused kernel.

    On NumPy inputs (the first argument decides) fn is called unchanged: the readable reference.
    On CuPy inputs the function of the same name below is called instead: the same math in one CUDA kernel,
    with the same arguments and results. fn runs on CuPy too (plain CuPy, the same lines as on
    NumPy) when MINIRNN_FUSED=0, when the inputs are not all float32 or all float64 (float16, or
    a float64 gradient given to a float32 layer), and after the kernels failed to compile: then
    one warning says so, and the compile is not tried again in this process.
    fn itself stays reachable as wrapper.__wrapped__.
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _fused_failed
        if type(args[0]) is np.ndarray:                 # the CPU path: one type check, then fn
            return fn(*args, **kwargs)
        cupy = backend._cupy                               # None until the CuPy backend was asked for
        if (cupy is not None and _fused_failed is None and isinstance(args[0], cupy.ndarray)
                and fused_enabled() and _fusable_inputs(args)):
            try:
                return globals()[name](*args, **kwargs)    # this module's kernel wrapper of that name
            except KernelCompileError as e:                # no NVRTC, or it rejected the source
                _fused_failed = str(e)
                warnings.warn(f"minirnn: {e}; using plain CuPy instead (slower, same results). "
                              f"Set MINIRNN_FUSED=0 to skip the kernels and this warning.",
                              RuntimeWarning, stacklevel=2)
        return fn(*args, **kwargs)
    return wrapper


@functools.lru_cache(maxsize=None)
def _module(filename):
    """Compile one .cu file with NVRTC (once per process; CuPy also caches the binary on disk)."""
    cupy = backend.cupy_module()
    return cupy.RawModule(code=kernel_source(filename), options=NVRTC_OPTIONS)


@functools.lru_cache(maxsize=None)
def _kernel(filename, name, dtype):
    """The compiled kernel `name` for dtype, e.g. ("lstm_cell.cu", "lstm_cell_forward", float32).
    CuPy compiles on first use (RawModule or get_function); any failure there becomes KernelCompileError."""
    try:
        return _module(filename).get_function(f"{name}_{KERNEL_SUFFIX[dtype]}")
    except Exception as e:                       # cupy.cuda.compiler.CompileException, a missing libnvrtc, ...
        first_line = (str(e).strip().splitlines() or [""])[0]
        raise KernelCompileError(f"the fused CUDA kernels (kernels/{filename}) did not compile: "
                                 f"{type(e).__name__}: {first_line}") from e


def _inputs(where, *arrays):
    """Check that every input is a CuPy float32/float64 array of one dtype; make them C-contiguous."""
    _check(where, *arrays)
    return [backend.cupy_module().ascontiguousarray(a) for a in arrays]


def _check(where, *arrays):
    """Raise a clear TypeError unless every input is a CuPy float32/float64 array of one dtype."""
    cupy = backend.cupy_module()
    dtype = arrays[0].dtype
    for a in arrays:
        if not isinstance(a, cupy.ndarray):
            raise TypeError(f"{where}: every input must be a CuPy array, got {type(a).__name__}")
        if a.dtype != dtype or dtype not in KERNEL_SUFFIX:
            raise TypeError(f"{where}: inputs must all be float32 or all float64, got "
                            f"{', '.join(str(b.dtype) for b in arrays)}")


def _empty(shape, dtype):
    """A new, uninitialised output array. (The tests swap in a NaN-filled one, so an element a kernel
    forgets to write shows up.)"""
    return backend.cupy_module().empty(shape, dtype=dtype)


def _check_shape(where, name, a, shape):
    if tuple(a.shape) != shape:
        raise ValueError(f"{where}: {name} must have shape {shape}, got {tuple(a.shape)}")


def _joined(where, blocks, B, H):
    """(B, H) blocks -> the (B, G*H) array they are the column blocks of, as the forward returned
    them (no copy), or else a new array joining them side by side."""
    if not isinstance(blocks, (tuple, list)) or len(blocks) not in (3, 4):
        raise TypeError(f"{where}: gates must be the tuple of (B, H) blocks the forward returned")
    _check(where, *blocks)
    for name, b in zip("ifgo" if len(blocks) == 4 else "rzn", blocks):
        _check_shape(where, f"gates ({name})", b, (B, H))
    base = blocks[0].base
    if (base is not None and tuple(base.shape) == (B, len(blocks) * H) and base.flags.c_contiguous
            and all(b.base is base and _address(b) == _address(base) + k * H * base.itemsize
                    for k, b in enumerate(blocks))):
        return base
    return backend.cupy_module().concatenate(blocks, axis=1)


def _address(a):
    """Where an array's first element is, on the device (CuPy) or the host (the tests' stand-in)."""
    interface = getattr(a, "__cuda_array_interface__", None) or a.__array_interface__
    return interface["data"][0]


def _blocks(gates, G):
    """(B, G*H) -> its G column blocks (B, H) each, as views."""
    H = gates.shape[1] // G
    return tuple(gates[:, k * H:(k + 1) * H] for k in range(G))


def _launch(filename, name, B, H, *arrays):
    """Run kernel `name` over B*H threads: arguments (B, H, *arrays), dtype from arrays[0].
    An empty batch (B*H = 0) launches nothing: a grid of zero blocks is a CUDA error."""
    if B * H == 0:
        return
    if B * H * 4 >= 2**31:
        raise ValueError(f"{name}: B*4H = {B * H * 4} is too large for the kernels' 32-bit indices")
    blocks = (B * H + THREADS - 1) // THREADS                      # ceil(B*H / 256)
    kernel = _kernel(filename, name, arrays[0].dtype)
    kernel((blocks,), (THREADS,), (np.int32(B), np.int32(H), *arrays))


# -- RNN (tanh) ----------------------------------------------------------------------------------

def rnn_cell_forward(xw, hh):
    """h = tanh(xw + hh).  xw, hh: (B, H) -> h (B, H)."""
    where = "fused.rnn_cell_forward"
    xw, hh = _inputs(where, xw, hh)
    B, H = xw.shape
    _check_shape(where, "hh", hh, (B, H))
    h = _empty((B, H), xw.dtype)
    _launch("rnn_cell.cu", "rnn_cell_forward", B, H, xw, hh, h)
    return h


def rnn_cell_backward(dh, h):
    """da = dh * (1 - h*h).  dh, h: (B, H) -> da (B, H)."""
    where = "fused.rnn_cell_backward"
    dh, h = _inputs(where, dh, h)
    B, H = h.shape
    _check_shape(where, "dh", dh, (B, H))
    da = _empty((B, H), h.dtype)
    _launch("rnn_cell.cu", "rnn_cell_backward", B, H, dh, h, da)
    return da


# -- LSTM (gates i, f, g, o) ---------------------------------------------------------------------

def lstm_cell_forward(xw, hh, c_prev):
    """xw, hh: (B, 4H), c_prev: (B, H) -> h (B, H), c (B, H), gates (i, f, g, o) (B, H) each, tanh_c (B, H)."""
    where = "fused.lstm_cell_forward"
    xw, hh, c_prev = _inputs(where, xw, hh, c_prev)
    B, H = c_prev.shape
    _check_shape(where, "xw", xw, (B, 4 * H))
    _check_shape(where, "hh", hh, (B, 4 * H))
    h, c, tanh_c = (_empty((B, H), xw.dtype) for _ in range(3))
    gates = _empty((B, 4 * H), xw.dtype)
    _launch("lstm_cell.cu", "lstm_cell_forward", B, H, xw, hh, c_prev, h, c, gates, tanh_c)
    return h, c, _blocks(gates, 4), tanh_c


def lstm_cell_backward(dh, dc_next, c_prev, gates, tanh_c):
    """dh, dc_next, c_prev: (B, H), gates (i, f, g, o) (B, H) each, tanh_c: (B, H) -> da (B, 4H), dc_prev (B, H)."""
    where = "fused.lstm_cell_backward"
    dh, dc_next, c_prev, tanh_c = _inputs(where, dh, dc_next, c_prev, tanh_c)
    B, H = dh.shape
    for name, a in (("dc_next", dc_next), ("c_prev", c_prev), ("tanh_c", tanh_c)):
        _check_shape(where, name, a, (B, H))
    gates = _joined(where, gates, B, H)
    _check(where, dh, gates)                                           # one dtype for all
    da = _empty((B, 4 * H), dh.dtype)
    dc_prev = _empty((B, H), dh.dtype)
    _launch("lstm_cell.cu", "lstm_cell_backward", B, H, dh, dc_next, c_prev, gates, tanh_c, da, dc_prev)
    return da, dc_prev


# -- GRU (blocks r, z, n) ------------------------------------------------------------------------

def gru_cell_forward(xw, hh, bhn, h_prev):
    """xw, hh: (B, 3H), bhn: (H,), h_prev: (B, H) -> h (B, H), gates (r, z, n) (B, H) each, hn (B, H)."""
    where = "fused.gru_cell_forward"
    xw, hh, bhn, h_prev = _inputs(where, xw, hh, bhn, h_prev)
    B, H = h_prev.shape
    _check_shape(where, "xw", xw, (B, 3 * H))
    _check_shape(where, "hh", hh, (B, 3 * H))
    _check_shape(where, "bhn", bhn, (H,))
    h, hn = (_empty((B, H), xw.dtype) for _ in range(2))
    gates = _empty((B, 3 * H), xw.dtype)
    _launch("gru_cell.cu", "gru_cell_forward", B, H, xw, hh, bhn, h_prev, h, gates, hn)
    return h, _blocks(gates, 3), hn


def gru_cell_backward(dh, h_prev, gates, hn):
    """dh, h_prev: (B, H), gates (r, z, n) (B, H) each, hn = h_{t-1} W_hn + b_hn (B, H)
    -> dxw (B, 3H), dhh (B, 3H), dh_prev_direct (B, H)."""
    where = "fused.gru_cell_backward"
    dh, h_prev, hn = _inputs(where, dh, h_prev, hn)
    B, H = dh.shape
    _check_shape(where, "h_prev", h_prev, (B, H))
    _check_shape(where, "hn", hn, (B, H))
    gates = _joined(where, gates, B, H)
    _check(where, dh, gates)                                           # one dtype for all
    dxw, dhh = (_empty((B, 3 * H), dh.dtype) for _ in range(2))
    dh_prev_direct = _empty((B, H), dh.dtype)
    _launch("gru_cell.cu", "gru_cell_backward", B, H, dh, h_prev, gates, hn, dxw, dhh, dh_prev_direct)
    return dxw, dhh, dh_prev_direct
