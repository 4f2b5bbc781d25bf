"""The signer's body: proportions, a 68-point iBUG face with mouth / brow / head movement, arms by inverse
kinematics, and the assembly of all 133 COCO-WholeBody points.

Body frame (metres): origin at the middle of the shoulder line, X towards the image right (= the signer's
left), Y down, Z away from the camera (the signer faces the camera, so "in front of the body" is Z < 0).
Everything is first built for a right-handed signer in a "canonical" space where both hand channels are
right hands on the right arm; the non-dominant channel is then mirrored (X -> -X) onto the left arm.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signpt.data.synth.hand import GEOMETRIES, PALM_CENTRE, HandGeometry, hand_points, quat_to_matrix
from signpt.pose.layouts.coco133 import FACE0, LHAND0, RHAND0


@dataclass(frozen=True)
class Proportions:
    """Body measures of one signer, metres."""

    shoulder_width: float = 0.40
    neck: float = 0.12          # shoulder line to chin
    face_width: float = 0.15    # temple to temple
    upper_arm: float = 0.30
    forearm: float = 0.26
    hip_width: float = 0.30
    torso: float = 0.52         # shoulder line to hip line
    hand_size: float = 1.0      # scale of the hand model
    hand_geometry: str = "model"  # where the hand's joints sit (``hand.GEOMETRIES``; an estimator's convention)
    handshapes: str = "composed"  # the handshape inventory (``hand.INVENTORIES``)

    @property
    def eye_y(self) -> float:
        """Y of the eye line."""
        return -self.neck - 0.85 * self.face_width


def _face_template() -> np.ndarray:
    """The 68 iBUG landmarks of a neutral frontal face, (68, 3) in face units (face width = 1).

    Origin at the middle of the eye line; x to the image right, y down, z away from the camera."""
    p = np.zeros((68, 3))
    t = np.linspace(0.0, 1.0, 17)
    ang = np.pi * t
    c, s = np.cos(ang), np.sin(ang)
    p[0:17, 0] = -np.sign(c) * np.abs(c) ** 0.75 * 0.5
    p[0:17, 1] = 0.08 + 0.78 * np.abs(s) ** 1.4
    p[0:17, 2] = 0.25 * (1 - s) - 0.05
    brow_x = np.array([-0.42, -0.35, -0.26, -0.17, -0.08])
    brow_y = np.array([-0.13, -0.18, -0.2, -0.19, -0.16])
    p[17:22, 0], p[17:22, 1] = brow_x, brow_y
    p[22:27, 0], p[22:27, 1] = -brow_x[::-1], brow_y[::-1]
    p[17:27, 2] = -0.12
    p[27:31, 0] = 0.0
    p[27:31, 1] = np.linspace(-0.02, 0.3, 4)
    p[27:31, 2] = np.linspace(-0.14, -0.28, 4)
    p[31:36, 0] = [-0.1, -0.05, 0.0, 0.05, 0.1]
    p[31:36, 1] = [0.36, 0.375, 0.385, 0.375, 0.36]
    p[31:36, 2] = -0.2
    eye = np.array([[-0.29, 0.0], [-0.24, -0.035], [-0.16, -0.037], [-0.11, 0.0], [-0.16, 0.03], [-0.24, 0.03]])
    p[36:42, :2] = eye
    p[42:48, :2] = eye[[3, 2, 1, 0, 5, 4]] * [-1, 1]
    p[36:48, 2] = -0.1
    outer = np.array([[-0.17, 0.585], [-0.11, 0.55], [-0.045, 0.535], [0.0, 0.545], [0.045, 0.535], [0.11, 0.55],
                      [0.17, 0.585], [0.11, 0.635], [0.05, 0.655], [0.0, 0.658], [-0.05, 0.655], [-0.11, 0.635]])
    p[48:60, :2] = outer
    inner = np.array([[-0.13, 0.585], [-0.05, 0.578], [0.0, 0.58], [0.05, 0.578], [0.13, 0.585], [0.05, 0.592],
                      [0.0, 0.594], [-0.05, 0.592]])
    p[60:68, :2] = inner
    p[48:68, 2] = -0.17
    return p


FACE_TEMPLATE = _face_template()
_EYE_R, _EYE_L = slice(36, 42), slice(42, 48)
_UPPER_INNER, _LOWER_INNER = [61, 62, 63], [65, 66, 67]
_UPPER_OUTER, _LOWER_OUTER = [49, 50, 51, 52, 53], [55, 56, 57, 58, 59]
_CORNERS = [48, 54, 60, 64]
_WIDTH_IDX = np.array([48, 54, 60, 64, 49, 53, 59, 55, 61, 63, 65, 67])
_WIDTH_W = np.where(np.isin(_WIDTH_IDX, _CORNERS), 1.0, 0.6)
_LOWER_JAW = np.array([0, 0, 0, 0.15, 0.35, 0.6, 0.85, 1.0, 0.85, 0.6, 0.35, 0.15, 0, 0, 0, 0, 0])  # jaw drop

NM_CHANNELS = ("mouth_open", "mouth_width", "mouth_press", "brow", "head_pitch", "head_yaw", "head_roll", "blink")
"""Non-manual parameters per frame: mouth opening (0-1), mouth width (-1 round .. +1 spread), lip press (0-1),
eyebrow raise (0-1), head rotation (radians: pitch + = nod down, yaw + = turn to the image right,
roll + = tilt clockwise in the image), eye closure (0-1)."""


def face_points(nm: np.ndarray, props: Proportions, shape: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Face landmarks and the 5 COCO head points for each frame.

    nm: (T, 8) non-manual parameters (see ``NM_CHANNELS``). shape: optional (68, 3) per-signer face offsets
    (face units). Returns face (T, 68, 3) and head (T, 5, 3) [nose, left eye, right eye, left ear, right ear],
    body-frame metres."""
    T = nm.shape[0]
    f = np.broadcast_to(FACE_TEMPLATE if shape is None else FACE_TEMPLATE + shape, (T, 68, 3)).copy()
    op, wd, pr, br, blink = (nm[:, i][:, None] for i in (0, 1, 2, 3, 7))
    # mouth opening drops the lower lip and the jaw
    f[:, _LOWER_INNER, 1] += 0.16 * op + 0.04 * np.clip(-wd, 0, None)
    f[:, _LOWER_OUTER, 1] += 0.13 * op + 0.03 * np.clip(-wd, 0, None)
    f[:, _UPPER_INNER, 1] -= 0.025 * op + 0.03 * np.clip(-wd, 0, None) + 0.012 * np.clip(wd, 0, None)
    f[:, _LOWER_INNER, 1] += 0.015 * np.clip(wd, 0, None)
    f[:, 0:17, 1] += 0.14 * op * _LOWER_JAW
    # width: round (< 0) pulls the corners in, spread (> 0) pushes them out
    f[:, _WIDTH_IDX, 0] *= 1.0 + 0.35 * wd * _WIDTH_W
    # press: thin lips, inner lips on one line
    mid = 0.5 * (f[:, _UPPER_INNER, 1] + f[:, _LOWER_INNER, 1])
    f[:, _UPPER_INNER, 1] += pr * (mid - f[:, _UPPER_INNER, 1])
    f[:, _LOWER_INNER, 1] += pr * (mid - f[:, _LOWER_INNER, 1])
    f[:, _UPPER_OUTER, 1] += 0.02 * pr
    f[:, _LOWER_OUTER, 1] -= 0.025 * pr
    f[:, 60:68, 1] -= 0.04 * pr              # the lip line rises, the chin pushes up
    f[:, 6:11, 1] -= 0.03 * pr
    f[:, _WIDTH_IDX, 0] *= 1.0 - 0.2 * pr    # and the mouth narrows
    # eyebrows and blinks
    f[:, 17:27, 1] -= 0.07 * br
    for eye in (_EYE_R, _EYE_L):
        cy = f[:, eye, 1].mean(axis=1, keepdims=True)
        f[:, eye, 1] += blink * 0.85 * (cy - f[:, eye, 1])
    # head points in face units: nose tip, eye centres, ears
    head = np.empty((T, 5, 3))
    head[:, 0] = f[:, 30]
    head[:, 1] = f[:, _EYE_L].mean(axis=1)
    head[:, 2] = f[:, _EYE_R].mean(axis=1)
    head[:, 3] = (0.55, 0.12, 0.35)
    head[:, 4] = (-0.55, 0.12, 0.35)
    pts = np.concatenate([f, head], axis=1) * props.face_width
    pts[..., 1] += props.eye_y
    pts[..., 2] -= 0.05
    # head rotation about the top of the neck
    pivot = np.array([0.0, -0.45 * props.neck, 0.0])
    R = _head_rotation(nm[:, 4], nm[:, 5], nm[:, 6])
    pts = (pts - pivot) @ R.transpose(0, 2, 1) + pivot
    return pts[:, :68], pts[:, 68:]


