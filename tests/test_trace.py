"""Trace mode: the numbers it prints are the engine's, and its BPTT sums equal layer.backward's grads."""
import numpy as np
import pytest

from minirnn.cli import viz as cli_viz
from minirnn.trace import _fmt, trace


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("steps,hidden,batch,seed", [(3, 2, 1, 0), (5, 3, 2, 7)])
def test_trace_gradients_equal_layer_grads(cell, steps, hidden, batch, seed):
    lines = []
    res = trace(cell, steps=steps, hidden=hidden, batch=batch, seed=seed, write=lines.append)
    layer = res["layer"]
    assert set(res["grads"]) == {k[:-3] for k in layer.grads}            # every parameter traced
    for k, g in res["grads"].items():
        np.testing.assert_allclose(g, layer.grads[k + "_l0"], rtol=0, atol=1e-12)
        assert np.abs(g).max() > 0                                       # a real gradient, not zeros
    layer_dh0 = layer.d_h0[0] if cell == "lstm" else layer.d_h0          # the LSTM's d_h0 is (dh0, dc0)
    np.testing.assert_allclose(res["d_h0"], layer_dh0[0], rtol=0, atol=1e-12)
    assert res["max_diff"] < 1e-12
    text = "\n".join(lines)
    # the forward pass prints every step, the backward pass every step in reverse time
    fwd = [text.index(f"-- step t = {t}\n") for t in range(1, steps + 1)]
    bwd = [text.index(f"-- step t = {t} (backward)") for t in range(steps, 0, -1)]
    assert fwd == sorted(fwd) and bwd == sorted(bwd) and fwd[-1] < bwd[0]
    # the last accumulated weight gradients printed are the layer's own grads
    assert _fmt(layer.grads["Wx_l0"]).splitlines()[0] in text.split("-- step t = 1 (backward)")[1]
    assert f"({batch}, {steps}, {hidden})" in text                       # shapes are printed


def test_trace_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="cell must be one of"):
        trace("transformer")
    with pytest.raises(ValueError, match="steps must be an integer"):
        trace("rnn", steps=0)


def test_trace_cli(capsys):
    assert cli_viz.main(["trace", "--cell", "lstm", "--steps", "2", "--hidden", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "f_2 = sigmoid(a_f)" in out and "dL/dc_1" in out and "CHECK against layer" in out
