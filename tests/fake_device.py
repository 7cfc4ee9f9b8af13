"""A stand-in "device" backend for CI without a GPU: NumPy arrays that obey CuPy's one rule that
NumPy does not, host and device arrays never mix implicitly.

    fake = FakeCupy()                   # what backend._cupy and backend._xp are set to (conftest.py)
    d = fake.asarray(np.ones(3))        # host -> "device": an explicit copy, allowed
    d + 1, d * d, fake.tanh(d)          # device with device (or Python scalars): allowed
    d + np.ones(3)                      # TypeError, as on CuPy: a host array in device arithmetic
    fake.asnumpy(d)                     # "device" -> host: explicit, allowed

DeviceArray is an ndarray subclass whose __array_ufunc__ and __array_function__ refuse plain
NumPy array operands; FakeCupy is a module-like object whose functions are NumPy's with their
array results moved to the "device". It runs the code paths CuPy takes (backend.array_module
answers FakeCupy, @fusable sees a non-NumPy array), with MINIRNN_FUSED=0 so no kernel is asked for.
Not caught: np.asarray(d) and np_array[...] = d (NumPy never asks a subclass), which CuPy refuses.

Like CuPy, a reduction gives a 0-d device array, not a host scalar, and reading a value back to
the host (float(d), int(d), bool(d), d.item(), d.tolist(), asnumpy) is counted in HOST_READS: on a
GPU each such read waits for the device, so tests can count the waits of a training step.
"""
import numpy as np

MIXING = "host and device arrays never mix implicitly"
HOST_READS = [0]          # how many times a value came back from the "device" (see the docstring)


def _refuse_host(values, where):
    for v in values:
        if isinstance(v, (list, tuple)):
            _refuse_host(v, where)
        elif isinstance(v, np.ndarray) and not isinstance(v, DeviceArray):
            raise TypeError(f"{where}: got a NumPy (host) array {v.shape} {v.dtype} next to device arrays; "
                            f"{MIXING} (move it with backend.to_device)")


def _to_device(result):
    if isinstance(result, np.ndarray) and not isinstance(result, DeviceArray):
        return result.view(DeviceArray)
    if isinstance(result, np.generic):                  # a reduction's scalar: a 0-d array on the device
        return np.asarray(result).view(DeviceArray)
    if isinstance(result, tuple):
        return tuple(_to_device(r) for r in result)
    if isinstance(result, list):
        return [_to_device(r) for r in result]
    return result


def _plain(values):
    return [v.view(np.ndarray) if isinstance(v, DeviceArray) else v for v in values]


class DeviceArray(np.ndarray):
    """An array "on the device"."""

    def _read(self, how):
        HOST_READS[0] += 1
        return how(self.view(np.ndarray))

    def __float__(self):
        return self._read(float)

    def __int__(self):
        return self._read(int)

    def __bool__(self):
        return self._read(bool)

    def item(self, *args):
        return self._read(lambda a: a.item(*args))

    def tolist(self):
        return self._read(lambda a: a.tolist())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _refuse_host(inputs + tuple(kwargs.get("out", ())), f"numpy.{ufunc.__name__}")
        if "out" in kwargs:
            kwargs["out"] = tuple(_plain(kwargs["out"]))
        return _to_device(getattr(ufunc, method)(*_plain(inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        _refuse_host(list(args) + list(kwargs.values()), f"numpy.{func.__name__}")
        plain = [[_plain(a) if isinstance(a, (list, tuple)) else _plain([a])[0] for a in args],
                 {k: _plain([v])[0] for k, v in kwargs.items()}]
        return _to_device(func(*plain[0], **plain[1]))


class _FakeRandom:
    """fake.random.default_rng(seed): a NumPy generator whose draws land on the "device"."""

    class Generator:
        def __init__(self, seed):
            self._rng = np.random.default_rng(seed)

        def random(self, size=None, dtype=np.float64):
            return _to_device(np.asarray(self._rng.random(size, dtype=dtype)))

        def standard_normal(self, size=None, dtype=np.float64):
            return _to_device(np.asarray(self._rng.standard_normal(size, dtype=dtype)))

    @staticmethod
    def default_rng(seed=None):
        return _FakeRandom.Generator(seed)


class _Ufunc:
    """fake.exp, fake.add, ...: NumPy's ufunc (and its .at, .reduceat, ...) refusing host arrays."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        _refuse_host(args, f"fake_cupy.{self._ufunc.__name__}")
        return _to_device(self._ufunc(*args, **kwargs))

    def __getattr__(self, method):
        def call(*args, **kwargs):
            _refuse_host(args, f"fake_cupy.{self._ufunc.__name__}.{method}")
            return _to_device(getattr(self._ufunc, method)(*args, **kwargs))
        return call


class FakeCupy:
    """The module backend.py takes for cupy: numpy's names, array results on the "device"."""
    ndarray = DeviceArray
    random = _FakeRandom()
    __name__ = "fake_cupy"

    def __getattr__(self, name):
        value = getattr(np, name)
        if isinstance(value, np.ufunc):
            return _Ufunc(value)
        if callable(value) and not isinstance(value, type):
            def on_device(*args, **kwargs):       # like cupy.<name>: device arrays in, device arrays out
                _refuse_host(list(args) + list(kwargs.values()), f"fake_cupy.{name}")
                return _to_device(value(*args, **kwargs))
            on_device.__name__ = name
            return on_device
        return value                          # dtypes (float32, ...), constants (nan, pi, ...)

    @staticmethod
    def asarray(a, dtype=None):
        if isinstance(a, DeviceArray):
            return a if dtype is None or a.dtype == dtype else a.astype(dtype)
        return np.array(a, dtype=dtype).view(DeviceArray)        # an explicit copy to the device

    @staticmethod
    def asnumpy(a):
        HOST_READS[0] += isinstance(a, DeviceArray)
        return np.array(a.view(np.ndarray) if isinstance(a, DeviceArray) else a)

    @staticmethod
    def get_array_module(*arrays):
        return FAKE if any(isinstance(a, DeviceArray) for a in arrays) else np


FAKE = FakeCupy()
