"""Learning check: `tiny` pre-training on the synthetic corpus lowers both losses clearly, and sign-to-text
retrieval on held-out pre-training pairs beats chance by a wide margin.

    .venv/bin/python benchmarks/learning_check.py                       # synthetic "small", 400 steps
    .venv/bin/python benchmarks/learning_check.py --steps 100 --synth tiny   # a quicker look

Held out: 10% of the paired samples of the "pretrain" split (seeded), never trained on. R@1 (sign -> text)
counts a hit when the top-ranked text equals the sample's own sentence (identical sentences of other samples
count too); chance = mean over queries of (#gallery texts equal to its own) / gallery size. Prints the
losses of the first and last 20 steps, and R@1 of the initial and the trained model.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from signpt.data.batching import PoseDataset, collate
from signpt.data.store import Corpus
from signpt.model import PretrainModel, get_preset
from signpt.train.config import TrainConfig
from signpt.train.loop import fit


@torch.no_grad()
def sign_to_text_r1(model: PretrainModel, dataset: PoseDataset, batch: int = 32) -> tuple[float, float]:
    """(R@1, chance) of sign -> text retrieval over `dataset` (all paired)."""
    model.eval()
    signs, sign_masks, texts, text_masks, strings = [], [], [], [], []
    for i in range(0, len(dataset), batch):
        b = collate([dataset[j] for j in range(i, min(i + batch, len(dataset)))])
        s, sm = model.encode_sign(b)
        t, tm = model.encode_text(b.texts, b.spoken_languages)
        signs += list(zip(s, sm))
        texts += list(zip(t, tm))
        strings += b.texts
    pad = lambda rows: (torch.nn.utils.rnn.pad_sequence([r[0] for r in rows], batch_first=True),  # noqa: E731
                        torch.nn.utils.rnn.pad_sequence([r[1] for r in rows], batch_first=True))
    (s, sm), (t, tm) = pad(signs), pad(texts)
    sim = model.similarity(s, sm, t, tm)  # (N, N)
    top = sim.argmax(1).tolist()
    hits = [strings[j] == strings[i] for i, j in enumerate(top)]
    same = np.array([[a == b for b in strings] for a in strings])
    model.train()
    return float(np.mean(hits)), float(same.mean(1).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", default="small", help="synthetic preset (signpt.data.synth)")
    ap.add_argument("--data", default="runs/synth", help="where the synthetic corpus is (generated if missing)")
    ap.add_argument("--out", default="runs/learning_check")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for tiny on 2 cores)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    root = Path(args.data) / args.synth
    corpus_dir = root / "corpus"
    if not (corpus_dir / "manifest.json").exists():
        from signpt.data.synth import generate

        print(f"generating synthetic corpus {args.synth!r} in {root} ...")
        generate(root, preset=args.synth, seed=0)
    corpus = Corpus(corpus_dir)
    pool = corpus.filter(split=("pretrain", "train"))
    ids = np.array(pool.column("id"))
    paired_pt = np.array(pool.column("paired")) & (np.array(pool.column("split")) == "pretrain")
    rng = np.random.default_rng(0)
    cand = np.flatnonzero(paired_pt)
    held = set(ids[rng.choice(cand, size=max(16, len(cand) // 10), replace=False)].tolist())
    train_view = pool.filter(ids=[i for i in ids if i not in held])
    held_view = pool.filter(ids=held)
    train_ds = PoseDataset(train_view, max_frames=256, sampling="random")
    held_ds = PoseDataset(held_view, max_frames=256, sampling="uniform")
    print(f"corpus {corpus_dir}: {len(train_ds)} training samples "
          f"({int(np.array(train_view.column('paired')).sum())} paired), {len(held_ds)} held-out pairs")

    torch.manual_seed(0)
    model = PretrainModel(get_preset("tiny"))
    r1_before, chance = sign_to_text_r1(model, held_ds)
    cfg = TrainConfig(lr=args.lr, batch_size=args.batch, max_steps=args.steps, warmup=0.05, ckpt_every=0,
                      weight_decay=0.1, log_every=10)
    t = time.time()
    history = fit(model, train_ds, cfg, args.out, collate_fn=collate)
    minutes = (time.time() - t) / 60
    r1_after, _ = sign_to_text_r1(model, held_ds)

    k = min(20, len(history.steps) // 4)
    first = {n: np.mean([r[n] for r in history.steps[:k]]) for n in ("loss_pr", "loss_stc")}
    last = {n: np.mean([r[n] for r in history.steps[-k:]]) for n in ("loss_pr", "loss_stc")}
    print(f"\n{args.steps} steps x {args.batch} samples in {minutes:.1f} min ({torch.get_num_threads()} threads)")
    for n in ("loss_pr", "loss_stc"):
        print(f"{n:9}: first {k} steps {first[n]:.4f} -> last {k} steps {last[n]:.4f} "
              f"({100 * (1 - last[n] / first[n]):.0f}% lower)")
    print(f"sign->text R@1 on {len(held_ds)} held-out pairs: before {r1_before:.3f}, after {r1_after:.3f}, "
          f"chance {chance:.3f} ({r1_after / chance:.1f}x chance)")


if __name__ == "__main__":
    main()
