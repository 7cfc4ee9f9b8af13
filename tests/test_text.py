"""Tokenizer and pad_sequences on hand-worked cases (Keras preprocessing conventions)."""
import json

import numpy as np
import pytest

from minirnn.text import Tokenizer, pad_sequences, text_to_words

# Words, in order of first appearance, with their counts:
#   the 4, cat 3, sat 1, on 1, mat 1, dog 2, ate 1, a 2
# Sorted by count, ties kept in order of first appearance:
#   the 1, cat 2, dog 3, a 4, sat 5, on 6, mat 7, ate 8
TEXTS = ["The cat sat on the mat.", "The dog ate the cat!", "A dog, a CAT?"]
INDEX = {"the": 1, "cat": 2, "dog": 3, "a": 4, "sat": 5, "on": 6, "mat": 7, "ate": 8}
QUERY = ["the cat ate a fish"]        # "fish" was never seen


def fitted(**kw):
    return Tokenizer(**kw).fit_on_texts(TEXTS)


def test_split_lowercases_and_filters_punctuation():
    assert text_to_words("Hello,world!!don't\tstop\nNOW  (10/10)") == \
        ["hello", "world", "don't", "stop", "now", "10", "10"]
    assert text_to_words("") == [] and text_to_words(" ?!... ") == []


def test_ids_by_count_ties_by_first_appearance():
    tok = fitted()
    assert tok.word_index == INDEX
    assert tok.index_word == {i: w for w, i in INDEX.items()}
    assert list(tok.word_counts.items()) == [("the", 4), ("cat", 3), ("sat", 1), ("on", 1),
                                             ("mat", 1), ("dog", 2), ("ate", 1), ("a", 2)]
    assert tok.document_count == 3


def test_texts_to_sequences_drops_unknown_words_without_oov():
    assert fitted().texts_to_sequences(QUERY + ["", "Fish!"]) == [[1, 2, 8, 4], [], []]


def test_num_words_without_oov_keeps_ids_below_num_words():
    tok = fitted(num_words=4)                    # keeps the, cat, dog (ids 1..3)
    assert tok.word_index == INDEX               # the vocabulary is not cut, only conversion
    assert tok.texts_to_sequences(QUERY + ["dog a dog"]) == [[1, 2], [3, 3]]


def test_oov_token_takes_id_1_and_replaces_unknown_words():
    tok = fitted(oov_token="<unk>")
    assert tok.word_index == {"<unk>": 1, **{w: i + 1 for w, i in INDEX.items()}}
    assert tok.texts_to_sequences(QUERY) == [[2, 3, 9, 5, 1]]


def test_num_words_with_oov_maps_cut_words_to_oov():
    tok = fitted(num_words=4, oov_token="<unk>")  # keeps <unk>, the, cat (ids 1..3)
    assert tok.texts_to_sequences(QUERY) == [[2, 3, 1, 1, 1]]


def test_sequences_to_texts():
    assert fitted().sequences_to_texts([[1, 2, 8, 4], []]) == ["the cat ate a", ""]
    # unknown ids (0 included) and ids >= num_words are dropped without an oov_token ...
    assert fitted(num_words=4).sequences_to_texts([[1, 2, 3, 4, 0, 99]]) == ["the cat dog"]
    # ... and become the oov_token with one
    assert fitted(num_words=4, oov_token="<unk>").sequences_to_texts([np.array([2, 3, 4, 0])]) == \
        ["the cat <unk> <unk>"]


def test_fit_twice_accumulates_counts():
    tok = Tokenizer().fit_on_texts(["b a"]).fit_on_texts(["a"])
    assert tok.word_index == {"a": 1, "b": 2} and tok.document_count == 2


def test_to_dict_from_dict_round_trip_through_json():
    tok = fitted(num_words=5, oov_token="<unk>")
    back = Tokenizer.from_dict(json.loads(json.dumps(tok.to_dict())))
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert list(back.word_counts.items()) == list(tok.word_counts.items())
    assert (back.num_words, back.oov_token) == (5, "<unk>")
    assert back.texts_to_sequences(TEXTS + QUERY) == tok.texts_to_sequences(TEXTS + QUERY)
    with pytest.raises(ValueError, match="to_dict"):
        Tokenizer.from_dict({"num_words": 5})


def test_bad_inputs_give_clear_errors():
    tok = fitted()
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str, got int"):
        tok.texts_to_sequences(["ok", 3])
    with pytest.raises(TypeError, match=r"texts\[0\] must be a str, got NoneType"):
        Tokenizer().fit_on_texts([None])
    with pytest.raises(TypeError, match="single str"):
        tok.texts_to_sequences("the cat")
    with pytest.raises(TypeError, match=r"seqs\[1\] must hold only integer ids, found 2.5"):
        tok.sequences_to_texts([[1], [1, 2.5]])
    with pytest.raises(ValueError, match="fit_on_texts"):
        Tokenizer().texts_to_sequences(["the cat"])
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer(num_words=-1)


SEQS = [[1, 2, 3], [4, 5], []]


@pytest.mark.parametrize("padding, truncating, maxlen, expected", [
    ("pre", "pre", None, [[1, 2, 3], [0, 4, 5], [0, 0, 0]]),
    ("post", "pre", None, [[1, 2, 3], [4, 5, 0], [0, 0, 0]]),
    ("pre", "pre", 2, [[2, 3], [4, 5], [0, 0]]),            # keep the last 2
    ("pre", "post", 2, [[1, 2], [4, 5], [0, 0]]),           # keep the first 2
    ("post", "post", 1, [[1], [4], [0]]),
    ("pre", "pre", 5, [[0, 0, 1, 2, 3], [0, 0, 0, 4, 5], [0, 0, 0, 0, 0]]),
    ("post", "post", 5, [[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [0, 0, 0, 0, 0]]),
])
def test_pad_sequences_modes(padding, truncating, maxlen, expected):
    x = pad_sequences(SEQS, maxlen=maxlen, padding=padding, truncating=truncating)
    assert x.dtype == np.int32 and x.tolist() == expected


def test_pad_sequences_value_dtype_and_edge_cases():
    x = pad_sequences([np.array([7]), (8, 9)], maxlen=3, value=-1, dtype="int64")
    assert x.dtype == np.int64 and x.tolist() == [[-1, -1, 7], [-1, 8, 9]]
    assert pad_sequences([[], []]).shape == (2, 0)
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_pad_sequences_bad_inputs():
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post', got 'middle'"):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="truncating must be 'pre' or 'post', got 'both'"):
        pad_sequences(SEQS, truncating="both")
    with pytest.raises(TypeError, match=r"seqs\[1\] must hold only integer ids, found 'a'"):
        pad_sequences([[1], [2, "a"]])
    with pytest.raises(TypeError, match=r"seqs\[0\] must be a sequence of integer ids"):
        pad_sequences(["abc"])
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences(SEQS, maxlen=-2)
