"""minirnn exercise and minirnn check (issues 18 and 20): files made from the plain cells, derive mode
by default, a check that names the earliest wrong quantity and its gate block, tiered hints, a time
limit, and learner files that misbehave."""
import ast
import os
import subprocess
import sys
import time
import types

import pytest

from minirnn import cli
from minirnn.learn import check, exercises, hints, localise, mistakes
from minirnn.learn.exercises import CELLS


@pytest.fixture(autouse=True)
def hint_cache(tmp_path, monkeypatch):
    """Hint tiers are kept under $MINIRNN_CACHE: a fresh one per test, never the real ~/.cache."""
    monkeypatch.setenv("MINIRNN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "hints.json"


def edited(cell, edits, guided=False):
    src = exercises.exercise_text(cell, guided=guided, solution=True)
    for old, new in edits:
        assert src.count(old) == 1, old
        src = src.replace(old, new)
    return src


def checked(tmp_path, text, name="mine.py", **kw):
    """Write text to a file, check it in-process: (exit code, report)."""
    path = tmp_path / name
    path.write_text(text)
    lines = []
    return check.check_file(str(path), out=lines.append, **kw), "\n".join(lines)


def docstrings(text, cell, functions=("step_backward", "backward")):
    fns = {n.name: n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}
    return " ".join(" ".join(ast.get_docstring(fns[f"{cell}_{f}"]).split()) for f in functions)


# ---------------------------------------------------------------- the files, made from minirnn/plain

@pytest.mark.parametrize("cell", CELLS)
def test_derive_mode_is_the_default_and_gives_no_backward_formula(cell):
    derive, guided = exercises.exercise_text(cell), exercises.exercise_text(cell, guided=True)
    assert derive.startswith(f'"""minirnn exercise: {cell} (derive mode)') and "(guided mode)" in guided
    assert exercises.forward_equations(cell) in derive                 # the forward equations are given
    mine, theirs = docstrings(derive, cell), docstrings(guided, cell)
    for leak in ("^2", "** 2", "^T", ".T", "(1 - h", "(1 - g", "(1 - n", "(1 - i)", "(1 - o)", "(1 - r)",
                 "z (1 - z)", "dhs[:, t] + dh_next", "+="):
        assert leak not in mine, (cell, leak)
    assert "^2" in theirs and "^T" in theirs and "dh_t = dhs[:, t] + dh_next" in theirs
    for function in ("step_backward", "backward"):                     # every formula: guided only
        for name, _, tiers in hints.QUANTITIES[cell][function]:
            for t in (tiers.values() if isinstance(tiers, dict) else [tiers]):
                formula = " ".join(t[2].split())
                assert formula in theirs and formula not in mine, (cell, name, formula)
                assert " ".join(t[0].split()) in mine                  # derive mode gives tier 1 instead
    assert "derivative, in terms of its output" not in derive      # sigmoid's docstring: first sentence only
    assert "your code" not in exercises.plain_source(cell) and "# ----" not in exercises.plain_source(cell)


@pytest.mark.parametrize("cell", CELLS)
def test_the_solution_is_the_plain_cell(cell):
    """The solution's code is the plain cell's, every line of every function; the exercise blanks three."""
    plain, sol = exercises.plain_source(cell), exercises.exercise_text(cell, solution=True)
    lines, blank = plain.splitlines(keepends=True), exercises.exercise_text(cell)
    for fn in ast.parse(plain).body:
        if isinstance(fn, ast.FunctionDef):
            code = "".join(lines[fn.body[1].lineno - 1:fn.end_lineno])
            assert code in sol, fn.name
            assert (code in blank) == (fn.name in ("sigmoid", f"{cell}_forward")), fn.name
        elif isinstance(fn, ast.Import):
            assert lines[fn.lineno - 1] in sol and lines[fn.lineno - 1] in blank


@pytest.mark.parametrize("guided", [False, True], ids=["derive", "guided"])
@pytest.mark.parametrize("cell", CELLS)
def test_blank_says_not_written_and_the_solution_passes(cell, guided, tmp_path):
    code, report = checked(tmp_path, exercises.exercise_text(cell, guided=guided))
    assert code == 1 and f"not written yet: {cell}_step_forward, {cell}_step_backward, {cell}_backward" in report
    code, report = checked(tmp_path, exercises.exercise_text(cell, guided=guided, solution=True))
    assert code == 0 and "4 of 4 functions right: all of them" in report and "WRONG" not in report, report


def test_exercise_list_and_modes_through_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["exercise", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["exercise", "size", "concept", "description"]
    for cell in CELLS:
        row = next(line for line in out if line.startswith(cell + " "))
        assert exercises.size(cell) in row and exercises.INFO[cell]["concept"] in row
    assert cli.main(["exercise", "gru"]) == 0 and "derive mode" in (tmp_path / "gru_exercise.py").read_text()
    assert cli.main(["exercise", "gru", "--guided", "--out", "g.py"]) == 0
    assert "(guided mode)" in (tmp_path / "g.py").read_text()
    assert cli.main(["exercise", "gru"]) == 2 and "exists" in capsys.readouterr().err    # never overwrites work
    assert cli.main(["exercise"]) == 2 and "--list" in capsys.readouterr().err
    assert cli.main(["exercise", "transformer"]) == 2 and "no exercise 'transformer'" in capsys.readouterr().err
    assert cli.main(["exercise", "gru", "--solution"]) == 0 and cli.main(["check", "gru_solution.py"]) == 0


def test_blank_file_fails(tmp_path):
    code, report = checked(tmp_path, "")
    assert code == 1 and "not written yet" in report and "minirnn exercise" in report


def test_half_finished_file(tmp_path):
    """Step forward written, the rest still the template's: forward parts pass, the rest is listed."""
    sol, template = exercises.exercise_text("rnn", solution=True), exercises.exercise_text("rnn")
    start = lambda s: s.index("def rnn_step_backward")
    code, report = checked(tmp_path, sol[:start(sol)] + template[start(template):])
    assert code == 1 and "ok     h_t" in report and "ok     hs" in report
    assert "not written yet: rnn_step_backward, rnn_backward" in report
    code, report = checked(tmp_path, edited("rnn", [("db = da.sum(axis=0)", "db = None")]))
    assert code == 1 and "db is still None" in report


# ---------------------------------------------------------------- the cause, not the symptom

OUTSIDE = [   # (cell, what the learner wrote instead, the report must say): none of these is in MISTAKES
    ("rnn", [("da = dh_t * (1 - h_t ** 2)", "da = dh_t * (1 - h_t)")], ["first wrong: da (dL/da_t) in rnn_step_backward"]),
    ("rnn", [("dh_prev = da @ Wh.T", "dh_prev = da @ Wh.T * (1 - h_prev ** 2)")],
     ["first wrong: dh_prev (dL/dh_{t-1}) in rnn_step_backward", "right before it: da"]),
    ("rnn", [("db = da.sum(axis=0)", "db = da.mean(axis=0)")], ["first wrong: db (dL/db) in rnn_step_backward"]),
    ("rnn", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t] - dh_next")],
     ["first wrong: the dh_t your rnn_backward passes to rnn_step_backward at t=1 (at t=2 it was right)"]),
    ("lstm", [("dg * (1 - g ** 2)", "dg * (1 - g)")],
     ["first wrong: the g block of da (dL/da_t, columns 2H:3H) in lstm_step_backward",
      "the i, f and o blocks are right", "right before it: dc_t, do, di, df, dg"]),
    ("lstm", [("do * o * (1 - o)], axis=1)", "do * (1 - o)], axis=1)")],
     ["first wrong: the o block of da (dL/da_t, columns 3H:)", "the i, f and g blocks are right"]),
    ("lstm", [("di = dc_t * g", "di = dc_t * i")], ["first wrong: di (dL/di_t) in lstm_step_backward"]),
    ("lstm", [("dc_prev = dc_t * f", "dc_prev = dc_t * i")],
     ["first wrong: dc_prev (dL/dc_{t-1})", "right before it: dc_t, do, di, df, dg, da"]),
    ("lstm", [("dc_prev = dc_t * f", "dc_prev = dc_t * f + dh_t * o")], ["first wrong: dc_prev (dL/dc_{t-1})"]),
    ("lstm", [("g = np.tanh(a[:, 2 * H:3 * H])", "g = sigmoid(a[:, 2 * H:3 * H])")],
     ["first wrong: g in lstm_step_forward", "right before it: a, i, f"]),
    ("gru", [("dz = dh_t * (h_prev - n)", "dz = dh_t * (n - h_prev)")],
     ["first wrong: dz (dL/dz_t) in gru_step_backward", "right before it: dn"]),
    ("gru", [("dhh = np.concatenate([da_r, da_z, dhn], axis=1)", "dhh = np.concatenate([da_r, da_z, da_n], axis=1)")],
     ["first wrong: the n block of dhh (dL/dhh, columns 2H:) in gru_step_backward", "the r and z blocks are right"]),
    ("gru", [("dxw = np.concatenate([da_r, da_z, da_n], axis=1)", "dxw = np.concatenate([da_r, dz, da_n], axis=1)")],
     ["first wrong: the z block of dxw (dL/dxw, columns H:2H)", "the r and n blocks are right"]),
    ("gru", [("da_n = dn * (1 - n ** 2)", "da_n = dn * (1 - n)")], ["first wrong: da_n (dL/da_n) in gru_step_backward"]),
    ("gru", [("dbhn = dhn.sum(axis=0)", "dbhn = da_n.sum(axis=0)")], ["first wrong: dbhn (dL/db_hn)"]),
]


@pytest.mark.parametrize("cell, edits, says", OUTSIDE, ids=[f"{m[0]}: {m[1][0][1][:28]}" for m in OUTSIDE])
def test_a_mistake_outside_the_catalogue_is_localised(cell, edits, says, tmp_path):
    assert not any(new in [n for _, es in mistakes.MISTAKES[cell] for _, n in es] for _, new in edits)
    code, report = checked(tmp_path, edited(cell, edits))
    assert code == 1
    for s in says:
        assert s in report, report
    assert "first wrong: dx_t" not in report and "hint 1 of 3: " in report


def test_at_least_three_outside_mistakes_per_cell():
    assert all(sum(m[0] == cell for m in OUTSIDE) >= 3 for cell in CELLS)


def test_the_earliest_wrong_quantity_uses_your_names_or_your_values(tmp_path):
    """Other names than the docstring's: dc_t is found by its value, da is read back from dWx, dWh and db."""
    src = edited("lstm", [("dg * (1 - g ** 2)", "dg * (1 - g)")]).replace("dc_t", "total")
    src = src.replace("da = np.concatenate", "grad_a = np.concatenate").replace("@ da", "@ grad_a")
    src = src.replace("da @", "grad_a @").replace("da.sum", "grad_a.sum")
    assert " da " not in src.split("def lstm_step_backward")[1].split("def lstm_forward")[0]
    code, report = checked(tmp_path, src)
    assert code == 1 and "first wrong: the g block of da" in report and "right before it: dc_t, do" in report
    assert "(read from your dWx, dWh, db)" in report
    # only dWx wrong, da under another name: found by its value, right, so the cause is dWx itself
    src = edited("rnn", [("dWx = x_t.T @ da", "dWx = x_t.T @ (2 * da)")]).replace(" da ", " g_a ")
    src = src.replace("(2 * da)", "(2 * g_a)").replace("@ da", "@ g_a").replace("da @", "g_a @").replace("da.sum", "g_a.sum")
    code, report = checked(tmp_path, src)
    assert code == 1 and "first wrong: dWx (dL/dW_x) in rnn_step_backward" in report
    assert "right before it: da, dh_prev" in report


MISTAKES = [   # (cell, what the learner wrote instead, the report must say): catalogued ones, written differently
    ("rnn", [("da = dh_t * (1 - h_t ** 2)", "da = dh_t * 1.0")], "(1 - h_t^2) of tanh is missing"),
    ("rnn", [("dh_prev = da @ Wh.T", "dh_prev = np.dot(da, Wh)")], "W_h is not transposed"),
    ("rnn", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t].copy()")], "dh_next is not carried"),
    ("lstm", [("dh_t = dhs[:, t] + dh_next", "dh_t = 1 * dhs[:, t]")], "dh_next is not carried"),
    ("lstm", [("df = dc_t * c_prev", "df = (c_prev * f + g * i) * dc_t")], "the forget gate's gradient uses c_t"),
    ("lstm", [("g = np.tanh(a[:, 2 * H:3 * H])", "g = np.tanh(a[:, 3 * H:])"),
              ("o = sigmoid(a[:, 3 * H:])", "o = sigmoid(a[:, 2 * H:3 * H])")],
     "reads the gate blocks in the order i, f, o, g; they are i, f, g, o"),
    ("lstm", [("da = np.concatenate([di * i * (1 - i),", "da = np.concatenate([df * f * (1 - f),"),
              ("                         df * f * (1 - f),", "                         di * i * (1 - i),")],
     "are in the order f, i, g, o; they must be in the forward's order i, f, g, o"),
    ("gru", [("h_t = (1 - z) * n + z * h_prev", "h_t = n * z + h_prev * (1 - z)")], "z and 1 - z are swapped"),
    ("gru", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]")], "dh_next is not carried"),
]


@pytest.mark.parametrize("cell, edits, named", MISTAKES, ids=[m[2][:30] for m in MISTAKES])
def test_typical_mistake_is_caught_and_named(cell, edits, named, tmp_path):
    code, report = checked(tmp_path, edited(cell, edits))
    assert code == 1 and "first wrong:" in report and "relative error" in report and "hint 1 of 3" in report
    assert f"this looks like: {named}" in report or named in report, report


@pytest.mark.parametrize("cell", CELLS)
def test_every_catalogued_mistake_applies_and_is_named(cell, tmp_path):
    plain, src = exercises.plain_source(cell), exercises.exercise_text(cell, solution=True)
    for title, edits in mistakes.MISTAKES[cell]:
        for old, _ in edits:
            assert plain.count(old) == 1 and src.count(old) == 1, f"{cell}: {old!r} is not in the plain cell once"
        code, report = checked(tmp_path, mistakes.mistake_source(cell, edits))
        assert code == 1 and f"this looks like: {title}" in report, report


# ---------------------------------------------------------------- hints, one tier at a time

def test_hint_reveals_one_tier_at_a_time_up_to_the_formula(tmp_path, hint_cache):
    wrong = edited("lstm", [("dg * (1 - g ** 2)", "dg * (1 - g)")])
    tiers = hints.QUANTITIES["lstm"]["step_backward"][5][2]["g"]
    seen = []
    for reveal in (False, True, True, True, False):
        code, report = checked(tmp_path, wrong, hint=reveal)
        seen.append([k for k in range(1, 5) if f"hint {k} of 3" in report])
        assert code == 1
    assert seen == [[1], [1, 2], [1, 2, 3], [1, 2, 3], [1, 2, 3]]
    assert f"hint 3 of 3 (the formula): {tiers[2]}" in report and tiers[2] == "da_g = dg * (1 - g^2)"
    assert f"hint 1 of 3: {tiers[0]}" in report and "tanh's derivative" in tiers[0]
    # another quantity wrong: its tiers start again at the first
    code, report = checked(tmp_path, edited("lstm", [("di = dc_t * g", "di = dc_t * i")]), hint=True)
    assert "first wrong: di" in report and "hint 2 of 3" in report and "hint 3 of 3" not in report
    # right again: forgotten
    assert checked(tmp_path, exercises.exercise_text("lstm", solution=True))[0] == 0
    assert os.path.abspath(tmp_path / "mine.py") not in hint_cache.read_text()
    code, report = checked(tmp_path, wrong)
    assert "hint 1 of 3" in report and "hint 2 of 3" not in report


# ---------------------------------------------------------------- never hangs

LOOPS = {   # each learner function (and the file itself) never returns
    "rnn_step_forward": ("    a_t = x_t @ Wx", "    while True:\n        pass\n    a_t = x_t @ Wx"),
    "rnn_step_backward": ("    x_t, h_prev, h_t, Wx, Wh = cache",
                          "    while True:\n        try:\n            pass\n        except Exception:\n"
                          "            pass\n    x_t, h_prev, h_t, Wx, Wh = cache"),
    "rnn_backward": ("    B, T, H = dhs.shape", "    while True:\n        pass\n    B, T, H = dhs.shape"),
    "file": ("import numpy as np\n", "import numpy as np\nwhile True:\n    pass\n"),
}


@pytest.mark.parametrize("where", LOOPS)
def test_an_endless_loop_ends_with_one_line(where, tmp_path):
    start = time.monotonic()
    code, report = checked(tmp_path, edited("rnn", [LOOPS[where]]), timeout=0.5)
    assert code == 1 and time.monotonic() - start < 20
    assert report.splitlines()[-1] == (f"your {where} did not return within 0.5 s: is there a loop that never "
                                       "ends? (more time: --timeout)")


def test_an_endless_loop_through_the_command(tmp_path):
    (tmp_path / "loop.py").write_text(edited("lstm", [("    H = h_prev.shape[1]\n    a = ",
                                                        "    H = h_prev.shape[1]\n    while H:\n        H = H\n    a = ")]))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "minirnn.cli", "check", "loop.py", "--timeout", "1"], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr and time.monotonic() - start < 60
    assert r.stdout.splitlines()[-1].startswith("your lstm_step_forward did not return within 1 s: is there a loop")


