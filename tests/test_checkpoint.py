"""Checkpoints are atomic, pickle-free, refuse damaged files, and resume exactly."""
import json
import os
import zipfile

import numpy as np
import pytest

import minirnn
from minirnn import checkpoint
from test_model import sentiment_model

rng = np.random.default_rng(0)
X = rng.integers(1, 20, size=(64, 7))
Y = (X[:, 0] > 10).astype(np.float32)


def trained(epochs, initial_epoch=0, model=None):
    model = model or sentiment_model("lstm", dtype=np.float32).compile("adam", lr=1e-2)
    model.fit(X, Y, epochs=epochs, batch_size=16, initial_epoch=initial_epoch, seed=3, verbose=False)
    return model


def test_round_trip_gives_identical_predictions(tmp_path):
    model = trained(1)
    path = checkpoint.save(tmp_path / "ck.npz", checkpoint.model_arrays(model, model.optimizer),
                           {"config": {"cell": "lstm"}, "epoch": 1})
    arrays, meta = checkpoint.load(path)
    assert meta["config"] == {"cell": "lstm"} and meta["epoch"] == 1
    fresh = sentiment_model("lstm", dtype=np.float32)
    checkpoint.restore(fresh, arrays)
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))


def test_resume_after_one_epoch_equals_an_uninterrupted_run(tmp_path):
    straight = trained(2)
    first = trained(1)
    path = checkpoint.save(tmp_path / "ck.npz", checkpoint.model_arrays(first, first.optimizer), {"epoch": 1})
    arrays, meta = checkpoint.load(path)
    resumed = sentiment_model("lstm", dtype=np.float32).compile("adam", lr=1e-2)
    checkpoint.restore(resumed, arrays, resumed.optimizer)
    trained(2, initial_epoch=meta["epoch"], model=resumed)
    for k, v in straight.params.items():
        np.testing.assert_array_equal(minirnn.to_numpy(resumed.params[k]), minirnn.to_numpy(v), err_msg=k)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    checkpoint.save(path, {"a": np.ones(3)}, {"epoch": 1})
    def crash(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, {"a": np.zeros(3)}, {"epoch": 2})
    arrays, meta = checkpoint.load(path)                       # the old checkpoint is intact
    assert meta["epoch"] == 1 and arrays["a"].tolist() == [1, 1, 1]
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_truncated_file_is_refused(tmp_path):
    path = checkpoint.save(tmp_path / "ck.npz", {"a": np.arange(1000.0)}, {})
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="damaged or not a checkpoint"):
        checkpoint.load(path)


def test_edited_file_fails_its_checksum(tmp_path):
    path = checkpoint.save(tmp_path / "ck.npz", {"a": np.arange(5.0)}, {"epoch": 1})
    with np.load(path) as z:
        meta = str(z["__meta__"])
    np.savez(path, __meta__=np.array(meta), a=np.arange(5.0) + 1)     # same metadata, edited weights
    with pytest.raises(ValueError, match="fails its checksum"):
        checkpoint.load(path)


def test_pickled_content_is_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __meta__=np.array(json.dumps({"format": checkpoint.FORMAT})), a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled data"):
        checkpoint.load(path)
    with pytest.raises(TypeError, match="object array"):
        checkpoint.save(tmp_path / "x.npz", {"a": np.array([None], dtype=object)}, {})


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.ones(2))
    with pytest.raises(ValueError, match="no metadata"):
        checkpoint.load(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        checkpoint.load(tmp_path / "missing.npz")
    with zipfile.ZipFile(tmp_path / "junk.npz", "w") as z:
        z.writestr("junk.txt", "hello")
    with pytest.raises(ValueError):
        checkpoint.load(tmp_path / "junk.npz")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_checkpoints_get_the_usual_permissions(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = checkpoint.save(tmp_path / "ck.npz", {"a": np.zeros(2)}, {"epoch": 1})
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == mode


def test_a_file_that_is_not_an_npz_is_damaged_not_pickled(tmp_path):
    for content in (b"plain text", b"\x80\x04pickle-ish", b""):
        (tmp_path / "x.npz").write_bytes(content)
        with pytest.raises(ValueError, match="damaged or not a checkpoint") as e:
            checkpoint.load(tmp_path / "x.npz")
        assert "pickle" not in str(e.value)
