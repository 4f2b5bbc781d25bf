"""The paper's 79-point layout (section IV-A, "Input Pose").

From COCO-WholeBody (1-based indices) {1-11, 24-40, 54, 84-91, 92-133}:

=========  ==========  ==================================================================
k79 index  COCO (0-b)  what
=========  ==========  ==================================================================
0-10       0-10        upper body: nose, eyes, ears, shoulders, elbows, wrists
11-27      23-39       face contour (jaw line, iBUG 0-16, from the signer's right to left)
28         53          nose tip (iBUG 30)
29-36      83-90       inner lips (iBUG 60-67), the 8 mouth points
37-57      91-111      left hand (root, then thumb, fore, middle, ring, pinky from palm out)
58-78      112-132     right hand
=========  ==========  ==================================================================

Parts: ``manual`` = upper body + both hands (53 points), ``non_manual`` = face contour + nose tip +
mouth (26 points). Each part has its own within-frame edge list for the spatial GCN.
"""
import numpy as np

from signpt.pose.layouts.base import HAND_NAMES, Layout, chain, hand_edges, loop
from signpt.pose.layouts.coco133 import COCO_WHOLEBODY_133

COCO_INDICES = tuple(range(0, 11)) + tuple(range(23, 40)) + (53,) + tuple(range(83, 91)) + tuple(range(91, 133))
"""0-based COCO-WholeBody index of each k79 point."""

BODY = tuple(range(0, 11))
FACE_CONTOUR = tuple(range(11, 28))
NOSE = (28,)
MOUTH = tuple(range(29, 37))
LEFT_HAND = tuple(range(37, 58))
RIGHT_HAND = tuple(range(58, 79))
MANUAL = BODY + LEFT_HAND + RIGHT_HAND
NON_MANUAL = FACE_CONTOUR + NOSE + MOUTH

NAMES = tuple(COCO_WHOLEBODY_133.names[i] for i in COCO_INDICES[:11]) + tuple(
    f"face_contour_{i}" for i in range(17)
) + ("nose_tip",) + tuple(f"mouth_inner_{i}" for i in range(8)) + tuple(
    f"left_hand_{n}" for n in HAND_NAMES
) + tuple(f"right_hand_{n}" for n in HAND_NAMES)

_BODY_EDGES = [(0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10)]
# Hands hang on the body wrists; the face graph is made connected through the nose tip:
# jaw ends -> nose tip, nose tip -> upper lip (inner lip 2 = iBUG 62), lower lip (iBUG 66) -> chin (iBUG 8).
_FACE_EDGES = chain(FACE_CONTOUR) + [(11, 28), (27, 28), (28, 31)] + loop(MOUTH) + [(35, 19)]
EDGES = tuple(_BODY_EDGES + [(9, 37), (10, 58)] + hand_edges(37) + hand_edges(58) + _FACE_EDGES)

K79 = Layout(
    name="k79",
    names=NAMES,
    parts={
        "body": BODY,
        "face_contour": FACE_CONTOUR,
        "nose": NOSE,
        "mouth": MOUTH,
        "left_hand": LEFT_HAND,
        "right_hand": RIGHT_HAND,
        "manual": MANUAL,
        "non_manual": NON_MANUAL,
    },
    edges=EDGES,
)

COCO_TO_K79 = np.asarray(COCO_INDICES, dtype=np.int64)
