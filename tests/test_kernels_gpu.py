"""The fused kernels on a GPU (skipped without one): each kernel against its readable NumPy
reference on fresh random inputs, with NaN-poisoned output buffers followed by a NaN guard region
(an unwritten element or a write past the end fails), odd sizes included; and whole masked,
bidirectional layers on CuPy with and without the kernels against NumPy."""
import numpy as np
import pytest

from minirnn import backend, fused
from kernel_cases import CONTRACT, SIZES, TOL, as_tuple, each_array, joined, make_inputs, reference

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
        got = joined(each_array(cupy.asnumpy, getattr(fused, name)(*each_array(cupy.asarray, inputs))))
        cupy.cuda.Device().synchronize()
        want = joined(reference(name)(*inputs))                       # the readable NumPy function
        assert len(got) == len(want) == len(guarded_outputs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, **TOL[dtype], err_msg=f"{name} B={B} H={H}")
        for buf, n in guarded_outputs:
            assert bool(cupy.isnan(buf[n:]).all()), f"{name} B={B} H={H}: a thread wrote past the end"


@pytest.mark.gpu
def test_gpu_fusable_dispatch_and_non_contiguous_input():
    cupy = backend.cupy_module()
    inputs = [cupy.asarray(a) for a in make_inputs("gru_cell_forward", 5, 7, np.float64)]
    xw_strided = cupy.asfortranarray(inputs[0])                        # same values, other strides
    got = joined(each_array(cupy.asnumpy, fused.gru_cell_forward(xw_strided, *inputs[1:])))
    want = joined(reference("gru_cell_forward")(*[cupy.asnumpy(a) for a in inputs]))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, **TOL[np.float64])
    with pytest.raises(TypeError, match="must all be float32 or all float64"):
        fused.gru_cell_forward(inputs[0].astype(np.float32), *inputs[1:])


def _count_launches(monkeypatch):
    """Count fused._launch calls per kernel name from now on (a silent fall-back would launch none)."""
    counts = {}
    real = fused._launch

    def counting(filename, name, *args):
        counts[name] = counts.get(name, 0) + 1
        return real(filename, name, *args)
    monkeypatch.setattr(fused, "_launch", counting)
    return counts


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float16, "mixed"])
def test_gpu_unsupported_dtypes_take_the_plain_cupy_path(dtype, monkeypatch):
    """float16, or a float64 gradient into a float32 layer: what NumPy gives, with no error."""
    import minirnn
    layer_dtype = np.float16 if dtype == np.float16 else np.float32
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 4)).astype(layer_dtype)
    d_out = rng.standard_normal((3, 6, 5)).astype(np.float64 if dtype == "mixed" else layer_dtype)

    def run():
        layer = minirnn.LSTM(4, 5, rng=0).astype(layer_dtype)
        out, _ = layer.forward(backend.to_device(x))
        return [backend.to_numpy(a).astype(np.float64) for a in (out, layer.backward(backend.to_device(d_out)))]

    before = backend.get_backend()
    try:
        backend.set_backend("numpy")
        want = run()
        backend.set_backend("cupy")
        launched = _count_launches(monkeypatch)
        for g, w in zip(run(), want, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-2 if dtype == np.float16 else 1e-4, atol=1e-3)
        if dtype == np.float16:
            assert not launched, launched                            # no float16 kernel exists
    finally:
        backend._xp = before


@pytest.mark.gpu
@pytest.mark.parametrize("name", list(CONTRACT))
def test_gpu_empty_batch_launches_nothing(name, monkeypatch):
    cupy = backend.cupy_module()
    launched = _count_launches(monkeypatch)
    got = joined(each_array(cupy.asnumpy, getattr(fused, name)(*each_array(cupy.asarray, make_inputs(name, 0, 5, np.float32)))))
    cupy.cuda.Device().synchronize()
    assert all(g.shape[0] == 0 for g in got) and launched == {name: 1}      # called, and returned at once


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

    before = backend.get_backend()
    try:
        backend.set_backend("numpy")
        want = run()
        backend.set_backend("cupy")
        for fused_flag in ("1", "0"):
            monkeypatch.setenv("MINIRNN_FUSED", fused_flag)
            launched = _count_launches(monkeypatch)
            for g, w in zip(run(), want, strict=True):
                np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"MINIRNN_FUSED={fused_flag}")
            names = {f"{cell.lower()}_cell_forward", f"{cell.lower()}_cell_backward"}
            if fused_flag == "1":                                    # both kernels ran, every step
                assert set(launched) == names and min(launched.values()) >= 2 * T, launched
            else:
                assert not launched, launched                        # plain CuPy: no kernel at all
    finally:
        backend._xp = before
