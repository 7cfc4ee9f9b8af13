"""Copy weights between PyTorch modules and minirnn layers, both ways, to check one against the other.

    torch.nn.RNN / LSTM / GRU  <->  minirnn.RNN / LSTM / GRU
    torch.nn.Embedding         <->  minirnn.layers.Embedding
    torch.nn.Linear            <->  minirnn.layers.Linear

torch is imported lazily, inside these functions: it is never a dependency of minirnn itself.

How the names map, for layer l (and "_reverse" for the second direction):
    weight_ih_l{l}  (G*H, E)  = Wx_l{l}.T         PyTorch stores weights transposed (out, in)
    weight_hh_l{l}  (G*H, H)  = Wh_l{l}.T
    bias_ih_l{l} + bias_hh_l{l} = b_l{l}           RNN and LSTM only ever use the sum
    GRU: bias_ih = b except the n block, which is b_xn; bias_hh = [b_hr, b_hz, b_hn] with b_hn = bhn
"""
import re

import numpy as np

from .backend import to_device, to_numpy
from .recurrent import GRU, LSTM, RNN, _Recurrent


def _torch():
    try:
        import torch
    except ImportError as e:
        raise ImportError("minirnn.interop needs PyTorch: pip install torch") from e
    return torch


def _check_recurrent_pair(layer, module):
    torch = _torch()
    pairs = ((RNN, torch.nn.RNN), (LSTM, torch.nn.LSTM), (GRU, torch.nn.GRU))
    if not any(isinstance(layer, ours) and type(module) is theirs for ours, theirs in pairs):
        raise TypeError(f"cannot pair {type(layer).__name__} with torch.nn.{type(module).__name__}")
    ours = (layer.input_size, layer.hidden_size, layer.num_layers, layer.bidirectional)
    theirs = (module.input_size, module.hidden_size, module.num_layers, module.bidirectional)
    if ours != theirs:
        raise ValueError("(input_size, hidden_size, num_layers, bidirectional) differ: "
                         f"minirnn {ours}, torch {theirs}")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTM with proj_size > 0 has no minirnn counterpart")
    if isinstance(layer, RNN) and module.nonlinearity != layer.nonlinearity:
        raise ValueError(f"nonlinearity differs: minirnn {layer.nonlinearity!r}, torch {module.nonlinearity!r}")


def torch_named(layer, grads=False):
    """A recurrent layer's parameters (or gradients) as PyTorch names them: {torch name: NumPy array}.

    For parameters, b goes into bias_ih and bias_hh gets zeros (GRU: b_hn). For gradients, both
    PyTorch biases receive db, since dL/db_ih = dL/db_hh = dL/db when only their sum is used.
    """
    src = layer.grads if grads else layer.params
    H = layer.hidden_size
    named = {}
    for name, value in src.items():
        base, l, rev = re.fullmatch(r"(\w+?)_l(\d+)(_reverse)?", name).groups()
        sfx = f"_l{l}{rev or ''}"
        v = to_numpy(value)
        if base == "Wx":
            named["weight_ih" + sfx] = v.T
        elif base == "Wh":
            named["weight_hh" + sfx] = v.T
        elif base == "b":
            named["bias_ih" + sfx] = v.copy()
            if isinstance(layer, GRU):              # the hidden bias of r and z: same sum, same gradient
                bhh = v.copy() if grads else np.zeros_like(v)
                bhh[2 * H:] = to_numpy(src["bhn" + sfx])
                named["bias_hh" + sfx] = bhh
            else:
                named["bias_hh" + sfx] = v.copy() if grads else np.zeros_like(v)
    return named


def copy_from_torch(layer, module):
    """Copy module's weights into layer (in place), taking the module's dtype. Returns layer."""
    torch = _torch()
    sd = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    dtype = next(iter(sd.values())).dtype
    if isinstance(layer, _Recurrent):
        _check_recurrent_pair(layer, module)
        H = layer.hidden_size
        new = {}
        for name in layer.params:
            base, rest = name.split("_", 1)
            sfx = "_" + rest
            zeros = np.zeros(layer.num_gates * H, dtype)
            b_ih, b_hh = sd.get("bias_ih" + sfx, zeros), sd.get("bias_hh" + sfx, zeros)   # bias=False: zeros
            if base == "Wx":
                new[name] = sd["weight_ih" + sfx].T
            elif base == "Wh":
                new[name] = sd["weight_hh" + sfx].T
            elif base == "b" and isinstance(layer, GRU):
                new[name] = np.concatenate([b_ih[:2 * H] + b_hh[:2 * H], b_ih[2 * H:]])
            elif base == "b":
                new[name] = b_ih + b_hh
            elif base == "bhn":
                new[name] = b_hh[2 * H:]
    elif isinstance(module, torch.nn.Embedding):
        _check_shape("Embedding weight", layer.params["W"].shape, sd["weight"].shape)
        new = {"W": sd["weight"]}
    elif isinstance(module, torch.nn.Linear):
        _check_shape("Linear weight (in, out)", layer.params["W"].shape, sd["weight"].T.shape)
        new = {"W": sd["weight"].T}
        if "b" in layer.params:
            new["b"] = sd.get("bias", np.zeros(module.out_features, dtype))
    else:
        raise TypeError(f"copy_from_torch does not know torch.nn.{type(module).__name__}")
    layer.astype(dtype)
    for name, value in new.items():
        layer.params[name][...] = to_device(np.ascontiguousarray(value, dtype=dtype))
    return layer


def copy_to_torch(layer, module):
    """Copy layer's weights into module (in place), keeping the module's dtype. Returns module."""
    torch = _torch()
    if isinstance(layer, _Recurrent):
        _check_recurrent_pair(layer, module)
        named = torch_named(layer)
    elif isinstance(module, torch.nn.Embedding):
        named = {"weight": to_numpy(layer.params["W"])}
    elif isinstance(module, torch.nn.Linear):
        named = {"weight": to_numpy(layer.params["W"]).T}
        if "b" in layer.params and module.bias is not None:
            named["bias"] = to_numpy(layer.params["b"])
    else:
        raise TypeError(f"copy_to_torch does not know torch.nn.{type(module).__name__}")
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name not in named:
                raise ValueError(f"torch parameter {name!r} has no minirnn counterpart")
            _check_shape(f"torch parameter {name}", tuple(p.shape), named[name].shape)
            p.copy_(torch.from_numpy(np.ascontiguousarray(named[name])).to(p.dtype))
    return module


def _check_shape(what, ours, theirs):
    if tuple(ours) != tuple(theirs):
        raise ValueError(f"{what}: minirnn has shape {tuple(ours)}, torch has {tuple(theirs)}")
