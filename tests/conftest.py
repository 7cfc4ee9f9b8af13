"""Shared test setup: one suite for every backend.

    python -m pytest                          NumPy
    MINIRNN_BACKEND=cupy python -m pytest     CuPy on a GPU: every test that can runs on it
    MINIRNN_FAKE_DEVICE=1 python -m pytest    fake_device.py's stand-in "device" (no GPU needed), which
                                              fails a test that mixes host and device arrays

Tests take their arrays through minirnn.backend.to_device / to_numpy, which follow the active backend,
and no test changes the backend for the tests after it. Tests marked `numpy_only` (each says why) skip
on the other backends; tests marked `gpu` skip without CuPy and a GPU (and on the fake device).
"""
import os

import pytest

from minirnn import backend

FAKE_DEVICE = os.environ.get("MINIRNN_FAKE_DEVICE", "").strip() not in ("", "0")


def pytest_configure(config):
    if FAKE_DEVICE:
        from fake_device import FAKE
        backend._cupy = FAKE                           # what set_backend("cupy") and array_module use
        backend.set_backend("cupy")
        os.environ["MINIRNN_FUSED"] = "0"              # the stand-in has no kernels (test_kernels.py fakes those)


def pytest_report_header(config):
    name = "fake device (tests/fake_device.py)" if FAKE_DEVICE else backend.backend_name()
    return f"minirnn backend: {name}; MINIRNN_FUSED={os.environ.get('MINIRNN_FUSED', '1')}"


def pytest_collection_modifyitems(config, items):
    gpu_ok = not FAKE_DEVICE and backend.is_gpu_available()
    on_numpy = backend.backend_name() == "numpy"
    for item in items:
        if "gpu" in item.keywords and not gpu_ok:
            item.add_marker(pytest.mark.skip(reason="needs CuPy and a visible GPU"))
        marker = item.get_closest_marker("numpy_only")
        if marker is not None and not on_numpy:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"NumPy only: {why}"))


@pytest.fixture(autouse=True)
def _backend_unchanged():
    """Fail a test that leaves another backend active than the one it started with."""
    before = backend.get_backend()
    yield
    after = backend.get_backend()
    if after is not before:
        backend._xp = before                           # put it back, so the next tests are unaffected
        pytest.fail(f"the test switched the backend to {getattr(after, '__name__', after)} and left it there")
