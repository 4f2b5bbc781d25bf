"""MediaPipe Holistic, in pose-format's component and point order.

pose-format (``pose_format.utils.holistic``) stores the components in this order:
``POSE_LANDMARKS`` (33), ``FACE_LANDMARKS`` (468, or 478 with the irises), ``LEFT_HAND_LANDMARKS`` (21),
``RIGHT_HAND_LANDMARKS`` (21), and optionally ``POSE_WORLD_LANDMARKS`` (33 metric 3-D points, not pixels,
which signpt ignores). Two layouts follow:

* ``mediapipe_holistic_543``: 0-32 body, 33-500 face mesh (468), 501-521 left hand, 522-542 right hand.
* ``mediapipe_holistic_553``: 0-32 body, 33-510 face mesh with irises (478), 511-531 left hand, 532-552 right hand.

"Left" is the signer's left: MediaPipe Holistic crops ``LEFT_HAND_LANDMARKS`` around the pose model's
``LEFT_WRIST`` (checked on real files in ``tests/pose``: the body wrist lies on the hand root of the same side).
Edges are MediaPipe's own (``POSE_CONNECTIONS``, ``FACEMESH_CONTOURS`` (+ ``FACEMESH_IRISES``), ``HAND_CONNECTIONS``),
copied here so that importing signpt does not need the optional ``mediapipe`` package; each body wrist is joined to
the root of its hand. Part ``mouth`` (the lip contours) is a documented subset of part ``face``.
"""
from signpt.pose.layouts.base import HAND_NAMES, Layout, hand_edges

POSE33 = (
    "NOSE", "LEFT_EYE_INNER", "LEFT_EYE", "LEFT_EYE_OUTER", "RIGHT_EYE_INNER", "RIGHT_EYE", "RIGHT_EYE_OUTER",
    "LEFT_EAR", "RIGHT_EAR", "MOUTH_LEFT", "MOUTH_RIGHT", "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_ELBOW",
    "RIGHT_ELBOW", "LEFT_WRIST", "RIGHT_WRIST", "LEFT_PINKY", "RIGHT_PINKY", "LEFT_INDEX", "RIGHT_INDEX",
    "LEFT_THUMB", "RIGHT_THUMB", "LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE",
    "LEFT_HEEL", "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX",
)
"""pose-format's point names of ``POSE_LANDMARKS`` (MediaPipe ``PoseLandmark`` order)."""

HAND21 = (
    "WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP",
    "INDEX_FINGER_MCP", "INDEX_FINGER_PIP", "INDEX_FINGER_DIP", "INDEX_FINGER_TIP",
    "MIDDLE_FINGER_MCP", "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP", "MIDDLE_FINGER_TIP",
    "RING_FINGER_MCP", "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP",
    "PINKY_MCP", "PINKY_PIP", "PINKY_DIP", "PINKY_TIP",
)
"""pose-format's point names of the hand components (MediaPipe ``HandLandmark`` order = COCO hand order)."""

POSE_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13),
    (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20), (16, 22),
    (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29), (28, 30),
    (29, 31), (30, 32), (27, 31), (28, 32),
)

FACEMESH_LIPS = (
    (61, 146), (146, 91), (91, 181), (181, 84), (84, 17), (17, 314), (314, 405), (405, 321), (321, 375),
    (375, 291), (61, 185), (185, 40), (40, 39), (39, 37), (37, 0), (0, 267), (267, 269), (269, 270),
    (270, 409), (409, 291), (78, 95), (95, 88), (88, 178), (178, 87), (87, 14), (14, 317), (317, 402),
    (402, 318), (318, 324), (324, 308), (78, 191), (191, 80), (80, 81), (81, 82), (82, 13), (13, 312),
    (312, 311), (311, 310), (310, 415), (415, 308),
)
FACEMESH_LEFT_EYE = (
    (263, 249), (249, 390), (390, 373), (373, 374), (374, 380), (380, 381), (381, 382), (382, 362),
    (263, 466), (466, 388), (388, 387), (387, 386), (386, 385), (385, 384), (384, 398), (398, 362),
)
FACEMESH_LEFT_EYEBROW = ((276, 283), (283, 282), (282, 295), (295, 285), (300, 293), (293, 334), (334, 296),
                         (296, 336))
