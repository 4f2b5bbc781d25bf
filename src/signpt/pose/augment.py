"""Random spatial augmentation of stored poses: one affine map per clip (rotation, scale, aspect, shift).

Real recordings differ in camera angle, distance, framing and (for files that do not record their frame size)
in the frame's aspect ratio; a model that sees each training clip under a slightly different map learns shapes
that survive those differences. The map acts on pixel coordinates about the frame's centre, before
normalisation (``signpt.pose.normalise``), so that the hands, which are normalised in their own boxes, are
rotated and stretched too::

    p' = c + A (p - c) + shift,   A = R(angle) @ diag(scale * aspect, scale / aspect),   c = frame centre

Missing points stay missing (and at 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AffineSpec:
    """Ranges of the random map, each drawn uniformly per clip: angle in ±`rotate` degrees, scale in
    1 ± `scale`, aspect in 1 ± `aspect` (x stretched, y shrunk by it), shift in ±`shift` frame sizes per axis."""

    rotate: float = 0.0
    scale: float = 0.0
    aspect: float = 0.0
    shift: float = 0.0

    @classmethod
    def from_dict(cls, d: dict | None) -> "AffineSpec | None":
        """None / {} -> None (no augmentation); unknown keys or negative ranges raise ValueError."""
        if not d:
            return None
        unknown = sorted(set(d) - {"rotate", "scale", "aspect", "shift"})
        if unknown:
            raise ValueError(f"augment: unknown key(s) {unknown} (known: rotate, scale, aspect, shift)")
        spec = cls(**{k: float(v) for k, v in d.items()})
        if min(spec.rotate, spec.scale, spec.aspect, spec.shift) < 0 or spec.scale >= 1 or spec.aspect >= 1:
            raise ValueError(f"augment: ranges must be >= 0 (scale and aspect < 1), got {d}")
        return spec

    def draw(self, rng: np.random.Generator) -> tuple[float, float, float, float, float]:
        """(angle degrees, scale, aspect, shift x, shift y) for one clip."""
        u = rng.uniform(-1.0, 1.0, 5)
        return (self.rotate * u[0], 1 + self.scale * u[1], 1 + self.aspect * u[2], self.shift * u[3],
                self.shift * u[4])


def affine_pixels(keypoints: np.ndarray, confidence: np.ndarray, frame_size, angle: float, scale: float = 1.0,
                  aspect: float = 1.0, shift=(0.0, 0.0)) -> np.ndarray:
    """keypoints (T, K, 2) pixels, confidence (T, K), frame_size (width, height) -> mapped keypoints (float32);
    angle in degrees (counter-clockwise on screen), shift in frame sizes."""
    w, h = (float(v) for v in frame_size)
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])  # y points down: ccw on screen
    a = rot @ np.diag([scale * aspect, scale / aspect])
    c = np.array([w / 2, h / 2])
    kp = np.asarray(keypoints, np.float64)
    out = (kp - c) @ a.T + c + np.array([shift[0] * w, shift[1] * h])
    present = np.asarray(confidence) > 0
    return np.where(present[..., None], out, 0.0).astype(np.float32)
