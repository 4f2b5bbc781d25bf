"""Fit the generator's handshapes to real hands, and measure how near the inventory is to them (3-D).

Real hands (training data only, ``signpt.data.synth.realdata``): handshapes_asl_ai (one person, 26 letters, ~400
frames each, frame ratio estimated) and the manual-alphabet clips of the crowd's train/pretrain people
(``recipes/crowd.yaml``; 7 ASL people with 10 or more letters). Hands are made right hands (a person whose hands
look mirrored, ``handfit.looks_mirrored``, is mirrored). A letter's target is the Procrustes mean over people of
each person's robust mean shape (``handfit.letter_targets``).

    python benchmarks/fit_handshapes.py                 # the stored inventory against the real hands
    python benchmarks/fit_handshapes.py --fit           # fit on asl_ai, on the crowd and on both (minutes)
    python benchmarks/fit_handshapes.py --fit --write   # ... and store the fit on both in hand_fitted.py

Retrieval: each real query (a crowd clip's robust mean shape; a 40-frame chunk of asl_ai) ranks the 35
handshapes of an inventory by Procrustes distance (3-D, any rotation and size); a hit is the handshape of the
query's name at rank 1 (queries of letters the inventory has: 21 of 26). With --fit the inventories fitted on one
source and measured on the other are held out.

Fit (``handfit.fit_inventory``): every letter's 20 joint angles from its composed angles and 9 other handshapes
(bounded L-BFGS-B, a weak pull to its composed angles), then the hand geometry to all 21 letters at once and the
angles again. `--fit` printed (top-1 % / MRR %; mean Procrustes distance to the 21 targets 0.42 -> 0.14 fitted on
asl_ai, 0.40 -> 0.13 on the crowd):

    inventory                      crowd (1,209 clips)         asl_ai (210 chunks)
    model (before)                 42.8 / 59.9                 54.8 / 68.7
    fit on asl_ai                  59.9 / 72.6 (held out)      98.1 / 98.6
    fit on crowd                   75.4 / 83.9                 77.6 / 86.6 (held out)
    fit on both                    73.4 / 82.5                 85.7 / 92.2
    stored (hand_fitted.py, 0.1 degree)   73.4 / 82.4          85.7 / 92.2
    stored angles, model geometry  71.5 / 81.4                 89.0 / 94.0  (the wholebody profile's hands)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from signpt.data.synth import hand as H  # noqa: E402
from signpt.data.synth import handfit as F  # noqa: E402
from signpt.data.synth import realdata as RD  # noqa: E402

CHUNK = 40
"""Frames of handshapes_asl_ai per query (its ~400 frames of a letter are one hold)."""


def right_hands(name: str, src: dict, progress=print) -> dict:
    """{letter: {person: shapes}} with every person whose hands look mirrored (``handfit.looks_mirrored``
    against the composed handshapes) mirrored into right hands."""
    known = set(H.HANDSHAPES)
    out = {k: dict(v) for k, v in src.items()}
    for p in sorted({p for v in src.values() for p in v}):
        shapes = {k: v[p] for k, v in src.items() if k in known and p in v}
        mirrored, votes, n = F.looks_mirrored(shapes, H.composed_angles)
        if mirrored:
            for v in out.values():
                if p in v:
                    v[p] = v[p] * F.MIRROR
        if progress:
            progress(f"{name} {p}: {n} letters, {votes} look mirrored -> {'mirrored' if mirrored else 'as is'}")
    return out


def load(progress=print) -> dict:
    """{"asl_ai": {letter: {person: shapes}}, "crowd": ...} as right hands."""
    t0 = time.time()
    asl, aspect = RD.asl_ai_shapes()
    out = {"asl_ai": right_hands("asl_ai", asl, progress), "crowd": right_hands("crowd", RD.crowd_letter_shapes(),
                                                                                progress)}
    progress(f"asl_ai frame ratio {aspect:.2f} (anatomy estimate, snapped); loaded in {time.time() - t0:.1f} s")
    return out


def queries(src: dict, chunk: int | None) -> tuple[np.ndarray, list[str]]:
    """(Q, 21, 3) query shapes and their letters: every shape of every person (crowd: clip means), or
    `chunk`-frame robust means (asl_ai)."""
    q, names = [], []
    for letter, people in src.items():
        for shapes in people.values():
            if chunk:
                shapes = np.stack([F.robust_mean(shapes[i:i + chunk]) for i in range(0, len(shapes) - chunk // 2,
                                                                                      chunk)])
            q += list(shapes)
            names += [letter] * len(shapes)
    return np.stack(q), names


def gallery(angles: dict, geometry) -> tuple[np.ndarray, list[str]]:
    """(35, 21, 3) handshapes of an inventory (fitted angles where given, else the model's)."""
    names = list(H.HANDSHAPES)
    return H.hand_points(np.stack([angles.get(n, H.composed_angles(n)) for n in names]), geometry=geometry), names


def retrieval(q: np.ndarray, qn: list[str], g: np.ndarray, gn: list[str]) -> dict:
    """Top-1 and MRR (fractions) of queries whose letter the gallery has."""
    keep = [i for i, n in enumerate(qn) if n in gn]
    d = F.rank_shapes(q[keep], g)
    gi = np.array([gn.index(qn[i]) for i in keep])
    target = d[np.arange(len(keep)), gi]
    ranks = 1 + (d < target[:, None]).sum(1)
    return {"top1": float((ranks == 1).mean()), "mrr": float((1 / ranks).mean()), "queries": len(keep)}


def fit(targets: dict, progress=print) -> tuple[dict, H.HandGeometry, dict]:
    known = {k: v for k, v in targets.items() if k in H.HANDSHAPES}
    return F.fit_inventory(known, H.composed_angles, progress=progress)


def write_module(path: Path, angles: dict, geometry: H.HandGeometry, dist: dict, before: dict, about: str) -> None:
    from signpt.atomic import write_text

    def tup(a, nd=1):
        return "(" + ", ".join(f"{x:.{nd}f}" for x in a) + ")"

    lines = ['"""Handshapes and hand geometry fitted to real hands: generated by',
             "``python benchmarks/fit_handshapes.py --fit --write``; do not edit by hand. Fitted on:", about + ".", "",
             "FITTED_DEG: per handshape, joint angles in degrees (rows thumb, fore, middle, ring, little finger; see",
             "``hand.py``). MEDIAPIPE_GEOMETRY: ``hand.HandGeometry`` fields in metres (palm length kept at the",
             "model's).",
             "Procrustes distance of each fitted handshape to its real target (before -> after):", ""]
    lines += [f"    {n}: {before[n]:.3f} -> {dist[n]:.3f}" for n in sorted(dist)]
    lines += ['"""', "", "FITTED_DEG = {"]
    for n in sorted(angles):
        rows = [tup(np.degrees(r)) for r in angles[n]]
        lines.append(f'    "{n}": ({rows[0]}, {rows[1]}, {rows[2]},')
        lines.append(" " * (len(n) + 9) + f"{rows[3]}, {rows[4]}),")
    lines.append("}")
    fb, tb, fl, tl = geometry.arrays()
    lines += ["MEDIAPIPE_GEOMETRY = {",
              f'    "finger_base": ({", ".join(tup(r, 4) for r in fb[:2])},',
              f'                    {", ".join(tup(r, 4) for r in fb[2:])}),',
              f'    "thumb_base": {tup(tb, 4)},',
              f'    "finger_len": ({", ".join(tup(r, 4) for r in fl[:2])},',
              f'                   {", ".join(tup(r, 4) for r in fl[2:])}),',
              f'    "thumb_len": {tup(tl, 4)},', "}", ""]
    write_text(path, "\n".join(lines))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fit", action="store_true", help="fit on asl_ai, on the crowd, and on both (minutes)")
    ap.add_argument("--write", action="store_true", help="with --fit: store the fit on both in hand_fitted.py")
    a = ap.parse_args(argv)
    if not RD.asl_ai_path().is_file():
        print(f"{RD.asl_ai_path()}: the real training data is absent", file=sys.stderr)
        return 2
    t0 = time.time()
    data = load()
    q = {"crowd": queries(data["crowd"], None), "asl_ai": queries(data["asl_ai"], CHUNK)}
    inventories = {"model (before)": ({}, H.MODEL_GEOMETRY, None),
                   "stored fit (hand_fitted.py)": ({n: H.handshape_angles(n) for n in H.FITTED},
                                                   H.GEOMETRIES["mediapipe"], "both"),
                   "stored angles, model geometry": ({n: H.handshape_angles(n) for n in H.FITTED},
                                                     H.MODEL_GEOMETRY, "both")}
    targets = {k: F.letter_targets(v) for k, v in data.items()}
    targets["both"] = F.letter_targets({k: {**data["asl_ai"].get(k, {}), **data["crowd"].get(k, {})}
                                        for k in sorted(set(data["asl_ai"]) | set(data["crowd"]))})
    if a.fit:
        for src in ("asl_ai", "crowd", "both"):
            print(f"\n## fit on {src}")
            angles, geom, dist = fit(targets[src], progress=lambda m: print("  " + m, flush=True))
            inventories[f"fit on {src}"] = (angles, geom, src)
            before = {n: float(F.distance(H.hand_points(H.composed_angles(n)), targets[src][n])) for n in dist}
            print(f"  mean Procrustes distance to the {len(dist)} targets: {np.mean(list(before.values())):.3f} -> "
                  f"{np.mean(list(dist.values())):.3f} ({time.time() - t0:.0f} s)")
            if src == "both" and a.write:
                path = ROOT / "src" / "signpt" / "data" / "synth" / "hand_fitted.py"
                write_module(path, angles, geom, dist, before, "asl_ai and the crowd's train/pretrain letters, "
                             "every person once")
                print(f"  wrote {path}")
    print("\n# 3-D handshape retrieval: real letter -> the inventory's 35 handshapes (Procrustes); top-1 % / MRR %\n")
    print("inventory | " + " | ".join(f"{s} ({sum(n in H.HANDSHAPES for n in q[s][1])} queries)" for s in q))
    print("--- | " + " | ".join("---:" for _ in q))
    for name, (angles, geom, fitted_on) in inventories.items():
        g, gn = gallery(angles, geom)
        cells = []
        for s, (qs, qn) in q.items():
            r = retrieval(qs, qn, g, gn)
            tag = "" if fitted_on is None else " (held out)" if fitted_on not in (s, "both") else " (in sample)"
            cells.append(f"{100 * r['top1']:.1f} / {100 * r['mrr']:.1f}{tag}")
        print(f"{name} | " + " | ".join(cells))
    print(f"\n({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
