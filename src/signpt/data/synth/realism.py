"""Statistics that tell estimator output from synthetic poses, and the distance between two sets of clips.

Every function works on k79 poses (``signpt.pose.convert.to_k79``): keypoints (T, 79, 2) pixels, confidence
(T, 79), a point is present when its confidence is > 0. Lengths are in shoulder widths ("sw": the median
distance between the two shoulders of the clip), so clips of any resolution and framing compare; speeds in
sw per second. ``clip_stats`` measures one clip, ``pool`` merges clips into one summary, ``compare`` gives
one distance per statistic (see ``KINDS``).

The dominant hand of a clip is the hand with more present frames (estimators and signers disagree about
left and right); the other one is the non-dominant hand.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND

PARTS = {"body": tuple(range(0, 11)), "face": tuple(range(11, 37))}
HANDS = (np.asarray(LEFT_HAND), np.asarray(RIGHT_HAND))
BODY_WRISTS = (9, 10)
NOSE_TIP, NOSE = 28, 0
FINGERS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
"""Joint chains of the 21-point hand, wrist first (thumb, fore, middle, ring, pinky)."""
CONTEXTS = ("fast", "face", "crossing", "low", "other")
"""When a hand goes missing: wrist faster than FAST_SW sw/s; within FACE_SW sw of the nose; within CROSS_SW
sw of the other wrist; LOW_SW sw or more below the shoulder line (resting, leaving the frame); none of these."""
FAST_SW, FACE_SW, CROSS_SW, LOW_SW = 2.0, 0.6, 0.4, 0.9


@dataclass
class Clip:
    """One pose sequence in k79: keypoints (T, 79, 2) pixels, confidence (T, 79), fps, estimator name."""

    keypoints: np.ndarray
    confidence: np.ndarray
    fps: float
    estimator: str = ""
    name: str = ""
    frame_size: tuple = (0, 0)


# ---------------------------------------------------------------- geometry of one clip
def shoulder_width(kp: np.ndarray, conf: np.ndarray) -> float:
    """Median distance (pixels) between the shoulders (k79 5, 6) over frames where both are present."""
    ok = (conf[:, 5] > 0) & (conf[:, 6] > 0)
    if not ok.any():
        return float("nan")
    return float(np.median(np.linalg.norm(kp[ok, 5] - kp[ok, 6], axis=-1)))


def hand_present(conf: np.ndarray) -> np.ndarray:
    """(T, 2) bool: the left / right hand has at least one present point."""
    return np.stack([(conf[:, h] > 0).any(1) for h in HANDS], 1)


def dominant(conf: np.ndarray) -> int:
    """0 (left) or 1 (right): the hand with more present frames (right on a tie)."""
    p = hand_present(conf).sum(0)
    return 0 if p[0] > p[1] else 1


def fill_gaps(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Linear interpolation of (T, D) values over the frames where `ok` is False (edges held); all NaN when
    no frame is ok."""
    x = np.asarray(x, dtype=np.float64)
    if not ok.any():
        return np.full_like(x, np.nan)
    t = np.arange(len(x))
    return np.stack([np.interp(t, t[ok], x[ok, d]) for d in range(x.shape[1])], 1)


def wrist_track(kp: np.ndarray, conf: np.ndarray, hand: int) -> np.ndarray:
    """(T, 2) pixel track of one wrist: the hand's root where present, else the body wrist, else interpolated."""
    root = HANDS[hand][0]
    xy = np.where((conf[:, root] > 0)[:, None], kp[:, root], kp[:, BODY_WRISTS[hand]])
    ok = (conf[:, root] > 0) | (conf[:, BODY_WRISTS[hand]] > 0)
    return fill_gaps(xy, ok)


def runs(mask: np.ndarray) -> list[int]:
    """Lengths of the runs of True in a 1-D bool array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(np.flatnonzero(d == -1) - np.flatnonzero(d == 1))


def hf_residual(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Second-difference residual r_t = x_t - (x_{t-1} + x_{t+1}) / 2 of a (T, D) trajectory, t = 1..T-2
    -> (T-2, D), NaN where any of frames t-1, t, t+1 is not ok."""
    x = np.asarray(x, dtype=np.float64)
    r = x[1:-1] - 0.5 * (x[:-2] + x[2:])
    good = ok[1:-1] & ok[:-2] & ok[2:]
    r[~good] = np.nan
    return r


