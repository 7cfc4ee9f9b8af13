"""The fused CUDA kernels (kernels/*.cu, launched by minirnn/fused.py) and the @fusable switch.

Without a GPU (CPU tests, need only nvcc, skipped without it):
  - every .cu compiles to PTX with nvcc and defines the kernels fused.py asks for, float and double;
  - it also compiles with NVRTC, the compiler CuPy uses at run time (where libnvrtc is found);
  - each file's header gives the cell's equations;
  - the per-element math runs on the CPU (nvcc builds a host library from the same .cu code) and
    matches the readable reference in rnn.py / lstm.py / gru.py, float32 and float64;
  - fused.py's wrappers run end to end against a stand-in "cupy" whose kernels are those host
    loops: argument order, output shapes and launch size are checked without a GPU;
  - @fusable calls the plain function on NumPy, fused.<name> on CuPy, and obeys MINIRNN_FUSED=0;
    float16 and mixed dtypes take the plain path; a failed compile warns once and falls back;
  - an empty batch (B = 0) launches no kernel.
The GPU tests are in test_kernels_gpu.py; the shared cases in kernel_cases.py.
"""
import ctypes
import ctypes.util
import itertools
import inspect
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from minirnn import backend, fused
from kernel_cases import (CONTRACT, FILES, SIZES, TOL, as_tuple, build_host_libs, each_array, host_call,
                          joined, kernel_names, make_inputs, nvcc, reference)

needs_nvcc = pytest.mark.skipif(nvcc is None, reason="nvcc is not on PATH")


