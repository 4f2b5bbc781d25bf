"""A tiny model + dataset with the shape of the pre-training problem (masked reconstruction + CLIP loss with
cross-rank negatives), small enough for tests that train for a few steps in well under a second."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from signpt.train.distributed import gather_with_grad


class ToyData(torch.utils.data.Dataset):
    """n items {"x": (T, dim) float32, "y": (dim,) float32}; x gets numpy-random jitter (data augmentation
    drawn from the global numpy RNG, as a dataset's random temporal sampling would)."""

    def __init__(self, n: int = 48, T: int = 6, dim: int = 8, seed: int = 0, jitter: float = 0.1):
        g = np.random.default_rng(seed)
        self.y = g.normal(size=(n, dim)).astype(np.float32)
        self.x = (self.y[:, None, :] + 0.3 * g.normal(size=(n, T, dim))).astype(np.float32)
        self.jitter = jitter

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i] + self.jitter * np.random.standard_normal(self.x[i].shape).astype(np.float32)
        return {"x": torch.from_numpy(x), "y": torch.from_numpy(self.y[i])}


def collate(items):
    return {"x": torch.stack([it["x"] for it in items]), "y": torch.stack([it["y"] for it in items])}


def clip_loss(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over the global batch: a, b (B_local, d) L2-normalised; negatives from all ranks."""
    ga, gb = gather_with_grad(a), gather_with_grad(b)
    logits = logit_scale * ga @ gb.t()
    target = torch.arange(len(ga), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


class ToyModel(nn.Module):
    def __init__(self, dim: int = 8, hidden: int = 16, mask_ratio: float = 0.4, sleep: float = 0.0,
                 contrastive: bool = True):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, hidden), nn.LayerNorm(hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.dec = nn.Linear(hidden, dim)
        self.text = nn.Linear(dim, hidden)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.frozen = nn.Linear(dim, dim)
        self.frozen.requires_grad_(False)
        self.mask_ratio, self.sleep, self.contrastive = mask_ratio, sleep, contrastive

    def forward(self, batch):
        if self.sleep:
            import time

            time.sleep(self.sleep)
        x, y = batch["x"], batch["y"]
        mask = (torch.rand(x.shape[:2], device=x.device) < self.mask_ratio).float()  # global torch RNG
        h = self.enc(x * (1 - mask[..., None]))
        err = ((self.dec(h) - x) ** 2).mean(-1)
        loss_pr = (err * mask).sum() / mask.sum().clamp(min=1) if self.mask_ratio > 0 else err.mean()
        s = F.normalize(h.mean(1), dim=-1)
        t = F.normalize(self.text(self.frozen(y)), dim=-1)
        loss_stc = clip_loss(s, t, self.logit_scale.exp().clamp(max=100)) if self.contrastive else 0 * s.sum()
        return {"loss": loss_pr + loss_stc, "loss_pr": loss_pr, "loss_stc": loss_stc,
                "temperature": 1 / self.logit_scale.exp().detach()}
