"""What every `minirnn` sub-command shares: argument types that refuse bad numbers before any
work starts, the --threads and --device settings, and a check that an --out folder is writable.

    p.add_argument("--epochs", type=positive_int, default=6)
    p.add_argument("--lr", type=positive_float, default=1e-3)
    add_threads_arg(p)                  # --threads N (default: see default_threads())
    use_threads(args.threads)           # once, before any BLAS work
    use_device(args.device)             # "cpu" -> the NumPy backend, "gpu" -> CuPy

An argparse type raises argparse.ArgumentTypeError; argparse turns it into one line
("minirnn train: error: argument --epochs: must be an integer >= 1, got '0'") and exit code 2.
"""
import argparse
import math
import os
import tempfile

from ..backend import set_backend


def _number(kind, text, low, low_ok, name):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {name}, got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    if low is not None and (value < low or (value == low and not low_ok)):
        raise argparse.ArgumentTypeError(f"must be {name}, got {text!r}")
    return value


def positive_int(text):
    """An int >= 1 (epochs, batch size, maxlen, units, ...)."""
    return _number(int, text, 1, True, "an integer >= 1")


def int_at_least(low):
    """An argparse type for an int >= low, e.g. int_at_least(3) for a vocabulary size."""
    def check(text):
        return _number(int, text, low, True, f"an integer >= {low}")
    check.__name__ = f"int_at_least_{low}"
    return check


def nonnegative_int(text):
    """An int >= 0 (a seed)."""
    return _number(int, text, 0, True, "an integer >= 0")


def finite_float(text):
    """Any finite float: nan and inf are refused."""
    return _number(float, text, None, True, "a finite number")


def positive_float(text):
    """A finite float > 0 (a learning rate, minutes)."""
    return _number(float, text, 0.0, False, "a finite number > 0")


def nonnegative_float(text):
    """A finite float >= 0 (weight decay, clipping: 0 = off)."""
    return _number(float, text, 0.0, True, "a finite number >= 0")


def fraction(text):
    """A finite float in [0, 1) (dropout, a validation split)."""
    value = _number(float, text, 0.0, True, "a number in [0, 1)")
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


# ---------------------------------------------------------------- threads

def default_threads():
    """BLAS threads when --threads is not given: 1.

    Measured on 2 cores (see README, "Threads"): the batched products of these models are small,
    so a second OpenBLAS thread gains little on a quiet machine, and when another process is busy
    the spinning threads fight it and a run can take several times longer. One thread never does.
    """
    return 1


def add_threads_arg(p):
    p.add_argument("--threads", type=positive_int, default=None,
                   help="BLAS threads (default: 1; more helps only on big models and idle cores)")


def use_threads(n):
    """Limit the BLAS (OpenBLAS, MKL, BLIS) and OpenMP thread pools to n threads (None: the default),
    for the rest of the process, with threadpoolctl. Returns the count set."""
    from threadpoolctl import threadpool_limits
    n = default_threads() if n is None else n
    threadpool_limits(limits=n)                 # kept in effect: the object is not used as a context
    return n


def use_device(device):
    """'cpu' -> the NumPy backend (even if MINIRNN_BACKEND=cupy), 'gpu' -> CuPy (RuntimeError without one)."""
    set_backend("cupy" if device == "gpu" else "numpy")


# ---------------------------------------------------------------- output folders

def prepare_out(path, what="--out"):
    """Make sure folder `path` can be written, before any data is read or any epoch trained.

    Creates it (and its parents) if needed. Returns the list of folders it created, which
    remove_if_empty() takes away again if the run fails before writing anything.
    Raises ValueError with one line naming the problem.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"{what} {path} is a file, not a folder")
    created, p = [], path
    while not os.path.exists(p):
        created.append(p)
        p = os.path.dirname(p)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise ValueError(f"{what} {path} cannot be created: {e.strerror}") from None
    try:                                         # write a file, as the checkpoint will: the one sure test
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=path)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        remove_if_empty(created)
        raise ValueError(f"{what} {path} is not writable: {e.strerror}") from None
    return created


def remove_if_empty(created):
    """Remove the folders prepare_out() created, deepest first, if nothing was written into them."""
    for p in created:                            # deepest first
        try:
            os.rmdir(p)                          # fails (and keeps it) unless it is empty
        except OSError:
            break
