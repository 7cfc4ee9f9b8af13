"""The one place that chooses the array module: NumPy on the CPU or CuPy on a GPU.

Layer code never imports cupy. It asks its inputs which module they belong to,
`xp = array_module(x)`, so the same lines run on either.

    import minirnn
    minirnn.set_backend("cupy")          # or: MINIRNN_BACKEND=cupy python train.py
    x = minirnn.backend.to_device(x)     # NumPy -> current backend
    x = minirnn.backend.to_numpy(x)      # any backend -> NumPy (for printing, saving, plots)
    loss, n = minirnn.backend.host_floats(loss, n)   # device scalars -> Python floats, one wait

This module knows nothing of the CUDA kernels: minirnn/fused.py loads them, gets cupy from
here (cupy_module), and holds the @fusable switch the cell files use.
"""
import os

import numpy

_cupy = None          # the cupy module, once it has been asked for and works
_xp = numpy           # the current backend's array module


def _load_cupy():
    """Import cupy and check that it can see a GPU; raise a clear RuntimeError otherwise."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError(
            "backend 'cupy' asked for, but CuPy is not installed: "
            "pip install 'minirnn[gpu]' (or the cupy-cudaXXx wheel matching your CUDA)"
        ) from e
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken
        raise RuntimeError(f"backend 'cupy' asked for, but CUDA reports no usable GPU: {e}") from e
    if n < 1:
        raise RuntimeError("backend 'cupy' asked for, but no GPU is visible (device count 0)")
    _cupy = cupy
    return cupy


def set_backend(name):
    """Choose "numpy" or "cupy" for arrays created from now on. Returns the array module."""
    global _xp
    if name == "numpy":
        _xp = numpy
    elif name == "cupy":
        _xp = _load_cupy()
    else:
        raise ValueError(f"backend must be 'numpy' or 'cupy', got {name!r}")
    return _xp


def get_backend():
    """The current backend's array module (numpy or cupy)."""
    return _xp


def backend_name():
    return "cupy" if _xp is not numpy else "numpy"


def array_module(*arrays):
    """The module (numpy or cupy) that the given arrays live in; numpy for plain Python values."""
    if _cupy is not None:
        return _cupy.get_array_module(*arrays)
    return numpy


def to_device(a, dtype=None):
    """Copy a NumPy array (or anything array-like) onto the current backend."""
    return _xp.asarray(a, dtype=dtype)


def to_numpy(a):
    """Bring an array of either backend back to NumPy (a no-op for NumPy arrays)."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy.asnumpy(a)
    return numpy.asarray(a)


def host_floats(*scalars):
    """Device scalars (0-d arrays, or values of one) -> a tuple of Python floats, in one transfer.

    Reading a number off a GPU makes the host wait until the device has computed it. A training
    step reads its loss (and the checks of its inputs) this way, once, instead of once per number.
    """
    xp = array_module(*scalars)
    values = xp.stack([xp.asarray(s) for s in scalars])        # (n,) on the device, one common dtype
    return tuple(to_numpy(values).astype(float).tolist())


def cupy_module():
    """The cupy module (imported and checked on first use). fused.py gets cupy from here."""
    return _load_cupy()


def device_rng(host_rng, xp):
    """A random generator for arrays of module xp, seeded from host_rng (a np.random.Generator).

    NumPy: host_rng itself. CuPy: a generator on the device, so random masks are drawn where they
    are used instead of being copied over every step; its seed comes from host_rng, so the same
    host seed gives the same device draws.
    """
    if xp is numpy:
        return host_rng
    return xp.random.default_rng(int(host_rng.integers(2**63)))


def scatter_add_rows(out, index, rows):
    """out[index[n]] += rows[n] for every n, repeated indices adding up; deterministic on both backends.

    out: (V, E) C-contiguous, index: (N,) ints in [0, V), rows: (N, E). Embedding.backward's dW.
    NumPy: np.add.at in order, on the flattened out with one index per element (index * E + column),
    which is ~5x faster than add.at over rows. Elsewhere (CuPy): add.at would sum with atomics, in
    whatever order the GPU threads arrive, so the last bits of dW would vary from run to run; instead
    the rows are sorted by index (stable) and each run of equal indices is summed by add.reduceat,
    always in the same order. That also avoids building the N*E flat index.
    """
    xp = array_module(out, rows)
    V, E = out.shape
    if index.size == 0:
        return out
    if xp is numpy:
        flat = (index.reshape(-1, 1).astype(numpy.int64) * E + numpy.arange(E)).reshape(-1)   # (N*E,)
        numpy.add.at(out.reshape(-1), flat, rows.reshape(-1))
        return out
    order = xp.argsort(index)                                  # (N,) grouped by index (CuPy sorts stably)
    sorted_index = index[order]                                # (N,) ascending
    run_starts = xp.flatnonzero(sorted_index[1:] != sorted_index[:-1]) + 1
    starts = xp.concatenate((xp.zeros(1, dtype=run_starts.dtype), run_starts))    # (U,) first of each run
    out[sorted_index[starts]] += xp.add.reduceat(rows[order], starts, axis=0)      # (U, E), U unique indices
    return out


def is_gpu_available():
    """True when CuPy imports and sees at least one GPU (never raises)."""
    try:
        _load_cupy()
        return True
    except RuntimeError:
        return False


if os.environ.get("MINIRNN_BACKEND"):
    set_backend(os.environ["MINIRNN_BACKEND"].strip().lower())
