"""Mapping any supported layout to the paper's 79-point layout (``k79``), point by point.

Each table below gives, for every k79 point (see :mod:`signpt.pose.layouts.k79`), the index of its nearest
anatomical equivalent in the source layout, or -1 where the source has no such point (the k79 point is then
missing, confidence 0: never invented). Coordinates and confidences are copied unchanged.
"""
from __future__ import annotations

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.layouts import holistic, holistic75, openpose
from signpt.pose.layouts.k79 import COCO_TO_K79, K79
from signpt.pose.sequence import PoseSequence

# ---- MediaPipe Holistic -> k79 -------------------------------------------------------------------------------
MP_BODY = ("NOSE", "LEFT_EYE", "RIGHT_EYE", "LEFT_EAR", "RIGHT_EAR", "LEFT_SHOULDER", "RIGHT_SHOULDER",
           "LEFT_ELBOW", "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST")
"""MediaPipe pose landmarks for k79 0-10 (COCO body order); eye = MediaPipe's eye centre, not its corners."""

MP_JAW = (162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389)
"""Face-mesh indices for the jaw line iBUG 0-16 (k79 11-27), from the signer's right ear side over the chin (152)
to the left ear side. Symmetric pairs of the canonical face mesh (162/389, 234/454, 93/323, 58/288, 172/397,
136/365, 149/378, 148/377), the widely used MediaPipe -> dlib-68 correspondence on ``FACEMESH_FACE_OVAL``."""

MP_NOSE_TIP = 1
"""Face-mesh index of the pronasale (tip of the nose), for iBUG 30 (k79 28)."""

MP_INNER_LIPS = (78, 82, 13, 312, 308, 317, 14, 87)
"""Face-mesh indices of the inner lip contour for iBUG 60-67 (k79 29-36): signer's right inner corner (78),
upper inner lip right (82), centre (13), left (312), left inner corner (308), lower inner lip left (317),
centre (14), right (87)."""


def _holistic_to_k79(face_points: int) -> np.ndarray:
    lhand0 = holistic.FACE0 + face_points
    idx = [holistic.POSE33.index(n) for n in MP_BODY]
    idx += [holistic.FACE0 + i for i in MP_JAW]
    idx += [holistic.FACE0 + MP_NOSE_TIP]
    idx += [holistic.FACE0 + i for i in MP_INNER_LIPS]
    idx += list(range(lhand0, lhand0 + 42))  # left hand 21, right hand 21: same joint order as COCO
    return np.asarray(idx, dtype=np.int64)


# ---- OpenPose 137 -> k79 -------------------------------------------------------------------------------------
OP_BODY = ("Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist")
"""BODY_25 points for k79 0-10. BODY_25's face is iBUG 68 (+ pupils), so jaw, nose tip and inner lips map
directly: iBUG 0-16, 30, 60-67; its hands use the same 21-joint order."""


def _openpose_to_k79() -> np.ndarray:
    f0 = openpose.FACE0
    idx = [openpose.BODY25.index(n) for n in OP_BODY]
    idx += [f0 + i for i in range(17)] + [f0 + 30] + [f0 + i for i in range(60, 68)]
    idx += list(range(openpose.LHAND0, openpose.LHAND0 + 42))
    return np.asarray(idx, dtype=np.int64)


def _holistic75_to_k79() -> np.ndarray:
    """Body points as for Holistic; no face mesh: jaw, nose tip and inner lips (k79 11-36) are missing (the pose
    model's NOSE already is k79 0, and each source point maps to one k79 point)."""
    idx = [holistic.POSE33.index(n) for n in MP_BODY]
    idx += [-1] * (len(MP_JAW) + 1 + len(MP_INNER_LIPS))
    idx += list(range(holistic75.LHAND0, holistic75.LHAND0 + 42))
    return np.asarray(idx, dtype=np.int64)


TO_K79: dict[str, np.ndarray] = {
    "k79": np.arange(79, dtype=np.int64),
    "coco_wholebody_133": COCO_TO_K79,
    "mediapipe_holistic_543": _holistic_to_k79(468),
    "mediapipe_holistic_553": _holistic_to_k79(478),
    "openpose_137": _openpose_to_k79(),
    "mediapipe_holistic_75": _holistic75_to_k79(),
}
"""Source layout -> (79,) source index of each k79 point (-1 = the source lacks it)."""


def to_k79(seq: PoseSequence) -> PoseSequence:
    """The same sequence in the ``k79`` layout (a k79 input is returned as a copy-free identity)."""
    if seq.layout == "k79":
        return seq
    try:
        index = TO_K79[seq.layout]
    except KeyError:
        raise PoseFormatError(f"{seq.source}: no mapping from layout {seq.layout!r} to k79 "
                              f"(supported: {', '.join(sorted(TO_K79))})") from None
    assert index.shape == (K79.num_points,)
    present = index >= 0
    safe = np.where(present, index, 0)
    kp = seq.keypoints[:, safe] * present[None, :, None]
    conf = seq.confidence[:, safe] * present[None, :]
    meta = dict(seq.meta, source_layout=seq.layout)
    return PoseSequence(kp.astype(np.float32), conf.astype(np.float32), seq.fps, "k79", seq.frame_size,
                        seq.source, meta)
