"""AdamW parameter groups (decay / no decay, per-prefix lr scales) and learning-rate schedules."""
from __future__ import annotations

import math
from typing import Iterable

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from signpt.errors import ConfigError

NORM_TYPES: tuple[type, ...] = (
    nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, nn.RMSNorm,
    nn.modules.batchnorm._NormBase,  # BatchNorm*, InstanceNorm*, SyncBatchNorm
)
NO_DECAY_NAME_PARTS: frozenset[str] = frozenset({
    "temperature", "logit_scale", "log_scale",  # learned temperature (CLIP)
    "pos", "pos_embed", "pos_embedding", "position_embedding", "position_embeddings",  # position tables
    "cls_token", "mask_token",  # special tokens
    "edge_importance",  # ST-GCN's learned multiplicative edge mask (initialised to 1)
})
"""A parameter never decays when one of the dot-separated components of its name is in this set."""


def no_decay_names(model: nn.Module) -> set[str]:
    """Names of the trainable parameters that get no weight decay.

    Rules: every parameter with fewer than 2 dimensions (biases, norm scales, the temperature / logit scale);
    every parameter of a normalisation module; names with a component in NO_DECAY_NAME_PARTS; and whatever
    the model lists in an optional ``no_weight_decay() -> set[str]`` method (timm convention; entries are
    exact names or name prefixes).
    """
    out: set[str] = set()
    for mod_name, mod in model.named_modules():
        if isinstance(mod, NORM_TYPES):
            for p_name, _ in mod.named_parameters(recurse=False):
                out.add(f"{mod_name}.{p_name}" if mod_name else p_name)
    extra: set[str] = set(model.no_weight_decay()) if hasattr(model, "no_weight_decay") else set()
    for name, p in model.named_parameters():
        if p.ndim < 2 or not NO_DECAY_NAME_PARTS.isdisjoint(name.split(".")):
            out.add(name)
        elif any(name == e or name.startswith(e) for e in extra):
            out.add(name)
    return out


def lr_scale_for(name: str, lr_scales: dict[str, float] | None) -> float:
    """The scale of the longest prefix of `name` in `lr_scales` (1.0 when none matches)."""
    best, scale = -1, 1.0
    for prefix, s in (lr_scales or {}).items():
        if name.startswith(prefix) and len(prefix) > best:
            best, scale = len(prefix), float(s)
    return scale


def param_groups(
    model: nn.Module,
    lr: float,
    weight_decay: float,
    lr_scales: dict[str, float] | None = None,
) -> list[dict]:
    """Optimizer parameter groups of the trainable parameters of `model` (requires_grad=False is skipped,
    e.g. a frozen text encoder, so it holds no optimizer state).

    One group per (lr scale, decays?) pair, each a dict with keys "params", "names", "lr" (= lr * scale),
    "weight_decay" (weight_decay or 0.0), "lr_scale". Pass the result to `build_optimizer` or
    `fit(..., param_groups=...)`. Raises ConfigError when a prefix of `lr_scales` matches no parameter
    (typo guard) or when there is nothing to train.
    """
    skip = no_decay_names(model)
    groups: dict[tuple[float, bool], dict] = {}
    matched: set[str] = set()
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        scale = lr_scale_for(name, lr_scales)
        for prefix in lr_scales or {}:
            if name.startswith(prefix):
                matched.add(prefix)
        decay = name not in skip
        key = (scale, decay)
        if key not in groups:
            groups[key] = {
                "params": [], "names": [], "lr": lr * scale,
                "weight_decay": weight_decay if decay else 0.0, "lr_scale": scale,
            }
        groups[key]["params"].append(p)
        groups[key]["names"].append(name)
    unmatched = sorted(set(lr_scales or {}) - matched)
    if unmatched:
        raise ConfigError(f"lr_scales: prefix(es) {', '.join(unmatched)} match no trainable parameter")
    if not groups:
        raise ConfigError(f"{type(model).__name__} has no trainable parameters")
    # deterministic order: scale descending, decay first
    return [groups[k] for k in sorted(groups, key=lambda k: (-k[0], not k[1]))]


def build_optimizer(groups: Iterable[dict], betas=(0.9, 0.999), eps: float = 1e-8) -> torch.optim.AdamW:
    """AdamW over `groups` from `param_groups` (the "names" entries are kept for checkpoints/logs)."""
    return torch.optim.AdamW(list(groups), betas=tuple(betas), eps=eps)


def lr_factor(
    step: int,
    total_steps: int,
    *,
    schedule: str = "linear",
    warmup_steps: int = 0,
    step_size_steps: int = 1,
    gamma: float = 0.1,
    min_lr_ratio: float = 0.0,
) -> float:
    """Multiplier of the peak lr for optimizer update number `step` (0-based).

    warm-up (all schedules): (step + 1) / warmup_steps for step < warmup_steps (reaches 1 at the last
    warm-up update). Then, with p = (step - warmup_steps) / (total_steps - warmup_steps) clipped to [0, 1]:
    linear: r + (1 - r)(1 - p); cosine: r + (1 - r)(1 + cos(pi p)) / 2; with r = min_lr_ratio;
    step: gamma ** (step // step_size_steps); constant: 1.
    """
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    if schedule == "step":
        return gamma ** (step // max(1, step_size_steps))
    span = max(1, total_steps - warmup_steps)
    p = min(1.0, max(0.0, (step - warmup_steps) / span))
    if schedule == "linear":
        return min_lr_ratio + (1 - min_lr_ratio) * (1 - p)
    if schedule == "cosine":
        return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p))
    raise ConfigError(f"unknown lr schedule {schedule!r}")


def warmup_steps_for(cfg, total_steps: int) -> int:
    """`cfg.warmup_steps` if set, else round(cfg.warmup * total_steps)."""
    if cfg.warmup_steps is not None:
        return int(cfg.warmup_steps)
    return int(round(cfg.warmup * total_steps))


def build_scheduler(optimizer: torch.optim.Optimizer, cfg, total_steps: int, steps_per_epoch: int) -> LambdaLR:
    """LambdaLR applying `lr_factor` to every group's own lr (so lr scales are kept).

    `cfg` is a TrainConfig; `steps_per_epoch` converts the step schedule's `step_size` (epochs) to updates.
    Call ``scheduler.step()`` after each ``optimizer.step()``.
    """
    warm = warmup_steps_for(cfg, total_steps)
    kw = dict(schedule=cfg.schedule, warmup_steps=warm, step_size_steps=cfg.step_size * max(1, steps_per_epoch),
              gamma=cfg.gamma, min_lr_ratio=cfg.min_lr_ratio)
    return LambdaLR(optimizer, lambda s: lr_factor(s, total_steps, **kw))