# ---------------------------------------------------------------- files that misbehave

def test_a_file_that_prints_a_lot_still_works(tmp_path):
    src = edited("gru", [("    H = h_prev.shape[1]\n    xw", "    H = h_prev.shape[1]\n    print('x' * 100000)\n    xw")])
    code, report = checked(tmp_path, src)
    assert code == 0 and "(your gru_step_forward printed 100001 characters; the first 2000 follow)" in report
    assert len(report) < 20000


def test_wrong_return_type_count_shape_and_syntax(tmp_path):
    code, report = checked(tmp_path, edited("rnn", [("return dx_t, dh_prev, dWx, dWh, db", "return {'dx_t': dx_t}")]))
    assert code == 1 and "rnn_step_backward returned one dict; it must return 5: dx_t, dh_prev, dWx, dWh, db" in report
    code, report = checked(tmp_path, edited("rnn", [("return dx_t, dh_prev, dWx, dWh, db", "return dx_t, dh_prev, dWx, dWh")]))
    assert code == 1 and "rnn_step_backward returned 4 values; it must return 5" in report
    code, report = checked(tmp_path, edited("rnn", [("return h_t, cache", "return h_t")]))
    assert code == 1 and "rnn_step_forward returned one ndarray; it must return 2: h_t, cache" in report
    code, report = checked(tmp_path, edited("rnn", [("db = da.sum(axis=0)", "db = 'zero'")]))
    assert code == 1 and "rnn_step_backward: db is a str, not an array of numbers" in report
    code, report = checked(tmp_path, edited("rnn", [("db = da.sum(axis=0)", "db = da.sum(axis=1)")]))
    assert code == 1 and "db has shape (2,), expected (4,) = (H,)" in report
    code, report = checked(tmp_path, edited("rnn", [("dWx = x_t.T @ da", "dWx = da.T @ x_t")]))
    assert code == 1 and "dWx has shape (4, 5), expected (5, 4) = (E, H) (transposed?)" in report
    code, report = checked(tmp_path, edited("rnn", [("h_t = np.tanh(a_t)", "h_t = np.tanh(a_t")]))
    assert code == 1 and "SyntaxError at line" in report


