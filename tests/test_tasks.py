"""The adding problem: the data is what it claims, the model's gradients are right, and it is learnable."""
import numpy as np
import pytest

from minirnn.apps.tasks import BASELINE_MSE, SOLVED_MSE, AddingModel, adding_problem, memory_sweep, train_adding
from minirnn.backend import to_device


def test_adding_problem_data():
    x, y = adding_problem(500, 20, rng=1)
    assert x.shape == (500, 20, 2) and y.shape == (500,) and x.dtype == np.float32
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)                              # exactly two markers ...
    assert np.all(markers[:, :10].sum(axis=1) == 1)                      # ... one in each half
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert 0 <= x[:, :, 0].min() and x[:, :, 0].max() < 1


def test_baseline_mse_is_predicting_one():
    _, y = adding_problem(200_000, 10, rng=2)
    assert abs(np.mean((1.0 - y) ** 2) - BASELINE_MSE) < 0.003


def test_bad_lengths_are_clear():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        adding_problem(4, 1)
    with pytest.raises(ValueError, match="cell must be one of"):
        AddingModel("tcn")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_adding_model_gradients_match_finite_differences(cell):
    model = AddingModel(cell, hidden=3, seed=1)
    for layer in model.layers:
        layer.astype(np.float64)
    x, y = adding_problem(4, 6, rng=3, dtype=np.float64)
    x, y = to_device(x), to_device(y)                                    # the model's forward takes backend arrays
    model.loss_and_grad(x, y)
    grads = [{k: g.copy() for k, g in layer.grads.items()} for layer in model.layers]
    rng = np.random.default_rng(0)
    for layer, layer_grads in zip(model.layers, grads):
        for name, p in layer.params.items():
            idx = tuple(rng.integers(0, s) for s in p.shape)
            analytic = float(layer_grads[name][idx])
            old, eps = float(p[idx]), 1e-6
            p[idx] = old + eps
            plus = model.loss_and_grad(x, y)[0]
            p[idx] = old - eps
            minus = model.loss_and_grad(x, y)[0]
            p[idx] = old
            assert abs((plus - minus) / (2 * eps) - analytic) < 1e-7 + 1e-5 * abs(analytic), (name, idx)


def test_lstm_learns_short_adding_problem():
    res = train_adding("lstm", T=10, steps=800, eval_every=50, target_mse=SOLVED_MSE / 2, progress=False)
    assert res["mse"] < SOLVED_MSE                                       # far below the 0.167 baseline
    assert res["history"][0][1] > res["mse"] and len(res["grad_norm"]) == res["steps"]


@pytest.mark.slow
def test_rnn_fails_where_lstm_and_gru_succeed():
    """T = 50: the gated cells solve it in a few hundred steps; the simple RNN stays near the baseline."""
    kw = dict(T=50, eval_every=100, target_mse=SOLVED_MSE / 2, progress=False)
    rnn = train_adding("rnn", steps=800, **kw)
    gru = train_adding("gru", steps=800, **kw)
    lstm = train_adding("lstm", steps=1200, **kw)
    assert gru["mse"] < SOLVED_MSE and lstm["mse"] < SOLVED_MSE
    assert rnn["mse"] > 0.5 * BASELINE_MSE


def test_memory_sweep_rows():
    rows = memory_sweep(("rnn", "gru"), (4, 6), steps=3, eval_every=3, n_test=16, progress=False)
    assert [(r["cell"], r["T"]) for r in rows] == [("rnn", 4), ("gru", 4), ("rnn", 6), ("gru", 6)]
    assert all("model" not in r and np.isfinite(r["mse"]) for r in rows)