def jitter(x: np.ndarray, ok: np.ndarray) -> tuple[float, float]:
    """High-frequency energy of a (T, D) trajectory: (RMS of the second-difference residual, its lag-1
    autocorrelation). Independent per-frame noise of std s on a smooth path gives RMS sqrt(1.5) s and
    autocorrelation -2/3; temporally correlated noise or real motion gives a higher autocorrelation."""
    r = hf_residual(x, ok)
    v = r[np.isfinite(r)]
    if v.size == 0:
        return float("nan"), float("nan")
    rms = float(np.sqrt(np.mean(v ** 2)))
    a, b = r[:-1].ravel(), r[1:].ravel()
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 3:
        return rms, float("nan")
    a, b = a[both], b[both]
    corr = float(np.mean(a * b) / np.sqrt(np.mean(a * a) * np.mean(b * b)) if np.mean(a * a) > 0 else np.nan)
    return rms, corr


def bend_angles(hand: np.ndarray) -> np.ndarray:
    """Absolute 2-D bend angles (..., 15) radians at the 3 inner joints of each finger chain (``FINGERS``):
    the angle between bone j-1 -> j and bone j -> j+1 (0 = straight). hand: (..., 21, 2)."""
    out = []
    for chain in FINGERS:
        p = hand[..., list(chain), :]
        bones = np.diff(p, axis=-2)                      # (..., 4, 2)
        a, b = bones[..., :-1, :], bones[..., 1:, :]
        cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
        dot = (a * b).sum(-1)
        out.append(np.abs(np.arctan2(cross, dot)))
    return np.concatenate(out, -1)


def count_shapes(angles: np.ndarray, radius: float = 0.3) -> tuple[int, float]:
    """Distinct handshapes among (N, 15) bend-angle vectors: leader clustering (a vector joins the first
    leader within `radius` RMS radians, else becomes a leader), in the given order. Returns (number of
    leaders, mean distance from each leader to its nearest other leader; NaN with fewer than 2)."""
    leaders: list[np.ndarray] = []
    for a in np.asarray(angles, dtype=np.float64):
        if not leaders or np.min(np.sqrt(np.mean((np.asarray(leaders) - a) ** 2, 1))) > radius:
            leaders.append(a)
    if len(leaders) < 2:
        return len(leaders), float("nan")
    L = np.asarray(leaders)
    d = np.sqrt(((L[:, None] - L[None]) ** 2).mean(-1))
    np.fill_diagonal(d, np.inf)
    return len(leaders), float(d.min(1).mean())


# ---------------------------------------------------------------- one clip
def real_clips(poses_dir) -> list[Clip]:
    """The real pose files of the shared test data (``../shared/data/poses``), with the estimator that made
    each: ``mediapipe*.pose`` and ``fingerspelling/*/*.pose`` MediaPipe Holistic, ``openpose.pose`` OpenPose
    (BODY_25 + face + hands), ``formats/uni_sign_lis/*.pkl`` RTMPose COCO-WholeBody (top-down; a trusted file
    of the test data, 850 x 720 pixels, 25 fps assumed: the file stores no rate)."""
    from pathlib import Path

    from signpt.pose.convert import to_k79
    from signpt.pose.io import read_pose

    d = Path(poses_dir)
    items = [(p, "mediapipe", {}) for p in sorted(d.glob("mediapipe*.pose"))]
    items += [(p, "openpose", {}) for p in sorted(d.glob("openpose*.pose"))]
    items += [(p, "mediapipe-fs", {}) for p in sorted(d.glob("fingerspelling/*/*.pose"))]
    items += [(p, "rtmpose", {"trusted": True, "frame_size": (850, 720), "fps": 25.0})
              for p in sorted(d.glob("formats/uni_sign_lis/*.pkl"))]
    out = []
    for p, est, kw in items:
        s = to_k79(read_pose(p, **kw))
        out.append(Clip(s.keypoints, s.confidence, float(s.fps), est, str(p.relative_to(d)), tuple(s.frame_size)))
    return out


ESTIMATORS = {
    "mediapipe": "MediaPipe Holistic (mediapipe.pose, mediapipe_long.pose)",
    "mediapipe-fs": "MediaPipe Holistic, sign.mt fingerspelling clips (fingerspelling/ase, gsg)",
    "openpose": "OpenPose BODY_25 + face + hands (openpose.pose)",
    "rtmpose": "RTMPose COCO-WholeBody 133, top-down (formats/uni_sign_lis, Uni-Sign pickle)",
    "crowd": "MediaPipe Holistic, the crowd's train/pretrain people (webcam, 640 x 480 assumed; training data, "
             "realdata.crowd_clips)",
}


