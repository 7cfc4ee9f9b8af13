"""The six exercises beyond the cells (minirnn/learn/pieces.py): blank -> not written yet, solution ->
passes, every named mistake -> fails and is named, each solution equals the engine's own function,
derive mode hides the backward formulas that guided mode gives, and a learner's file that loops,
prints, returns the wrong thing or edits its inputs gets one clear line. All in-process."""
import ast
import re
import time

import numpy as np
import pytest

from minirnn.learn import pieces
from minirnn.learn.pieces import PIECES, SPECS

NAMES = list(PIECES)


def checked(tmp_path, text, name=None, **kwargs):
    """Write text to a file and check it in-process: (exit code, report)."""
    path = tmp_path / "mine.py"
    path.write_text(text)
    lines = []
    return pieces.check_file(str(path), name=name, out=lines.append, **kwargs), "\n".join(lines)


def segment(src, fname):
    node = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == fname)
    return ast.get_source_segment(src, node)


def filled(name, guided=False):
    """The derive (or guided) file with every function to write filled in from the solution."""
    text, solution = pieces.exercise_text(name, guided=guided), pieces.exercise_text(name, solution=True)
    for fname in SPECS[name].writes:
        text = text.replace(segment(text, fname), segment(solution, fname))
    return text


def flat(text):
    """Comments joined into running text: '#' and line breaks gone, whitespace collapsed."""
    return " ".join(text.replace("#", " ").split())


def test_list_has_the_six_with_a_description_concept_and_size():
    assert NAMES == ["embedding", "softmax-ce", "masked-rnn", "bidirectional", "truncated-bptt", "clip"]
    for name, info in PIECES.items():
        assert set(info) == {"description", "concept", "size"}
        assert info["description"] and "\n" not in info["description"] and info["concept"]
        size = int(re.fullmatch(r"~(\d+) lines", info["size"]).group(1))
        assert abs(size - pieces.solution_lines(name)) <= 2.5 and 5 <= size <= 30


@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_edit_is_found_exactly_once_in_the_solution(name):
    src = pieces.solution_source(name)
    assert SPECS[name].mistakes
    for title, edits in SPECS[name].mistakes:
        for old, new in edits:
            assert src.count(old) == 1, (title, old)
            assert old != new


@pytest.mark.parametrize("guided", [False, True], ids=["derive", "guided"])
@pytest.mark.parametrize("name", NAMES)
def test_blank_file_fails_with_not_written_yet(tmp_path, name, guided):
    text = pieces.exercise_text(name, guided=guided)
    assert f"minirnn exercise: {name}" in text.splitlines()[0] and "minirnn check THIS_FILE" in text
    rc, report = checked(tmp_path, text)
    assert rc == 1
    assert f"not written yet: {', '.join(SPECS[name].writes)}" in report
    assert "Traceback" not in report


@pytest.mark.parametrize("guided", [False, True], ids=["derive", "guided"])
@pytest.mark.parametrize("name", NAMES)
def test_solution_passes(tmp_path, name, guided):
    rc, report = checked(tmp_path, filled(name, guided))
    assert rc == 0, report
    n = len(SPECS[name].quantities)
    assert f"{n} of {n} quantities right: all of them" in report and "WRONG" not in report


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_file_itself_passes(tmp_path, name):
    rc, report = checked(tmp_path, pieces.exercise_text(name, solution=True))
    assert rc == 0, report
    rc, report = checked(tmp_path, pieces.solution_source(name))     # no header: found by its functions
    assert rc == 0, report


