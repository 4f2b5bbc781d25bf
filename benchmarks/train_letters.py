"""Real letters of the crowd's training people -> the generator's held handshapes: ``real_transfer.py
--cross-domain``'s question, asked on training data (``recipes/crowd.yaml``'s train/pretrain people, never its dev
or test people, and not the fingerspelling test clips).

Each manual-alphabet clip of the crowd's ASL training people with 10 or more letters (k79, normalised as the corpus
stores poses; a clip whose left hand is present in more frames is mirrored, as ``dominant_hand: right`` curates)
ranks the synthetic held handshapes of one synthetic signer at a time (``real_poses.synthetic_letters``: 35
handshapes x 4 signers) by the cosine of the raw hands (``real_poses.raw_features``, hands only); a hit is the
handshape of the clip's letter at rank 1 (``real_poses.real_to_synthetic``; letters the inventory lacks are not
asked). Within-domain reference: the same clips across people (``real_poses.letter_retrieval``).

    python benchmarks/train_letters.py                # composed vs fitted handshapes, mediapipe vs webcam profile
    python benchmarks/train_letters.py --held-out     # also handshapes fitted on asl_ai alone (a minute more)

Rows: the synthetic inventory (composed: the handshapes before they were fitted, ``hand.composed_angles``;
fitted: ``hand_fitted.py``, which saw these clips; asl_ai only: fitted here on handshapes_asl_ai alone, so these
clips are held out) and the estimator profile of the synthetic signers. `--held-out` printed (1,210 clips of 7
people; within the crowd, person -> person: top-1 54.3 %; chance 2.9 %):

    handshapes               profile            top-1 %   MRR %
    composed (before)        mediapipe          30.7      46.3
    composed                 mediapipe-webcam   32.3      47.3
    fitted                   mediapipe          37.6      52.1
    fitted                   mediapipe-webcam   38.6      54.5
    asl_ai only (held out)   mediapipe          37.1      50.7
    asl_ai only              mediapipe-webcam   35.4      50.8  (its hand geometry was fitted on both sources)

The 3-D retrieval of fit_handshapes.py (any rotation) gains far more (42.8 -> 73.4 % on these clips): the held
handshapes here all face the camera palm first, real letters do not.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def crowd_letters(recipe=None) -> list:
    """The crowd's training letter clips as ``real_poses.LetterClip`` (alphabet = the person)."""
    from signpt.data.synth import realdata as RD
    from signpt.data.synth.hand import HANDSHAPES
    from signpt.pipeline.real_poses import LetterClip
    from signpt.pose.convert import to_k79
    from signpt.pose.io import read_pose
    from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND
    from signpt.pose.mirror import mirror_k79
    from signpt.pose.normalise import normalise

    recs = [r for r in RD.crowd_records(recipe) if r.sign_language is None and len(r.gloss[0]) == 1
            and r.gloss[0].isalpha()]
    per: dict = {}
    for r in recs:
        per.setdefault(r.signer, set()).add(r.gloss[0])
    out = []
    for r in recs:
        if len(per[r.signer]) < RD.MIN_LETTERS or r.gloss[0].upper() not in HANDSHAPES:
            continue
        seq = to_k79(read_pose(r.pose, fps=30.0, **r.pose_options))
        pose, _ = normalise(seq.keypoints, seq.confidence, seq.frame_size)
        conf = seq.confidence
        if (conf[:, list(LEFT_HAND)] > 0).any(1).sum() > (conf[:, list(RIGHT_HAND)] > 0).any(1).sum():
            pose, conf = mirror_k79(pose, conf)
        out.append(LetterClip(pose, conf, r.signer, r.gloss[0].lower(), r.id))
    return out


def asl_ai_fit() -> dict:
    """Handshapes fitted on handshapes_asl_ai alone (``fit_handshapes.py``'s procedure): {name: angles}."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import fit_handshapes as FH
    from signpt.data.synth import handfit as F
    from signpt.data.synth import realdata as RD

    shapes = FH.right_hands("asl_ai", RD.asl_ai_shapes()[0], progress=None)
    angles, _, _ = FH.fit(F.letter_targets(shapes), progress=None)
    return angles


def main(argv=None) -> int:
    from signpt.data.synth.hand import HANDSHAPES, composed_angles, handshape_angles
    from signpt.pipeline import real_poses as RP

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--held-out", action="store_true", help="also handshapes fitted on handshapes_asl_ai alone")
    ap.add_argument("--profiles", nargs="*", default=["mediapipe", "mediapipe-webcam"])
    a = ap.parse_args(argv)
    t0 = time.time()
    try:
        clips = crowd_letters()
    except Exception as e:  # noqa: BLE001 - a clear message, not a traceback
        print(f"cannot read the crowd's letters: {e}", file=sys.stderr)
        return 2
    people = sorted({c.alphabet for c in clips})
    print(f"# {len(clips)} letter clips of {len(people)} training people ({time.time() - t0:.0f} s)\n")
    feats = lambda c: RP.raw_features(c, hands_only=True)  # noqa: E731
    within = RP.letter_retrieval(feats(clips), [c.alphabet for c in clips], [c.letter for c in clips])
    print(f"within the crowd, person -> person (raw hands): top-1 {100 * within['top1']:.1f} %, "
          f"MRR {100 * within['mrr']:.1f} %\n")
    inventories = {"composed": {n: composed_angles(n) for n in HANDSHAPES},
                   "fitted (hand_fitted.py)": {n: handshape_angles(n) for n in HANDSHAPES}}
    if a.held_out:
        inventories["asl_ai only (held out)"] = {**inventories["composed"], **asl_ai_fit()}
    print("handshapes | profile | top-1 % | MRR %\n--- | --- | ---: | ---:")
    for inv, angles in inventories.items():
        for prof in a.profiles:
            synth = RP.synthetic_letters(profile=prof, angles=angles)
            s = RP.real_to_synthetic(clips, synth, feats)
            print(f"{inv} | {prof} | {100 * s['top1']:.1f} | {100 * s['mrr']:.1f}", flush=True)
    print(f"\nchance top-1 {100 * s['chance']:.1f} % ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