def clip_stats(clip: Clip) -> dict:
    """Raw measurements of one clip (arrays of samples or counts); merge several with ``pool``."""
    kp = np.asarray(clip.keypoints, dtype=np.float64)
    conf = np.asarray(clip.confidence, dtype=np.float64)
    T = len(kp)
    sw = shoulder_width(kp, conf)
    dom = dominant(conf)
    order = (dom, 1 - dom)
    hp = hand_present(conf)
    s: dict = {"len_frames": [T], "len_seconds": [T / clip.fps], "fps": [clip.fps], "sw": sw}
    for part, idx in PARTS.items():
        c = conf[:, idx]
        s[f"miss_point.{part}"] = [(c <= 0).sum(), c.size]
        s[f"conf.{part}"] = c[c > 0]
    for name, h in zip(("dom", "nd"), order):
        c = conf[:, HANDS[h]]
        s[f"miss_point.{name}_hand"] = [(c <= 0).sum(), c.size]
        s[f"miss_frame.{name}_hand"] = [(~hp[:, h]).sum(), T]
        s[f"miss_runs.{name}_hand"] = runs(~hp[:, h])
    ch = conf[:, HANDS[dom]]
    s["conf.hand"] = ch[ch > 0]
    if not np.isfinite(sw) or sw <= 0:
        return s
    # proportions and framing: face width (jaw ends, k79 11 / 27), head width (ear to ear, k79 3 / 4), nose
    # tip (else the body's nose) above the shoulder line, the shoulder width in frame heights
    for key, (i, j) in (("face_width", (11, 27)), ("head_width", (3, 4))):
        ok = (conf[:, i] > 0) & (conf[:, j] > 0)
        s[key] = np.linalg.norm(kp[ok, i] - kp[ok, j], axis=-1) / sw
    sh = (conf[:, 5] > 0) & (conf[:, 6] > 0)
    tip = conf[:, NOSE_TIP] > 0
    nose_xy = np.where(tip[:, None], kp[:, NOSE_TIP], kp[:, NOSE])
    ok = sh & (tip | (conf[:, NOSE] > 0))
    s["nose_height"] = (0.5 * (kp[ok, 5, 1] + kp[ok, 6, 1]) - nose_xy[ok, 1]) / sw
    s.update(framing(kp, conf, clip.frame_size, sw))
    # when hands go missing (both hands, context from the interpolated wrist tracks)
    tracks = [wrist_track(kp, conf, h) / sw for h in (0, 1)]
    nose_ok = conf[:, NOSE_TIP] > 0
    nose = np.where(nose_ok[:, None], kp[:, NOSE_TIP], kp[:, NOSE]) / sw
    nose = fill_gaps(nose, nose_ok | (conf[:, NOSE] > 0))
    sh_ok = (conf[:, 5] > 0) & (conf[:, 6] > 0)
    sh_y = fill_gaps(0.5 * (kp[:, 5, 1:2] + kp[:, 6, 1:2]) / sw, sh_ok)[:, 0]
    for h in (0, 1):
        w, o = tracks[h], tracks[1 - h]
        if not np.isfinite(w).all():
            continue
        speed = np.r_[0.0, np.linalg.norm(np.diff(w, axis=0), axis=-1) * clip.fps]
        ctx = {"fast": speed > FAST_SW,
               "face": np.linalg.norm(w - nose, axis=-1) < FACE_SW if np.isfinite(nose).all() else np.zeros(T, bool),
               "crossing": np.linalg.norm(w - o, axis=-1) < CROSS_SW if np.isfinite(o).all() else np.zeros(T, bool),
               "low": (w[:, 1] - sh_y) > LOW_SW if np.isfinite(sh_y).all() else np.zeros(T, bool)}
        ctx["other"] = ~(ctx["fast"] | ctx["face"] | ctx["crossing"] | ctx["low"])
        for k, m in ctx.items():
            prev = s.get(f"miss_given.{k}", [0, 0])
            s[f"miss_given.{k}"] = [prev[0] + int((~hp[m, h]).sum()), prev[1] + int(m.sum())]
    # motion of the dominant wrist where the hand or the body wrist was seen
    w = tracks[dom]
    seen = (conf[:, HANDS[dom][0]] > 0) | (conf[:, BODY_WRISTS[dom]] > 0)
    v = np.diff(w, axis=0) * clip.fps
    v_ok = seen[1:] & seen[:-1]
    s["wrist_speed"] = np.linalg.norm(v, axis=-1)[v_ok]
    a = np.diff(v, axis=0) * clip.fps
    s["wrist_acc"] = np.linalg.norm(a, axis=-1)[v_ok[1:] & v_ok[:-1]]
    # jitter: body points (shoulders, elbows, wrists) and the dominant hand's joints, in sw
    for part, idx in (("body", (5, 6, 7, 8, 9, 10)), ("hand", tuple(HANDS[dom]))):
        rms, corr = [], []
        for i in idx:
            r, c = jitter(kp[:, i] / sw, conf[:, i] > 0)
            if np.isfinite(r):
                rms.append(r)
            if np.isfinite(c):
                corr.append(c)
        s[f"jitter.{part}"] = np.asarray(rms)
        s[f"jitter_corr.{part}"] = np.asarray(corr)
    # the dominant hand: size, distance to the face, finger bend angles
    full = (conf[:, HANDS[dom]] > 0).all(1)
    hand = kp[:, HANDS[dom]]
    s["hand_size"] = np.linalg.norm(hand[full, 9] - hand[full, 0], axis=-1) / sw
    centre = hand[full].mean(1) / sw
    s["hand_face"] = np.linalg.norm(centre - nose[full], axis=-1) if np.isfinite(nose).all() else np.zeros(0)
    s["angles"] = bend_angles(hand[full])
    s.update(hand_proportions(hand[full]))
    return s


