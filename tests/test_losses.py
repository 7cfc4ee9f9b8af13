"""Losses: finite differences, torch parity (float64), stability and clear errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from minirnn.gradcheck import gradcheck
from minirnn.losses import bce_with_logits, mse, softmax_cross_entropy

TOL = 1e-6
rng = np.random.default_rng(0)


# ------------------------------------------------------------ finite differences

@pytest.mark.parametrize("shape", [(1,), (5,), (4, 1)])
def test_bce_gradcheck(shape):
    y = (rng.random(shape[0]) > 0.5).astype(np.float64)
    assert gradcheck(bce_with_logits, rng.standard_normal(shape) * 3, y, verbose=False)["x"] < TOL


@pytest.mark.parametrize("shape", [(1, 2), (6, 5), (1, 1, 3), (3, 4, 5)])
def test_softmax_ce_gradcheck(shape):
    y = rng.integers(0, shape[-1], shape[:-1])
    assert gradcheck(softmax_cross_entropy, rng.standard_normal(shape), y, verbose=False)["x"] < TOL


def test_masked_softmax_ce_over_time_gradcheck():
    logits, y = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, (3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    assert gradcheck(softmax_cross_entropy, logits, y, mask=mask, verbose=False)["x"] < TOL
    _, dlogits = softmax_cross_entropy(logits, y, mask)
    np.testing.assert_array_equal(dlogits[~mask], 0)           # padding gets no gradient


@pytest.mark.parametrize("shape", [(1,), (3, 2), (2, 3, 4)])
def test_mse_gradcheck(shape):
    assert gradcheck(mse, rng.standard_normal(shape), rng.standard_normal(shape), verbose=False)["x"] < TOL


# ------------------------------------------------------------ parity with torch

def test_bce_matches_torch_including_huge_logits():
    z = np.array([-1e4, 1e4, -1e4, 1e4, 0.3, -2.0, 40.0, -40.0])
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=np.float64)
    zt = torch.from_numpy(z.copy()).requires_grad_()
    ref = F.binary_cross_entropy_with_logits(zt, torch.from_numpy(y))
    ref.backward()
    loss, dz = bce_with_logits(z, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    # (B, 1) logits with (B,) labels give a (B, 1) gradient
    loss2, dz2 = bce_with_logits(z[:, None], y.astype(bool))
    assert dz2.shape == (8, 1) and loss2 == pytest.approx(loss, rel=1e-15)


def test_softmax_ce_matches_torch_2d():
    z, y = rng.standard_normal((7, 5)) * 4, rng.integers(0, 5, 7)
    zt = torch.from_numpy(z.copy()).requires_grad_()
    ref = F.cross_entropy(zt, torch.from_numpy(y))
    ref.backward()
    loss, dz = softmax_cross_entropy(z, y)
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_masked_softmax_ce_matches_torch_ignore_index():
    B, T, V = 3, 6, 4
    z, y = rng.standard_normal((B, T, V)) * 3, rng.integers(0, V, (B, T))
    mask = rng.random((B, T)) > 0.4
    mask[0, 0] = True
    y_ignore = np.where(mask, y, -100)                         # torch's way to skip a position
    zt = torch.from_numpy(z.copy()).requires_grad_()
    ref = F.cross_entropy(zt.reshape(-1, V), torch.from_numpy(y_ignore.reshape(-1)), ignore_index=-100)
    ref.backward()
    loss, dz = softmax_cross_entropy(z, y_ignore, mask=mask)   # masked ids may be anything
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_ce_stable_for_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=np.float32)
    loss, dz = softmax_cross_entropy(z, np.array([0, 1]))
    assert loss == pytest.approx(np.log(2) / 2, rel=1e-6) and dz.dtype == np.float32
    assert np.all(np.isfinite(dz))


def test_mse_matches_torch():
    p, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    pt = torch.from_numpy(p.copy()).requires_grad_()
    ref = F.mse_loss(pt, torch.from_numpy(t))
    ref.backward()
    loss, dp = mse(p, t)
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
    np.testing.assert_allclose(dp, pt.grad.numpy(), rtol=1e-12)


def test_all_masked_gives_zero():
    loss, dz = softmax_cross_entropy(rng.standard_normal((2, 3, 4)), np.zeros((2, 3), int), mask=np.zeros((2, 3)))
    assert loss == 0.0 and not dz.any()


# ------------------------------------------------------------ bad input

# The losses compute first and scan their inputs only when the loss is not finite (one wait for a GPU
# per call, not two), so an Inf logit also makes NumPy warn about inf - inf on the way.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("bad, n", [(np.nan, 1), (np.inf, 1), (-np.inf, 2)])
def test_non_finite_raises(bad, n):
    z = rng.standard_normal((4, 3))
    z[:n, 0] = bad
    with pytest.raises(ValueError, match=f"logits contains {n} non-finite"):
        softmax_cross_entropy(z, np.zeros(4, int))
    with pytest.raises(ValueError, match=f"logits contains {n} non-finite"):
        bce_with_logits(z[:, :1], np.zeros(4))
    with pytest.raises(ValueError, match=f"pred contains {n} non-finite"):
        mse(z, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=f"target contains {n} non-finite"):
        mse(np.zeros((4, 3)), z)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 4\)"):
        mse(np.zeros((4, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(5,\)"):
        bce_with_logits(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match=r"\(B,\) or \(B, 1\).*\(4, 2\)"):
        bce_with_logits(np.zeros((4, 2)), np.zeros(8))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3, 5\).*\(3, 2\)"):
        softmax_cross_entropy(np.zeros((2, 3, 5)), np.zeros((3, 2), int))
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\).*\(2, 4\)"):
        softmax_cross_entropy(np.zeros((2, 3, 5)), np.zeros((2, 3), int), mask=np.ones((2, 4)))


def test_class_id_out_of_range_raises():
    with pytest.raises(IndexError, match=r"class id 5 at position \(1, 0\).*\[0, 5\)"):
        softmax_cross_entropy(np.zeros((2, 3, 5)), np.array([[0, 1, 2], [5, 0, 0]]))
    with pytest.raises(IndexError, match=r"class id -1 at position \(2,\)"):
        softmax_cross_entropy(np.zeros((3, 5)), np.array([0, 1, -1]))


def test_bad_labels_raise():
    with pytest.raises(TypeError, match="y must be an integer array.*float64"):
        softmax_cross_entropy(np.zeros((3, 5)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\].*\[0.0, 2.0\]"):
        bce_with_logits(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="mask must hold only 0/1"):
        softmax_cross_entropy(np.zeros((3, 5)), np.zeros(3, int), mask=np.array([0, 1, 2]))
