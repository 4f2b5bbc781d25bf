"""Two reading decisions for MediaPipe flat vectors, measured on the real crowd (../shared/data/real/crowd).

1. One hand of unknown side (D = 63): which slot? In the collections that store both hands, count per
   collection which hand block is present in more frames of its sequences (MediaPipe's "left"/"right" labels,
   block order as declared in recipes/crowd.yaml). The one-hand vectors go where most collections sign.
2. Frame size: x, y are fractions of an unrecorded frame. The ratio width / height is estimated per collection
   from hand anatomy: three palm ratios (wrist-middle MCP / index MCP-pinky MCP, wrist-index MCP /
   wrist-pinky MCP, wrist-middle MCP / wrist-index MCP), measured in (r x, y, r z) with MediaPipe's z (same
   scale as x), vary least over a person's frames at the true r. The same estimator on SignBridge's .pose
   files, whose frame sizes are recorded, shows how far one estimate can be trusted.

    python benchmarks/mp_vectors.py [--data ../shared/data/real]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from signpt.pose.io.mediapipe_vectors import BLOCKS, resolve_blocks  # noqa: E402

GRID = np.linspace(0.5, 2.5, 201)


def hands_of(vectors: np.ndarray, blocks) -> dict[str, np.ndarray]:
    """{"left"/"right"/"hand": (T, 21, 3)} blocks of a (T, D) array; all-zero frames are NaN."""
    out, offset = {}, 0
    for name in blocks:
        n, w, _ = BLOCKS[name]
        if name in ("left", "right", "hand"):
            h = vectors[:, offset: offset + n * w].reshape(-1, n, w).astype(np.float64)
            h[~np.any(h != 0, axis=(1, 2))] = np.nan
            out[name] = h
        offset += n * w
    return out


def aspect_estimate(hands: np.ndarray, use_z: bool = True) -> float:
    """Width / height that makes three palm ratios vary least over the frames of (N, 21, 3) hands."""
    h = hands[~np.isnan(hands).any(axis=(1, 2))]
    if len(h) < 50:
        return float("nan")
    segs = [(h[:, 9] - h[:, 0], h[:, 17] - h[:, 5]), (h[:, 5] - h[:, 0], h[:, 17] - h[:, 0]),
            (h[:, 9] - h[:, 0], h[:, 5] - h[:, 0])]
    cost = []
    for r in GRID:
        s = np.array([r, 1.0, r if use_z else 0.0])
        c = 0.0
        for a, b in segs:
            la, lb = np.linalg.norm(a * s, axis=1), np.linalg.norm(b * s, axis=1)
            ok = (la > 0) & (lb > 0)
            c += np.var(np.log(la[ok] / lb[ok]))
        cost.append(c)
    return float(GRID[int(np.argmin(cost))])


def crowd_blocks(recipe: Path) -> dict:
    import yaml

    data = yaml.safe_load(recipe.read_text())
    return data["sources"][0]["options"].get("blocks", {})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    ap.add_argument("--recipe", type=Path, default=ROOT / "recipes" / "crowd.yaml")
    a = ap.parse_args()
    crowd = a.data / "crowd"
    if not crowd.is_dir():
        print(f"{crowd}: not found (pass --data)", file=sys.stderr)
        return 2
    declared = crowd_blocks(a.recipe)
    votes, frames, aspects = Counter(), Counter(), {}
    for coll in sorted(p for p in crowd.iterdir() if p.is_dir()):
        per = {"left": [], "right": [], "hand": []}
        seq_votes = Counter()
        for f in sorted(coll.glob("*/*.npy")):
            v = np.load(f)
            blocks = resolve_blocks(v.shape[1], declared.get(coll.name))
            hs = hands_of(v, blocks)
            for k, h in hs.items():
                per[k].append(h)
            if "left" in hs and "right" in hs:
                pl, pr = (float((~np.isnan(hs[side][:, 0, 0])).mean()) for side in ("left", "right"))
                seq_votes["right" if pr > pl else "left" if pl > pr else "tie"] += 1
        if seq_votes:
            frames.update(seq_votes)
            votes["right" if seq_votes["right"] > seq_votes["left"] else "left"] += 1
        allh = np.concatenate([np.concatenate(x) for x in per.values() if x]) if any(per.values()) else None
        if allh is not None:
            aspects[coll.name] = aspect_estimate(allh)
    print("# 1. One hand of unknown side (D = 63)")
    print(f"collections storing both hands: {sum(votes.values())}; the right block present in more frames in "
          f"{votes['right']}, the left in {votes['left']}")
    print(f"sequences: right ahead {frames['right']}, left ahead {frames['left']}, tie {frames['tie']}")
    print("\n# 2. Frame aspect ratio (width / height) from hand anatomy, per collection")
    r = np.array([v for v in aspects.values() if np.isfinite(v)])
    q = np.percentile(r, [10, 25, 50, 75, 90])
    print(f"{len(r)} collections: median {q[2]:.2f}, quartiles {q[1]:.2f}-{q[3]:.2f}, 10-90 % {q[0]:.2f}-{q[4]:.2f} "
          f"(4:3 = 1.33, 16:9 = 1.78)")
    sb = a.data / "sentences_signbridge"
    if sb.is_dir():
        from pose_format import Pose

        print("\nThe estimator on SignBridge's .pose files, whose frame size is recorded (its z is 0 there: 2-D):")
        print("| sample | frame | true w/h | estimate |\n| --- | --- | ---: | ---: |")
        for f in sorted(sb.glob("*/capture.pose")):
            p = Pose.read(f.read_bytes())
            w, h = p.header.dimensions.width, p.header.dimensions.height
            d = np.asarray(p.body.data[:, 0].filled(0), np.float64)
            hands = np.concatenate([d[:, 501:522], d[:, 522:543]]) / np.array([w, h, w])
            hands[~np.any(hands != 0, axis=(1, 2))] = np.nan
            print(f"| {f.parent.name} | {w}x{h} | {w / h:.2f} | {aspect_estimate(hands):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