FACEMESH_RIGHT_EYE = (
    (33, 7), (7, 163), (163, 144), (144, 145), (145, 153), (153, 154), (154, 155), (155, 133),
    (33, 246), (246, 161), (161, 160), (160, 159), (159, 158), (158, 157), (157, 173), (173, 133),
)
FACEMESH_RIGHT_EYEBROW = ((46, 53), (53, 52), (52, 65), (65, 55), (70, 63), (63, 105), (105, 66), (66, 107))
FACEMESH_FACE_OVAL = (
    (10, 338), (338, 297), (297, 332), (332, 284), (284, 251), (251, 389), (389, 356), (356, 454),
    (454, 323), (323, 361), (361, 288), (288, 397), (397, 365), (365, 379), (379, 378), (378, 400),
    (400, 377), (377, 152), (152, 148), (148, 176), (176, 149), (149, 150), (150, 136), (136, 172),
    (172, 58), (58, 132), (132, 93), (93, 234), (234, 127), (127, 162), (162, 21), (21, 54),
    (54, 103), (103, 67), (67, 109), (109, 10),
)
FACEMESH_IRISES = ((474, 475), (475, 476), (476, 477), (477, 474), (469, 470), (470, 471), (471, 472), (472, 469))
FACEMESH_CONTOURS = (FACEMESH_LIPS + FACEMESH_LEFT_EYE + FACEMESH_LEFT_EYEBROW + FACEMESH_RIGHT_EYE
                     + FACEMESH_RIGHT_EYEBROW + FACEMESH_FACE_OVAL)
LIP_POINTS = tuple(sorted({i for e in FACEMESH_LIPS for i in e}))

BODY0 = 0
FACE0 = 33


def _holistic(face_points: int) -> tuple[Layout, tuple]:
    lhand0 = FACE0 + face_points
    rhand0 = lhand0 + 21
    names = (
        tuple(n.lower() for n in POSE33)
        + tuple(f"face_{i}" for i in range(face_points))
        + tuple(f"left_hand_{n}" for n in HAND_NAMES)
        + tuple(f"right_hand_{n}" for n in HAND_NAMES)
    )
    face_edges = FACEMESH_CONTOURS + (FACEMESH_IRISES if face_points == 478 else ())
    edges = (
        list(POSE_CONNECTIONS)
        + [(FACE0 + a, FACE0 + b) for a, b in face_edges]
        + hand_edges(lhand0) + hand_edges(rhand0)
        + [(POSE33.index("LEFT_WRIST"), lhand0), (POSE33.index("RIGHT_WRIST"), rhand0)]
    )
    layout = Layout(
        name=f"mediapipe_holistic_{33 + face_points + 42}",
        names=names,
        parts={
            "body": tuple(range(0, 33)),
            "face": tuple(range(FACE0, FACE0 + face_points)),
            "mouth": tuple(FACE0 + i for i in LIP_POINTS),
            "left_hand": tuple(range(lhand0, lhand0 + 21)),
            "right_hand": tuple(range(rhand0, rhand0 + 21)),
        },
        edges=tuple(edges),
    )
    components = (
        ("POSE_LANDMARKS", POSE33),
        ("FACE_LANDMARKS", tuple(str(i) for i in range(face_points))),
        ("LEFT_HAND_LANDMARKS", HAND21),
        ("RIGHT_HAND_LANDMARKS", HAND21),
    )
    return layout, components


MEDIAPIPE_HOLISTIC_543, COMPONENTS_543 = _holistic(468)
MEDIAPIPE_HOLISTIC_553, COMPONENTS_553 = _holistic(478)
"""``COMPONENTS_*``: (pose-format component name, its point names) in storage order."""
