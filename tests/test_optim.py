"""Optimizers against torch.optim (float64), state_dict round trips, clip_grad_norm.

The layers live on the active backend; random gradients are drawn on the host and copied over, and
every comparison (with torch or a formula written out in NumPy) is made on host copies."""
import io

import numpy as np
import pytest
import torch

from minirnn.backend import array_module, to_device, to_numpy
from minirnn.layers import Embedding, Linear
from minirnn.optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm

STEPS = 6


def make_layers(seed=0):
    return [Linear(4, 3, rng=seed).astype(np.float64), Embedding(5, 2, rng=seed + 1).astype(np.float64)]


def torch_params(layers):
    return [torch.tensor(to_numpy(p), requires_grad=True) for layer in layers for p in layer.params.values()]


def set_random_grads(layers, tparams, rng):
    i = 0
    for layer in layers:
        for name in layer.params:
            g = rng.standard_normal(layer.params[name].shape)           # host
            layer.grads[name][...] = to_device(g)
            if tparams is not None:
                tparams[i].grad = torch.from_numpy(g.copy())
            i += 1


def run_against_torch(make_ours, make_torch, steps=STEPS):
    layers = make_layers()
    tparams = torch_params(layers)
    opt, ref = make_ours(layers), make_torch(tparams)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        set_random_grads(layers, tparams, rng)
        opt.step()
        ref.step()
    ours = [p for layer in layers for p in layer.params.values()]
    for p, tp in zip(ours, tparams):
        np.testing.assert_allclose(to_numpy(p), tp.detach().numpy(), rtol=1e-11, atol=1e-13)
    # moved for real: not the starting point
    assert not np.allclose(to_numpy(ours[0]), to_numpy(make_layers()[0].params["W"]))


@pytest.mark.parametrize("momentum, wd", [(0.0, 0.0), (0.9, 0.0), (0.9, 0.01), (0.0, 0.1)])
def test_sgd_matches_torch(momentum, wd):
    run_against_torch(lambda ls: SGD(ls, lr=0.1, momentum=momentum, weight_decay=wd),
                      lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=momentum, weight_decay=wd))


@pytest.mark.parametrize("wd", [0.0, 0.05])
def test_rmsprop_matches_torch(wd):
    run_against_torch(lambda ls: RMSprop(ls, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=wd),
                      lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=wd))


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adamw_matches_torch(wd):
    run_against_torch(lambda ls: AdamW(ls, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd),
                      lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd))


def test_adamw_decays_where_adam_with_l2_does_not():
    """With zero gradients Adam's L2 term is rescaled by Adam into a fixed-size step, while AdamW
    shrinks every weight by the factor (1 - lr wd) per step."""
    layers = make_layers()
    w0 = to_numpy(layers[0].params["W"]).copy()
    opt = AdamW(layers, lr=0.1, weight_decay=0.5)
    for layer in layers:
        for g in layer.grads.values():
            g[...] = 0
    for _ in range(3):
        opt.step()
    np.testing.assert_allclose(to_numpy(layers[0].params["W"]), w0 * (1 - 0.1 * 0.5) ** 3, rtol=1e-12)


@pytest.mark.parametrize("wd", [0.0, 0.05])
def test_adam_matches_torch(wd):
    run_against_torch(lambda ls: Adam(ls, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd),
                      lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=wd))


@pytest.mark.parametrize("wd", [0.0, 0.05])
def test_adagrad_matches_torch_with_eps_zero(wd):
    # Ours divides by sqrt(mem + eps) (min-char-rnn), torch by sqrt(mem) + eps: equal when eps = 0.
    run_against_torch(lambda ls: Adagrad(ls, lr=0.1, eps=0.0, weight_decay=wd),
                      lambda ps: torch.optim.Adagrad(ps, lr=0.1, eps=0.0, weight_decay=wd))


