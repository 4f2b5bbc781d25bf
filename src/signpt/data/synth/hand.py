"""Hand model: handshapes as finger joint angles, forward kinematics of a 21-joint hand, palm orientation.

Hand-local frame of a RIGHT hand (metres): origin at the wrist, +y towards the fingers, +z out of the palm
(the side the fingers curl to), +x towards the thumb (x = y cross z). A left hand is the mirror image (x -> -x
after placing in the world); see ``body.py``.

Joint angles of one hand: (5, 4) float radians, row 0 = thumb, rows 1-4 = fore, middle, ring, pinky finger.
- fingers: [abduction (spread, + towards the thumb), MCP flexion, PIP flexion, DIP flexion].
- thumb:   [azimuth (away from the fore finger in the palm plane), elevation (opposition, towards the palm),
            MCP flexion, IP flexion].
Output points follow the COCO / MediaPipe 21-joint order: root (wrist), then per finger 4 joints from palm out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signpt.data.synth import hand_fitted as _fitted

@dataclass(frozen=True)
class HandGeometry:
    """Where a hand's joints sit, hand-local metres (see the module docstring), before a signer's hand size:
    finger_base (4, 3) MCP joints of the fore to little finger, thumb_base (3,) the thumb's CMC joint,
    finger_len (4, 3) phalanx lengths (proximal, middle, distal), thumb_len (3,) metacarpal, proximal, distal."""

    finger_base: tuple
    thumb_base: tuple
    finger_len: tuple
    thumb_len: tuple

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return (np.asarray(self.finger_base, dtype=np.float64), np.asarray(self.thumb_base, dtype=np.float64),
                np.asarray(self.finger_len, dtype=np.float64), np.asarray(self.thumb_len, dtype=np.float64))


MODEL_GEOMETRY = HandGeometry(
    finger_base=((0.024, 0.090, 0.0), (0.004, 0.094, 0.0), (-0.014, 0.089, 0.0), (-0.030, 0.079, 0.0)),
    thumb_base=(0.022, 0.022, 0.006),
    finger_len=((0.042, 0.025, 0.019), (0.047, 0.029, 0.020), (0.044, 0.027, 0.019), (0.034, 0.020, 0.017)),
    thumb_len=(0.042, 0.032, 0.026))
"""The hand model's own anatomy (an adult hand, palm length wrist to middle knuckle 9.4 cm)."""
PALM_CENTRE = np.array([0.0, 0.05, 0.0])
"""Hand-local point that a sign location refers to (centre of the palm)."""

D = np.pi / 180.0

# finger states: (MCP, PIP, DIP) flexion in degrees
_STATES = {
    "ext": (0, 0, 0),       # straight
    "bent": (80, 5, 5),     # bent at the knuckle only
    "curve": (30, 40, 25),  # C-shape
    "round": (45, 55, 40),  # O-shape, touching the thumb
    "flato": (65, 15, 10),  # flat-O
    "hook": (10, 95, 65),   # claw / hooked
    "fist": (88, 105, 60),  # closed
    "half": (45, 10, 5),
    "relax": (20, 28, 15),
}
# thumb states: (azimuth, elevation, MCP flexion, IP flexion) in degrees
_THUMBS = {
    "out": (55, 5, 0, 0),        # abducted (5, L, Y)
    "side": (14, 8, 5, 5),       # alongside the fore finger (A, B-side)
    "tuck": (20, 45, 45, 30),    # across the palm (B, 4, 1)
    "across": (10, 60, 55, 40),  # across the closed fingers (S)
    "oppose": (35, 55, 15, 15),  # opposed, tip towards the finger tips (O, C, flat-O)
    "up": (30, -10, 0, 0),       # sticking up (thumbs-up when fingers are closed)
    "relax": (30, 25, 15, 15),
}
_SPREAD = np.array([0.0, 0.16, 0.0, -0.14, -0.28])  # abduction per finger when spread (rad); thumb row unused
_TOGETHER = np.array([0.0, 0.03, 0.0, -0.03, -0.07])
_CROSSED = np.array([0.0, -0.2, 0.12, -0.03, -0.07])  # fore finger crossed over the middle finger (R)

