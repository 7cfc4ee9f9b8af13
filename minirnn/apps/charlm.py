"""A character-level language model: min-char-rnn, grown up.

    text = load_text("tinyshakespeare.txt")
    vocab = Vocab.from_text(text)                     # V distinct characters
    model = CharLM(vocab.size, cell="lstm", hidden=512, num_layers=1, dropout=0.4, embed_dropout=0.1)
    x, y = make_streams(vocab.encode(text), batch=64)     # (B, n) each, y = x shifted by one
    state = None
    for p in range(0, x.shape[1], 100):                   # truncated BPTT, S = 100 steps a chunk
        loss, norm, state = train_chunk(model, opt, x[:, p:p + 100], y[:, p:p + 100], state)
    print(sample(model, vocab, 200, prime="ROMEO:", temperature=0.8))

How data flows, ids (B, T) -> logits (B, T, V):
    Embedding      ids (B, T) -> (B, T, E)           a row per character (no padding row)
    Dropout        (B, T, E) -> (B, T, E)            on the embeddings (embed_dropout)
    layer l        (B, T, E_l) -> (B, T, H)          a one-layer minirnn RNN / LSTM / GRU, h0 = state[l]
    Dropout        (B, T, H) -> (B, T, H)            after every recurrent layer, as in char-rnn:
                                                     between layers and before the head
    Linear         (B, T, H) -> (B, T, V)            scores for the next character, at every step
The loss is softmax cross-entropy over every step, in nats per character (divide by ln 2 for bits).

Truncated BPTT. The text is cut into B parallel streams (row b of x is one contiguous stretch of
the text), and each update reads the next S columns. The hidden state at the end of a chunk is
the h0 of the next chunk, so the model sees the text as one long sequence, but the backward pass
stops at the chunk's start: backward() never sends anything into h0 (layer.d_h0 is ignored). That
is what "detach" means here; NumPy keeps no graph to cut.

The training loop, checkpoints and plots are in charlm_train.py; the command line in minirnn/cli/charlm.py.
"""
import numpy as np

from ..backend import to_device, to_numpy
from ..layers import Dropout, Embedding, Linear
from ..losses import softmax_cross_entropy
from ..model import LayerStack, loss_and_grad as model_loss_and_grad
from ..optim import clip_grad_norm
from ..recurrent import CELLS



# ---------------------------------------------------------------- text and vocabulary

def load_text(path):
    """Read a UTF-8 text file. Raises FileNotFoundError / ValueError naming the file if it cannot be used."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"text file {path} does not exist") from None
    except IsADirectoryError:
        raise ValueError(f"text file {path} is a directory, not a file") from None
    except OSError as e:
        raise ValueError(f"cannot read text file {path}: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")               # -sig: a leading byte-order mark is not a character
    except UnicodeDecodeError as e:
        raise ValueError(f"text file {path} is not UTF-8: byte {e.start} (0x{raw[e.start]:02x}) "
                         f"cannot be decoded; convert it, e.g. iconv -t utf-8") from None
    if not text:
        raise ValueError(f"text file {path} is empty")
    return text


class Vocab:
    """The characters of a text, in sorted order: char <-> id in [0, V)."""

    def __init__(self, chars):
        self.chars = "".join(chars)
        self.index = {c: i for i, c in enumerate(self.chars)}
        if len(self.index) != len(self.chars) or not self.chars:
            raise ValueError("Vocab: the characters must be distinct and at least one")

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(text)))

    @property
    def size(self):
        return len(self.chars)

    def encode(self, text, what="text"):
        """str of length N -> ids (N,) int64. A character outside the vocabulary is a ValueError naming it."""
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as e:
            c = e.args[0]
            raise ValueError(f"{what} has the character {c!r} (U+{ord(c):04X}) at position {text.index(c)}, "
                             f"which is not in the model's vocabulary of {self.size} characters") from None

    def decode(self, ids):
        """ids (N,) -> str."""
        return "".join(self.chars[int(i)] for i in ids)


def make_streams(ids, batch):
    """Cut ids (N,) into B parallel streams: x (B, n) and the targets y (B, n), y[b, t] = the char after x[b, t].

    Row b is ids[b*n : (b+1)*n], n = (N - 1) // B; the few characters left over at the end are dropped.
    """
    n = (len(ids) - 1) // batch
    if n < 1:
        raise ValueError(f"the text has {len(ids)} characters: too short for {batch} streams "
                         f"(need at least batch + 1 = {batch + 1}); use a smaller --batch")
    x = ids[:batch * n].reshape(batch, n)          # (N',) -> (B, n)
    y = ids[1:batch * n + 1].reshape(batch, n)     # the same, one character later
    return x, y


# ---------------------------------------------------------------- the model

class CharLM(LayerStack):
    """Embedding -> Dropout -> L one-layer recurrent layers with Dropout after each -> Linear to V scores.

    CharLM(V, cell="lstm", hidden=256, num_layers=2, embed=64, dropout=0.0, embed_dropout=0.0, seed=0)
    dropout: after every recurrent layer (between layers and before the head); embed_dropout: on the
    embedding vectors, before the first layer.
    state: a list of L per-layer states, each (1, B, H) (for the LSTM a tuple (h, c) of (1, B, H)),
    or None for zeros.
    """

    def __init__(self, vocab_size, cell="lstm", hidden=256, num_layers=2, embed=64, dropout=0.0, embed_dropout=0.0,
                 seed=0):
        if cell not in CELLS:
            raise ValueError(f"CharLM: cell must be one of {sorted(CELLS)}, got {cell!r}")
        rng = np.random.default_rng(seed)
        self.embed = Embedding(vocab_size, embed, padding_idx=None, rng=rng)
        self.rnns, self.drops = [], []
        for l in range(num_layers):
            self.rnns.append(CELLS[cell](embed if l == 0 else hidden, hidden, rng=rng))
            self.drops.append(Dropout(dropout, rng=rng))
        self.head = Linear(hidden, vocab_size, rng=rng)
        self.embed_drop = Dropout(embed_dropout, rng=rng)         # drawn last: the weights above keep their seeds
        # Every layer, for train/eval, the optimizer and the checkpoint ("0.W", "1.Wx_l0", ...). The
        # embedding dropout comes last so that parameter names stay those of checkpoints made before it.
        self.layers = ([self.embed] + [m for pair in zip(self.rnns, self.drops) for m in pair] + [self.head]
                       + [self.embed_drop])

    def forward(self, ids, state=None):
        """ids (B, T) int -> logits (B, T, V); the state after the last step is kept in self.state."""
        x = self.embed.forward(ids)                               # (B, T) -> (B, T, E)
        x = self.embed_drop.forward(x)                            # (B, T, E), some entries zeroed
        new_state = []
        for l, (rnn, drop) in enumerate(zip(self.rnns, self.drops)):
            x, s = rnn.forward(x, h0=None if state is None else state[l])   # (B, T, E_l) -> (B, T, H)
            x = drop.forward(x)                                   # (B, T, H), some entries zeroed
            new_state.append(s)
        self.state = new_state                                    # to carry into the next chunk
        return self.head.forward(x)                               # (B, T, H) @ (H, V) -> (B, T, V)

    def backward(self, dlogits):
        """dlogits (B, T, V) -> fills every layer's grads. Nothing flows into the initial state: the truncation."""
        dx = self.head.backward(dlogits)                          # backprop through the head: (B, T, H)
        for rnn, drop in zip(reversed(self.rnns), reversed(self.drops)):
            dx = drop.backward(dx)                                # backprop through the dropout mask
            dx = rnn.backward(dx)                                 # BPTT within the chunk: (B, T, E_l)
        dx = self.embed_drop.backward(dx)                         # backprop through the embedding dropout mask
        self.embed.backward(dx)                                   # backprop into the embedding rows


