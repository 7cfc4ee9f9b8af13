"""The fused CUDA kernels (kernels/*.cu, launched by minirnn/fused.py) and the @fusable switch.

Without a GPU (CPU tests, need only nvcc, skipped without it):
  - every .cu compiles to PTX with nvcc and defines the kernels fused.py asks for, float and double;
  - it also compiles with NVRTC, the compiler CuPy uses at run time (where libnvrtc is found);
  - each file's header gives the cell's equations;
  - the per-element math runs on the CPU (nvcc builds a host library from the same .cu code) and
    matches the readable reference in rnn.py / lstm.py / gru.py, float32 and float64;
  - fused.py's wrappers run end to end against a stand-in "cupy" whose kernels are those host
    loops: argument order, output shapes and launch size are checked without a GPU;
  - @fusable calls the plain function on NumPy, fused.<name> on CuPy, and obeys MINIRNN_FUSED=0.
With a GPU (@pytest.mark.gpu): each kernel against the reference on fresh random inputs, with
NaN-poisoned output buffers followed by a NaN guard region (an unwritten element or a write past
the end fails), odd sizes included, and whole layers with and without the kernels.
"""
import ctypes
import ctypes.util
import importlib
import itertools
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minirnn import backend, fused

# name -> (kernel file, output widths in units of H): (B, G*H) each
CONTRACT = {
    "rnn_cell_forward": ("rnn_cell.cu", (1,)),                  # h
    "rnn_cell_backward": ("rnn_cell.cu", (1,)),                 # da
    "lstm_cell_forward": ("lstm_cell.cu", (1, 1, 4, 1)),        # h, c, gates, tanh_c
    "lstm_cell_backward": ("lstm_cell.cu", (4, 1)),             # da, dc_prev
    "gru_cell_forward": ("gru_cell.cu", (1, 3, 1)),             # h, gates, hn
    "gru_cell_backward": ("gru_cell.cu", (3, 3, 1)),            # dxw, dhh, dh_prev_direct
}
FILES = sorted({f for f, _ in CONTRACT.values()})
SIZES = [(3, 5), (1, 1), (4, 64), (7, 300)]                     # (B, H); B*H = 15 hits the bounds check
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}
nvcc = shutil.which("nvcc")
needs_nvcc = pytest.mark.skipif(nvcc is None, reason="nvcc is not on PATH")


# -- the reference: the cell files' own functions (the contract written out until they exist) -----
def _sig(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def _lstm_forward(xw, hh, c_prev):
    H = c_prev.shape[1]
    a = xw + hh
    gates = np.concatenate([_sig(a[:, :2 * H]), np.tanh(a[:, 2 * H:3 * H]), _sig(a[:, 3 * H:])], axis=1)
    i, f, g, o = np.split(gates, 4, axis=1)
    c = f * c_prev + i * g
    return o * np.tanh(c), c, gates, np.tanh(c)


def _lstm_backward(dh, dc, c_prev, gates, tanh_c):
    i, f, g, o = np.split(gates, 4, axis=1)
    dc_total = dc + dh * o * (1 - tanh_c ** 2)
    do = dh * tanh_c
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dc_total * i * (1 - g * g), do * o * (1 - o)], axis=1)
    return da, dc_total * f


def _gru_forward(xw, hh, bhn, h_prev):
    H = h_prev.shape[1]
    r, z = _sig(xw[:, :H] + hh[:, :H]), _sig(xw[:, H:2 * H] + hh[:, H:2 * H])
    hn = hh[:, 2 * H:] + bhn
    n = np.tanh(xw[:, 2 * H:] + r * hn)
    return (1 - z) * n + z * h_prev, np.concatenate([r, z, n], axis=1), hn


def _gru_backward(dh, h_prev, gates, hn):
    r, z, n = np.split(gates, 3, axis=1)
    dn, dz = dh * (1 - z), dh * (h_prev - n)
    dan = dn * (1 - n * n)
    dr = dan * hn
    dxw = np.concatenate([dr * r * (1 - r), dz * z * (1 - z), dan], axis=1)
    dhh = np.concatenate([dr * r * (1 - r), dz * z * (1 - z), dan * r], axis=1)
    return dxw, dhh, dh * z


