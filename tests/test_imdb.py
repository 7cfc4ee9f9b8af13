"""The IMDB loader on tiny folders, tarballs and CSVs made here, broken ones included; the shipped
sample; the full archive when ../shared/data has it; download() on a local file:// URL."""
import gzip
import hashlib
import io
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest

from minirnn.datasets import imdb
from minirnn.text import Tokenizer, pad_sequences

FULL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"

# Two reviews per folder; file ids chosen so that numeric order (2 before 10) differs from text order.
REVIEWS = {
    "train/neg/10_1.txt": "Dull.<br /><br />Very dull.",
    "train/neg/2_3.txt": "Bad <i>really</i> bad.",
    "train/pos/0_9.txt": "Great fun!",
    "train/pos/7_10.txt": "I <3 it, 1 < 2.",
    "test/neg/5_2.txt": "Meh.",
    "test/pos/1_8.txt": "Lovely<br/>film.",
}
EXPECTED_TRAIN = (["Bad really bad.", "Dull.  Very dull.", "Great fun!", "I <3 it, 1 < 2."], [0, 0, 1, 1])
EXPECTED_TEST = (["Meh.", "Lovely film."], [0, 1])


def check(result, train=EXPECTED_TRAIN, test=EXPECTED_TEST):
    (xtr, ytr), (xte, yte) = result
    assert (xtr, ytr.tolist(), xte, yte.tolist()) == (train[0], train[1], test[0], test[1])
    assert ytr.dtype == np.int64 and yte.dtype == np.int64


def make_folder(root, reviews=REVIEWS):
    for name, text in reviews.items():
        f = root / "aclImdb" / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def make_tarball(path, reviews=REVIEWS, extra=True):
    members = {f"aclImdb/{k}": v for k, v in reviews.items()}
    if extra:   # members the loader must skip
        members.update({"aclImdb/README": "read me", "aclImdb/train/unsup/0_0.txt": "unlabeled",
                        "aclImdb/train/urls_pos.txt": "http://..."})
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- folder ---------------------------------------------------------------------------------

def test_folder_and_its_aclImdb_subfolder(tmp_path, capsys):
    make_folder(tmp_path)
    check(imdb.load(tmp_path))
    check(imdb.load(str(tmp_path / "aclImdb")))
    assert capsys.readouterr().err == ""          # no progress bar for a handful of reviews


def test_folder_missing_a_split_folder(tmp_path):
    make_folder(tmp_path, {k: v for k, v in REVIEWS.items() if not k.startswith("test/neg")})
    with pytest.raises(ValueError, match="no reviews in test/neg/"):
        imdb.load(tmp_path)


def test_folder_without_the_layout(tmp_path):
    (tmp_path / "stuff").mkdir()
    with pytest.raises(ValueError, match="no train/ or test/ folder"):
        imdb.load(tmp_path)


def test_folder_with_a_file_that_is_not_utf8(tmp_path):
    make_folder(tmp_path, {**REVIEWS, "test/pos/3_7.txt": b"caf\xe9"})
    with pytest.raises(ValueError, match=r"3_7\.txt is not valid UTF-8"):
        imdb.load(tmp_path)


# --- tarball --------------------------------------------------------------------------------

def test_tarball_read_member_by_member(tmp_path):
    check(imdb.load(make_tarball(tmp_path / "aclImdb_v1.tar.gz")))
    check(imdb.load(make_tarball(tmp_path / "imdb.tgz", extra=False)))


def test_tarball_member_not_utf8_is_named(tmp_path):
    path = make_tarball(tmp_path / "a.tar.gz", {**REVIEWS, "train/pos/3_7.txt": b"\xff\xfe bad"})
    with pytest.raises(ValueError, match=r"member aclImdb/train/pos/3_7\.txt is not valid UTF-8"):
        imdb.load(path)


