"""OpenPose 137: BODY_25 (0-24) + face 70 (25-94) + left hand 21 (95-115) + right hand 21 (116-136).

This is the order of OpenPose's per-frame JSON (``pose_keypoints_2d``, ``face_keypoints_2d``,
``hand_left_keypoints_2d``, ``hand_right_keypoints_2d``) and of pose-format's OpenPose components.
The face is the iBUG 68 landmarks (same order as COCO-WholeBody's face) plus the two pupils (68 right, 69 left).
"Left" is the signer's left. Part ``mouth`` (iBUG 48-67) is a documented subset of part ``face``.
"""
from signpt.pose.layouts.base import HAND_NAMES, Layout, hand_edges
from signpt.pose.layouts.coco133 import face68_edges

BODY25 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip", "RKnee",
    "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe", "LHeel",
    "RBigToe", "RSmallToe", "RHeel",
)
"""OpenPose BODY_25 point names (as pose-format stores them)."""

FACE70 = (
    tuple(f"FB_{i}" for i in range(0, 17)) + tuple(f"FEB_{i}" for i in range(17, 27))
    + tuple(f"FN_{i}" for i in range(27, 36)) + tuple(f"FE_{i}" for i in range(36, 48))
    + tuple(f"FLO_{i}" for i in range(48, 60)) + tuple(f"FLI_{i}" for i in range(60, 68)) + ("FP_68", "FP_69")
)
"""pose-format's OpenPose face point names (index = iBUG index; 68, 69 = pupils)."""

HAND21 = (
    "BASE", "T_STT", "T_BCMC", "T_MCP", "T_IP", "I_CMC", "I_MCP", "I_PIP", "I_DIP", "M_CMC", "M_MCP", "M_PIP",
    "M_DIP", "R_CMC", "R_MCP", "R_PIP", "R_DIP", "P_CMC", "P_MCP", "P_PIP", "P_DIP",
)
"""pose-format's OpenPose hand point names (same 21-joint order as COCO and MediaPipe: wrist, then 4 per finger)."""

BODY25_EDGES = [
    (1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12), (12, 13),
    (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (19, 20), (14, 21), (11, 22), (22, 23),
    (11, 24),
]
FACE0, LHAND0, RHAND0 = 25, 95, 116

NAMES = (
    ("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
     "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "right_eye",
     "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe", "left_heel", "right_big_toe",
     "right_small_toe", "right_heel")
    + tuple(f"face-{i}" for i in range(68)) + ("right_pupil", "left_pupil")
    + tuple(f"left_hand_{n}" for n in HAND_NAMES) + tuple(f"right_hand_{n}" for n in HAND_NAMES)
)

OPENPOSE_137 = Layout(
    name="openpose_137",
    names=NAMES,
    parts={
        "body": tuple(range(0, 25)),
        "face": tuple(range(FACE0, FACE0 + 70)),
        "mouth": tuple(range(FACE0 + 48, FACE0 + 68)),
        "left_hand": tuple(range(LHAND0, LHAND0 + 21)),
        "right_hand": tuple(range(RHAND0, RHAND0 + 21)),
    },
    edges=tuple(BODY25_EDGES + face68_edges(FACE0) + hand_edges(LHAND0) + hand_edges(RHAND0)
                + [(7, LHAND0), (4, RHAND0)]),
)

COMPONENTS = (
    ("pose_keypoints_2d", BODY25),
    ("face_keypoints_2d", FACE70),
    ("hand_left_keypoints_2d", HAND21),
    ("hand_right_keypoints_2d", HAND21),
)
"""(pose-format / OpenPose JSON component name, point names) in storage order."""
