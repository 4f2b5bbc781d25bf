import math

import pytest
import torch
import torch.nn.functional as F

from signpt.model.losses import LogitScale, contrastive_loss, pose_reconstruction_loss, symmetric_info_nce


def test_pose_reconstruction_one_sample_by_hand():
    # 1 sample, 2 frames, 2 points; masked points: (t0,k1) conf .5, (t1,k0) conf 1
    target = torch.zeros(1, 2, 2, 2)
    pred = torch.tensor([[[[9.0, 9.0], [1.0, 2.0]], [[3.0, 0.0], [7.0, 7.0]]]])
    mask = torch.tensor([[[False, True], [True, False]]])
    conf = torch.tensor([[[1.0, 0.5], [1.0, 1.0]]])
    # (0.5 * (1 + 4) + 1.0 * 9) / (0.5 + 1.0)
    expected = (0.5 * 5 + 9) / 1.5
    got = pose_reconstruction_loss(pred, target, mask, conf)
    assert abs(got.item() - expected) < 1e-6
    assert pose_reconstruction_loss(pred, target, torch.zeros_like(mask), conf).item() == 0.0
    # Eq. 3's unsquared ||.||_2: (0.5 * sqrt(5) + 1.0 * 3) / 1.5
    got = pose_reconstruction_loss(pred, target, mask, conf, norm="l2")
    assert abs(got.item() - (0.5 * math.sqrt(5) + 3) / 1.5) < 1e-6
    exact = pred.clone().requires_grad_(True)
    pose_reconstruction_loss(exact, exact.detach(), mask, conf, norm="l2").backward()
    assert torch.isfinite(exact.grad).all()  # a perfect prediction has a finite gradient
    with pytest.raises(ValueError, match="norm"):
        pose_reconstruction_loss(pred, target, mask, conf, norm="l1")


def eq5(m: torch.Tensor, tau: float) -> float:
    """Eq. 5 written out with exp / log, term by term."""
    b = m.shape[0]
    total = 0.0
    for i in range(b):
        row = math.exp(m[i, i] / tau) / sum(math.exp(m[i, j] / tau) for j in range(b))
        col = math.exp(m[i, i] / tau) / sum(math.exp(m[j, i] / tau) for j in range(b))
        total += -math.log(row * col)
    return total / (2 * b)


def test_info_nce_matches_eq5_and_cross_entropy():
    g = torch.Generator().manual_seed(1)
    m = torch.rand(5, 5, generator=g) * 2 - 1
    tau = 0.07
    got = symmetric_info_nce(m, torch.tensor(1 / tau))
    assert abs(got.item() - eq5(m.double(), tau)) < 1e-4
    labels = torch.arange(5)
    ce = 0.5 * (F.cross_entropy(m / tau, labels) + F.cross_entropy(m.T / tau, labels))
    torch.testing.assert_close(got, ce)


def test_contrastive_masks_unpaired_rows_and_columns():
    g = torch.Generator().manual_seed(2)
    m = torch.rand(4, 4, generator=g)
    valid = torch.tensor([True, False, True, True])
    keep = valid.nonzero().squeeze(1)
    sub = m[keep][:, keep]
    scale = torch.tensor(10.0)
    got = 0.5 * (contrastive_loss(m, scale, None, valid, valid) + contrastive_loss(m.T, scale, None, valid, valid))
    torch.testing.assert_close(got, symmetric_info_nce(sub, scale))


def test_logit_scale_init_clamp_and_gradient():
    ls = LogitScale(0.07)
    assert abs(ls().item() - 1 / 0.07) < 1e-4
    loss = symmetric_info_nce(torch.eye(3) * 0.5, ls())
    loss.backward()
    assert ls.log_scale.grad is not None and ls.log_scale.grad.abs() > 0
    with torch.no_grad():
        ls.log_scale.fill_(10.0)
    assert abs(ls().item() - 100.0) < 1e-3  # clamped like CLIP


def _sequences(b=5, n=3, m=4, d=6, seed=3):
    g = torch.Generator().manual_seed(seed)
    sign, text = torch.randn(b, n, d, generator=g), torch.randn(b, m, d, generator=g)
    sign_mask = torch.ones(b, n, dtype=torch.bool)
    sign_mask[1, 2:] = False
    text_mask = torch.arange(m)[None] < torch.tensor([4, 2, 3, 1, 4])[:, None]
    return sign, sign_mask, text, text_mask


def test_sign_text_contrastive_is_eq5_on_the_similarity_it_owns():
    from signpt.model.losses import SignTextContrastive
    from signpt.model.similarity import fine_grained_similarity

    sign, sm, text, tm = _sequences()
    loss_fn = SignTextContrastive("fine", word_temperature=0.3, init_temperature=0.05, chunk=2)
    m = fine_grained_similarity(sign, sm, text, tm, chunk=None, word_temperature=0.3)
    torch.testing.assert_close(loss_fn.similarity(sign, sm, text, tm), m)
    got = loss_fn(sign, sm, text, tm)
    assert abs(got.item() - eq5(m.double(), 0.05)) < 1e-4
    assert abs(loss_fn.temperature().item() - 0.05) < 1e-6
    # samples without text are neither queries nor candidates
    valid = torch.tensor([True, True, False, True, True])
    keep = valid.nonzero().squeeze(1)
    torch.testing.assert_close(loss_fn(sign, sm, text, tm, valid), symmetric_info_nce(m[keep][:, keep], 1 / torch.tensor(0.05)))
    got.backward()
    assert loss_fn.logit_scale.log_scale.grad.abs() > 0


def test_sign_text_contrastive_coarse_is_cosine_info_nce():
    from signpt.model.losses import SignTextContrastive

    sign, _, text, _ = _sequences(n=1, m=1)
    ones = torch.ones(5, 1, dtype=torch.bool)
    loss_fn = SignTextContrastive("coarse", init_temperature=0.1)
    cos = F.normalize(sign[:, 0], dim=-1) @ F.normalize(text[:, 0], dim=-1).T
    torch.testing.assert_close(loss_fn(sign, ones, text, ones), symmetric_info_nce(cos, torch.tensor(10.0)))