@needs_nvcc
@pytest.mark.parametrize("filename", FILES)
def test_nvcc_compiles_each_kernel_file_to_ptx(filename, tmp_path):
    ptx = tmp_path / "out.ptx"
    p = subprocess.run([nvcc, "-arch=sm_90", "--ptx", "-o", str(ptx), str(fused.kernel_dir() / filename)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    entries = re.findall(r"\.entry\s+(\w+)\(", ptx.read_text())
    assert sorted(entries) == sorted(kernel_names(filename))


# CuPy compiles a RawModule with these on top of fused.NVRTC_OPTIONS (cupy/cuda/compiler.py,
# _compile_with_cache_cuda appends -ftz=true), and -arch=compute_XX for the device: 90 = H100/H200.
CUPY_NVRTC_OPTIONS = ("-ftz=true", "--std=c++11", "-arch=compute_90")


def find_nvrtc():
    """libnvrtc from the CUDA toolkit or from the wheels CuPy's [ctk] extra installs (CUDA 12:
    nvidia/cuda_nvrtc/lib, CUDA 13: nvidia/cu13/lib); None if absent."""
    found = ctypes.util.find_library("nvrtc")
    if found:
        return found
    roots = [Path(nvcc).resolve().parent.parent / "lib64"] if nvcc else []
    roots += [Path(p) / "nvidia" / sub / "lib" for p in sys.path if p for sub in ("cuda_nvrtc", "cu13")]
    for root in roots:
        libs = sorted(root.glob("libnvrtc.so*")) if root.is_dir() else []
        if libs:
            return str(libs[0])
    return None


@pytest.mark.skipif(find_nvrtc() is None, reason="libnvrtc not found")
@pytest.mark.parametrize("filename", FILES)
def test_nvrtc_compiles_each_kernel_file_as_cupy_does(filename):
    lib = ctypes.CDLL(find_nvrtc())
    prog = ctypes.c_void_p()
    assert lib.nvrtcCreateProgram(ctypes.byref(prog), fused.kernel_source(filename).encode(),
                                  filename.encode(), 0, None, None) == 0
    opts = [o.encode() for o in fused.NVRTC_OPTIONS + CUPY_NVRTC_OPTIONS]       # what CuPy passes on an H100
    rc = lib.nvrtcCompileProgram(prog, len(opts), (ctypes.c_char_p * len(opts))(*opts))
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    assert rc == 0, log.value.decode()
    lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
    ptx = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetPTX(prog, ptx)
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    assert sorted(re.findall(r"\.entry\s+(\w+)\(", ptx.value.decode())) == sorted(kernel_names(filename))


@pytest.fixture(scope="module")
def host_libs(tmp_path_factory):
    """filename -> ctypes library with host_<kernel name> for every kernel in that file."""
    if nvcc is None:
        pytest.skip("nvcc is not on PATH")
    return build_host_libs(tmp_path_factory.mktemp("host"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONTRACT))
def test_kernel_math_on_the_host_matches_the_reference(host_libs, name, dtype):
    filename, widths = CONTRACT[name]
    for B, H in SIZES:
        inputs = make_inputs(name, B, H, dtype, seed=B * 1000 + H)
        outputs = [np.full((B, w * H), np.nan, dtype) for w in widths]       # poisoned
        suffix = "float" if dtype == np.float32 else "double"
        host_call(host_libs[filename], f"{name}_{suffix}", (np.int32(B), np.int32(H), *joined(inputs), *outputs))
        for got, want in zip(outputs, joined(reference(name)(*inputs)), strict=True):
            np.testing.assert_allclose(got, want, **TOL[dtype], err_msg=f"{name} B={B} H={H} {dtype.__name__}")


# -- fused.py end to end, on a stand-in cupy whose kernels are the host loops ------------------------
class FakeCupyArray(np.ndarray):
    """Plays a CuPy array: a NumPy array of another type, so @fusable takes the GPU branch."""


def make_fake_cupy(host_libs, launches):
    sources = {fused.kernel_source(f): f for f in FILES}

    class FakeKernel:
        def __init__(self, lib, name):
            self.lib, self.name = lib, name

        def __call__(self, grid, block, args):
            B, H = int(args[0]), int(args[1])
            launches.append((self.name, grid, block, B, H))
            host_call(self.lib, self.name, args)

    class FakeRawModule:
        def __init__(self, code, options=()):
            self.lib = host_libs[sources[code]]

        def get_function(self, name):
            return FakeKernel(self.lib, name)

    class FakeCupy:
        ndarray = FakeCupyArray
        RawModule = FakeRawModule
        get_array_module = staticmethod(lambda *arrays: np)             # the plain path runs on NumPy

        @staticmethod
        def ascontiguousarray(a):
            return np.ascontiguousarray(a).view(FakeCupyArray)

        @staticmethod
        def empty(shape, dtype):
            a = FakeCupyArray(shape, dtype)                             # owns its memory, as cupy.empty's
            a.fill(np.nan)                                              # poisoned
            return a

        @staticmethod
        def concatenate(arrays, axis):
            return np.concatenate([np.asarray(a) for a in arrays], axis=axis).view(FakeCupyArray)

    return FakeCupy


@pytest.fixture
def fake_cupy(host_libs, monkeypatch):
    launches = []
    monkeypatch.setattr(backend, "_cupy", make_fake_cupy(host_libs, launches))
    fused._module.cache_clear()
    fused._kernel.cache_clear()
    yield launches
    fused._module.cache_clear()
    fused._kernel.cache_clear()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONTRACT))
