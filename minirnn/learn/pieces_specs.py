"""What `minirnn check` compares for the embedding, softmax-ce and clip exercises (pieces_specs_rnn.py:
masked-rnn, bidirectional, truncated-bptt), and the shared parts.

Each exercise is a Spec: the functions the learner writes, small random float64 inputs, and its
quantities in the order they depend on each other. A quantity (Q) says how to get it from a file's
functions (f.name(...) calls the learner's function under the time limit, or the solution's), its
shape in letters, its hints from the gentlest to the formula (the last), and where(...) says which
part of it is wrong (which row, time step, direction, chunk). MISTAKES: each a title and edits of
the solution's text; when the learner's wrong quantity equals an edited solution's, check names it.
"""
from types import SimpleNamespace

import numpy as np

from .sandbox import LearnerError

B, T, E, H, V = 3, 5, 4, 5, 6


class Q:
    def __init__(self, name, function, compute, shape, tiers, backward=True, where=None):
        self.name, self.function, self.compute, self.shape = name, function, compute, shape
        self.tiers, self.backward, self.where = tiers, backward, where


class Spec(SimpleNamespace):
    """name, module (solutions/<module>.py), description, concept, writes, sizes (for the report),
    inputs(seed) -> dict, quantities [Q], mistakes [(title, [(old, new)])], engine(inp) -> {quantity: value}."""


def returned(result, fname, names):
    """result as a tuple of len(names) values (one name: the value itself); LearnerError otherwise."""
    if result is None:
        raise LearnerError(f"your {fname} returned None; it must return {', '.join(names)}")
    if len(names) == 1:
        return result
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else f"one {type(result).__name__}"
        raise LearnerError(f"your {fname} returned {got}; it must return {len(names)}: {', '.join(names)}")
    return tuple(result)


def wrong_entries(mine, ref):
    """Boolean array: where mine differs from ref (beyond rounding), NaN and Inf included."""
    scale = max(float(np.max(np.abs(ref))), 1e-12) if ref.size else 1.0
    with np.errstate(invalid="ignore"):
        return ~(np.abs(mine - ref) <= 1e-7 * scale)


def listed(values, most=6):
    values = [str(tuple(int(x) for x in v)) if isinstance(v, tuple) else str(v) for v in values]
    return ", ".join(values[:most]) + (f" and {len(values) - most} more" if len(values) > most else "")


def at_steps(mine, ref, backward=False, axis=1):
    """'wrong at t = ...' for an array with time on `axis`; BPTT's first wrong step is the latest."""
    bad = wrong_entries(mine, ref)
    steps = [t for t in range(bad.shape[axis]) if np.take(bad, t, axis=axis).any()]
    if not steps:
        return ""
    text = f"wrong at time step{'s' if len(steps) > 1 else ''} t = {listed(steps)} (of 0..{bad.shape[axis] - 1})"
    if backward and len(steps) > 1:
        text += f"; BPTT runs from t = {bad.shape[axis] - 1} down, so it went wrong first at t = {steps[-1]}"
    return text


# ---------------------------------------------------------------- embedding

def _embedding_inputs(seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, (B, T))
    ids[0, :3] = [2, 2, 0]                       # a repeated id and the padding id, whatever the seed
    return dict(ids=ids, W=rng.standard_normal((V, E)), dout=rng.standard_normal((B, T, E)))


def _dW_rows(mine, ref, inp, *_, padding=False):
    rows = [v for v in range(mine.shape[0]) if wrong_entries(mine[v], ref[v]).any()]
    counts = [int((inp["ids"] == v).sum()) for v in rows]
    return (f"rows {listed(rows)} of dW are wrong; those ids appear {listed(counts)} times in ids"
            + (" (row 0: the padding id's)" if padding and 0 in rows else "")) if rows else ""


def _embedding_engine(inp, padding_idx=None):
    from ..layers import Embedding
    layer = Embedding(V, E, padding_idx=padding_idx)
    layer.params["W"], layer.grads["W"] = inp["W"].copy(), np.zeros_like(inp["W"])
    out = layer.forward(inp["ids"])
    layer.backward(inp["dout"])
    return out, layer.grads["W"]


def _embedding_fw(f, inp):
    return returned(f.embedding_forward(inp["ids"], inp["W"]), "embedding_forward", ("out", "cache"))


