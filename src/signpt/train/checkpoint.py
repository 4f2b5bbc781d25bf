"""Atomic, resumable checkpoints.

Layout of one checkpoint directory (``<ckpt_root>/step_00001000/``)::

    model.safetensors   trainable weights + buffers (frozen parameters, e.g. a pretrained text encoder, are
                        not stored: they come from their own source when the model is built)
    config.json         the run's configuration, e.g. {"train": {...}, "model": {...}} (so
                        ``SignEncoder.from_pretrained(<checkpoint dir>)`` finds the model config)
    meta.json           {"step", "epoch", "batch_in_epoch", "extra": {...}, "aliases": {...}}
    state.pt            torch.save'd optimizer, scheduler and RNG states (safetensors only holds tensors)

The directory is written under a temporary name in the same parent and renamed into place with
``os.replace``; then the ``latest`` text file (the directory name) is replaced the same way. A crash leaves
either the old or the new checkpoint, never a half-written one.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from signpt.atomic import write_text
from signpt.errors import CheckpointError

WEIGHTS = "model.safetensors"
META = "meta.json"
CONFIG = "config.json"
STATE = "state.pt"
LATEST = "latest"


def unwrap(model: nn.Module) -> nn.Module:
    """The bare module inside DDP / torch.compile wrappers."""
    while True:
        if hasattr(model, "module") and isinstance(model.module, nn.Module):
            model = model.module
        elif hasattr(model, "_orig_mod"):
            model = model._orig_mod
        else:
            return model


def model_tensors(model: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors to store, aliases): the state dict without frozen parameters; tensors shared by several
    names (tied weights) stored once, the other names recorded in aliases {alias: stored_name}."""
    model = unwrap(model)
    frozen = {n for n, p in model.named_parameters(remove_duplicate=False) if not p.requires_grad}
    tensors: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple, str] = {}
    for name, t in model.state_dict(keep_vars=False).items():
        if name in frozen:
            continue
        key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)
        if t.numel() and key in seen:
            aliases[name] = seen[key]
            continue
        seen[key] = name
        tensors[name] = t.detach().to("cpu").contiguous()
    return tensors, aliases