def test_fused_wrappers_launch_the_kernels_with_the_contract_signature(fake_cupy, name, dtype):
    B, H = 3, 5
    inputs = each_array(lambda a: a.view(FakeCupyArray), make_inputs(name, B, H, dtype))
    inputs[0] = np.asfortranarray(inputs[0]).view(FakeCupyArray)     # not C-contiguous: fused copies it
    got = as_tuple(getattr(fused, name)(*inputs))
    want = as_tuple(reference(name)(*each_array(np.asarray, inputs)))
    assert len(got) == len(want)
    assert all(isinstance(g, FakeCupyArray) for v in got for g in (v if isinstance(v, tuple) else (v,)))
    for g, w in zip(joined(each_array(np.asarray, got)), joined(want), strict=True):
        assert g.shape == w.shape and g.dtype == dtype
        np.testing.assert_allclose(g, w, **TOL[dtype])
    suffix = "float" if dtype == np.float32 else "double"
    assert fake_cupy == [(f"{name}_{suffix}", (1,), (256,), B, H)]      # ceil(15 / 256) = 1 block


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_backward_kernel_reads_the_forward_kernels_gates_without_a_copy(fake_cupy, cell, monkeypatch):
    """The forward returns its (B, G*H) gates array as (B, H) views; the backward hands that same
    array back to its kernel. Blocks from anywhere else are joined into a new one."""
    joins = []
    real = backend._cupy.concatenate
    monkeypatch.setattr(backend._cupy, "concatenate", lambda arrays, axis: joins.append(1) or real(arrays, axis))
    fwd = [a.view(FakeCupyArray) for a in make_inputs(f"{cell}_cell_forward", 3, 5, np.float64)]
    out = getattr(fused, f"{cell}_cell_forward")(*fwd)
    gates = out[2] if cell == "lstm" else out[1]
    assert isinstance(gates, tuple) and all(g.shape == (3, 5) for g in gates)
    bwd = list(make_inputs(f"{cell}_cell_backward", 3, 5, np.float64))
    k = 3 if cell == "lstm" else 2                                       # where gates go in the backward
    bwd = [a.view(FakeCupyArray) for a in bwd[:k]] + [gates] + [a.view(FakeCupyArray) for a in bwd[k + 1:]]
    with_views = joined(each_array(np.asarray, getattr(fused, f"{cell}_cell_backward")(*bwd)))
    assert joins == []                                                   # no copy: the forward's own array
    bwd[k] = tuple(np.array(g).view(FakeCupyArray) for g in gates)      # the same values, separate arrays
    with_copies = joined(each_array(np.asarray, getattr(fused, f"{cell}_cell_backward")(*bwd)))
    assert joins == [1]
    for a, b in zip(with_views, with_copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fused_wrapper_signatures_match_the_cell_files():
    for name in CONTRACT:
        ref = reference(name)
        assert list(inspect.signature(getattr(fused, name)).parameters) == list(inspect.signature(ref).parameters)


def test_fused_rejects_mixed_dtypes_with_a_clear_error(fake_cupy):
    xw = np.zeros((2, 3), np.float32).view(FakeCupyArray)
    with pytest.raises(TypeError, match="must all be float32 or all float64"):
        fused.rnn_cell_forward(xw, xw.astype(np.float64))
    with pytest.raises(ValueError, match=r"hh must have shape \(2, 12\)"):
        fused.lstm_cell_forward(np.zeros((2, 12)).view(FakeCupyArray), np.zeros((2, 8)).view(FakeCupyArray),
                                np.zeros((2, 3)).view(FakeCupyArray))


# -- @fusable ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CONTRACT))
def test_fusable_on_numpy_calls_the_plain_function(name, monkeypatch):
    calls = []
    plain = reference(name)

    def spy(*args):
        calls.append(args)
        return plain(*args)
    spy.__name__ = name
    monkeypatch.setattr(fused, name, lambda *a: pytest.fail("fused kernel called on NumPy input"))
    wrapped = fused.fusable(spy)
    inputs = make_inputs(name, 4, 6, np.float64)
    got, want = joined(wrapped(*inputs)), joined(plain(*inputs))
    assert len(calls) == 1 and all(a is b for a, b in zip(calls[0], inputs))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)                    # bit for bit: the same function ran
    assert wrapped.__name__ == name and wrapped.__wrapped__ is spy


def test_fusable_on_cupy_calls_fused_unless_minirnn_fused_is_0(fake_cupy, monkeypatch):
    plain = reference("lstm_cell_forward")
    wrapped = fused.fusable(plain)
    inputs = [a.view(FakeCupyArray) for a in make_inputs("lstm_cell_forward", 3, 5, np.float32)]
    monkeypatch.delenv("MINIRNN_FUSED", raising=False)
    wrapped(*inputs)
    assert [k[0] for k in fake_cupy] == ["lstm_cell_forward_float"]          # the kernel ran
    for off in ("0", " 0 "):
        monkeypatch.setenv("MINIRNN_FUSED", off)
        wrapped(*inputs)
        assert len(fake_cupy) == 1                                            # plain CuPy this time
    monkeypatch.setenv("MINIRNN_FUSED", "1")
    wrapped(*inputs)
    assert len(fake_cupy) == 2


