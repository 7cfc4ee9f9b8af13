"""minirnn gradcheck, end to end (minirnn exercise and minirnn check: tests/test_exercises.py)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from minirnn import cli
from minirnn.learn import gradcheck_cmd


def minirnn(*args, cwd=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "minirnn.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


# ---------------------------------------------------------------- minirnn gradcheck

def test_gradcheck_command_all_cells_passes():
    r = minirnn("gradcheck", "--cell", "all", "--mask")          # end to end, in its own process
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [line.split() for line in r.stdout.splitlines() if line.split()[:1] in (["rnn"], ["lstm"], ["gru"])]
    # x, h0, Wx, Wh, b | x, h0, c0, Wx, Wh, b | x, h0, Wx, Wh, b, bhn
    assert [row[1] for row in rows] == ["x", "h0", "Wx_l0", "Wh_l0", "b_l0", "x", "h0", "c0", "Wx_l0", "Wh_l0",
                                        "b_l0", "x", "h0", "Wx_l0", "Wh_l0", "b_l0", "bhn_l0"]
    assert all(row[-1] == "ok" and float(row[-2]) < 1e-6 for row in rows)
    assert r.stdout.strip().endswith("17 checked, 0 failed") and "tolerance 1e-06" in r.stdout


def test_gradcheck_command_stacked_bidirectional_masked_against_torch(capsys):
    pytest.importorskip("torch")
    assert cli.main(["gradcheck", "--cell", "gru", "--layers", "2", "--bidirectional", "--mask", "--torch"]) == 0
    out = capsys.readouterr().out
    assert "bhn_l1_reverse" in out and "torch dweight_hh_l1_reverse" in out
    assert "torch dh0" in out and "FAIL" not in out and out.strip().endswith("38 checked, 0 failed")


def test_gradcheck_command_fails_on_a_wrong_gradient(monkeypatch, capsys):
    from minirnn import recurrent
    real = recurrent.lstm_backward

    def broken(*args):
        dx, dh0, dc0, grads = real(*args)
        grads["Wh"] = grads["Wh"] * 1.01                       # 1% off
        return dx, dh0, dc0, grads

    monkeypatch.setattr(recurrent, "lstm_backward", broken)
    assert cli.main(["gradcheck", "--cell", "lstm"]) == 1
    out = capsys.readouterr().out
    wh = next(line for line in out.splitlines() if " Wh_l0 " in line)
    assert wh.endswith("FAIL") and "6 checked, 1 failed" in out


def test_gradcheck_torch_missing_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)            # import torch -> ImportError
    assert cli.main(["gradcheck", "--cell", "rnn", "--torch"]) == 2
    err = capsys.readouterr().err
    assert "needs PyTorch" in err and "pip install torch" in err
