"""The trivial reconstructions of benchmarks/pr_baselines.py, by hand."""
import importlib.util
from pathlib import Path

import torch

spec = importlib.util.spec_from_file_location(
    "pr_baselines", Path(__file__).parents[2] / "benchmarks" / "pr_baselines.py")
pb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pb)


def test_trivial_predictions_by_hand():
    # one clip, 6 frames (the last is padding), 2 points; point 0 moves x = t, y = 10; point 1 is missing at t=2
    t = 6
    pose = torch.zeros(1, t, 2, 2)
    pose[0, :, 0, 0] = torch.arange(t, dtype=torch.float32)
    pose[0, :, 0, 1] = 10.0
    pose[0, :, 1] = torch.tensor([5.0, 7.0])
    conf = torch.ones(1, t, 2)
    conf[0, 2, 1] = 0.0
    fmask = torch.tensor([[True] * 5 + [False]])
    hidden = torch.zeros(1, t, 2, dtype=torch.bool)
    hidden[0, 1:4, 0] = True                                   # point 0 visible at t = 0 and 4 only
    p = pb.trivial_predictions(pose, conf, fmask, hidden)
    x = lambda name: p[name][0, 1:4, 0, 0].tolist()          # noqa: E731
    assert x("nearest visible") == [0.0, 0.0, 4.0]             # t=2 is as far from 0 as from 4: the earlier
    assert x("linear interpolation") == [1.0, 2.0, 3.0]
    assert x("clip mean") == [2.0, 2.0, 2.0]                   # mean of x at t = 0 and 4
    assert p["clip mean"][0, 0, 0, 1].item() == 10.0
    # batch mean of point 1: its visible frames 0, 1, 3, 4 (t=2 missing, t=5 padding) -> (5, 7)
    assert p["batch mean"][0, 0, 1].tolist() == [5.0, 7.0]
    assert p["zero"].abs().sum().item() == 0.0
