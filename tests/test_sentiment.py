"""The IMDB app: it learns on the shipped sample, its checkpoints round-trip and resume exactly,
damaged checkpoints are refused, and the padding pitfall is real."""
import numpy as np
import pytest

import minirnn
from minirnn import checkpoint
from minirnn.apps import sentiment, sentiment_train
SMALL = dict(num_words=500, embed_dim=8, hidden=8, maxlen=40, limit=128, batch_size=32, epochs=2)


def params_of(model):
    return {k: minirnn.to_numpy(v).copy() for k, v in model.params.items()}


@pytest.mark.slow
def test_training_on_the_shipped_sample_beats_075():
    # A small GRU: 2,000 reviews overfit a big model within an epoch or two.
    config = sentiment.Config(cell="gru", num_words=1000, embed_dim=16, hidden=16, dropout=0.5, lr=5e-3,
                              weight_decay=1e-4, epochs=8, batch_size=32, maxlen=200)
    tokenizer, train, test = sentiment.load_data(config, progress=False)
    model = sentiment.model_from_config(config)
    history = model.fit(*train, epochs=config["epochs"], batch_size=config["batch_size"],
                        validation_data=test, verbose=False)
    assert max(history["val_accuracy"]) > 0.75, history["val_accuracy"]
    assert history["loss"][-1] < history["loss"][0]


def test_checkpoint_round_trip_gives_identical_predictions(tmp_path):
    config = sentiment.Config(**dict(SMALL, cell="lstm", epochs=1))
    model, tokenizer, history, _ = sentiment_train.train(config, tmp_path, verbose=False)
    loaded, _, tok2, config2, epoch, history2 = sentiment.load(tmp_path / "checkpoint.npz")
    assert (config2, epoch, history2["loss"]) == (config, 1, history["loss"])
    assert tok2.word_index == {w: i for w, i in tokenizer.word_index.items() if i < config["num_words"]}
    texts = ["a wonderful, moving film", "boring and far too long", "zzzz"]
    assert sentiment.predict_texts(loaded, tok2, texts, 40) == sentiment.predict_texts(model, tokenizer, texts, 40)
    with pytest.raises(ValueError, match="review 2 of 2 is empty"):
        sentiment.predict_texts(model, tokenizer, ["good", " "], 40)


def test_an_older_checkpoints_history_loads_one_entry_per_epoch(tmp_path):
    """Before fit's history became per epoch, checkpoints kept grad_norm as one flat list of steps and
    empty val_* lists; load gives them in today's form, so pd.DataFrame(history) works on them too."""
    import pandas as pd
    config = sentiment.Config(**dict(SMALL, cell="rnn", epochs=2, validation_split=0.0))
    model, tokenizer, history, _ = sentiment_train.train(config, tmp_path, verbose=False)
    assert "val_loss" not in history and len(history["grad_norm"]) == 2
    old = dict(history, grad_norm=sum(history["grad_norm"], []), val_loss=[], val_accuracy=[])
    sentiment.save(tmp_path / "old.npz", model, model.optimizer, tokenizer, config, 2, old)
    loaded = sentiment.load(tmp_path / "old.npz")[5]
    assert loaded == history
    assert list(pd.DataFrame(loaded).columns) == ["loss", "accuracy", "seconds", "grad_norm"]


def test_keep_best_restores_the_best_validation_epoch_and_scores_test_once(tmp_path, monkeypatch):
    config = sentiment.Config(**dict(SMALL, cell="gru", epochs=3, lr=0.02))
    scored = []
    real_evaluate = minirnn.Sequential.evaluate

    def evaluate(model, x, y, batch_size=256):
        scored.append(len(x))
        return real_evaluate(model, x, y, batch_size)

    monkeypatch.setattr(minirnn.Sequential, "evaluate", evaluate)
    model, _, history, _ = sentiment_train.train(config, tmp_path, verbose=False)
    n_val = int(128 * 0.1)
    assert scored == [n_val, n_val, n_val, 128]            # validation after each epoch, the test set once
    best = int(np.argmax(history["val_accuracy"])) + 1
    assert model.best["epoch"] == best and model.best["val_accuracy"] == max(history["val_accuracy"])
    for k, v in params_of(model).items():                 # the model holds the best epoch's weights
        np.testing.assert_array_equal(v, model.best["params"][k])
    loaded = sentiment.load(tmp_path / "checkpoint.npz")[0]   # and so does the checkpoint, for predict
    for k, v in params_of(loaded).items():
        np.testing.assert_array_equal(v, model.best["params"][k])
    assert loaded.test == model.test and loaded.best["epoch"] == best


