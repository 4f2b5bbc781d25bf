"""Reading options shared by the commands that take a pose file (``convert``, ``show``)."""
from __future__ import annotations


def add_mediapipe_vector_args(p) -> None:
    """``--blocks`` and ``--one-hand``: how to read MediaPipe flat vectors (``.npy`` (T, D) or a folder of
    per-frame ``<n>.npy``; :mod:`signpt.pose.io.mediapipe_vectors`)."""
    p.add_argument("--blocks", default=None,
                   help="MediaPipe flat vectors only: their block order when it is not the default for D, "
                        "e.g. 'pose|right|left' (names: pose, pose11, face, left, right, hand)")
    p.add_argument("--one-hand", choices=("right", "left"), default=None,
                   help="MediaPipe flat vectors of one hand (D = 63): the slot it goes to (default: right)")
