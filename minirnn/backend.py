"""The one place that chooses the array module: NumPy on the CPU or CuPy on a GPU.

Layer code never imports cupy. It asks its inputs which module they belong to,
`xp = array_module(x)`, so the same lines run on either.

    import minirnn
    minirnn.set_backend("cupy")          # or: MINIRNN_BACKEND=cupy python train.py
    x = minirnn.backend.to_device(x)     # NumPy -> current backend
    x = minirnn.backend.to_numpy(x)      # any backend -> NumPy (for printing, saving, plots)

On CuPy, the element-wise part of each cell step runs as one fused CUDA kernel (kernels/*.cu,
launched by minirnn/fused.py): the cell files mark those functions with @fusable, below.
MINIRNN_FUSED=0 turns the kernels off (plain CuPy, the same lines as on NumPy).
"""
import functools
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


def cupy_module():
    """The cupy module (imported and checked on first use). fused.py gets cupy from here."""
    return _load_cupy()


def fused_enabled():
    """False when the environment says MINIRNN_FUSED=0 (read at each call, so it can be toggled)."""
    return os.environ.get("MINIRNN_FUSED", "1").strip() != "0"


def fusable(fn):
    """Decorator for a cell's element-wise function: NumPy runs fn itself, CuPy runs its fused kernel.

    On NumPy inputs (the first argument decides) fn is called unchanged: the readable reference.
    On CuPy inputs minirnn.fused.<fn's name> is called instead: the same math in one CUDA kernel,
    with the same arguments and results. MINIRNN_FUSED=0 keeps fn on CuPy too.
    fn itself stays reachable as wrapper.__wrapped__.
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if type(args[0]) is numpy.ndarray:                 # the CPU path: one type check, then fn
            return fn(*args, **kwargs)
        if _cupy is not None and isinstance(args[0], _cupy.ndarray) and fused_enabled():
            from . import fused                            # imported on first GPU use only
            return getattr(fused, name)(*args, **kwargs)
        return fn(*args, **kwargs)
    return wrapper


def is_gpu_available():
    """True when CuPy imports and sees at least one GPU (never raises)."""
    try:
        _load_cupy()
        return True
    except RuntimeError:
        return False


if os.environ.get("MINIRNN_BACKEND"):
    set_backend(os.environ["MINIRNN_BACKEND"].strip().lower())
