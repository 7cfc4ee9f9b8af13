"""What `minirnn check` compares for the masked-rnn, bidirectional and truncated-bptt exercises
(the shared parts, and the other three exercises: pieces_specs.py)."""
import numpy as np

from .pieces_specs import B, E, H, T, Q, Spec, at_steps, listed, returned, wrong_entries

GRADS = ("dx", "dh0", "dWx", "dWh", "db")


def _weights(rng):
    return 0.5 * rng.standard_normal((E, H)), 0.5 * rng.standard_normal((H, H)), 0.5 * rng.standard_normal(H)


# ---------------------------------------------------------------- masked-rnn

def _masked_inputs(seed):
    rng = np.random.default_rng(seed)
    Wx, Wh, b = _weights(rng)
    mask = np.ones((B, T))
    mask[1, 3:] = 0                              # padded at the end
    mask[2, :2] = 0                              # padded at the start (a reversed sequence)
    return dict(x=rng.standard_normal((B, T, E)), h0=rng.standard_normal((B, H)), mask=mask, Wx=Wx, Wh=Wh, b=b,
                x_t=rng.standard_normal((B, E)), h_prev=rng.standard_normal((B, H)), m_t=np.array([[1.], [0.], [1.]]),
                dh_t=rng.standard_normal((B, H)), dout=rng.standard_normal((B, T, H)), dh_T=rng.standard_normal((B, H)))


def _step(f, i):
    return returned(f.masked_rnn_step_forward(i["x_t"], i["h_prev"], i["m_t"], i["Wx"], i["Wh"], i["b"]),
                    "masked_rnn_step_forward", ("h_t", "cache"))


def _step_back(f, i):
    return returned(f.masked_rnn_step_backward(i["dh_t"], _step(f, i)[1]), "masked_rnn_step_backward",
                    ("dx_t", "dh_prev", "dWx", "dWh", "db"))


def _seq(f, i):
    return returned(f.masked_rnn_forward(i["x"], i["h0"], i["mask"], i["Wx"], i["Wh"], i["b"]), "masked_rnn_forward",
                    ("out", "h_T", "caches"))


def _seq_back(f, i):
    caches = _seq(f, i)[2]
    return returned(f.masked_rnn_backward(i["dout"], i["dh_T"], caches), "masked_rnn_backward", GRADS)


def _rows(mine, ref, inp, *_):
    if mine.ndim != 2 or mine.shape[0] != B:
        return ""
    bad = wrong_entries(mine, ref).any(axis=1)
    return "; ".join(f"wrong in the {kind} rows {listed(np.nonzero(bad & sel)[0])}"
                     for kind, sel in (("padding (m_t = 0)", inp["m_t"][:, 0] == 0), ("real (m_t = 1)", inp["m_t"][:, 0] > 0))
                     if (bad & sel).any())


def _masked_steps(mine, ref, inp, *_):
    text = at_steps(mine, ref, backward=True)
    bad = wrong_entries(mine, ref).any(axis=2)
    pad = bad & (inp["mask"] == 0)
    return text + (f"; wrong at padding (b, t) = {listed(zip(*np.nonzero(pad)))}" if pad.any() else "")


def _masked_engine(inp):
    from ..rnn import rnn_backward, rnn_forward
    w = (inp["Wx"], inp["Wh"], inp["b"])
    out, h_T, cache = rnn_forward(inp["x"], inp["h0"], *w, mask=inp["mask"])
    dx, dh0, g = rnn_backward(inp["dout"], inp["dh_T"], cache)
    _, h_t, cache = rnn_forward(inp["x_t"][:, None], inp["h_prev"], *w, mask=inp["m_t"])
    dx_t, dh_prev, g_t = rnn_backward(np.zeros((B, 1, H)), inp["dh_t"], cache)
    return {"h_t": h_t, "dx_t": dx_t[:, 0], "dh_prev": dh_prev, "dWx_t": g_t["Wx"], "dWh_t": g_t["Wh"],
            "db_t": g_t["b"], "dx": dx, "dh0": dh0, "dWx": g["Wx"], "dWh": g["Wh"], "db": g["b"], "out": out, "h_T": h_T}