def framing(kp: np.ndarray, conf: np.ndarray, frame_size, sw: float) -> dict:
    """Where the signer sits in the frame (W, H) pixels: ``sw_per_height`` [sw / H] and ``shoulder_y`` (the
    shoulder midpoint's y / H per frame, a sample) as before, and per clip (one value each, compared as
    distributions over clips): ``framing.sw_per_height``, ``framing.shoulder_x`` and ``framing.shoulder_y`` (the
    clip's median shoulder midpoint / W, / H), and ``outside.body`` [points outside the frame, present body
    points] of the 11 upper-body points (MediaPipe reports points beyond the frame edge, extrapolated). {}
    without a frame size or frames with both shoulders."""
    w, h = (float(v) for v in frame_size) if frame_size else (0.0, 0.0)
    sh = (conf[:, 5] > 0) & (conf[:, 6] > 0)
    if not (w and h) or not sh.any():
        return {}
    mid = 0.5 * (kp[sh, 5] + kp[sh, 6])
    body = kp[:, PARTS["body"]]
    present = conf[:, PARTS["body"]] > 0
    outside = (body[..., 0] < 0) | (body[..., 0] >= w) | (body[..., 1] < 0) | (body[..., 1] >= h)
    return {"sw_per_height": [sw / h], "shoulder_y": mid[:, 1] / h,
            "framing.sw_per_height": [sw / h], "framing.shoulder_x": [float(np.median(mid[:, 0])) / w],
            "framing.shoulder_y": [float(np.median(mid[:, 1])) / h],
            "outside.body": [int((outside & present).sum()), int(present.sum())]}


def hand_proportions(hand: np.ndarray) -> dict:
    """Bone proportions of one hand seen in 2-D over a clip, hand (N, 21, 2) fully seen frames -> {statistic:
    [value]} in palm lengths (wrist -> middle-finger knuckle). Each bone's length is its 95th percentile over
    the frames, the length it has when it lies nearly in the image plane, so foreshortening drops out for every
    bone that lies in that plane in at least 5 % of the frames (a finger bent away all clip long stays short).
    Statistics: palm width (fore to little knuckle), middle finger (knuckle to tip, 3 bones) and thumb (base to
    tip, 3 bones). {} below ``HAND_BONE_FRAMES`` frames."""
    if len(hand) < HAND_BONE_FRAMES:
        return {}

    def length(*chain):
        return sum(float(np.percentile(np.linalg.norm(hand[:, b] - hand[:, a], axis=-1), 95))
                   for a, b in zip(chain[:-1], chain[1:]))

    palm = length(0, 9)
    if palm <= 0:
        return {}
    return {"hand_palm_width": [length(5, 17) / palm], "hand_finger_length": [length(9, 10, 11, 12) / palm],
            "hand_thumb_length": [length(1, 2, 3, 4) / palm]}