def test_adagrad_matches_min_char_rnn_formula():
    layers = make_layers()
    opt = Adagrad(layers, lr=0.1, eps=1e-8, weight_decay=0.01)
    ref = [to_numpy(p).copy() for layer in layers for p in layer.params.values()]    # host copies
    mem = [np.zeros_like(p) for p in ref]
    rng = np.random.default_rng(1)
    for _ in range(STEPS):
        set_random_grads(layers, None, rng)
        opt.step()
        grads = [to_numpy(g) for layer in layers for g in layer.grads.values()]
        for p, m, g in zip(ref, mem, grads):
            g = g + 0.01 * p
            m += g * g                                     # min-char-rnn, written out
            p += -0.1 * g / np.sqrt(m + 1e-8)
    for p, q in zip(ref, [p for layer in layers for p in layer.params.values()]):
        np.testing.assert_allclose(to_numpy(q), p, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("make", [lambda ls: SGD(ls, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda ls: Adagrad(ls),
                                  lambda ls: RMSprop(ls, lr=0.01),
                                  lambda ls: Adam(ls, lr=0.01, betas=(0.5, 0.9))])
def test_state_dict_round_trip(make):
    layers_a = make_layers()
    opt_a = make(layers_a)
    rng = np.random.default_rng(3)
    for _ in range(3):
        set_random_grads(layers_a, None, rng)
        opt_a.step()
    buf = io.BytesIO()
    np.savez(buf, **opt_a.state_dict())
    buf.seek(0)
    saved = dict(np.load(buf, allow_pickle=False))
    # a fresh optimizer, default hyperparameters, over a copy of the trained layers
    layers_b = make_layers(seed=9)
    for la, lb in zip(layers_a, layers_b):
        for k in la.params:
            lb.params[k][...] = la.params[k]
    opt_b = type(opt_a)(layers_b, momentum=0.9) if isinstance(opt_a, SGD) else type(opt_a)(layers_b)
    opt_b.load_state_dict(saved)
    assert opt_b.t == 3
    for _ in range(3):
        set_random_grads(layers_a, None, rng)
        for la, lb in zip(layers_a, layers_b):
            for k in la.grads:
                lb.grads[k][...] = la.grads[k]
        opt_a.step()
        opt_b.step()
    for la, lb in zip(layers_a, layers_b):
        for k in la.params:
            np.testing.assert_array_equal(to_numpy(la.params[k]), to_numpy(lb.params[k]))


def test_load_state_dict_checks_keys_and_shapes():
    opt = Adam(make_layers())
    d = opt.state_dict()
    with pytest.raises(ValueError, match="from optimizer 'Adam', not 'RMSprop'"):
        RMSprop(make_layers()).load_state_dict(d)
    with pytest.raises(ValueError, match=r"missing \['1.W.m', '1.W.v'\]"):
        Adam(make_layers()).load_state_dict({k: v for k, v in d.items() if not k.startswith("1.")})
    bad = dict(d, **{"0.W.m": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"0.W.m has shape \(3, 4\).*\(4, 3\)"):
        Adam(make_layers()).load_state_dict(bad)


def test_step_is_in_place_and_zero_grad():
    layers = make_layers()
    before = [id(p) for layer in layers for p in layer.params.values()]
    opt = Adam(layers)
    set_random_grads(layers, None, np.random.default_rng(0))
    opt.step()
    assert [id(p) for layer in layers for p in layer.params.values()] == before
    opt.zero_grad()
    assert all(not g.any() for layer in layers for g in layer.grads.values())
    with pytest.raises(ValueError, match="lr must be >= 0"):
        SGD(layers, lr=-1)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    layers = make_layers()
    tparams = torch_params(layers)
    set_random_grads(layers, tparams, np.random.default_rng(2))
    total = clip_grad_norm(layers, max_norm)
    ref = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
    assert total.shape == () and array_module(total) is array_module(layers[0].grads["W"])   # stays on the device
    total = float(total)
    assert total == pytest.approx(ref.item(), rel=1e-12)
    grads = [to_numpy(g) for layer in layers for g in layer.grads.values()]
    for g, tp in zip(grads, tparams):
        np.testing.assert_allclose(g, tp.grad.numpy(), rtol=1e-12)
    new_norm = np.sqrt(sum((g * g).sum() for g in grads))
    assert new_norm == pytest.approx(min(total, max_norm), rel=1e-5)