@pytest.mark.parametrize("name", NAMES)
def test_every_named_mistake_fails_and_is_named(tmp_path, name):
    for title, edits in SPECS[name].mistakes:
        text = pieces.exercise_text(name, solution=True)
        for old, new in edits:
            text = text.replace(old, new, 1)
        rc, report = checked(tmp_path, text)
        assert rc == 1, (title, report)
        assert f"this looks like: {title}" in report, report
        assert "first wrong: " in report and "  hint 1 of " in report


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", NAMES)
def test_solution_equals_the_engines_function(name, seed):
    spec = SPECS[name]
    inp = spec.inputs(seed)
    engine = spec.engine(inp)
    solution = pieces._Functions(pieces._solution_module(spec))
    quantities = {q.name: q for q in spec.quantities}
    assert len(engine) >= 3 and set(engine) <= set(quantities) | {"out", "h_T"}
    for qname, value in engine.items():
        if qname not in quantities:
            continue
        mine = np.asarray(quantities[qname].compute(solution, inp), dtype=np.float64)
        np.testing.assert_allclose(mine, np.asarray(value, dtype=np.float64), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}: {qname}")


@pytest.mark.parametrize("name", NAMES)
def test_derive_mode_gives_hints_not_the_backward_formulas(name):
    derive, guided = flat(pieces.exercise_text(name)), flat(pieces.exercise_text(name, guided=True))
    backward = [q for q in SPECS[name].quantities if q.backward]
    assert backward
    for q in backward:
        formula = flat(q.tiers[-1])
        assert formula in guided, (q.name, formula)
        assert formula not in derive, (q.name, formula)
        assert flat(q.tiers[0]) in derive
    solution = pieces.exercise_text(name, solution=True)
    for fname in SPECS[name].writes:          # no line of the solution's code is left in the derive template
        node = next(n for n in ast.parse(solution).body if isinstance(n, ast.FunctionDef) and n.name == fname)
        for stmt in node.body[1:]:
            code = ast.get_source_segment(solution, stmt).splitlines()[0].strip()
            assert code not in pieces.exercise_text(name), (fname, code)


@pytest.mark.parametrize("name", NAMES)
def test_a_loop_that_never_ends_gets_one_line(tmp_path, name):
    first = SPECS[name].writes[0]
    text = filled(name)
    seg = segment(text, first)
    doc_end = seg.index('"""', seg.index('"""') + 3) + 3
    text = text.replace(seg, seg[:doc_end] + "\n    while True:\n        pass\n")
    start = time.perf_counter()
    rc, report = checked(tmp_path, text, timeout=0.5)
    assert time.perf_counter() - start < 10
    assert rc == 1
    lines = [line for line in report.splitlines() if "did not return within 0.5 s" in line]
    assert len(lines) == 1 and first in lines[0] and "Traceback" not in report


def test_hint_levels_reveal_the_tiers_up_to_the_formula(tmp_path):
    text = pieces.exercise_text("clip", solution=True).replace("scale = min(1.0, max_norm / (norm + 1e-6))",
                                                                "scale = max_norm / (norm + 1e-6)")
    q = next(q for q in SPECS["clip"].quantities if q.name == "clipped[0] below max_norm")
    for level, shown in ((0, 1), (1, 1), (2, 2), (3, 3), (9, 3)):
        rc, report = checked(tmp_path, text, hint_level=level)
        assert rc == 1 and "first wrong: clipped[0] below max_norm" in report
        assert [int(k) for k in re.findall(r"hint (\d) of 3", report)] == list(range(1, shown + 1))
        assert (q.tiers[-1] in report) == (shown == 3)
        assert ("more: add --hint" in report) == (shown < 3)


def test_localised_by_time_step_direction_row_and_chunk(tmp_path):
    def report_of(name, old, new):
        return checked(tmp_path, pieces.exercise_text(name, solution=True).replace(old, new, 1))[1]
    r = report_of("bidirectional", "hs_r[:, ::-1]], axis=2)", "hs_r], axis=2)")
    assert "where: the reverse direction's half out[:, :, H:]" in r and "reversed time order" in r
    r = report_of("masked-rnn", "dh_prev = dh_prev + (1 - m_t) * dh_t", "dh_prev = dh_prev")
    assert "where: wrong in the padding (m_t = 0) rows 1" in r
    r = report_of("truncated-bptt", "dh_t = dhs[:, start + k] + dh_next", "dh_t = dhs[:, k] + dh_next")
    assert "where: wrong already with the first 2 chunk(s) alone (steps 0..5)" in r
    r = report_of("embedding", "np.add.at(dW, ids.reshape(-1), dout.reshape(-1, E))", "dW[ids] += dout")
    assert re.search(r"where: rows .* of dW are wrong; those ids appear .* times", r)
    r = report_of("softmax-ce", "shifted = z - z.max(axis=-1, keepdims=True)", "shifted = z")
    assert "not finite at (0, 1), where the scores are about 1000: exp overflowed" in r


