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
