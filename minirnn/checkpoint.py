"""Checkpoints: one .npz file of plain arrays plus a JSON string, written atomically, read without pickle.

    save(path, arrays={"model/0.W": ..., "optim/step": ...}, meta={"config": {...}, "epoch": 3})
    arrays, meta = load(path)

Atomic: the file is written under a temporary name in the same folder, flushed to disk, then
renamed over `path` (os.replace), so a crash or Ctrl-C mid-write leaves the old checkpoint intact.
No pickle: every entry is a numeric array, and the metadata is one JSON string, so loading uses
np.load(..., allow_pickle=False) and a tampered file cannot run code. A SHA-256 of the arrays is
stored in the metadata, so a file that was edited or half-copied is refused with a clear error.
"""
import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from .backend import to_numpy

FORMAT = "minirnn-checkpoint-1"


def _digest(arrays):
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode())
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(path, arrays, meta):
    """Write arrays (str -> array of any backend) and meta (JSON-serialisable dict) to path, atomically."""
    arrays = {k: np.asarray(to_numpy(v)) for k, v in arrays.items()}
    for k, a in arrays.items():
        if a.dtype == object:
            raise TypeError(f"checkpoint entry {k!r} is an object array; only numeric arrays are saved")
    meta = dict(meta, format=FORMAT, sha256=_digest(arrays))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __meta__=np.array(json.dumps(meta)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())          # mkstemp makes it 0600; give it the usual permissions
        os.replace(tmp, path)                     # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _umask():
    mask = os.umask(0)                            # the only way to read it is to set it; put it back
    os.umask(mask)
    return mask


def load(path):
    """Read a checkpoint written by save(). Returns (arrays as NumPy, meta dict); ValueError if it is damaged."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    if os.path.isdir(path):
        raise ValueError(f"checkpoint {path} is a folder; give the checkpoint.npz file inside it")
    if not zipfile.is_zipfile(path):              # .npz is a zip; anything else is not ours
        raise ValueError(f"checkpoint {path} is damaged or not a checkpoint (not a whole .npz archive: truncated?)")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise ValueError(f"checkpoint {path} is damaged or truncated (not a readable .npz): {e}") from e
    except ValueError as e:                       # an object array: np.load refuses to unpickle it
        raise ValueError(f"checkpoint {path} holds pickled data, which minirnn never writes or loads: {e}") from e
    if "__meta__" not in data:
        raise ValueError(f"checkpoint {path} has no metadata: not a minirnn checkpoint")
    try:
        meta = json.loads(str(data.pop("__meta__")))
    except json.JSONDecodeError as e:
        raise ValueError(f"checkpoint {path}: its metadata is not valid JSON ({e})") from e
    if meta.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path} has format {meta.get('format')!r}, expected {FORMAT!r}")
    if meta.get("sha256") != _digest(data):
        raise ValueError(f"checkpoint {path} fails its checksum: it was edited or damaged after it was written")
    return data, meta


def model_arrays(model, optimizer=None):
    """A model's parameters (and its optimizer's state) as checkpoint entries "model/..." and "optim/..."."""
    arrays = {f"model/{k}": v for k, v in model.params.items()}
    if optimizer is not None:
        for k, v in optimizer.state_dict().items():
            arrays[f"optim/{k}"] = np.asarray(to_numpy(v))
    return arrays


def restore(model, arrays, optimizer=None):
    """Put the "model/..." entries into model and the "optim/..." entries into optimizer (in place)."""
    model.load_params({k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")})
    if optimizer is not None:
        state = {k[len("optim/"):]: v for k, v in arrays.items() if k.startswith("optim/")}
        optimizer.load_state_dict({k: (v.item() if v.ndim == 0 else v) for k, v in state.items()})
