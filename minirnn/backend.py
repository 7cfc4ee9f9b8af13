"""The one place that chooses the array module: NumPy on the CPU or CuPy on a GPU.

Layer code never imports cupy. It asks its inputs which module they belong to,
`xp = array_module(x)`, so the same lines run on either.

    import minirnn
    minirnn.set_backend("cupy")          # or: MINIRNN_BACKEND=cupy python train.py
    x = minirnn.backend.to_device(x)     # NumPy -> current backend
    x = minirnn.backend.to_numpy(x)      # any backend -> NumPy (for printing, saving, plots)
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


def is_gpu_available():
    """True when CuPy imports and sees at least one GPU (never raises)."""
    try:
        _load_cupy()
        return True
    except RuntimeError:
        return False


if os.environ.get("MINIRNN_BACKEND"):
    set_backend(os.environ["MINIRNN_BACKEND"].strip().lower())
