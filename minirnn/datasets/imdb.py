"""The IMDB movie-review sentiment data set (Maas et al., ACL 2011), read without Keras or TF.

    from minirnn.datasets import imdb
    (train_texts, train_labels), (test_texts, test_labels) = imdb.load()   # the shipped sample
    (train_texts, train_labels), (test_texts, test_labels) = imdb.load(imdb.download())  # 25k/25k
    imdb.load("imdb")          # the archive download() (or `minirnn download imdb`) put in the cache

Texts are a list of str, labels a numpy int64 array of 0/1 (1 = positive review). The HTML
line breaks of the reviews ("<br />") become spaces and any other HTML tag is removed; the
rest (case, punctuation) is left to the Tokenizer.

load() reads any of:
    None                   the small sample shipped with minirnn (SAMPLE_PATH, see sample_info())
    a folder               the official aclImdb/ folder (or the folder holding it):
                           aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt
    a .tar.gz / .tgz       the official aclImdb_v1.tar.gz, read member by member without unpacking
    a .csv / .csv.gz       columns review,sentiment (positive/negative or 1/0), as in the popular
                           50k-row CSV; split 80/20 into train/test with `seed`, unless the file
                           has a split column (train/test), as the shipped sample does.
Folder and tarball reviews come sorted by split, then folder (neg before pos), then file id,
so they are in a fixed order: shuffle the training set before training on it.
"""
import csv
import gzip
import hashlib
import os
import re
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# Size and sha256 of the official aclImdb_v1.tar.gz, as listed by tensorflow_datasets.
SIZE = 84_125_825
SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
NAME = "imdb"                  # load("imdb") reads the archive download() put in the cache
SAMPLE_PATH = Path(__file__).resolve().parent.parent / "data" / "imdb_sample.csv.gz"

PROGRESS_MIN = 5000            # show a progress bar only when reading at least this many reviews
_GZ_BYTES_PER_REVIEW = 560     # a review takes about this much of the .tar.gz (28 MB / 50k)
_LABELS = {"neg": 0, "pos": 1}
_FOLDERS = [(s, l) for s in ("train", "test") for l in ("neg", "pos")]
_REVIEW_FILE = re.compile(r"(\d+)_(\d+)\.txt")                         # <id>_<rating>.txt
_REVIEW_MEMBER = re.compile(r"(?:^|/)(train|test)/(neg|pos)/(\d+)_(\d+)\.txt$")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")           # <i>, </a>, <a href=..>
_SENTIMENT = {"positive": 1, "pos": 1, "1": 1, "negative": 0, "neg": 0, "0": 0}


def sample_info():
    """What the shipped sample (SAMPLE_PATH) is, as a dict. See minirnn/data/README.md."""
    return {"path": str(SAMPLE_PATH),
            "source": "Large Movie Review Dataset v1.0, Maas et al. 2011, "
                      "https://ai.stanford.edu/~amaas/data/sentiment/",
            "train": "2,000 reviews (1,000 pos / 1,000 neg) drawn from the official train split",
            "test": "1,000 reviews (500 pos / 500 neg) drawn from the official test split",
            "drawn": "uniformly at random (seed 0) among whole reviews shorter than 1,500 characters",
            "script": "scripts/make_imdb_sample.py"}


def clean(text):
    """Remove IMDB's HTML markup: "<br />" -> " ", any other tag -> ""."""
    return _TAG.sub("", _BR.sub(" ", text))


def load(path=None, seed=0, progress=True):
    """Read IMDB reviews and labels.

    path: None (the shipped sample), an aclImdb folder, a .tar.gz/.tgz, or a .csv/.csv.gz.
    seed: only for a CSV without a split column: which rows go to the 20% test part.
    progress: show a tqdm bar while reading a folder or tarball of >= ~5000 reviews.
    Returns (train_texts, train_labels), (test_texts, test_labels): lists of str and
    int64 arrays of shape (N,) holding 0 (negative) or 1 (positive).
    """
    if path is not None and str(path) == NAME:
        path = cached()
        if path is None:
            raise FileNotFoundError(f"imdb.load: the IMDB archive is not in the cache ({default_cache_dir()}); "
                                    "run `minirnn download imdb` first, or pass a path")
    path = Path(SAMPLE_PATH if path is None else path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"imdb.load: {path} does not exist")
    name = path.name.lower()
    if path.is_dir():
        rows = _read_folder(path, progress)
    elif name.endswith((".tar.gz", ".tgz")):
        rows = _read_tarball(path, progress)
    elif name.endswith((".csv", ".csv.gz")):
        rows = _read_csv(path, seed)
    else:
        raise ValueError(f"imdb.load: cannot read {path}: expected an aclImdb folder, "
                         "a .tar.gz/.tgz archive or a .csv/.csv.gz file")
    parts = []
    for split in ("train", "test"):
        mine = [(label, text) for s, label, text in rows if s == split]
        parts.append(([t for _, t in mine], np.array([l for l, _ in mine], dtype=np.int64)))
    return parts[0], parts[1]


