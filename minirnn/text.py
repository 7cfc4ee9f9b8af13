"""Turn text into token ids and pad them into a batch: a Tokenizer and pad_sequences.

Both follow the conventions of Keras' text preprocessing (keras_preprocessing 1.1.2), so
ids, vocabularies and padded batches match what tutorials built on Keras show:

    tok = Tokenizer(num_words=10000, oov_token="<unk>")
    tok.fit_on_texts(train_texts)                  # count words, give each an id
    seqs = tok.texts_to_sequences(train_texts)     # list of lists of ids (ragged)
    x = pad_sequences(seqs, maxlen=200)            # (N, 200) int32, 0 = padding
    mask = (x != 0)                                # (N, 200): 1 for a real step, 0 for padding

How a text becomes words:
    1. lower-case it;
    2. replace every character of FILTERS (punctuation, tab, newline) by a space;
    3. split on single spaces and drop the empty strings.
So "Great film!!  10/10" -> ["great", "film", "10", "10"].

How words get ids: id 0 is never used (it is kept for padding). The most frequent word gets
id 1, the next id 2, and so on; words with the same count keep the order in which they were
first seen. With an oov_token ("out of vocabulary"), that token takes id 1 and every word
moves up by one; unknown words then map to it instead of being dropped.
"""
import numbers
from collections import OrderedDict

import numpy as np

# Characters replaced by a space before splitting: ASCII punctuation except the apostrophe
# (so "don't" stays one word), plus tab and newline.
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_TRANSLATE = str.maketrans({c: " " for c in FILTERS})


def text_to_words(text):
    """Split one string into its list of words (lower-case, punctuation removed)."""
    return [w for w in text.lower().translate(_TRANSLATE).split(" ") if w]


def _check_texts(texts, where):
    if isinstance(texts, str):
        raise TypeError(f"{where}: texts must be a list of strings, got a single str; wrap it: [text]")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"{where}: texts[{i}] must be a str, got {type(t).__name__}")
    return texts


