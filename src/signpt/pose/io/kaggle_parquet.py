"""Google's Kaggle *Isolated Sign Language Recognition* landmark files: one long-format parquet per sequence.

Columns ``frame, row_id, type, landmark_index, x, y, z``, one row per landmark per frame; ``type`` is one of
``face`` (468 points), ``left_hand`` (21), ``pose`` (33), ``right_hand`` (21). x, y are fractions of the
image (MediaPipe Holistic); NaN marks a landmark that was not detected. Rows are placed by ``type`` and
``landmark_index``, never by their position in the file (Kaggle writes a frame's rows face, left_hand, pose,
right_hand; other writers use other orders). Frames are the sorted distinct values of ``frame`` (which need
not start at 0 or be contiguous: Kaggle's do not). The result is a ``mediapipe_holistic_543``
:class:`PoseSequence`; present points have confidence 1 (the files keep no visibility). The frame size is not
recorded: see :mod:`signpt.pose.io.mediapipe_vectors` for the assumed 640 x 480.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.io.common import make_sequence
from signpt.pose.io.mediapipe_vectors import ASSUMED_FRAME_SIZE, LHAND0, RHAND0
from signpt.pose.layouts.holistic import FACE0, MEDIAPIPE_HOLISTIC_543
from signpt.pose.sequence import PoseSequence

TYPES = {"pose": (0, 33), "face": (FACE0, 468), "left_hand": (LHAND0, 21), "right_hand": (RHAND0, 21)}
"""Kaggle landmark type -> (first index in mediapipe_holistic_543, number of points)."""
REQUIRED = ("frame", "type", "landmark_index", "x", "y")


def read_parquet(path: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """One Kaggle ISLR landmark file (see the module)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    try:
        table = pq.read_table(path, columns=None)
    except (OSError, pa.ArrowException) as e:
        raise PoseFormatError(f"{source}: not a readable parquet file, truncated or corrupt ({e})") from None
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise PoseFormatError(f"{source}: missing column(s) {missing} (Kaggle ISLR landmarks have "
                              f"frame, row_id, type, landmark_index, x, y, z; found {table.column_names})")
    if table.num_rows == 0:
        raise PoseFormatError(f"{source}: empty sequence (no rows)")
    try:
        frame = np.asarray(table.column("frame").to_numpy(zero_copy_only=False), dtype=np.int64)
        index = np.asarray(table.column("landmark_index").to_numpy(zero_copy_only=False), dtype=np.int64)
        x = np.asarray(table.column("x").to_numpy(zero_copy_only=False), dtype=np.float64)
        y = np.asarray(table.column("y").to_numpy(zero_copy_only=False), dtype=np.float64)
    except (TypeError, ValueError, pa.ArrowException) as e:
        raise PoseFormatError(f"{source}: frame/landmark_index must be integers and x/y numbers ({e})") from None
    types = table.column("type").to_pylist()
    names = np.asarray(types, dtype=object)
    start = np.full(len(names), -1, np.int64)
    count = np.zeros(len(names), np.int64)
    for name, (first, n) in TYPES.items():
        sel = names == name
        start[sel], count[sel] = first, n
    unknown = sorted({str(t) for t in names[start < 0]})
    if unknown:
        raise PoseFormatError(f"{source}: unknown landmark type(s) {unknown[:5]} (known: {', '.join(TYPES)})")
    out_of_range = (index < 0) | (index >= count)
    if out_of_range.any():
        r = int(np.nonzero(out_of_range)[0][0])
        raise PoseFormatError(f"{source}: row {r}: landmark_index {index[r]} is outside 0..{count[r] - 1} "
                              f"for type {names[r]!r}")
    frames, row_frame = np.unique(frame, return_inverse=True)
    point = start + index
    flat = row_frame * MEDIAPIPE_HOLISTIC_543.num_points + point
    if len(np.unique(flat)) != len(flat):
        raise PoseFormatError(f"{source}: some (frame, type, landmark_index) occurs twice")
    k = MEDIAPIPE_HOLISTIC_543.num_points
    size = tuple(frame_size) if frame_size not in (None, "infer") else ASSUMED_FRAME_SIZE
    kp = np.zeros((len(frames) * k, 2), np.float32)
    conf = np.zeros(len(frames) * k, np.float32)
    ok = np.isfinite(x) & np.isfinite(y)
    kp[flat[ok], 0] = x[ok] * size[0]
    kp[flat[ok], 1] = y[ok] * size[1]
    conf[flat[ok]] = 1.0
    meta = {"format": "kaggle_parquet", "frame_numbers": [int(frames[0]), int(frames[-1])]}
    if frame_size in (None, "infer"):
        meta["frame_size_assumed"] = True
    return make_sequence(kp.reshape(len(frames), k, 2), conf.reshape(len(frames), k),
                         layout=MEDIAPIPE_HOLISTIC_543.name, file_size=size, fps=fps, source=source, meta=meta)