EMBEDDING = Spec(
    name="embedding", module="embedding", sizes=f"B={B} T={T} V={V} E={E}",
    description="an embedding table: the lookup forward, the scatter-add backward with repeated ids",
    concept="scatter-add of repeated ids",
    writes=("embedding_forward", "embedding_backward"),
    inputs=_embedding_inputs,
    quantities=[
        Q("out", "embedding_forward", lambda f, i: _embedding_fw(f, i)[0], "(B, T, E)",
          ["out[b, t] is row ids[b, t] of W, for every (b, t)",
           "NumPy takes a whole array of rows at once: W[ids] is (B, T, E)"], backward=False,
          where=lambda m, r, i, *_: at_steps(m, r)),
        Q("dW", "embedding_backward", lambda f, i: f.embedding_backward(i["dout"], _embedding_fw(f, i)[1]),
          "(V, E)",
          ["Backprop through out[b, t] = W[ids[b, t]]: each place (b, t) read one row of W, so its "
           "dout[b, t] goes back into that row. What if an id appears at several places?",
           "Every place that read row v adds its dout[b, t] to dW[v]: repeated ids must add up. Beware: "
           "NumPy's dW[ids] += dout writes a repeated row once (the last place wins); np.add.at adds them all",
           "dW = zeros (V, E); np.add.at(dW, ids.reshape(-1), dout.reshape(-1, E)): dW[v] = the sum of "
           "dout[b, t] over every (b, t) with ids[b, t] == v"],
          where=_dW_rows),
        Q("dW with padding_idx=0", "embedding_backward",
          lambda f, i: f.embedding_backward(i["dout"], _embedding_fw(f, i)[1], 0), "(V, E)",
          ["The padding id marks places that are not tokens. Should its row learn from them?",
           "Compute dW as without padding, then look at row padding_idx",
           "dW[padding_idx] = 0 after the scatter-add: the padding row gets no gradient"],
          where=lambda *a: _dW_rows(*a, padding=True)),
    ],
    mistakes=[
        ("repeated ids do not add up: fancy-index dW[ids] += dout (like dW[v] = dout[b, t] in a loop) writes a "
         "repeated row once, the last place wins; np.add.at(dW, ids, dout) adds them all",
         [("np.add.at(dW, ids.reshape(-1), dout.reshape(-1, E))", "dW[ids.reshape(-1)] += dout.reshape(-1, E)")]),
        ("the padding row gets a gradient: set dW[padding_idx] = 0 after the scatter-add",
         [("dW[padding_idx] = 0", "dW = dW")]),
    ],
    engine=lambda inp: dict(zip(("out", "dW"), _embedding_engine(inp)),
                            **{"dW with padding_idx=0": _embedding_engine(inp, padding_idx=0)[1]}),
)


# ---------------------------------------------------------------- softmax-ce

def _softmax_inputs(seed):
    rng = np.random.default_rng(seed)
    logits = 2 * rng.standard_normal((B, T, V))
    logits[0, 1] += 1000.0                       # scores of 1000: exp overflows unless shifted by the max
    y_all = rng.integers(0, V, (B, T))
    mask = np.ones((B, T))
    mask[1, 3:] = 0                              # padded at the end
    mask[2, :2] = 0                              # padded at the start
    return dict(logits=logits, y_all=y_all, ones=np.ones((B, T)), mask=mask, y=np.where(mask > 0, y_all, -100))


def _ce(f, i, padded):
    y, m = (i["y"], i["mask"]) if padded else (i["y_all"], i["ones"])
    return returned(f.softmax_ce_forward(i["logits"], y, m), "softmax_ce_forward", ("loss", "cache"))


def _positions(mine, ref, inp, *_):
    bad = wrong_entries(mine, ref).reshape(B, T, -1).any(axis=-1)
    text = f"wrong at (b, t) = {listed(zip(*np.nonzero(bad)))}" if bad.any() else ""
    if bad[0, 1] and not np.isfinite(mine[0, 1]).all():
        text += "; not finite at (0, 1), where the scores are about 1000: exp overflowed"
    return text


def _padded_positions(mine, ref, inp, *_):
    bad = wrong_entries(mine, ref).any(axis=-1)
    pad, real = bad & (inp["mask"] == 0), bad & (inp["mask"] > 0)
    return "; ".join(s for s in (
        f"wrong at {int(pad.sum())} padding step(s), (b, t) = {listed(zip(*np.nonzero(pad)))}" if pad.any() else "",
        f"wrong at {int(real.sum())} real step(s)" if real.any() else "") if s)