WRITTEN_OUT = {"rnn_cell_forward": lambda xw, hh: np.tanh(xw + hh),
               "rnn_cell_backward": lambda dh, h: dh * (1 - h * h),
               "lstm_cell_forward": _lstm_forward, "lstm_cell_backward": _lstm_backward,
               "gru_cell_forward": _gru_forward, "gru_cell_backward": _gru_backward}


def reference(name):
    """The plain (unfused) function from minirnn/rnn.py, lstm.py or gru.py, else the contract above."""
    module = importlib.import_module("minirnn." + name.split("_")[0])
    fn = getattr(module, name, None) or WRITTEN_OUT[name]
    return getattr(fn, "__wrapped__", fn)


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


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


# -- nvcc: PTX, and a host library of the per-element math ------------------------------------------
def kernel_names(filename):
    return [f"{name}_{t}" for name, (f, _) in CONTRACT.items() if f == filename for t in ("float", "double")]


@needs_nvcc
@pytest.mark.parametrize("filename", FILES)
def test_nvcc_compiles_each_kernel_file_to_ptx(filename, tmp_path):
    ptx = tmp_path / "out.ptx"
    p = subprocess.run([nvcc, "-arch=sm_90", "--ptx", "-o", str(ptx), str(fused.kernel_dir() / filename)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    entries = re.findall(r"\.entry\s+(\w+)\(", ptx.read_text())
    assert sorted(entries) == sorted(kernel_names(filename))


def find_nvrtc():
    """libnvrtc from the CUDA toolkit or from the nvidia-cuda-nvrtc wheel CuPy uses; None if absent."""
    found = ctypes.util.find_library("nvrtc")
    if found:
        return found
    roots = [Path(nvcc).resolve().parent.parent / "lib64"] if nvcc else []
    roots += [Path(p) / "nvidia" / "cuda_nvrtc" / "lib" for p in sys.path if p]
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
    opts = [o.encode() for o in fused.NVRTC_OPTIONS] + [b"-arch=compute_90"]   # fused.py's, for an H100
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


@pytest.fixture(scope="module")
def host_libs(tmp_path_factory):
    """filename -> ctypes library with host_<kernel name> for every kernel in that file."""
    if nvcc is None:
        pytest.skip("nvcc is not on PATH")
    folder, libs = tmp_path_factory.mktemp("host"), {}
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONTRACT))
def test_kernel_math_on_the_host_matches_the_reference(host_libs, name, dtype):
    filename, widths = CONTRACT[name]
    for B, H in SIZES:
        inputs = make_inputs(name, B, H, dtype, seed=B * 1000 + H)
        outputs = [np.full((B, w * H), np.nan, dtype) for w in widths]       # poisoned
        suffix = "float" if dtype == np.float32 else "double"
        host_call(host_libs[filename], f"{name}_{suffix}", (np.int32(B), np.int32(H), *inputs, *outputs))
        for got, want in zip(outputs, as_tuple(reference(name)(*inputs)), strict=True):
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
            return np.full(shape, np.nan, dtype).view(FakeCupyArray)      # poisoned

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
    inputs = make_inputs(name, B, H, dtype)
    inputs = [a.view(FakeCupyArray) for a in inputs]
    inputs[0] = np.asfortranarray(inputs[0]).view(FakeCupyArray)     # not C-contiguous: fused copies it
    got = as_tuple(getattr(fused, name)(*inputs))
    want = as_tuple(reference(name)(*[np.asarray(a) for a in inputs]))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, FakeCupyArray) and g.shape == w.shape and g.dtype == dtype
        np.testing.assert_allclose(g, w, **TOL[dtype])
    suffix = "float" if dtype == np.float32 else "double"
    assert fake_cupy == [(f"{name}_{suffix}", (1,), (256,), B, H)]      # ceil(15 / 256) = 1 block


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
    wrapped = backend.fusable(spy)
    inputs = make_inputs(name, 4, 6, np.float64)
    got, want = as_tuple(wrapped(*inputs)), as_tuple(plain(*inputs))
    assert len(calls) == 1 and all(a is b for a, b in zip(calls[0], inputs))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)                    # bit for bit: the same function ran
    assert wrapped.__name__ == name and wrapped.__wrapped__ is spy


