"""Helpers for the curation tests (imported by name: a module name no other test folder uses): small generated
pose files whose values encode the frame index."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from signpt.pose import PoseSequence, write_pose
from signpt.pose.layouts import get_layout

SHARED = Path(__file__).parents[1].parent.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real data folder {SHARED} is absent")


def make_seq(frames: int, layout: str = "coco_wholebody_133", fps: float = 25.0, size=(320, 240),
             offset: int = 0) -> PoseSequence:
    """keypoints[t, k] = (f % 1000, k) pixels with f = offset + t, except point 0 = (f % 1000, f // 1000);
    confidence 0.9. A cut is checkable from point 0 (exact in float16)."""
    k = get_layout(layout).num_points
    kp = np.zeros((frames, k, 2), np.float32)
    f = offset + np.arange(frames)
    kp[..., 0] = (f % 1000).astype(np.float32)[:, None]
    kp[..., 1] = np.arange(k, dtype=np.float32)[None, :]
    kp[:, 0, 1] = f // 1000
    conf = np.full((frames, k), 0.9, np.float32)
    return PoseSequence(kp, conf, fps, layout, size)


def write_seq(path: Path, frames: int, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_pose(make_seq(frames, **kw), path)
    return path


def frame_index(sample) -> np.ndarray:
    """Frame index (encoded in point 0) of each frame of a curated sample."""
    p = sample.keypoints[:, 0].astype(np.float64)
    return p[:, 0] + 1000 * p[:, 1]
