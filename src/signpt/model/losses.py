"""Objectives: pose reconstruction L_PR (Eq. 3) and the sign-text contrastive loss L_STC (Eq. 5).

``SignTextContrastive`` is the one contrastive loss of pre-training (``PretrainModel``) and of retrieval
fine-tuning (``signpt.tasks.retrieval``): it owns the learnable temperature, the similarity (fine-grained
ψ_FSTS or coarse cosine) and, under torch.distributed, the gather of negatives from every rank with
gradient and the label offsets by rank, as open_clip's ``ClipLoss`` does.
"""
from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from signpt.train.distributed import gather_with_grad, is_distributed, rank, world_size


def pose_reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                             confidence: torch.Tensor, *, global_mean: bool = True,
                             norm: str = "squared") -> torch.Tensor:
    """L_PR (Eq. 3) = sum_{b,t,k} M C ||V_rec - V||^2 / sum_{b,t,k} M C.

    pred / target (B,T,K,2), mask M (B,T,K) (1 = masked point), confidence C (B,T,K). ||.||^2 is the squared
    Euclidean error of the point (x and y summed), so the loss is the confidence-weighted mean squared error
    per masked point over the whole batch (the paper's sum over samples, normalised to be independent of B).
    norm="l2": the Euclidean error itself, unsquared, as Eq. 3 writes it (||.||_2; gradient of unit size per
    point whatever the error, where the squared error's shrinks with it; benchmarks/pr_baselines.py).
    With a process group and `global_mean`, the denominator is the all-reduced global sum divided by the world
    size: the mean over ranks of this value (and DDP's averaged gradient) equals the single-process loss of
    the concatenated batch. 0 (with gradient) when nothing is masked.
    """
    if norm not in ("squared", "l2"):
        raise ValueError(f"norm must be 'squared' or 'l2', got {norm!r}")
    weight = mask.to(pred.dtype) * confidence.to(pred.dtype)
    err = (pred - target).pow(2).sum(-1)
    if norm == "l2":
        err = err.clamp(min=1e-12).sqrt()  # finite gradient at a perfect prediction
    num = (weight * err).sum()
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


