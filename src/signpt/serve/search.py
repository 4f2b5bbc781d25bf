"""Search an ``Index``: text -> clips ranked by the fine-grained similarity m_ij; clip -> nearest clips.

Text queries, two stages. With the L2-normalised sign rows s_k (n of a clip) and text rows t_w (m of the
query), m_ij = mean_k sum_w softmax_w(s_k.t_w / tau) s_k.t_w (``signpt.model.similarity``, tau the word
temperature). Stage 1 scores every clip with the same formula on at most ``GROUPS`` = 8 vectors per clip
instead of its n rows: the normalised means of the rows of 8 consecutive stretches of the clip, weighted
by their number of rows (one matrix product with the query's m rows, a softmax over m). Stage 2 re-scores the `candidates` best clips of stage 1 with the
exact m_ij, computed by the model's own ``similarity``, and ranks by it. ``benchmarks/bench_search.py``
measures how often the top-k equals the exact ranking over all clips (``first_stage=False``: m_ij of every
clip, in blocks).

Clip queries (a pose file or a clip id): cosine of the pooled vectors, computed for every clip (exact).
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from signpt.serve.index import Index
from signpt.tasks.embed import Embedder, pooled

GROUPS = 8


class Searcher:
    """Queries against `index` with `embedder` (the checkpoint the index was built with).

    candidates: clips re-scored exactly after the first stage. chunk: clips per block of the exact scan.
    Thread-safe: one query runs at a time (the model and the text-feature cache are shared).
    """

    def __init__(self, index: Index, embedder: Embedder, candidates: int = 1000, chunk: int = 4096):
        self.index = index
        self.embedder = embedder
        self.candidates = int(candidates)
        self.chunk = int(chunk)
        self.lock = threading.Lock()
        p = index.pooled
        self.unit_pooled = p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12)
        self.lengths = np.diff(index.offsets)
        self.by_length = np.argsort(self.lengths, kind="stable")  # exact scan: similar lengths share a block
        self._blocks = None
        self.temperature = embedder.word_temperature
        self.centroids, self.group_weights = _centroids(index.features, index.offsets)

    # ------------------------------------------------------------------------------------------ text queries

    def text_features(self, query: str) -> np.ndarray:
        with self.lock:
            return self.embedder.text([query])[0]

    def search_text(self, query: str, k: int = 10, first_stage: bool = True):
        """(rows (k,), scores (k,)) best first for a text query (text encoding included)."""
        return self.rank_text_features(self.text_features(query), k, first_stage)

    def rank_text_features(self, text: np.ndarray, k: int = 10, first_stage: bool = True):
        n = len(self.index)
        k = max(0, min(int(k), n))
        if k == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if first_stage and self.candidates < n:
            coarse = self.first_stage(text)
            c = max(self.candidates, k)
            rows = np.argpartition(-coarse, c - 1)[:c]
            scores = self.exact_scores(text, rows)
        else:
            rows = self.by_length
            scores = self.exact_scores(text, rows)
        return _top(rows, scores, k)

    def first_stage(self, text: np.ndarray) -> np.ndarray:
        """(N,) approximate m_ij of every clip from its group centroids (see the module docstring)."""
        t = torch.nn.functional.normalize(torch.from_numpy(np.ascontiguousarray(text, np.float32)), dim=-1)
        with torch.no_grad():
            z = t @ self.centroids.T  # (m, N * GROUPS): the softmax runs down long contiguous rows
            e = (z - z.amax(0)).mul_(1.0 / self.temperature).exp_()
            den = e.sum(0)
            r = e.mul_(z).sum(0).div_(den)
            return (r.view(-1, GROUPS) * self.group_weights).sum(1).numpy()

    def exact_scores(self, text: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """m_ij of the query `text` (m, d) and each clip of `rows`, in blocks of `chunk` clips."""
        t = torch.from_numpy(np.ascontiguousarray(text, np.float32))[None]
        tm = torch.ones(1, t.shape[1], dtype=torch.bool)
        out = np.empty(len(rows), np.float32)
        full = rows is self.by_length
        if full and self._blocks is None:  # the exact scan: padded blocks made once, kept
            self._blocks = [self._padded(rows[a: a + self.chunk]) for a in range(0, len(rows), self.chunk)]
        for a in range(0, len(rows), self.chunk):
            block = rows[a: a + self.chunk]
            sign, mask = self._blocks[a // self.chunk] if full else self._padded(block)
            with self.lock:
                out[a: a + len(block)] = self.embedder.similarity(t, tm, sign, mask)[0].numpy()
        return out

    def _padded(self, rows: np.ndarray):
        idx = self.index
        lengths = self.lengths[rows]
        n = int(lengths.max())
        d = idx.features.shape[1]
        starts = idx.offsets[rows]
        steps = np.arange(n)
        mask = steps[None, :] < lengths[:, None]
        gather = np.where(mask, starts[:, None] + steps[None, :], 0)
        sign = idx.features[gather.reshape(-1)].reshape(len(rows), n, d)
        sign[~mask] = 0.0
        return torch.from_numpy(sign), torch.from_numpy(mask)

    # ------------------------------------------------------------------------------------------ clip queries

    def search_features(self, features: np.ndarray, k: int = 10, exclude: int | None = None):
        """(rows, cosines) best first for a clip given by its projected features (n, d)."""
        q = pooled(features)
        return self._nearest(q / max(float(np.linalg.norm(q)), 1e-12), k, exclude)

    def _nearest(self, unit: np.ndarray, k: int, exclude: int | None = None):
        """(rows, cosines) best first against a unit pooled vector (d,)."""
        scores = self.unit_pooled @ unit
        if exclude is not None:
            scores[exclude] = -np.inf
        rows = np.arange(len(scores))
        k = max(0, min(int(k), len(scores) - (exclude is not None)))
        return _top(rows, scores, k)

    def search_clip(self, row: int, k: int = 10):
        """Nearest clips to indexed clip `row` (itself excluded), from its stored pooled vector."""
        return self._nearest(self.unit_pooled[row], k, exclude=row)

    def search_pose(self, sample, k: int = 10):
        """Nearest clips to a pose ``Sample`` (e.g. ``signpt.tasks.api.load_input(path)``)."""
        from signpt.data.batching import PoseDataset, collate

        ds = PoseDataset([sample], max_frames=self.embedder.max_frames, sampling="uniform")
        with self.lock:
            _, feats = self.embedder.sign(collate([ds[0]]))
        return self.search_features(feats[0], k)


def _centroids(features: np.ndarray, offsets: np.ndarray):
    """(N * GROUPS, d) normalised means of the normalised rows of each clip's GROUPS consecutive stretches
    (zeros where a clip has fewer rows than GROUPS) and (N, GROUPS) weights: rows in the stretch / rows."""
    n = np.diff(offsets)
    g = np.minimum(n, GROUPS)
    clip = np.repeat(np.arange(len(n)), n)
    pos = np.arange(len(features)) - offsets[clip]
    slot = clip * GROUPS + (pos * g[clip]) // n[clip]
    unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    sums = np.zeros((len(n) * GROUPS, features.shape[1]), np.float32)
    np.add.at(sums, slot, unit)
    cent = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    counts = np.bincount(slot, minlength=len(n) * GROUPS).reshape(-1, GROUPS)
    weights = counts / np.maximum(n, 1)[:, None]
    return torch.from_numpy(np.ascontiguousarray(cent, np.float32)), torch.from_numpy(weights.astype(np.float32))


def _top(rows: np.ndarray, scores: np.ndarray, k: int):
    """The k best (rows, scores), best first; ties by row number (deterministic)."""
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        rows, scores = rows[part], scores[part]
    order = np.lexsort((rows, -scores))[:k]
    return rows[order], scores[order]
