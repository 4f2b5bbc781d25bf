"""Signers: body proportions, face shape, handedness, speed, jitter, camera, and pose-detector faults.

``observe`` turns body-frame 3-D points into what a 2-D whole-body pose estimator would report: pixel
coordinates in the signer's camera frame with per-point confidences, keypoint noise, hands that are missing
or uncertain for some frames (more often when they move fast or cross the face), points outside the frame,
and occasionally a dropped video frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signpt.data.synth.body import Proportions
from signpt.pose.layouts.coco133 import FACE0, LHAND0, RHAND0


@dataclass(frozen=True)
class Signer:
    id: str
    props: Proportions
    face_shape: np.ndarray         # (68, 3) face-unit offsets from the template
    left_handed: bool
    speed: float                   # > 1 signs faster
    jitter: float                  # scale of production variation
    frame_size: tuple[int, int]
    scale: float                   # pixels per metre
    origin: tuple[float, float]    # pixel position of the body origin (middle of the shoulders)
    roll: float                    # camera roll, radians
    noise_px: float                # keypoint noise (pixels at scale 800)
    miss_rate: float               # chance per frame that a missing-hand run starts
    low_conf_rate: float           # chance per frame of an uncertain hand
    drop_rate: float               # chance per frame that the frame is lost
    fps: float = 25.0


def make_signer(signer_id: str, rng: np.random.Generator) -> Signer:
    """Draw one signer."""
    u = rng.uniform
    size = u(0.9, 1.1)
    props = Proportions(
        shoulder_width=0.40 * size * u(0.92, 1.08), neck=0.105 * size * u(0.85, 1.15),
        face_width=0.15 * size * u(0.93, 1.07), upper_arm=0.30 * size * u(0.95, 1.05),
        forearm=0.26 * size * u(0.95, 1.05), hip_width=0.32 * size * u(0.9, 1.1), torso=0.52 * size,
        hand_size=size * u(0.92, 1.08),
    )
    face_shape = rng.normal(0, 0.015, (68, 3))
    face_shape[:17, 0] *= 2.0   # jaw width varies most
    w, h = [(1280, 720), (1280, 720), (1280, 720), (1920, 1080), (960, 720)][rng.integers(5)]
    scale = h / 720 * u(620, 900)
    origin = (w / 2 + u(-0.08, 0.08) * w, h * u(0.4, 0.5))
    return Signer(
        id=signer_id, props=props, face_shape=face_shape, left_handed=bool(rng.random() < 0.15),
        speed=u(0.8, 1.25), jitter=u(0.6, 1.4), frame_size=(w, h), scale=scale, origin=origin,
        roll=u(-0.04, 0.04), noise_px=u(0.5, 2.0), miss_rate=u(0.0, 0.025), low_conf_rate=u(0.01, 0.06),
        drop_rate=u(0.0, 0.015),
    )


_BODY = np.arange(0, 13)
_HANDS = (np.arange(LHAND0, LHAND0 + 21), np.arange(RHAND0, RHAND0 + 21))


def observe(points: np.ndarray, signer: Signer, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Camera projection and detector faults.

    points: (T, 133, 3) body-frame metres, NaN = not visible. Returns keypoints (T', 133, 2) float32 pixels
    and confidence (T', 133) float32; T' <= T when frames were dropped. Missing points are (0, 0) with
    confidence 0."""
    T = points.shape[0]
    # slow body sway, then orthographic projection with a slight camera roll
    sway = np.cumsum(rng.normal(0, 0.0015, (T, 1, 2)), axis=0)
    sway -= sway.mean(axis=0)
    xy = points[..., :2] + sway
    c, s = np.cos(signer.roll), np.sin(signer.roll)
    xy = xy @ np.array([[c, s], [-s, c]]) * signer.scale + np.asarray(signer.origin)
    k = signer.scale / 800.0
    sigma = np.full(133, 1.0)
    sigma[FACE0:FACE0 + 68] = 0.6
    sigma[LHAND0:] = 1.4
    xy = xy + rng.normal(0, 1, xy.shape) * (sigma * signer.noise_px * k)[None, :, None]
    conf = np.empty((T, 133))
    conf[:] = rng.uniform(0.85, 0.97)
    conf[:, FACE0:FACE0 + 68] = rng.uniform(0.75, 0.93)
    conf[:, LHAND0:] = rng.uniform(0.6, 0.9)
    conf[:, 11:13] = 0.35
    conf += rng.normal(0, 0.03, conf.shape)
    face_c = xy[:, FACE0 + 30]   # nose tip
    face_r = 0.09 * signer.scale
    for idx in _HANDS:
        root = xy[:, idx[0]]
        vel = np.r_[0.0, np.linalg.norm(np.diff(root, axis=0), axis=-1)] / signer.scale * signer.fps  # m/s
        on_face = np.linalg.norm(root - face_c, axis=-1) < face_r
        p_start = signer.miss_rate * (1 + 2.0 * np.clip(vel - 1.0, 0, None)) + 0.05 * on_face
        missing = np.zeros(T, bool)
        lengths = rng.geometric(0.35, T)
        for t in np.flatnonzero(rng.random(T) < p_start):   # runs of missing frames
            missing[t:t + lengths[t]] = True
        low = (rng.random(T) < signer.low_conf_rate) | (vel > 1.6)
        conf[np.ix_(low, idx)] *= rng.uniform(0.25, 0.5)
        xy[np.ix_(low, idx)] += rng.normal(0, 4 * k, (int(low.sum()), 21, 2))
        conf[np.ix_(missing, idx)] = 0.0
    w, h = signer.frame_size
    outside = ~np.isfinite(xy).all(-1) | (xy[..., 0] < 0) | (xy[..., 0] >= w) | (xy[..., 1] < 0) | (xy[..., 1] >= h)
    conf = np.clip(conf, 0.0, 1.0)
    conf[outside] = 0.0
    xy[conf <= 0] = 0.0
    keep = np.ones(T, bool)
    keep[1:-1] = rng.random(T - 2) >= signer.drop_rate
    return xy[keep].astype(np.float32), conf[keep].astype(np.float32)
