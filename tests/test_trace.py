"""Trace mode: the numbers it prints are the engine's (or, with plain=True, the plain cells'), its
BPTT sums equal layer.backward's grads, and it reads well: 100 columns, every gradient inside a step."""
import re

import numpy as np
import pytest

from minirnn.backend import to_numpy
from minirnn.cli import viz as cli_viz
from minirnn.plain import rnn as plain_rnn
from minirnn.trace import WIDTH, trace

CELLS = ["rnn", "lstm", "gru"]


def traced(cell, plain=False, **kw):
    """trace() -> (its result with every array on the host, the text it printed)."""
    lines = []
    res = trace(cell, plain=plain, write=lines.append, **kw)
    host = lambda v: {k: to_numpy(a) for k, a in v.items()} if isinstance(v, dict) else to_numpy(v)
    res["steps"] = [{k: host(v) for k, v in s.items() if k != "cache"} for s in res["steps"]]
    res.update(grads=host(res["grads"]), d_h0=to_numpy(res["d_h0"]),
               d_c0=None if res["d_c0"] is None else to_numpy(res["d_c0"]))
    return res, "\n".join(lines)


def printed(text, label):
    """The numbers printed for label (on its line, or on the lines below it), as a flat array."""
    lines = text.split(label, 1)[1].split("\n")
    body = [lines[0]]
    for line in lines[1:]:
        if not line.strip() or not re.match(r"[\[(\-\d]", line.strip()):
            break
        body.append(line)
    numbers = re.sub(r"\(\d+(, \d+)*,?\)|\(\)", "", " ".join(body), count=1)      # drop the shape
    return np.array([float(v) for v in re.findall(r"-?\d+\.\d+", numbers)])


def backward_part(text, t):
    """The text of step t's backward pass."""
    return text.split(f"-- step t = {t} (backward)")[1].split("-- step t = ")[0].split("==== CHECK")[0]


