"""From corpus samples to padded ``PoseBatch`` es: temporal sampling, normalisation, padding.

Distributed training and data-loader workers: ``PoseDataset`` is a map-style dataset, so partitioning is
torch's. Give the DataLoader a ``torch.utils.data.DistributedSampler(dataset, num_replicas=world, rank=rank,
shuffle=True, seed=s)`` and call ``sampler.set_epoch(epoch)`` each epoch: every rank draws the same
permutation and takes ``indices[rank::world]``; the DataLoader then hands whole batches of those indices to
its workers round-robin, so each index is loaded by exactly one worker of one rank. When ``len(dataset)``
is not a multiple of ``world``, DistributedSampler repeats the first few indices of the permutation
(``drop_last=False``, at most world-1 samples seen twice) or drops them (``drop_last=True``) so that all
ranks run the same number of steps, as DDP requires. For exact once-only passes (evaluation), index each
rank a ``PoseDataset(corpus.partition(rank, world))`` with a plain sequential sampler instead.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from torch.utils.data import Dataset

from signpt.data.batch import PoseBatch
from signpt.data.schema import Sample

SAMPLING = ("uniform", "random", "center")


def sample_indices(num_frames: int, n: int, sampling: str, rng: np.random.Generator | None = None) -> np.ndarray:
    """`n` frame indices (sorted, int64) into a sequence of `num_frames` = T frames.

      uniform: evenly spaced from the first to the last frame, floor(k * (T - 1) / (n - 1) + 0.5);
      center:  the middle frame of each of n equal segments, floor((k + 0.5) * T / n)  (TSN's test sampling);
      random:  a random frame of each segment, floor((k + u_k) * T / n), u_k ~ U[0, 1)  (TSN's training
               sampling; its expectation is ``center``, so train and test see the same speed and coverage).
    The ISLR recipe of SignBERT+ (32 frames, random for training, centred for testing) is
    ``random`` / ``center``. When T < n the same formulas repeat frames (nearest-neighbour stretch: each
    frame appears floor(n/T) or ceil(n/T) times, in order), so exactly n indices come back for any T >= 1.
    """
    if sampling not in SAMPLING:
        raise ValueError(f"sampling must be one of {SAMPLING}, got {sampling!r}")
    if num_frames < 1 or n < 1:
        raise ValueError(f"need num_frames >= 1 and n >= 1, got {num_frames}, {n}")
    k = np.arange(n, dtype=np.float64)
    if sampling == "uniform":
        idx = np.floor(k * (num_frames - 1) / max(n - 1, 1) + 0.5)
    else:
        if sampling == "random":
            offset = (rng if rng is not None else np.random.default_rng()).random(n)
        else:
            offset = 0.5
        idx = np.floor((k + offset) * num_frames / n)
    return np.minimum(idx.astype(np.int64), num_frames - 1)


class PoseDataset(Dataset):
    """Map-style dataset of corpus samples with temporal sampling applied.

    corpus_view: a ``signpt.data.store.Corpus`` (or any sequence of Samples).
    max_frames:  sequences longer than this are subsampled to it with `sampling` (the paper's 256);
                 shorter ones are returned whole.
    num_frames:  if given, every sample gets exactly this many frames (ISLR: 32; ``sampling="random"`` for
                 training, ``"center"`` for testing), repeating frames of shorter ones (see ``sample_indices``).
    seed:        random sampling draws from ``np.random.default_rng((seed, epoch, index))``: reproducible,
                 independent of worker layout; call ``set_epoch`` each epoch for new draws (persistent
                 workers keep the epoch they were created with).
    mirror_prob: chance that an item is mirrored left-right (``signpt.pose.mirror``: a right-handed rendition
                 becomes a left-handed one), drawn from its own stream ``(seed, epoch, index, 1)``, so the
                 frames kept do not depend on it; 0 = off (evaluation).
    augment:     ranges of a random affine map per item (``signpt.pose.augment.AffineSpec`` or its dict: rotate,
                 scale, aspect, shift), drawn from the stream ``(seed, epoch, index, 2)``; None = off (evaluation).
    Items are Samples (keypoints (T', 79, 2) float16 pixels, confidence (T', 79)); ``meta["frame_indices"]``
    records which source frames were kept.
    """

    def __init__(self, corpus_view, max_frames: int = 256, sampling: str = "uniform",
                 num_frames: int | None = None, seed: int = 0, mirror_prob: float = 0.0, augment=None):
        if sampling not in SAMPLING:
            raise ValueError(f"sampling must be one of {SAMPLING}, got {sampling!r}")
        if max_frames < 1 or (num_frames is not None and num_frames < 1):
            raise ValueError("max_frames and num_frames must be >= 1")
        self.corpus = corpus_view
        self.max_frames = max_frames
        self.sampling = sampling
        self.num_frames = num_frames
        self.seed = seed
        self.epoch = 0
        if not 0.0 <= mirror_prob <= 1.0:
            raise ValueError(f"mirror_prob must be in [0, 1], got {mirror_prob}")
        self.mirror_prob = float(mirror_prob)
        from signpt.pose.augment import AffineSpec

        self.augment = augment if isinstance(augment, AffineSpec) or augment is None else AffineSpec.from_dict(augment)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.corpus)

    def __getitem__(self, index: int) -> Sample:
        s = self._sampled(index)
        p = self.mirror_prob
        if p > 0 and np.random.default_rng((self.seed, self.epoch, int(index), 1)).random() < p:
            from signpt.pose.mirror import mirror_pixels

            kp, conf = mirror_pixels(s.keypoints, s.confidence, s.frame_size)
            s = replace(s, keypoints=kp.astype(s.keypoints.dtype), confidence=conf.astype(s.confidence.dtype),
                        meta={**s.meta, "mirrored": True})
        if self.augment is not None:
            from signpt.pose.augment import affine_pixels

            angle, scale, aspect, dx, dy = self.augment.draw(np.random.default_rng((self.seed, self.epoch, int(index), 2)))
            kp = affine_pixels(s.keypoints, s.confidence, s.frame_size, angle, scale, aspect, (dx, dy))
            s = replace(s, keypoints=kp.astype(np.float32), meta={**s.meta, "affine": [angle, scale, aspect, dx, dy]})
        return s

    def _sampled(self, index: int) -> Sample:
        s = self.corpus[index]
        t = s.num_frames
        if self.num_frames is not None:
            n = self.num_frames
        elif t > self.max_frames:
            n = self.max_frames
        else:
            return s
        rng = np.random.default_rng((self.seed, self.epoch, int(index))) if self.sampling == "random" else None
        idx = sample_indices(t, n, self.sampling, rng)
        return replace(s, keypoints=s.keypoints[idx], confidence=s.confidence[idx],
                       meta={**s.meta, "frame_indices": idx.tolist()})


def collate(samples: list[Sample]) -> PoseBatch:
    """Normalise each sample with ``signpt.pose.normalise`` and pad to the longest T of the batch.

    pose (B, T, 79, 2) float32 normalised, confidence (B, T, 79) float32, both 0 on padding;
    frame_mask (B, T) True for real frames; lengths (B,); labels (B,) with -1 where a sample has none;
    texts None for unpaired samples (empty text counts as unpaired).
    """
    from signpt.pose import normalise

    if not samples:
        raise ValueError("collate needs at least one sample")
    b = len(samples)
    t_max = max(s.num_frames for s in samples)
    pose = torch.zeros(b, t_max, 79, 2, dtype=torch.float32)
    conf = torch.zeros(b, t_max, 79, dtype=torch.float32)
    mask = torch.zeros(b, t_max, dtype=torch.bool)
    lengths = torch.zeros(b, dtype=torch.int64)
    for i, s in enumerate(samples):
        t = s.num_frames
        kp = np.asarray(s.keypoints, dtype=np.float32)
        c = np.asarray(s.confidence, dtype=np.float32)
        normed, _ = normalise(kp, c, tuple(s.frame_size))
        pose[i, :t] = torch.from_numpy(np.asarray(normed, dtype=np.float32))
        conf[i, :t] = torch.from_numpy(c)
        mask[i, :t] = True
        lengths[i] = t
    return PoseBatch(
        pose=pose, confidence=conf, frame_mask=mask, lengths=lengths,
        labels=torch.tensor([-1 if s.label is None else int(s.label) for s in samples], dtype=torch.int64),
        texts=[s.text if s.text else None for s in samples],
        glosses=[list(s.gloss) if s.gloss is not None else None for s in samples],
        spoken_languages=[s.spoken_language for s in samples],
        sign_languages=[s.sign_language for s in samples],
        ids=[s.id for s in samples],
        sources=[s.source for s in samples],
        signers=[s.signer for s in samples],
    )
