"""Check a backward() against finite differences: the test every hand-written gradient needs.

    layer = minirnn.Linear(3, 4).astype(np.float64)
    minirnn.gradcheck(layer, np.random.randn(2, 3))          # prints a table, returns {name: rel. error}

For a layer (anything with .params): loss = sum(R * out) for a fixed random R of out's shape,
so dloss/dout = R is fed to backward(). Each parameter entry (and each entry of the first input,
if it is a float array) is nudged by +-eps and the loss difference (L+ - L-) / 2eps compared
with the analytic gradient. For a loss function f(x, ...) -> (loss, dx), dx is checked the same way.
"""
import numpy as np

from .backend import array_module, to_numpy

THRESHOLD = 1e-6


def _flatten(out):
    """An array, or nested tuples of arrays (e.g. (out, (h_n, c_n))) -> a flat list of arrays."""
    if out is None:
        return []
    if hasattr(out, "shape"):
        return [out]
    return [a for item in out for a in _flatten(item)]


def _like(out, arrays):
    """Rebuild out's nesting from an iterator over arrays (the inverse of _flatten)."""
    if out is None:
        return None
    if hasattr(out, "shape"):
        return next(arrays)
    return tuple(_like(item, arrays) for item in out)


def _require_float64(a, name, fix):
    if a.dtype != np.float64:
        raise TypeError(f"gradcheck: {name} has dtype {a.dtype}; finite differences need float64 "
                        f"(in float32 they are meaningless): call {fix}.astype(np.float64) first")


def rel_error(a, b):
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    num, den = np.linalg.norm(a - b), np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(num / max(den, 1e-30))


def _numeric(loss, a, idx, eps):
    """Central differences of loss() with respect to a[idx] for each flat index in idx; a restored."""
    grad = np.zeros(len(idx))
    for n, k in enumerate(idx):
        pos = np.unravel_index(int(k), a.shape)
        old = float(a[pos])
        a[pos] = old + eps
        plus = loss()
        a[pos] = old - eps
        minus = loss()
        a[pos] = old                                     # restore exactly
        grad[n] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(target, *inputs, eps=1e-6, num_checks=None, seed=0, verbose=True, **kwargs):
    """Compare analytic and numeric gradients; returns {name: relative error}.

    target:     a layer/model (has .params, .forward, .backward, .grads), or a loss function
                f(*inputs, **kwargs) -> (loss, dinput)
    inputs:     passed to target; the first one is checked too if it is a float array ("x")
    num_checks: check this many random entries per array instead of all of them
    """
    rng = np.random.default_rng(seed)
    is_layer = hasattr(target, "params")
    for name, p in (target.params.items() if is_layer else ()):
        _require_float64(p, f"parameter {name!r}", "layer")
    x = inputs[0] if inputs and hasattr(inputs[0], "dtype") and inputs[0].dtype.kind == "f" else None
    if x is not None:
        _require_float64(x, "the first input", "x")
    if is_layer:
        out = target.forward(*inputs, **kwargs)
        outs = _flatten(out)
        R = [array_module(o).asarray(rng.standard_normal(o.shape)) for o in outs]   # dloss/d(each output)

        def loss():
            outs = _flatten(target.forward(*inputs, **kwargs))
            return sum(float((r * o).sum()) for r, o in zip(R, outs))

        R_out = _like(out, iter(R))
        dx = target.backward(R_out) if hasattr(out, "shape") else target.backward(*R_out)
        if isinstance(dx, tuple):                        # e.g. (dx, dh0): the first is dx
            dx = dx[0]
        analytic = {name: to_numpy(g).copy() for name, g in target.grads.items()}
        arrays = dict(target.params)
    else:
        def loss():
            return float(target(*inputs, **kwargs)[0])
        dx = target(*inputs, **kwargs)[1]
        analytic, arrays = {}, {}
    if x is not None:
        if dx is None or tuple(dx.shape) != tuple(x.shape):
            raise ValueError(f"gradcheck: the gradient returned for the first input has shape "
                             f"{None if dx is None else tuple(dx.shape)}, expected {tuple(x.shape)}")
        analytic["x"], arrays["x"] = to_numpy(dx).copy(), x

    errors = {}
    for name, a in arrays.items():
        n = a.size
        idx = np.arange(n) if num_checks is None or num_checks >= n else rng.choice(n, num_checks, replace=False)
        numeric = _numeric(loss, a, idx, eps)
        errors[name] = rel_error(analytic[name].reshape(-1)[idx], numeric)
    if verbose:
        print(f"{'name':<12}{'shape':<16}{'rel.error':>12}")
        for name, err in errors.items():
            ok = "ok" if err < THRESHOLD else "FAIL"
            print(f"{name:<12}{str(tuple(arrays[name].shape)):<16}{err:>12.2e}  {ok}")
    return errors