# -- @fusable's fall-backs, on a stand-in cupy that needs no nvcc --------------------------------
class CompileException(Exception):
    """Plays cupy.cuda.compiler.CompileException."""


def recording_cupy(launches, compiles, fail=False):
    """A stand-in cupy whose kernels only record their launch; fail=True: every compile fails."""
    class Kernel:
        def __init__(self, name):
            self.name = name

        def __call__(self, grid, block, args):
            launches.append(self.name)

    class RawModule:
        def __init__(self, code, options=()):
            compiles.append(options)

        def get_function(self, name):
            if fail:
                raise CompileException("lstm_cell.cu(12): error: identifier \"tanhf\" is undefined\n1 error")
            return Kernel(name)

    class Cupy:
        ndarray = FakeCupyArray
        get_array_module = staticmethod(lambda *arrays: np)
        ascontiguousarray = staticmethod(lambda a: np.ascontiguousarray(a).view(FakeCupyArray))
        empty = staticmethod(lambda shape, dtype: np.zeros(shape, dtype).view(FakeCupyArray))
        concatenate = staticmethod(lambda arrays, axis: np.concatenate([np.asarray(a) for a in arrays],
                                                                      axis=axis).view(FakeCupyArray))
    Cupy.RawModule = RawModule
    return Cupy


@pytest.fixture
def stand_in(monkeypatch):
    """Install recording_cupy(...) as backend's cupy; returns (install, launches, compiles)."""
    launches, compiles = [], []
    monkeypatch.setattr(fused, "_fused_failed", None)
    monkeypatch.delenv("MINIRNN_FUSED", raising=False)

    def install(fail=False):
        monkeypatch.setattr(backend, "_cupy", recording_cupy(launches, compiles, fail))
    fused._module.cache_clear()
    fused._kernel.cache_clear()
    yield install, launches, compiles
    fused._module.cache_clear()
    fused._kernel.cache_clear()


@pytest.mark.parametrize("dtypes, fused_runs", [((np.float32, np.float32), True), ((np.float64, np.float64), True),
                                                ((np.float16, np.float16), False), ((np.float32, np.float64), False),
                                                ((np.float64, np.float32), False)])
def test_fusable_sends_only_float32_or_float64_alone_to_the_kernels(stand_in, dtypes, fused_runs):
    """float16 or mixed dtypes take the plain path on CuPy (as on NumPy) instead of raising in fused._inputs."""
    install, launches, _ = stand_in
    install()
    wrapped = fused.fusable(reference("rnn_cell_forward"))
    xw, hh = (np.full((2, 3), 0.5, dt).view(FakeCupyArray) for dt in dtypes)
    got = wrapped(xw, hh)
    assert launches == (["rnn_cell_forward_" + ("float" if dtypes[0] == np.float32 else "double")]
                        if fused_runs else [])
    if not fused_runs:
        np.testing.assert_allclose(np.asarray(got), np.tanh(1.0), rtol=1e-3)
        assert got.dtype == np.result_type(*dtypes)                 # what NumPy gives