def _check_all_folders(found, source):
    """found: set of (split, folder) that held reviews. Raise if one of the four is missing."""
    missing = [f"{s}/{l}/" for s, l in _FOLDERS if (s, l) not in found]
    if missing:
        raise ValueError(f"imdb.load: {source} has no reviews in {', '.join(missing)}; expected the "
                         "aclImdb layout {train,test}/{pos,neg}/<id>_<rating>.txt")


def _decode(data, where):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"imdb.load: {where} is not valid UTF-8 ({e.reason} at byte {e.start})") from None


def _read_folder(path, progress):
    root = next((r for r in (path, path / "aclImdb") if (r / "train").is_dir() or (r / "test").is_dir()), None)
    if root is None:
        raise ValueError(f"imdb.load: {path} has no train/ or test/ folder (nor an aclImdb/ folder holding "
                         "them); expected the layout aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt")
    files = []                                           # (split, folder, id, file path)
    for split, folder in _FOLDERS:
        d = root / split / folder
        for f in (d.iterdir() if d.is_dir() else []):
            m = _REVIEW_FILE.fullmatch(f.name)
            if m:
                files.append((split, folder, int(m.group(1)), f))
    _check_all_folders({(s, l) for s, l, _, _ in files}, root)
    order = {sl: i for i, sl in enumerate(_FOLDERS)}
    files.sort(key=lambda r: (order[r[:2]], r[2]))       # train then test, neg then pos, then id
    bar = tqdm(files, desc=f"reading {root.name}", unit=" reviews",
               disable=not progress or len(files) < PROGRESS_MIN)
    return [(s, _LABELS[l], clean(_decode(f.read_bytes(), f))) for s, l, _, f in bar]


def _read_tarball(path, progress):
    rows = []                                            # (split, folder, id, text)
    size = path.stat().st_size
    show = progress and size >= PROGRESS_MIN * _GZ_BYTES_PER_REVIEW
    with open(path, "rb") as raw:
        try:
            # "r:gz" decompresses as it goes: members are read one after the other, never unpacked.
            with tarfile.open(fileobj=raw, mode="r:gz") as tar, \
                    tqdm(total=size, desc=f"reading {path.name}", unit="B", unit_scale=True,
                         disable=not show) as bar:
                for member in tar:
                    m = _REVIEW_MEMBER.search(member.name)
                    if m and member.isfile():        # skips README, imdb.vocab, train/unsup/, ...
                        text = _decode(tar.extractfile(member).read(), f"{path}: member {member.name}")
                        rows.append((m.group(1), m.group(2), int(m.group(3)), clean(text)))
                    bar.update(raw.tell() - bar.n)
        except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
            raise ValueError(f"imdb.load: {path} is corrupt or truncated, or not a .tar.gz archive "
                             f"({type(e).__name__}: {e})") from None
    _check_all_folders({(s, l) for s, l, _, _ in rows}, path)
    order = {sl: i for i, sl in enumerate(_FOLDERS)}
    rows.sort(key=lambda r: (order[r[:2]], r[2]))
    return [(s, _LABELS[l], text) for s, l, _, text in rows]


