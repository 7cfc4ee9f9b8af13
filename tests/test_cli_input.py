"""Issue 11, section 2: whatever the user types, `minirnn` ends in one line that names the problem
and a non-zero exit code, reads no data before checking its arguments, loses no finished work on
Ctrl-C, and leaves no empty --out folder behind. In-process (main([...])), so each case is quick."""
import argparse
import io
import os

import numpy as np
import pytest

import minirnn
from minirnn import cli
from minirnn.apps import sentiment, sentiment_train
from minirnn.cli import common
from minirnn.datasets import imdb

TINY = ["--limit", "64", "--epochs", "2", "--maxlen", "30", "--hidden", "8", "--embed", "8",
        "--num-words", "300", "--quiet"]


@pytest.fixture
def no_data(monkeypatch):
    """Reading any data is a test failure: argument errors must come first."""
    def fail(*args, **kwargs):
        raise AssertionError("data was read before the arguments were checked")
    monkeypatch.setattr(imdb, "load", fail)


def run(argv, capsys):
    """main(argv) -> (exit code, stdout, stderr); argparse's exit becomes its code."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *words, expect=2):
    assert code == expect, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("argv, names", [
    (["--epochs", "0"], "--epochs"), (["--epochs", "-1"], "--epochs"),
    (["--batch-size", "0"], "--batch-size"), (["--maxlen", "0"], "--maxlen"),
    (["--num-words", "2"], "--num-words"), (["--limit", "0"], "--limit"), (["--limit", "-5"], "--limit"),
    (["--lr", "nan"], "--lr"), (["--lr", "inf"], "--lr"), (["--lr", "0"], "--lr"),
    (["--dropout", "1"], "--dropout"), (["--threads", "0"], "--threads"), (["--seed", "x"], "--seed"),
])
@pytest.mark.parametrize("command", ["train", "compare"])
def test_bad_numbers_are_refused_before_any_data_is_read(command, argv, names, tmp_path, capsys, no_data):
    out = tmp_path / "out"
    code, _, err = run([command, "--out", out, *argv], capsys)
    one_line_error(code, err, names, repr(argv[1]))
    assert not out.exists()


def test_charlm_minutes_must_be_finite(tmp_path, capsys):
    for bad in ("nan", "inf", "0"):
        code, _, err = run(["charlm", "train", "--data", tmp_path / "t.txt", "--minutes", bad], capsys)
        one_line_error(code, err, "--minutes")


@pytest.mark.parametrize("make_out", ["file", "under_a_file"])
def test_out_that_cannot_be_written_is_refused_before_training(make_out, tmp_path, capsys, no_data):
    (tmp_path / "f").write_text("not a folder")
    out = tmp_path / "f" if make_out == "file" else tmp_path / "f" / "run"
    code, _, err = run(["train", "--out", out, *TINY], capsys)
    one_line_error(code, err, "--out", str(out))


def test_oserror_anywhere_is_one_line_and_leaves_no_empty_out(tmp_path, capsys, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(sentiment_train, "train", disk_full)
    out = tmp_path / "a" / "b"
    code, _, err = run(["train", "--out", out, *TINY], capsys)
    one_line_error(code, err, "No space left", expect=1)
    assert not (tmp_path / "a").exists()                     # both folders it made are gone


@pytest.mark.parametrize("command", ["train", "compare", "demo"])
def test_ctrl_c_while_reading_data_exits_130_without_traceback(command, tmp_path, capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(imdb, "load", interrupt)
    out = tmp_path / "out"
    code, _, err = run([command, "--out", out, "--limit", "64", "--epochs", "1", "--quiet"], capsys)
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert not out.exists()


def test_ctrl_c_in_training_keeps_finished_epochs_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    calls = {"n": 0}
    real_step = minirnn.model.train_step

    def interrupt_in_epoch_2(model, x, y):
        calls["n"] += 1
        if calls["n"] == 3:                                   # 58 training reviews, batches of 32: epoch 2
            raise KeyboardInterrupt
        return real_step(model, x, y)

    monkeypatch.setattr(minirnn.model, "train_step", interrupt_in_epoch_2)
    code, out, err = run(["train", "--model", "rnn", "--out", tmp_path, "--batch-size", "32", *TINY], capsys)
    assert code == 130 and "Traceback" not in err
    ckpt = tmp_path / "checkpoint.npz"
    assert f"minirnn train --resume {ckpt}" in out and "test accuracy" not in out
    _, _, _, _, epoch, history = sentiment.load(ckpt)
    assert epoch == 1 and len(history["loss"]) == 1

    monkeypatch.setattr(minirnn.model, "train_step", real_step)      # the printed command finishes the run
    code, out, err = run(["train", "--resume", ckpt, "--out", tmp_path, "--epochs", "2", "--quiet"], capsys)
    assert code == 0 and "resuming" in out and out.strip().splitlines()[-1].startswith("test accuracy: ")
    assert sentiment.load(ckpt)[4] == 2


def test_quiet_hides_progress_bars_only(tmp_path, capsys):
    code, out, err = run(["train", "--model", "gru", "--out", tmp_path, *TINY], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert "epoch 2/2: loss" in out and "kept epoch" in out and f"checkpoint: {tmp_path}" in out
    assert lines[-1].startswith("test accuracy: 0.") and len(lines[-1]) == len("test accuracy: 0.xxxx")
    assert "batch/s" not in err and "it/s" not in err                  # no tqdm bar


def test_predict_empty_unknown_and_stdin(tmp_path, capsys, monkeypatch):
    code, _, err = run(["train", "--model", "rnn", "--out", tmp_path, *TINY], capsys)
    assert code == 0, err
    ckpt = tmp_path / "checkpoint.npz"

    code, _, err = run(["predict", "--checkpoint", ckpt, "good", "  "], capsys)
    one_line_error(code, err, "review 2", "empty")

    code, out, err = run(["predict", "--checkpoint", ckpt, "这部电影很好看", "😀😀", "the film"], capsys)
    assert code == 0 and len(out.strip().splitlines()) == 3
    warnings = err.strip().splitlines()
    assert len(warnings) == 2 and "review 1" in warnings[0] and "review 2" in warnings[1]
    assert all("no word the model knows" in w for w in warnings)

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.setattr("sys.stdin", Terminal("the film\n"))
    code, out, err = run(["predict", "--checkpoint", ckpt], capsys)
    assert code == 0 and "reading reviews from stdin" in err and len(out.strip().splitlines()) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n"))
    code, _, err = run(["predict", "--checkpoint", ckpt], capsys)
    one_line_error(code, err, "no reviews")


def test_a_file_named_npz_that_is_not_one(tmp_path, capsys):
    for content in (b"hello", b"\x93NUMPY garbage", b""):
        fake = tmp_path / "fake.npz"
        fake.write_bytes(content)
        code, _, err = run(["predict", "--checkpoint", fake, "good"], capsys)
        one_line_error(code, err, "damaged or not a checkpoint")
        assert "pickle" not in err
    code, _, err = run(["predict", "--checkpoint", tmp_path, "good"], capsys)
    one_line_error(code, err, "is a folder")


def test_help_gives_every_option_a_line_and_its_default():
    parser = cli.build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in ("train", "compare", "predict", "demo", "download"):
        p = subs[name]
        text = p.format_help()
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, (name, action.dest)
            if action.default is not None and action.default is not False:     # 0 and 0.0 are shown too
                assert "(default:" in p._get_formatter()._format_action(action), (name, action.dest)
        assert "--threads" in text if name != "download" else True


def test_device_cpu_beats_minirnn_backend(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(common, "set_backend", calls.append)
    (tmp_path / "fake.npz").write_bytes(b"x")
    run(["predict", "--device", "cpu", "--checkpoint", tmp_path / "fake.npz", "good"], capsys)
    assert calls == ["numpy"]


def test_threads_limits_blas(capsys):
    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(limits=None):                     # put the pools back afterwards
        assert common.use_threads(1) == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())


def test_download_then_data_imdb(tmp_path, capsys, monkeypatch):
    from test_imdb import make_tarball
    src = make_tarball(tmp_path / "aclImdb_v1.tar.gz")
    cache = tmp_path / "cache"
    monkeypatch.setenv("MINIRNN_CACHE", str(cache))
    code, _, err = run(["train", "--data", "imdb", "--out", tmp_path / "run", *TINY], capsys)
    one_line_error(code, err, "minirnn download imdb")
    assert not (tmp_path / "run").exists()

    code, _, err = run(["download", "imdb", "--url", src.as_uri(), "--quiet"], capsys)
    one_line_error(code, err, "bytes, expected")                      # the official size is checked
    assert not cache.exists()
    import hashlib
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    code, out, err = run(["download", "imdb", "--url", src.as_uri(), "--sha256", digest,
                          "--size", src.stat().st_size, "--quiet"], capsys)
    assert code == 0 and str(cache / "aclImdb_v1.tar.gz") in out, err
    assert imdb.load("imdb", progress=False)[0][0] == imdb.load(src, progress=False)[0][0]
