# %% [markdown]
# # IMDB sentiment, the classic RNN exercise, top to bottom
#
#     python demos/imdb_sentiment.py                                            # shipped sample, ~1 min
#     python demos/imdb_sentiment.py --data imdb --big                          # the 25k/25k archive
#     MINIRNN_TINY=1 python demos/imdb_sentiment.py                             # a few seconds (the tests)
#
# Load reviews -> tokenize -> pad -> Embedding -> SimpleRNN -> Dense(ReLU) -> Dense(sigmoid), trained
# with Adam on binary cross-entropy; then the same with an LSTM; plot both; predict on new reviews.
# The one difference from the classic code: `Embedding(padding_idx=0)` gives the recurrent layer a mask,
# so it reads each review up to its last real word instead of ending on padding.
# 10% of the training reviews are held out to pick the best epoch; the test set is scored once, at the end.
# The `# %%` lines make cells for Jupyter (`minirnn notebooks`) and VS Code.
#
# ## Hyperparameters

# %%
import argparse
import os

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import minirnn
from minirnn.viz import plots
from minirnn.datasets import imdb
from minirnn.text import Tokenizer, pad_sequences

ap = argparse.ArgumentParser()
ap.add_argument("--data", default=None, help="'imdb' (after `minirnn download imdb`), an aclImdb folder / "
                                             "tar.gz / CSV (default: the shipped sample)")
ap.add_argument("--epochs", type=int, default=None)
ap.add_argument("--big", action="store_true", help="the measured full-size recipe (for the full data set)")
ap.add_argument("--out", default="out/imdb_sentiment")
args, _ = ap.parse_known_args()           # parse_known_args: a notebook kernel passes its own arguments
tiny = os.environ.get("MINIRNN_TINY") == "1"

num_words = 10000 if args.big else 2000   # V: vocabulary (id 0 = padding, 1 = unknown word)
maxlen = 500 if args.big else 200         # T: keep each review's last maxlen words
embed_dim = 64 if args.big else 16        # E
hidden = 64 if args.big else 32           # H
dropout = 0.5 if args.big else 0.3        # on the embeddings: 2,000 reviews overfit fast
lr, weight_decay = (5e-4, 0.0) if args.big else (3e-3, 1e-4)
batch_size = 64 if args.big else 32
epochs = args.epochs or (6 if args.big else 8)
validation_split = 0.1                    # held out from training to pick the best epoch
clip_norm = 5.0                           # clip the global gradient norm: RNNs' gradients can explode
limit = None                              # use only this many reviews per split (None: all)
if tiny:                                  # MINIRNN_TINY=1: a few seconds, to check that it all runs
    num_words, maxlen, embed_dim, hidden, epochs, limit = 300, 40, 8, 8, 1, 200
threadpool_limits(1)                      # one BLAS thread: faster on 2 cores, and safe on a busy machine
os.makedirs(args.out, exist_ok=True)

# %% [markdown]
# ## The data: text -> padded ids
# The vocabulary comes from the training text only; id 0 is padding, 1 the unknown word.

# %%
(train_texts, y_train), (test_texts, y_test) = imdb.load(args.data)
if limit:
    train_texts, y_train = train_texts[::len(train_texts) // limit][:limit], y_train[::len(y_train) // limit][:limit]
    test_texts, y_test = test_texts[::len(test_texts) // limit][:limit], y_test[::len(y_test) // limit][:limit]
print(f"{len(train_texts)} training and {len(test_texts)} test reviews; e.g. {train_texts[0][:80]!r}...")
tokenizer = Tokenizer(num_words=num_words, oov_token="<unk>")
tokenizer.fit_on_texts(train_texts)                                      # vocabulary from training text only
x_train = pad_sequences(tokenizer.texts_to_sequences(train_texts), maxlen=maxlen, padding="post", truncating="pre")
x_test = pad_sequences(tokenizer.texts_to_sequences(test_texts), maxlen=maxlen, padding="post", truncating="pre")
y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)
print("x_train", x_train.shape, "x_test", x_test.shape)                # (N, T) int32, 0 = padding


# %% [markdown]
# ## The model, as in the exercise

# %%
def make_model(Cell, seed):
    rng = np.random.default_rng(seed)
    embedding = minirnn.Embedding(num_words, embed_dim, padding_idx=0, rng=rng)  # (B, T) -> (B, T, E), mask = ids != 0
    embedding.params["W"] *= 0.05                                          # small start, like Keras' U(-0.05, 0.05)
    model = minirnn.Sequential(
        embedding,
        minirnn.Dropout(dropout, rng=rng),
        Cell(embed_dim, hidden, rng=rng),                                   # (B, T, E) -> (B, H): the last real step
        minirnn.Dense(hidden, 64, activation="relu", rng=rng),              # (B, H) -> (B, 64)
        minirnn.Dense(64, 1, activation="sigmoid", rng=rng),                # (B, 64) -> (B, 1): P(positive)
    )
    model.compile(optimizer="adam", lr=lr, weight_decay=weight_decay, loss="binary_crossentropy",
                  metrics=["accuracy"], clip_norm=clip_norm)
    return model


# %% [markdown]
# ## Train and compare
# Validation on held-out training reviews; the weights of the best epoch are kept. `fit` returns the
# history, one entry per epoch, so `pd.DataFrame(history)` is its table.

# %%
histories, models = {}, {}
for name, Cell in (("SimpleRNN", minirnn.SimpleRNN), ("LSTM", minirnn.LSTM)):
    print(f"\n{name}")
    models[name] = make_model(Cell, seed=0)
    histories[name] = models[name].fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                                       validation_split=validation_split, restore_best_weights=True)
    print(pd.DataFrame(histories[name])[["loss", "accuracy", "val_loss", "val_accuracy", "seconds"]].round(4))
    print(f"kept epoch {models[name].best['epoch']} (validation accuracy {models[name].best['val_accuracy']:.4f})")
    path = plots.plot_history(histories[name], f"{args.out}/{name.lower()}_training.png", f"{name}: Training Loss per Epoch")
    print("saved", path)

# %% [markdown]
# ## The test set, scored once

# %%
rows = []
for name, model in models.items():
    result = model.evaluate(x_test, y_test)
    rows.append({"model": name, "test accuracy": result["accuracy"], "test loss": result["loss"],
                 "epoch kept": model.best["epoch"], "seconds per epoch": np.mean(histories[name]["seconds"]),
                 "parameters": model.num_params()})
table = pd.DataFrame(rows).set_index("model")
print(table.round(4))
print("saved", plots.plot_comparison(histories, f"{args.out}/comparison.png", "SimpleRNN vs LSTM on IMDB"))

# %% [markdown]
# ## Predict on new reviews

# %%
reviews = ["An absolute delight from start to finish, with a wonderful cast.",
           "Terrible. I walked out after half an hour, the plot was nonsense.",
           "It had its moments, but overall I found it rather forgettable."]
x_new = pad_sequences(tokenizer.texts_to_sequences([imdb.clean(r) for r in reviews]), maxlen=maxlen,
                      padding="post", truncating="pre")
for name, model in models.items():
    print(f"\n{name} on new reviews:")
    for review, p in zip(reviews, model.predict(x_new)[:, 0]):
        print(f"  {p:.3f} {'positive' if p >= 0.5 else 'negative':<8} {review}")
