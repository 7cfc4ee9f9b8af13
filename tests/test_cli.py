"""The `minirnn` command, end to end in subprocesses, on the shipped sample with a tiny budget."""
import csv
import os
import subprocess
import sys

import matplotlib.image as mpimg
import pytest

TINY = ["--limit", "64", "--epochs", "1", "--maxlen", "30", "--hidden", "8", "--embed", "8",
        "--num-words", "300", "--quiet"]


def minirnn(*args, stdin=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "minirnn.cli", *map(str, args)], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


def test_train_then_predict_from_arguments_and_stdin(tmp_path):
    r = minirnn("train", "--model", "gru", "--out", tmp_path, *TINY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].startswith("test accuracy: 0.")      # the closing line, even with --quiet
    ckpt = tmp_path / "checkpoint.npz"
    assert ckpt.exists() and mpimg.imread(tmp_path / "training.png").shape[:2] == (480, 1200)

    r = minirnn("predict", "--checkpoint", ckpt, "A great film.", "Awful.")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2 and "A great film." in lines[0]
    for line in lines:
        p, label = line.split()[:2]
        assert 0 <= float(p) <= 1 and label == ("positive" if float(p) >= 0.5 else "negative")

    r2 = minirnn("predict", "--checkpoint", ckpt, stdin="A great film.\n\nAwful.\n")
    assert r2.returncode == 0 and r2.stdout == r.stdout          # the same answers from stdin

    r = minirnn("train", "--model", "gru", "--out", tmp_path, "--resume", ckpt, *TINY[:2], "--epochs", "2", "--quiet")
    assert r.returncode == 0, r.stderr


def test_compare_writes_its_table_and_figure(tmp_path):
    r = minirnn("compare", "--models", "rnn,lstm", "--out", tmp_path, *TINY)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "comparison.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["model"] for row in rows] == ["SimpleRNN", "LSTM"]
    assert [float(row["lr"]) for row in rows] == [5e-4, 5e-4]            # the measured rate per model
    for row in rows:
        assert 0 <= float(row["test_accuracy"]) <= 1 and float(row["seconds_per_epoch"]) > 0
    assert int(rows[1]["parameters"]) > int(rows[0]["parameters"])     # the LSTM has 4x the recurrent weights
    md = (tmp_path / "comparison.md").read_text()
    assert "| SimpleRNN |" in md and md.startswith("`minirnn compare --models rnn,lstm")
    assert mpimg.imread(tmp_path / "comparison.png").shape[:2] == (480, 1200)


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    r = minirnn("demo", "--limit", "64", "--epochs", "1", "--out", tmp_path, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "on new reviews" in r.stdout and (tmp_path / "comparison.png").exists()
    assert (tmp_path / "rnn" / "checkpoint.npz").exists() and (tmp_path / "lstm" / "checkpoint.npz").exists()


def test_bad_input_gets_one_clear_line(tmp_path):
    r = minirnn("predict", "--checkpoint", tmp_path / "missing.npz", "hello")
    assert r.returncode == 2 and "missing.npz" in r.stderr and "Traceback" not in r.stderr
    r = minirnn("train", "--data", tmp_path / "nowhere.csv", "--out", tmp_path, *TINY)
    assert r.returncode == 2 and "nowhere.csv" in r.stderr and "Traceback" not in r.stderr
    r = minirnn("compare", "--models", "rnn,transformer", "--out", tmp_path)
    assert r.returncode != 0 and "transformer" in r.stderr
