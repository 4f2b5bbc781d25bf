"""Pre-training objectives: pose reconstruction L_PR (Eq. 3), sign-text contrastive L_STC (Eq. 5)."""
from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from signpt.train.distributed import is_distributed, world_size


def pose_reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                             confidence: torch.Tensor, *, global_mean: bool = True) -> torch.Tensor:
    """L_PR (Eq. 3) = sum_{b,t,k} M C ||V_rec - V||^2 / sum_{b,t,k} M C.

    pred / target (B,T,K,2), mask M (B,T,K) (1 = masked point), confidence C (B,T,K). ||.||^2 is the squared
    Euclidean error of the point (x and y summed), so the loss is the confidence-weighted mean squared error
    per masked point over the whole batch (the paper's sum over samples, normalised to be independent of B).
    With a process group and `global_mean`, the denominator is the all-reduced global sum divided by the world
    size: the mean over ranks of this value (and DDP's averaged gradient) equals the single-process loss of
    the concatenated batch. 0 (with gradient) when nothing is masked.
    """
    weight = mask.to(pred.dtype) * confidence.to(pred.dtype)
    num = (weight * (pred - target).pow(2).sum(-1)).sum()
    den = weight.sum().detach()
    if global_mean and is_distributed() and world_size() > 1:
        den = den.clone()
        dist.all_reduce(den)
        den = den / world_size()
    return num / den.clamp(min=1e-6)


class LogitScale(nn.Module):
    """CLIP's learnable temperature: parameter log(1/τ), τ initialised to 0.07, exp clamped to <= 100."""

    def __init__(self, init_temperature: float = 0.07, max_scale: float = 100.0):
        super().__init__()
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))
        self.max_log = math.log(max_scale)

    def forward(self) -> torch.Tensor:
        """The scale 1/τ (scalar tensor)."""
        return self.log_scale.clamp(max=self.max_log).exp()


def contrastive_loss(similarity: torch.Tensor, scale: torch.Tensor, labels: torch.Tensor | None = None,
                     row_valid: torch.Tensor | None = None, col_valid: torch.Tensor | None = None,
                     normaliser: float | torch.Tensor | None = None) -> torch.Tensor:
    """One direction of InfoNCE: rows = queries, columns = candidates.

    similarity (R, C) m_ij; scale = 1/τ; labels (R,) column index of each row's positive (default arange);
    row_valid (R,) rows that count; col_valid (C,) columns that are candidates.
    Returns sum over valid rows of -log softmax(scale * M)[r, labels[r]] / normaliser (default: valid rows).
    """
    logits = similarity * scale
    if col_valid is not None:
        logits = logits.masked_fill(~col_valid.bool().unsqueeze(0), torch.finfo(logits.dtype).min)
    if labels is None:
        labels = torch.arange(similarity.shape[0], device=similarity.device)
    ce = F.cross_entropy(logits, labels, reduction="none")
    if row_valid is not None:
        ce = ce * row_valid.to(ce.dtype)
        count = row_valid.sum()
    else:
        count = torch.tensor(ce.shape[0], device=ce.device)
    return ce.sum() / (count.clamp(min=1) if normaliser is None else normaliser)


def symmetric_info_nce(similarity: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Eq. 5 on a full (B, B) matrix M with positives on the diagonal:
    1/(2B) sum_i -[log softmax_j(M/τ)_ii + log softmax_j(M^T/τ)_ii]."""
    return 0.5 * (contrastive_loss(similarity, scale) + contrastive_loss(similarity.T, scale))
