"""One video -> one MediaPipe Holistic pose (pose-format ``.pose``), streaming frame by frame.

The file is laid out exactly as pose-format's own ``pose_format.utils.holistic.load_holistic`` writes it
(components ``POSE_LANDMARKS`` 33, ``FACE_LANDMARKS`` 468, ``LEFT_HAND_LANDMARKS`` 21,
``RIGHT_HAND_LANDMARKS`` 21, ``POSE_WORLD_LANDMARKS`` 33; point format XYZC; x, y in pixels of the frame
the estimator saw, z as MediaPipe gives it scaled by the width; confidence = visibility for body points,
1 for detected face/hand points, 0 where nothing was detected), so ``signpt.pose.read_pose`` and every
pose-format tool read it. Unlike ``load_holistic`` it does not hold the decoded frames in memory, so
hour-long videos (BOBSL) are fine.

Needs the optional extra (``pip install -e .[extract]``): ``mediapipe==0.10.21`` is the last release whose
wheel ships the Holistic models; only ``model_complexity=1`` runs without downloading a model.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from signpt.errors import SignptError


class VideoError(SignptError):
    """A video cannot be opened or decoded."""


def import_mediapipe():
    try:
        import mediapipe as mp  # noqa: F401
        from pose_format.utils import holistic  # noqa: F401  (imports mediapipe itself)
    except ImportError as e:
        raise SignptError(
            "video-to-pose extraction needs the optional extra: pip install 'signpt[extract]' "
            f"(mediapipe==0.10.21, protobuf<5, opencv-python-headless); import failed: {e}"
        ) from None
    return mp


def video_info(path: str | Path) -> tuple[float, int, int, int]:
    """(fps, frame count as the container says, width, height) of a video; VideoError if unreadable."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoError(f"{path}: cannot open video")
        fps = cap.get(cv2.CAP_PROP_FPS)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    return (fps if fps and np.isfinite(fps) and fps > 0 else 25.0), n, w, h


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Frame size after scaling so that the longest side is ``max_side`` (never upscales)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    s = max_side / max(width, height)
    return max(1, round(width * s)), max(1, round(height * s))


def iter_frames(path: str | Path, max_side: int | None = None):
    """RGB frames (H, W, 3) uint8 of a video, rescaled so the longest side is at most ``max_side``."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError(f"{path}: cannot open video")
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            nw, nh = scaled_size(w, h, max_side)
            if (nw, nh) != (w, h):
                frame = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    finally:
        cap.release()


def _landmarks(component, w: int, h: int, num: int, visibility: bool):
    if component is None:
        return np.zeros((num, 3), np.float32), np.zeros(num, np.float32)
    lm = component.landmark
    xyz = np.array([[p.x * w, p.y * h, p.z * w] for p in lm], np.float32)
    conf = np.array([p.visibility for p in lm], np.float32) if visibility else np.ones(num, np.float32)
    return xyz, conf


class HolisticEstimator:
    """A reusable MediaPipe Holistic instance (video mode, tracking across frames).

    >>> est = HolisticEstimator()
    >>> pose = est.estimate("clip.mp4", max_side=256)     # pose_format.Pose
    """

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        mp = import_mediapipe()
        if model_complexity != 1:
            raise SignptError("only model_complexity=1 ships inside the mediapipe 0.10.21 wheel (others download)")
        self.config = dict(static_image_mode=False, model_complexity=model_complexity,
                           min_detection_confidence=min_detection_confidence,
                           min_tracking_confidence=min_tracking_confidence)
        self._holistic = mp.solutions.holistic.Holistic(**self.config)
        self._blank = np.full((64, 64, 3), 255, np.uint8)

    def close(self) -> None:
        self._holistic.close()

    def estimate(self, video: str | Path, max_side: int | None = None, progress: bool = False):
        """The Holistic pose of every frame of ``video`` as a ``pose_format.Pose``; VideoError if unreadable."""
        from pose_format import Pose
        from pose_format.numpy.pose_body import NumPyPoseBody
        from pose_format.pose_header import PoseHeader, PoseHeaderDimensions
        from pose_format.utils.holistic import holistic_components

        fps, total, w0, h0 = video_info(video)
        w, h = scaled_size(w0, h0, max_side)
        self._holistic.process(self._blank)  # forget the tracking state of the previous video
        data, conf = [], []
        frames = iter_frames(video, max_side)
        if progress:
            from tqdm import tqdm

            frames = tqdm(frames, total=total or None, desc=Path(video).name, unit="frame", leave=False)
        for rgb in frames:
            r = self._holistic.process(rgb)
            parts = [_landmarks(r.pose_landmarks, w, h, 33, True), _landmarks(r.face_landmarks, w, h, 468, False),
                     _landmarks(r.left_hand_landmarks, w, h, 21, False),
                     _landmarks(r.right_hand_landmarks, w, h, 21, False),
                     _landmarks(r.pose_world_landmarks, w, h, 33, True)]
            data.append(np.concatenate([p[0] for p in parts]))
            conf.append(np.concatenate([p[1] for p in parts]))
        if not data:
            raise VideoError(f"{video}: no frame could be decoded")
        header = PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width=w, height=h, depth=0),
                            components=holistic_components("XYZC", 0))
        body = NumPyPoseBody(fps=fps, data=np.stack(data)[:, None], confidence=np.stack(conf)[:, None])
        return Pose(header, body)


def write_pose_file(pose, path: str | Path) -> None:
    """Write a pose-format ``Pose`` atomically (temporary file in the same folder, then rename)."""
    import os
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pose.write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


__all__ = ["HolisticEstimator", "VideoError", "video_info", "scaled_size", "iter_frames", "write_pose_file"]
