"""Helpers shared by the readers and writers: defaults for fps / frame size, sequence construction."""
from __future__ import annotations

import math

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.detect import detect_layout
from signpt.pose.sequence import PoseSequence

DEFAULT_FPS = 25.0
"""fps used when neither the file nor the caller gives one."""


def resolve_fps(file_fps, arg_fps) -> float:
    """The file's fps if it has a positive one, else the argument, else :data:`DEFAULT_FPS`."""
    for v in (file_fps, arg_fps):
        if v is not None and np.isfinite(float(v)) and float(v) > 0:
            return float(v)
    return DEFAULT_FPS


def resolve_frame_size(file_size, arg_size, keypoints: np.ndarray, confidence: np.ndarray,
                       source: str) -> tuple[int, int]:
    """The file's (width, height) if it has a valid one, else the argument.

    ``arg_size="infer"`` takes the smallest frame that holds every present point (ceil of the largest x and y):
    an explicit opt-in, because normalisation divides body and face by the frame size and a guessed size
    shifts every coordinate. Without a size from the file or the caller, a :class:`PoseFormatError` says so.
    """
    for v in (file_size, arg_size):
        if v is None or isinstance(v, str):
            continue
        w, h = (float(x) for x in v)
        if w > 0 and h > 0:
            return int(round(w)), int(round(h))
    if isinstance(arg_size, str):
        if arg_size != "infer":
            raise PoseFormatError(f"{source}: frame_size must be (width, height) or 'infer', got {arg_size!r}")
        present = (confidence > 0) & np.isfinite(keypoints).all(-1)
        if not present.any():
            raise PoseFormatError(f"{source}: cannot infer the frame size, no point is present")
        pts = keypoints[present]
        return max(1, math.ceil(float(pts[:, 0].max()))), max(1, math.ceil(float(pts[:, 1].max())))
    raise PoseFormatError(f"{source}: this format does not store the video frame size; pass "
                          f"frame_size=(width, height) or frame_size='infer' to take it from the largest "
                          f"coordinates (CLI: --frame-size W H or --infer-frame-size)")


def make_sequence(keypoints, confidence, *, layout=None, file_fps=None, file_size=None, fps=None,
                  frame_size=None, source: str, meta=None) -> PoseSequence:
    """A validated :class:`PoseSequence`; the layout comes from K when not given."""
    keypoints = np.asarray(keypoints, dtype=np.float32)
    confidence = np.asarray(confidence, dtype=np.float32)
    if keypoints.ndim != 3 or keypoints.shape[-1] < 2:
        raise PoseFormatError(f"{source}: keypoints must have shape (T, K, 2), got {keypoints.shape}")
    keypoints = keypoints[..., :2]
    if layout is None:
        layout = detect_layout(keypoints.shape[1], source=source)
    size = resolve_frame_size(file_size, frame_size, keypoints, confidence, source)
    return PoseSequence(keypoints, confidence, resolve_fps(file_fps, fps), str(layout), size, source,
                        dict(meta or {}))

