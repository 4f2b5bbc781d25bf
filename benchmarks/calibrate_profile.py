"""Fit an estimator profile of the generator (``signpt.data.synth.signers.PROFILES``) to the crowd's training people.

The real side: every clip with a body of the crowd's train/pretrain collections (``realdata.crowd_clips``; MediaPipe
Holistic webcam recordings, 640 x 480 and 30 fps as recipes/crowd.yaml assumes). Never its dev/test people.

1. Framing, straight from the real clips: the ranges of the shoulder width (frame heights), shoulder height and
   horizontal position per signer are the uniform ranges whose 5th and 95th percentiles are the crowd's per-clip
   ones; the confidence of body points beyond the frame edge is a Beta fitted by moments.
2. The processes, by coordinate search: starting from the ``mediapipe`` profile with the framing of 1, the
   frame size and rate, and the MediaPipe hand geometry, each knob in turn takes the candidate value whose
   synthetic isolated signs (``synth_clips`` of the small preset, sources synth-pt-isolated and synth-islr, the
   same seed for every candidate) are nearest to the crowd on the statistics that knob drives (mean of
   ``realism.distance``); ``--rounds`` passes over the knobs.

    python benchmarks/calibrate_profile.py [--n 200] [--rounds 2]

Prints the fitted profile (to paste into ``PROFILES``) and the distance to the crowd of every statistic before
(the ``mediapipe`` profile) and after.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from signpt.data.synth import realism as R  # noqa: E402
from signpt.data.synth import signers as S  # noqa: E402
from signpt.data.synth.generate import synth_clips  # noqa: E402

ISOLATED = ("synth-pt-isolated", "synth-islr")
NAME = "mediapipe-webcam"
ABOUT = "MediaPipe Holistic on a webcam close up, 640 x 480 (fitted to the crowd's training people)"
SKIP = ("len_frames", "len_seconds", "fps", "conf.face", "miss_point.face", "wrist_speed", "wrist_acc")
"""Not the estimator's doing (what was filmed, how long), or not in the data (the crowd's face block was cut)."""


def _loss(key):
    return lambda p, v: replace(p, loss={**p.loss, key: v})


KNOBS = [
    # (name, set(profile, value) -> profile, candidates, statistics it is judged on)
    ("camera", lambda p, v: replace(p, camera=v), [None, (1.0, 2.0), (0.8, 1.4), (0.6, 1.0), (0.5, 0.8), (0.4, 0.7)],
     ("hand_size", "hand_face")),
    ("vis sd", lambda p, v: replace(p, conf={**p.conf, "body": ("vis", v)}), [0.005, 0.01, 0.02, 0.04, 0.07],
     ("conf.body",)),
    ("body noise", lambda p, v: replace(p, noise_sw=(v,) + p.noise_sw[1:]), [0.001, 0.002, 0.004, 0.007],
     ("jitter.body",)),
    ("body smoothing", lambda p, v: replace(p, noise_smooth=(v, p.noise_smooth[1])), [0.0, 0.5, 1.0, 1.5],
     ("jitter_corr.body",)),
    ("hand noise", lambda p, v: replace(p, noise_sw=p.noise_sw[:2] + (v,)), [0.002, 0.003, 0.004, 0.006, 0.008],
     ("jitter.hand",)),
    ("hand smoothing", lambda p, v: replace(p, noise_smooth=(p.noise_smooth[0], v)), [0.0, 0.3, 0.5, 0.65, 0.8],
     ("jitter_corr.hand",)),
    ("hand rotation", lambda p, v: replace(p, hand_rot=v), [0.03, 0.06, 0.1, 0.14, 0.2], ("jitter.hand",)),
    ("hand scale", lambda p, v: replace(p, hand_scale=v), [0.03, 0.06, 0.09, 0.13], ("jitter.hand",)),
    ("noise spread", lambda p, v: replace(p, noise_range=v), [(0.7, 1.3), (0.5, 1.6), (0.3, 2.0), (0.2, 2.6)],
     ("jitter.hand", "jitter.body")),
    ("loss fast", _loss("fast"), [0.02, 0.035, 0.05, 0.07, 0.1], ("miss_given.fast",)),
    ("loss crossing", _loss("crossing"), [0.0, 0.005, 0.01, 0.03], ("miss_given.crossing",)),
    ("loss face", _loss("face"), [0.0, 0.005, 0.01, 0.03], ("miss_given.face",)),
    ("loss other", _loss("other"), [0.0, 0.003, 0.006, 0.012], ("miss_given.other",)),
    ("lost low", lambda p, v: replace(p, lost_low=v), [0.8, 0.9, 0.95, 1.0], ("miss_given.low",)),
    ("loss run", lambda p, v: replace(p, loss_run=v), [2.0, 3.0, 4.0, 6.0], ("miss_run_mean.dom_hand",)),
]


def uniform_range(values, lo: float = 0.05, hi: float = 0.95, offset: float = 0.0) -> tuple[float, float]:
    """(a, b) of the uniform distribution whose `lo` and `hi` quantiles are those of `values` (minus `offset`)."""
    q0, q1 = np.quantile(np.asarray(values, dtype=np.float64) - offset, [lo, hi])
    w = (q1 - q0) / (hi - lo)
    return round(float(q0 - lo * w), 3), round(float(q0 - lo * w + w), 3)


def beta_moments(x) -> tuple[float, float]:
    """(a, b) of the Beta distribution with the mean and variance of `x` (values in (0, 1))."""
    x = np.asarray(x, dtype=np.float64)
    m, v = float(x.mean()), float(x.var())
    k = m * (1 - m) / v - 1
    return round(m * k, 2), round((1 - m) * k, 2)


def outside_confidence(clips) -> np.ndarray:
    """Confidences of the present upper-body points (k79 0-10) beyond the frame edge, pooled over clips."""
    out = []
    for c in clips:
        w, h = c.frame_size
        b, cf = c.keypoints[:, :11], c.confidence[:, :11]
        beyond = (b[..., 0] < 0) | (b[..., 0] >= w) | (b[..., 1] < 0) | (b[..., 1] >= h)
        out.append(cf[beyond & (cf > 0)])
    return np.concatenate(out)


def framing_profile(clips, base: S.Profile) -> S.Profile:
    stats = [R.clip_stats(c) for c in clips]
    per = {k: np.concatenate([np.atleast_1d(s[k]) for s in stats if k in s])
           for k in ("framing.sw_per_height", "framing.shoulder_y", "framing.shoulder_x")}
    return replace(base, name=NAME, about=ABOUT, frames=((640, 480),), fps=(30.0,), hand_geometry="mediapipe",
                   sw_height=uniform_range(per["framing.sw_per_height"]),
                   shoulder_y=uniform_range(per["framing.shoulder_y"]),
                   centre_x=uniform_range(per["framing.shoulder_x"], offset=0.5),
                   outside_body=("beta",) + beta_moments(outside_confidence(clips)))


def distances(profile: S.Profile, real: dict, n: int, seed: int) -> dict:
    S.PROFILES[profile.name] = profile
    syn = R.pool([R.clip_stats(c) for c in synth_clips(n, seed, "small", profile.name, sources=ISOLATED)])
    return {k: R.distance(real[k][0], real[k][1], syn[k][1]) for k in real if k in syn and k not in SKIP}


def main(argv=None) -> int:
    from signpt.data.synth.realdata import crowd_clips

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="synthetic isolated signs per candidate (default 200)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    t0 = time.time()
    clips = crowd_clips()
    real = R.pool([R.clip_stats(c) for c in clips])
    print(f"# {len(clips)} crowd clips with a body (train/pretrain people), {time.time() - t0:.0f} s")
    start = framing_profile(clips, S.PROFILES["mediapipe"])
    print(f"framing: sw_height {start.sw_height}, shoulder_y {start.shoulder_y}, centre_x {start.centre_x}, "
          f"outside_body {start.outside_body}")
    before = distances(replace(S.PROFILES["mediapipe"], name="before"), real, a.n, a.seed)
    prof = start
    for r in range(a.rounds):
        for name, setter, candidates, keys in KNOBS:
            scores = []
            for v in candidates:
                d = distances(setter(prof, v), real, a.n, a.seed)
                scores.append(float(np.nanmean([d.get(k, np.nan) for k in keys])))
            best = candidates[int(np.nanargmin(scores))]
            prof = setter(prof, best)
            print(f"round {r + 1} {name}: " + ", ".join(f"{v}: {s:.3f}" for v, s in zip(candidates, scores))
                  + f" -> {best} ({time.time() - t0:.0f} s)", flush=True)
    after = distances(prof, real, a.n, a.seed)
    print(f"\n# fitted profile\n{prof!r}\n")
    print("statistic | crowd | d(mediapipe) | d(fitted)\n--- | --- | ---: | ---:")
    for k in sorted(after):
        print(f"{k} | {R.describe(*real[k])} | {before.get(k, float('nan')):.2f} | {after[k]:.2f}")
    keys = [k for k in after if k in before and np.isfinite(after[k]) and np.isfinite(before[k])]
    print(f"mean | | {np.mean([before[k] for k in keys]):.2f} | {np.mean([after[k] for k in keys]):.2f}")
    print(f"\n({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