def test_a_wrong_gradient_not_in_the_catalogue_is_still_localised(tmp_path):
    text = pieces.exercise_text("masked-rnn", solution=True).replace("dx[:, t], dh_next, dWx_t",
                                                                     "dx[:, T - 1 - t], dh_next, dWx_t")
    rc, report = checked(tmp_path, text)
    assert rc == 1 and "first wrong: dx, from your masked_rnn_backward" in report
    assert "BPTT runs from t = 4 down" in report and "this looks like" not in report


def test_wrong_return_type_in_place_edit_and_prints_get_one_clear_line(tmp_path):
    sol = pieces.exercise_text("embedding", solution=True)
    rc, report = checked(tmp_path, sol.replace("    return out, cache\n", "    return out\n"))
    assert rc == 1 and "your embedding_forward returned one ndarray; it must return 2: out, cache" in report
    rc, report = checked(tmp_path, sol.replace("    return dW\n", "    return {'dW': dW}\n"))
    assert rc == 1 and "dW is a dict, not an array of numbers" in report
    clip = pieces.exercise_text("clip", solution=True)
    rc, report = checked(tmp_path, clip.replace("    clipped = [g * scale for g in grads]",
                                                "    for g in grads:\n        g *= scale\n    clipped = grads"))
    assert rc == 1 and "your clip_grad_norm changed the arrays in its argument grads in place" in report
    bi = pieces.exercise_text("bidirectional", solution=True)
    rc, report = checked(tmp_path, bi.replace("    hs_f, caches_f = rnn_forward(x, h0_f, *fwd)",
                                              "    fwd[2][...] = 0\n    hs_f, caches_f = rnn_forward(x, h0_f, *fwd)"))
    assert rc == 1 and "your bidirectional_forward changed the arrays in its argument fwd in place" in report
    ce = pieces.exercise_text("softmax-ce", solution=True)
    rc, report = checked(tmp_path, ce.replace("    shifted = z - z.max(axis=-1, keepdims=True)",
                                              "    z -= z.max(axis=-1, keepdims=True)\n    shifted = z"))
    assert rc == 1 and "your log_softmax changed its input z in place" in report
    rc, report = checked(tmp_path, sol.replace("    out = W[ids]", "    print('x' * 100000)\n    out = W[ids]"))
    assert rc == 0 and "printed 100001 characters; the first 2000 follow" in report
    rc, report = checked(tmp_path, sol.replace("def embedding_forward(ids, W):", "def embedding_forward(ids, W)"))
    assert rc == 1 and report.startswith("your file does not load: SyntaxError at line")
    rc, report = checked(tmp_path, sol.replace("    out = W[ids]", "    out = W[ids] @ np.ones((3, 3))"))
    assert rc == 1 and "your embedding_forward raised ValueError" in report and "at line" in report


def test_find_exercise_and_bad_input(tmp_path):
    for name in NAMES:
        assert pieces.find_exercise(pieces.exercise_text(name)) == name
        assert pieces.find_exercise(pieces.solution_source(name)) == name
    assert pieces.find_exercise("print('hello')\n") is None
    rc, report = checked(tmp_path, "print('hello')\n")
    assert rc == 1 and "not one of the exercises" in report
    with pytest.raises(FileNotFoundError, match="no such file"):
        pieces.check_file(str(tmp_path / "missing.py"), out=lambda line: None)
    with pytest.raises(ValueError, match="no exercise named 'lstmm'"):
        pieces.exercise_text("lstmm")