def test_exit_in_learner_code_does_not_end_the_check(tmp_path):
    code, report = checked(tmp_path, edited("rnn", [("    x_t, h_prev, h_t, Wx, Wh = cache", "    exit()")]))
    assert code == 1 and "your rnn_step_backward called exit()" in report and report.endswith("2 of 4 functions right")


def test_inputs_changed_in_place_are_named(tmp_path):
    code, report = checked(tmp_path, edited("rnn", [("dh_t = dhs[:, t] + dh_next", "dh_t = dhs[:, t]\n        dh_t += dh_next")]))
    assert code == 1 and "your rnn_backward changed its input dhs in place" in report
    code, report = checked(tmp_path, edited("lstm", [("    do = dh_t * tanh_c", "    dh_t *= 2\n    do = dh_t * tanh_c")]))
    assert code == 1 and "your lstm_step_backward changed its input dh_t in place" in report


def test_an_output_that_is_a_view_of_an_input(tmp_path):
    """dh0 = dhs[:, 0] (a view of the input, and wrong): one clear line, the check goes on."""
    code, report = checked(tmp_path, edited("rnn", [("dh0 = dh_next", "dh0 = dhs[:, 0]")]))
    assert code == 1 and "WRONG  dh0" in report and "first wrong: dh0 (dL/dh_0) in rnn_backward" in report