# ---------------------------------------------------------------- many clips
KINDS = {
    "rate": "absolute difference of the two rates",
    "dist": "Wasserstein-1 distance of the two distributions / the real one's standard deviation (its mean "
            "when all real values are equal)",
    "value": "relative difference |synthetic - real| / |real|",
    "abs": "absolute difference (correlations)",
    "count": "|ln((1 + synthetic) / (1 + real))| (counts, run lengths in frames)",
}


SCALARS = ("face_width", "head_width", "nose_height", "sw_per_height", "shoulder_y", "hand_palm_width",
           "hand_finger_length", "hand_thumb_length")
"""Proportions and framing: compared by their medians (one clip's value hardly varies)."""
HAND_BONE_FRAMES = 10
"""Fully seen frames of the dominant hand a clip needs before its hand proportions are measured."""


def pool(stats: list[dict], seed: int = 0, shape_frames: int = 100) -> dict:
    """Merge ``clip_stats`` of several clips -> {statistic: (kind, value)} where value is a rate (float), a
    1-D sample (array, kind "dist") or a number (kind "value")."""
    out: dict = {}
    keys = sorted({k for s in stats for k in s})
    for k in keys:
        vals = [s[k] for s in stats if k in s]
        if k == "sw":
            continue
        if k.startswith(("miss_point.", "miss_frame.", "miss_given.", "outside.")):
            num = sum(v[0] for v in vals)
            den = sum(v[1] for v in vals)
            out[k] = ("rate", float(num / den) if den else float("nan"))
        elif k.startswith("miss_runs."):
            r = [x for v in vals for x in v]
            out[k.replace("miss_runs.", "miss_run_mean.")] = ("count", float(np.mean(r)) if r else 0.0)
        elif k.startswith("jitter_corr."):
            v = np.concatenate([np.atleast_1d(x) for x in vals])
            out[k] = ("abs", float(np.median(v)) if v.size else float("nan"))
        elif k in SCALARS:
            v = np.concatenate([np.atleast_1d(np.asarray(x, dtype=np.float64)) for x in vals])
            out[k] = ("value", float(np.median(v)) if v.size else float("nan"))
        elif k == "angles":
            a = np.concatenate([v for v in vals if len(v)]) if any(len(v) for v in vals) else np.zeros((0, 15))
            out["finger_angle"] = ("dist", a.ravel())
            if len(a):
                rng = np.random.default_rng(seed)
                pick = a[rng.permutation(len(a))[:shape_frames]]
                n, gap = count_shapes(pick)
                out["handshapes"] = ("count", float(n))
                out["handshape_gap"] = ("value", gap)
        else:
            out[k] = ("dist", np.concatenate([np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in vals]))
    return out


def distance(kind: str, real, synth) -> float:
    """One statistic's distance (see ``KINDS``); NaN when either side has no data."""
    if kind in ("rate", "abs"):
        return abs(float(synth) - float(real))
    if kind == "count":
        return abs(float(np.log((1 + float(synth)) / (1 + float(real)))))
    if kind == "value":
        return abs(float(synth) - float(real)) / abs(float(real)) if float(real) != 0 else abs(float(synth))
    real, synth = np.asarray(real, dtype=np.float64), np.asarray(synth, dtype=np.float64)
    real, synth = real[np.isfinite(real)], synth[np.isfinite(synth)]
    if real.size == 0 or synth.size == 0:
        return float("nan")
    sd = float(real.std())
    if sd <= 0:   # one value (one clip's frame rate): relative to it
        sd = abs(float(real.mean())) or 1.0
    return wasserstein1(real, synth) / sd


def wasserstein1(a, b) -> float:
    """Wasserstein-1 (earth mover's) distance between the empirical distributions of two 1-D samples:
    the integral of |F_a(x) - F_b(x)| over x."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    v = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(a, v[:-1], side="right") / len(a)
    fb = np.searchsorted(b, v[:-1], side="right") / len(b)
    return float(np.sum(np.abs(fa - fb) * np.diff(v)))


def describe(kind: str, value) -> str:
    """Short text of a pooled value: the rate or number, or median [5th-95th percentile] of a sample."""
    if kind != "dist":
        return f"{value:.3g}"
    v = np.asarray(value, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "-"
    q = np.quantile(v, [0.05, 0.5, 0.95])
    return f"{q[1]:.3g} [{q[0]:.3g}-{q[2]:.3g}]"


def compare(real: dict, synth: dict) -> dict:
    """{statistic: distance} for the statistics both pooled summaries have."""
    return {k: distance(real[k][0], real[k][1], synth[k][1]) for k in real if k in synth}