# name -> (thumb, (fore, middle, ring, pinky), spread)
_SHAPES = {
    "A": ("side", ("fist",) * 4, False),
    "S": ("across", ("fist",) * 4, False),
    "B": ("tuck", ("ext",) * 4, False),
    "5": ("out", ("ext",) * 4, True),
    "1": ("across", ("ext", "fist", "fist", "fist"), False),
    "V": ("across", ("ext", "ext", "fist", "fist"), True),
    "U": ("across", ("ext", "ext", "fist", "fist"), False),
    "W": ("across", ("ext", "ext", "ext", "fist"), True),
    "Y": ("out", ("fist", "fist", "fist", "ext"), False),
    "L": ("out", ("ext", "fist", "fist", "fist"), False),
    "I": ("across", ("fist", "fist", "fist", "ext"), False),
    "C": ("oppose", ("curve",) * 4, False),
    "O": ("oppose", ("round",) * 4, False),
    "flatO": ("oppose", ("flato",) * 4, False),
    "claw": ("out", ("hook",) * 4, True),
    "bentB": ("tuck", ("bent",) * 4, False),
    "X": ("across", ("hook", "fist", "fist", "fist"), False),
    "F": ("oppose", ("round", "ext", "ext", "ext"), True),
    "3": ("out", ("ext", "ext", "fist", "fist"), True),
    "horns": ("across", ("ext", "fist", "fist", "ext"), True),
    "bentV": ("across", ("hook", "hook", "fist", "fist"), True),
    "4": ("tuck", ("ext",) * 4, True),
    "T": ("up", ("fist",) * 4, False),
    # the rest of the ASL / DGS manual alphabets (letters with their own handshape) and common shapes
    "D": ("oppose", ("ext", "round", "round", "round"), False),
    "E": ("tuck", ("hook",) * 4, False),
    "G": ("side", ("ext", "fist", "fist", "fist"), False),
    "K": ("up", ("ext", "ext", "fist", "fist"), True),
    "M": ("tuck", ("flato", "flato", "flato", "fist"), False),
    "N": ("tuck", ("flato", "flato", "fist", "fist"), False),
    "R": ("across", ("ext", "ext", "fist", "fist"), "cross"),
    "8": ("oppose", ("ext", "round", "ext", "ext"), True),
    "babyO": ("oppose", ("round", "fist", "fist", "fist"), False),
    "bent5": ("out", ("bent",) * 4, True),
    "openA": ("out", ("fist",) * 4, False),
    "bentL": ("out", ("bent", "fist", "fist", "fist"), False),
}
HANDSHAPES: tuple[str, ...] = tuple(_SHAPES)
"""The handshape inventory (35 shapes, named after the ASL manual alphabet / classifier shapes): every
letter of the ASL and DGS manual alphabets that has a handshape of its own (H = U, P = K, Q = G, J = I and
Z = 1 differ by orientation or movement), the numbers 3, 4, 5, 8 and common classifier shapes."""

# anatomical joint limits, radians, (low, high) per (digit, joint) (see the module docstring for the joints)
JOINT_LIMITS = np.array([
    [(-0.2, 1.2), (-0.4, 1.3), (-0.2, 1.1), (-0.3, 1.4)],                  # thumb: azimuth, elevation, MCP, IP
] + [[(-0.45, 0.45), (-0.35, 1.6), (0.0, 1.9), (-0.1, 1.4)]] * 4)          # fingers: abduction, MCP, PIP, DIP


def clamp_joints(angles: np.ndarray) -> np.ndarray:
    """Joint angles (..., 5, 4) clipped to ``JOINT_LIMITS`` (a hand cannot bend further than a real one)."""
    return np.clip(angles, JOINT_LIMITS[..., 0], JOINT_LIMITS[..., 1])


def _angles(thumb: str, fingers, spread: bool) -> np.ndarray:
    a = np.zeros((5, 4))
    a[0] = np.array(_THUMBS[thumb], dtype=float) * D
    ab = _CROSSED if spread == "cross" else _SPREAD if spread else _TOGETHER
    for i, st in enumerate(fingers, start=1):
        a[i, 0] = ab[i]
        a[i, 1:] = np.array(_STATES[st], dtype=float) * D
    return a


_COMPOSED = {name: _angles(*spec) for name, spec in _SHAPES.items()}
_COMPOSED["relax"] = _angles("relax", ("relax",) * 4, False)
FITTED: tuple[str, ...] = tuple(n for n in HANDSHAPES if n in _fitted.FITTED_DEG)
"""Handshapes whose angles were fitted to real hands of the same name (``hand_fitted.py``, written by
``benchmarks/fit_handshapes.py``): the ASL letters of the inventory. The others keep their composed angles."""
_ANGLES = dict(_COMPOSED)
_ANGLES.update({n: clamp_joints(np.radians(np.asarray(_fitted.FITTED_DEG[n], dtype=np.float64))) for n in FITTED})
for _a in (*_ANGLES.values(), *_COMPOSED.values()):
    _a.flags.writeable = False


