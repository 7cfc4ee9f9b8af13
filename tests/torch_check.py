"""One helper that runs a minirnn layer and its torch.nn twin on the same data and compares everything.

check_against_torch("lstm", num_layers=2, bidirectional=True, lengths=[5, 3, 1], dtype="float64", rtol=1e-9)

Both get the same random weights (every parameter, biases included), the same input, the same
random initial state and the same random upstream gradients. Compared: outputs, final states,
dL/dx, dL/dh0 and every weight gradient. Variable lengths go through pack_padded_sequence on the
torch side and through a (B, T) mask on ours. Error = max |ours - torch| / max |torch|, per array.
"""
import numpy as np
import torch

import minirnn
from minirnn import interop
from minirnn.backend import to_device, to_numpy

CLASSES = {"rnn": (minirnn.RNN, torch.nn.RNN), "lstm": (minirnn.LSTM, torch.nn.LSTM),
           "gru": (minirnn.GRU, torch.nn.GRU)}


def rel_err(ours, ref):
    ours, ref = np.asarray(to_numpy(ours), dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"shape {ours.shape} != torch's {ref.shape}"
    return float(np.max(np.abs(ours - ref)) / max(np.max(np.abs(ref)), 1e-30))


def check_against_torch(cell, num_layers=1, bidirectional=False, lengths=None, dtype="float64", rtol=1e-9,
                        B=3, T=5, E=4, H=3, seed=0, **kwargs):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ours_cls, torch_cls = CLASSES[cell]
    tdtype = getattr(torch, dtype)
    ref = torch_cls(E, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True, **kwargs).to(tdtype)
    with torch.no_grad():                               # every parameter random, biases included
        for p in ref.parameters():
            p.uniform_(-0.6, 0.6)
    layer = interop.copy_from_torch(ours_cls(E, H, num_layers, bidirectional, **kwargs), ref)
    D = 2 if bidirectional else 1

    x = rng.standard_normal((B, T, E)).astype(dtype)
    n_states = 2 if cell == "lstm" else 1
    h0 = [rng.standard_normal((num_layers * D, B, H)).astype(dtype) for _ in range(n_states)]
    d_out = rng.standard_normal((B, T, D * H)).astype(dtype)
    d_hn = [rng.standard_normal((num_layers * D, B, H)).astype(dtype) for _ in range(n_states)]
    mask = None
    if lengths is not None:
        mask = (np.arange(T)[None, :] < np.asarray(lengths)[:, None])
        d_out = d_out * mask[:, :, None]                # torch's padded outputs are constant zeros

    # torch
    xt = torch.tensor(x, requires_grad=True)
    h0t = [torch.tensor(h, requires_grad=True) for h in h0]
    inp = xt if lengths is None else torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out_t, hn_t = ref(inp, tuple(h0t) if cell == "lstm" else h0t[0])
    if lengths is not None:
        out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=True, total_length=T)
    hn_t = list(hn_t) if cell == "lstm" else [hn_t]
    loss = (out_t * torch.tensor(d_out)).sum() + sum((h * torch.tensor(d)).sum() for h, d in zip(hn_t, d_hn))
    loss.backward()

    # minirnn
    dev = lambda a: to_device(a)
    out, hn = layer.forward(dev(x), mask=None if mask is None else dev(mask),
                            h0=tuple(map(dev, h0)) if cell == "lstm" else dev(h0[0]))
    dx = layer.backward(dev(d_out), tuple(map(dev, d_hn)) if cell == "lstm" else dev(d_hn[0]))
    hn = list(hn) if cell == "lstm" else [hn]
    d_h0 = list(layer.d_h0) if cell == "lstm" else [layer.d_h0]

    errors = {"out": rel_err(out, out_t.detach().numpy()), "dx": rel_err(dx, xt.grad.numpy())}
    for i, (ours, theirs) in enumerate(zip(hn, hn_t)):
        errors[f"state{i}_n"] = rel_err(ours, theirs.detach().numpy())
    for i, (ours, theirs) in enumerate(zip(d_h0, h0t)):
        errors[f"d_state{i}_0"] = rel_err(ours, theirs.grad.numpy())
    ours_grads = interop.torch_named(layer, grads=True)
    for name, p in ref.named_parameters():
        errors["d" + name] = rel_err(ours_grads[name], p.grad.numpy())
    bad = {k: v for k, v in errors.items() if not v < rtol}
    assert not bad, f"{cell} L={num_layers} bi={bidirectional} lengths={lengths} {dtype}: errors above {rtol}: {bad}"
    return errors