def _ce_engine(inp):
    from ..losses import softmax_cross_entropy
    loss1, d1 = softmax_cross_entropy(inp["logits"], inp["y_all"], inp["ones"])
    loss2, d2 = softmax_cross_entropy(inp["logits"], inp["y"], inp["mask"])
    return {"loss, no padding": loss1, "loss with padding": loss2, "dlogits, no padding": d1,
            "dlogits with padding": d2}


_D_FORMULA = "dlogits = (p - onehot(y)) * m[..., None] / n, with p = exp(log p) and n = mask.sum()"

SOFTMAX_CE = Spec(
    name="softmax-ce", module="softmax_ce", sizes=f"B={B} T={T} V={V}",
    description="softmax cross-entropy over (B, T, V) with a mask: the loss, the masked mean, its gradient",
    concept="masked mean and its gradient",
    writes=("log_softmax", "softmax_ce_forward", "softmax_ce_backward"),
    inputs=_softmax_inputs,
    quantities=[
        Q("log p", "log_softmax", lambda f, i: f.log_softmax(i["logits"]), "(B, T, V)",
          ["log p = z - log sum_v exp(z_v) over the last axis, for every (b, t)",
           "Subtract each row's max first, z - z.max(axis=-1, keepdims=True): it cancels out and keeps "
           "exp from overflowing"], backward=False, where=_positions),
        Q("loss, no padding", "softmax_ce_forward", lambda f, i: _ce(f, i, False)[0], "()",
          ["loss = -(1/n) sum_{b,t} m log p[b, t, y[b, t]]; here every m is 1: the mean over all B*T steps",
           "Pick log p[b, t, y[b, t]] for every (b, t) at once: np.take_along_axis(log_p, y[..., None], axis=-1)"],
          backward=False),
        Q("loss with padding", "softmax_ce_forward", lambda f, i: _ce(f, i, True)[0], "()",
          ["Only counted steps (m = 1) enter the sum, and the mean divides by how many count: n = mask.sum()",
           "At padding y is -100: read any valid class there (np.where(mask > 0, y, 0)) and let m = 0 drop it"],
          backward=False),
        Q("dlogits, no padding", "softmax_ce_backward",
          lambda f, i: f.softmax_ce_backward(_ce(f, i, False)[1]), "(B, T, V)",
          ["Backprop through loss = -(1/n) sum m log p[y]: first through the mean, then through log softmax. "
           "Write the local derivative of -log p[y] with respect to z in terms of p = softmax(z)",
           "d(-log softmax(z)[y]) / dz_v is p_v, minus 1 when v = y; the mean contributes 1/n",
           _D_FORMULA], where=_positions),
        Q("dlogits with padding", "softmax_ce_backward",
          lambda f, i: f.softmax_ce_backward(_ce(f, i, True)[1]), "(B, T, V)",
          ["A padding step is not in the loss: what is its gradient? And what does n count?",
           "Multiply by m (as (B, T, 1)) and divide by n, the number of counted steps",
           _D_FORMULA], where=_padded_positions),
    ],
    mistakes=[
        ("the mean is over all B*T steps: divide by the number of counted steps, n = mask.sum()",
         [("count = max(mask.sum(), 1)", "count = mask.size")]),
        ("the gradient is not masked: padding steps are not in the loss, so their dlogits must be 0",
         [("dlogits = dlogits * mask[..., None] / count", "dlogits = dlogits / count")]),
        ("the gradient is the sum's, not the mean's: divide it by n, the number of counted steps",
         [("dlogits = dlogits * mask[..., None] / count", "dlogits = dlogits * mask[..., None]")]),
        ("log-sum-exp is not shifted by the max: exp(1000) overflows (subtract z.max(axis=-1, keepdims=True) first)",
         [("shifted = z - z.max(axis=-1, keepdims=True)", "shifted = z")]),
    ],
    engine=_ce_engine,
)


# ---------------------------------------------------------------- clip

def _clip_inputs(seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal((E, H)), rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H)]
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    return dict(grads=grads, small=0.3 * norm, big=2.0 * norm)


def _clipped(f, i, k, max_norm):
    clipped, _ = returned(f.clip_grad_norm(i["grads"], i[max_norm]), "clip_grad_norm", ("clipped", "norm"))
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(i["grads"]):
        raise LearnerError(f"your clip_grad_norm's clipped is a {type(clipped).__name__}"
                           f"{f' of {len(clipped)}' if isinstance(clipped, (list, tuple)) else ''}; "
                           f"it must be a list of {len(i['grads'])} arrays, one per gradient")
    return clipped[k]


