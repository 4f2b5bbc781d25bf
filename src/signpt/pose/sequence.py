"""The pose sequence type: what every reader returns and every writer takes."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from signpt.errors import PoseFormatError


@dataclass
class PoseSequence:
    """A 2-D pose sequence of one signer.

    keypoints:  (T, K, 2) float32, pixel coordinates (x right, y down) in the source frame.
    confidence: (T, K) float32 in [0, 1]; 0 means the point is missing (its coordinates are then 0).
    fps:        frames per second (> 0).
    layout:     name of a registered keypoint layout (``signpt.pose.layouts.get_layout``), K must match.
    frame_size: (width, height) of the source video in pixels.
    source:     where it came from (a path), used in error messages.

    Validation on construction: shapes agree, T >= 1, K matches the layout. NaN or inf coordinates
    are not an error: such a point becomes missing (confidence 0, coordinates 0), because pose
    estimators emit NaN for undetected points. NaN confidences are treated the same way.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    fps: float
    layout: str
    frame_size: tuple[int, int]
    source: str = "<memory>"
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        from signpt.pose.layouts import get_layout

        kp = np.asarray(self.keypoints, dtype=np.float32)
        conf = np.asarray(self.confidence, dtype=np.float32)
        where = f"{self.source}: "
        if kp.ndim != 3 or kp.shape[-1] != 2:
            raise PoseFormatError(f"{where}keypoints must have shape (T, K, 2), got {kp.shape}")
        if conf.shape != kp.shape[:2]:
            raise PoseFormatError(f"{where}confidence shape {conf.shape} does not match keypoints {kp.shape[:2]}")
        if kp.shape[0] < 1:
            raise PoseFormatError(f"{where}empty sequence (T = 0)")
        try:
            layout = get_layout(self.layout)
        except KeyError as e:
            raise PoseFormatError(f"{where}{e.args[0]}") from None
        if kp.shape[1] != layout.num_points:
            raise PoseFormatError(
                f"{where}layout {self.layout!r} has {layout.num_points} keypoints, the data has {kp.shape[1]}"
            )
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise PoseFormatError(f"{where}fps must be positive, got {self.fps}")
        w, h = (int(v) for v in self.frame_size)
        if w <= 0 or h <= 0:
            raise PoseFormatError(f"{where}frame size must be positive, got {self.frame_size}")
        bad = ~np.isfinite(kp).all(-1) | ~np.isfinite(conf)
        if bad.any():
            kp = kp.copy()
            conf = conf.copy()
            kp[bad] = 0.0
            conf[bad] = 0.0
        conf = np.clip(conf, 0.0, 1.0)
        kp[conf <= 0] = 0.0
        self.keypoints, self.confidence, self.frame_size = kp, conf, (w, h)
        self.fps = float(self.fps)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def num_points(self) -> int:
        return int(self.keypoints.shape[1])

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.num_frames / self.fps

    def slice_frames(self, start: int, stop: int) -> "PoseSequence":
        """Frames [start, stop) as a new sequence (an empty range is an error)."""
        return PoseSequence(self.keypoints[start:stop], self.confidence[start:stop], self.fps,
                            self.layout, self.frame_size, self.source, dict(self.meta))
