"""Motion: sign locations on the body, movements, and the composition of signs into co-articulated tracks.

A *track* is a dict of per-frame arrays (all in the canonical right-hand body space of ``body.py``):
``dom_pos``/``nd_pos`` (T, 3) metres, palm-centre positions; ``dom_quat``/``nd_quat`` (T, 4) orientations;
``dom_hand``/``nd_hand`` (T, 5, 4) joint angles (radians); ``nm`` (T, 8) non-manual parameters.
"""
from __future__ import annotations

import numpy as np

from signpt.data.synth.body import NM_CHANNELS, Proportions
from signpt.data.synth.hand import clamp_joints, handshape_angles, orientation_quat, quat_axis_angle, quat_mul, slerp

LOCATIONS = (
    "forehead", "eyes", "nose", "mouth", "chin", "cheek", "ear", "temple", "neck", "chest", "chest_dom",
    "chest_nd", "shoulder_nd", "stomach", "neutral", "neutral_dom", "neutral_high", "neutral_low", "side_dom",
)
"""Places a sign starts or ends at (palm centre of the dominant hand), relative to the signer's body."""
BASE_LOCATIONS = ("neutral", "neutral_low", "stomach")
"""Places of the passive (base) hand in two-handed signs with a base."""
MOVEMENTS = ("straight", "arc", "circle", "tap", "shake", "wiggle", "twist", "hold")
NONMANUALS = ("none", "mouth_open", "mouth_round", "mouth_spread", "mouth_pressed", "head_nod", "head_shake",
              "head_tilt")
"""Lexical non-manual components. All are visible in the k79 layout (mouth points, jaw, nose, face contour);
the eyebrow raise (face-68 only) is used solely as a sentence-level question marker, never to tell signs apart."""
_NM = {n: i for i, n in enumerate(NM_CHANNELS)}
_BASE_FRAMES = {"straight": 10, "arc": 12, "circle": 16, "tap": 14, "shake": 14, "wiggle": 14, "twist": 12,
                "hold": 11}


def location_point(name: str, p: Proportions) -> np.ndarray:
    """Palm-centre target (3,) of a named location, canonical right-hand space, metres."""
    fw, ey, s = p.face_width, p.eye_y, p.shoulder_width / 0.335
    table = {
        "forehead": (0.0, ey - 0.38 * fw, -0.12), "eyes": (-0.22 * fw, ey, -0.13),
        "nose": (0.0, ey + 0.3 * fw, -0.14), "mouth": (0.0, ey + 0.6 * fw, -0.13),
        "chin": (0.0, ey + 0.95 * fw, -0.11), "cheek": (-0.42 * fw, ey + 0.42 * fw, -0.1),
        "ear": (-0.62 * fw, ey + 0.1 * fw, -0.03), "temple": (-0.48 * fw, ey - 0.2 * fw, -0.08),
        "neck": (0.0, -0.045, -0.09), "chest": (0.0, 0.14 * s, -0.13), "chest_dom": (-0.11 * s, 0.14 * s, -0.13),
        "chest_nd": (0.1 * s, 0.12 * s, -0.13), "shoulder_nd": (0.16 * s, 0.03, -0.1),
        "stomach": (0.0, 0.3 * s, -0.16), "neutral": (-0.02, 0.11 * s, -0.34),
        "neutral_dom": (-0.17 * s, 0.11 * s, -0.3), "neutral_high": (-0.08 * s, -0.1, -0.32),
        "neutral_low": (-0.05, 0.25 * s, -0.3), "side_dom": (-0.25 * s, 0.06 * s, -0.18),
        "rest": (-0.1 * s, 0.37 * s, -0.22),
    }
    return np.asarray(table[name], dtype=np.float64)