def test_checkpoint_keeps_only_the_vocabulary_the_model_reads(tmp_path):
    config = sentiment.Config(**dict(SMALL, cell="rnn", epochs=1))
    _, tokenizer, _, _ = sentiment_train.train(config, tmp_path, verbose=False)
    assert len(tokenizer.word_index) > 2 * config["num_words"]          # the training text has many more words
    _, _, tok2, _, _, _ = sentiment.load(tmp_path / "checkpoint.npz")
    assert max(tok2.word_index.values()) == config["num_words"] - 1
    texts = ["a wonderful, moving film with qwertyuiop", "boring and far too long"]
    assert tok2.texts_to_sequences(texts) == tokenizer.texts_to_sequences(texts)


def test_defaults_are_the_measured_recipe():
    d = sentiment.DEFAULTS
    assert (d["maxlen"], d["dropout"], d["epochs"], d["batch_size"], d["clip_norm"]) == (500, 0.5, 6, 64, 5.0)
    assert (d["validation_split"], d["keep_best"], d["orthogonal"]) == (0.1, True, True)
    lrs = {c: sentiment.learning_rate(sentiment.Config(cell=c)) for c in ("rnn", "lstm", "gru")}
    assert lrs == {"rnn": 5e-4, "lstm": 5e-4, "gru": 1e-3}
    assert sentiment.learning_rate(sentiment.Config(cell="gru", lr=0.01)) == 0.01


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_resume_after_epoch_1_equals_an_uninterrupted_run(tmp_path, cell):
    # lr_decay: the resumed run must train epoch 2 at lr * 0.5, not at the lr its checkpoint saved.
    config = sentiment.Config(**dict(SMALL, cell=cell, dropout=0.2, lr_decay=0.5))
    straight, _, h_straight, _ = sentiment_train.train(config, tmp_path / "a", verbose=False)
    sentiment_train.train(dict(config, epochs=1), tmp_path / "b", verbose=False)
    resumed, _, h_resumed, _ = sentiment_train.train(config, tmp_path / "b", verbose=False,
                                                     resume=tmp_path / "b" / "checkpoint.npz")
    for k, v in params_of(straight).items():
        np.testing.assert_array_equal(params_of(resumed)[k], v, err_msg=k)
    assert h_resumed["loss"] == h_straight["loss"] and len(h_resumed["loss"]) == 2
    assert resumed.optimizer.lr == straight.optimizer.lr == pytest.approx(sentiment.learning_rate(config) * 0.5)


def test_lr_decay_sets_each_epochs_learning_rate():
    config = sentiment.Config(**dict(SMALL, lr=0.01, lr_decay=0.5, epochs=3))
    tokenizer, train, test = sentiment.load_data(config, progress=False)
    model, seen = sentiment.model_from_config(config), []
    model.fit(*train, epochs=3, batch_size=32, verbose=False, lr_schedule=sentiment.lr_schedule(config),
              on_epoch_end=lambda model, epoch, history: seen.append(model.optimizer.lr))
    assert seen == pytest.approx([0.01, 0.005, 0.0025])


def test_ctrl_c_saves_a_checkpoint_and_returns(tmp_path, monkeypatch):
    config = sentiment.Config(**dict(SMALL, cell="rnn", epochs=3))
    calls = {"n": 0}
    real_step = minirnn.model.train_step

    def interrupt_in_epoch_2(model, x, y):
        calls["n"] += 1
        if calls["n"] == 6:                        # 4 batches per epoch: this is epoch 2's second
            raise KeyboardInterrupt
        return real_step(model, x, y)

    monkeypatch.setattr(minirnn.model, "train_step", interrupt_in_epoch_2)
    _, _, _, interrupted = sentiment_train.train(config, tmp_path, verbose=False)
    assert interrupted
    _, _, _, _, epoch, history = sentiment.load(tmp_path / "checkpoint.npz")
    assert epoch == 1 and len(history["loss"]) == 1


