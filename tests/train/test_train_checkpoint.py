"""Checkpoints: round trip of weights + optimizer + scheduler + RNG, atomic writes, latest pointer, errors."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from signpt.errors import CheckpointError
from signpt.train import checkpoint as ckpt
from signpt.train.config import TrainConfig
from signpt.train.optim import build_optimizer, build_scheduler, param_groups


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4)
        self.body = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        self.out = nn.Linear(4, 6, bias=False)
        self.out.weight = self.emb.weight  # tied
        self.frozen = nn.Linear(4, 4)
        self.frozen.requires_grad_(False)

    def forward(self, x):
        return self.out(self.body(self.emb(x).mean(1)))


def _setup(seed=0):
    torch.manual_seed(seed)
    m = Tied()
    cfg = TrainConfig(lr=1e-2, warmup=0.2)
    opt = build_optimizer(param_groups(m, cfg.lr, cfg.weight_decay), cfg.betas)
    sched = build_scheduler(opt, cfg, total_steps=10, steps_per_epoch=5)
    return m, opt, sched


def _train(m, opt, sched, n):
    for _ in range(n):
        x = torch.randint(0, 6, (8, 3))
        loss = nn.functional.cross_entropy(m(x), x[:, 0])
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
    return loss.item()


def test_round_trip_continues_identically(tmp_path):
    m, opt, sched = _setup()
    _train(m, opt, sched, 3)
    path = ckpt.save(tmp_path, m, step=3, epoch=0, batch_in_epoch=3, optimizer=opt, scheduler=sched,
                     config={"model": {"dim": 4}}, extra={"note": "x"})
    assert path == tmp_path / "step_00000003" and ckpt.latest(tmp_path) == path
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "meta.json", "model.safetensors", "state.pt"]
    stored = load_file(str(path / "model.safetensors"))
    assert "emb.weight" in stored and "out.weight" not in stored  # tied weight stored once
    assert not any(k.startswith("frozen") for k in stored)  # frozen parameters are not stored
    assert "body.1.running_mean" in stored  # buffers are
    assert json.loads((path / "config.json").read_text()) == {"model": {"dim": 4}}
    expected = _train(m, opt, sched, 4)  # the uninterrupted continuation (RNG restored below)

    m2, opt2, sched2 = _setup(seed=1)  # different initial weights, fresh optimizer and schedule
    meta = ckpt.load(path, m2, optimizer=opt2, scheduler=sched2)
    ckpt.set_rng_state(meta["rng"][0])  # the RNG as it was when the checkpoint was written
    assert m2.out.weight is m2.emb.weight
    assert meta["step"] == 3 and meta["batch_in_epoch"] == 3 and meta["extra"] == {"note": "x"}
    assert sched2.last_epoch == 3
    assert _train(m2, opt2, sched2, 4) == expected


def test_rng_state_round_trip():
    state = ckpt.rng_state()
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    ckpt.set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a


def test_failed_write_leaves_previous_checkpoint(tmp_path, monkeypatch):
    m, opt, sched = _setup()
    first = ckpt.save(tmp_path, m, step=1, optimizer=opt)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt.torch, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save(tmp_path, m, step=2, optimizer=opt)
    assert ckpt.latest(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir() if p.name != "latest"] == ["step_00000001"]  # no debris


def test_keep_last_and_overwrite(tmp_path):
    m, _, _ = _setup()
    for s in range(1, 5):
        ckpt.save(tmp_path, m, step=s, keep_last=2)
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step_00000003", "step_00000004"]
    ckpt.save(tmp_path, m, step=4, name="best", update_latest=False)
    ckpt.save(tmp_path, m, step=5, name="best", update_latest=False)
    assert ckpt.read_meta(tmp_path / "best")["step"] == 5 and ckpt.latest(tmp_path).name == "step_00000004"


def test_mismatch_and_corruption_errors(tmp_path):
    m, _, _ = _setup()
    path = ckpt.save(tmp_path, m, step=1)
    other = nn.Linear(3, 3)
    with pytest.raises(CheckpointError, match="model.safetensors: does not match Linear"):
        ckpt.load(path, other)
    wide = Tied()
    wide.body[0] = nn.Linear(4, 4, bias=True)
    wide.body[0].weight = nn.Parameter(torch.zeros(5, 4))
    with pytest.raises(CheckpointError, match="shape mismatch: body.0.weight"):
        ckpt.load(path, wide)
    (path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="unreadable safetensors"):
        ckpt.load(path, m)
    (tmp_path / "latest").write_text("step_00000099\n")
    with pytest.raises(CheckpointError, match="step_00000099, which is missing"):
        ckpt.latest(tmp_path)
    assert ckpt.latest(tmp_path / "nothing") is None
