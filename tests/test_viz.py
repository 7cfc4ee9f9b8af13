"""Figures: each draws headless into a PNG of the expected size, and the data behind it is right."""
import matplotlib.image as mpimg
import numpy as np
import pytest

from minirnn import GRU, LSTM, RNN
from minirnn.apps import sentiment
from minirnn.apps.tasks import AddingModel, adding_problem, memory_sweep
from minirnn.backend import to_device, to_numpy
from minirnn.text import Tokenizer
from minirnn.viz.figures import DPI, hidden_states, lstm_gate_traces, plot_hidden_states, plot_lstm_gates, plot_memory
from minirnn.viz.grads import (adding_grad_norms, hidden_grad_norms, plot_grad_norm_per_step, steps_and_boundaries,
                               plot_hidden_grad_norms)

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
TEXTS = ["a great film with great acting", "a dull film and a bad story", "great story, bad ending",
         "the acting was dull but the film was great"]


def png_shape(path):
    """(height, width) in pixels of a PNG file, checked to hold a picture (not one flat colour)."""
    img = mpimg.imread(path)
    assert img.std() > 0.01
    return img.shape[:2]


@pytest.fixture(scope="module")
def tiny_sentiment():
    tokenizer = Tokenizer(num_words=50, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    model = sentiment.build_model("gru", num_words=50, embed_dim=4, hidden=5, seed=1)
    model.compile("adam", lr=0.05, loss="binary_crossentropy")
    x = sentiment.prepare(TEXTS, tokenizer, maxlen=12)
    model.fit(x, np.array([1, 0, 1, 1], np.float32), epochs=3, batch_size=2, verbose=False)
    return model, tokenizer


def test_hidden_states_are_the_models_predictions_on_each_prefix(tiny_sentiment):
    model, tokenizer = tiny_sentiment
    text = "the film was great but the ending was dull"
    states, probs, words = hidden_states(model, tokenizer, text)
    T = len(text.split())
    assert states.shape == (T, 5) and probs.shape == (T,) and words == text.split()
    for t in range(1, T + 1):            # P after word t == predict on the padded review cut after word t
        prefix = sentiment.prepare([" ".join(words[:t])], tokenizer, maxlen=20, padding="post")
        np.testing.assert_allclose(probs[t - 1], model.predict(prefix)[0, 0], rtol=1e-5, atol=1e-6)


def test_hidden_states_refuse_a_bidirectional_model(tiny_sentiment):
    _, tokenizer = tiny_sentiment
    bi = sentiment.build_model("rnn", num_words=50, embed_dim=4, hidden=5, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        hidden_states(bi, tokenizer, "a great film")


def test_plot_hidden_states_png(tiny_sentiment, tmp_path):
    model, tokenizer = tiny_sentiment
    path = plot_hidden_states(model, tokenizer, "a great film but a dull story", tmp_path / "h.png")
    assert png_shape(path) == (int(7.5 * DPI), 10 * DPI)


def test_lstm_gate_traces_come_from_the_layer():
    layer = LSTM(2, 4, rng=0)
    x, _ = adding_problem(2, 9, rng=1)
    tr = lstm_gate_traces(layer, x)                                          # NumPy x in, NumPy traces out
    out, (h_n, c_n) = layer.forward(to_device(x))
    np.testing.assert_allclose(tr["h"], to_numpy(out[0]), rtol=1e-6)         # h_t, every step
    np.testing.assert_allclose(tr["c"][-1], to_numpy(c_n[0, 0]), rtol=1e-6)  # c_T
    for k in "ifo":
        assert tr[k].shape == (9, 4) and tr[k].min() > 0 and tr[k].max() < 1
    np.testing.assert_allclose(tr["c"][0], tr["i"][0] * tr["g"][0], rtol=1e-6)   # c_1 = f c_0 + i g, c_0 = 0


def test_plot_lstm_gates_png(tmp_path):
    x, _ = adding_problem(1, 12, rng=2)
    path = plot_lstm_gates(LSTM(2, 6, rng=0), x, tmp_path / "g.png", labels=[f"{v:.1f}" for v in x[0, :, 0]],
                           marks=[3, 8])
    assert png_shape(path) == (13 * DPI, 10 * DPI)
    with pytest.raises(TypeError, match="LSTM"):
        lstm_gate_traces(GRU(2, 3), x)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_grad_norms_match_layer_backward(cell):
    """norms[t] = ||dL/dh_t||: checked against layer.d_h0 of the layer restarted at h_t on x[:, t:]."""
    layer = CELLS[cell](3, 4, rng=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    B, T = 2, 7
    x, d_hT = to_device(rng.standard_normal((B, T, 3))), to_device(rng.standard_normal((B, 4)))
    norms = hidden_grad_norms(layer, x, d_hT)                    # NumPy (T,), whichever backend x is on
    assert norms.shape == (T,) and np.all(norms > 0)
    zero_out = to_device(np.zeros((B, T, 4)))
    for t in range(T):
        h0 = None
        if t > 0:
            _, h0 = layer.forward(x[:, :t])                      # the state (h_t, or (h_t, c_t)) after t inputs
        layer.forward(x[:, t:], h0=h0)
        layer.backward(zero_out[:, t:], (d_hT[None], None) if cell == "lstm" else d_hT[None])
        dh0 = layer.d_h0[0] if cell == "lstm" else layer.d_h0
        np.testing.assert_allclose(norms[t], np.linalg.norm(to_numpy(dh0)), rtol=1e-10)


def test_hidden_grad_norms_clipping_scales_like_clip_grad_norm():
    layer = RNN(2, 3, rng=0, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, d_hT = to_device(rng.standard_normal((2, 5, 2))), to_device(rng.standard_normal((2, 3)))
    layer.forward(x)
    layer.backward(to_device(np.zeros((2, 5, 3))), d_hT[None])
    total = np.sqrt(sum(float((g ** 2).sum()) for g in layer.grads.values()))      # a float: ||dL/dW||
    plain, clipped = hidden_grad_norms(layer, x, d_hT), hidden_grad_norms(layer, x, d_hT, clip_norm=total / 10)
    np.testing.assert_allclose(clipped, plain / 10, rtol=1e-5)
    np.testing.assert_allclose(hidden_grad_norms(layer, x, d_hT, clip_norm=total * 2), plain)   # below: unchanged


def test_simple_rnn_gradient_vanishes_faster_than_lstm():
    x, y = adding_problem(16, 40, rng=0)
    rnn = adding_grad_norms(AddingModel("rnn", 16, seed=0), x, y)
    lstm = adding_grad_norms(AddingModel("lstm", 16, seed=0), x, y)
    assert rnn.shape == lstm.shape == (40,)
    assert rnn[0] / rnn[-1] < lstm[0] / lstm[-1] < 1                          # both shrink; the RNN's far more


def test_rnn_gradient_explodes_with_a_large_recurrent_matrix():
    x, y = adding_problem(16, 30, rng=0)
    model = AddingModel("rnn", 16, seed=0, orthogonal=True)
    model.rnn.params["Wh_l0"] *= 2.0                                          # singular values all 2
    norms = adding_grad_norms(model, x, y)
    clipped = adding_grad_norms(model, x, y, clip_norm=1.0)
    assert norms[0] > 10 * norms[-1]                                          # grows going back in time
    ratio = clipped / norms
    assert ratio.max() < 1 and np.allclose(ratio, ratio[0])                   # clipping: one scale for all t


def test_plot_hidden_grad_norms_png(tmp_path):
    panels = {"a": {"RNN": np.logspace(-8, 0, 10), "LSTM": np.logspace(-2, 0, 10)}, "b": {"GRU": np.ones(10)}}
    assert png_shape(plot_hidden_grad_norms(panels, tmp_path / "n.png")) == (int(4.5 * DPI), int(11 * DPI))


def test_plot_grad_norm_per_step_png(tiny_sentiment, tmp_path):
    model, _ = tiny_sentiment
    norms = list(np.linspace(0.1, 3, 10))
    history = {"loss": [0.7, 0.6], "grad_norm": [norms[:6], norms[6:]]}          # per epoch, as fit returns it
    assert png_shape(plot_grad_norm_per_step(history, tmp_path / "s.png", clip_norm=1.0)) == (4 * DPI, 10 * DPI)
    assert steps_and_boundaries(history) == (norms, [6])
    with pytest.raises(ValueError, match="grad_norm"):
        plot_grad_norm_per_step({"loss": [1.0]}, tmp_path / "t.png")


def test_plot_memory_png(tmp_path):
    rows = memory_sweep(("rnn", "lstm"), (4, 8), steps=2, eval_every=2, n_test=8, progress=False)
    assert png_shape(plot_memory(rows, tmp_path / "m.png")) == (5 * DPI, 8 * DPI)


def test_viz_cli_with_a_checkpoint(tmp_path, capsys):
    from minirnn.cli import viz as cli_viz
    config = sentiment.Config(cell="lstm", num_words=50, embed_dim=4, hidden=5, maxlen=12, epochs=2, batch_size=2)
    tokenizer = Tokenizer(num_words=50, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    model = sentiment.model_from_config(config)
    history = model.fit(sentiment.prepare(TEXTS, tokenizer, 12), np.array([1, 0, 1, 1], np.float32), epochs=2,
                        batch_size=2, validation_data=(sentiment.prepare(TEXTS, tokenizer, 12),
                                                       np.array([1, 0, 1, 1], np.float32)), verbose=False)
    ckpt = sentiment.save(str(tmp_path / "c.npz"), model, model.optimizer, tokenizer, config, 2, history)
    for what in ("hidden", "curves", "gates"):
        assert cli_viz.main(["viz", what, "--checkpoint", str(ckpt), "--out", str(tmp_path),
                             "--text", "a great film but a dull story"]) == 0
    out = capsys.readouterr().out
    for name in ("hidden.png", "curves.png", "grad_norm_per_step.png", "gates.png"):
        assert f"wrote {tmp_path / name}" in out
    assert png_shape(tmp_path / "curves.png") == (480, 1200)                  # minirnn.viz.plots' figure size


def test_viz_cli_gates_and_grads(tmp_path, capsys):
    from minirnn.cli import viz as cli_viz
    assert cli_viz.main(["viz", "gates", "--steps", "20", "--out", str(tmp_path)]) == 0
    assert cli_viz.main(["viz", "grads", "--steps", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("gates.png", "grads.png"):
        assert f"wrote {tmp_path / name}" in out and (tmp_path / name).stat().st_size > 0
    assert cli_viz.main(["viz", "hidden", "--checkpoint", str(tmp_path / "missing.npz")]) == 2
