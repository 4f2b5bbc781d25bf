"""Sign-text retrieval metrics (R@K, median and mean rank) from a similarity matrix, both directions.

Ties, the convention of the headline figures (``ties="clip4clip"``, the default): CLIP4Clip's
``metrics.compute_metrics``, which CiCo (the sign-language retrieval code, FangyunWei/SLRT ``CiCo/CLCL``)
uses unchanged. It sorts each query's row and takes *every* position holding the correct item's score::

    sx = np.sort(-x, axis=1); d = np.diag(-x)[:, None]; ind = np.where(sx - d == 0)[1]
    R@K = 100 * mean(ind < K);  MedR = median(ind) + 1;  MeanR = mean(ind) + 1

so a query whose correct item is tied with t - 1 others, a items scoring strictly higher, contributes the t
entries a+1, ..., a+t (1-based) and R@K is the share of entries, over all entries, that are <= K. Without
ties this is the usual rank. It matters where the test set repeats a sentence (PHOENIX-2014-T, CSL-Daily):
identical texts get bit-identical features, so in V2T a video whose sentence occurs twice always ties its
text with the copy; pessimistic ranking would never count it as a hit, CLIP4Clip's counts one of its two
entries.

``ties="pessimistic"`` (stricter, reported nowhere by default): the rank of a query's correct item is
``1 + #{wrong items j : score[j] >= score[correct]}``, a tie is never a hit; one entry per query.
torchmetrics' ``RetrievalRecall`` orders ties by sort order instead and can count a tie as a hit.

Several correct items for a query (a ``positives`` mask): the best-scored correct item counts and only wrong
items can push it down or tie with it (with one correct item per query this is exactly the rules above).

R@K in %. MedR = median rank (numpy median: the mean of the two middle entries for an even number, e.g. 4.5).
MnR = mean rank.

Directions: ``sim[t, v]`` is the similarity of text t and sign video v. T2V ranks the videos of each text
(rows); V2T ranks the texts of each video (columns).

``chunked_similarity`` computes a full matrix block by block with fixed-size blocks, so each score only
depends on its own query/item pair, never on which other samples shared a batch.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

RECALL_KS = (1, 5, 10)
TIES = ("clip4clip", "pessimistic")


def ranks_from_similarity(sim: torch.Tensor | np.ndarray, positives: torch.Tensor | np.ndarray | None = None) -> np.ndarray:
    """Pessimistic 1-based rank of the correct item for every query (row) that has one.

    sim: (Q, N) scores, higher = more similar. positives: (Q, N) bool mask of correct items, or (Q,) int
    index of the one correct item per query, or None for the diagonal of a square matrix. Rows without any
    correct item are skipped. Returns int64 (Q',).
    """
    above, tied = _above_and_tied(sim, positives)
    return above + tied


def rank_entries(sim: torch.Tensor | np.ndarray, positives: torch.Tensor | np.ndarray | None = None,
                 ties: str = "clip4clip") -> tuple[np.ndarray, int]:
    """(1-based rank entries, number of queries) under a tie convention (see the module docstring).

    "pessimistic": one entry per query, ``ranks_from_similarity``. "clip4clip": a query whose correct item
    has `a` wrong items strictly above it and `t - 1` tied with it gives the entries a+1, ..., a+t.
    """
    if ties not in TIES:
        raise ValueError(f"retrieval: ties must be one of {TIES}, got {ties!r}")
    above, tied = _above_and_tied(sim, positives)
    if ties == "pessimistic":
        return above + tied, int(above.size)
    entries = np.concatenate([np.arange(a + 1, a + t + 1) for a, t in zip(above.tolist(), tied.tolist())]) \
        if above.size else np.zeros(0, np.int64)
    return entries.astype(np.int64), int(above.size)


def _above_and_tied(sim, positives) -> tuple[np.ndarray, np.ndarray]:
    """Per query with a correct item: (#wrong items scoring above the best correct one, 1 + #wrong items tied
    with it), int64 arrays."""
    s = torch.as_tensor(sim)
    if not s.is_floating_point():
        s = s.double()
    if s.ndim != 2:
        raise ValueError(f"retrieval: similarity must be 2-D (queries, items), got shape {tuple(s.shape)}")
    if torch.isnan(s).any():
        raise ValueError("retrieval: similarity matrix contains NaN")
    mask = _positives_mask(positives, tuple(s.shape))
    keep = mask.any(dim=1)
    if not bool(keep.all()):
        s, mask = s[keep], mask[keep]
    best_pos = s.masked_fill(~mask, -torch.inf).amax(dim=1, keepdim=True)
    wrong = ~mask
    above = ((s > best_pos) & wrong).sum(dim=1)
    tied = ((s == best_pos) & wrong).sum(dim=1) + 1
    return above.numpy().astype(np.int64), tied.numpy().astype(np.int64)


def _positives_mask(positives, shape: tuple[int, int]) -> torch.Tensor:
    q, n = shape
    if positives is None:
        if q != n:
            raise ValueError(f"retrieval: without ground truth the matrix must be square (one-to-one), got {q}x{n}")
        return torch.eye(q, dtype=torch.bool)
    p = torch.as_tensor(positives)
    if p.ndim == 1:
        if p.shape[0] != q:
            raise ValueError(f"retrieval: {p.shape[0]} ground-truth indices for {q} queries")
        p = p.long()
        if p.numel() and (int(p.min()) < 0 or int(p.max()) >= n):
            raise ValueError(f"retrieval: ground-truth indices must lie in [0, {n})")
        mask = torch.zeros(q, n, dtype=torch.bool)
        mask[torch.arange(q), p] = True
        return mask
    if tuple(p.shape) != (q, n):
        raise ValueError(f"retrieval: positives mask shape {tuple(p.shape)} != similarity shape {(q, n)}")
    return p.bool()


@dataclass
class RankScores:
    """One direction: ``recall[k]`` in %, ``median_rank``, ``mean_rank``, ``num_queries``."""

    recall: dict[int, float]
    median_rank: float
    mean_rank: float
    num_queries: int


def rank_scores(ranks: np.ndarray, ks: Sequence[int] = RECALL_KS, num_queries: int | None = None) -> RankScores:
    """R@K (%), median and mean rank of 1-based ranks (or rank entries, see ``rank_entries``); num_queries
    defaults to the number of ranks."""
    r = np.asarray(ranks)
    if r.size == 0:
        raise ValueError("retrieval: no query has a correct item")
    n = int(r.size) if num_queries is None else int(num_queries)
    return RankScores({k: 100.0 * float((r <= k).mean()) for k in ks}, float(np.median(r)), float(r.mean()), n)


@dataclass
class RetrievalScores:
    """Text-to-video (``t2v``) and video-to-text (``v2t``) scores."""

    t2v: RankScores
    v2t: RankScores

    def to_dict(self) -> dict[str, float | int]:
        """Keys as the retrieval tables use them: ``t2v_r1 t2v_r5 t2v_r10 t2v_medr t2v_mnr`` and ``v2t_*``."""
        out: dict[str, float | int] = {}
        for name, d in (("t2v", self.t2v), ("v2t", self.v2t)):
            for k, v in d.recall.items():
                out[f"{name}_r{k}"] = v
            out[f"{name}_medr"] = d.median_rank
            out[f"{name}_mnr"] = d.mean_rank
            out[f"{name}_queries"] = d.num_queries
        return out


def retrieval_scores(
    sim_t2v: torch.Tensor | np.ndarray,
    positives: torch.Tensor | np.ndarray | None = None,
    ks: Sequence[int] = RECALL_KS,
    ties: str = "clip4clip",
) -> RetrievalScores:
    """Both directions from one (texts, videos) similarity matrix.

    positives: None (square, text i pairs with video i), (T,) video index per text, or (T, V) bool mask.
    V2T uses the transposed matrix and mask; videos that no text describes are skipped in V2T.
    ties: "clip4clip" (CLIP4Clip's / CiCo's ``compute_metrics``, the headline figures) or "pessimistic"
    (see the module docstring).
    """
    s = torch.as_tensor(sim_t2v)
    mask = _positives_mask(positives, tuple(s.shape))
    t2v = rank_scores(*_entries_and_ks(s, mask, ks, ties))
    v2t = rank_scores(*_entries_and_ks(s.T, mask.T, ks, ties))
    return RetrievalScores(t2v, v2t)


def _entries_and_ks(s, mask, ks, ties):
    entries, n = rank_entries(s, mask, ties)
    return entries, ks, n


def chunked_similarity(
    queries: torch.Tensor | Sequence[torch.Tensor],
    items: torch.Tensor | Sequence[torch.Tensor],
    fn: Callable[..., torch.Tensor],
    *,
    chunk_size: int = 256,
) -> torch.Tensor:
    """Full (Q, N) similarity matrix computed in blocks of exactly ``chunk_size`` queries x items.

    queries/items: a tensor or a tuple of tensors (e.g. ``(features, mask)``) sliced along dim 0.
    fn(*query_chunk, *item_chunk) -> (q, n) scores for the pairs of a block. Block sizes are
    ``cq = min(chunk_size, Q)`` and ``ci = min(chunk_size, N)``; the last block on each side is padded (with
    copies of its first row) to that size so every call sees the same shapes; the padding is dropped.
    Runs under ``torch.no_grad()``; the result is float32 on the CPU.
    """
    if chunk_size < 1:
        raise ValueError(f"chunked_similarity: chunk_size must be >= 1, got {chunk_size}")
    qs = (queries,) if isinstance(queries, torch.Tensor) else tuple(queries)
    its = (items,) if isinstance(items, torch.Tensor) else tuple(items)
    nq, ni = qs[0].shape[0], its[0].shape[0]
    if any(t.shape[0] != nq for t in qs) or any(t.shape[0] != ni for t in its):
        raise ValueError("chunked_similarity: the tensors of one side must share their first dimension")
    if nq == 0 or ni == 0:
        raise ValueError(f"chunked_similarity: empty input ({nq} queries, {ni} items)")
    cq, ci = min(chunk_size, nq), min(chunk_size, ni)
    out = torch.empty(nq, ni, dtype=torch.float32)
    with torch.no_grad():
        for a in range(0, nq, cq):
            qa = _padded_chunk(qs, a, cq)
            na = min(cq, nq - a)
            for b in range(0, ni, ci):
                ib = _padded_chunk(its, b, ci)
                nb = min(ci, ni - b)
                block = fn(*qa, *ib)
                if tuple(block.shape) != (cq, ci):
                    raise ValueError(f"chunked_similarity: fn returned shape {tuple(block.shape)} for a {cq}x{ci} block")
                out[a:a + na, b:b + nb] = block[:na, :nb].float().cpu()
    return out


def _padded_chunk(tensors: tuple[torch.Tensor, ...], start: int, size: int) -> tuple[torch.Tensor, ...]:
    out = []
    for t in tensors:
        c = t[start:start + size]
        if c.shape[0] < size:
            c = torch.cat([c, c[:1].expand(size - c.shape[0], *c.shape[1:])], dim=0)
        out.append(c)
    return tuple(out)
