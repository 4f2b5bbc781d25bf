"""MediaPipe Holistic without the face: 33 body + 21 left hand + 21 right hand points (75).

The layout of OpenHands' pose pickles (``openhands/datasets/pipelines/generate_pose.py`` keeps
``POSE_LANDMARKS`` and the two hands of MediaPipe Holistic, drops the 468-point face mesh):
0-32 body (MediaPipe ``PoseLandmark`` order), 33-53 left hand, 54-74 right hand ("left" = the signer's left,
as in :mod:`signpt.pose.layouts.holistic`). Edges: MediaPipe's ``POSE_CONNECTIONS`` and ``HAND_CONNECTIONS``,
each body wrist joined to the root of its hand.
"""
from signpt.pose.layouts.base import HAND_NAMES, Layout, hand_edges
from signpt.pose.layouts.holistic import POSE33, POSE_CONNECTIONS

LHAND0, RHAND0 = 33, 54

MEDIAPIPE_HOLISTIC_75 = Layout(
    name="mediapipe_holistic_75",
    names=tuple(n.lower() for n in POSE33) + tuple(f"left_hand_{n}" for n in HAND_NAMES)
    + tuple(f"right_hand_{n}" for n in HAND_NAMES),
    parts={
        "body": tuple(range(0, 33)),
        "left_hand": tuple(range(LHAND0, LHAND0 + 21)),
        "right_hand": tuple(range(RHAND0, RHAND0 + 21)),
    },
    edges=tuple(list(POSE_CONNECTIONS) + hand_edges(LHAND0) + hand_edges(RHAND0)
                + [(POSE33.index("LEFT_WRIST"), LHAND0), (POSE33.index("RIGHT_WRIST"), RHAND0)]),
)
