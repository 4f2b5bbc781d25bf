"""The padded mini-batch that models consume (made by ``signpt.data.batching.collate``)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch


@dataclass
class PoseBatch:
    """A padded batch of B samples, T = longest sequence in the batch (<= max_frames).

    pose:        (B, T, 79, 2) float32, normalised k79 coordinates (``signpt.pose.normalise``):
                 body/face/mouth divided by the frame size, each hand relative to its own box;
                 missing points and padding are 0.
    confidence:  (B, T, 79) float32 in [0, 1]; 0 for missing points and padding.
    frame_mask:  (B, T) bool, True for real frames, False for padding.
    lengths:     (B,) int64, number of real frames.
    labels:      (B,) int64 class index, -1 where the sample has none.
    texts:       B sentences, None for unpaired samples.
    glosses:     B gloss token lists (or None).
    spoken_languages / sign_languages / ids / sources / signers: B strings each.
    """

    pose: torch.Tensor
    confidence: torch.Tensor
    frame_mask: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor
    texts: list
    glosses: list
    spoken_languages: list
    sign_languages: list
    ids: list
    sources: list
    signers: list

    def __len__(self) -> int:
        return int(self.pose.shape[0])

    def to(self, device) -> "PoseBatch":
        """Tensors moved to `device`; lists unchanged."""
        kw = {}
        for f in fields(self):
            v = getattr(self, f.name)
            kw[f.name] = v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v
        return PoseBatch(**kw)

    def pin_memory(self) -> "PoseBatch":
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, torch.Tensor):
                setattr(self, f.name, v.pin_memory())
        return self
