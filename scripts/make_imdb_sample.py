"""Make minirnn/data/imdb_sample.csv.gz, the small IMDB sample shipped with minirnn.

    python scripts/make_imdb_sample.py path/to/aclImdb_v1.tar.gz [out.csv.gz]

Reads the official archive (or its labeled part) member by member, keeps the whole reviews
shorter than MAX_CHARS characters, and draws at random (seed SEED), without replacement:
    train: 1,000 pos + 1,000 neg from the official train split
    test:    500 pos +   500 neg from the official test split
Rows are written sorted by split (train first), folder (neg first) and file id, with columns
    split,id,rating,sentiment,review
The review text is kept raw (with its "<br />" tags); minirnn.datasets.imdb.load cleans it.
The gzip header carries no time stamp, so the same input gives the same bytes.
"""
import csv
import gzip
import io
import re
import sys
import tarfile
from pathlib import Path

import numpy as np

SEED = 0
MAX_CHARS = 1500
COUNTS = {"train": 1000, "test": 500}     # per class
MEMBER = re.compile(r"(?:^|/)(train|test)/(neg|pos)/(\d+)_(\d+)\.txt$")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "minirnn" / "data" / "imdb_sample.csv.gz"


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    tar_path, out = Path(argv[1]), Path(argv[2]) if len(argv) == 3 else DEFAULT_OUT
    pools = {}                               # (split, folder) -> list of (id, rating, text)
    with tarfile.open(tar_path, "r:gz") as tar:
        for member in tar:
            m = MEMBER.search(member.name)
            if m and member.isfile():
                text = tar.extractfile(member).read().decode("utf-8")
                if len(text) < MAX_CHARS:
                    pools.setdefault(m.group(1, 2), []).append((int(m.group(3)), int(m.group(4)), text))

    rng = np.random.default_rng(SEED)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["split", "id", "rating", "sentiment", "review"])
    for split in ("train", "test"):
        for folder in ("neg", "pos"):
            pool = sorted(pools[(split, folder)])                 # by file id: a fixed start
            pick = sorted(rng.choice(len(pool), size=COUNTS[split], replace=False))
            for i in pick:
                rid, rating, text = pool[i]
                writer.writerow([split, rid, rating, "positive" if folder == "pos" else "negative", text])
            print(f"{split}/{folder}: {COUNTS[split]} of {len(pool)} reviews under {MAX_CHARS} chars")

    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv)
