import pytest
import torch

from signpt.model.masking import hierarchical_mask


def _inputs(b=8, t=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    pose = torch.rand(b, t, 79, 2, generator=g) + 0.5  # never 0, so zeroing is visible
    conf = torch.rand(b, t, 79, generator=g) * 0.9 + 0.1
    conf[:, :, 40:45] = 0  # missing points
    lengths = torch.tensor([t, t - 10, t - 20, t - 30, t, t, 40, 50])[:b]
    fm = torch.arange(t)[None] < lengths[:, None]
    return pose * fm[..., None, None], conf * fm[..., None], fm


@pytest.mark.parametrize("ratio", [0.2, 0.4, 0.6])
def test_ratio_types_and_eligibility(ratio):
    pose, conf, fm = _inputs()
    out = hierarchical_mask(pose, conf, fm, ratio, generator=torch.Generator().manual_seed(0))
    eligible = (conf > 0) & fm[..., None]
    assert not (out.mask & ~eligible).any()  # padding and missing points are never "masked"
    per_sample = out.mask.flatten(1).sum(1) / eligible.flatten(1).sum(1)
    assert (per_sample - ratio).abs().max() < 0.01, per_sample
    # every level is present: whole masked frames in runs (clip), isolated frames, and single joints
    whole = (out.mask | ~eligible).all(-1) & fm
    runs = whole[:, 1:] & whole[:, :-1]
    assert runs.any() and whole.sum() > runs.sum()
    partial = out.mask.any(-1) & ~whole
    assert partial.any()
    assert out.jittered.any() and out.zeroed.any()
    # zeroed points are zero with confidence 0; jittered points moved, kept confidence; the rest untouched
    assert (out.pose[out.zeroed] == 0).all() and (out.confidence[out.zeroed] == 0).all()
    assert (out.pose[out.jittered] != pose[out.jittered]).any()
    torch.testing.assert_close(out.confidence[out.jittered], conf[out.jittered])
    torch.testing.assert_close(out.pose[~out.mask], pose[~out.mask])


def test_deterministic_under_generator_and_points_subset():
    pose, conf, fm = _inputs()
    a = hierarchical_mask(pose, conf, fm, 0.4, generator=torch.Generator().manual_seed(5))
    b = hierarchical_mask(pose, conf, fm, 0.4, generator=torch.Generator().manual_seed(5))
    c = hierarchical_mask(pose, conf, fm, 0.4, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a.mask, b.mask) and torch.equal(a.pose, b.pose)
    assert not torch.equal(a.mask, c.mask)
    manual = list(range(0, 11)) + list(range(37, 79))
    d = hierarchical_mask(pose, conf, fm, 0.4, points=manual, generator=torch.Generator().manual_seed(5))
    assert not d.mask[..., 11:37].any() and d.mask.any()


def test_zero_ratio_masks_nothing():
    pose, conf, fm = _inputs()
    out = hierarchical_mask(pose, conf, fm, 0.0)
    assert not out.mask.any() and torch.equal(out.pose, pose)
