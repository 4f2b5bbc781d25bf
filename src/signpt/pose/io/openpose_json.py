"""OpenPose per-frame JSON folders (``<name>_<frame>_keypoints.json``), as How2Sign ships its keypoints."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.io.common import make_sequence
from signpt.pose.io.people import boxes_from_points, choose_signer, gather
from signpt.pose.layouts import openpose
from signpt.pose.sequence import PoseSequence

COMPONENTS = tuple((name, len(points)) for name, points in openpose.COMPONENTS)
"""(JSON key, point count) in the openpose_137 order."""

_NUMBER = re.compile(r"(\d+)_keypoints\.json$")


def frame_files(folder: Path) -> list[Path]:
    """The folder's ``*_keypoints.json`` files in frame order (by the number before ``_keypoints``)."""
    files = list(folder.glob("*_keypoints.json"))

    def key(p: Path):
        m = _NUMBER.search(p.name)
        return (int(m.group(1)) if m else -1, p.name)

    return sorted(files, key=key)


def read_openpose_folder(folder: Path, *, fps=None, frame_size=None) -> PoseSequence:
    """The signer of each frame, chosen consistently among the ``people`` (:mod:`signpt.pose.io.people`: the
    person whose box stays largest and most central); a frame without people, or without a component, leaves
    those points missing. OpenPose writes undetected points as (0, 0, 0): confidence 0, so missing. Needs
    ``frame_size`` (OpenPose JSON does not store it) unless ``frame_size="infer"``."""
    source = str(folder)
    files = frame_files(folder)
    if not files:
        raise PoseFormatError(f"{source}: no *_keypoints.json files in the folder")
    k = sum(n for _, n in COMPONENTS)
    frames = []
    for f in files:
        try:
            obj = json.loads(f.read_text())
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise PoseFormatError(f"{f}: not a readable OpenPose JSON file, truncated or corrupt ({e})") from None
        people = obj.get("people") if isinstance(obj, dict) else None
        if people is None:
            raise PoseFormatError(f"{f}: no 'people' list (not an OpenPose keypoints file)")
        frames.append([_person(f, person, k) for person in people])
    p = max(1, max(len(fr) for fr in frames))
    kp = np.zeros((len(files), p, k, 2), np.float32)
    conf = np.zeros((len(files), p, k), np.float32)
    for t, fr in enumerate(frames):
        for i, (pts, sc) in enumerate(fr):
            kp[t, i], conf[t, i] = pts, sc
    size = None if frame_size is None or isinstance(frame_size, str) else frame_size
    if size is None:
        present = conf > 0
        size = (max(float(np.nanmax(kp[..., 0][present])), 1.0), max(float(np.nanmax(kp[..., 1][present])), 1.0)) \
            if present.any() else (1.0, 1.0)
    choice = choose_signer(boxes_from_points(kp, conf), size)
    return make_sequence(gather(kp, choice), gather(conf, choice), layout="openpose_137", fps=fps,
                         frame_size=frame_size, source=source, meta={"format": "openpose_json", "people": int(p)})


def _person(f: Path, person: dict, k: int) -> tuple[np.ndarray, np.ndarray]:
    kp = np.zeros((k, 2), np.float32)
    conf = np.zeros(k, np.float32)
    start = 0
    for key, n in COMPONENTS:
        values = person.get(key) or []
        if values:
            arr = np.asarray(values, dtype=np.float32)
            if arr.shape != (3 * n,):
                raise PoseFormatError(f"{f}: {key} has {arr.size} values, expected {3 * n} "
                                      f"({n} points x (x, y, confidence); only BODY_25 is supported)")
            arr = arr.reshape(n, 3)
            kp[start:start + n] = arr[:, :2]
            conf[start:start + n] = arr[:, 2]
        start += n
    return kp, conf


def write_openpose_folder(seq: PoseSequence, folder: Path) -> None:
    """One ``<folder name>_<frame:012d>_keypoints.json`` per frame (OpenPose 1.3 layout, one person; missing
    points written as 0, 0, 0). Needs layout openpose_137. The folder is built beside the target and renamed into
    place; an existing non-empty target is an error (nothing is deleted)."""
    if seq.layout != "openpose_137":
        raise PoseFormatError(f"{folder}: OpenPose JSON holds the openpose_137 layout only, the sequence is "
                              f"{seq.layout!r}")
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PoseFormatError(f"{folder}: exists and is not an empty folder; refusing to overwrite")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        for t in range(seq.num_frames):
            person, start = {"person_id": [-1]}, 0
            for key, n in COMPONENTS:
                trip = np.concatenate([seq.keypoints[t, start:start + n], seq.confidence[t, start:start + n, None]], 1)
                person[key] = trip.reshape(-1).tolist()
                start += n
            for key in ("pose_keypoints_3d", "face_keypoints_3d", "hand_left_keypoints_3d", "hand_right_keypoints_3d"):
                person[key] = []
            (tmp / f"{folder.name}_{t:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [person]}))
        if folder.exists():
            folder.rmdir()  # empty, checked above
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