def test_exception_in_learner_code_names_their_line(tmp_path):
    src = edited("lstm", [("dh_prev = da @ Wh.T", "dh_prev = da @ Wh")])
    code, report = checked(tmp_path, src)
    line = 1 + next(k for k, l in enumerate(src.splitlines()) if "dh_prev = da @ Wh  " in l)
    assert code == 1 and "your lstm_step_backward raised ValueError" in report
    assert f"at line {line} of mine.py: dh_prev = da @ Wh" in report and "Traceback" not in report


def test_check_leaves_no_state_between_files(tmp_path):
    """The same module name for every learner file: a right file after a wrong one still passes."""
    assert checked(tmp_path, edited("gru", [("dbhn = dhn.sum(axis=0)", "dbhn = 0 * dhn.sum(axis=0)")]), "a.py")[0] == 1
    assert checked(tmp_path, exercises.exercise_text("gru", solution=True), "b.py")[0] == 0


# ---------------------------------------------------------------- the other exercises (pieces.py)

def test_check_and_exercise_dispatch_to_pieces(tmp_path, monkeypatch, capsys):
    """pieces.py is written alongside; a fake with its interface shows the CLI lists, writes and checks it."""
    calls = []

    def check_file(path, name=None, seed=0, hint_level=0, timeout=20, out=print):
        calls.append(dict(name=name, seed=seed, hint_level=hint_level, timeout=timeout))
        out(f"checked {name} at hint level {hint_level}")
        return 0 if "fixed" in open(path).read() else 1
    fake = types.SimpleNamespace(
        PIECES={"clip": dict(description="clip the gradient's norm", concept="exploding gradients", size="~8 lines")},
        exercise_text=lambda name, guided=False, solution=False: f'"""minirnn exercise: {name}"""\n# guided={guided}\n',
        find_exercise=lambda text: "clip" if "minirnn exercise: clip" in text else None, check_file=check_file)
    monkeypatch.setattr(check, "pieces", fake)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["exercise", "--list"]) == 0
    assert any(line.split()[:3] == ["clip", "~8", "lines"] and "exploding gradients" in line
               for line in capsys.readouterr().out.splitlines())
    assert cli.main(["exercise", "clip", "--guided"]) == 0
    assert "guided=True" in (tmp_path / "clip_exercise.py").read_text()
    assert cli.main(["check", "clip_exercise.py", "--hint", "--timeout", "3", "--seed", "4"]) == 1
    assert cli.main(["check", "clip_exercise.py", "--hint"]) == 1
    assert cli.main(["check", "clip_exercise.py"]) == 1
    assert [c["hint_level"] for c in calls] == [1, 2, 2] and calls[0]["timeout"] == 3 and calls[0]["seed"] == 4
    with open(tmp_path / "clip_exercise.py", "a") as f:
        f.write("# fixed\n")
    assert cli.main(["check", "clip_exercise.py"]) == 0                  # right: the tiers start again
    assert cli.main(["check", "clip_exercise.py"]) == 0 and calls[-1]["hint_level"] == 0
    assert cli.main(["exercise", "rnn", "--solution"]) == 0 and cli.main(["check", "rnn_solution.py"]) == 0
    assert len(calls) == 5                                               # a cell's file went to check_file


def test_da_is_read_back_from_the_weight_gradients_only_when_they_agree():
    import numpy as np
    from minirnn.learn import probe
    inp = probe.make_inputs("lstm")
    da = np.random.default_rng(1).standard_normal((probe.B, 4 * probe.H))
    values = {"dWx": inp["x_t"].T @ da, "dWh": inp["h_prev"].T @ da, "db": da.sum(axis=0)}
    assert np.allclose(localise._solved("da", values, inp), da)
    assert localise._solved("da", dict(values, dWx=2 * values["dWx"]), inp) is None      # dWx says 2 da
    assert localise._solved("da", dict(values, db=0 * values["db"]), inp) is None
    assert localise._solved("da", dict(values, dWh=values["dWh"] + 1), inp) is None      # no da gives this dWh
