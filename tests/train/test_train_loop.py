"""fit: logging, gradient accumulation, eval hook + best checkpoint, lr scales, bf16, clear errors."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))

from _toy_train import ToyData, ToyModel, collate  # noqa: E402

from signpt.errors import ConfigError  # noqa: E402
from signpt.train import checkpoint as ckpt  # noqa: E402
from signpt.train.config import TrainConfig  # noqa: E402
from signpt.train.loop import fit, read_log  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _fit(tmp_path, name="run", make=ToyModel, n=32, **cfg):
    torch.manual_seed(0)
    model = make()
    base = dict(lr=1e-2, batch_size=8, max_steps=6, ckpt_every=0, warmup=0.0, seed=1)
    return fit(model, ToyData(n=n), TrainConfig(**{**base, **cfg}), tmp_path / name, collate_fn=collate,
               progress=False), model


def test_log_has_every_loss_part_and_lr(tmp_path):
    h, _ = _fit(tmp_path, schedule="linear", warmup=0.5, max_steps=4)
    rows = read_log(tmp_path / "run" / "train_log.csv")
    assert [r["step"] for r in rows] == [1, 2, 3, 4] and [r["epoch"] for r in rows] == [0, 0, 0, 0]
    assert {"loss", "loss_pr", "loss_stc", "temperature", "lr", "grad_norm"} <= set(rows[0])
    # warm-up 2 of 4 updates: 1/2, 1, then (4 - s) / 2 -> 1/2 at update 2 (0-based), 1/4... of lr 1e-2
    assert [r["lr"] for r in rows] == pytest.approx([5e-3, 1e-2, 1e-2, 5e-3])
    assert rows == [{k: pytest.approx(v) for k, v in r.items()} for r in h.steps]
    assert h.checkpoint == tmp_path / "run" / "checkpoints" / "step_00000004"


def test_gradient_accumulation_equals_the_large_batch(tmp_path):
    # per-sample loss (no contrastive term, no masking): 2 x 4 accumulated == 8 at once
    one, m1 = _fit(tmp_path, "a1", make=lambda: ToyModel(mask_ratio=0.0, contrastive=False))
    two, m2 = _fit(tmp_path, "a2", make=lambda: ToyModel(mask_ratio=0.0, contrastive=False), accum_steps=2)
    for a, b in zip(one.steps, two.steps):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
        assert a["grad_norm"] == pytest.approx(b["grad_norm"], rel=1e-4)
    for p, q in zip(m1.parameters(), m2.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_eval_hook_and_best_checkpoint(tmp_path):
    scores = iter([0.3, 0.9, 0.5])
    seen = []

    def eval_fn(model, epoch):
        seen.append((epoch, model.training, torch.is_grad_enabled()))
        return {"acc": next(scores)}

    torch.manual_seed(0)
    cfg = TrainConfig(lr=1e-2, batch_size=8, epochs=3, ckpt_every=0, warmup=0.0, best_metric="acc")
    h = fit(ToyModel(), ToyData(n=16), cfg, tmp_path, collate_fn=collate, eval_fn=eval_fn, progress=False)
    assert seen == [(0, False, False), (1, False, False), (2, False, False)]
    assert [e["acc"] for e in h.evals] == [0.3, 0.9, 0.5] and [e["step"] for e in h.evals] == [2, 4, 6]
    assert [json.loads(x)["acc"] for x in (tmp_path / "eval_log.jsonl").read_text().splitlines()] == [0.3, 0.9, 0.5]
    assert h.best == tmp_path / "checkpoints" / "best" and ckpt.read_meta(h.best)["step"] == 4
    assert ckpt.latest(tmp_path / "checkpoints").name == "step_00000006"


def test_lr_scales_and_frozen_parameters(tmp_path):
    torch.manual_seed(0)
    init = ToyModel()
    h, model = _fit(tmp_path, lr_scales={"enc.": 0.0}, max_steps=2)
    frozen, enc0 = init.frozen.weight, init.enc[0].weight
    assert torch.equal(model.frozen.weight, frozen)
    assert torch.equal(model.enc[0].weight, enc0)  # scale 0: the encoder stays put, the rest trains
    assert not torch.equal(model.dec.weight, init.dec.weight)


def test_bf16_autocast_trains(tmp_path):
    fp32, _ = _fit(tmp_path, "f", max_steps=2)
    bf16, _ = _fit(tmp_path, "b", max_steps=2, bf16=True)
    assert bf16.steps[0]["loss"] == pytest.approx(fp32.steps[0]["loss"], rel=3e-2)
    assert bf16.steps[0]["loss"] != fp32.steps[0]["loss"]  # autocast really changed the arithmetic


def test_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="dataset of 4 samples gives no optimizer step with batch_size=8"):
        _fit(tmp_path, n=4)

    class NoLoss(ToyModel):
        def forward(self, batch):
            return {"l": super().forward(batch)["loss"]}

    with pytest.raises(ConfigError, match="returned no 'loss'"):
        _fit(tmp_path, make=NoLoss)


class _EpochData(ToyData):
    """ToyData that records every set_epoch call (like PoseDataset's random temporal sampling needs)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.epochs = []

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)


def test_fit_calls_dataset_set_epoch_every_epoch_and_on_resume(tmp_path):
    data = _EpochData(n=16)
    cfg = TrainConfig(lr=1e-2, batch_size=8, max_steps=6, ckpt_every=2, warmup=0.0, seed=1)  # 2 steps/epoch
    torch.manual_seed(0)
    fit(ToyModel(), data, cfg, tmp_path / "a", collate_fn=collate, progress=False)
    assert data.epochs == [0, 1, 2]
    # resumed from the checkpoint after step 4 (end of epoch 1): continues with epoch 2
    resumed = _EpochData(n=16)
    torch.manual_seed(0)
    fit(ToyModel(), resumed, cfg, tmp_path / "a", collate_fn=collate, progress=False,
        resume=tmp_path / "a" / "checkpoints" / "step_00000004")
    assert resumed.epochs == [2]