def test_damaged_checkpoints_are_refused(tmp_path):
    config = sentiment.Config(**dict(SMALL, cell="rnn", epochs=1))
    sentiment_train.train(config, tmp_path, verbose=False)
    good = (tmp_path / "checkpoint.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="cut.npz"):
        sentiment.load(tmp_path / "cut.npz")
    other = tmp_path / "other.npz"                     # a valid checkpoint of something else
    checkpoint.save(other, {"a": np.zeros(2)}, {"kind": "charlm"})
    with pytest.raises(ValueError, match="not a sentiment checkpoint"):
        sentiment.load(other)
    arrays, meta = checkpoint.load(tmp_path / "checkpoint.npz")
    meta["config"]["hidden"] = 9                       # weights no longer fit the config
    checkpoint.save(tmp_path / "edited.npz", arrays, meta)
    with pytest.raises(ValueError, match="does not fit"):
        sentiment.load(tmp_path / "edited.npz")


def test_config_rejects_unknown_settings():
    with pytest.raises(ValueError, match="hiden"):
        sentiment.Config(hiden=3)
    with pytest.raises(ValueError, match="cell"):
        sentiment.Config(cell="transformer")


def test_the_padding_pitfall():
    """Post-padded and unmasked, the model reads 30 padding steps after the words and has forgotten
    them: two different reviews get the same prediction. Masked, it reads up to the last word."""
    words = np.array([[5, 6, 7, 0, 0, 0], [8, 9, 0, 0, 0, 0]])
    masked = sentiment.build_model("rnn", 20, 4, 3, mask=True, seed=1)
    unmasked = sentiment.build_model("rnn", 20, 4, 3, mask=False, seed=1)
    longer = np.concatenate([words, np.zeros((2, 30), dtype=int)], axis=1)   # 30 more padding steps
    np.testing.assert_allclose(masked.predict(longer), masked.predict(words), rtol=1e-6)
    p_masked, p_unmasked = masked.predict(longer)[:, 0], unmasked.predict(longer)[:, 0]
    assert abs(p_masked[0] - p_masked[1]) > 1e-4                      # the words still matter
    assert abs(p_unmasked[0] - p_unmasked[1]) < 1e-3 * abs(p_masked[0] - p_masked[1])   # forgotten


def test_comparison_table_round_trips_through_csv_and_keeps_empty_cells_empty(tmp_path):
    """compare()'s table (a DataFrame) -> comparison.csv, which pd.read_csv reads back as the same table,
    and comparison.md, where a missing value is an empty cell; bench_imdb passes a list of dicts."""
    import pandas as pd
    rows = [{"model": "SimpleRNN", "lr": 5e-4, "epoch_kept": 2, "val_accuracy": None, "test_accuracy": 0.5312},
            {"model": "LSTM", "lr": 1e-3, "epoch_kept": 1, "val_accuracy": 0.61, "test_accuracy": 0.6}]
    sentiment_train.write_table(pd.DataFrame(rows), str(tmp_path / "comparison"), command="minirnn compare")
    back = pd.read_csv(tmp_path / "comparison.csv")
    pd.testing.assert_frame_equal(back, pd.DataFrame(rows), check_dtype=False)
    md = (tmp_path / "comparison.md").read_text().splitlines()
    assert md[0] == "`minirnn compare`" and md[2] == "| model | lr | epoch_kept | val_accuracy | test_accuracy |"
    assert md[4] == "| SimpleRNN | 0.0005 | 2 |  | 0.5312 |" and md[5] == "| LSTM | 0.001 | 1 | 0.61 | 0.6 |"
    assert sentiment_train.markdown_table(rows) == "\n".join(md[2:])
