"""IMDB sentiment, the classic RNN exercise: the model, the text pipeline, checkpoints, predictions.

The classic exercise (Keras)                              here
    (x_train, y_train), (x_test, y_test) = imdb.load_data()   imdb.load(path) -> texts and labels
    tokenizer = Tokenizer(num_words=10000)                    Tokenizer(num_words, oov_token="<unk>")
    x = pad_sequences(seqs, maxlen=200)                       prepare(texts, tokenizer, maxlen, padding)
    model = Sequential([Embedding(10000, 64),                 build_model("rnn", 10000, 64, 64)
                        SimpleRNN(64),
                        Dense(64, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", ["accuracy"])  compile_model(model, config)
    model.fit(x, y, epochs=6, validation_split=0.1)           model.fit(..., restore_best_weights=True)
    model.predict(pad(tokenize(["great film"])))              predict_texts(model, tokenizer, texts, ...)

The one change that matters: Embedding(..., padding_idx=0) tells the recurrent layer which steps
are padding, so it reads each review up to its last real word. The classic code reads the last
time step of a post-padded batch, which is padding, and stalls near 0.55 test accuracy
(build_model(mask=False) reproduces it).

A config is a plain dict (see Config); a checkpoint is one .npz file (minirnn.checkpoint) holding
the weights, the optimizer state, and in its JSON metadata the config, the vocabulary, the
epochs done and the history.
"""
import numpy as np

from .. import checkpoint
from ..datasets import imdb
from ..layers import Dense, Dropout, Embedding
from ..model import Sequential
from ..recurrent import CELLS
from ..text import Tokenizer, pad_sequences

KIND = "minirnn-sentiment"          # marks a checkpoint written by save() below

# Adam's learning rate per cell when the config says None: chosen on the validation split from
# {5e-4, 1e-3} in benchmarks/results/imdb.md (seed 0), under the defaults below.
LEARNING_RATES = {"rnn": 5e-4, "lstm": 5e-4, "gru": 1e-3}

# Every setting of a run, with its default. A config is just this dict with some values changed.
# The defaults are the measured recipe (benchmarks/results/imdb.md): T = 500, dropout 0.5 on the
# embeddings, 6 epochs of batches of 64, clipping at 5, 10% of the training reviews held out, and
# the weights of the epoch that scores best on them kept; the test set is scored once, at the end.
DEFAULTS = {
    "cell": "rnn",            # "rnn" (SimpleRNN), "lstm" or "gru"
    "bidirectional": False,   # read each review both ways (D = 2)
    "num_words": 10000,       # V: keep the V - 2 most frequent words (id 0 = padding, 1 = <unk>)
    "embed_dim": 64,          # E
    "hidden": 64,             # H
    "maxlen": 500,            # T: reviews are cut to their last maxlen words, then padded
    "padding": "post",        # "post" or "pre": with the mask either works
    "mask": True,             # False reproduces the classic pitfall (reads padding at the end)
    "dropout": 0.5,           # Dropout on the embeddings (0 = none)
    "weight_decay": 0.0,      # L2 on every weight, through Adam
    "lr": None,               # None = LEARNING_RATES[cell]
    "lr_decay": 1.0,          # epoch e trains at lr * lr_decay**e (1.0 = constant)
    "batch_size": 64,
    "epochs": 6,
    "clip_norm": 5.0,         # clip the global gradient norm (None = no clipping)
    "orthogonal": True,       # W_h starts orthogonal (Keras' default), not U(-k, k) (PyTorch's): see build_model
    "validation_split": 0.1,  # hold out this part of the training reviews to choose the epoch on
    "keep_best": True,        # keep the weights of the epoch with the best validation accuracy
    "seed": 0,
    "data": None,             # None = the shipped sample, else a path imdb.load() reads
    "limit": None,            # use only this many train and test reviews (quick runs)
}


def Config(**changes):
    """The defaults with some values changed, as a plain dict. Unknown names are an error."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown config setting(s) {unknown}; known: {sorted(DEFAULTS)}")
    config = dict(DEFAULTS, **changes)
    if config["cell"] not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {config['cell']!r}")
    if config["padding"] not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post', got {config['padding']!r}")
    for name, low in (("num_words", 3), ("embed_dim", 1), ("hidden", 1), ("maxlen", 1), ("batch_size", 1),
                      ("epochs", 1), ("limit", 1)):
        value = config[name]
        if not (value is None and name == "limit") and (not isinstance(value, (int, np.integer)) or value < low):
            raise ValueError(f"{name} must be an integer >= {low}" + (" (ids 0 and 1 are padding and <unk>)"
                                                                       if name == "num_words" else "")
                             + f", got {value!r}")
    for name, low, high in (("dropout", 0, 1), ("validation_split", 0, 1)):
        if not low <= config[name] < high:
            raise ValueError(f"{name} must be in [{low}, {high}), got {config[name]!r}")
    if config["lr"] is not None and not (np.isfinite(config["lr"]) and config["lr"] > 0):
        raise ValueError(f"lr must be a finite number > 0 (or None: per cell), got {config['lr']!r}")
    if config["keep_best"] and not config["validation_split"]:
        config["keep_best"] = False                  # nothing to choose on: the last epoch is kept
    return config


def learning_rate(config):
    """The config's lr, or the measured one for its cell (LEARNING_RATES) when it is None."""
    return LEARNING_RATES[config["cell"]] if config["lr"] is None else config["lr"]


