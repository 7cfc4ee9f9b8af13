"""Sequential: the mask flows from the Embedding, gradients are right end to end, and it learns."""
import numpy as np
import pytest

import minirnn
from minirnn import Dense, Dropout, Embedding, Sequential
from minirnn.backend import to_device, to_numpy

CELLS = {"rnn": minirnn.RNN, "lstm": minirnn.LSTM, "gru": minirnn.GRU}


def sentiment_model(cell="lstm", V=20, E=5, H=4, bidirectional=False, stacked=False, dtype=np.float64):
    C = CELLS[cell]
    D = 2 if bidirectional else 1
    layers = [Embedding(V, E, rng=0), C(E, H, bidirectional=bidirectional, rng=1)]
    if stacked:
        layers += [Dropout(0.0), C(D * H, H, bidirectional=bidirectional, rng=4)]
    layers += [Dense(D * H, 6, "relu", rng=2), Dense(6, 1, "sigmoid", rng=3)]
    return Sequential(*layers).astype(dtype)


IDS = np.array([[3, 4, 5, 0, 0], [7, 1, 2, 9, 8], [0, 0, 6, 6, 2]])     # post-, un- and pre-padded


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("bidirectional, stacked", [(False, False), (True, True)])
def test_model_gradcheck(cell, bidirectional, stacked):
    model = sentiment_model(cell, bidirectional=bidirectional, stacked=stacked)
    errors = minirnn.gradcheck(model, to_device(IDS), verbose=False)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_fused_sigmoid_bce_gradient(cell):
    """compile(loss="binary_crossentropy") trains on the logit: check that gradient by finite differences."""
    model = sentiment_model(cell).compile("sgd", lr=0.0)
    x, y = to_device(IDS), to_device(np.array([1.0, 0.0, 1.0]))
    loss = lambda: minirnn.bce_with_logits(model.forward(x, logits=True), y)[0]
    model.loss_and_grad(x, y)
    for name, p in model.params.items():
        g, idx = to_numpy(model.grads[name]), np.unravel_index(np.argmax(np.abs(to_numpy(model.grads[name]))), p.shape)
        old = float(p[idx])
        p[idx] = old + 1e-6; up = loss()
        p[idx] = old - 1e-6; down = loss()
        p[idx] = old
        assert abs((up - down) / 2e-6 - g[idx]) <= 1e-6 * max(1.0, abs(g[idx])), name


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_padding_does_not_change_the_prediction(cell):
    """The classic pitfall: with the mask, 10 or 40 padding ids after a review change nothing."""
    model = sentiment_model(cell, bidirectional=True)
    review = [3, 4, 5, 9]
    short = np.array([review + [0] * 2])
    long = np.array([review + [0] * 40])
    pre = np.array([[0] * 25 + review])
    p = [float(model.predict(a)[0, 0]) for a in (short, long, pre)]
    np.testing.assert_allclose(p, p[0], atol=1e-12)


def test_fit_learns_a_keyword_task():
    """Label 1 if token 5 appears anywhere, among random lengths and padding: an RNN must carry it."""
    rng = np.random.default_rng(0)
    N, T = 600, 12
    x = rng.integers(6, 20, size=(N, T))
    y = (rng.random(N) < 0.5).astype(np.float64)
    lengths = rng.integers(3, T + 1, size=N)
    for i in range(N):
        if y[i]:
            x[i, rng.integers(0, lengths[i])] = 5
        x[i, lengths[i]:] = 0                                   # post-padding
    model = sentiment_model("gru", V=20, E=8, H=16, dtype=np.float32).compile("adam", lr=1e-2)
    history = model.fit(x[:500], y[:500], epochs=6, batch_size=32, validation_data=(x[500:], y[500:]), verbose=False)
    assert history["val_accuracy"][-1] > 0.9, history
    assert history["loss"][-1] < history["loss"][0]
    assert [len(epoch) for epoch in history["grad_norm"]] == [16] * 6       # per epoch: its 16 steps' norms
    assert all(np.isfinite(np.concatenate(history["grad_norm"])))
    assert {len(values) for values in history.values()} == {6}              # so pd.DataFrame(history) is the table


def test_fit_history_is_a_dataframe_one_row_per_epoch():
    """The notebook idiom: pd.DataFrame(history) has one row per epoch and plots; no empty val_* columns
    without validation (pd.DataFrame would refuse lists of different lengths)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot
    import pandas as pd
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 20, size=(64, 5)), (rng.random(64) < 0.5).astype(np.float32)
    for kwargs, columns in (({}, ["loss", "accuracy", "seconds", "grad_norm"]),
                            ({"validation_split": 0.25}, ["loss", "accuracy", "seconds", "grad_norm",
                                                          "val_loss", "val_accuracy"])):
        model = sentiment_model("rnn", V=20, E=4, H=4, dtype=np.float32).compile("adam", lr=1e-2)
        frame = pd.DataFrame(model.fit(x, y, epochs=3, batch_size=16, verbose=False, **kwargs))
        assert list(frame.columns) == columns and len(frame) == 3
        assert frame["loss"].dtype == np.float64 and len(frame["grad_norm"][0]) == (48 if kwargs else 64) // 16
        ax = frame.drop(columns=["seconds"]).plot()                  # grad_norm (lists) is not plotted
        plotted = sorted(c for c in columns if c not in ("seconds", "grad_norm"))
        assert sorted(ax.get_legend_handles_labels()[1]) == plotted
        matplotlib.pyplot.close(ax.figure)


def test_compile_and_fit_errors():
    model = sentiment_model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(IDS, np.ones(3))
    with pytest.raises(ValueError, match="loss must be one of"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        model.compile(optimizer="lbfgs")
    model.compile()
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        model.fit(IDS, np.ones(2))
    with pytest.raises(IndexError):
        model.predict(np.array([[1, 2, 99]]))                   # id out of the vocabulary