_STEP_TIERS = ["Backprop through h_t = m_t h~_t + (1 - m_t) h_{t-1}: x_t and the weights reach h_t only through "
               "h~_t, which is scaled by m_t",
               "What reaches h~_t is m_t dh_t; from there the plain step's rnn_step_backward does the rest",
               "dx_t, dWx, dWh and db are what rnn_step_backward(m_t * dh_t, step_cache) returns"]
_DH_PREV_TIERS = ["h_{t-1} reaches h_t along two paths: through the plain step h~_t, and straight through "
                  "(1 - m_t) h_{t-1}. Add up both",
                  "The straight path's local derivative is (1 - m_t); the plain step's part is the dh_prev that "
                  "rnn_step_backward(m_t * dh_t, ...) returns",
                  "dh_prev = (rnn_step_backward's dh_prev for m_t * dh_t) + (1 - m_t) * dh_t"]
_SEQ_TIERS = ["Backprop through out_t = m_t h_t and through step t+1, which read h_t: dh_t collects both",
              "From the output: dout_t times its local derivative m_t. From step t+1: the dh_prev it returned "
              "(at t = T-1: dh_T, the final state's gradient)",
              "dh_t = dout[:, t] * m_t + dh_next, with dh_next = dh_T before the loop; dx[:, t] is the step's dx_t, "
              "dh0 the last dh_next, and dWx, dWh, db the sums over t of the steps' ones"]

MASKED_RNN = Spec(
    name="masked-rnn", module="masked_rnn", sizes=f"B={B} T={T} E={E} H={H}",
    description="a padded batch: the padding step carries the state through, forward and backward",
    concept="masking a recurrence",
    writes=("masked_rnn_step_forward", "masked_rnn_step_backward", "masked_rnn_backward"),
    inputs=_masked_inputs,
    quantities=[
        Q("h_t", "masked_rnn_step_forward", lambda f, i: _step(f, i)[0], "(B, H)",
          ["h_t = m_t h~_t + (1 - m_t) h_{t-1}, with h~_t from the plain step rnn_step_forward(x_t, h_prev, Wx, Wh, b)",
           "A padding row (m_t = 0) keeps h_{t-1} unchanged; a real row (m_t = 1) takes h~_t"],
          backward=False, where=_rows),
    ] + [Q(n, "masked_rnn_step_backward", lambda f, i, k=k: _step_back(f, i)[k], s,
           _DH_PREV_TIERS if n == "dh_prev" else _STEP_TIERS, where=_rows)
         for k, (n, s) in enumerate((("dx_t", "(B, E)"), ("dh_prev", "(B, H)"), ("dWx_t", "(E, H)"),
                                     ("dWh_t", "(H, H)"), ("db_t", "(H,)")))]
      + [Q(n, "masked_rnn_forward", lambda f, i, k=k: _seq(f, i)[k], s,
           ["masked_rnn_forward (given) runs your step over t = 0..T-1 with m_t = mask[:, t, None]; "
            "out_t = m_t h_t, h_T the state after the last step"], backward=False,
           where=(lambda m, r, *_: at_steps(m, r)) if n == "out" else None)
         for k, (n, s) in enumerate((("out", "(B, T, H)"), ("h_T", "(B, H)")))]
      + [Q(n, "masked_rnn_backward", lambda f, i, k=k: _seq_back(f, i)[k], s, _SEQ_TIERS,
           where=_masked_steps if n == "dx" else None)
         for k, (n, s) in enumerate(zip(GRADS, ("(B, T, E)", "(B, H)", "(E, H)", "(H, H)", "(H,)")))],
    mistakes=[
        ("the padding step does not carry the state: h_t = m_t h~_t + (1 - m_t) h_{t-1}, so a padding row "
         "keeps h_{t-1}, not zeros", [("h_t = m_t * h_new + (1 - m_t) * h_prev", "h_t = m_t * h_new")]),
        ("dh is not passed through the padding step: h_t = ... + (1 - m_t) h_{t-1}, so dh_prev also gets "
         "(1 - m_t) dh_t", [("dh_prev = dh_prev + (1 - m_t) * dh_t", "dh_prev = dh_prev")]),
        ("the plain step's backward gets dh_t unmasked: h~_t reaches h_t through m_t, so pass it m_t * dh_t",
         [("rnn_step_backward(m_t * dh_t, step_cache)", "rnn_step_backward(dh_t, step_cache)")]),
        ("the output's gradient is not masked: out_t = m_t h_t, so dout_t enters as dout[:, t] * m_t",
         [("dh_t = dout[:, t] * m_t + dh_next", "dh_t = dout[:, t] + dh_next")]),
        ("dh_T is left out: the final state is read too, so BPTT starts with dh_next = dh_T, not zeros",
         [("dh_next = dh_T ", "dh_next = 0 * dh_T ")]),
    ],
    engine=_masked_engine,
)