def _pad_dim1(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[1] == size:
        return x
    pad = [0, 0] * (x.dim() - 2) + [0, size - x.shape[1]]
    return F.pad(x, pad)


class SignTextContrastive(nn.Module):
    """L_STC (Eq. 5): symmetric InfoNCE between projected sign and text sequences, with a learnable τ.

    forward(sign (B,n,d), sign_mask (B,n), text (B,m,d), text_mask (B,m), valid (B,) bool | None) -> scalar.
    Row i of the sign side pairs with row i of the text side; rows with ``valid`` False (samples without
    text) are neither queries nor candidates. similarity: "fine" (ψ_FSTS, ``fine_grained_similarity`` with
    `word_temperature`, computed in blocks of `chunk`) or "coarse" (cosine of one global vector per side:
    n = m = 1). τ: ``LogitScale(init_temperature, max_logit_scale)``.

    Under torch.distributed (every rank passes the same B) the features are gathered from all ranks with
    gradient; each rank scores its local rows against the global candidates with labels offset by
    rank * B, and the loss is normalised by (valid pairs in the global batch) / world size, so that the mean
    over ranks of the loss, and DDP's averaged gradient, equal the single-process loss of the concatenated
    batch. Without a process group this is Eq. 5 on the local batch.
    """

    def __init__(self, similarity: str = "fine", word_temperature: float = 1.0, init_temperature: float = 0.07,
                 max_logit_scale: float = 100.0, chunk: int | None = 64):
        super().__init__()
        if similarity not in ("fine", "coarse"):
            raise ValueError(f"similarity must be 'fine' or 'coarse', got {similarity!r}")
        self.kind = similarity
        self.word_temperature = float(word_temperature)
        self.chunk = chunk
        self.logit_scale = LogitScale(init_temperature, max_logit_scale)

    def extra_repr(self) -> str:
        return f"similarity={self.kind!r}, word_temperature={self.word_temperature}, chunk={self.chunk}"

    def temperature(self) -> torch.Tensor:
        """τ = 1 / scale (detached scalar)."""
        return (1.0 / self.logit_scale()).detach()

    def similarity(self, sign: torch.Tensor, sign_mask: torch.Tensor, text: torch.Tensor,
                   text_mask: torch.Tensor, chunk: int | None | str = "default") -> torch.Tensor:
        """M (B1, B2) between sign (B1,n,d) and text (B2,m,d) sequences (fine or coarse, see the class).
        chunk: block size of the fine-grained computation ("default": the module's; None: direct einsum)."""
        from signpt.model.similarity import coarse_similarity, fine_grained_similarity

        if self.kind == "coarse":
            if sign.shape[1] != 1 or text.shape[1] != 1:
                raise ValueError(f"coarse similarity takes one vector per sample, got n={sign.shape[1]}, "
                                 f"m={text.shape[1]}")
            sim = coarse_similarity(sign[:, 0], text[:, 0])
            has = sign_mask[:, 0].bool()[:, None] & text_mask[:, 0].bool()[None, :]
            return sim * has.to(sim.dtype)
        return fine_grained_similarity(sign, sign_mask, text, text_mask,
                                       self.chunk if chunk == "default" else chunk, self.word_temperature)

    def forward(self, sign: torch.Tensor, sign_mask: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor,
                valid: torch.Tensor | None = None) -> torch.Tensor:
        b = sign.shape[0]
        if text.shape[0] != b:
            raise ValueError(f"{b} sign sequences but {text.shape[0]} texts")
        sign_mask, text_mask = sign_mask.bool(), text_mask.bool()
        valid = torch.ones(b, dtype=torch.bool, device=sign.device) if valid is None else valid.bool()
        sign, text = sign.float(), text.float()
        world = world_size() if is_distributed() else 1
        if world > 1:
            sizes = torch.tensor([sign.shape[1], text.shape[1], b], device=sign.device)
            high = sizes.clone()
            dist.all_reduce(high, op=dist.ReduceOp.MAX)
            if int(high[2]) != b:
                raise ValueError(f"contrastive loss under DDP needs the same batch size on every rank "
                                 f"(this rank {b}, largest {int(high[2])})")
            sign, sign_mask = _pad_dim1(sign, int(high[0])), _pad_dim1(sign_mask, int(high[0]))
            text, text_mask = _pad_dim1(text, int(high[1])), _pad_dim1(text_mask, int(high[1]))
            all_sign, all_text = gather_with_grad(sign), gather_with_grad(text)
            all_sign_mask = gather_with_grad(sign_mask.float()) > 0.5
            all_text_mask = gather_with_grad(text_mask.float()) > 0.5
            all_valid = gather_with_grad(valid.float()) > 0.5
        else:
            all_sign, all_text, all_sign_mask, all_text_mask, all_valid = sign, text, sign_mask, text_mask, valid
        labels = torch.arange(b, device=sign.device) + rank() * b
        sim_s2t = self.similarity(sign, sign_mask, all_text, all_text_mask)  # local signs vs all texts
        sim_t2s = self.similarity(all_sign, all_sign_mask, text, text_mask).T  # local texts vs all signs
        per_rank = all_valid.sum().clamp(min=1).to(sim_s2t.dtype) / world  # N_paired_global / world
        scale = self.logit_scale()
        return 0.5 * (contrastive_loss(sim_s2t, scale, labels, valid, all_valid, per_rank)
                      + contrastive_loss(sim_t2s, scale, labels, valid, all_valid, per_rank))


def rename_legacy_logit_scale(state_dict: dict, prefix: str = "") -> dict:
    """Checkpoints written before ``SignTextContrastive`` stored τ as ``logit_scale.log_scale``; it is now
    ``contrastive.logit_scale.log_scale``. Renames in place (and returns) `state_dict`."""
    old, new = prefix + "logit_scale.log_scale", prefix + "contrastive.logit_scale.log_scale"
    if old in state_dict and new not in state_dict:
        state_dict[new] = state_dict.pop(old)
    return state_dict


def legacy_state_dict_hook(state_dict, prefix, *args, **kwargs) -> None:
    """``load_state_dict`` pre-hook of models that own a ``contrastive`` loss (see rename_legacy_logit_scale)."""
    rename_legacy_logit_scale(state_dict, prefix)
