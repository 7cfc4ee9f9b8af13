"""Run a learner's code so that whatever it does, `minirnn check` answers with one clear line.

    load(path, timeout=20)                       -> the learner's file as a module
    call(fn, args, name="rnn_step_forward", timeout=20, path=path)   -> what fn returned

Both raise LearnerError (one or two lines in .message, for the report) when the learner's code
raises, does not return within `timeout` seconds (a loop that never ends), prints more than a
screenful, or changes the arrays it was given. Output that is a view of an input is copied, so a
later step cannot change it behind the checker's back. The time limit uses SIGALRM (POSIX; in the
main thread). Elsewhere the call runs without a limit.
"""
import contextlib
import importlib.util
import io
import os
import signal
import threading
import traceback

import numpy as np

MAX_PRINTED = 2000          # characters of the learner's own print() output passed through


class LearnerError(Exception):
    """The learner's code raised, or returned something unusable: .message says what, in one or two lines."""

    def __init__(self, message, not_written=False):
        super().__init__(message)
        self.message, self.not_written = message, not_written


class _TimeUp(BaseException):
    """Raised inside the learner's code by the alarm (BaseException, so their `except Exception` can't swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds, what):
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def ring(signum, frame):
        raise _TimeUp()
    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TimeUp:
        raise LearnerError(f"your {what} did not return within {seconds:g} s: is there a loop that never ends? "
                           f"(more time: --timeout)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class _Capped(io.StringIO):
    """Keeps the first MAX_PRINTED characters of what the learner prints, counts the rest."""

    def __init__(self):
        super().__init__()
        self.dropped = 0

    def write(self, s):
        room = MAX_PRINTED - self.tell()
        if room > 0:
            super().write(s[:room])
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)


def _where(e, path):
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if path and os.path.abspath(f.filename) == os.path.abspath(path)]
    return f"\n    at line {frames[-1].lineno} of {os.path.basename(path)}: {frames[-1].line}" if frames else ""


def _run(fn, args, what, timeout, path, echo):
    printed = _Capped()
    try:
        with contextlib.redirect_stdout(printed), _time_limit(timeout, what), np.errstate(all="ignore"):
            result = fn(*args)
    except LearnerError:
        raise
    except NotImplementedError:
        raise LearnerError(f"{what} is not written yet", not_written=True) from None
    except SystemExit:              # exit() in the learner's code must not end the check
        raise LearnerError(f"your {what} called exit(); a function returns its results instead") from None
    except Exception as e:          # the learner's bug, reported as theirs, with their line
        raise LearnerError(f"your {what} raised {type(e).__name__}: {e}{_where(e, path)}") from None
    finally:
        text = printed.getvalue()
        if text and echo:
            echo(f"  (your {what} printed {len(text) + printed.dropped} characters"
                 + (f"; the first {MAX_PRINTED} follow)" if printed.dropped else ")"))
            echo(text.rstrip())
    return result


def load(path, timeout=20, echo=None):
    """Execute the learner's file as a module (its top level under the same time limit)."""
    try:                            # compiling happens before any line runs
        with open(path, "rb") as f:
            compile(f.read(), path, "exec")
    except SyntaxError as e:
        raise LearnerError(f"your file does not load: SyntaxError at line {e.lineno}: {e.msg}") from None
    spec = importlib.util.spec_from_file_location("minirnn_learner_exercise", path)
    mod = importlib.util.module_from_spec(spec)
    _run(spec.loader.exec_module, (mod,), "file", timeout, path, echo)
    return mod


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _arrays(value):
    """Every ndarray inside value (nested tuples and lists included)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return []


def _detach(value, inputs):
    """value with every array that shares memory with an input replaced by a copy."""
    if isinstance(value, np.ndarray):
        return value.copy() if any(np.shares_memory(value, a) for a in inputs) else value
    if isinstance(value, tuple):
        return tuple(_detach(v, inputs) for v in value)
    if isinstance(value, list):
        return [_detach(v, inputs) for v in value]
    return value


def call(fn, args, name, timeout=20, path=None, arg_names=None, echo=None):
    """fn(*args) on copies of the array arguments.

    Raises LearnerError when fn raises, runs past timeout seconds, or writes into one of its array
    arguments (named from arg_names when given). Arrays in the result that are views of an input
    are returned as copies.
    """
    given = [_copy(a) for a in args]
    mine = [_copy(a) for a in given]
    result = _run(fn, mine, name, timeout, path, echo)
    for k, (before, after) in enumerate(zip(given, mine)):
        if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
            arg = arg_names[k] if arg_names else f"argument {k + 1}"
            raise LearnerError(f"your {name} changed its input {arg} in place (e.g. with +=, *= or [...] =); "
                               f"compute into a new array instead (a = a + b, not a += b)")
    return _detach(result, [a for a in mine if isinstance(a, np.ndarray)])