INVENTORIES = ("fitted", "composed")
"""Handshape inventories: "fitted" (the letters fitted to real hands, ``FITTED``), "composed" (every shape from
the finger and thumb states, as before the fit; what the profiles fitted to the test files keep, so that the
default synthetic corpus and its documented figures do not move)."""


def handshape_angles(name: str, inventory: str = "fitted") -> np.ndarray:
    """Joint angles (5, 4) radians of a named handshape (or "relax", the resting hand); read-only. `inventory`
    "fitted": fitted to real hands where ``FITTED`` has it, else composed; "composed": ``composed_angles``."""
    if inventory == "composed":
        return composed_angles(name)
    if inventory != "fitted":
        raise KeyError(f"unknown handshape inventory {inventory!r}; known: {', '.join(INVENTORIES)}")
    try:
        return _ANGLES[name]
    except KeyError:
        raise KeyError(f"unknown handshape {name!r}; known: {', '.join(HANDSHAPES)}") from None


def composed_angles(name: str) -> np.ndarray:
    """Joint angles (5, 4) radians of a handshape composed from the finger and thumb states (``_SHAPES``), as
    the inventory was before its letters were fitted to real hands; read-only."""
    try:
        return _COMPOSED[name]
    except KeyError:
        raise KeyError(f"unknown handshape {name!r}; known: {', '.join(HANDSHAPES)}") from None


GEOMETRIES = {"model": MODEL_GEOMETRY, "mediapipe": HandGeometry(**_fitted.MEDIAPIPE_GEOMETRY)}
"""Hand geometries by name: the model's own anatomy, and where MediaPipe puts the joints (fitted with the
handshapes to its real hands, ``hand_fitted.py``)."""


def hand_points(angles: np.ndarray, size: float = 1.0, geometry: HandGeometry | None = None) -> np.ndarray:
    """Forward kinematics. angles (..., 5, 4) radians -> hand-local joint positions (..., 21, 3) metres.

    `size` scales all bone lengths (a signer's hand size); `geometry`: where the joints sit (default
    ``MODEL_GEOMETRY``; ``GEOMETRIES`` holds the estimators' own)."""
    fbase, tbase, flen, tlen = (geometry or MODEL_GEOMETRY).arrays()
    angles = np.asarray(angles, dtype=np.float64)
    lead = angles.shape[:-2]
    out = np.zeros(lead + (21, 3))
    # four fingers, vectorised over fingers and leading dims
    ab = angles[..., 1:, 0]                       # (..., 4)
    flex = np.cumsum(angles[..., 1:, 1:], axis=-1)  # (..., 4, 3) cumulative flexion per segment
    sa, ca = np.sin(ab)[..., None], np.cos(ab)[..., None]
    seg = np.stack([sa * np.cos(flex), ca * np.cos(flex), np.sin(flex)], axis=-1)  # (..., 4, 3, 3)
    seg = seg * (flen * size)[..., None]
    cum = np.cumsum(seg, axis=-2)                 # (..., 4, 3, 3) offsets of PIP, DIP, tip from MCP
    base = fbase * size                           # (4, 3)
    fingers = np.concatenate([np.broadcast_to(base, cum.shape[:-2] + (3,))[..., None, :], base[:, None, :] + cum],
                             axis=-2)             # (..., 4, 4, 3)
    out[..., 5:, :] = fingers.reshape(lead + (16, 3))
    # thumb: segment directions from azimuth / elevation, flexion turns it across the palm
    az0, el0 = angles[..., 0, 0], angles[..., 0, 1]
    f = np.stack([np.zeros_like(az0), angles[..., 0, 2], angles[..., 0, 2] + angles[..., 0, 3]], axis=-1)
    az = az0[..., None] - 0.9 * f
    el = el0[..., None] + 0.6 * f
    tseg = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)  # (..., 3, 3)
    tseg = tseg * (tlen * size)[:, None]
    tb = tbase * size
    out[..., 1, :] = tb
    out[..., 2:5, :] = tb + np.cumsum(tseg, axis=-2)
    return out