def _scale(mine, ref, *_):
    c = float(np.vdot(mine.ravel(), ref.ravel()) / max(np.vdot(ref.ravel(), ref.ravel()), 1e-300))
    return f"yours is the right one times {c:.8g}: a different scale" if not wrong_entries(mine, c * ref).any() else ""


def _clip_engine(inp):
    from ..optim import clip_grad_norm
    res = {}
    for which, sfx in (("small", ""), ("big", " below max_norm")):
        layer = SimpleNamespace(params={}, grads={str(k): g.copy() for k, g in enumerate(inp["grads"])})
        layer.params = dict(layer.grads)
        norm = float(clip_grad_norm(layer, inp[which]))
        res.update({"norm": norm, "norm returned": norm})
        res.update({f"clipped[{k}]{sfx}": layer.grads[str(k)] for k in range(len(inp["grads"]))})
    return res


_SCALE = "scale = min(1, max_norm / (norm + 1e-6)); clipped = [g * scale for g in grads], new arrays"
SHAPES = ("(E, H)", "(H, H)", "(H,)")

CLIP = Spec(
    name="clip", module="clip", sizes=f"three gradients {', '.join(SHAPES)}, E={E} H={H}",
    description="global-norm gradient clipping: one scale for every gradient, only when the norm is too large",
    concept="global norm vs per-tensor",
    writes=("global_norm", "clip_grad_norm"),
    inputs=_clip_inputs,
    quantities=[
        Q("norm", "global_norm", lambda f, i: f.global_norm(i["grads"]), "()",
          ["||g|| treats all the arrays as one long vector: the square root of the sum of every squared "
           "entry of every array", "np.sum(g * g) for each array, added up over the arrays, then one square root"],
          backward=False),
        Q("norm returned", "clip_grad_norm", lambda f, i: returned(
            f.clip_grad_norm(i["grads"], i["small"]), "clip_grad_norm", ("clipped", "norm"))[1], "()",
          ["clip_grad_norm returns the norm before clipping, as global_norm computes it"], backward=False),
    ] + [Q(f"clipped[{k}]", "clip_grad_norm", lambda f, i, k=k: _clipped(f, i, k, "small"), SHAPES[k],
           ["Every array is scaled by the same number, computed once from the global norm",
            "With ||g|| above max_norm the scale is max_norm / (||g|| + 1e-6)", _SCALE], where=_scale)
         for k in range(3)]
      + [Q(f"clipped[{k}] below max_norm", "clip_grad_norm", lambda f, i, k=k: _clipped(f, i, k, "big"),
           SHAPES[k], ["When ||g|| is already within max_norm, there is nothing to clip",
                       "The scale never exceeds 1: take the smaller of 1 and max_norm / (||g|| + 1e-6)", _SCALE],
           where=_scale) for k in range(3)],
    mistakes=[
        ("the norm is missing its square root: ||g|| = sqrt(sum of every squared entry)",
         [("return float(np.sqrt(total))", "return float(total)")]),
        ("the norm adds up each array's own norm: ||g|| is one norm of all the entries together, "
         "sqrt(sum of all squares), not sum_k ||g_k||",
         [("total = sum(np.sum(g * g) for g in grads)", "total = sum(np.sqrt(np.sum(g * g)) for g in grads) ** 2")]),
        ("each array is clipped by its own norm: per-tensor clipping turns the update; use one scale, "
         "from the global norm, for all",
         [("clipped = [g * scale for g in grads]",
           "clipped = [g * min(1.0, max_norm / (np.sqrt(np.sum(g * g)) + 1e-6)) for g in grads]")]),
        ("the gradients are scaled even when their norm is below max_norm: scale = min(1, max_norm / (||g|| + "
         "1e-6)), so short gradients pass unchanged",
         [("scale = min(1.0, max_norm / (norm + 1e-6))", "scale = max_norm / (norm + 1e-6)")]),
        ("the + 1e-6 is missing: the scale is max_norm / (||g|| + 1e-6), as in torch's clip_grad_norm_, so that "
         "a zero gradient never divides by zero", [("max_norm / (norm + 1e-6))", "max_norm / norm)")]),
    ],
    engine=_clip_engine,
)