@pytest.mark.parametrize("plain", [False, True], ids=["engine", "plain"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("steps,hidden,batch,seed,h0", [(3, 2, 1, 0, "zero"), (5, 3, 2, 7, "random")])
def test_trace_gradients_equal_layer_grads(cell, plain, steps, hidden, batch, seed, h0):
    res, text = traced(cell, plain, steps=steps, hidden=hidden, batch=batch, seed=seed, h0=h0)
    layer = res["layer"]
    assert set(res["grads"]) == {k[:-3] for k in layer.grads}            # every parameter traced
    for k, g in res["grads"].items():
        np.testing.assert_allclose(g, to_numpy(layer.grads[k + "_l0"]), rtol=0, atol=1e-12)
        assert np.abs(g).max() > 0                                       # a real gradient, not zeros
    layer_dh0 = layer.d_h0[0] if cell == "lstm" else layer.d_h0          # the LSTM's d_h0 is (dh0, dc0)
    np.testing.assert_allclose(res["d_h0"], to_numpy(layer_dh0[0]), rtol=0, atol=1e-12)
    if cell == "lstm":
        np.testing.assert_allclose(res["d_c0"], to_numpy(layer.d_h0[1][0]), rtol=0, atol=1e-12)
    assert set(res["diffs"]) >= {"out", "dx", "d_h0"} and res["max_diff"] < 1e-12
    # the forward pass prints every step, the backward pass every step in reverse time
    fwd = [text.index(f"-- step t = {t}\n") for t in range(1, steps + 1)]
    bwd = [text.index(f"-- step t = {t} (backward)") for t in range(steps, 0, -1)]
    assert fwd == sorted(fwd) and bwd == sorted(bwd) and fwd[-1] < bwd[0]
    # the last accumulated weight gradients printed are the layer's own grads
    dWx = printed(backward_part(text, 1), "dW_x = dW_x + x_1^T")
    np.testing.assert_allclose(dWx, to_numpy(layer.grads["Wx_l0"]).ravel(), rtol=0, atol=6e-5)
    assert f"({batch}, {steps}, {hidden})" in text                       # shapes are printed
    assert ("minirnn/plain/" if plain else f"minirnn/{cell}.py") in text.splitlines()[1]


@pytest.mark.parametrize("plain", [False, True], ids=["engine", "plain"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("size", [dict(), dict(steps=4, hidden=7, input_size=5, batch=3, h0="random"),
                                  dict(steps=12, hidden=1, input_size=1)])
def test_every_line_fits_100_columns(cell, plain, size):
    _, text = traced(cell, plain, **size)
    too_long = [line for line in text.splitlines() if len(line) > WIDTH]
    assert WIDTH == 100 and not too_long, too_long[:3]


def test_numbers_too_wide_for_their_column_go_below_the_label():
    _, text = traced("lstm")                                   # x_1 W_x + b is (1, 8): too wide beside its label
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.strip().startswith("x_1 W_x + b"))
    assert lines[k].rstrip().endswith("(1, 8)") and lines[k + 1].startswith("      [[")
    shapes = {line.index("(1, 2)") for line in lines if line.startswith("  ") and "(1, 2)  [[" in line}
    assert len(shapes) == 1                                    # every (1, 2) row: the shape at one column


@pytest.mark.parametrize("plain", [False, True], ids=["engine", "plain"])
def test_lstm_backward_prints_total_dc_and_each_gate_gradient(plain):
    res, text = traced("lstm", plain, steps=3, hidden=2, seed=1)
    H = 2
    for t, s in enumerate(res["steps"], start=1):
        part = backward_part(text, t)
        labels = [f"dL/dc_{t} (total) = dL/dc_{t} via step {t + 1} + dL/dh_{t} o_{t} (1 - tanh(c_{t})^2)",
                  f"dL/do_{t} = dL/dh_{t} tanh(c_{t})", f"dL/di_{t} = dL/dc_{t} g_{t}",
                  f"dL/df_{t} = dL/dc_{t} c_{t - 1}", f"dL/dg_{t} = dL/dc_{t} i_{t}"]
        where = [part.index(label) for label in labels]
        assert where == sorted(where)                          # total dc first, then do, di, df, dg
        for label, key in zip(labels, ["dc_total", "do", "di", "df", "dg"]):
            np.testing.assert_allclose(printed(part, label), s[key].ravel(), rtol=0, atol=6e-5)
        # the total is what the step sends on to c_{t-1} divided by f_t: dc_{t-1} = dc_t f_t
        np.testing.assert_allclose(s["dc_total"] * s["f"], s["dc_prev"], rtol=1e-12, atol=1e-15)
        # and through their nonlinearities they give this step's own db (the plain step's, or the engine's)
        i, f, g, o = (s[k] for k in "ifgo")
        da = np.concatenate([s["di"] * i * (1 - i), s["df"] * f * (1 - f), s["dg"] * (1 - g ** 2),
                             s["do"] * o * (1 - o)], axis=1)
        db_t = s["acc"]["b"] - (res["steps"][t]["acc"]["b"] if t < 3 else 0)
        np.testing.assert_allclose(da.sum(axis=0), db_t, rtol=1e-12, atol=1e-15)
        assert da.shape == (1, 4 * H)


@pytest.mark.parametrize("plain", [False, True], ids=["engine", "plain"])
def test_gru_prints_its_preactivations(plain):
    res, text = traced("gru", plain, steps=3, hidden=2, seed=2)
    forward = text.split("==== BACKWARD")[0]
    for t, s in enumerate(res["steps"], start=1):
        part = forward.split(f"-- step t = {t}\n")[1].split("-- step t =")[0]
        for gate, label, pre in (("r", f"a_r,{t} = x_{t} W_xr + b_r + h_{t - 1} W_hr", s["a_r"]),
                                 ("z", f"a_z,{t} = x_{t} W_xz + b_z + h_{t - 1} W_hz", s["a_z"]),
                                 ("n", f"a_n,{t} = x_{t} W_xn + b_xn + r_{t} hn_{t}", s["a_n"])):
            np.testing.assert_allclose(printed(part, label), pre.ravel(), rtol=0, atol=6e-5)
            assert part.index(label) < part.index(f"\n  {gate}_{t} = ")    # before the gate it feeds
        # the pre-activations are what the gates' nonlinearities undo
        np.testing.assert_allclose(s["a_r"], np.log(s["r"] / (1 - s["r"])), rtol=1e-9)
        np.testing.assert_allclose(s["a_z"], np.log(s["z"] / (1 - s["z"])), rtol=1e-9)
        np.testing.assert_allclose(s["a_n"], np.arctanh(s["n"]), rtol=1e-9)
    assert "hn," not in text and "dhW" not in text                        # labels read as the notation


@pytest.mark.parametrize("cell", CELLS)
def test_the_dwh_note_appears_once_at_step_1_only_when_h0_is_zero(cell):
    res, text = traced(cell, steps=3)
    note = "so dW_h gets nothing from step 1"
    assert text.count(note) == 1 and note in backward_part(text, 1)
    s1, s2 = res["steps"][0], res["steps"][1]
    np.testing.assert_array_equal(s1["acc"]["Wh"], s2["acc"]["Wh"])      # indeed: step 1 added nothing
    res, text = traced(cell, steps=3, h0="random")
    assert note not in text
    assert np.abs(res["steps"][0]["acc"]["Wh"] - res["steps"][1]["acc"]["Wh"]).max() > 0


@pytest.mark.parametrize("cell", CELLS)
def test_plain_trace_prints_the_engines_numbers(cell):
    (eng, eng_text), (pln, pln_text) = traced(cell, seed=4, batch=2, h0="random"), \
        traced(cell, True, seed=4, batch=2, h0="random")
    keys = {"h", "c", "i", "f", "g", "o", "r", "z", "n", "hn", "a", "a_r", "a_z", "a_n", "xw", "hh",
            "dh", "dh_prev", "dc", "dc_prev", "dc_total", "da", "dx"}
    for e, p in zip(eng["steps"], pln["steps"]):
        shared = keys & set(e)
        assert shared >= {"h", "dh", "dh_prev", "da", "dx"}
        for k in shared:
            np.testing.assert_allclose(p[k], e[k], rtol=0, atol=1e-12, err_msg=k)
        for k in e["acc"]:
            np.testing.assert_allclose(p["acc"][k], e["acc"][k], rtol=0, atol=1e-12, err_msg=k)
    body = lambda text: text.split("\n", 2)[2].split("==== CHECK")[0]       # without the source line
    assert body(eng_text) == body(pln_text)
    assert pln["max_diff"] < 1e-12 and "the plain cell against the engine's" in pln_text


def test_plain_trace_runs_the_plain_step_functions(monkeypatch):
    """Break the plain RNN's step backward: the plain trace shows it and its check catches it; the
    engine's trace does not change."""
    real = plain_rnn.rnn_step_backward

    def dropped_tanh_derivative(dh_t, cache):
        x_t, h_prev, h_t, Wx, Wh = cache
        return real(dh_t, (x_t, h_prev, 0 * h_t, Wx, Wh))            # as if da = dh_t: (1 - h^2) dropped
    monkeypatch.setattr(plain_rnn, "rnn_step_backward", dropped_tanh_derivative)
    res, text = traced("rnn", True)
    assert res["max_diff"] > 1e-3 and res["diffs"]["Wx"] > 1e-3
    assert traced("rnn")[0]["max_diff"] < 1e-12


def test_trace_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="cell must be one of"):
        trace("transformer")
    with pytest.raises(ValueError, match="steps must be an integer"):
        trace("rnn", steps=0)
    with pytest.raises(ValueError, match="h0 must be 'zero' or 'random'"):
        trace("rnn", h0="ones")


def test_trace_cli(capsys):
    assert cli_viz.main(["trace", "--cell", "lstm", "--steps", "2", "--hidden", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "f_2 = sigmoid(a_f)" in out and "dL/dc_1 (total)" in out and "CHECK: the trace against" in out
    assert cli_viz.main(["trace", "--cell", "gru", "--plain", "--h0", "random"]) == 0
    out = capsys.readouterr().out
    assert "minirnn/plain/gru.py" in out and "CHECK: the plain cell against" in out
    assert "gets nothing from step 1" not in out