def test_fusable_on_cupy_calls_fused_unless_minirnn_fused_is_0(fake_cupy, monkeypatch):
    plain = reference("lstm_cell_forward")
    wrapped = backend.fusable(plain)
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


def test_fusable_without_cupy_never_imports_the_kernels(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(fused, "rnn_cell_forward", lambda *a: pytest.fail("fused called without CuPy"))
    wrapped = backend.fusable(reference("rnn_cell_forward"))
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


# -- on a GPU ---------------------------------------------------------------------------------------
GUARD = 4096            # elements after each output; a kernel without its bounds check writes here


@pytest.fixture
def guarded_outputs(monkeypatch):
    """Make fused.py's outputs NaN-filled views at the start of NaN buffers with a GUARD tail."""
    cupy = backend.cupy_module()
    buffers = []

    def empty(shape, dtype):
        n = int(np.prod(shape))
        buf = cupy.full(n + GUARD, cupy.nan, dtype=dtype)
        buffers.append((buf, n))
        return buf[:n].reshape(shape)
    monkeypatch.setattr(fused, "_empty", empty)
    return buffers


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONTRACT))
def test_gpu_kernel_matches_the_reference(guarded_outputs, name, dtype):
    cupy = backend.cupy_module()
    for B, H in SIZES + [(256, 1024)]:
        guarded_outputs.clear()
        inputs = make_inputs(name, B, H, dtype, seed=B + H)           # fresh random inputs per size
        got = as_tuple(getattr(fused, name)(*[cupy.asarray(a) for a in inputs]))
        cupy.cuda.Device().synchronize()
        want = as_tuple(reference(name)(*inputs))                     # the readable NumPy function
        assert len(got) == len(want) == len(guarded_outputs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(cupy.asnumpy(g), w, **TOL[dtype], err_msg=f"{name} B={B} H={H}")
        for buf, n in guarded_outputs:
            assert bool(cupy.isnan(buf[n:]).all()), f"{name} B={B} H={H}: a thread wrote past the end"


@pytest.mark.gpu
def test_gpu_fusable_dispatch_and_non_contiguous_input():
    cupy = backend.cupy_module()
    inputs = [cupy.asarray(a) for a in make_inputs("gru_cell_forward", 5, 7, np.float64)]
    xw_strided = cupy.asfortranarray(inputs[0])                        # same values, other strides
    got = fused.gru_cell_forward(xw_strided, *inputs[1:])
    want = reference("gru_cell_forward")(*[cupy.asnumpy(a) for a in inputs])
    for g, w in zip(got, want):
        np.testing.assert_allclose(cupy.asnumpy(g), w, **TOL[np.float64])
    with pytest.raises(TypeError, match="must all be float32 or all float64"):
        fused.gru_cell_forward(inputs[0].astype(np.float32), *inputs[1:])


@pytest.mark.gpu
@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_gpu_layers_with_and_without_kernels_match_numpy(cell, monkeypatch):
    """A masked, bidirectional layer on CuPy, fused and plain, against the same layer on NumPy."""
    import minirnn
    B, T, E, H = 3, 6, 4, 5
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, E))
    mask = np.ones((B, T))
    mask[0, 4:] = 0                                                  # one short sequence
    d_out = rng.standard_normal((B, T, 2 * H))

    def run():
        layer = getattr(minirnn, cell)(E, H, bidirectional=True, rng=0, dtype=np.float64)
        xp = backend.get_backend()
        out, _ = layer.forward(xp.asarray(x), mask=xp.asarray(mask))
        dx = layer.backward(xp.asarray(d_out))
        return [backend.to_numpy(a) for a in (out, dx, *layer.grads.values())]

    backend.set_backend("numpy")
    want = run()
    try:
        backend.set_backend("cupy")
        for fused_flag in ("1", "0"):
            monkeypatch.setenv("MINIRNN_FUSED", fused_flag)
            for g, w in zip(run(), want, strict=True):
                np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"MINIRNN_FUSED={fused_flag}")
    finally:
        backend.set_backend("numpy")


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
