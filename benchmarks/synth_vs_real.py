"""Synthetic poses against real estimator output, statistic by statistic (``signpt.data.synth.realism``).

Real files (../shared/data/poses, see its README), grouped by the estimator that made them:

    mediapipe     MediaPipe Holistic: mediapipe.pose, mediapipe_long.pose (pose-format test data)
    mediapipe-fs  MediaPipe Holistic: the 56 sign.mt fingerspelling letter clips (fingerspelling/ase, gsg)
    openpose      OpenPose BODY_25 + face + hands: openpose.pose
    rtmpose       RTMPose COCO-WholeBody 133 (top-down): formats/uni_sign_lis/12_10_2023_0.pkl

and the real *training* data (../shared/data/real, may be calibrated on):

    crowd         MediaPipe Holistic webcam clips of the crowd's train/pretrain people (recipes/crowd.yaml; the
                  3,280 clips with a body, ``realdata.crowd_clips``; never its dev/test people). Its face block
                  was cut from most files, so its face scores and face losses are not compared.

The four test groups are test data: measured and reported, never fitted to any more (the profiles fitted to them
before the training data came are kept as they were). `--real test|crowd|all` picks the groups; framing.*
(one value a clip) is compared only for groups of 10 clips or more.

Synthetic: `--n` samples spread over every job of a `signpt synth` preset, made in memory with the given
seed and estimator profile (exactly what `signpt synth` writes), or the raw poses of an existing
`signpt synth` output folder (`--synth DIR`).

    python benchmarks/synth_vs_real.py                        # default profile against every estimator
    python benchmarks/synth_vs_real.py --profile mediapipe    # the MediaPipe-like profile
    python benchmarks/synth_vs_real.py --synth demo/synth --json out.json
    python benchmarks/synth_vs_real.py --real crowd --profile mediapipe-webcam --n 400 [--isolated]

Prints one row per statistic: the real value per estimator, the synthetic value, and the distance of the
synthetic corpus to each estimator (kinds: see realism.KINDS), then the mean distance per estimator.

Calibration (distance of the synthetic corpus to the estimator a profile imitates; "before": the generator
before estimator profiles, `--synth` of its `signpt synth --preset small --seed 0` output; "after":
`--profile P`, 200 samples, seed 0; what moved it in brackets; the means leave out the hand proportions, added
later and measured only; all measured before realism gained the framing, head-width and beyond-the-edge
statistics of the crowd calibration below):

    statistic          RTMPose: before -> wholebody      MediaPipe: -> mediapipe          (fingerspell.)   OpenPose
    conf.face          7.94 -> 0.67 (scores near 1)      0.16 -> 0.00 (presence only)     0.16 -> 0.00     0.36 -> 0.11
    conf.hand          0.38 -> 0.22 (per-frame score)    0.30 -> 0.00                     0.30 -> 0.00     1.11 -> 0.42
    conf.body          0.96 -> 0.26                      0.62 -> 0.52 (visibility)        0.54 -> 0.48     1.15 -> 0.24
    face_width         0.16 -> 0.01 (shoulders 0.40 -> 0.335 m, where estimators put them; all profiles)
    hand_size          7.32 -> 3.12 (less foreshortened orientations, hand 1.05)          2.12 -> 0.45     0.67 -> 1.34
    hand_face          3.33 -> 2.30 (higher signing space)                                0.76 -> 0.24     0.50 -> 0.65
    handshape_gap      0.58 -> 0.23 (35 handshapes, joint limits)  0.33 -> 0.10          0.34 -> 0.11     0.12 -> 0.02
    jitter.hand        0.90 -> 0.27 (hand-crop rotation/scale jitter)  1.57 -> 1.19       1.12 -> 1.08     3.90 -> 0.45
    jitter_corr.hand   0.80 -> 0.38 (white per-frame noise)  0.06 -> 0.21 (low-pass)      0.21 -> 0.36     0.75 -> 0.01
    jitter.body        4.06 -> 2.73                      0.49 -> 0.41                     0.14 -> 0.29     0.45 -> 0.48
    miss_frame.nd_hand 0.07 -> 0.00 (never lost)         0.93 -> 0.45 (lost when low)     0.93 -> 0.45     0.40 -> 0.17
    miss_given.low     -                                 0.97 -> 0.25                     0.03 -> 0.75     0.53 -> 0.15
    miss_given.fast    0.06 -> 0.00                      0.21 -> 0.11                     0.06 -> 0.16     0.06 -> 0.06
    wrist_speed        2.06 -> 2.48 (not fitted: citation signs move faster than the one interpreter clip)
    hand_finger_length 0.07 (default profile, not changed: middle finger / palm length 1.06 vs 0.99 RTMPose;
    hand_palm_width    0.05  MediaPipe 0.94-0.95, 0.16 with its profile; palm width 0.59 vs 0.62 RTMPose,
    hand_thumb_length  0.04  0.67-0.74 MediaPipe; thumb 1.09 vs 1.13 RTMPose, 0.93-1.00 MediaPipe)
    mean distance      1.15 -> 0.59                      0.73 -> 0.52                     0.44 -> 0.36     0.67 -> 0.49

Calibration on the crowd (training data; `--real crowd --n 400`, seed 0). "before": the generator before this
calibration with its MediaPipe profile (`signpt synth --preset small --seed 0 --profile mediapipe` at the commit
before the fitted handshapes, read with `--synth`); "hands": the fitted handshapes alone (`--profile mediapipe`);
"after": `--profile mediapipe-webcam` (benchmarks/calibrate_profile.py; hands fitted by
benchmarks/fit_handshapes.py); --isolated: isolated signs only, as the crowd recorded (what the profile was fitted
on). What moved it in brackets:

    statistic            before  hands  after | isolated: before  after
    conf.body              0.47   0.47   0.07 |           0.47    0.09  (visibility near 1, low beyond the edge)
    finger_angle           0.37   0.31   0.26 |           0.28    0.21  (fitted handshapes)
    handshapes             0.45   0.48   0.14 |           0.31    0.02
    framing.shoulder_y     1.23   1.23   0.45 |           1.24    0.38  (webcam framing: low in a 640 x 480 frame,
    framing.sw_per_height  0.83   0.83   0.46 |           0.84    0.42   large, off-centre)
    framing.shoulder_x     0.51   0.51   0.25 |           0.55    0.25
    outside.body           0.16   0.16   0.06 |           0.16    0.07  (elbows, wrists reported beyond the edge)
    hand_size              0.75   0.75   0.26 |           0.87    0.22  (near camera: hands in front look larger)
    hand_finger_length     0.11   0.11   0.08 |           0.15    0.08  (MediaPipe's hand geometry)
    hand_thumb_length      0.13   0.12   0.07 |           0.16    0.07
    jitter.hand            0.48   0.48   0.32 |           0.51    0.25  (crop rotation, noise varying by recording)
    jitter_corr.hand       0.66   0.66   0.14 |           0.61    0.11  (less smoothing)
    miss_given.fast        0.31   0.31   0.06 |           0.32    0.00  (lost when fast)
    miss_given.low         0.23   0.23   0.01 |           0.24    0.01  (always lost when low)
    miss_run_mean.nd_hand  1.35   1.35   0.17 |           1.39    0.10
    miss_frame.dom_hand    0.08   0.08   0.28 |           0.11    0.36  (worse, and not the estimator: the
    miss_given.crossing    0.15   0.15   0.42 |           0.13    0.44   synthetic isolated signs rest low longer,
                                    55 % of their wrist frames against the crowd's 35 %, and rest both hands
                                    together: 52 % of their crossing frames are low, 4 % of the crowd's)
    head_width             0.25   0.25   0.25 |           0.25    0.25  (not fitted: MediaPipe's ears sit inwards)
    mean distance          0.31   0.31   0.17 |           0.32    0.17
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from signpt.data.synth import realism as R
from signpt.data.synth.generate import synth_clips  # noqa: E402

GROUPS = ("mediapipe", "mediapipe-fs", "openpose", "rtmpose", "crowd")
LENGTH_STATS = ("len_frames", "len_seconds")
"""Depend on what was recorded (one sentence, one letter), not on the estimator: shown, not averaged."""


ISOLATED = ("synth-pt-isolated", "synth-islr")
"""The synthetic sources of isolated signs (what the crowd recorded), for --isolated."""
MIN_CLIPS = 10
"""Per-clip statistics (framing.*: one value a clip) are compared only for real groups of this many clips."""
NOT_MEASURED = {"crowd": ("conf.face", "miss_point.face")}
"""Statistics a group's files cannot show: the crowd's face block was cut from all but 8 collections (README)."""


def synth_from_dir(directory: Path, n: int, sources=None) -> list[R.Clip]:
    from signpt.pose.io import read_pose
    from signpt.pose.layouts.k79 import COCO_TO_K79

    rows = [json.loads(line) for line in open(directory / "manifest.jsonl", encoding="utf-8")]
    if sources:
        rows = [r for r in rows if r["source"] in set(sources)]
    pick = np.linspace(0, len(rows) - 1, min(n, len(rows))).round().astype(int)
    out = []
    for i in pick:
        s = read_pose(directory / rows[i]["pose"])
        out.append(R.Clip(s.keypoints[:, COCO_TO_K79], s.confidence[:, COCO_TO_K79], float(s.fps), "synthetic",
                          rows[i]["pose"], tuple(s.frame_size)))
    return out


def measure(real: list[R.Clip], synth: list[R.Clip]) -> dict:
    groups = {g: R.pool([R.clip_stats(c) for c in real if c.estimator == g]) for g in GROUPS}
    for g, v in groups.items():
        few = sum(c.estimator == g for c in real) < MIN_CLIPS
        for k in [k for k in v if k in NOT_MEASURED.get(g, ()) or (few and k.startswith("framing."))]:
            del v[k]
    groups = {g: v for g, v in groups.items() if v}
    syn = R.pool([R.clip_stats(c) for c in synth])
    rows = {}
    for k in sorted(syn):
        kind = syn[k][0]
        rows[k] = {"kind": kind, "synthetic": R.describe(*syn[k]),
                   "real": {g: R.describe(*v[k]) for g, v in groups.items() if k in v},
                   "distance": {g: R.distance(kind, v[k][1], syn[k][1]) for g, v in groups.items() if k in v}}
    mean = {g: float(np.nanmean([r["distance"][g] for k, r in rows.items()
                                 if g in r["distance"] and k not in LENGTH_STATS])) for g in groups}
    return {"rows": rows, "mean_distance": mean}


def table(result: dict) -> str:
    groups = list(result["mean_distance"])
    head = ["statistic", "kind"] + groups + ["synthetic"] + [f"d({g})" for g in groups]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for k, r in result["rows"].items():
        d = [f"{r['distance'][g]:.2f}" if g in r["distance"] and np.isfinite(r["distance"][g]) else "-"
             for g in groups]
        lines.append(" | ".join([k, r["kind"]] + [r["real"].get(g, "-") for g in groups] + [r["synthetic"]] + d))
    lines.append(" | ".join(["mean distance", ""] + [""] * len(groups) + [""]
                            + [f"{result['mean_distance'][g]:.2f}" for g in groups]))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "poses",
                    help="real pose files of the test data (default ../shared/data/poses)")
    ap.add_argument("--real", choices=("all", "test", "crowd"), default="all",
                    help="real groups: the test files (mediapipe, mediapipe-fs, openpose, rtmpose), the crowd's "
                         "training people (crowd), or both (default)")
    ap.add_argument("--crowd-n", type=int, default=None,
                    help="crowd clips (a seeded random subset; default all of its train/pretrain clips with a body)")
    ap.add_argument("--recipe", type=Path, default=ROOT / "recipes" / "crowd.yaml", help="the crowd's recipe")
    ap.add_argument("--synth", type=Path, help="an existing `signpt synth` output folder instead")
    ap.add_argument("--n", type=int, default=200, help="synthetic samples (default 200)")
    ap.add_argument("--isolated", action="store_true",
                    help="synthetic isolated signs only (sources synth-pt-isolated, synth-islr), as the crowd recorded")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", default=None, help="estimator profile of the generator (default: its default)")
    ap.add_argument("--json", type=Path, help="also write the result here")
    a = ap.parse_args(argv)
    t0 = time.time()
    real = []
    if a.real in ("all", "test"):
        if not a.data.is_dir():
            print(f"{a.data}: no real pose files here (pass --data)", file=sys.stderr)
            return 2
        real += R.real_clips(a.data)
    if a.real in ("all", "crowd"):
        from signpt.data.synth.realdata import crowd_clips

        try:
            real += crowd_clips(a.recipe, n=a.crowd_n, seed=a.seed)
        except Exception as e:  # noqa: BLE001 - a clear message, not a traceback
            print(f"cannot read the crowd through {a.recipe}: {e}", file=sys.stderr)
            return 2
    sources = ISOLATED if a.isolated else None
    if a.synth:
        synth = synth_from_dir(a.synth, a.n, sources)
        what = f"{len(synth)} samples of {a.synth}"
    else:
        kw = {} if a.profile is None else {"profile": a.profile}
        synth = synth_clips(a.n, a.seed, a.preset, sources=sources, **kw)
        what = f"{len(synth)} samples of preset {a.preset}, seed {a.seed}, profile {a.profile or 'default'}"
    what += ", isolated signs only" if a.isolated else ""
    result = measure(real, synth)
    print(f"# synthetic ({what}) vs real ({len(real)} clips)\n")
    for g in result["mean_distance"]:
        n = sum(c.estimator == g for c in real)
        print(f"- {g}: {R.ESTIMATORS[g]}, {n} clip(s)")
    print("\nKinds: " + "; ".join(f"{k}: {v}" for k, v in R.KINDS.items()) + ". Lengths are in shoulder widths "
          "(sw), speeds in sw/s; dist cells: median [5th-95th percentile]. The mean distance leaves out "
          f"{', '.join(LENGTH_STATS)} (what was filmed, not how it was estimated).\n")
    print(table(result))
    print(f"\n({time.time() - t0:.1f} s)")
    if a.json:
        from signpt.atomic import write_text
        write_text(a.json, json.dumps({"synthetic": what, **result}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
