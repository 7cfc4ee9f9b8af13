"""Which quantity of a learner's function is wrong first, and in which gate block (for check.py).

compare() goes through hints.QUANTITIES[cell][function] in dependency order (for the BPTT loop, first
what it passed to the step backward at t = T-1, ..., 0) and gives one row per quantity: ok, wrong or
unseen, its error against minirnn/plain (and finite differences), and for a quantity made of gate
blocks, which blocks are right. The learner's value of an intermediate is their local variable of
that name (or a usual alias), else any local that equals it, else, for da (dxw, dhh), what their
weight gradients say it was.
"""
import numpy as np

from . import hints
from .probe import T, rel_error

TOL, TOL_FD = 1e-7, 1e-5
ALIASES = {"dc_t": ("dc",), "dhh": ("dhw",), "dhn": ("dhWn",), "da_n": ("dan",), "da_r": ("dar",),
           "da_z": ("daz",), "a_t": ("a",), "a": ("a_t",)}


def _inner_value(name, ref, inner):
    """The learner's local variable for quantity `name`: by its name, else any local equal to ref."""
    arrays = {k: v for k, v in inner.items() if isinstance(v, np.ndarray) and v.shape == ref.shape
              and (np.issubdtype(v.dtype, np.number) or v.dtype == bool)}
    for n in (name, *ALIASES.get(name, ())):
        if n in arrays:
            return arrays[n].astype(float)
    return next((v.astype(float) for v in arrays.values() if rel_error(v.astype(float), ref) < TOL), None)


# da (dxw, dhh for the GRU) is also in the weight gradients: dW = u^T da for the step's input u (x_t or
# h_{t-1}), and db = da summed over the batch. When the learner's function has no variable for it, it
# is read back from them (least squares: u is (B, E) or (B, H) with B < E, H), if they agree.
SOLVED = {"da": (("dWx", "x_t"), ("dWh", "h_prev"), ("db", None)), "dxw": (("dWx", "x_t"), ("db", None)),
          "dhh": (("dWh", "h_prev"),)}


def _solved(name, values, inp):
    found = []
    for grad, u in SOLVED.get(name, ()):
        if u is not None and grad in values:
            d, *_ = np.linalg.lstsq(inp[u].T, values[grad], rcond=None)
            if rel_error(inp[u].T @ d, values[grad]) > 1e-6:
                return None                 # no da gives this gradient: it is wrong in itself
            found.append(d)
    if not found or any(rel_error(d, found[0]) > 1e-6 for d in found):
        return None
    if ("db", None) in SOLVED[name] and rel_error(found[0].sum(axis=0), values["db"]) > 1e-6:
        return None
    return found[0]


def compare(cell, function, mine, ref, values, nums, inp):
    """Rows in dependency order: dict(name, t, status ok|wrong|unseen, err, blocks, shape, fd)."""
    quantities = hints.QUANTITIES[cell][function]
    carried = [(n, tiers) for n, _, tiers in quantities if function == "backward" and n in ("dh_t", "dc_next")]
    order = [(n, t, tiers) for t in reversed(range(T)) for n, tiers in carried]    # the loop's steps, last first
    order += [(n, None, tiers) for n, _, tiers in quantities if n not in dict(carried)]
    rows = []
    for name, t, tiers in order:
        row = dict(name=name, t=t, blocks=None, fd=None, tiers=tiers)
        if t is not None:
            r, v = ref.steps.get((name, t)), mine.steps.get((name, t))
            v = v if v is not None and np.shape(v) == np.shape(r) else None
        elif name in values:
            r, v = ref.outputs[name], values[name]
        else:
            r = ref.inner[name]
            v = _inner_value(name, r, mine.inner)
            if v is None and function == "step_backward":
                v = _solved(name, values, inp)
                row["note"] = "" if v is None else f"   (read from your {', '.join(g for g, _ in SOLVED[name])})"
        row["shape"] = r.shape
        if v is None:
            rows.append(dict(row, status="unseen", err=None))
            continue
        err = rel_error(v, r)
        ok = err < TOL
        if name in nums:
            row["fd"] = rel_error(v, nums[name])
            ok = ok and row["fd"] < TOL_FD
        if isinstance(tiers, dict):
            n = len(tiers)
            row["blocks"] = {g: rel_error(bv, br) < TOL for g, bv, br in
                             zip(tiers, np.split(v, n, axis=-1), np.split(r, n, axis=-1))}
        rows.append(dict(row, status="ok" if ok else "wrong", err=err, value=v, ref=r))
    return rows


def label(row):
    return f"{row['name']} at t={row['t']}" if row["t"] is not None else row["name"]


def _and(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _columns(k, n):
    """The columns of gate block k of n: ':H', 'H:2H', '2H:3H', '3H:'."""
    h = lambda j: "" if j == 0 else "H" if j == 1 else f"{j}H"
    return f"{h(k)}:{h(k + 1) if k + 1 < n else ''}"


def _meaning(cell, function, name):
    q = hints.quantity(cell, function, name)
    return q[0].split(" (")[0] if q and q[0].startswith("dL/") else None


def first_wrong_text(cell, function, row, rows):
    """The sentence naming the earliest wrong quantity (and its gate block); and that block's gate."""
    fname = f"{cell}_{function}"
    err = f"relative error {row['err']:.1e}"
    meaning = _meaning(cell, function, row["name"])
    if row["blocks"]:
        gates = list(row["blocks"])
        wrong = [g for g, ok in row["blocks"].items() if not ok] or gates
        right = [g for g, ok in row["blocks"].items() if ok]
        if len(wrong) == 1:
            where = f"{meaning}, columns {_columns(gates.index(wrong[0]), len(gates))}"
            text = f"first wrong: the {wrong[0]} block of {row['name']} ({where}) in {fname}, {err}"
        else:
            text = f"first wrong: the {_and(wrong)} blocks of {row['name']} ({meaning}) in {fname}, {err}"
        if right:
            text += f"; the {_and(right)} block{'s are' if len(right) > 1 else ' is'} right"
        return text, wrong[0]
    if row["t"] is not None:
        step = f"{cell}_step_backward"
        later = [r for r in rows if r["name"] == row["name"] and r["t"] is not None and r["t"] > row["t"]]
        was = f" (at t={later[-1]['t']} it was right)" if later and later[-1]["status"] == "ok" else ""
        return f"first wrong: the {row['name']} your {fname} passes to {step} at t={row['t']}{was}, {err}", None
    what = f" ({meaning})" if meaning else ""
    return f"first wrong: {row['name']}{what} in {fname}, {err}", None