def _check_ids(seq, i, where):
    """Return seq as a 1-D int64 array; raise a clear error if it holds anything but integers."""
    if isinstance(seq, (str, bytes)):
        raise TypeError(f"{where}: seqs[{i}] must be a sequence of integer ids, got a {type(seq).__name__}")
    arr = np.asarray(seq)
    if arr.ndim != 1:
        raise ValueError(f"{where}: seqs[{i}] must be a flat (1-D) sequence of integer ids, "
                         f"got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        bad = next((x for x in seq if not isinstance(x, numbers.Integral) or isinstance(x, bool)), None)
        raise TypeError(f"{where}: seqs[{i}] must hold only integer ids, found {bad!r} "
                        f"({type(bad).__name__})")
    return arr.astype(np.int64)


class Tokenizer:
    """A word vocabulary: counts words, numbers them by frequency, maps texts <-> id lists.

    num_words: keep only ids < num_words when converting (the num_words - 1 most frequent
        words, counting the oov_token); None keeps every word. The vocabulary itself always
        holds every word seen, so num_words can be changed after fitting.
    oov_token: a string such as "<unk>"; if given it gets id 1, and words that are unknown or
        cut by num_words map to it. Without it, those words are dropped.

    After fit_on_texts:
        word_counts  OrderedDict word -> count, in order of first appearance
        word_index   dict word -> id (1, 2, ...), most frequent first
        index_word   dict id -> word, the inverse
    The embedding table for these ids needs V = num_words rows (or len(word_index) + 1 when
    num_words is None): id 0 is padding.
    """

    def __init__(self, num_words=None, oov_token=None):
        if num_words is not None and (not isinstance(num_words, numbers.Integral)
                                      or isinstance(num_words, bool) or num_words < 0):
            raise ValueError(f"Tokenizer: num_words must be None or an int >= 0, got {num_words!r}")
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"Tokenizer: oov_token must be None or a str, got {type(oov_token).__name__}")
        self.num_words = None if num_words is None else int(num_words)
        self.oov_token = oov_token
        self.word_counts = OrderedDict()
        self.document_count = 0
        self.word_index = {}
        self.index_word = {}

    def fit_on_texts(self, texts):
        """Count the words of texts (a list of str) and rebuild word_index. Can be called again
        to add more texts; ids are then recomputed from all counts so far."""
        texts = _check_texts(texts, "Tokenizer.fit_on_texts")
        for text in texts:
            self.document_count += 1
            for w in text_to_words(text):
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
        self._build_index()
        return self

    def _build_index(self):
        # sorted() is stable: words with equal counts stay in order of first appearance.
        by_count = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocab = ([self.oov_token] if self.oov_token is not None else []) + [w for w, _ in by_count]
        self.word_index = {}
        for i, w in enumerate(vocab, start=1):
            self.word_index[w] = i      # if the oov_token also occurs as a word, its later id wins (as Keras)
        self.index_word = {i: w for w, i in self.word_index.items()}

    def _oov_id(self, where):
        if not self.word_index:
            raise ValueError(f"{where}: the Tokenizer has no vocabulary yet; call fit_on_texts(texts) first")
        return self.word_index.get(self.oov_token) if self.oov_token is not None else None

    def texts_to_sequences(self, texts):
        """texts: list of N str -> list of N lists of int ids (ragged; pad them with pad_sequences)."""
        texts = _check_texts(texts, "Tokenizer.texts_to_sequences")
        oov_id = self._oov_id("Tokenizer.texts_to_sequences")
        out = []
        for text in texts:
            ids = []
            for w in text_to_words(text):
                i = self.word_index.get(w)
                if i is not None and self.num_words and i >= self.num_words:
                    i = None                       # known, but cut by num_words
                if i is None:
                    i = oov_id                     # unknown: the OOV id, or dropped if there is none
                if i is not None:
                    ids.append(i)
            out.append(ids)
        return out

    def sequences_to_texts(self, seqs):
        """seqs: list of N id sequences -> list of N str (words joined by single spaces).

        Ids that are unknown (0 included) or >= num_words become the oov_token if there is
        one, and are dropped otherwise.
        """
        oov_id = self._oov_id("Tokenizer.sequences_to_texts")
        out = []
        for n, seq in enumerate(seqs):
            words = []
            for i in _check_ids(seq, n, "Tokenizer.sequences_to_texts").tolist():
                if i not in self.index_word or (self.num_words and i >= self.num_words):
                    i = oov_id
                if i is not None:
                    words.append(self.index_word[i])
            out.append(" ".join(words))
        return out

    def to_dict(self):
        """Everything needed to rebuild this tokenizer, as plain JSON types (json.dumps works)."""
        return {"class": "Tokenizer", "num_words": self.num_words, "oov_token": self.oov_token,
                "document_count": self.document_count,
                "word_counts": [[w, c] for w, c in self.word_counts.items()],   # a list keeps the order
                "word_index": dict(self.word_index)}

    @classmethod
    def from_dict(cls, d):
        """Rebuild a Tokenizer from to_dict()'s output (e.g. after json.loads)."""
        if not isinstance(d, dict) or "word_index" not in d or "word_counts" not in d:
            raise ValueError("Tokenizer.from_dict: d must be a dict made by Tokenizer.to_dict() "
                             f"(with 'word_counts' and 'word_index'), got {type(d).__name__}"
                             + (f" with keys {sorted(d)}" if isinstance(d, dict) else ""))
        tok = cls(num_words=d.get("num_words"), oov_token=d.get("oov_token"))
        tok.document_count = int(d.get("document_count", 0))
        tok.word_counts = OrderedDict((str(w), int(c)) for w, c in d["word_counts"])
        tok.word_index = {str(w): int(i) for w, i in d["word_index"].items()}
        tok.index_word = {i: w for w, i in tok.word_index.items()}
        return tok

    def __repr__(self):
        return (f"Tokenizer(num_words={self.num_words}, oov_token={self.oov_token!r}, "
                f"{len(self.word_index)} words in the vocabulary)")


def pad_sequences(seqs, maxlen=None, padding="pre", truncating="pre", value=0, dtype="int32"):
    """Make a ragged list of N id sequences into one (N, maxlen) array.

    maxlen: the length T of every row; None uses the longest sequence.
    truncating: sequences longer than maxlen lose their start ("pre", keeps the last maxlen
        ids) or their end ("post", keeps the first maxlen ids).
    padding: shorter sequences are filled with `value` before ("pre") or after ("post") them.
        An empty sequence gives a row of `value` only.
    Returns a numpy array of shape (N, maxlen) and the given dtype.

    "pre" padding puts the real words last, which suits a model that reads its last hidden
    state without a mask; with a mask either side works.
    """
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {mode!r}")
    if isinstance(seqs, (str, bytes)):
        raise TypeError("pad_sequences: seqs must be a list of id sequences, got a str")
    rows = [_check_ids(s, i, "pad_sequences") for i, s in enumerate(seqs)]
    if maxlen is None:
        maxlen = max((len(r) for r in rows), default=0)
    elif not isinstance(maxlen, numbers.Integral) or isinstance(maxlen, bool) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be None or an int >= 0, got {maxlen!r}")
    maxlen = int(maxlen)

    x = np.full((len(rows), maxlen), value, dtype=dtype)          # (N, T), all padding
    for n, r in enumerate(rows):
        if maxlen == 0 or len(r) == 0:
            continue
        r = r[-maxlen:] if truncating == "pre" else r[:maxlen]
        if padding == "post":
            x[n, :len(r)] = r
        else:
            x[n, maxlen - len(r):] = r
    return x
