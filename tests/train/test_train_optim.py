"""Parameter groups (which parameters decay, lr scales) and schedule values at hand-computed steps."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from signpt.errors import ConfigError
from signpt.train.config import TrainConfig
from signpt.train.optim import build_optimizer, build_scheduler, lr_factor, param_groups


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Conv1d(8, 8, 3), nn.BatchNorm1d(8))
        self.encoder.pos = nn.Parameter(torch.zeros(16, 8))
        self.head = nn.Linear(8, 3)
        self.emb = nn.Embedding(10, 8)
        self.logit_scale = nn.Parameter(torch.tensor(2.0))
        self.frozen = nn.Linear(3, 3)
        self.frozen.requires_grad_(False)


def _by_name(groups):
    return {n: (g["lr"], g["weight_decay"]) for g in groups for n in g["names"]}


def test_decay_only_on_weight_matrices():
    g = _by_name(param_groups(Net(), lr=1e-3, weight_decay=0.1))
    decays = {n for n, (_, wd) in g.items() if wd > 0}
    assert decays == {"encoder.0.weight", "encoder.2.weight", "head.weight", "emb.weight"}
    assert set(g) - decays == {"encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "encoder.2.bias",
                               "encoder.3.weight", "encoder.3.bias", "encoder.pos", "head.bias", "logit_scale"}
    assert not any(n.startswith("frozen") for n in g)  # frozen: no optimizer state


def test_lr_scales_longest_prefix_wins():
    g = _by_name(param_groups(Net(), lr=1e-3, weight_decay=0.1, lr_scales={"encoder.": 0.1, "encoder.0.": 0.5}))
    assert g["encoder.0.weight"] == (pytest.approx(5e-4), 0.1)
    assert g["encoder.2.weight"] == (pytest.approx(1e-4), 0.1)
    assert g["encoder.1.bias"] == (pytest.approx(1e-4), 0.0)
    assert g["head.weight"] == (1e-3, 0.1)
    with pytest.raises(ConfigError, match="encodr"):
        param_groups(Net(), 1e-3, 0.1, lr_scales={"encodr.": 0.1})


def test_pretrain_model_groups():
    pytest.importorskip("signpt.model")
    from signpt.model import PretrainModel, get_preset

    m = PretrainModel(get_preset("tiny"))
    g = _by_name(param_groups(m, 1e-4, 0.1))
    assert g["contrastive.logit_scale.log_scale"][1] == 0.0  # the temperature never decays
    assert g["encoder.branches.manual.pos"][1] == 0.0 if "encoder.branches.manual.pos" in g else True
    assert g["encoder.branches.manual.norm.weight"][1] == 0.0
    assert g["decoder.mlp.0.weight"][1] == 0.1 and g["decoder.mlp.0.bias"][1] == 0.0
    assert not any(n.startswith("text.") for n in g)  # the frozen text encoder is not optimised


def test_linear_warmup_decay_by_hand():
    # total 10, warm-up 2: updates 0,1 -> 1/2, 2/2; then (10 - s) / 8
    f = [lr_factor(s, 10, schedule="linear", warmup_steps=2) for s in range(11)]
    assert f == pytest.approx([0.5, 1.0, 1.0, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0.0])


def test_cosine_and_step_by_hand():
    assert lr_factor(0, 10, schedule="cosine", warmup_steps=0) == pytest.approx(1.0)
    assert lr_factor(5, 10, schedule="cosine", warmup_steps=0) == pytest.approx(0.5)
    assert lr_factor(6, 10, schedule="cosine", warmup_steps=2) == pytest.approx(0.5)  # half-way after warm-up
    assert lr_factor(7, 10, schedule="cosine", warmup_steps=0) == pytest.approx(0.5 * (1 + math.cos(0.7 * math.pi)))
    assert lr_factor(10, 10, schedule="cosine", warmup_steps=0, min_lr_ratio=0.1) == pytest.approx(0.1)
    # ISLR: x0.1 every 20 epochs of 5 updates -> every 100 updates
    vals = [lr_factor(s, 300, schedule="step", step_size_steps=100, gamma=0.1) for s in (0, 99, 100, 199, 200)]
    assert vals == pytest.approx([1, 1, 0.1, 0.1, 0.01])


def test_scheduler_drives_optimizer_groups_with_scales():
    m = Net()
    cfg = TrainConfig(lr=1e-3, weight_decay=0.1, schedule="step", warmup=0.0, step_size=2, gamma=0.5,
                      lr_scales={"encoder.": 0.1})
    opt = build_optimizer(param_groups(m, cfg.lr, cfg.weight_decay, cfg.lr_scales), cfg.betas)
    sched = build_scheduler(opt, cfg, total_steps=30, steps_per_epoch=3)  # halve every 2 epochs = 6 updates
    seen = []
    for _ in range(13):
        seen.append(sorted({round(g["lr"], 12) for g in opt.param_groups}))
        opt.step()
        sched.step()
    assert seen[0] == [1e-4, 1e-3] and seen[5] == [1e-4, 1e-3]
    assert seen[6] == [5e-5, 5e-4] and seen[12] == [2.5e-5, 2.5e-4]
    assert all(g["betas"] == (0.9, 0.999) for g in opt.param_groups)