def _read_csv(path, seed):
    gz = path.name.lower().endswith(".gz")
    rows, has_split = [], False                          # (split or None, label, text)
    try:
        with (gzip.open if gz else open)(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            cols = reader.fieldnames or []
            if "review" not in cols or "sentiment" not in cols:
                raise ValueError(f"imdb.load: {path} must have columns 'review' and 'sentiment', "
                                 f"found {cols}")
            has_split = "split" in cols
            line = 1                                     # the header is line 1
            for row in reader:
                start, line = line + 1, reader.line_num  # a quoted review may span several lines
                sentiment = (row["sentiment"] or "").strip().lower()
                if sentiment not in _SENTIMENT or row["review"] is None:
                    raise ValueError(f"imdb.load: {path}, line {start}: sentiment must be "
                                     f"'positive'/'negative' (or 1/0), got {row['sentiment']!r}"
                                     + ("" if row["review"] is not None else " and no review"))
                split = (row["split"] or "").strip().lower() if has_split else None
                if has_split and split not in ("train", "test"):
                    raise ValueError(f"imdb.load: {path}, line {start}: split must be 'train' or 'test', "
                                     f"got {row['split']!r}")
                rows.append((split, _SENTIMENT[sentiment], clean(row["review"])))
    except UnicodeDecodeError as e:
        raise ValueError(f"imdb.load: {path} is not valid UTF-8 ({e.reason} at byte {e.start} "
                         f"of the {'decompressed ' if gz else ''}text)") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ValueError(f"imdb.load: {path} is corrupt or truncated ({type(e).__name__}: {e})") from None
    except csv.Error as e:
        raise ValueError(f"imdb.load: {path}, line {reader.line_num}: malformed CSV ({e})") from None
    if not rows:
        raise ValueError(f"imdb.load: {path} has a header but no reviews")
    if has_split:
        return rows
    # No split column: a seeded 80/20 split; each part keeps the file's order.
    test = np.zeros(len(rows), dtype=bool)
    test[np.random.default_rng(seed).permutation(len(rows))[:len(rows) // 5]] = True
    return [("test" if t else "train", label, text) for t, (_, label, text) in zip(test, rows)]


def default_cache_dir():
    """Where download() keeps the archive: $MINIRNN_CACHE, else $XDG_CACHE_HOME/minirnn, else ~/.cache/minirnn."""
    if os.environ.get("MINIRNN_CACHE"):
        return Path(os.environ["MINIRNN_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "minirnn"


def cached(url=URL, folder=None):
    """The path of the downloaded archive if it is in the cache, else None."""
    dest = Path(folder or default_cache_dir()) / (os.path.basename(urllib.parse.urlparse(url).path) or "download")
    return str(dest) if dest.is_file() else None


def download(cache_dir=None, url=URL, sha256=SHA256, size=SIZE, progress=True):
    """Download the official archive (84 MB) once into the cache and return its path (str).

    cache_dir: default default_cache_dir() (~/.cache/minirnn). If the file is already there with the
        expected size, nothing is downloaded.
    size, sha256: the expected byte count and hex digest; a mismatch raises ValueError and keeps
        nothing. None skips that check (the digest is then printed). The file is written under a
        temporary name and renamed only once complete and verified, so an interrupted or damaged
        download never looks cached.
    url: any URL urllib opens, file:// included (the tests serve a local archive that way).
    """
    folder = Path(cache_dir if cache_dir is not None else default_cache_dir()).expanduser()
    name = os.path.basename(urllib.parse.urlparse(url).path) or "download"
    dest = folder / name
    if dest.is_file() and (size is None or dest.stat().st_size == size):
        return str(dest)
    new_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        digest, got_size = hashlib.sha256(), 0
        try:
            resp = urllib.request.urlopen(url)
        except urllib.error.URLError as e:
            raise OSError(f"imdb.download: cannot fetch {url}: {getattr(e, 'reason', e)}") from None
        with os.fdopen(fd, "wb") as out, resp:
            total = resp.headers.get("Content-Length")
            with tqdm(total=int(total) if total else size, desc=f"downloading {name}", unit="B",
                      unit_scale=True, disable=not progress) as bar:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    got_size += len(chunk)
                    bar.update(len(chunk))
        got = digest.hexdigest()
        if size is not None and got_size != size:
            raise ValueError(f"imdb.download: {url} gave {got_size:,d} bytes, expected {size:,d}; "
                             "the file was not kept (an interrupted download or a changed file)")
        if sha256 is None:
            print(f"imdb.download: sha256 of {name} is {got} (not checked)")
        elif got != sha256.lower():
            raise ValueError(f"imdb.download: sha256 mismatch for {url}: expected {sha256}, got {got}; "
                             "the file was not kept (a damaged download or a changed file)")
        os.chmod(tmp, 0o644)                             # mkstemp's 0600 is for the half-written file only
        os.replace(tmp, dest)                            # atomic: the file appears whole or not at all
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        if new_folder and not any(folder.iterdir()):
            folder.rmdir()                               # a failed first download leaves no empty cache
    return str(dest)
