"""Normalisation of 79-point poses as in the paper (section IV-A, "Input Pose").

Body, face contour, nose tip and mouth are divided by the video resolution::

    u = x / width,  v = y / height                         (so the frame maps to [0, 1] x [0, 1])

Each hand (k79 37-57 left, 58-78 right) is normalised to its own box, per frame, computed from its present
points (confidence > 0)::

    centre = ((min x + max x) / 2, (min y + max y) / 2)
    side   = HAND_BOX_SCALE * max(max x - min x, max y - min y, MIN_HAND_SIDE)     (pixels)
    u = (x - centre_x) / side + 0.5,  v = (y - centre_y) / side + 0.5

i.e. the tight square around the hand, enlarged by 20 % (10 % margin each side), mapped to [0, 1] x [0, 1]; the
aspect ratio of the hand is kept. ``MIN_HAND_SIDE`` (1 pixel) avoids a division by zero when one point is present.
Missing points (confidence <= 0 or non-finite) stay at (0, 0) and stay missing. :class:`NormInfo` keeps the frame
size, the per-frame hand boxes and the presence mask, which is all :func:`denormalise` needs to map back to pixels.
Inputs may have any leading dimensions: keypoints (..., 79, 2), confidence (..., 79).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signpt.errors import PoseFormatError
from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND

HAND_BOX_SCALE = 1.2
MIN_HAND_SIDE = 1.0
HANDS = np.asarray([LEFT_HAND, RIGHT_HAND], dtype=np.int64)  # (2, 21)
_BIG = np.float32(1e30)
H0, H1 = LEFT_HAND[0], RIGHT_HAND[-1] + 1  # the two hands are contiguous: k79 37-78
assert tuple(range(H0, H1)) == LEFT_HAND + RIGHT_HAND


@dataclass
class NormInfo:
    """What :func:`denormalise` needs.

    frame_size:  (width, height) in pixels.
    hand_center: (..., 2, 2) float32 box centre in pixels, [..., hand (0 left, 1 right), xy]; 0 where the hand
                 has no present point in that frame.
    hand_side:   (..., 2) float32 box side in pixels; 0 where the hand is absent.
    present:     (..., 79) bool, True where the point is present.
    """

    frame_size: tuple[float, float]
    hand_center: np.ndarray
    hand_side: np.ndarray
    present: np.ndarray


def normalise(keypoints, confidence, frame_size) -> tuple[np.ndarray, NormInfo]:
    """(normalised (..., 79, 2) float32, NormInfo) from pixel keypoints (..., 79, 2) and confidence (..., 79)."""
    kp = np.asarray(keypoints, dtype=np.float32)
    conf = np.asarray(confidence, dtype=np.float32)
    if kp.ndim < 2 or kp.shape[-2:] != (79, 2) or conf.shape != kp.shape[:-1]:
        raise PoseFormatError(f"normalise: expected keypoints (..., 79, 2) and confidence (..., 79), "
                              f"got {kp.shape} and {conf.shape}")
    w, h = (float(v) for v in frame_size)
    if not (w > 0 and h > 0):
        raise PoseFormatError(f"normalise: frame size must be positive, got {frame_size}")
    # Speed (this runs in the data loader for every sample): numpy is slow on a trailing axis of size 2 and on
    # np.where, so x and y are separate (..., 79) arrays and masks are applied by multiplying with 0/1.
    x, y = kp[..., 0], kp[..., 1]
    present = conf > 0                                        # NaN confidence > 0 is False
    finite_x, finite_y = np.isfinite(x), np.isfinite(y)
    if not (finite_x.all() and finite_y.all()):
        present &= finite_x & finite_y
        x, y = np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0)
    pf = present.astype(np.float32)
    x, y = x * pf, y * pf                                     # missing points at 0 (contiguous copies)
    ux, uy = x * np.float32(1.0 / w), y * np.float32(1.0 / h)

    lead = kp.shape[:-2]
    hpf = pf[..., H0:H1].reshape(lead + (2, 21))              # [..., hand, joint]
    hx = x[..., H0:H1].reshape(lead + (2, 21))
    hy = y[..., H0:H1].reshape(lead + (2, 21))
    away = (np.float32(1) - hpf) * _BIG                       # pushes missing points out of min / max
    x0, x1 = (hx + away).min(-1), (hx - away).max(-1)         # (..., 2)
    y0, y1 = (hy + away).min(-1), (hy - away).max(-1)
    anyf = hpf.max(-1)                                        # 1 where the hand has a present point
    cx = (x0 + x1) * np.float32(0.5) * anyf                   # absent hand: +BIG - BIG = 0
    cy = (y0 + y1) * np.float32(0.5) * anyf
    side = np.float32(HAND_BOX_SCALE) * np.maximum(np.maximum(x1 - x0, y1 - y0), np.float32(MIN_HAND_SIDE)) * anyf
    inv = (np.float32(1) / (side + (np.float32(1) - anyf)))[..., None]
    ux[..., H0:H1] = (((hx - cx[..., None]) * inv + np.float32(0.5)) * hpf).reshape(lead + (42,))
    uy[..., H0:H1] = (((hy - cy[..., None]) * inv + np.float32(0.5)) * hpf).reshape(lead + (42,))
    out = np.stack([ux, uy], -1)
    return out, NormInfo((w, h), np.stack([cx, cy], -1), side, present)


def denormalise(normalised, info: NormInfo) -> np.ndarray:
    """Pixel keypoints (..., 79, 2) float32 from :func:`normalise`'s output; missing points come back as 0."""
    u = np.asarray(normalised, dtype=np.float32)
    w, h = info.frame_size
    lead = u.shape[:-2]
    px = u[..., 0] * np.float32(w)
    py = u[..., 1] * np.float32(h)
    side = info.hand_side[..., None].astype(np.float32)
    for p, axis in ((px, 0), (py, 1)):
        hand = u[..., H0:H1, axis].reshape(lead + (2, 21))
        p[..., H0:H1] = ((hand - np.float32(0.5)) * side + info.hand_center[..., axis, None]).reshape(lead + (42,))
    pf = info.present.astype(np.float32)
    return np.stack([px * pf, py * pf], -1)


def save_normalised(path, normalised, confidence, info: NormInfo, *, fps: float) -> None:
    """An ``.npz`` of normalised k79 coordinates with everything to map back (keys keypoints, confidence,
    fps, frame_size, layout, normalised=1, hand_center, hand_side). Written atomically."""
    from signpt.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        conf = np.where(info.present, np.asarray(confidence, np.float32), 0.0).astype(np.float32)
        np.savez(f, keypoints=np.asarray(normalised, np.float32), confidence=conf,
                 fps=np.float64(fps), frame_size=np.asarray(info.frame_size, np.float64), layout=np.str_("k79"),
                 normalised=np.int8(1), hand_center=info.hand_center, hand_side=info.hand_side)


def load_normalised(path) -> tuple[np.ndarray, np.ndarray, NormInfo, float]:
    """(normalised, confidence, NormInfo, fps) from :func:`save_normalised`'s file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files}
    except Exception as e:
        raise PoseFormatError(f"{path}: not a readable .npz archive ({type(e).__name__}: {e})") from None
    if not int(d.get("normalised", 0)):
        raise PoseFormatError(f"{path}: holds pixel coordinates, not normalised ones; use read_pose")
    conf = d["confidence"]
    present = conf > 0
    info = NormInfo(tuple(float(v) for v in d["frame_size"]), d["hand_center"], d["hand_side"], present)
    return d["keypoints"], conf, info, float(d["fps"])