def _smooth(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk time profile on [0, 1]."""
    return s * s * s * (10 - 15 * s + 6 * s * s)


def _envelope(s: np.ndarray) -> np.ndarray:
    """Ramp in over the first quarter, out over the last fifth."""
    return _smooth(np.clip(np.minimum(s / 0.25, (1 - s) / 0.2), 0, 1))


def _path(movement: str, p0, p1, s, k: int, plane: int, direction: float) -> np.ndarray:
    """Positions (n, 3) of a movement from p0 to p1 over s in [0, 1]."""
    line = p0 + (p1 - p0) * _smooth(s)[:, None]
    if movement == "arc":
        d = p1 - p0
        perp = np.array([-d[1], d[0], -0.4 * np.linalg.norm(d)]) if np.linalg.norm(d) > 0.02 else np.array([0, -1.0, 0])
        perp = perp / np.linalg.norm(perp) * 0.06 * direction
        return line + np.sin(np.pi * s)[:, None] * perp
    if movement == "circle":
        axes = [(0, 1), (0, 2), (1, 2)][plane]
        r = 0.055
        ang = 2 * np.pi * k * _smooth(s) * direction
        off = np.zeros((len(s), 3))
        off[:, axes[0]] = r * (np.cos(ang) - 1)
        off[:, axes[1]] = r * np.sin(ang)
        return line + off
    if movement == "tap":
        bump = np.abs(np.sin(np.pi * k * s))
        return line + bump[:, None] * np.array([0.0, -0.012, -0.04])
    if movement == "shake":
        return line + (0.028 * np.sin(2 * np.pi * k * s))[:, None] * np.array([1.0, 0.0, 0.0])
    return line


def rest_frames(n: int, props: Proportions, rng: np.random.Generator) -> dict:
    """Both hands resting in front of the lap, neutral face, with a little idle motion."""
    pos = location_point("rest", props)
    q = orientation_quat("rest")
    relax = handshape_angles("relax", props.handshapes)
    idle = rng.normal(0, 0.003, (2, 3))
    return {
        "dom_pos": np.tile(pos + idle[0], (n, 1)), "nd_pos": np.tile(pos + idle[1], (n, 1)),
        "dom_quat": np.tile(q, (n, 1)), "nd_quat": np.tile(q, (n, 1)),
        "dom_hand": np.tile(relax, (n, 1, 1)), "nd_hand": np.tile(relax, (n, 1, 1)),
        "nm": np.zeros((n, len(NM_CHANNELS))),
    }


def stroke_frames(sign, props: Proportions, rng: np.random.Generator, speed: float = 1.0, tempo: float = 1.0,
                  jitter: float = 1.0) -> dict:
    """The stroke of one sign (see ``lexicon.Sign``) as a track; length from the movement, speed and tempo.

    speed: signer speed (> 1 = faster); tempo: 1.2 for citation forms, 0.85 in sentences.
    jitter: scale of the production variation (location, orientation, joint angles)."""
    n = max(6, int(round(_BASE_FRAMES[sign.movement] * tempo / speed * rng.uniform(0.88, 1.12))))
    s = np.linspace(0.0, 1.0, n)
    off = np.asarray(sign.offset) + rng.normal(0, 0.012 * jitter, 3)
    if sign.hands == "base":
        base = location_point(sign.base_location, props) + rng.normal(0, 0.008 * jitter, 3)
        on = base * np.array([-1.0, 1.0, 1.0])  # the base hand is mirrored onto the left arm
        p0 = on + np.array([0.0, -0.11, -0.02]) + off
        p1 = on + np.array([0.0, -0.035, 0.0]) + 0.3 * off
    else:
        p0 = location_point(sign.start, props) + off
        p1 = location_point(sign.end, props) + off
    amp = rng.uniform(0.85, 1.15)
    pos = p0 + (_path(sign.movement, p0, p1, s, sign.repeat, sign.plane, sign.direction) - p0) * amp
    wob = quat_axis_angle(rng.normal(size=3), rng.normal(0, 0.08 * jitter))
    q0 = quat_mul(wob, orientation_quat(sign.orientation))
    if sign.movement == "twist":
        fingers_axis = _quat_y_axis(q0)
        q1 = quat_mul(quat_axis_angle(fingers_axis, 1.2 * sign.direction), q0)
        quat = slerp(q0, q1, _smooth(s))
    elif sign.end_orientation != sign.orientation:
        quat = slerp(q0, quat_mul(wob, orientation_quat(sign.end_orientation)), _smooth(s))
    else:
        quat = np.tile(q0, (n, 1))
    a0 = handshape_angles(sign.handshape, props.handshapes) + rng.normal(0, 0.05 * jitter, (5, 4))
    a1 = handshape_angles(sign.end_handshape, props.handshapes) + (a0 - handshape_angles(sign.handshape, props.handshapes))
    w = _smooth(np.clip((s - 0.2) / 0.6, 0, 1))[:, None, None]
    hand = a0 + (a1 - a0) * w
    if sign.movement == "wiggle":
        phase = np.arange(4) * 0.9
        osc = 0.35 * np.sin(2 * np.pi * 3 * s[:, None] + phase)  # (n, 4)
        hand = hand.copy()
        hand[:, 1:, 1] += osc
        hand[:, 1:, 2] += 0.6 * osc
    hand = clamp_joints(hand)
    nm = _nonmanual(sign.nonmanual, s)
    realised, amplitude = rng.random(), rng.uniform(0.7, 1.1)  # drawn for every sign: same stream with or without
    if getattr(sign, "mouthing", "") and realised < MOUTHING_REALISED:
        nm = nm + mouthing(sign.mouthing, s, amplitude)
        for name, lo in (("mouth_open", 0.0), ("mouth_width", -1.0), ("mouth_press", 0.0)):
            nm[:, _NM[name]] = np.clip(nm[:, _NM[name]], lo, 1.0)
    track = {"dom_pos": pos, "dom_quat": quat, "dom_hand": hand, "nm": nm}
    if sign.hands in ("sym", "alt"):   # both hands move off the midline, mirrored (sym) or in counter-phase
        sgn = 1.0 if sign.hands == "sym" else -1.0
        shift = np.array([-0.5 * sign.hand_gap, 0.0, 0.0])
        track["dom_pos"] = pos = pos + shift
        track["nd_pos"] = p0 + shift + sgn * (pos - p0 - shift)
        track["nd_quat"] = quat.copy()
        track["nd_hand"] = hand.copy()
    elif sign.hands == "base":
        track["nd_pos"] = np.tile(base, (n, 1))
        track["nd_quat"] = np.tile(orientation_quat(sign.base_orientation), (n, 1))
        track["nd_hand"] = np.tile(handshape_angles(sign.base_handshape, props.handshapes), (n, 1, 1))
    return track


def _quat_y_axis(q) -> np.ndarray:
    w, x, y, z = q
    return np.array([2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w)])


def _nonmanual(name: str, s: np.ndarray) -> np.ndarray:
    """Non-manual parameters (n, 8) of a lexical non-manual component over the stroke."""
    nm = np.zeros((len(s), len(NM_CHANNELS)))
    e = _envelope(s)
    if name == "mouth_open":
        nm[:, _NM["mouth_open"]] = 0.85 * e
    elif name == "mouth_round":
        nm[:, _NM["mouth_width"]] = -0.9 * e
        nm[:, _NM["mouth_open"]] = 0.35 * e
    elif name == "mouth_spread":
        nm[:, _NM["mouth_width"]] = 0.9 * e
        nm[:, _NM["mouth_open"]] = 0.1 * e
    elif name == "mouth_pressed":
        nm[:, _NM["mouth_press"]] = e
        nm[:, _NM["mouth_width"]] = 0.2 * e
    elif name == "head_nod":
        nm[:, _NM["head_pitch"]] = 0.16 * e * 0.5 * (1 - np.cos(2 * np.pi * 2 * s))
    elif name == "head_shake":
        nm[:, _NM["head_yaw"]] = 0.3 * e * np.sin(2 * np.pi * 2.5 * s)
    elif name == "head_tilt":
        nm[:, _NM["head_roll"]] = 0.22 * e
        nm[:, _NM["head_pitch"]] = 0.05 * e
    elif name != "none":
        raise ValueError(f"unknown non-manual component {name!r}")
    return nm


# Visemes of the mouthed word: (mouth_open, mouth_width, mouth_press) lip targets per letter class. A mouthing
# is the spoken word's visible lip pattern: open jaw for /a/, spread lips for /e, i/, rounded for /o, u/,
# closed lips for /m, b, p/, lower lip to teeth for /f, v/; other consonants barely show.
_VISEMES = {**{ch: (0.8, 0.0, 0.0) for ch in "aáàä"}, **{ch: (0.45, 0.6, 0.0) for ch in "eéè"},
            **{ch: (0.25, 0.9, 0.0) for ch in "iíy"}, **{ch: (0.5, -0.7, 0.0) for ch in "oóö"},
            **{ch: (0.25, -0.95, 0.0) for ch in "uúüw"}, **{ch: (0.0, 0.1, 1.0) for ch in "mbp"},
            **{ch: (0.1, 0.3, 0.5) for ch in "fv"}}
_CONSONANT = (0.2, 0.1, 0.0)
MOUTHING_SYLLABLES = 5
"""A mouthing is reduced to the first visemes of the word (at most this many lip targets)."""
MOUTHING_REALISED = 0.85
"""Probability that a signer produces a sign's mouthing in a given token (mouthings are often dropped)."""


def mouthing(word: str, s: np.ndarray, amplitude: float = 1.0) -> np.ndarray:
    """Non-manual parameters (n, 8) of the word `word` mouthed over a stroke sampled at s in [0, 1]: its first
    MOUTHING_SYLLABLES lip targets (repeated classes merged) spread evenly over the stroke, linearly
    interpolated, under the stroke's envelope, scaled by `amplitude`."""
    targets = []
    for ch in word:
        if not ch.isalpha():
            continue
        v = _VISEMES.get(ch, _CONSONANT)
        if not targets or targets[-1] != v:
            targets.append(v)
    targets = np.asarray(targets[:MOUTHING_SYLLABLES] or [_CONSONANT], dtype=np.float64)  # (k, 3)
    centres = (np.arange(len(targets)) + 0.5) / len(targets)
    nm = np.zeros((len(s), len(NM_CHANNELS)))
    e = _envelope(s) * amplitude
    for j, name in enumerate(("mouth_open", "mouth_width", "mouth_press")):
        nm[:, _NM[name]] = e * np.interp(s, centres, targets[:, j])
    return nm


def compose(segments: list[dict], props: Proportions, rng: np.random.Generator, transition: tuple[int, int],
            speed: float = 1.0, rest: dict | None = None) -> tuple[dict, list[tuple[int, int]]]:
    """Join sign strokes with co-articulated transitions.

    segments: tracks (any may lack the "nd_*" keys: the passive hand then stays where it was, or at rest).
    transition: (min, max) frames of a transition before speed scaling. Returns the joined track and the
    (start, stop) frame range of every segment in it. Hands move on minimum-jerk paths with a slight lift,
    then the whole track is low-pass filtered, which blends neighbouring signs (co-articulation)."""
    rest = rest or rest_frames(1, props, rng)
    parts, ranges, t = [], [], 0
    prev = {k: v[-1] for k, v in rest.items()}
    for i, seg in enumerate(segments):
        seg = dict(seg)
        n = len(seg["nm"])
        for ch in ("nd_pos", "nd_quat", "nd_hand"):
            if ch not in seg:   # one-handed: the passive hand goes back to (or stays at) rest
                seg[ch] = np.tile(rest[ch][-1], (n,) + (1,) * (rest[ch].ndim - 1))
        if i > 0:
            m = max(2, int(round(rng.integers(transition[0], transition[1] + 1) / speed)))
            tr = _transition(prev, {k: v[0] for k, v in seg.items()}, m)
            parts.append(tr)
            t += m
        parts.append(seg)
        ranges.append((t, t + n))
        t += n
        prev = {k: v[-1] for k, v in seg.items()}
    track = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _lowpass(track), ranges


def _transition(a: dict, b: dict, m: int) -> dict:
    s = _smooth(np.arange(1, m + 1) / (m + 1))
    out = {}
    for k in a:
        if k.endswith("quat"):
            out[k] = slerp(a[k], b[k], s)
        else:
            out[k] = a[k] + (b[k] - a[k]) * s.reshape((m,) + (1,) * a[k].ndim)
    lift = np.sin(np.pi * s)[:, None] * np.array([0.0, -0.01, -0.03])
    out["dom_pos"] = out["dom_pos"] + lift * min(1.0, np.linalg.norm(b["dom_pos"] - a["dom_pos"]) / 0.15)
    return out


_KERNEL = np.exp(-0.5 * (np.arange(-3, 4) / 1.1) ** 2)
_KERNEL /= _KERNEL.sum()


def _lowpass(track: dict) -> dict:
    """Gaussian filter (sigma 1.1 frames) along time, edges held."""
    out = {}
    for k, v in track.items():
        if k.endswith("quat"):   # keep neighbouring quaternions in one hemisphere before filtering
            v = v.copy()
            flip = np.cumprod(np.where(np.sum(v[1:] * v[:-1], axis=-1) < 0, -1.0, 1.0))
            v[1:] *= flip[:, None]
        pad = np.concatenate([np.repeat(v[:1], 3, 0), v, np.repeat(v[-1:], 3, 0)])
        f = sum(w * pad[i:i + len(v)] for i, w in enumerate(_KERNEL))
        if k.endswith("quat"):
            f = f / np.linalg.norm(f, axis=-1, keepdims=True)
        out[k] = f
    return out
