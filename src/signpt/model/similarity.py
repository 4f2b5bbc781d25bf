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
    """Direct computation with autograd: sign (b1,n,d), text (b2,m,d) normalised -> (b1, b2)."""
    _, _, r, w = _block_parts(sign, sign_mask, text, text_mask, word_temperature)
    return (r * w).sum(-1)


def _blocks(b1: int, b2: int, chunk: int):
    for i in range(0, b1, chunk):
        for j in range(0, b2, chunk):
            yield slice(i, i + chunk), slice(j, j + chunk)


def _block_parts(sign, sign_mask, text, text_mask, t: float):
    """Z (b1,b2,n,m), softmax weights P (exactly 0 on padding words), per-clip R (b1,b2,n), clip weights
    w (b1,b2,n): 1 / #real clips on real clips, else 0, and all 0 for a text without words (m_ij = 0)."""
    z = torch.einsum("ind,jmd->ijnm", sign, text)
    neg = torch.finfo(z.dtype).min  # finite: a text without words gives a uniform row, not NaN
    bias = torch.zeros(text_mask.shape, dtype=z.dtype, device=z.device).masked_fill_(~text_mask, neg)
    logits = z if t == 1.0 else z / t
    p = torch.softmax(logits + bias[None, :, None, :], dim=-1)
    r = (p * z).sum(-1)
    sm = sign_mask.to(z.dtype)
    w = (sm / sm.sum(-1, keepdim=True).clamp(min=1))[:, None, :] * text_mask.any(-1).to(z.dtype)[None, :, None]
    return z, p, r, w


class _ChunkedSimilarity(torch.autograd.Function):
    """Blockwise forward and hand-written blockwise backward (float32, autocast off).

    With R_k = sum_w P_kw Z_kw, P = softmax(Z / t): dR_k / dZ_kw = P_kw (1 + (Z_kw - R_k) / t), so for
    upstream G_ij: dZ_ij = G_ij w_k P_kw (1 + (Z_kw - R_k) / t), dS_i += dZ_ij W_j, dW_j += dZ_ij^T S_i,
    accumulated in place: nothing of size B1 x B2 x n x m is ever kept.
    """

    @staticmethod
    def forward(ctx, sign, sign_mask, text, text_mask, t, chunk):
        with torch.autocast(sign.device.type, enabled=False):
            sign, text = sign.float(), text.float()
            out = sign.new_empty(sign.shape[0], text.shape[0])
            for bi, bj in _blocks(sign.shape[0], text.shape[0], chunk):
                _, _, r, w = _block_parts(sign[bi], sign_mask[bi], text[bj], text_mask[bj], t)
                out[bi, bj] = (r * w).sum(-1)
        ctx.save_for_backward(sign, sign_mask, text, text_mask)
        ctx.t, ctx.chunk = t, chunk
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        sign, sign_mask, text, text_mask = ctx.saved_tensors
        t = ctx.t
        with torch.autocast(sign.device.type, enabled=False):
            grad = grad.float()
            g_sign, g_text = torch.zeros_like(sign), torch.zeros_like(text)
            for bi, bj in _blocks(sign.shape[0], text.shape[0], ctx.chunk):
                z, p, r, w = _block_parts(sign[bi], sign_mask[bi], text[bj], text_mask[bj], t)
                coef = (grad[bi, bj, None] * w).unsqueeze(-1)  # (b1,b2,n,1)
                dz = z.sub_(r.unsqueeze(-1)).mul_(coef / t).add_(coef).mul_(p)  # in place: z is not needed again
                g_sign[bi] += torch.einsum("ijnm,jmd->ind", dz, text[bj])
                g_text[bj] += torch.einsum("ijnm,ind->jmd", dz, sign[bi])
        return g_sign, None, g_text, None, None, None


def fine_grained_similarity(sign: torch.Tensor, sign_mask: torch.Tensor, text: torch.Tensor,
                            text_mask: torch.Tensor, chunk: int | None = 64, word_temperature: float = 1.0):
    """M (B1, B2): m_ij between every sign sequence i and text j (see the module docstring).

    sign (B1,n,d) with sign_mask (B1,n) bool, text (B2,m,d) with text_mask (B2,m) bool; both are L2-normalised
    here. chunk: pairs are computed in blocks of chunk x chunk, in float32, forward and (hand-written)
    backward, so no B1 x B2 x n x m tensor ever exists: memory beyond M itself is O(chunk^2 n m + (B1 n +
    B2 m) d), linear in B. chunk=None: one direct einsum over all pairs with plain autograd (the reference).
    A text with no real word gives 0 (never NaN).
    """
    sign = F.normalize(sign, dim=-1)
    text = F.normalize(text, dim=-1)
    sign_mask, text_mask = sign_mask.bool(), text_mask.bool()
    if chunk is None:
        return _block_similarity(sign, sign_mask, text, text_mask, word_temperature)
    return _ChunkedSimilarity.apply(sign, sign_mask, text, text_mask, float(word_temperature), int(chunk))


def coarse_similarity(sign: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of global features: sign (B1,d), text (B2,d) -> (B1, B2)."""
    return F.normalize(sign, dim=-1) @ F.normalize(text, dim=-1).T


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of real steps: x (B,L,D), mask (B,L) -> (B,D)."""
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(1) / m.sum(1).clamp(min=1)