def rotation_from_vectors(fingers, palm) -> np.ndarray:
    """World rotation of a right hand whose fingers point along `fingers` and whose palm faces `palm`
    (world 3-vectors, need not be unit or exactly orthogonal) -> (3, 3) matrix, columns = local x, y, z."""
    y = np.asarray(fingers, dtype=np.float64)
    y = y / np.linalg.norm(y)
    z = np.asarray(palm, dtype=np.float64)
    z = z - y * (z @ y)
    z = z / np.linalg.norm(z)
    x = np.cross(y, z)
    return np.stack([x, y, z], axis=1)


# World frame: X right in the image (= the signer's left), Y down, Z away from the camera (into the signer).
# Orientations of the dominant (right) hand: name -> (finger direction, palm direction).
ORIENTATIONS = {
    "fwd_up": ((0.0, -1.0, -0.15), (0.0, 0.15, -1.0)),    # palm to the camera, fingers up
    "back_up": ((0.0, -1.0, 0.15), (0.0, 0.15, 1.0)),     # palm to the signer, fingers up
    "in_up": ((0.15, -1.0, -0.2), (1.0, 0.0, -0.2)),      # palm to the midline, fingers up
    "down_fwd": ((0.25, -0.6, -0.75), (0.0, 1.0, -0.5)),  # palm down, fingers forward (and up: a frontal
    "up_fwd": ((0.25, -0.6, -0.75), (0.0, -1.0, -0.5)),   # camera sees the hand at least half its length)
    "down_in": ((1.0, -0.2, -0.3), (0.0, 1.0, -0.15)),    # palm down, fingers to the midline
    "back_in": ((1.0, -0.3, 0.0), (0.0, 0.1, 1.0)),       # palm to the body, fingers across
    "fwd_in": ((1.0, -0.3, 0.0), (0.0, 0.1, -1.0)),       # palm to the camera, fingers across
    "in_fwd": ((0.25, -0.6, -0.75), (1.0, 0.0, -0.1)),    # vertical flat hand, fingers forward
    "up_in": ((1.0, -0.2, -0.3), (0.0, -1.0, -0.2)),      # palm up, fingers to the midline
}
REST_ORIENTATION = ((0.55, 0.25, -0.8), (0.3, -0.5, 0.6))
"""Resting hand in front of the lap: fingers forward-in, palm up-in."""


def quat_from_matrix(m: np.ndarray) -> np.ndarray:
    """(3, 3) rotation -> unit quaternion (w, x, y, z)."""
    m = np.asarray(m, dtype=np.float64)
    tr = np.trace(m)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = np.zeros(4)
        q[0] = (m[k, j] - m[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (m[j, i] + m[i, j]) / s
        q[1 + k] = (m[k, i] + m[i, k]) / s
    q = np.asarray(q, dtype=np.float64)
    return q / np.linalg.norm(q)


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Quaternions (..., 4) (w, x, y, z), normalised here -> rotations (..., 3, 3)."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between unit quaternions q0, q1 (4,) at times t (N,) -> (N, 4)."""
    q0 = np.asarray(q0, dtype=np.float64)
    q1 = np.asarray(q1, dtype=np.float64)
    d = float(q0 @ q1)
    if d < 0:
        q1, d = -q1, -d
    t = np.asarray(t, dtype=np.float64)[:, None]
    if d > 0.9995:
        q = q0 + t * (q1 - q0)
    else:
        th = np.arccos(d)
        q = (np.sin((1 - t) * th) * q0 + np.sin(t * th) * q1) / np.sin(th)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def quat_axis_angle(axis, angle: float) -> np.ndarray:
    """Quaternion of a rotation by `angle` radians about `axis` (3,)."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    return np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * a])


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product of quaternions (..., 4)."""
    aw, ax, ay, az = np.moveaxis(np.asarray(a, dtype=np.float64), -1, 0)
    bw, bx, by, bz = np.moveaxis(np.asarray(b, dtype=np.float64), -1, 0)
    return np.stack([aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw], -1)


_QUATS = {name: quat_from_matrix(rotation_from_vectors(*v)) for name, v in ORIENTATIONS.items()}
_QUATS["rest"] = quat_from_matrix(rotation_from_vectors(*REST_ORIENTATION))


def orientation_quat(name: str) -> np.ndarray:
    """Quaternion (4,) of a named palm orientation of the dominant (right) hand (or "rest")."""
    return _QUATS[name].copy()
