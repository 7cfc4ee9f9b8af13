"""IMDB sentiment, the classic RNN exercise, top to bottom.

    python demos/imdb_sentiment.py                                            # shipped sample, ~2-3 min
    python demos/imdb_sentiment.py --data ../shared/data/aclImdb_v1_labeled.tar.gz --epochs 4 --big

Load reviews -> tokenize -> pad -> Embedding -> SimpleRNN -> Dense(ReLU) -> Dense(sigmoid), trained
with Adam on binary cross-entropy; then the same with an LSTM; plot both; predict on new reviews.
The one difference from the classic code: Embedding(padding_idx=0) gives the recurrent layer a mask,
so it reads each review up to its last real word instead of ending on padding.
"""
import argparse
import os

import numpy as np

import minirnn
from minirnn.viz import plots
from minirnn.datasets import imdb
from minirnn.text import Tokenizer, pad_sequences

# ---------------------------------------------------------------- hyperparameters
ap = argparse.ArgumentParser()
ap.add_argument("--data", default=None, help="aclImdb folder / tar.gz / CSV (default: the shipped sample)")
ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--big", action="store_true", help="the full-size model (for the full data set)")
ap.add_argument("--out", default="out/imdb_sentiment")
args = ap.parse_args()

num_words = 10000 if args.big else 2000   # V: vocabulary (id 0 = padding, 1 = unknown word)
maxlen = 200                              # T: keep each review's last 200 words
embed_dim = 64 if args.big else 16        # E
hidden = 64 if args.big else 32           # H
dropout = 0.0 if args.big else 0.3        # on the embeddings: 2,000 reviews overfit fast
lr, weight_decay = (1e-3, 0.0) if args.big else (3e-3, 1e-4)
batch_size = 64 if args.big else 32
clip_norm = 5.0                           # clip the global gradient norm: RNNs' gradients can explode
epochs = args.epochs
os.makedirs(args.out, exist_ok=True)

# ---------------------------------------------------------------- data: text -> padded ids
(train_texts, y_train), (test_texts, y_test) = imdb.load(args.data)
print(f"{len(train_texts)} training and {len(test_texts)} test reviews; e.g. {train_texts[0][:80]!r}...")
tokenizer = Tokenizer(num_words=num_words, oov_token="<unk>")
tokenizer.fit_on_texts(train_texts)                                      # vocabulary from training text only
x_train = pad_sequences(tokenizer.texts_to_sequences(train_texts), maxlen=maxlen, padding="post", truncating="pre")
x_test = pad_sequences(tokenizer.texts_to_sequences(test_texts), maxlen=maxlen, padding="post", truncating="pre")
y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)
print("x_train", x_train.shape, "x_test", x_test.shape)                # (N, T) int32, 0 = padding


# ---------------------------------------------------------------- the model, as in the exercise
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


# ---------------------------------------------------------------- train and compare
histories, models = {}, {}
for name, Cell in (("SimpleRNN", minirnn.SimpleRNN), ("LSTM", minirnn.LSTM)):
    print(f"\n{name}")
    models[name] = make_model(Cell, seed=0)
    histories[name] = models[name].fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                                       validation_data=(x_test, y_test))
    path = plots.plot_history(histories[name], f"{args.out}/{name.lower()}_training.png", f"{name}: Training Loss per Epoch")
    print("saved", path)

print("\n| model | test accuracy | test loss | seconds per epoch | parameters |\n|---|---|---|---|---|")
for name, model in models.items():
    result = model.evaluate(x_test, y_test)
    seconds = np.mean(histories[name]["seconds"])
    print(f"| {name} | {result['accuracy']:.4f} | {result['loss']:.4f} | {seconds:.1f} | {model.num_params():,d} |")
print("saved", plots.plot_comparison(histories, f"{args.out}/comparison.png", "SimpleRNN vs LSTM on IMDB"))

# ---------------------------------------------------------------- predict on new reviews
reviews = ["An absolute delight from start to finish, with a wonderful cast.",
           "Terrible. I walked out after half an hour, the plot was nonsense.",
           "It had its moments, but overall I found it rather forgettable."]
x_new = pad_sequences(tokenizer.texts_to_sequences([imdb.clean(r) for r in reviews]), maxlen=maxlen,
                      padding="post", truncating="pre")
for name, model in models.items():
    print(f"\n{name} on new reviews:")
    for review, p in zip(reviews, model.predict(x_new)[:, 0]):
        print(f"  {p:.3f} {'positive' if p >= 0.5 else 'negative':<8} {review}")
