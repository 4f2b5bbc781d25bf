"""Reference points for ISLR on a curated corpus of real people (``recipes/crowd.yaml``): the majority class,
and an MLP on hand-crafted features.

Features (per clip, 16 frames resampled uniformly): for each hand, its 21 points relative to its wrist divided
by the hand's size (the largest wrist-to-point distance in that frame), and whether it is present; each
wrist relative to the shoulders' midpoint in shoulder widths, and whether the body is present. Pixels as stored
(the frame size cancels in every ratio except the x : y aspect). ``--mirror-dominant`` mirrors clips whose left
hand is present in more frames than the right (the crowd's collections disagree on which MediaPipe label the
signing hand gets), at training and test time alike.

The MLP (two hidden layers of 256, dropout 0.3, AdamW 1e-3, 60 epochs, batch 64, label smoothing 0.1) is
trained on the train split; dev and test are reported at the last epoch (no early stopping).

    python benchmarks/crowd_baselines.py --corpus crowd/corpus [--source crowd] [--seeds 0 1 2] [--mirror-dominant]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from signpt.data.store import Corpus  # noqa: E402
from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND  # noqa: E402
from signpt.pose.mirror import mirror_pixels  # noqa: E402

FRAMES = 16
L_SH, R_SH, L_WR, R_WR = 5, 6, 9, 10


def left_dominant(conf: np.ndarray) -> bool:
    """True when the left hand is present in more frames than the right one (confidence (T, 79))."""
    return int((conf[:, LEFT_HAND[0]] > 0).sum()) > int((conf[:, RIGHT_HAND[0]] > 0).sum())


def features(kp: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """(FRAMES * 91,) hand-crafted features of one clip: keypoints (T, 79, 2) pixels, confidence (T, 79)."""
    t = np.linspace(0, len(kp) - 1, FRAMES).round().astype(int)
    kp, conf = kp[t].astype(np.float64), conf[t]
    out = []
    for hand in (LEFT_HAND, RIGHT_HAND):
        h = kp[:, hand]
        present = conf[:, hand[0]] > 0
        rel = h - h[:, :1]
        size = np.linalg.norm(rel, axis=-1).max(1, keepdims=True)
        rel = np.where(present[:, None, None], rel / np.maximum(size, 1e-6)[..., None], 0.0)
        out += [rel.reshape(FRAMES, -1), present[:, None].astype(np.float64)]
    body = (conf[:, L_SH] > 0) & (conf[:, R_SH] > 0)
    mid = (kp[:, L_SH] + kp[:, R_SH]) / 2
    width = np.linalg.norm(kp[:, L_SH] - kp[:, R_SH], axis=-1)[:, None]
    for wrist in (L_WR, R_WR):
        ok = body & (conf[:, wrist] > 0)
        rel = np.where(ok[:, None], (kp[:, wrist] - mid) / np.maximum(width, 1e-6), 0.0)
        out.append(rel)
    out.append(body[:, None].astype(np.float64))
    return np.concatenate(out, 1).ravel().astype(np.float32)


def dataset(view, mirror_dominant: bool) -> tuple[np.ndarray, np.ndarray, int]:
    xs, ys, flipped = [], [], 0
    for i in range(len(view)):
        s = view[i]
        kp, conf = np.asarray(s.keypoints, np.float32), np.asarray(s.confidence, np.float32)
        if mirror_dominant and left_dominant(conf):
            kp, conf = mirror_pixels(kp, conf, s.frame_size)
            flipped += 1
        xs.append(features(kp, conf))
        ys.append(s.label)
    return np.stack(xs), np.asarray(ys), flipped


def train_mlp(x, y, num_classes, seed, epochs=60):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(x.shape[1], 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 256), nn.ReLU(),
                          nn.Dropout(0.3), nn.Linear(256, num_classes))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=g).split(64):
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def top1(model, x, y) -> float:
    import torch

    with torch.no_grad():
        return 100.0 * float((model(torch.as_tensor(x)).argmax(-1).numpy() == y).mean())


def fmt(values) -> str:
    v = np.asarray(values)
    return f"{v.mean():.1f} ({v.min():.1f}–{v.max():.1f})" if len(v) > 1 else f"{v[0]:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--source", default=None, help="corpus source (default: the only one with labels)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--mirror-dominant", action="store_true")
    a = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    corpus = Corpus(a.corpus)
    if a.source is None:
        from signpt.tasks.common import resolve_source

        a.source = resolve_source(corpus, "islr")
    views = {split: corpus.filter(source=a.source, split=split) for split in ("train", "dev", "test")}
    views = {k: v.filter(ids=[i for i, lab in zip(v.column("id"), v.column("label")) if lab >= 0])
             for k, v in views.items()}
    data = {k: dataset(v, a.mirror_dominant) for k, v in views.items()}
    num_classes = int(max(d[1].max() for d in data.values())) + 1
    majority = Counter(data["train"][1].tolist()).most_common(1)[0][0]
    print(f"# ISLR references on {a.corpus} (source {a.source}): " + ", ".join(
        f"{k} {len(d[1])} clips" + (f" ({d[2]} mirrored)" if a.mirror_dominant else "") for k, d in data.items()))
    print(f"\n| reference | dev top-1 (%) | test top-1 (%) |\n| --- | ---: | ---: |")
    print(f"| majority class of train ({majority}) | {100 * (data['dev'][1] == majority).mean():.1f} | "
          f"{100 * (data['test'][1] == majority).mean():.1f} |")
    dev, test = [], []
    for seed in a.seeds:
        m = train_mlp(data["train"][0], data["train"][1], num_classes, seed)
        dev.append(top1(m, *data["dev"][:2]))
        test.append(top1(m, *data["test"][:2]))
    name = "hand-crafted features + MLP" + (", dominant hand mirrored to the right" if a.mirror_dominant else "")
    print(f"| {name}, seeds {a.seeds} | {fmt(dev)} | {fmt(test)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
