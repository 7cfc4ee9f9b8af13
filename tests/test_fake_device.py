"""The fake device (fake_device.py) that lets CI without a GPU catch host/device mixing, and the run
of the layer tests on it: the check that would otherwise wait for the next GPU."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fake_device import FAKE, DeviceArray

ROOT = Path(__file__).resolve().parent.parent


def test_the_fake_device_refuses_to_mix_host_and_device_arrays():
    d = FAKE.asarray(np.ones((2, 3)))                        # explicit copy: fine
    assert isinstance(d + 1, DeviceArray) and isinstance(FAKE.tanh(d), DeviceArray)
    assert isinstance(FAKE.zeros((2, 3)) @ FAKE.ones((3, 1)), DeviceArray)
    for mix in (lambda: d + np.ones((2, 3)), lambda: d @ np.ones((3, 1)), lambda: FAKE.exp(np.ones(2)),
                lambda: FAKE.concatenate([d, np.ones((2, 3))]), lambda: np.where(np.ones((2, 3)) > 0, d, d)):
        with pytest.raises(TypeError, match="host and device arrays never mix implicitly"):
            mix()
    np.testing.assert_array_equal(FAKE.asnumpy(d), np.ones((2, 3)))
    assert type(FAKE.asnumpy(d)) is np.ndarray and FAKE.get_array_module(d) is FAKE


def test_gpu_check_script_skips_at_once_without_a_gpu(tmp_path):
    (tmp_path / "nvidia-smi").write_text("#!/bin/sh\nexit 9\n")   # a driver tool that finds no GPU
    (tmp_path / "nvidia-smi").chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}", OUT=str(tmp_path / "out"))
    p = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh")], capture_output=True, text=True,
                       env=env, timeout=10)
    assert p.returncode == 0 and p.stdout.strip() == "no GPU: skipped", p.stdout + p.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.environ.get("MINIRNN_FAKE_DEVICE", "") not in ("", "0"), reason="already on it")
def test_layer_tests_pass_on_the_fake_device():
    """The layer, gradient-check and recurrent tests again, every array on the fake device."""
    files = ["test_layers.py", "test_gradcheck.py", "test_recurrent_errors.py", "test_recurrent_gradcheck.py"]
    env = dict(os.environ, MINIRNN_FAKE_DEVICE="1")
    env.pop("MINIRNN_BACKEND", None)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        *[str(ROOT / "tests" / f) for f in files]], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]


@pytest.fixture
def on_the_fake_device(monkeypatch):
    """The fake device for one test (as MINIRNN_FAKE_DEVICE=1 does for a whole run), undone after it."""
    import fake_device
    from minirnn import backend
    monkeypatch.setattr(backend, "_cupy", FAKE)
    monkeypatch.setattr(backend, "_xp", FAKE)
    monkeypatch.setenv("MINIRNN_FUSED", "0")
    return fake_device.HOST_READS


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_a_training_step_waits_for_the_device_at_most_twice(on_the_fake_device, cell):
    """On a GPU, each value read back to the host waits for the device to finish. A step of fit reads
    the loss (its input checks come back in the same transfer) and Embedding's id check; the gradient
    norm and the accuracy stay on the device, read every 20 steps and once per epoch."""
    from minirnn import Dense, Dropout, Embedding, Sequential
    from minirnn.recurrent import CELLS
    rng = np.random.default_rng(0)
    steps, B, T, V = 40, 4, 6, 30
    x, y = rng.integers(0, V, size=(steps * B, T)), (rng.random(steps * B) < 0.5).astype(np.float32)
    model = Sequential(Embedding(V, 8, rng=0), CELLS[cell](8, 8, rng=1), Dropout(0.2),
                       Dense(8, 1, "sigmoid", rng=2)).astype(np.float32).compile("adam", lr=1e-2, clip_norm=1.0)
    assert all(isinstance(p, DeviceArray) for p in model.params.values())
    reads_before = on_the_fake_device[0]
    history = model.fit(x, y, epochs=1, batch_size=B, verbose=False)
    reads = on_the_fake_device[0] - reads_before
    assert len(history["grad_norm"][0]) == steps and all(isinstance(v, float) for v in history["grad_norm"][0])
    assert 0 <= history["accuracy"][0] <= 1
    assert reads <= 2 * steps + 2, f"{reads} host reads in {steps} steps"   # + the epoch's norms and accuracy
