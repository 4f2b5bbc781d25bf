"""`fit`: the one training loop for pre-training and fine-tuning (single process or DDP under torchrun).

Reproducibility contract: with the same seed, world size and config, a run is a pure function of its
inputs, and a run killed at any moment and resumed from its latest checkpoint continues exactly as the
uninterrupted run would (same batches, same masks, same losses). This holds because
  * the data order of epoch e is a seeded permutation (DistributedSampler(seed, epoch)), and a resumed
    epoch skips the micro-batches already consumed without loading them;
  * each sample is loaded with the python/numpy/torch RNGs seeded from (seed, epoch, index) and restored
    afterwards, so random temporal sampling in the dataset does not depend on workers or on history;
  * the model's own randomness (e.g. masking) draws from the global RNGs, whose per-rank states are stored
    in every checkpoint together with the optimizer and scheduler states.
"""
from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler
from tqdm.auto import tqdm

from signpt.errors import ConfigError
from signpt.train import checkpoint as ckpt
from signpt.train import distributed as D
from signpt.train.config import TrainConfig, to_dict
from signpt.train.optim import build_optimizer, build_scheduler
from signpt.train.optim import param_groups as make_param_groups

LOG_NAME = "train_log.csv"
EVAL_NAME = "eval_log.jsonl"


@dataclass
class History:
    """What `fit` did. steps: one dict per optimizer step (the CSV rows: step, epoch, every scalar the model
    returned, lr, grad_norm), only those of this call; evals: {"epoch", "step", **metrics} per evaluation;
    checkpoint: the final checkpoint directory; best: the best checkpoint (when `best_metric` is set)."""

    steps: list[dict] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    checkpoint: Path | None = None
    best: Path | None = None
    out_dir: Path | None = None


@contextlib.contextmanager
def isolated_rng(seed: int | None = None, *, cuda: bool = False) -> Iterator[None]:
    """Run a block with the python/numpy/torch RNGs (re)seeded from `seed` (or untouched when None),
    restoring their previous states afterwards (the current CUDA device's too when `cuda`)."""
    py, npy = random.getstate(), np.random.get_state()
    devices = [torch.cuda.current_device()] if cuda and torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=devices):
            if seed is not None:
                random.seed(seed)
                np.random.seed(seed % (2**32))
                torch.default_generator.manual_seed(seed)  # CPU only: torch.manual_seed would reseed CUDA
            yield
    finally:
        random.setstate(py)
        np.random.set_state(npy)


class SeededItems(Dataset):
    """`dataset[i]` computed under RNGs seeded from (seed, epoch, i): data augmentation becomes a pure
    function of the sample's position in the run. Call `set_epoch` before building each epoch's loader
    (forwarded to the dataset's own ``set_epoch`` when it has one, e.g. PoseDataset)."""

    def __init__(self, dataset: Dataset, seed: int):
        self.dataset, self.seed, self.epoch = dataset, int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        s = int(np.random.SeedSequence([self.seed, self.epoch, int(i)]).generate_state(1, np.uint64)[0])
        with isolated_rng(s):
            return self.dataset[i]


class _Window(Sampler):
    """Indices [start, stop) of another sampler's epoch (skip consumed batches, cut incomplete steps)."""

    def __init__(self, base: Sampler, start: int, stop: int):
        self.base, self.start, self.stop = base, start, stop

    def __iter__(self):
        for i, idx in enumerate(self.base):
            if i >= self.stop:
                return
            if i >= self.start:
                yield idx

    def __len__(self) -> int:
        return max(0, self.stop - self.start)


def _to_device(batch: Any, device: torch.device) -> Any:
    if hasattr(batch, "to") and not isinstance(batch, nn.Module):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


