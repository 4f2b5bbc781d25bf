"""COCO-WholeBody, 133 keypoints, in the MMPose / RTMPose order.

0-16 body (COCO 17), 17-22 feet, 23-90 face (the 68 iBUG landmarks), 91-111 left hand, 112-132 right hand.
"Left" is the signer's left.
"""
from signpt.pose.layouts.base import HAND_NAMES, Layout, chain, hand_edges, loop

BODY17 = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
FEET6 = ("left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel")
FACE68 = tuple(f"face-{i}" for i in range(68))

NAMES = BODY17 + FEET6 + FACE68 + tuple(f"left_hand_{n}" for n in HAND_NAMES) + tuple(
    f"right_hand_{n}" for n in HAND_NAMES
)
FACE0, LHAND0, RHAND0 = 23, 91, 112

BODY_EDGES = [
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (15, 17), (15, 18), (15, 19), (16, 20), (16, 21), (16, 22),
]


def face68_edges(offset: int) -> list[tuple[int, int]]:
    """iBUG 68 landmark contours: jaw, brows, nose bridge and base, eyes, outer and inner lips."""
    o = offset
    e = chain(range(o, o + 17)) + chain(range(o + 17, o + 22)) + chain(range(o + 22, o + 27))
    e += chain(range(o + 27, o + 31)) + chain(range(o + 31, o + 36))
    e += loop(range(o + 36, o + 42)) + loop(range(o + 42, o + 48))
    e += loop(range(o + 48, o + 60)) + loop(range(o + 60, o + 68))
    return e


COCO_WHOLEBODY_133 = Layout(
    name="coco_wholebody_133",
    names=NAMES,
    parts={
        "body": tuple(range(0, 17)),
        "feet": tuple(range(17, 23)),
        "face": tuple(range(FACE0, FACE0 + 68)),
        "left_hand": tuple(range(LHAND0, LHAND0 + 21)),
        "right_hand": tuple(range(RHAND0, RHAND0 + 21)),
    },
    edges=tuple(BODY_EDGES + face68_edges(FACE0) + hand_edges(LHAND0) + hand_edges(RHAND0)
                + [(9, LHAND0), (10, RHAND0)]),
)