def rng_state() -> dict:
    """Global RNG states: python, numpy, torch CPU and (if present) every CUDA device."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Inverse of `rng_state`."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(
    ckpt_root: str | Path,
    model: nn.Module,
    *,
    step: int,
    epoch: int = 0,
    batch_in_epoch: int = 0,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    config: dict | None = None,
    extra: dict | None = None,
    rng_states: list[dict] | None = None,
    name: str | None = None,
    keep_last: int | None = None,
    update_latest: bool = True,
) -> Path:
    """Write checkpoint `name` (default ``step_{step:08d}``) under `ckpt_root` atomically; returns its path.

    `rng_states` is one RNG state per rank (default: this process's `rng_state()`); `config` and `extra`
    must be JSON-serialisable. With `update_latest`, the ``latest`` pointer is moved to it and only the
    newest `keep_last` ``step_*`` checkpoints are kept.
    """
    root = Path(ckpt_root)
    root.mkdir(parents=True, exist_ok=True)
    name = name or f"step_{step:08d}"
    final = root / name
    tmp = root / f".{name}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir()
    try:
        tensors, aliases = model_tensors(model)
        save_file(tensors, str(tmp / WEIGHTS), metadata={"format": "pt"})
        meta = {
            "step": int(step), "epoch": int(epoch), "batch_in_epoch": int(batch_in_epoch),
            "extra": extra or {}, "aliases": aliases,
        }
        (tmp / META).write_text(json.dumps(meta, indent=2, default=str))
        (tmp / CONFIG).write_text(json.dumps(config or {}, indent=2, default=str))
        state = {
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "rng": rng_states if rng_states is not None else [rng_state()],
        }
        torch.save(state, tmp / STATE)
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        if final.exists():  # re-saving a name (e.g. "best"): move the old one aside first
            old = root / f".{name}.{uuid.uuid4().hex}.old"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if update_latest:
        write_text(root / LATEST, name + "\n")
        if keep_last:
            for old in list_checkpoints(root)[:-keep_last]:
                if old.name != name:
                    shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(ckpt_root: str | Path) -> list[Path]:
    """``step_*`` checkpoint directories under `ckpt_root`, oldest first."""
    root = Path(ckpt_root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("step_"))


def latest(ckpt_root: str | Path) -> Path | None:
    """The checkpoint the ``latest`` pointer names (None when there is none yet)."""
    root = Path(ckpt_root)
    ptr = root / LATEST
    if not ptr.exists():
        return None
    target = root / ptr.read_text().strip()
    if not (target / META).exists():
        raise CheckpointError(f"{ptr}: points to {target.name}, which is missing or incomplete")
    return target


def read_meta(ckpt_dir: str | Path) -> dict:
    """meta.json of a checkpoint directory, with "config" = its config.json."""
    meta = _read_json(Path(ckpt_dir) / META)
    config_path = Path(ckpt_dir) / CONFIG
    meta["config"] = _read_json(config_path) if config_path.exists() else {}
    return meta


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as e:
        raise CheckpointError(f"{path}: missing (not a checkpoint directory?)") from e
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: corrupt JSON: {e}") from e


def load_weights(ckpt_dir: str | Path, model: nn.Module, *, strict: bool = True) -> None:
    """Load model.safetensors of `ckpt_dir` into `model` (frozen parameters are expected to be absent).

    strict: CheckpointError naming the file when a trainable parameter/buffer is missing, a key is
    unexpected, or a shape differs.
    """
    path = Path(ckpt_dir) / WEIGHTS
    if not path.exists():
        raise CheckpointError(f"{path}: missing")
    try:
        tensors = load_file(str(path))
    except Exception as e:  # safetensors raises its own error types
        raise CheckpointError(f"{path}: unreadable safetensors file: {e}") from e
    aliases = read_meta(ckpt_dir).get("aliases", {}) if (Path(ckpt_dir) / META).exists() else {}
    for alias, src in aliases.items():
        if src in tensors:
            tensors[alias] = tensors[src]
    model = unwrap(model)
    own = model.state_dict()
    frozen = {n for n, p in model.named_parameters(remove_duplicate=False) if not p.requires_grad}
    bad_shapes = [f"{k}: file {tuple(v.shape)} vs model {tuple(own[k].shape)}"
                  for k, v in tensors.items() if k in own and tuple(own[k].shape) != tuple(v.shape)]
    if bad_shapes:
        raise CheckpointError(f"{path}: shape mismatch: " + "; ".join(bad_shapes[:5]))
    result = model.load_state_dict(tensors, strict=False)
    missing = [k for k in result.missing_keys if k not in frozen]
    if strict and (missing or result.unexpected_keys):
        raise CheckpointError(
            f"{path}: does not match {type(model).__name__}: missing {missing[:5]}, "
            f"unexpected {list(result.unexpected_keys)[:5]}"
        )


def load(
    ckpt_dir: str | Path,
    model: nn.Module,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    strict: bool = True,
) -> dict:
    """Restore weights (and optimizer/scheduler state when given) from `ckpt_dir`; returns meta.json's
    dict plus "rng": the list of per-rank RNG states (restore your own with `set_rng_state`)."""
    ckpt_dir = Path(ckpt_dir)
    meta = read_meta(ckpt_dir)
    load_weights(ckpt_dir, model, strict=strict)
    state_path = ckpt_dir / STATE
    if state_path.exists():
        try:
            state = torch.load(state_path, map_location="cpu", weights_only=False)
        except Exception as e:
            raise CheckpointError(f"{state_path}: unreadable: {e}") from e
    else:
        state = {"optimizer": None, "scheduler": None, "rng": []}
    if optimizer is not None:
        if state["optimizer"] is None:
            raise CheckpointError(f"{state_path}: holds no optimizer state")
        try:
            optimizer.load_state_dict(state["optimizer"])
        except (ValueError, KeyError) as e:
            raise CheckpointError(f"{state_path}: optimizer state does not match: {e}") from e
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    meta["rng"] = state.get("rng") or []
    return meta
