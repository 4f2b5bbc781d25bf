"""Signers: body proportions, face shape, handedness, speed, jitter, camera, and pose-detector faults.

``observe`` turns body-frame 3-D points into what a 2-D whole-body pose estimator would report: pixel
coordinates in the signer's camera frame with per-point confidences, keypoint noise, hands that are
uncertain or lost for some frames (when they move fast, touch the face, cross, or rest low), points outside
the frame, and occasionally a dropped video frame. An estimator profile (``PROFILES``: ``wholebody``, the
default and the paper's input, ``mediapipe``, ``mediapipe-webcam``, ``openpose``) sets the noise process, the
confidence scores, whether and where whole hands are lost, frame rates and frame sizes, and the framing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from signpt.data.synth.body import Proportions
from signpt.data.synth.realism import CROSS_SW, FACE_SW, FAST_SW, LOW_SW
from signpt.pose.layouts.coco133 import FACE0, LHAND0, RHAND0


@dataclass(frozen=True)
class Profile:
    """How one kind of pose estimator reports a signer. Noise is in shoulder widths (sw) per point and frame,
    Gaussian, low-pass filtered over ``noise_smooth`` frames (0: independent per frame; MediaPipe's tracker
    smooths, so its noise is correlated from frame to frame, see ``smooth_noise``); each hand also turns and
    scales about its wrist per frame (``hand_rot``, ``hand_scale``: a top-down hand crop jitters). Confidences
    per part: ("normal", mean_lo, mean_hi, sd[, sd_frame]) with a per-signer mean, per-point spread sd and a
    per-frame part sd_frame shared by the part's points, or ("one",) for estimators that report presence
    only, ("vis", sd) for MediaPipe's body visibility (1 - |N(0, sd)|), ("beta", a, b). ``hand_loss``: whole
    hands are lost in runs (bottom-up and tracking estimators); top-down estimators always report both hands
    and lower their scores instead. ``loss``: the chance per frame that a loss starts, per context of the
    wrist (see ``realism.CONTEXTS``); ``lost_low``: the chance that a hand resting low is lost.
    Framing per signer, uniform in the given ranges: ``sw_height``, ``shoulder_y``, ``centre_x``; ``camera``: a
    near camera (a webcam) sees what is in front of the body larger (perspective), ``outside_body``: MediaPipe
    extrapolates body points beyond the frame edge and reports them with a low visibility (a confidence spec as
    above). ``hand_geometry``: where the estimator puts the hand's joints (``hand.GEOMETRIES``); ``handshapes``: the
    handshape inventory (``hand.INVENTORIES``: the letters fitted to real hands, or composed)."""

    name: str
    about: str
    noise_sw: tuple = (0.0025, 0.0015, 0.012)     # body, face, hand joints (times hand_noise per joint)
    noise_smooth: tuple = (0.0, 0.0)              # low-pass of the noise (frames): body and face, hands
    hand_noise: tuple = (1.0, 1.0, 1.0, 1.0, 1.0)  # per hand joint: root, knuckle, middle, end joint, tip
    hand_rot: float = 0.06                        # whole-hand rotation about the wrist per frame (radians)
    hand_scale: float = 0.05                      # whole-hand scale jitter per frame (relative)
    conf: dict = field(default_factory=dict)
    hand_loss: bool = False
    loss: dict = field(default_factory=dict)      # context -> chance per frame that a hand loss starts
    loss_run: float = 6.0                         # mean frames of a loss
    lost_low: float = 0.0                         # chance that a hand resting low (or leaving the frame) is lost
    fps: tuple = (25.0,)
    frames: tuple = ((1280, 720), (1280, 720), (1920, 1080), (960, 720))
    shoulder_y: tuple = (0.38, 0.46)              # the shoulder line, in frame heights from the top
    sw_height: tuple = (0.33, 0.47)               # the shoulder width, in frame heights
    centre_x: tuple = (-0.06, 0.06)               # the body's offset from the frame's middle, in frame widths
    camera: tuple | None = None                   # camera to shoulder line (metres); None: orthographic (far away)
    outside_body: tuple | None = None             # confidence of body points beyond the frame edge; None: dropped
    hand_geometry: str = "model"                  # where the estimator puts the hand's joints (hand.GEOMETRIES)
    handshapes: str = "composed"                  # the handshape inventory (hand.INVENTORIES)
    noise_range: tuple = (0.7, 1.3)               # a recording's noise relative to noise_sw (uniform per signer)

# wholebody, mediapipe, openpose: fitted to the real files of the shared test data, before those became test-only
# (benchmarks/synth_vs_real.py prints the comparison); mediapipe-webcam: to the real training data.
PROFILES = {
    "wholebody": Profile(
        "wholebody", "COCO-WholeBody 133 from a top-down estimator (RTMPose-like; the paper's input)",
        noise_sw=(0.0012, 0.0012, 0.004), hand_rot=0.06, hand_scale=0.05,
        conf={"body": ("normal", 0.82, 0.9, 0.07), "face": ("normal", 0.975, 0.995, 0.02),
              "hand": ("normal", 0.73, 0.83, 0.06, 0.07)},
        hand_loss=False),
    "mediapipe": Profile(
        "mediapipe", "MediaPipe Holistic (presence-only hand and face scores, tracked and smoothed, loses hands)",
        noise_sw=(0.004, 0.002, 0.008), noise_smooth=(1.5, 1.0), hand_rot=0.1, hand_scale=0.06,
        conf={"body": ("vis", 0.12), "face": ("one",), "hand": ("one",)},
        hand_loss=True, loss={"fast": 0.05, "face": 0.01, "crossing": 0.03, "other": 0.0}, lost_low=0.9,
        loss_run=4.0, fps=(24.0, 25.0, 30.0), frames=((1250, 1250), (500, 500), (1280, 720), (1920, 1080)),
        shoulder_y=(0.46, 0.54)),
    # Fitted to the crowd's training people (real/crowd train/pretrain, 3,280 clips with a body) by
    # benchmarks/calibrate_profile.py: framing from their per-clip quantiles, the processes by coordinate search
    # on synthetic isolated signs (mean distance over its statistics 0.31 with `mediapipe` -> 0.16).
    "mediapipe-webcam": Profile(
        "mediapipe-webcam", "MediaPipe Holistic on a webcam close up, 640 x 480 (fitted to the crowd's training "
        "people)",
        noise_sw=(0.007, 0.002, 0.002), noise_smooth=(1.5, 0.65), hand_rot=0.14, hand_scale=0.03,
        conf={"body": ("vis", 0.005), "face": ("one",), "hand": ("one",)},
        hand_loss=True, loss={"fast": 0.05, "face": 0.03, "crossing": 0.0, "other": 0.0}, lost_low=1.0,
        loss_run=2.0, fps=(30.0,), frames=((640, 480),), shoulder_y=(0.486, 0.926), sw_height=(0.273, 0.654),
        centre_x=(-0.078, 0.121), camera=(0.6, 1.0), outside_body=("beta", 0.82, 0.98), hand_geometry="mediapipe",
        handshapes="fitted", noise_range=(0.3, 2.0)),
    "openpose": Profile(
        "openpose", "OpenPose BODY_25 + face + hands (bottom-up, independent per frame, noisy hands)",
        noise_sw=(0.007, 0.003, 0.03), hand_noise=(1.0, 0.85, 1.0, 1.1, 1.3), hand_rot=0.02,
        hand_scale=0.02,
        conf={"body": ("normal", 0.62, 0.74, 0.17), "face": ("normal", 0.78, 0.86, 0.05),
              "hand": ("beta", 0.9, 2.2)},
        hand_loss=True, loss={"fast": 0.01, "face": 0.01, "crossing": 0.02, "other": 0.0}, lost_low=0.5,
        loss_run=4.0, fps=(24.0, 25.0)),
}
DEFAULT_PROFILE = "wholebody"


def get_profile(name: str) -> Profile:
    from signpt.errors import ConfigError

    if name not in PROFILES:
        raise ConfigError(f"unknown estimator profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


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
    noise: float                   # this recording's keypoint noise relative to the profile's
    miss_rate: float               # this recording's hand losses relative to the profile's
    low_conf_rate: float           # chance per frame of an uncertain hand (lower scores, more noise)
    drop_rate: float               # chance per frame that the frame is lost
    fps: float = 25.0
    profile: str = DEFAULT_PROFILE
    camera: float = 0.0            # camera to shoulder line, metres (0: orthographic)


def make_signer(signer_id: str, rng: np.random.Generator, profile: str = DEFAULT_PROFILE) -> Signer:
    """Draw one signer. Proportions in estimator keypoints (COCO shoulder points sit on the shoulder joints):
    face width (jaw ends) 0.45 shoulder widths, nose tip 0.5 sw above the shoulder line, wrist to middle
    knuckle 0.28 sw, as in the real files (benchmarks/synth_vs_real.py); the shoulders span 0.33-0.47 of
    the frame height and sit near its middle."""
    prof = get_profile(profile)
    u = rng.uniform
    size = u(0.9, 1.1)
    props = Proportions(
        shoulder_width=0.335 * size * u(0.94, 1.06), neck=0.075 * size * u(0.85, 1.15),
        face_width=0.15 * size * u(0.95, 1.05), upper_arm=0.28 * size * u(0.95, 1.05),
        forearm=0.25 * size * u(0.95, 1.05), hip_width=0.3 * size * u(0.9, 1.1), torso=0.5 * size,
        hand_size=1.05 * size * u(0.93, 1.07), hand_geometry=prof.hand_geometry, handshapes=prof.handshapes,
    )
    face_shape = rng.normal(0, 0.015, (68, 3))
    face_shape[:17, 0] *= 2.0   # jaw width varies most
    w, h = prof.frames[rng.integers(len(prof.frames))]
    scale = h * u(*prof.sw_height) / props.shoulder_width
    origin = (w / 2 + u(*prof.centre_x) * w, h * u(*prof.shoulder_y))
    signer = Signer(
        id=signer_id, props=props, face_shape=face_shape, left_handed=bool(rng.random() < 0.15),
        speed=u(0.8, 1.25), jitter=u(0.6, 1.4), frame_size=(w, h), scale=scale, origin=origin,
        roll=u(-0.04, 0.04), noise=u(*prof.noise_range), miss_rate=u(0.5, 1.5), low_conf_rate=u(0.01, 0.05),
        drop_rate=u(0.0, 0.01), fps=float(prof.fps[rng.integers(len(prof.fps))]), profile=profile,
    )
    if prof.camera:   # drawn last: the other profiles' signers stay what they were
        signer = replace(signer, camera=float(u(*prof.camera)))
    return signer


_BODY = np.arange(0, 13)
_BODY_ALL = slice(0, 23)   # COCO body and feet
_HANDS = (np.arange(LHAND0, LHAND0 + 21), np.arange(RHAND0, RHAND0 + 21))
_FACE = np.arange(FACE0, FACE0 + 68)
_JOINT_RANK = np.array([0] + [1, 2, 3, 4] * 5)   # hand joint -> root, knuckle, middle, end joint, tip


def smooth_noise(rng: np.random.Generator, shape: tuple, frames: float) -> np.ndarray:
    """Unit-variance Gaussian noise along axis 0, low-pass filtered by a Gaussian of `frames` frames (0: white,
    independent per frame). The lag-1 autocorrelation of its second-difference residual
    (``realism.jitter``) is -2/3 when white, +0.16 at 1 frame, +0.54 at 1.5 frames."""
    z = rng.normal(0, 1, shape)
    if frames <= 0:
        return z
    r = int(np.ceil(4 * frames))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / frames) ** 2)
    k /= np.sqrt((k ** 2).sum())
    pad = np.concatenate([rng.normal(0, 1, (r,) + shape[1:]), z, rng.normal(0, 1, (r,) + shape[1:])])
    return sum(w * pad[i:i + shape[0]] for i, w in enumerate(k))


def _confidence(spec: tuple, rng: np.random.Generator, shape: tuple) -> np.ndarray:
    kind = spec[0]
    if kind == "one":
        return np.ones(shape)
    if kind == "vis":
        return 1.0 - np.abs(rng.normal(0, spec[1], shape))
    if kind == "beta":
        return rng.beta(spec[1], spec[2], shape)
    _, lo, hi, sd = spec[:4]
    sd_frame = spec[4] if len(spec) > 4 else 0.0   # a frame-level part shared by the points (one hand's score)
    return rng.uniform(lo, hi) + rng.normal(0, sd, shape) + rng.normal(0, sd_frame, shape[:1] + (1,) * (len(shape) - 1))


def _contexts(root: np.ndarray, other: np.ndarray, nose: np.ndarray, shoulder_y: float, sw: float, fps: float
              ) -> dict:
    """Per-frame contexts of one wrist (pixel tracks (T, 2)), as ``realism.clip_stats`` measures them."""
    speed = np.r_[0.0, np.linalg.norm(np.diff(root, axis=0), axis=-1)] / sw * fps
    ctx = {"fast": speed > FAST_SW, "face": np.linalg.norm(root - nose, axis=-1) / sw < FACE_SW,
           "crossing": np.linalg.norm(root - other, axis=-1) / sw < CROSS_SW,
           "low": (root[:, 1] - shoulder_y) / sw > LOW_SW}
    ctx["other"] = ~(ctx["fast"] | ctx["face"] | ctx["crossing"] | ctx["low"])
    return ctx


def observe(points: np.ndarray, signer: Signer, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Camera projection and the estimator's faults, after the signer's profile (``PROFILES``).

    points: (T, 133, 3) body-frame metres, NaN = not visible. Returns keypoints (T', 133, 2) float32 pixels
    and confidence (T', 133) float32; T' <= T when frames were dropped. Missing points are (0, 0) with
    confidence 0."""
    prof = get_profile(signer.profile)
    T = points.shape[0]
    # slow body sway, then orthographic projection with a slight camera roll
    sway = np.cumsum(rng.normal(0, 0.0015, (T, 1, 2)), axis=0)
    sway -= sway.mean(axis=0)
    xy = points[..., :2] + sway
    if signer.camera > 0:   # perspective about the body origin: nearer points (Z < 0) look larger
        depth = signer.camera + points[..., 2:3]
        xy = xy * (signer.camera / np.maximum(depth, 0.25 * signer.camera))
    c, s = np.cos(signer.roll), np.sin(signer.roll)
    xy = xy @ np.array([[c, s], [-s, c]]) * signer.scale + np.asarray(signer.origin)
    sw = signer.props.shoulder_width * signer.scale          # pixels
    sigma = np.full(133, prof.noise_sw[0])
    sigma[_FACE] = prof.noise_sw[1]
    for idx in _HANDS:
        sigma[idx] = prof.noise_sw[2] * np.asarray(prof.hand_noise)[_JOINT_RANK]
    clean = xy.copy()
    smooth = np.full(133, prof.noise_smooth[0])
    smooth[LHAND0:] = prof.noise_smooth[1]
    for f in np.unique(smooth):
        m = smooth == f
        xy[:, m] += smooth_noise(rng, (T, int(m.sum()), 2), float(f)) * (sigma[m] * sw * signer.noise)[None, :, None]
    for idx in _HANDS:   # a top-down hand model sees a jittering crop: the whole hand turns and scales a little
        th = smooth_noise(rng, (T,), prof.noise_smooth[1]) * prof.hand_rot * signer.noise
        sc = 1.0 + smooth_noise(rng, (T,), prof.noise_smooth[1]) * prof.hand_scale * signer.noise
        rot = np.stack([np.stack([np.cos(th), -np.sin(th)], -1), np.stack([np.sin(th), np.cos(th)], -1)], -2)
        rel = xy[:, idx] - xy[:, idx[:1]]
        xy[:, idx] = xy[:, idx[:1]] + np.einsum("tij,tkj->tki", rot, rel) * sc[:, None, None]
    conf = np.empty((T, 133))
    conf[:] = _confidence(prof.conf["body"], rng, (T, 133))
    conf[:, _FACE] = _confidence(prof.conf["face"], rng, (T, 68))
    for idx in _HANDS:
        conf[:, idx] = _confidence(prof.conf["hand"], rng, (T, 21))
    conf[:, 11:13] = 0.35
    nose = clean[:, FACE0 + 30]
    shoulder_y = float(np.nanmean(clean[:, 5:7, 1]))
    for h, idx in enumerate(_HANDS):
        root, other = clean[:, idx[0]], clean[:, _HANDS[1 - h][0]]
        ctx = _contexts(root, other, nose, shoulder_y, sw, signer.fps)
        # uncertain frames: fast, on the face, crossing the other hand, or at random
        low = (rng.random(T) < signer.low_conf_rate) | ctx["fast"] | ctx["face"] | ctx["crossing"]
        if prof.conf["hand"][0] not in ("one",):
            conf[np.ix_(low, idx)] *= rng.uniform(0.7, 0.9)
        xy[np.ix_(low, idx)] += rng.normal(0, 0.5, (int(low.sum()), 21, 2)) * (sigma[idx] * sw)[:, None]
        if prof.hand_loss:   # runs of frames where the whole hand is lost
            p = sum(prof.loss.get(k, 0.0) * m for k, m in ctx.items()) * signer.miss_rate
            missing = np.zeros(T, bool)
            lengths = rng.geometric(1.0 / prof.loss_run, T)
            for t in np.flatnonzero(rng.random(T) < p):
                missing[t:t + lengths[t]] = True
            missing |= ctx["low"] & (rng.random(T) < prof.lost_low * min(1.0, signer.miss_rate))
            conf[np.ix_(missing, idx)] = 0.0
    w, h = signer.frame_size
    outside = ~np.isfinite(xy).all(-1) | (xy[..., 0] < 0) | (xy[..., 0] >= w) | (xy[..., 1] < 0) | (xy[..., 1] >= h)
    conf = np.clip(conf, 0.0, 1.0)
    if prof.outside_body is not None:   # body points beyond the edge are extrapolated, with a low visibility
        beyond = outside & np.isfinite(xy).all(-1) & (conf > 0)
        beyond[:, _BODY_ALL.stop:] = False
        conf[beyond] = np.clip(_confidence(prof.outside_body, rng, (int(beyond.sum()),)), 0.01, 1.0)
        outside &= ~beyond
    conf[outside] = 0.0
    xy[conf <= 0] = 0.0
    keep = np.ones(T, bool)
    keep[1:-1] = rng.random(T - 2) >= signer.drop_rate
    return xy[keep].astype(np.float32), conf[keep].astype(np.float32)
