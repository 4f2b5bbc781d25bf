"""Does pre-training on the synthetic corpus carry over to real poses? Cross-alphabet letter retrieval on the
real MediaPipe fingerspelling clips of ../shared/data/poses/fingerspelling (``signpt.pipeline.real_poses``):
each letter clip of one alphabet (American, German) ranks every letter clip of the other by the cosine of
mean-pooled features; top-1 = the same letter at rank 1, MRR = mean reciprocal rank of it; averaged over the
ordered alphabet pairs.

    python benchmarks/real_transfer.py --encoder runs/pretrain/seed0 runs/pretrain/seed1 runs/pretrain/seed2

Rows: the raw normalised pose (all 79 points, and the hands only), random-weight encoders of the same
architecture as the first --encoder (or the `tiny` preset) with seeds --random-seeds, and each pre-trained
encoder (a `signpt pretrain` output folder, see SignEncoder.from_pretrained), then mean (min-max) per group.
With --synthetic-control the same rows are also computed on synthetic held handshapes (four synthetic signers,
``real_poses.synthetic_letters``): the same question without the synthetic-to-real gap.
Rows marked [manual] use only the manual branch's channels of the same features (a diagnostic: the
headline is the whole F_SE); with --embedding, rows marked [embedding] score the pose embedding's output
before the transformer branches (all parts, or [embedding manual] the manual part): where transfer is lost.
With --cross-domain, each real letter also ranks the synthetic held handshapes (one synthetic signer at a
time): how close the generator's hands are to real ones (raw hands, and through each encoder).
The clips are a test set: nothing here trains on them or picks settings on them.
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


def main(argv=None) -> int:
    import torch

    from signpt.model.encoder import SignEncoder
    from signpt.pipeline import real_poses as RP

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="fingerspelling folder (default: ../shared/data/...)")
    ap.add_argument("--encoder", nargs="*", default=[], help="pre-trained encoders (signpt pretrain output dirs)")
    ap.add_argument("--random-seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--json", type=Path, help="also write the scores here")
    ap.add_argument("--synthetic-control", action="store_true",
                    help="also run the same rows on synthetic held handshapes of four synthetic signers "
                         "(real_poses.synthetic_letters): ahead there but not on real poses = the domain gap")
    ap.add_argument("--embedding", action="store_true",
                    help="also score the pose embedding's output (before the transformer branches): rows "
                         "[embedding] and [embedding manual], to see where along the encoder transfer is lost")
    ap.add_argument("--profile", default="mediapipe",
                    help="estimator profile of the synthetic signers of --synthetic-control and --cross-domain "
                         "(default mediapipe, as before; mediapipe-webcam: fitted to the crowd's training people)")
    ap.add_argument("--cross-domain", action="store_true",
                    help="also: each real letter ranks the synthetic held handshapes of one synthetic signer at "
                         "a time; hit = the handshape of the same name (how real the generator's hands look)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    try:
        clips = RP.load_letters(a.data)
    except Exception as e:  # noqa: BLE001 - a clear message, not a traceback
        print(f"cannot read the real clips: {e}", file=sys.stderr)
        return 2
    pretrained = {f"pretrained {p}": SignEncoder.from_pretrained(p) for p in a.encoder}
    like = next(iter(pretrained.values())).config if pretrained else None
    if like is None:
        from signpt.model.presets import get_preset
        like = get_preset("tiny").encoder_config()
    randoms = {f"random seed {s}": RP.random_encoder(like, s) for s in a.random_seeds}
    encoders = {**randoms, **pretrained}
    result = table(RP.evaluate(clips, encoders, manual=True, embedding=a.embedding),
                   f"cross-alphabet letter retrieval, real MediaPipe poses: {len(clips)} clips", clips)
    if a.synthetic_control:
        synth = RP.synthetic_letters(profile=a.profile)
        scores = RP.evaluate(synth, encoders, manual=True, embedding=a.embedding)
        result["synthetic_control"] = table(scores, "control: cross-signer "
                                            f"handshape retrieval, synthetic poses: {len(synth)} clips", synth)
    if a.cross_domain:
        result["real_to_synthetic"] = cross_domain(clips, encoders, a.profile)
    print(f"\n({time.time() - t0:.1f} s)")
    if a.json:
        from signpt.atomic import write_text
        write_text(a.json, json.dumps({**result, "encoders": a.encoder}, indent=1))
    return 0


def cross_domain(clips, encoders: dict, profile: str = "mediapipe") -> dict:
    """Print and return real letter -> synthetic handshape retrieval (``real_poses.real_to_synthetic``) for the
    raw hands and for each encoder's pose embedding of the manual part and its output F_SE; synthetic signers of
    the estimator `profile`."""
    from signpt.pipeline import real_poses as RP

    synth = RP.synthetic_letters(profile=profile)
    rows = {"raw_hands": lambda c: RP.raw_features(c, hands_only=True)}
    for name, enc in encoders.items():
        rows[f"{name} [embedding manual]"] = lambda c, e=enc: RP.encoder_features(c, e, branch="manual",
                                                                                  layer="embedding")
        rows[name] = lambda c, e=enc: RP.encoder_features(c, e)
    out = {name: RP.real_to_synthetic(clips, synth, f) for name, f in rows.items()}
    print(f"# real letter -> synthetic handshape of the same name ({len(synth) // 4} handshapes x 4 synthetic "
          f"signers, profile {profile}); chance top-1 {100 * out['raw_hands']['chance']:.1f} %\n")
    print("features | top-1 % | MRR %\n--- | ---: | ---:")
    for name, s in out.items():
        print(f"{name} | {100 * s['top1']:.1f} | {100 * s['mrr']:.1f}")
    print()
    return out


def table(scores: dict, title: str, clips) -> dict:
    """Print one retrieval table and its group summary; returns {"scores", "summary"}."""
    groups_of = sorted({c.alphabet for c in clips})
    print(f"# {title}, groups {', '.join(groups_of)}; chance top-1 {100 * scores['raw']['chance']:.1f} %\n")
    print("features | top-1 % | MRR % | " + " | ".join(f"top-1 {p}" for p in scores["raw"]["pairs"]))
    print("--- | ---: | ---: | " + " | ".join("---:" for _ in scores["raw"]["pairs"]))
    for name, s in scores.items():
        print(f"{name} | {100 * s['top1']:.1f} | {100 * s['mrr']:.1f} | "
              + " | ".join(f"{100 * p['top1']:.1f}" for p in s["pairs"].values()))
    print()
    suffixes = (" [manual]", " [embedding]", " [embedding manual]")
    groups = {g + part: [k for k in scores if k.startswith(g)
                         and (k.endswith(part) if part else not k.endswith(suffixes))]
              for g in ("random", "pretrained") for part in ("", *suffixes)}
    summary = {}
    for g, keys in groups.items():
        if not keys:
            continue
        t1 = np.array([scores[k]["top1"] for k in keys]) * 100
        mr = np.array([scores[k]["mrr"] for k in keys]) * 100
        summary[g] = {"top1": [float(t1.mean()), float(t1.min()), float(t1.max())],
                      "mrr": [float(mr.mean()), float(mr.min()), float(mr.max())], "n": len(keys)}
        print(f"{g} ({len(keys)}): top-1 {t1.mean():.1f} ({t1.min():.1f}-{t1.max():.1f}) %, "
              f"MRR {mr.mean():.1f} ({mr.min():.1f}-{mr.max():.1f}) %")
    print(f"raw: top-1 {100 * scores['raw']['top1']:.1f} %, MRR {100 * scores['raw']['mrr']:.1f} %; "
          f"raw hands: top-1 {100 * scores['raw_hands']['top1']:.1f} %, MRR {100 * scores['raw_hands']['mrr']:.1f} %\n")
    return {"scores": scores, "summary": summary}


if __name__ == "__main__":
    raise SystemExit(main())
