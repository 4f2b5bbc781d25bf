"""Sign-text similarity: the paper's fine-grained module ψ_FSTS (Eq. 4 and the text after it) and the
coarse-grained alternative of Table XVIII.

Reading of the paper, for sign i (n pooled clips) and text j (m words), features L2-normalised:
    Z      = F_sign,i F_text,j^T                       (n x m cosine similarities)
    Ẑ      = softmax_row(Z / t_w) ⊙ Z                  ("softmax to each row of Z, multiplied with Z": elementwise)
    r_k    = sum_w Ẑ[k, w]                             ("row-wise addition": one value per sign clip)
    m_ij   = mean_k r_k                                ("average all elements")
i.e. each clip's similarity is the softmax-weighted mean of its word similarities, then averaged over clips.
t_w (`word_temperature`) is 1 in the paper's text (the default); padding words get weight 0 (masked before the
softmax, zeroed after) and padding clips are left out of the mean.
The coarse-grained setting is the special case n = m = 1 (one global vector each): m_ij = cosine.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def avg_pool_time(x: torch.Tensor, mask: torch.Tensor, window: int):
    """AvgPool(F, s) over time respecting padding. x (B,T,D), mask (B,T) bool -> ((B,n,D), (B,n) bool),
    n = ceil(T / s), stride s. A window averages its real frames only; a window of padding only is masked
    (its features are 0)."""
    b, t, d = x.shape
    n = -(-t // window)
    pad = n * window - t
    m = mask.to(x.dtype)
    if pad:
        x = F.pad(x, (0, 0, 0, pad))
        m = F.pad(m, (0, pad))
    x = (x * m.unsqueeze(-1)).view(b, n, window, d).sum(2)
    count = m.view(b, n, window).sum(2)
    return x / count.clamp(min=1).unsqueeze(-1), count > 0


def _block_similarity(sign, sign_mask, text, text_mask, word_temperature: float):
    """Direct computation for a block: sign (b1,n,d), text (b2,m,d) normalised -> (b1, b2)."""
    z = torch.einsum("ind,jmd->ijnm", sign, text)
    tm = text_mask[None, :, None, :]
    logits = (z / word_temperature).masked_fill(~tm, torch.finfo(z.dtype).min)
    weights = torch.softmax(logits, dim=-1) * tm
    per_clip = (weights * z).sum(-1)  # (b1, b2, n)
    sm = sign_mask[:, None, :].to(z.dtype)
    return (per_clip * sm).sum(-1) / sm.sum(-1).clamp(min=1)


def fine_grained_similarity(sign: torch.Tensor, sign_mask: torch.Tensor, text: torch.Tensor,
                            text_mask: torch.Tensor, chunk: int | None = 64, word_temperature: float = 1.0):
    """M (B1, B2): m_ij between every sign sequence i and text j (see the module docstring).

    sign (B1,n,d) with sign_mask (B1,n) bool, text (B2,m,d) with text_mask (B2,m) bool; both are L2-normalised
    here. chunk: blocks of chunk x chunk pairs are computed one at a time and, when gradients are needed,
    recomputed in backward (activation checkpointing), so the B1 x B2 x n x m tensor never exists and memory
    beyond M itself is O(chunk^2 n m + (B1 n + B2 m) d). chunk=None: one direct einsum over all pairs.
    A text with no real word gives 0 (never NaN).
    """
    sign = F.normalize(sign, dim=-1)
    text = F.normalize(text, dim=-1)
    sign_mask, text_mask = sign_mask.bool(), text_mask.bool()
    if chunk is None or (sign.shape[0] <= chunk and text.shape[0] <= chunk):
        return _block_similarity(sign, sign_mask, text, text_mask, word_temperature)
    grad = torch.is_grad_enabled() and (sign.requires_grad or text.requires_grad)
    rows = []
    for i in range(0, sign.shape[0], chunk):
        s, sm = sign[i: i + chunk], sign_mask[i: i + chunk]
        cols = []
        for j in range(0, text.shape[0], chunk):
            args = (s, sm, text[j: j + chunk], text_mask[j: j + chunk], word_temperature)
            cols.append(checkpoint(_block_similarity, *args, use_reentrant=False) if grad
                        else _block_similarity(*args))
        rows.append(torch.cat(cols, dim=1))
    return torch.cat(rows, dim=0)


def coarse_similarity(sign: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of global features: sign (B1,d), text (B2,d) -> (B1, B2)."""
    return F.normalize(sign, dim=-1) @ F.normalize(text, dim=-1).T


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of real steps: x (B,L,D), mask (B,L) -> (B,D)."""
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(1) / m.sum(1).clamp(min=1)