def _head_rotation(pitch, yaw, roll) -> np.ndarray:
    cp, sp, cy, sy, cr, sr = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw), np.cos(roll), np.sin(roll)
    o, z = np.ones_like(pitch), np.zeros_like(pitch)
    # nod: rotate about X so that the face moves down (+Y) and in (+Z) for pitch > 0
    rx = np.stack([np.stack([o, z, z], -1), np.stack([z, cp, -sp], -1), np.stack([z, sp, cp], -1)], -2)
    ry = np.stack([np.stack([cy, z, -sy], -1), np.stack([z, o, z], -1), np.stack([sy, z, cy], -1)], -2)
    rz = np.stack([np.stack([cr, -sr, z], -1), np.stack([sr, cr, z], -1), np.stack([z, z, o], -1)], -2)
    return rz @ ry @ rx


def elbow_ik(shoulder: np.ndarray, wrist: np.ndarray, upper: float, fore: float, pole: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Two-bone inverse kinematics. shoulder (3,), wrist (T, 3), pole (3,) direction the elbow points to.

    Returns (elbow (T, 3), wrist (T, 3)); a wrist out of reach is pulled back onto the reachable sphere."""
    d = wrist - shoulder
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    reach = 0.995 * (upper + fore)
    too_far = dist > reach
    wrist = np.where(too_far, shoulder + d * (reach / np.maximum(dist, 1e-9)), wrist)
    dist = np.clip(dist, abs(upper - fore) + 1e-3, reach)
    u = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-9)
    cos_a = (upper ** 2 + dist ** 2 - fore ** 2) / (2 * upper * dist)
    sin_a = np.sqrt(np.clip(1 - cos_a ** 2, 0, None))
    v = pole - (u @ pole)[:, None] * u
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)
    elbow = shoulder + upper * (cos_a * u + sin_a * v)
    return elbow, wrist


def hand_world(pos: np.ndarray, quat: np.ndarray, angles: np.ndarray, size: float,
               geometry: HandGeometry | None = None) -> np.ndarray:
    """A right hand placed in the world. pos (T, 3) target of the palm centre, quat (T, 4) orientation,
    angles (T, 5, 4) joint angles -> (T, 21, 3) joint positions (index 0 = wrist)."""
    R = quat_to_matrix(quat)
    local = hand_points(angles, size, geometry) - PALM_CENTRE * size
    return local @ R.transpose(0, 2, 1) + pos[:, None, :]


def skeleton_points(tracks: dict, props: Proportions, left_handed: bool = False,
                    face_shape: np.ndarray | None = None) -> np.ndarray:
    """Assemble the 133 COCO-WholeBody points (T, 133, 3) in body-frame metres from motion tracks.

    tracks: "dom_pos", "nd_pos" (T, 3), "dom_quat", "nd_quat" (T, 4), "dom_hand", "nd_hand" (T, 5, 4),
    "nm" (T, 8); both hand channels in canonical right-hand space (see module docstring).
    Legs and feet are left at NaN (outside the frame)."""
    T = tracks["nm"].shape[0]
    out = np.full((T, 133, 3), np.nan)
    face, head = face_points(tracks["nm"], props, face_shape)
    out[:, FACE0:FACE0 + 68] = face
    out[:, 0:5] = head
    sw = props.shoulder_width
    r_sh = np.array([-sw / 2, 0.02, 0.0])
    pole = np.array([-0.6, 1.0, 0.1])
    arms = []
    for ch in ("dom", "nd"):
        hand = hand_world(tracks[f"{ch}_pos"], tracks[f"{ch}_quat"], tracks[f"{ch}_hand"], props.hand_size,
                          GEOMETRIES[props.hand_geometry])
        elbow, wrist = elbow_ik(r_sh, hand[:, 0], props.upper_arm, props.forearm, pole)
        hand = hand + (wrist - hand[:, 0])[:, None, :]
        arms.append((elbow, hand))
    (d_elbow, d_hand), (n_elbow, n_hand) = arms
    mirror = np.array([-1.0, 1.0, 1.0])
    if left_handed:   # dominant channel on the left arm
        right_elbow, right_hand, left_elbow, left_hand = n_elbow, n_hand, d_elbow * mirror, d_hand * mirror
    else:
        right_elbow, right_hand, left_elbow, left_hand = d_elbow, d_hand, n_elbow * mirror, n_hand * mirror
    out[:, 5] = r_sh * mirror
    out[:, 6] = r_sh
    out[:, 7], out[:, 8] = left_elbow, right_elbow
    out[:, 9], out[:, 10] = left_hand[:, 0], right_hand[:, 0]
    out[:, 11] = (props.hip_width / 2, props.torso, 0.0)
    out[:, 12] = (-props.hip_width / 2, props.torso, 0.0)
    out[:, LHAND0:LHAND0 + 21] = left_hand
    out[:, RHAND0:RHAND0 + 21] = right_hand
    return out
