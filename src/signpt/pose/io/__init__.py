"""Pose file readers and writers; the format comes from the extension (or a folder for OpenPose JSON).

=====================  ====================================================  ==================================
path                   format                                                fps / frame size stored
=====================  ====================================================  ==================================
``*.pose``             pose-format (through the ``pose-format`` package)     yes / yes
``*.pkl``/``*.pickle`` MMPose/RTMPose/Uni-Sign per-video pickle, or         signpt's / ``w_h`` (Uni-Sign-LIS)
                       OpenHands' (``trusted=True``)
``*.json``             MMPose JSON predictions (demo or inferencer)          if written by signpt
folder                 OpenPose ``*_keypoints.json`` per frame               no / no
folder                 MediaPipe flat vectors, one ``<n>.npy`` per frame      no / no (640 x 480 assumed)
``*.npy``              array (T, K, 2) or (T, K, 3 with confidence)          no / no
``*.npy``              MediaPipe flat vectors (T, D), D = 1662/258/170/126/63 no / no (640 x 480 assumed)
``*.npz``              keypoints, confidence, fps, frame_size, layout        yes / yes
``*.parquet``          Kaggle ISLR landmarks (long: frame, type, index, x, y) no / no (640 x 480 assumed)
=====================  ====================================================  ==================================

MediaPipe flat vectors and Kaggle parquet hold x, y as fractions of a frame they do not record: unless
``frame_size`` is given they are taken as 640 x 480 (:mod:`signpt.pose.io.mediapipe_vectors` says why);
``blocks`` declares a block order other than the default for D, ``one_hand`` the slot of a 63-value hand.

fps: the file's value, else the ``fps`` argument, else 25 (:data:`DEFAULT_FPS`). Frame size: the file's, else
the ``frame_size`` argument, else :class:`PoseFormatError` (``frame_size="infer"`` opts in to the smallest frame
holding every point). Coordinates are never changed by reading or writing, except where a format stores them
divided by the frame size (Uni-Sign's writer, OpenHands): they are multiplied back to pixels. Where a file holds
several people per frame, the signer is chosen consistently across frames (:mod:`signpt.pose.io.people`).
"""
from __future__ import annotations

import os
from pathlib import Path

from signpt.errors import PoseFormatError
from signpt.pose.io import arrays, kaggle_parquet, mediapipe_vectors, mmpose, openpose_json, poseformat
from signpt.pose.io.common import DEFAULT_FPS
from signpt.pose.sequence import PoseSequence

SUFFIXES = (".pose", ".pkl", ".pickle", ".json", ".npy", ".npz", ".parquet")


def read_pose(path: str | os.PathLike, *, trusted: bool = False, fps: float | None = None,
              frame_size=None, blocks=None, one_hand: str | None = None) -> PoseSequence:
    """Read any supported pose file (see the module table). ``trusted`` allows unpickling ``.pkl`` files;
    ``blocks`` / ``one_hand`` apply to MediaPipe flat vectors only (:mod:`signpt.pose.io.mediapipe_vectors`)."""
    path = Path(path)
    kw = dict(fps=fps, frame_size=frame_size)
    mp_kw = dict(kw, blocks=blocks, one_hand=one_hand or "right")
    if path.is_dir():
        if mediapipe_vectors.is_frame_folder(path):
            return mediapipe_vectors.read_frame_folder(path, **mp_kw)
        return openpose_json.read_openpose_folder(path, **kw)
    if not path.exists():
        raise PoseFormatError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".pose":
        return poseformat.read_pose_file(path, **kw)
    if suffix in (".pkl", ".pickle"):
        return mmpose.read_pickle(path, trusted=trusted, **kw)
    if suffix == ".json":
        return mmpose.read_json(path, **kw)
    if suffix == ".npy":
        kind = mediapipe_vectors.npy_kind(path)
        if kind == "vectors":
            return mediapipe_vectors.read_vector_file(path, **mp_kw)
        if kind == "frame":
            raise PoseFormatError(f"{path}: holds one frame (a 1-D vector); read its sequence folder "
                                  f"{path.parent} instead, which stacks <n>.npy in numeric order")
        return arrays.read_npy(path, **kw)
    if suffix == ".npz":
        return arrays.read_npz(path, **kw)
    if suffix == ".parquet":
        return kaggle_parquet.read_parquet(path, **kw)
    raise PoseFormatError(f"{path}: unknown pose file type {suffix!r} (known: {', '.join(SUFFIXES)}, "
                          f"or a folder of OpenPose *_keypoints.json or of per-frame MediaPipe <n>.npy)")


def write_pose(seq: PoseSequence, path: str | os.PathLike) -> None:
    """Write `seq` in the format given by the extension; a path without extension is an OpenPose JSON folder.
    Files are written atomically (temporary file in the same folder, then renamed)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pose":
        poseformat.write_pose_file(seq, path)
    elif suffix in (".pkl", ".pickle"):
        mmpose.write_pickle(seq, path)
    elif suffix == ".json":
        mmpose.write_json(seq, path)
    elif suffix == ".npy":
        arrays.write_npy(seq, path)
    elif suffix == ".npz":
        arrays.write_npz(seq, path)
    elif suffix == "" or path.is_dir():
        openpose_json.write_openpose_folder(seq, path)
    else:
        raise PoseFormatError(f"{path}: unknown pose file type {suffix!r} (known: {', '.join(SUFFIXES)}, "
                              f"or a folder path without extension for OpenPose JSON)")


__all__ = ["read_pose", "write_pose", "DEFAULT_FPS", "SUFFIXES"]