# ---------------------------------------------------------------- bidirectional

def _bi_inputs(seed):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((B, T, E)), h0_f=rng.standard_normal((B, H)), h0_r=rng.standard_normal((B, H)),
                fwd=_weights(rng), rev=_weights(rng), dout=rng.standard_normal((B, T, 2 * H)))


def _bi_fw(f, i):
    return returned(f.bidirectional_forward(i["x"], i["h0_f"], i["h0_r"], i["fwd"], i["rev"]),
                    "bidirectional_forward", ("out", "cache"))


def _bi_back(f, i, k):
    res = returned(f.bidirectional_backward(i["dout"], _bi_fw(f, i)[1]), "bidirectional_backward",
                   ("dx", "dh0_f", "dh0_r", "grads_f", "grads_r"))
    if k < 3:
        return res[k]
    return returned(res[3 + k // 6], "bidirectional_backward", ("dWx", "dWh", "db"))[(k - 3) % 3]


def _halves(mine, ref, *_):
    parts = []
    for d, name in ((0, "forward direction's half out[:, :, :H]"), (1, "reverse direction's half out[:, :, H:]")):
        m, r = mine[:, :, d * H:(d + 1) * H], ref[:, :, d * H:(d + 1) * H]
        if wrong_entries(m, r).any():
            flipped = "; it is the right one in reversed time order" if not wrong_entries(m, r[:, ::-1]).any() else ""
            parts.append(f"the {name}: {at_steps(m, r)}{flipped}")
    return "; ".join(parts)


def _bi_engine(inp):
    """The engine's bidirectional RNN layer on the same numbers (on the active backend; NumPy back)."""
    from ..backend import to_device, to_numpy
    from ..recurrent import RNN
    layer = RNN(E, H, bidirectional=True, dtype=np.float64)
    for sfx, w in (("_l0", inp["fwd"]), ("_l0_reverse", inp["rev"])):
        for name, value in zip(("Wx", "Wh", "b"), w):
            layer.params[name + sfx][...] = to_device(value)
    out, _ = layer.forward(to_device(inp["x"]), h0=to_device(np.stack([inp["h0_f"], inp["h0_r"]])))
    dx = layer.backward(to_device(inp["dout"]))
    res = {"out": out, "dx": dx, "dh0_f": layer.d_h0[0], "dh0_r": layer.d_h0[1]}
    for d, sfx in (("f", "_l0"), ("r", "_l0_reverse")):
        res.update({f"d{n}_{d}": layer.grads[n + sfx] for n in ("Wx", "Wh", "b")})
    return {k: to_numpy(v) for k, v in res.items()}


_F_TIERS = ["Backprop through the concatenation: each direction gets only the gradient of its own half of out",
            "dout[:, :, :H] is the forward direction's; run rnn_backward on it with the forward run's caches",
            "dx_f, dh0_f, dWx_f, dWh_f, db_f = rnn_backward(dout[:, :, :H], caches_f)"]
_R_TIERS = ["Backprop through 'reverse back', then through the reversed run: the reverse half of dout is in the "
            "original time order, the reversed run's caches are not",
            "Step k of the reversed run made out[:, T-1-k, H:]: reverse that half in time before rnn_backward",
            "dx_r, dh0_r, dWx_r, dWh_r, db_r = rnn_backward(dout[:, :, H:][:, ::-1], caches_r)"]
_DX_TIERS = ["Both directions read x: what each run sends back to x adds up. The reverse run read x reversed",
             "The reverse run's dx is in its own, reversed, time order: reverse it back before adding",
             "dx = dx_f + dx_r[:, ::-1]"]

BIDIRECTIONAL = Spec(
    name="bidirectional", module="bidirectional", sizes=f"B={B} T={T} E={E} H={H}",
    description="two directions: reverse, run, reverse back, concatenate; split the gradient back into both",
    concept="reversal and splitting",
    writes=("bidirectional_forward", "bidirectional_backward"),
    inputs=_bi_inputs,
    quantities=[
        Q("out", "bidirectional_forward", lambda f, i: _bi_fw(f, i)[0], "(B, T, 2H)",
          ["out = [out_f, out_r] on the last axis, with out_r = reverse(rnn(reverse(x))) run with rev and h0_r",
           "x[:, ::-1] reverses in time; rnn_forward(x[:, ::-1], h0_r, *rev) runs it; its hs[:, ::-1] puts "
           "each step back at its own t"], backward=False, where=_halves),
    ] + [Q(n, "bidirectional_backward", lambda f, i, k=k: _bi_back(f, i, k), s,
           _F_TIERS if n.endswith("_f") else _R_TIERS if n.endswith("_r") else _DX_TIERS,
           where=(lambda m, r, *_: at_steps(m, r)) if m == "dx" else None)
         for k, n, s, m in [(3, "dWx_f", "(E, H)", ""), (4, "dWh_f", "(H, H)", ""), (5, "db_f", "(H,)", ""),
                            (1, "dh0_f", "(B, H)", ""), (6, "dWx_r", "(E, H)", ""), (7, "dWh_r", "(H, H)", ""),
                            (8, "db_r", "(H,)", ""), (2, "dh0_r", "(B, H)", ""), (0, "dx", "(B, T, E)", "dx")]],
    mistakes=[
        ("the reverse direction's output is not reversed back: out[:, t, H:] is what the reversed run made at "
         "its step T-1-t", [("hs_r[:, ::-1]], axis=2)", "hs_r], axis=2)")]),
        ("the reverse direction reads x in the original order: reverse x in time first (x[:, ::-1])",
         [("rnn_forward(x[:, ::-1], h0_r, *rev)", "rnn_forward(x, h0_r, *rev)")]),
        ("the gradient is not split the right way: the forward direction's half is dout[:, :, :H], the reverse "
         "one's dout[:, :, H:]", [("dout[:, :, :H], dout[:, :, H:]", "dout[:, :, H:], dout[:, :, :H]")]),
        ("the reverse direction's gradient is not reversed in time: its caches are in the reversed run's order, "
         "so pass it dout[:, :, H:][:, ::-1]", [("rnn_backward(dout_r[:, ::-1], caches_r)", "rnn_backward(dout_r, caches_r)")]),
        ("dx of the reverse run is not reversed back: it is in the reversed run's time order",
         [("dx = dx_f + dx_r[:, ::-1]", "dx = dx_f + dx_r")]),
        ("dx leaves out the reverse direction: both directions read x, so their dx add up",
         [("dx = dx_f + dx_r[:, ::-1]", "dx = dx_f")]),
    ],
    engine=_bi_engine,
)


# ---------------------------------------------------------------- truncated-bptt

TT, S = 7, 3                                     # chunks: steps 0..2, 3..5 and 6 (the last one shorter)
CHUNKS = [(a, min(a + S, TT)) for a in range(0, TT, S)]


def _tr_inputs(seed):
    rng = np.random.default_rng(seed)
    Wx, Wh, b = _weights(rng)
    return dict(x=rng.standard_normal((B, TT, E)), h0=rng.standard_normal((B, H)), Wx=Wx, Wh=Wh, b=b, S=S,
                dhs=rng.standard_normal((B, TT, H)))


def _tr_fw(f, i):
    return returned(f.truncated_forward(i["x"], i["h0"], i["Wx"], i["Wh"], i["b"], i["S"]), "truncated_forward",
                    ("hs", "h_T", "chunks"))


def _tr_back(f, i, k):
    return returned(f.truncated_backward(i["dhs"], _tr_fw(f, i)[2]), "truncated_backward", ("dWx", "dWh", "db"))[k]


def _chunk_steps(mine, ref, *_):
    text = at_steps(mine, ref)
    bad = wrong_entries(mine, ref).any(axis=(0, 2))
    first = next((c for c, (a, z) in enumerate(CHUNKS) if bad[a:z].any()), None)
    return text + (f"; the first wrong step is in chunk {first + 1} (steps {CHUNKS[first][0]}..{CHUNKS[first][1] - 1})"
                   if first is not None else "")


def _which_chunk(k):
    def where(mine, ref, inp, f_mine, f_ref):
        """Run both on the first 1, 2, ... chunks alone: the first prefix where they differ names the chunk."""
        for c, (a, z) in enumerate(CHUNKS[:-1]):
            part = dict(inp, x=inp["x"][:, :z], dhs=inp["dhs"][:, :z])
            if wrong_entries(np.asarray(_tr_back(f_mine, part, k), dtype=float), _tr_back(f_ref, part, k)).any():
                return f"wrong already with the first {c + 1} chunk(s) alone (steps 0..{z - 1})"
        return f"right for the first {len(CHUNKS) - 1} chunks alone, wrong once the last, shorter chunk is added"
    return where


def _tr_engine(inp):
    """The engine's RNN layer run chunk by chunk, as the character model does (on the active backend)."""
    from ..backend import to_device, to_numpy
    from ..recurrent import RNN
    layer = RNN(E, H, dtype=np.float64)
    for name in ("Wx", "Wh", "b"):
        layer.params[name + "_l0"][...] = to_device(inp[name])
    state, hs, grads = to_device(inp["h0"][None]), [], {n: 0 for n in ("Wx", "Wh", "b")}
    for a, z in CHUNKS:
        out, state = layer.forward(to_device(inp["x"][:, a:z]), h0=state)   # starts from the carried state
        layer.backward(to_device(inp["dhs"][:, a:z]))                       # layer.d_h0 is dropped: the truncation
        hs.append(to_numpy(out))
        grads = {n: grads[n] + to_numpy(layer.grads[n + "_l0"]) for n in grads}
    return {"hs": np.concatenate(hs, axis=1), "h_T": to_numpy(state[0]), "dWx": grads["Wx"], "dWh": grads["Wh"],
            "db": grads["b"]}


_TR_FW = ["hs is the plain RNN run over the whole sequence: cutting it into chunks changes nothing going forward",
          "Each chunk starts from the state the chunk before ended with; only the first starts from h0. "
          "Mind the last, shorter chunk"]
_TR_BACK = ["The state crosses from each chunk into the next; its gradient must not cross back. Where does "
            "each chunk's BPTT start, and with what?",
            "Inside a chunk it is plain BPTT, dh_t = dhs[:, t] + dh_next. At a chunk's last step nothing comes "
            "from the next chunk, and what its first step sends back is dropped",
            "for each chunk: dh_next = zeros before its loop over k = len(caches)-1 .. 0, dh_t = dhs[:, start + k] "
            "+ dh_next; dWx, dWh, db add up over every step of every chunk"]

TRUNCATED_BPTT = Spec(
    name="truncated-bptt", module="truncated_bptt", sizes=f"B={B} T={TT} S={S} E={E} H={H}",
    description="chunks that carry the state forward but not its gradient; why dh_next starts at zero per chunk",
    concept="truncating BPTT",
    writes=("truncated_forward", "truncated_backward"),
    inputs=_tr_inputs,
    quantities=[
        Q("hs", "truncated_forward", lambda f, i: _tr_fw(f, i)[0], "(B, T, H)", _TR_FW, backward=False,
          where=_chunk_steps),
        Q("h_T", "truncated_forward", lambda f, i: _tr_fw(f, i)[1], "(B, H)", _TR_FW, backward=False),
    ] + [Q(n, "truncated_backward", lambda f, i, k=k: _tr_back(f, i, k), s, _TR_BACK, where=_which_chunk(k))
         for k, (n, s) in enumerate((("dWx", "(E, H)"), ("dWh", "(H, H)"), ("db", "(H,)")))],
    mistakes=[
        ("the state is not carried: each chunk starts from the state the chunk before ended with, not from h0",
         [("        caches = []\n", "        caches = []\n        h = h0\n")]),
        ("the last, shorter chunk is left out: range(0, T, S) starts a chunk at every multiple of S below T",
         [("for start in range(0, T, S):", "for start in range(0, T - T % S, S):")]),
        ("dh_next is carried across chunks: that is full BPTT. Each chunk's backward starts with dh_next = 0, "
         "and what reaches its first state is dropped",
         [("    for start, caches in reversed(chunks):\n        dh_next = np.zeros((B, H), dtype=dhs.dtype)",
           "    dh_next = np.zeros((B, H), dtype=dhs.dtype)\n    for start, caches in reversed(chunks):")]),
        ("each chunk reads dhs from step 0: step k of the chunk that starts at `start` is step start + k",
         [("dh_t = dhs[:, start + k] + dh_next", "dh_t = dhs[:, k] + dh_next")]),
    ],
    engine=_tr_engine,
)
