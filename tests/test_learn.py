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


def table(out, cells=("rnn", "lstm", "gru")):
    """(header line, row lines, rows as (cell, quantity, shape, error, verdict)) of a gradcheck table."""
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("cell "))
    rows = [line for line in lines if line.split()[:1] in [[c] for c in cells]]
    k = header.index("shape")
    parsed = [(row[:6].strip(), row[6:k].strip(), row[k:row.index(")", k) + 1], float(row.split()[-2]),
               row.split()[-1]) for row in rows]
    return header, rows, parsed


def assert_columns_apart(out):
    """The shape column starts at the same offset on every row, under its header, two spaces after
    the longest name; the errors end at one column."""
    header, rows, parsed = table(out)
    offsets = {row.index("(") for row in rows}
    assert offsets == {header.index("shape")}, sorted(offsets)
    k = offsets.pop()
    assert all(row[k - 2:k] == "  " for row in rows)
    assert k - 6 - 2 == max(len("quantity"), *(len(name) for _, name, *_ in parsed))   # as wide as needed
    assert len({row.rindex(row.split()[-2]) + len(row.split()[-2]) for row in rows}) == 1


def test_gradcheck_command_stacked_bidirectional_masked_against_torch(capsys):
    pytest.importorskip("torch")
    assert cli.main(["gradcheck", "--cell", "gru", "--layers", "2", "--bidirectional", "--mask", "--torch"]) == 0
    out = capsys.readouterr().out
    assert "bhn_l1_reverse" in out and "torch dweight_hh_l1_reverse" in out
    assert "torch dh0" in out and "FAIL" not in out and out.strip().endswith("38 checked, 0 failed")
    assert_columns_apart(out)                            # "torch dweight_ih_l0_reverse" runs into nothing


@pytest.mark.parametrize("plain", [False, True], ids=["engine", "plain"])
def test_gradcheck_header_names_the_loss_and_eps(plain, capsys):
    assert cli.main(["gradcheck", "--cell", "rnn"] + ["--plain"] * plain) == 0
    out = capsys.readouterr().out
    header = out.split("\ncell ")[0]
    loss = "L = sum(R * hs)" if plain else "L = sum(R * out) + sum(R_h * h_n) (+ sum(R_c * c_n), LSTM)"
    assert f"loss: {loss}" in header
    assert f"(L(w + eps) - L(w - eps)) / (2 eps)" in header and f"eps = {gradcheck_cmd.EPS:.0e}" in header
    assert gradcheck_cmd.EPS == 1e-6 and "eps = 1e-06" in header
    assert all(len(line) <= 100 for line in header.splitlines())
    assert_columns_apart(out)


def test_gradcheck_plain_checks_every_gradient_the_plain_cells_return(capsys):
    assert cli.main(["gradcheck", "--plain"]) == 0
    out = capsys.readouterr().out
    _, rows, _ = table(out)
    # x, h0, Wx, Wh, b | x, h0, c0, Wx, Wh, b | x, h0, Wx, Wh, b, bhn: what *_backward returns, in its order
    assert [row.split()[1] for row in rows] == ["x", "h0", "Wx", "Wh", "b", "x", "h0", "c0", "Wx", "Wh", "b",
                                                "x", "h0", "Wx", "Wh", "b", "bhn"]
    assert all(row.endswith("ok") and float(row.split()[-2]) < 1e-6 for row in rows)
    assert "minirnn/plain/" in out and out.strip().endswith("17 checked, 0 failed")


def test_gradcheck_plain_against_torch(capsys):
    pytest.importorskip("torch")
    assert cli.main(["gradcheck", "--plain", "--torch"]) == 0
    out = capsys.readouterr().out
    names = {(cell, name) for cell, name, *_ in table(out)[2]}
    for cell in ("rnn", "lstm", "gru"):
        assert {(cell, f"torch {n}") for n in ("out", "h_n", "dx", "dh0", "dweight_ih_l0", "dweight_hh_l0",
                                                "dbias_ih_l0", "dbias_hh_l0")} <= names
    assert ("lstm", "torch dc0") in names and ("lstm", "torch c_n") in names
    assert "W_x = weight_ih^T, W_h = weight_hh^T, b = b_ih + b_hh" in out and "b_hz, 0]" in out
    assert "FAIL" not in out and out.strip().endswith("43 checked, 0 failed")
    assert_columns_apart(out)


def _lstm_without_dc_next(real):
    def step_backward(dh_t, dc_next, cache):
        return real(dh_t, 0 * dc_next, cache)           # dc_t forgets what step t+1 sent back
    return step_backward


def _gru_without_the_straight_path(real):
    def step_backward(dh_t, cache):
        dx_t, dh_prev, *weights = real(dh_t, cache)
        z = cache[5]                                    # cache: (x_t, h_prev, Wx, Wh, r, z, n, hn)
        return (dx_t, dh_prev - dh_t * z, *weights)     # dh_{t-1} without dh_t z
    return step_backward


@pytest.mark.parametrize("torch_too", [False, True], ids=["numeric", "and-torch"])
@pytest.mark.parametrize("cell, plant", [("lstm", _lstm_without_dc_next), ("gru", _gru_without_the_straight_path)])
def test_gradcheck_plain_catches_a_planted_error(cell, plant, torch_too, monkeypatch, capsys):
    if torch_too:
        pytest.importorskip("torch")
    from minirnn.plain import gru as plain_gru, lstm as plain_lstm
    module = {"lstm": plain_lstm, "gru": plain_gru}[cell]
    name = f"{cell}_step_backward"
    monkeypatch.setattr(module, name, plant(getattr(module, name)))
    assert cli.main(["gradcheck", "--plain", "--cell", cell] + ["--torch"] * torch_too) == 1
    out = capsys.readouterr().out
    failed = {name for _, name, _, _, verdict in table(out, (cell,))[2] if verdict == "FAIL"}
    assert {"x", "h0", "Wh"} <= failed and "torch out" not in failed     # the forward is still right
    if torch_too:
        assert {"torch dx", "torch dh0", "torch dweight_hh_l0"} <= failed
    assert f"{len(failed)} failed" in out.splitlines()[-1] and len(failed) >= 3


@pytest.mark.parametrize("extra, named", [(["--layers", "2"], "--layers 2"), (["--bidirectional"], "--bidirectional"),
                                          (["--mask"], "--mask")])
def test_gradcheck_plain_refuses_what_the_plain_cells_do_not_have(extra, named, capsys):
    assert cli.main(["gradcheck", "--plain"] + extra) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "--plain" in err[0] and named in err[0] and "Traceback" not in captured.err
    assert captured.out == ""                           # refused before anything is checked


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
