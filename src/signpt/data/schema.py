"""The unit of a corpus: one pose sequence with its annotations."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCHEMA_VERSION = 1

SPLITS = ("pretrain", "train", "dev", "test")
"""Conventional split names. ``pretrain`` holds samples used only for pre-training; downstream tasks use
train/dev/test of a source. Pre-training reads ``pretrain`` and, by default, ``train`` too (never dev/test)."""


@dataclass
class Sample:
    """One corpus sample.

    keypoints:  (T, 79, 2) float16, pixel coordinates in the k79 layout, as estimated (not normalised).
    confidence: (T, 79) float16 in [0, 1], 0 = missing.
    text:       the sentence paired with the pose (isolated glosses already through the template);
                None for unpaired samples (they take part in pose reconstruction only).
    gloss:      gloss sequence (list of tokens) or None.
    label:      class index for isolated signs (ISLR) or None.
    """

    id: str
    source: str
    sign_language: str
    spoken_language: str
    split: str
    keypoints: np.ndarray
    confidence: np.ndarray
    fps: float
    frame_size: tuple[int, int]
    text: str | None = None
    gloss: list[str] | None = None
    label: int | None = None
    signer: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.num_frames / self.fps

    @property
    def paired(self) -> bool:
        return bool(self.text)