# ---------------------------------------------------------------- the model

def build_model(cell="rnn", num_words=10000, embed_dim=64, hidden=64, bidirectional=False, mask=True,
                seed=0, dropout=0.0, orthogonal=True):
    """Embedding -> SimpleRNN/LSTM/GRU -> Dense(ReLU) -> Dense(sigmoid): ids (B, T) -> P(positive) (B, 1).

    mask=True: id 0 is padding and the recurrent layer skips it (reads each review's last real word).
    mask=False: no padding id; the layer reads all T steps, padding included (the classic pitfall).
    orthogonal=True: W_h starts as a random orthogonal matrix, whose eigenvalues all have size 1,
    so a signal neither fades nor blows up step after step at the start of training. PyTorch's
    U(-1/sqrt(H), 1/sqrt(H)) gives W_h a spectral radius of about 0.6, and a simple RNN then forgets
    a word within a few dozen steps. An LSTM also gets forget-gate bias 1 (remember by default).
    """
    rng = np.random.default_rng(seed)
    seeds = rng.integers(0, 2**31, size=5)
    D = 2 if bidirectional else 1
    embedding = Embedding(num_words, embed_dim, padding_idx=0 if mask else None, rng=seeds[0])
    # Start the embeddings small, like Keras (U(-0.05, 0.05)), not N(0, 1) like torch: on a few
    # thousand reviews, N(0, 1) rows are mostly noise that training barely moves.
    embedding.params["W"] *= 0.05
    layers = [embedding]                                                  # (B, T) -> (B, T, E)
    if dropout:
        layers.append(Dropout(dropout, rng=seeds[1]))                     # the mask still flows through
    layers += [
        CELLS[cell](embed_dim, hidden, bidirectional=bidirectional, orthogonal=orthogonal, rng=seeds[2],
                    **({"forget_bias": 1.0} if cell == "lstm" else {})),  # -> (B, D*H), last real step
        Dense(D * hidden, 64, activation="relu", rng=seeds[3]),           # -> (B, 64)
        Dense(64, 1, activation="sigmoid", rng=seeds[4]),                 # -> (B, 1) P(positive)
    ]
    return Sequential(*layers)


def model_from_config(config):
    """build_model() with the config's settings, compiled with Adam + binary cross-entropy + accuracy."""
    model = build_model(config["cell"], config["num_words"], config["embed_dim"], config["hidden"],
                        config["bidirectional"], config["mask"], config["seed"], config["dropout"],
                        config["orthogonal"])
    model.compile("adam", lr=learning_rate(config), loss="binary_crossentropy", metrics=["accuracy"],
                  clip_norm=config["clip_norm"], weight_decay=config["weight_decay"])
    return model


def lr_schedule(config):
    """epoch (from 0) -> learning rate: lr * lr_decay**epoch, for Sequential.fit(lr_schedule=...)."""
    lr = learning_rate(config)
    return lambda epoch: lr * config["lr_decay"] ** epoch


# ---------------------------------------------------------------- the data

def prepare(texts, tokenizer, maxlen, padding="post"):
    """texts: list of N str -> ids (N, maxlen) int32, 0 = padding.

    Long reviews keep their *last* maxlen words (truncating="pre"): reviews tend to end with the
    verdict ("... 8/10, see it"), and a recurrent layer remembers its last steps best.
    """
    return pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=maxlen, padding=padding, truncating="pre")


def _take(texts, labels, n, seed):
    """A random subset of n reviews (the order shuffled with seed), or all of them if n is None."""
    if n is None or n >= len(texts):
        return texts, labels
    idx = np.sort(np.random.default_rng(seed).permutation(len(texts))[:n])
    return [texts[i] for i in idx], labels[idx]


def load_data(config, progress=True, tokenizer=None):
    """Read the reviews, fit a Tokenizer on the training texts (unless one is given, e.g. from a
    checkpoint), and turn both splits into ids.

    Returns tokenizer, (x_train (N, T), y_train (N,)), (x_test, y_test); y as float32 0/1.
    """
    (train_texts, y_train), (test_texts, y_test) = imdb.load(config["data"], seed=config["seed"], progress=progress)
    train_texts, y_train = _take(train_texts, y_train, config["limit"], config["seed"])
    test_texts, y_test = _take(test_texts, y_test, config["limit"], config["seed"] + 1)
    if tokenizer is None:
        tokenizer = Tokenizer(num_words=config["num_words"], oov_token="<unk>")
        tokenizer.fit_on_texts(train_texts)                # the vocabulary comes from training text only
    x_train = prepare(train_texts, tokenizer, config["maxlen"], config["padding"])
    x_test = prepare(test_texts, tokenizer, config["maxlen"], config["padding"])
    return tokenizer, (x_train, y_train.astype(np.float32)), (x_test, y_test.astype(np.float32))