def test_tarball_truncated_or_not_gzip(tmp_path):
    whole = make_tarball(tmp_path / "whole.tar.gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=re.escape(str(cut)) + " is corrupt or truncated"):
        imdb.load(cut)
    fake = write_csv(tmp_path / "fake.tar.gz", "not an archive at all")
    with pytest.raises(ValueError, match="fake.tar.gz is corrupt or truncated"):
        imdb.load(fake)


def test_tarball_missing_a_split_folder(tmp_path):
    path = make_tarball(tmp_path / "a.tar.gz", {k: v for k, v in REVIEWS.items() if "test/pos" not in k})
    with pytest.raises(ValueError, match=r"a\.tar\.gz has no reviews in test/pos/"):
        imdb.load(path)


# --- CSV ------------------------------------------------------------------------------------

CSV_ROWS = "".join(f'"review {i}<br />ok",{"positive" if i % 2 else "negative"}\n' for i in range(10))


def test_csv_seeded_80_20_split(tmp_path):
    path = write_csv(tmp_path / "IMDB Dataset.csv", "review,sentiment\n" + CSV_ROWS)
    (xtr, ytr), (xte, yte) = imdb.load(path, seed=1)
    assert len(xtr) == 8 and len(xte) == 2
    assert sorted(xtr + xte) == sorted(f"review {i} ok" for i in range(10))
    for texts, labels in ((xtr, ytr), (xte, yte)):      # labels follow their reviews
        assert labels.tolist() == [int(t.split()[1]) % 2 for t in texts]
    assert imdb.load(path, seed=1)[1][0] == xte          # same seed, same split
    assert any(imdb.load(path, seed=s)[1][0] != xte for s in range(2, 6))


def test_csv_gz_with_split_column_and_1_0_labels(tmp_path):
    path = tmp_path / "s.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write('split,sentiment,review\ntest,1,"multi\nline"\ntrain,0,b\ntrain, Positive ,c\n')
    check(imdb.load(path), train=(["b", "c"], [0, 1]), test=(["multi\nline"], [1]))


def test_csv_missing_column_names_the_columns_found(tmp_path):
    path = write_csv(tmp_path / "bad.csv", "text,label\nhello,positive\n")
    with pytest.raises(ValueError, match=r"bad\.csv must have columns 'review' and 'sentiment', "
                                         r"found \['text', 'label'\]"):
        imdb.load(path)


def test_csv_bad_sentiment_names_the_line(tmp_path):
    # line 1 header, lines 2-3 one quoted review over two lines, line 4 the bad row
    path = write_csv(tmp_path / "bad.csv", 'review,sentiment\n"two\nlines",negative\nfine,neutral\n')
    with pytest.raises(ValueError, match=r"bad\.csv, line 4: sentiment must be .* got 'neutral'"):
        imdb.load(path)


def test_csv_bad_split_and_empty(tmp_path):
    path = write_csv(tmp_path / "s.csv", "split,review,sentiment\ntrain,a,1\nvalid,b,0\n")
    with pytest.raises(ValueError, match=r"s\.csv, line 3: split must be 'train' or 'test', got 'valid'"):
        imdb.load(path)
    with pytest.raises(ValueError, match="no reviews"):
        imdb.load(write_csv(tmp_path / "e.csv", "review,sentiment\n"))


def test_missing_path_and_unknown_format(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        imdb.load(tmp_path / "nope.tar.gz")
    with pytest.raises(ValueError, match="cannot read"):
        imdb.load(write_csv(tmp_path / "reviews.json", "{}"))


# --- the shipped sample and the full set ------------------------------------------------------

def test_shipped_sample_sizes_and_balance():
    assert imdb.SAMPLE_PATH.is_file() and imdb.SAMPLE_PATH.stat().st_size <= 3_000_000
    (xtr, ytr), (xte, yte) = imdb.load()
    assert (len(xtr), int(ytr.sum()), len(xte), int(yte.sum())) == (2000, 1000, 1000, 500)
    assert all(isinstance(t, str) and 0 < len(t) < 1500 for t in xtr + xte)
    assert not any("<br" in t for t in xtr + xte)
    assert not set(xtr) & set(xte)
    # end to end with the tokenizer: (N, T) ids ready for an Embedding
    tok = Tokenizer(num_words=5000, oov_token="<unk>").fit_on_texts(xtr)
    x = pad_sequences(tok.texts_to_sequences(xtr), maxlen=100)
    assert x.shape == (2000, 100) and 0 <= x.min() and x.max() < 5000


@pytest.mark.slow
def test_full_labeled_archive():
    if not FULL.is_file():
        pytest.skip(f"{FULL} not present")
    (xtr, ytr), (xte, yte) = imdb.load(FULL, progress=False)
    assert (len(xtr), int(ytr.sum()), len(xte), int(yte.sum())) == (25000, 12500, 25000, 12500)
    assert not any("<br" in t for t in xtr[:2000])


# --- download (never touches the network: a file:// URL) --------------------------------------

def test_download_checks_size_and_sha256_and_uses_the_cache(tmp_path, capsys):
    src = tmp_path / "src" / "archive.tar.gz"
    src.parent.mkdir()
    src.write_bytes(b"pretend archive" * 1000)
    good, size = hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_size
    cache = tmp_path / "cache"

    with pytest.raises(ValueError, match="sha256 mismatch"):
        imdb.download(cache, url=src.as_uri(), sha256="0" * 64, size=size, progress=False)
    assert not cache.exists()                            # nothing kept, not even the new empty cache folder
    with pytest.raises(ValueError, match="gave 15,000 bytes, expected 15,001"):
        imdb.download(cache, url=src.as_uri(), sha256=good, size=size + 1, progress=False)
    with pytest.raises(OSError, match="cannot fetch"):
        imdb.download(cache, url=(tmp_path / "nowhere.tar.gz").as_uri(), progress=False)

    path = imdb.download(cache, url=src.as_uri(), sha256=good, size=size, progress=False)
    assert Path(path) == cache / "archive.tar.gz" and Path(path).read_bytes() == src.read_bytes()
    assert imdb.cached(src.as_uri(), cache) == path

    src.unlink()                                         # a second call must not need the source
    assert imdb.download(cache, url=src.as_uri(), sha256=good, size=size, progress=False) == path

    other = tmp_path / "src" / "other.bin"
    other.write_bytes(b"x")
    imdb.download(cache, url=other.as_uri(), sha256=None, size=None, progress=False)
    assert hashlib.sha256(b"x").hexdigest() in capsys.readouterr().out


def test_load_imdb_reads_the_cached_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIRNN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="minirnn download imdb"):
        imdb.load("imdb")
    (tmp_path / "cache").mkdir()
    make_tarball(tmp_path / "cache" / "aclImdb_v1.tar.gz")
    check(imdb.load("imdb", progress=False))