class CsvLog:
    """Per-step CSV log (rank 0). The header grows if a new column appears (file rewritten atomically)."""

    def __init__(self, path: Path):
        self.path = path
        self.columns: list[str] = []
        if path.exists():
            with open(path, newline="") as f:
                self.columns = next(csv.reader(f), [])

    def truncate_after(self, step: int) -> None:
        """Drop rows with step > `step` (rows a killed run wrote after its last checkpoint)."""
        if not self.path.exists():
            return
        with open(self.path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
        self._rewrite(rows)

    def _rewrite(self, rows: list[dict]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.columns, restval="")
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.path)

    def write(self, row: dict) -> None:
        new = [k for k in row if k not in self.columns]
        if new or not self.path.exists():
            old_rows = []
            if self.path.exists():
                with open(self.path, newline="") as f:
                    old_rows = list(csv.DictReader(f))
            self.columns += new
            self._rewrite(old_rows)
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self.columns, restval="").writerow(row)


def read_log(path: str | Path) -> list[dict]:
    """Rows of a train_log.csv as dicts of floats (step and epoch as int)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        d = {k: (float(v) if v != "" else math.nan) for k, v in r.items()}
        d["step"], d["epoch"] = int(d["step"]), int(d["epoch"])
        out.append(d)
    return out


def _scalars(out: dict) -> dict[str, torch.Tensor]:
    return {k: v.detach().float() for k, v in out.items() if isinstance(v, torch.Tensor) and v.numel() == 1}


def fit(
    model: nn.Module,
    dataset: Dataset,
    cfg: TrainConfig,
    out_dir: str | Path,
    *,
    collate_fn: Callable | None = None,
    param_groups: list[dict] | None = None,
    resume: bool | str | Path = False,
    eval_fn: Callable[[nn.Module, int], dict] | None = None,
    config: dict | None = None,
    progress: bool = True,
) -> History:
    """Train `model` on `dataset` with `cfg`; logs, checkpoints and evaluations go under `out_dir`.

    model:        ``model(batch) -> dict`` with a scalar tensor "loss" (minimised); every other scalar
                  tensor in the dict (loss parts, temperature, accuracy, ...) is logged per step.
    dataset:      map-style Dataset; `collate_fn` turns a list of its items into a batch (anything with
                  ``.to(device)``, or dict/list/tuple of tensors).
    param_groups: optimizer groups (see `signpt.train.optim.param_groups`); default: that function on
                  `model` with cfg.lr, cfg.weight_decay, cfg.lr_scales.
    resume:       True: continue from ``out_dir/checkpoints/latest`` (start fresh when there is none);
                  a path: continue from that checkpoint directory.
    eval_fn:      ``eval_fn(model, epoch) -> {name: float}`` called on rank 0 every cfg.eval_every epochs
                  and at the end, with the bare model in eval mode under torch.no_grad() (the RNG states
                  are restored afterwards); results go to eval_log.jsonl; cfg.best_metric selects
                  ``checkpoints/best``.
    config:       extra JSON-able dict stored in every checkpoint's meta.json (e.g. the model config);
                  the train config is always stored under "train".

    Writes out_dir/train_log.csv (rank 0, one row per optimizer step), out_dir/checkpoints/step_*/ every
    cfg.ckpt_every steps and at the end, and the ``latest`` pointer. Under torchrun, call from every rank:
    the model is wrapped in DDP, each rank reads a disjoint shard of every epoch, only rank 0 writes.
    """
    rank, world, device = D.setup(cfg.device)
    out_dir = Path(out_dir)
    ckpt_root = out_dir / "checkpoints"
    if rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)

    per_step = world * cfg.accum_steps
    if cfg.batch_size % per_step:
        raise ConfigError(
            f"train config: batch_size={cfg.batch_size} is not divisible by world_size*accum_steps={per_step}"
        )
    micro = cfg.batch_size // per_step

    random.seed(cfg.seed + rank)
    np.random.seed((cfg.seed + rank) % 2**32)
    torch.manual_seed(cfg.seed + rank)

    model.to(device)
    groups = param_groups if param_groups is not None else make_param_groups(
        model, cfg.lr, cfg.weight_decay, cfg.lr_scales)
    optimizer = build_optimizer(groups, cfg.betas, cfg.eps)
    params = [p for g in optimizer.param_groups for p in g["params"]]

    items = SeededItems(dataset, cfg.seed)
    sampler = DistributedSampler(items, num_replicas=world, rank=rank, shuffle=cfg.shuffle, seed=cfg.seed,
                                 drop_last=cfg.drop_last)
    n_micro = len(sampler) // micro if cfg.drop_last else math.ceil(len(sampler) / micro)
    steps_per_epoch = n_micro // cfg.accum_steps
    if steps_per_epoch == 0:
        raise ConfigError(
            f"dataset of {len(dataset)} samples gives no optimizer step with batch_size={cfg.batch_size} "
            f"(world {world}, accum_steps {cfg.accum_steps}); lower batch_size or add data"
        )
    epoch_micro = steps_per_epoch * cfg.accum_steps  # leftover micro-batches of an epoch are skipped
    total = cfg.max_steps if cfg.max_steps is not None else cfg.epochs * steps_per_epoch
    scheduler = build_scheduler(optimizer, cfg, total, steps_per_epoch)

    saved_config = {"train": to_dict(cfg), **(config or {}), "world_size": world}
    step, epoch, micro_in_epoch, best_value = 0, 0, 0, None
    log = CsvLog(out_dir / LOG_NAME) if rank == 0 else None
    start = None
    if resume:
        start = ckpt.latest(ckpt_root) if resume is True else Path(resume)
    if start is not None:
        meta = ckpt.load(start, model, optimizer=optimizer, scheduler=scheduler)
        step, epoch, micro_in_epoch = meta["step"], meta["epoch"], meta["batch_in_epoch"]
        best_value = meta.get("extra", {}).get("best_value")
        if meta.get("config", {}).get("world_size", world) != world and rank == 0:
            tqdm.write(f"warning: {start} was written with world size {meta['config']['world_size']}, "
                       f"now {world}: training continues but not bit-exactly")
        rngs = meta["rng"]
        if len(rngs) == world:
            ckpt.set_rng_state(rngs[rank])
        if micro_in_epoch >= epoch_micro:
            epoch, micro_in_epoch = epoch + 1, 0
        if rank == 0:
            log.truncate_after(step)
            _truncate_jsonl(out_dir / EVAL_NAME, step)
            tqdm.write(f"resumed from {start} at step {step} (epoch {epoch}, batch {micro_in_epoch})")
    elif rank == 0 and (out_dir / LOG_NAME).exists():
        (out_dir / LOG_NAME).unlink()  # a fresh run replaces an old log
        log = CsvLog(out_dir / LOG_NAME)

    bf16 = cfg.bf16
    if bf16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        if rank == 0:
            tqdm.write(f"warning: {torch.cuda.get_device_name(device)} has no bf16 support; training in fp32")
        bf16 = False
    net = D.wrap_ddp(model, device, find_unused_parameters=cfg.find_unused_parameters)
    history = History(out_dir=out_dir)
    last_eval_step = -1

    def save(name: str | None = None, *, latest: bool = True) -> Path | None:
        e, b = (epoch + 1, 0) if micro_in_epoch >= epoch_micro else (epoch, micro_in_epoch)
        rngs = D.all_gather_objects(ckpt.rng_state())
        path = None
        if rank == 0:
            path = ckpt.save(ckpt_root, model, step=step, epoch=e, batch_in_epoch=b, optimizer=optimizer,
                             scheduler=scheduler, config=saved_config, extra={"best_value": best_value},
                             rng_states=rngs, name=name, keep_last=cfg.keep_last, update_latest=latest)
        D.barrier()
        return path

    def evaluate() -> None:
        nonlocal best_value, last_eval_step
        last_eval_step = step
        metrics = None
        if rank == 0:
            bare = ckpt.unwrap(model)
            bare.eval()
            with torch.no_grad(), isolated_rng(cuda=True):
                metrics = {k: float(v) for k, v in eval_fn(bare, epoch).items()}
            bare.train()
            row = {"epoch": epoch, "step": step, **metrics}
            history.evals.append(row)
            with open(out_dir / EVAL_NAME, "a") as f:
                f.write(json.dumps(row) + "\n")
            tqdm.write("eval " + " ".join(f"{k}={v:.4g}" for k, v in row.items()))
        metrics = D.all_gather_objects(metrics)[0]
        if cfg.best_metric is not None:
            if cfg.best_metric not in metrics:
                raise ConfigError(f"best_metric {cfg.best_metric!r} not among eval results {sorted(metrics)}")
            v = metrics[cfg.best_metric]
            if best_value is None or (v > best_value if cfg.best_mode == "max" else v < best_value):
                best_value = v
                path = save("best", latest=False)
                if path is not None:
                    history.best = path

    bar = tqdm(total=total, initial=step, disable=not progress or rank != 0, dynamic_ncols=True,
               desc="train", unit="step")
    model.train()
    accum: dict[str, torch.Tensor] = {}
    while step < total:
        items.set_epoch(epoch)
        sampler.set_epoch(epoch)
        window = _Window(sampler, micro_in_epoch * micro, epoch_micro * micro)
        loader = DataLoader(
            items, batch_size=micro, sampler=window, collate_fn=collate_fn, num_workers=cfg.num_workers,
            drop_last=cfg.drop_last, pin_memory=device.type == "cuda",
            generator=torch.Generator().manual_seed(cfg.seed + epoch),
        )
        for batch in loader:
            k = micro_in_epoch % cfg.accum_steps
            sync = k == cfg.accum_steps - 1
            batch = _to_device(batch, device)
            no_sync = net.no_sync() if (not sync and net is not model) else contextlib.nullcontext()
            with no_sync:
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                    out = net(batch)
                if "loss" not in out:
                    raise ConfigError(f"{type(model).__name__}(batch) returned no 'loss' (keys: {sorted(out)})")
                (out["loss"].float() / cfg.accum_steps).backward()
            for name, v in _scalars(out).items():
                accum[name] = accum.get(name, 0.0) + v / cfg.accum_steps
            micro_in_epoch += 1
            if not sync:
                continue

            max_norm = cfg.grad_clip if cfg.grad_clip else math.inf
            grad_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            row_vals = {k2: float(v) for k2, v in accum.items()}
            if not math.isfinite(row_vals["loss"]):
                raise FloatingPointError(f"training loss is {row_vals['loss']} at step {step + 1} (epoch {epoch})")
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            accum = {}
            step += 1
            row_vals["grad_norm"] = float(grad_norm)
            row_vals = D.mean_over_ranks(row_vals, device)
            row = {"step": step, "epoch": epoch, **row_vals, "lr": lr}
            history.steps.append(row)
            if rank == 0:
                log.write(row)
                bar.update(1)
                if step % cfg.log_every == 0 or step == total:
                    bar.set_postfix({k2: f"{v:.4g}" for k2, v in row.items()
                                     if k2 not in ("step", "epoch", "grad_norm")}, refresh=False)

            if micro_in_epoch >= epoch_micro:  # epoch finished
                if eval_fn is not None and (epoch + 1) % cfg.eval_every == 0:
                    evaluate()
                epoch, micro_in_epoch = epoch + 1, 0
            if step >= total:
                break
            if cfg.ckpt_every and step % cfg.ckpt_every == 0:
                save()
    bar.close()
    if eval_fn is not None and last_eval_step != step:
        evaluate()
    history.checkpoint = save()
    if history.best is None and cfg.best_metric is not None and (ckpt_root / "best").exists():
        history.best = ckpt_root / "best"
    return history


def _truncate_jsonl(path: Path, step: int) -> None:
    if not path.exists():
        return
    keep = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text("".join(line + "\n" for line in keep))
    os.replace(tmp, path)