def known_words(tokenizer, text):
    """How many words of `text` (one review) the model has an id for (not <unk>)."""
    oov = tokenizer.word_index.get(tokenizer.oov_token)
    return sum(i != oov for i in tokenizer.texts_to_sequences([imdb.clean(text)])[0])


def predict_texts(model, tokenizer, texts, maxlen, padding="post"):
    """New reviews (list of str) -> list of (P(positive), "positive" or "negative").
    An empty review (nothing but spaces) is a ValueError: there is nothing to score."""
    if isinstance(texts, str):
        texts = [texts]
    empty = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(f"review {empty[0]} of {len(texts)} is empty: there is nothing to score")
    x = prepare([imdb.clean(t) for t in texts], tokenizer, maxlen, padding)   # cleaned like the loader
    probs = model.predict(x)[:, 0]                                            # (N,)
    return [(float(p), "positive" if p >= 0.5 else "negative") for p in probs]


# ---------------------------------------------------------------- checkpoints

def vocabulary(tokenizer):
    """The part of the tokenizer prediction needs, as a dict for Tokenizer.from_dict: the ids the
    model reads (< num_words), not the whole vocabulary of the training text (88k words on IMDB)."""
    d = tokenizer.to_dict()
    if tokenizer.num_words:
        d["word_index"] = {w: i for w, i in d["word_index"].items() if i < tokenizer.num_words}
        d["word_counts"] = [[w, c] for w, c in d["word_counts"] if w in d["word_index"]]
    return d


def save(path, model, optimizer, tokenizer, config, epoch, history, best=None, test=None, weights=None):
    """Write everything needed to resume or predict to one .npz, atomically (see minirnn.checkpoint).

    epoch: how many epochs are done. history: the dict Sequential.fit returns. The weights are
    those of the last epoch (to resume from); best: model.best, whose weights ("best/...") are the
    ones load() gives for prediction. test: {"accuracy", "loss"} once the test set is scored.
    weights: the last epoch's parameters, when the model holds others (the best epoch's) by now.
    """
    meta = {"kind": KIND, "config": config, "epoch": int(epoch), "history": history,
            "tokenizer": vocabulary(tokenizer), "test": test,
            "best": None if best is None else {"epoch": best["epoch"], "val_accuracy": best["val_accuracy"]}}
    arrays = checkpoint.model_arrays(model, optimizer)
    arrays.update({f"model/{k}": v for k, v in (weights or {}).items()})
    if best is not None:
        arrays.update({f"best/{k}": v for k, v in best["params"].items()})
    return checkpoint.save(path, arrays, meta)


def per_epoch(history):
    """A history from an older checkpoint, in the form fit returns now: one entry per epoch in every list.
    Older ones kept "grad_norm" as one flat list of steps (split here into the epochs, which had equal
    steps) and empty val_* lists without validation (dropped here)."""
    history = {k: v for k, v in history.items() if v or not k.startswith("val_")}
    norms, epochs = history.get("grad_norm", []), len(history.get("loss", []))
    if norms and not isinstance(norms[0], list) and epochs:
        steps = len(norms) // epochs
        history["grad_norm"] = [norms[e * steps:(e + 1) * steps] for e in range(epochs)]
    return history


def load(path, weights="best"):
    """Read a checkpoint from save(). Returns (model, optimizer, tokenizer, config, epoch, history).

    weights: "best" gives the weights of the best validation epoch when the checkpoint has them
    (for prediction), "last" those of the last epoch (to resume training).
    The model is rebuilt from the config and compiled; ValueError with a clear message if the file
    is damaged, edited, or not a sentiment checkpoint. model.best is the best epoch's record
    ({"epoch", "val_accuracy", "params"}) or None, and model.test the test score or None.
    """
    arrays, meta = checkpoint.load(path)                   # refuses truncated / edited files, never unpickles
    if meta.get("kind") != KIND:
        raise ValueError(f"checkpoint {path} is not a sentiment checkpoint (kind {meta.get('kind')!r})")
    try:
        config = Config(**meta["config"])
        tokenizer = Tokenizer.from_dict(meta["tokenizer"])
        epoch, history = int(meta["epoch"]), per_epoch(meta["history"])
        model = model_from_config(config)
        checkpoint.restore(model, arrays, model.optimizer)
        best_params = {k[len("best/"):]: v for k, v in arrays.items() if k.startswith("best/")}
        model.best = dict(meta["best"], params=best_params) if meta.get("best") and best_params else None
        if weights == "best" and model.best is not None:
            model.load_params(best_params)
        model.test = meta.get("test")
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"checkpoint {path} does not fit a sentiment model: {e}") from e
    return model, model.optimizer, tokenizer, config, epoch, history