def test_a_failed_compile_warns_once_names_minirnn_fused_and_falls_back(stand_in):
    install, launches, compiles = stand_in
    install(fail=True)
    lstm_fwd = fused.fusable(reference("lstm_cell_forward"))
    rnn_fwd = fused.fusable(reference("rnn_cell_forward"))
    inputs = [a.view(FakeCupyArray) for a in make_inputs("lstm_cell_forward", 3, 5, np.float32)]
    want = joined(reference("lstm_cell_forward")(*[np.asarray(a) for a in inputs]))
    with pytest.warns(RuntimeWarning) as caught:
        got = joined(each_array(np.asarray, lstm_fwd(*inputs)))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "MINIRNN_FUSED=0" in message and "did not compile" in message and "CompileException" in message
    assert "\n" not in message                                    # one line, not NVRTC's whole log
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), w)              # the plain function's result
    assert len(compiles) == 1 and not launches
    with warnings.catch_warnings():
        warnings.simplefilter("error")                               # a second warning would raise
        lstm_fwd(*inputs)
        rnn_fwd(*[np.ones((2, 3), np.float32).view(FakeCupyArray)] * 2)
    assert len(compiles) == 1 and not launches                       # never compiled again


def test_fused_wrappers_launch_nothing_for_an_empty_batch(stand_in):
    install, launches, compiles = stand_in
    install()
    for name, (_, widths) in CONTRACT.items():
        inputs = each_array(lambda a: a.view(FakeCupyArray), make_inputs(name, 0, 5, np.float32))
        got = joined(each_array(np.asarray, getattr(fused, name)(*inputs)))
        assert [g.shape for g in got] == [(0, w * 5) for w in widths]
    assert launches == [] and compiles == []                         # not even compiled


def test_fusable_without_cupy_never_calls_the_kernels(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(fused, "rnn_cell_forward", lambda *a: pytest.fail("fused called without CuPy"))
    wrapped = fused.fusable(reference("rnn_cell_forward"))
    x = np.ones((2, 3)).view(FakeCupyArray)                                 # not NumPy, and CuPy is absent
    np.testing.assert_allclose(wrapped(x, x), np.tanh(2.0))


# -- the .cu headers say what the kernels compute --------------------------------------------------
EQUATIONS = {
    "rnn_cell.cu": ["h = tanh(xw + hh)", "da = dh * (1 - h*h)", "(B, H)"],
    "lstm_cell.cu": ["a = xw + hh", "c = f*c_prev + i*g", "tanh_c = tanh(c)", "h = o*tanh_c",
                     "dc_total = dc + dh*o*(1 - tanh_c^2)", "do = dh*tanh_c", "dc_prev = dc_total*f",
                     "da = [di*i(1-i), df*f(1-f), dg*(1-g^2), do*o(1-o)]", "(B, 4H)"],
    "gru_cell.cu": ["r = sigmoid(xw_r + hh_r)", "z = sigmoid(xw_z + hh_z)", "hn = hh_n + bhn",
                    "n = tanh(xw_n + r*hn)", "h = (1-z)*n + z*h_prev", "dn = dh*(1-z)", "dz = dh*(h_prev - n)",
                    "dan = dn*(1 - n^2)", "dr = dan*hn", "dxw = [dr*r(1-r), dz*z(1-z), dan]",
                    "dh_prev_direct = dh*z", "(B, 3H)"],
}


@pytest.mark.parametrize("filename", FILES)
def test_each_kernel_file_opens_with_its_equations_layout_and_thread_mapping(filename):
    text = fused.kernel_source(filename)
    lines = itertools.takewhile(lambda line: line.startswith("//") or not line.strip(), text.splitlines())
    header = re.sub(r"\s+", " ", " ".join(line[2:] for line in lines))        # the opening comment
    for eq in EQUATIONS[filename] + ["one thread per (b, j)", "if (idx >= B*H) return;", "row-major"]:
        assert eq in header, f"{filename}: the header lacks {eq!r}"
    assert text.count("if (idx >= B * H) return;") == 2          # in the forward and the backward kernel


# -- packaging: the .cu files ship inside the wheel -------------------------------------------------
def test_pyproject_lists_every_subpackage_and_ships_the_kernels():
    import tomllib
    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(root).parts) for p in (root / "minirnn").rglob("__init__.py")}
    missing = on_disk - set(config["packages"])
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert config["package-dir"]["minirnn.kernels"] == "kernels"
    assert "*.cu" in config["package-data"]["minirnn.kernels"]
    assert sorted(p.name for p in (root / "kernels").glob("*.cu")) == FILES
