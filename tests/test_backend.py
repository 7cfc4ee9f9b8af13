"""minirnn.backend: choosing NumPy or CuPy, moving arrays, and the clear errors when CuPy is missing."""
import sys

import numpy as np
import pytest

import minirnn
from minirnn import backend, fused


@pytest.fixture
def numpy_backend():
    """NumPy for this test; whatever backend was active before it is put back after."""
    before = backend.get_backend()
    backend.set_backend("numpy")
    yield
    backend._xp = before


def test_numpy_is_the_default_and_round_trips(numpy_backend):
    assert backend.get_backend() is np and backend.backend_name() == "numpy"
    a = np.arange(6.0).reshape(2, 3)
    d = backend.to_device(a, dtype=np.float32)
    assert type(d) is np.ndarray and d.dtype == np.float32
    assert backend.array_module(d) is np
    np.testing.assert_array_equal(backend.to_numpy(d), a)
    assert backend.to_numpy([1, 2]).tolist() == [1, 2]                    # array-likes too


def test_unknown_backend_names_the_choices(numpy_backend):
    with pytest.raises(ValueError, match="'numpy' or 'cupy'"):
        backend.set_backend("cuda")
    assert backend.get_backend() is np                                     # unchanged


def test_missing_cupy_gives_an_install_hint(numpy_backend, monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setitem(sys.modules, "cupy", None)                         # `import cupy` fails
    with pytest.raises(RuntimeError, match="CuPy is not installed: pip install 'minirnn\\[gpu\\]'"):
        backend.set_backend("cupy")
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        backend.cupy_module()
    assert backend.is_gpu_available() is False
    assert backend.get_backend() is np


@pytest.mark.parametrize("value, enabled", [(None, True), ("1", True), ("0", False), (" 0\n", False), ("yes", True)])
def test_minirnn_fused_env(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv("MINIRNN_FUSED", raising=False)
    else:
        monkeypatch.setenv("MINIRNN_FUSED", value)
    assert fused.fused_enabled() is enabled


@pytest.mark.gpu
def test_cupy_backend_round_trip_and_layer_on_the_gpu():
    before = backend.get_backend()
    try:
        cupy = backend.set_backend("cupy")
        assert backend.cupy_module() is cupy and backend.backend_name() == "cupy"
        d = backend.to_device(np.arange(4.0))
        assert isinstance(d, cupy.ndarray) and backend.array_module(d) is cupy
        np.testing.assert_array_equal(backend.to_numpy(d), np.arange(4.0))
        layer = minirnn.LSTM(3, 4, rng=0)                                  # parameters land on the GPU
        assert all(isinstance(p, cupy.ndarray) for p in layer.params.values())
        out, (h, c) = layer.forward(backend.to_device(np.ones((2, 5, 3), np.float32)))
        assert out.shape == (2, 5, 4) and isinstance(out, cupy.ndarray)
    finally:
        backend._xp = before                                               # as it was, not NumPy


def test_gpu_benchmark_has_help_and_explains_a_missing_gpu():
    import subprocess
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_gpu.py"
    p = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--sizes" in p.stdout and "floor" in p.stdout
    if not backend.is_gpu_available():
        p = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True)
        assert p.returncode != 0 and "needs CuPy and a visible NVIDIA GPU" in p.stderr
