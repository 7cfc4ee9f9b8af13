"""minirnn gradcheck, minirnn exercise and minirnn check: end to end, and the typical mistakes named."""
import os
import subprocess
import sys

import numpy as np
import pytest

from minirnn import cli
from minirnn.learn import check, exercises, gradcheck_cmd


def minirnn(*args, cwd=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "minirnn.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def checked(tmp_path, text, name="mine.py"):
    """Write text to a file, check it in-process: (exit code, report)."""
    path = tmp_path / name
    path.write_text(text)
    lines = []
    return check.check_file(str(path), out=lines.append), "\n".join(lines)


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


# ---------------------------------------------------------------- minirnn exercise / check, end to end

def test_exercise_then_check_end_to_end(tmp_path):
    r = minirnn("exercise", "lstm", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "lstm_exercise.py").exists(), r.stderr
    r = minirnn("check", "lstm_exercise.py", cwd=tmp_path)               # the blank template fails
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not written yet: lstm_step_forward, lstm_step_backward, lstm_backward" in r.stdout
    r = minirnn("exercise", "lstm", cwd=tmp_path)                        # never overwrites work
    assert r.returncode == 2 and "exists" in r.stderr and "Traceback" not in r.stderr
    r = minirnn("exercise", "lstm", "--solution", "--out", "sol.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = minirnn("check", "sol.py", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 of 4 functions right" in r.stdout and "WRONG" not in r.stdout


@pytest.mark.parametrize("cell", exercises.CELLS)
def test_solution_passes_and_template_is_all_blanks(cell, tmp_path):
    code, report = checked(tmp_path, exercises.exercise_text(cell, solution=True))
    assert code == 0, report
    assert report.count("ok   ") == {"rnn": 12, "lstm": 15, "gru": 14}[cell]
    template = exercises.exercise_text(cell)
    assert template.count("# ---- your code ----") == 3 and "np.tanh" not in template.split("def ")[2]
    code, report = checked(tmp_path, template)
    assert code == 1 and f"not written yet: {cell}_step_forward, {cell}_step_backward, {cell}_backward" in report


def test_blank_file_fails(tmp_path):
    code, report = checked(tmp_path, "")
    assert code == 1 and "not written yet" in report and "minirnn exercise" in report
    r = minirnn("check", tmp_path / "mine.py")
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr


def test_half_finished_file(tmp_path):
    """Step forward written, the rest still the template's: forward parts pass, the rest is listed."""
    sol, template = exercises.exercise_text("rnn", True), exercises.exercise_text("rnn")
    start = lambda s: s.index("def rnn_step_backward")
    code, report = checked(tmp_path, sol[:start(sol)] + template[start(template):])
    assert code == 1
    assert "ok     h_t" in report and "ok     hs" in report
    assert "not written yet: rnn_step_backward, rnn_backward" in report
    # half a backward: some gradients still None
    code, report = checked(tmp_path, sol.replace("    db = da.sum(axis=0)\n", "    db = None\n"))
    assert code == 1 and "db is still None" in report


# ---------------------------------------------------------------- typical mistakes, by editing the solution

MISTAKES = [   # (cell, what the learner wrote instead, the report must say)
    ("rnn", [("da = dh_t * (1 - h_t ** 2)", "da = dh_t * 1.0")], "(1 - h_t^2) of tanh is missing"),
    ("rnn", [("dh_prev = da @ Wh.T", "dh_prev = np.dot(da, Wh)")], "W_h is not transposed"),
    ("rnn", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t].copy()")], "dh_next is not carried"),
    ("lstm", [("dh_t = dhs[:, t] + dh_next", "dh_t = 1 * dhs[:, t]")], "dh_next is not carried"),
    ("lstm", [("df = dc * c_prev", "df = c_t * dc")], "the forget gate's gradient uses c_t"),
    ("lstm", [("dc_prev = dc * f", "dc_prev = dc * f + dh_t * o")], "dc_prev is dL/dc_t times f_t"),
    ("lstm", [("    g = np.tanh(a[:, 2 * H:3 * H])\n    o = sigmoid(a[:, 3 * H:])",
               "    o = sigmoid(a[:, 2 * H:3 * H])\n    g = np.tanh(a[:, 3 * H:])")],
     "reads the gate blocks in the order i, f, o, g; they are i, f, g, o"),
    ("lstm", [("[di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)]",
               "[df * f * (1 - f), di * i * (1 - i), dg * (1 - g ** 2), do * o * (1 - o)]")],
     "are in the order f, i, g, o; they must be in the forward's order i, f, g, o"),
    ("gru", [("h_t = (1 - z) * n + z * h_prev", "h_t = n * z + h_prev * (1 - z)")], "z and 1 - z are swapped"),
    ("gru", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")], "dh_next is not carried"),
]


@pytest.mark.parametrize("cell, edits, named", MISTAKES, ids=[m[2][:30] for m in MISTAKES])
def test_typical_mistake_is_caught_and_named(cell, edits, named, tmp_path):
    src = exercises.exercise_text(cell, solution=True)
    for old, new in edits:
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    code, report = checked(tmp_path, src)
    assert code == 1
    assert "first wrong:" in report and "relative error" in report and "hint:" in report
    assert named in report, report


def test_the_forget_gate_hint_follows_from_the_math(tmp_path):
    src = exercises.exercise_text("lstm", solution=True).replace("dc_prev = dc * f", "dc_prev = dc")
    code, report = checked(tmp_path, src)
    assert code == 1 and "first wrong: dc_prev in lstm_step_backward" in report
    assert "dc_prev is dL/dc_t times f_t, plus nothing else from this step" in report


@pytest.mark.parametrize("cell", exercises.CELLS)
def test_every_catalogued_mistake_applies_and_is_named(cell, tmp_path):
    src = exercises.exercise_text(cell, solution=True)
    for title, edits in exercises.MISTAKES[cell]:
        for old, _ in edits:
            assert src.count(old) == 1, f"{cell}: {old!r} is not in the solution exactly once"
        code, report = checked(tmp_path, exercises.mistake_source(cell, edits))
        assert code == 1 and f"this looks like: {title}" in report, report


# ---------------------------------------------------------------- files that do not run

def test_exception_in_learner_code_names_their_line(tmp_path):
    src = exercises.exercise_text("lstm", solution=True).replace("dh_prev = da @ Wh.T", "dh_prev = da @ Wh")
    code, report = checked(tmp_path, src)
    line = 1 + src.splitlines().index(next(l for l in src.splitlines() if "dh_prev = da @ Wh  " in l))
    assert code == 1
    assert "your lstm_step_backward raised ValueError" in report
    assert f"at line {line} of mine.py: dh_prev = da @ Wh" in report and "Traceback" not in report


def test_wrong_arity_shape_and_syntax(tmp_path):
    sol = exercises.exercise_text("rnn", solution=True)
    code, report = checked(tmp_path, sol.replace("return dx_t, dh_prev, dWx, dWh, db", "return dx_t, dh_prev, dWx, dWh"))
    assert code == 1 and "rnn_step_backward returned 4 values; it must return 5: dx_t, dh_prev, dWx, dWh, db" in report
    code, report = checked(tmp_path, sol.replace("return h_t, cache", "return h_t"))
    assert code == 1 and "rnn_step_forward returned one ndarray; it must return 2: h_t, cache" in report
    code, report = checked(tmp_path, sol.replace("db = da.sum(axis=0)", "db = da.sum(axis=1)"))
    assert code == 1 and "db has shape (2,), expected (4,) = (H,)" in report
    code, report = checked(tmp_path, sol.replace("dWx = x_t.T @ da", "dWx = da.T @ x_t"))
    assert code == 1 and "dWx has shape (4, 5), expected (5, 4) = (E, H) (transposed?)" in report
    code, report = checked(tmp_path, sol.replace("h_t = np.tanh(a_t)", "h_t = np.tanh(a_t"))
    assert code == 1 and "SyntaxError at line" in report


def test_check_leaves_no_state_between_files(tmp_path):
    """The same module name for every learner file: a right file after a wrong one still passes."""
    bad = exercises.exercise_text("gru", solution=True).replace("dbhn = dhWn.sum(axis=0)", "dbhn = 0 * bhn")
    assert checked(tmp_path, bad, "a.py")[0] == 1
    assert checked(tmp_path, exercises.exercise_text("gru", solution=True), "b.py")[0] == 0