# ---------------------------------------------------------------- training and evaluation

def loss_and_grad(model, x, y, state=None):
    """Forward and backward on one chunk. x, y (B, S) ids on the device; state from the previous chunk.

    Returns (loss in nats/char, the state after the chunk). The state is "detached": backward()
    stops at this chunk's first step, so no gradient ever reaches the previous chunk.
    """
    loss, _ = model_loss_and_grad(model, softmax_cross_entropy, x, y, state=state)   # mean over B*S steps
    return loss, model.state


def train_chunk(model, optimizer, x, y, state=None, clip=5.0):
    """One truncated-BPTT update: forward, backward, clip the global gradient norm, optimizer step.

    Returns (loss, gradient norm before clipping (a 0-d array, left on the device), state to pass to the next chunk).
    """
    loss, state = loss_and_grad(model, x, y, state)
    norm = clip_grad_norm(model.layers, clip)
    optimizer.step()
    return loss, norm, state


def evaluate(model, ids, batch=32, seq_len=100):
    """Mean loss in nats/char over ids (N,), read as `batch` streams with the state carried, in eval mode."""
    batch = max(1, min(batch, (len(ids) - 1) // seq_len or 1))    # at least a chunk per stream
    x, y = make_streams(ids, batch)
    model.eval()
    total, state = 0.0, None
    for p in range(0, x.shape[1], seq_len):
        xs, ys = x[:, p:p + seq_len], y[:, p:p + seq_len]
        logits = model.forward(to_device(xs), state)
        state = model.state
        total += softmax_cross_entropy(logits, to_device(ys))[0] * ys.size
    model.train()
    return total / y.size


# ---------------------------------------------------------------- sampling

def next_char_probs(logits, temperature=1.0, top_k=None):
    """logits (V,) -> probabilities (V,) float64 of softmax(logits / temperature), kept to the top k.

    temperature 0 puts all the mass on the argmax (greedy decoding); a tiny temperature comes to
    the same, since the scores are shifted by their max before exp.
    """
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        p = np.zeros_like(z)
        p[np.argmax(z)] = 1.0
        return p
    z = z / temperature
    if top_k is not None and top_k < len(z):
        kth = np.sort(z)[-top_k]                                  # the k-th largest score
        z = np.where(z >= kth, z, -np.inf)                        # every other character: probability 0
    p = np.exp(z - z.max())                                       # shifted: the largest term is exp(0) = 1
    return p / p.sum()


def sample(model, vocab, length, prime="\n", temperature=1.0, top_k=None, seed=None):
    """Generate `length` characters after `prime`. Returns prime + the generated text.

    The hidden state is warmed on the whole prime (one forward over it), then each step feeds
    the character just drawn. seed: an int makes the sample reproducible.
    """
    if temperature < 0:
        raise ValueError(f"sample: temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"sample: top_k must be >= 1, got {top_k}")
    if not prime:
        raise ValueError("sample: the prime must have at least one character (e.g. '\\n')")
    ids = vocab.encode(prime, what="the prime")                   # ValueError naming an unknown char
    rng = np.random.default_rng(seed)
    model.eval()
    logits = model.forward(to_device(ids[None, :]))               # (1, P) -> (1, P, V): warm on the prime
    out = []
    for _ in range(length):
        p = next_char_probs(to_numpy(logits[0, -1]), temperature, top_k)   # (V,)
        i = int(rng.choice(len(p), p=p))
        out.append(i)
        logits = model.forward(to_device(np.array([[i]])), model.state)   # (1, 1) -> (1, 1, V)
    model.train()
    return prime + vocab.decode(out)
