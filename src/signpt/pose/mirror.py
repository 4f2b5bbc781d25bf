"""Left-right mirroring of k79 poses: the same signing as a signer of the other handedness would produce it.

A left-handed signer signs with the left hand dominant, i.e. (to first order) as the mirror image of a right-
handed one. Mirroring a clip flips x and swaps every point with its anatomical counterpart: left and right eyes,
ears, shoulders, elbows, wrists and hands, the jaw line end for end (iBUG 0 <-> 16), the inner lips corner for
corner (iBUG 60 <-> 64, 61 <-> 63, 65 <-> 67); the nose, nose tip, chin and lip middles map to themselves.
"""
from __future__ import annotations

import numpy as np

from signpt.pose.layouts.k79 import FACE_CONTOUR, LEFT_HAND, MOUTH, RIGHT_HAND

_BODY_SWAP = {1: 2, 3: 4, 5: 6, 7: 8, 9: 10}          # eyes, ears, shoulders, elbows, wrists (nose 0 stays)
_MOUTH_SWAP = {0: 4, 1: 3, 5: 7}                       # inner lips, iBUG 60..67 -> positions 0..7 of MOUTH


def _permutation() -> np.ndarray:
    perm = np.arange(79)
    for a, b in _BODY_SWAP.items():
        perm[a], perm[b] = b, a
    n = len(FACE_CONTOUR)
    for i in range(n):
        perm[FACE_CONTOUR[i]] = FACE_CONTOUR[n - 1 - i]
    for a, b in _MOUTH_SWAP.items():
        perm[MOUTH[a]], perm[MOUTH[b]] = MOUTH[b], MOUTH[a]
    for left, right in zip(LEFT_HAND, RIGHT_HAND):
        perm[left], perm[right] = right, left
    return perm


MIRROR_K79 = _permutation()
"""(79,) int: mirrored point i is original point MIRROR_K79[i] (an involution: its own inverse)."""


def mirror_k79(pose, confidence):
    """Mirror normalised k79 poses left-right. pose (..., 79, 2) normalised (``signpt.pose.normalise``: body and
    face x in frame widths, each hand's x in its own box, both in [0, 1]), confidence (..., 79) -> the same
    shapes: x -> 1 - x, points swapped with their counterparts (``MIRROR_K79``). Missing points stay missing.
    Works on NumPy arrays and torch tensors."""
    index = MIRROR_K79 if isinstance(pose, np.ndarray) else _torch_index(pose)
    p = pose[..., index, :]
    c = confidence[..., index]
    out = p.copy() if isinstance(p, np.ndarray) else p.clone()
    present = c > 0
    out[..., 0][present] = 1 - p[..., 0][present]  # a missing point keeps its stored value
    return out, c


def _torch_index(like):
    import torch

    return torch.as_tensor(MIRROR_K79, dtype=torch.long, device=like.device)


def mirror_pixels(keypoints: np.ndarray, confidence: np.ndarray, frame_size) -> tuple[np.ndarray, np.ndarray]:
    """The same mirroring on stored k79 pixel coordinates: keypoints (T, 79, 2) pixels, confidence (T, 79),
    frame_size (width, height) -> (keypoints, confidence); x -> width - x for present points. Normalising the
    result (``signpt.pose.normalise``) gives ``mirror_k79`` of the normalised original."""
    kp = np.asarray(keypoints)[:, MIRROR_K79]          # index arrays copy: the input is left as it was
    conf = np.asarray(confidence)[:, MIRROR_K79]
    present = conf > 0
    kp[..., 0][present] = float(frame_size[0]) - kp[..., 0][present]
    return kp, conf
