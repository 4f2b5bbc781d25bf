"""NumPy files: ``.npy`` arrays (T, K, 2|3) and ``.npz`` archives with keys and metadata."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.atomic import atomic_path
from signpt.pose.io.common import make_sequence
from signpt.pose.sequence import PoseSequence


def read_npy(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """(T, K, 2) coordinates (all points present) or (T, K, 3) with confidence last; layout from K."""
    source = str(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e})") from None
    except ValueError as e:
        raise PoseFormatError(f"{source}: not a readable .npy array, truncated or corrupt ({e})") from None
    if arr.ndim != 3 or arr.shape[-1] not in (2, 3):
        raise PoseFormatError(f"{source}: expected an array (T, K, 2) or (T, K, 3), got {arr.shape}")
    conf = arr[..., 2] if arr.shape[-1] == 3 else np.ones(arr.shape[:2], np.float32)
    return make_sequence(arr[..., :2], conf, fps=fps, frame_size=frame_size, source=source,
                         meta={"format": "npy"})


def write_npy(seq: PoseSequence, path: Path) -> None:
    """(T, K, 3) float32: x, y, confidence (fps and frame size are not stored: use .npz to keep them)."""
    arr = np.concatenate([seq.keypoints, seq.confidence[..., None]], axis=-1).astype(np.float32)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, arr)


def read_npz(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """Keys ``keypoints`` (T, K, 2), ``confidence`` (T, K) (optional: all present), optional ``fps``,
    ``frame_size`` (w, h) and ``layout`` (else from K). Pickled objects are refused."""
    source = str(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except OSError as e:
        raise PoseFormatError(f"{source}: cannot read ({e})") from None
    except (ValueError, zipfile.BadZipFile, EOFError, KeyError) as e:
        raise PoseFormatError(f"{source}: not a readable .npz archive, truncated or corrupt "
                              f"({type(e).__name__}: {e})") from None
    if "keypoints" not in d:
        raise PoseFormatError(f"{source}: no 'keypoints' array (keys: {sorted(d)})")
    if "normalised" in d and bool(d["normalised"]):
        raise PoseFormatError(f"{source}: holds normalised coordinates, not pixels; "
                              f"load it with signpt.pose.load_normalised")
    kp = d["keypoints"]
    conf = d.get("confidence", np.ones(kp.shape[:2], np.float32))
    layout = str(d["layout"]) if "layout" in d else None
    file_fps = float(d["fps"]) if "fps" in d else None
    file_size = tuple(d["frame_size"].tolist()) if "frame_size" in d else None
    return make_sequence(kp, conf, layout=layout, file_fps=file_fps, file_size=file_size, fps=fps,
                         frame_size=frame_size, source=source, meta={"format": "npz"})


def write_npz(seq: PoseSequence, path: Path) -> None:
    """Uncompressed ``.npz`` with keypoints (float32), confidence, fps, frame_size and layout."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, keypoints=seq.keypoints, confidence=seq.confidence, fps=np.float64(seq.fps),
                 frame_size=np.asarray(seq.frame_size, np.int64), layout=np.str_(seq.layout))
