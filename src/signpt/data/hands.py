"""Hand refinement (paper, section III-A): a hand-specialised estimator's keypoints (InterWild in the paper)
replace the whole-body estimator's hands, frame by frame, where they are more confident.

The second estimator's output is any pose file the pose layer reads, in a layout that maps to k79 (only
the hand points need to be present), or in the layout ``hands_42`` registered here: 21 left-hand then 21
right-hand joints in the COCO/MediaPipe hand order (an ``.npz`` with ``layout="hands_42"``).
"""
from __future__ import annotations

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.layouts import LAYOUTS, Layout, register
from signpt.pose.layouts.base import HAND_NAMES, hand_edges
from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND
from signpt.pose.sequence import PoseSequence

HANDS_42 = Layout(
    name="hands_42",
    names=tuple(f"left_hand_{n}" for n in HAND_NAMES) + tuple(f"right_hand_{n}" for n in HAND_NAMES),
    parts={"left_hand": tuple(range(21)), "right_hand": tuple(range(21, 42))},
    edges=tuple(hand_edges(0) + hand_edges(21)),
)
if HANDS_42.name not in LAYOUTS:
    register(HANDS_42)


def hand_points(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """(keypoints (T, 2, 21, 2), confidence (T, 2, 21)) of the left and right hand, in ``seq``'s pixels."""
    if seq.layout == "hands_42":
        kp, conf = seq.keypoints, seq.confidence
    else:
        from signpt.pose import to_k79

        k = to_k79(seq)
        idx = np.asarray(LEFT_HAND + RIGHT_HAND)
        kp, conf = k.keypoints[:, idx], k.confidence[:, idx]
    t = kp.shape[0]
    return kp.reshape(t, 2, 21, 2), conf.reshape(t, 2, 21)


def refine_hands(body: PoseSequence, hands: PoseSequence, *, min_gain: float = 0.0) -> tuple[PoseSequence, dict]:
    """Replace ``body``'s hands by ``hands``' wherever the second estimator is more confident.

    body:  a k79 sequence (T, 79) from the whole-body estimator.
    hands: the hand estimator's sequence of the same video, T frames (any layout with hands, see module).
    Decision per frame and per hand: the second estimator's hand replaces the body estimator's when its
    mean confidence over the 21 joints exceeds the body's by more than ``min_gain`` (a hand the body
    estimator missed has mean 0). Coordinates are rescaled when the two frame sizes differ.

    Returns the refined k79 sequence and ``{"left": n, "right": n}``, the number of frames replaced per hand.
    Raises PoseFormatError when the frame counts differ.
    """
    if body.layout != "k79":
        raise PoseFormatError(f"{body.source}: refine_hands needs a k79 body sequence, got {body.layout!r}")
    if hands.num_frames != body.num_frames:
        raise PoseFormatError(
            f"{hands.source}: hand estimator has {hands.num_frames} frames, the body estimator {body.num_frames}"
        )
    hkp, hconf = hand_points(hands)
    sx = body.frame_size[0] / hands.frame_size[0]
    sy = body.frame_size[1] / hands.frame_size[1]
    hkp = hkp * np.asarray([sx, sy], dtype=np.float32)
    kp = body.keypoints.copy()
    conf = body.confidence.copy()
    replaced = {}
    for h, (name, idx) in enumerate((("left", LEFT_HAND), ("right", RIGHT_HAND))):
        idx = np.asarray(idx)
        better = hconf[:, h].mean(-1) > conf[:, idx].mean(-1) + min_gain  # (T,)
        rows = np.flatnonzero(better)
        kp[rows[:, None], idx[None, :]] = hkp[rows, h]
        conf[rows[:, None], idx[None, :]] = hconf[rows, h]
        replaced[name] = int(len(rows))
    meta = dict(body.meta, hands_refined=replaced, hands_source=str(hands.source))
    return PoseSequence(kp, conf, body.fps, "k79", body.frame_size, body.source, meta), replaced
