"""Supervised probe of the pose embedding and of the branch fusion: a sign encoder of a preset's size, from
scratch, + one linear head (signpt's ISLR model), trained on the `synth-islr` train split and scored top-1 on
its dev split (unseen signers).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/probe_embedding.py --arms linear gcn gcn-mean
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/probe_embedding.py --arms linear+manual linear+non-manual linear
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/probe_embedding.py --arms non-manual --target signer
    .venv/bin/python benchmarks/probe_embedding.py --size base --arms linear gcn --seeds 0 1 2

An arm is "+"-joined tokens: the embedding (linear | gcn | gcn-mean = the GCN with the old node-mean
readout), the features (both | manual | non-manual) and `key=value` encoder-config overrides (e.g.
gcn_channels=32,64); unspecified parts come from the preset. --target signer instead asks what the features
know about the signer: the head learns the signer of the train split's samples of half of the signs and is
scored on the other half (signs never seen with a signer label), chance = 1 / #signers.

Each run: `--steps` AdamW steps (lr 1e-3, weight decay 1e-4) of `--batch` clips of 32 frames (random frame
sampling; centred for scoring), label smoothing 0.2, torch threads 1. Prints, per arm, dev top-1 mean
(min-max) over the seeds, training-set top-1 (memorisation), wall time per run
and the pose embedding's parameter count.

Figures (demo corpus `signpt synth --preset small --seed 0`, `tiny`, 400 x 32, seeds 0-2, 2-core CPU shared
with other jobs, so wall times are only comparable within a run; dev top-1 mean (min-max), train top-1):
  before (old InputNorm, node-mean GCN readout):  linear 78.7 (77.3-80.7), train 99.6;
                                                  gcn 19.3 (seed 0 only), train 97.2: memorises
  flatten readout, new InputNorm, no face centring (--arms linear+clip_centre= gcn+clip_centre=):
                                                  linear 86.8 (85.7-87.4), train 98.5;
                                                  gcn 85.2 (84.0-85.7), train 98.5
  + face centred on its clip mean (the default now, --arms linear gcn):
                                                  linear 88.0 (85.7-91.6), train 100.0;
                                                  gcn 88.0 (87.4-89.1), train 99.8
  --size base --seeds 0 --arms linear gcn gcn+gcn_channels=64 gcn+gcn_channels=32 (one seed, ~5-13 min a run):
         linear 92.4, train 99.4; gcn (64, 128) 73.9, train 95.2; gcn (64,) 68.9; gcn (32,) 79.0: at base
         size the GCN is far behind the linear projector
  again on the code of the README's results (--corpus of `signpt demo`, --size base --seeds 0, loaded CPU,
         ~11-18 min a run): linear 92.4, train 99.4; gcn 83.2, train 95.8; gcn+dropout=0.0 80.7, train 91.6:
         behind, and unlike the linear projector it has not fit its training set in 400 steps; the GCN's
         dropout (0.1 at base, 0 at tiny) is not the cause; --arms gcn --steps 1000: 91.6, train 99.2 (1,780 s):
         with more steps it fits and nearly reaches the linear projector's 400-step figure
  --size base --steps 1000 --seeds 0 1 2 --arms gcn linear (--corpus of `signpt demo`, 3-5 jobs on 2 cores):
         gcn 81.8 (73.1-91.6), train 99.2; linear 92.7 (91.6-94.1), train 100.0: the GCN memorises at base
         size (embedding 2.68 M parameters vs 62 k); gcn+gcn_channels=64,16 (0.36 M): 88.3 (86.6-89.1), train 99.6
  GCN features: --arms gcn+manual gcn+non-manual:  manual 88.2 (86.6-89.9); non-manual 0.6 (0.0-1.7),
         train 6.3; both without face centring 85.2 (84.0-85.7), with branch_dropout=0.3 82.4 (82.4-82.4)
  --step-time --arms linear gcn --steps 20:       2.05 vs 2.64 s per pre-training step (GCN x1.29, loaded CPU)
  features (linear, no face centring): --arms linear+manual linear+non-manual linear+both --diagnose
         manual 87.4 (86.6-88.2); non-manual 0.6 (0.0-1.7), train 5.5; both 86.8 (85.7-87.4), manual share
         of the features' squared norm 0.60, of the gradient 0.65, of the head weights 0.75
         (old InputNorm, seed 0: non-manual 0.0, train 37.5; both 78.2)
  --target signer --arms linear+manual linear+non-manual:  91.5 (89.8-92.7) and 100.0 (chance 8.3)
  --face-variation ../shared/data/poses/fingerspelling/*/*.pose ../shared/data/poses/{mediapipe,openpose}.pose:
         face shape spread across synthetic signers 0.026 face units vs 0.016 across the 57 real files;
         within-clip face motion 0.0096 vs 0.0113
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from signpt.data.batching import PoseDataset, collate
from signpt.data.store import Corpus
from signpt.model.encoder import EncoderConfig, SignEncoder
from signpt.model.presets import get_preset
from signpt.tasks.islr import ISLRModel

CORPUS = "demo/synth/corpus"  # `signpt demo --out demo` makes it; or `signpt synth --out D` -> D/corpus


def encoder_config(size: str, arm: str) -> EncoderConfig:
    cfg = get_preset(size).encoder_config()
    over = {}
    for tok in arm.split("+"):
        if tok in ("linear", "gcn"):
            over["embedding"] = tok
        elif tok == "gcn-mean":
            over.update(embedding="gcn", gcn_readout="mean")
        elif tok in ("both", "manual", "non-manual"):
            over["features"] = tok.replace("-", "_")
        elif "=" in tok:
            k, v = tok.split("=", 1)
            cur = getattr(cfg, k)
            if isinstance(cur, tuple):
                over[k] = tuple(int(x) if x.isdigit() else x for x in v.split(",") if x)
            elif isinstance(cur, bool):
                over[k] = v.lower() in ("1", "true", "yes")
            else:
                over[k] = type(cur)(v)
        else:
            raise SystemExit(f"unknown arm token {tok!r}")
    return EncoderConfig.from_dict({**cfg.__dict__, **over})


def load(corpus: str, target: str):
    """(train samples, test samples, labels of each, number of classes)."""
    c = Corpus(corpus).filter(source="synth-islr")
    train = list(c.filter(split="train"))
    if target == "sign":
        dev = list(c.filter(split="dev"))
        n = int(max(s.label for s in train + dev)) + 1
        return train, dev, [s.label for s in train], [s.label for s in dev], n
    signers = sorted({s.signer for s in train})
    ids = {s: i for i, s in enumerate(signers)}
    fit = [s for s in train if s.label % 2 == 0]
    held = [s for s in train if s.label % 2 == 1]
    return fit, held, [ids[s.signer] for s in fit], [ids[s.signer] for s in held], len(signers)


def batch_of(samples, labels, frames: int, sampling: str, seed: int, epoch: int):
    ds = PoseDataset(samples, num_frames=frames, sampling=sampling, seed=seed)
    ds.set_epoch(epoch)
    b = collate([ds[i] for i in range(len(samples))])
    b.labels = torch.as_tensor(labels, dtype=torch.int64)
    return b


@torch.no_grad()
def top1(model, samples, labels, frames: int, chunk: int = 64) -> float:
    model.eval()
    hits = 0
    for i in range(0, len(samples), chunk):
        b = batch_of(samples[i:i + chunk], labels[i:i + chunk], frames, "center", 0, 0)
        hits += int((model.logits(b).argmax(1) == b.labels).sum())
    model.train()
    return 100.0 * hits / len(samples)


def run(cfg: EncoderConfig, data, steps: int, batch: int, seed: int, frames: int = 32):
    train, test, ytr, yte, n = data
    torch.manual_seed(seed)
    model = ISLRModel(SignEncoder(cfg), n)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for step in range(steps):
        idx = rng.choice(len(train), size=batch, replace=False)
        b = batch_of([train[i] for i in idx], [ytr[i] for i in idx], frames, "random", seed, step)
        loss = model(b)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    wall = time.perf_counter() - t0
    return top1(model, test, yte, frames), top1(model, train, ytr, frames), wall, model


def face_statistics(clips) -> dict:
    """Face (k79 non-manual, 26 points) variation over `clips` = [(group, keypoints (T,79,2) px,
    confidence (T,79), frame_size)]: in face units (per frame: minus the nose tip, divided by the jaw width,
    contour point 11 to 27), the std across groups of each group's mean face ("between", identity: face
    shape) and the mean over clips of the std over frames ("within", motion: mouth, head); the same two in the
    model's input coordinates (``signpt.pose.normalise``: divided by the frame size). Means over points and
    x/y; only frames where every face point is present."""
    from signpt.pose import normalise
    from signpt.pose.layouts.k79 import NON_MANUAL

    nm = list(NON_MANUAL)
    out = {}
    for space in ("face", "input"):
        means, within = {}, []
        for group, kp, conf, size in clips:
            kp, conf = np.asarray(kp, np.float64), np.asarray(conf)
            ok = (conf[:, nm] > 0).all(1)
            if ok.sum() < 2:
                continue
            if space == "face":
                f = kp[ok][:, nm]
                width = np.linalg.norm(kp[ok][:, 27] - kp[ok][:, 11], axis=-1)[:, None, None]
                f = (f - kp[ok][:, 28:29]) / width
            else:
                f = np.asarray(normalise(kp, conf, tuple(size))[0], np.float64)[ok][:, nm]
            within.append(f.std(0).mean())
            means.setdefault(group, []).append(f.mean(0))
        group_means = np.stack([np.mean(v, 0) for v in means.values()])
        out[space] = dict(between=float(group_means.std(0).mean()), within=float(np.mean(within)),
                          groups=len(means), clips=len(within))
    return out


def face_variation(corpus: str, real: list[str]) -> None:
    from signpt.pose import read_pose, to_k79

    c = Corpus(corpus).filter(source="synth-islr", split="train")
    synth = [(s.signer, s.keypoints, s.confidence, s.frame_size) for s in c]
    files = []
    for path in real:
        seq = to_k79(read_pose(path))
        files.append((path, seq.keypoints, seq.confidence, seq.frame_size))
    for name, clips in (("synthetic synth-islr train, by signer", synth), ("real files, by file", files)):
        st = face_statistics(clips)
        print(name)
        for space, d in st.items():
            print(f"  {space:5s} units: between-group std {d['between']:.4f}, within-clip std {d['within']:.4f}, "
                  f"ratio {d['between'] / d['within']:.2f} ({d['groups']} groups, {d['clips']} clips)")


def branch_shares(model, samples, labels, frames: int = 32) -> dict:
    """For an encoder with both branches: each branch's share of the squared norm of the clip features the
    head sees (frame mean of F_SE), of the loss gradient w.r.t. them, and of the head's weights, on
    `samples` (eval mode, centred frames)."""
    cfg = model.encoder.config
    if cfg.features != "both":
        return {}
    model.eval()
    b = batch_of(samples, labels, frames, "center", 0, 0)
    from signpt.tasks.islr import masked_mean

    f = masked_mean(model.encoder(b.pose, b.confidence, b.frame_mask), b.frame_mask).detach().requires_grad_()
    loss = torch.nn.functional.cross_entropy(model.head(f), b.labels)
    (g,) = torch.autograd.grad(loss, f)
    d1 = cfg.d_manual
    w = model.head.weight.detach()
    share = lambda t: float(t[:, :d1].pow(2).sum() / t.pow(2).sum())  # noqa: E731
    model.train()
    return dict(norm=share(f.detach()), grad=share(g), weight=share(w))


def step_time(corpus: str, size: str, arms: list[str], steps: int, batch: int) -> None:
    """Seconds per pre-training step (`PretrainModel` forward + backward + AdamW, PR + STC, masking on) of the
    `size` preset with each arm's embedding, on batches of `batch` clips of the corpus's pre-training split
    (whole clips, <= 256 frames, as `signpt pretrain`), 4 batches in turn so that, as in multi-epoch
    training, the frozen text encoder's features come from its cache after the first 4 (untimed) steps.
    Arms alternate step by step so that a shared machine's load falls on all of them alike. Prints the
    median."""
    from signpt.model import PretrainModel

    view = Corpus(corpus).filter(split="pretrain")
    ds = PoseDataset(view, max_frames=256)
    rng = np.random.default_rng(0)
    pool = [collate([ds[int(i)] for i in rng.choice(len(ds), batch, replace=False)]) for _ in range(4)]
    batches = [pool[k % 4] for k in range(steps + 4)]
    models, opts, times = {}, {}, {a: [] for a in arms}
    for arm in arms:
        enc = encoder_config(size, arm)
        torch.manual_seed(0)
        models[arm] = PretrainModel(get_preset(size, embedding=enc.embedding, gcn_readout=enc.gcn_readout,
                                               gcn_channels=enc.gcn_channels, features=enc.features))
        opts[arm] = torch.optim.AdamW([p for p in models[arm].parameters() if p.requires_grad], lr=1e-4)
    for k, b in enumerate(batches):
        for arm in arms:
            t0 = time.perf_counter()
            loss = models[arm](b)["loss"]
            opts[arm].zero_grad()
            loss.backward()
            opts[arm].step()
            if k >= 4:
                times[arm].append(time.perf_counter() - t0)
    for arm in arms:
        print(f"{arm:32s} {np.median(times[arm]):.3f} s/step (median of {steps}, batch {batch}, {size})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arms", nargs="+", default=["linear", "gcn"])
    ap.add_argument("--size", default="tiny", help="model preset whose encoder sizes are used (tiny|base|paper)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--target", choices=("sign", "signer"), default="sign")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--diagnose", action="store_true",
                    help="also print, for two-branch arms, the manual branch's share of the clip features' "
                         "squared norm, of the loss gradient and of the head weights (train split, after training)")
    ap.add_argument("--face-variation", nargs="*", metavar="POSE_FILE", default=None,
                    help="instead of training: compare the face variation across the synthetic signers with "
                         "these real pose files (e.g. ../shared/data/poses/fingerspelling/*/*.pose)")
    ap.add_argument("--step-time", action="store_true",
                    help="instead of the probe: time pre-training steps of each arm (see `step_time`)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.step_time:
        return step_time(args.corpus, args.size, args.arms, args.steps if args.steps != 400 else 20, args.batch)
    if args.face_variation is not None:
        return face_variation(args.corpus, args.face_variation)
    data = load(args.corpus, args.target)
    print(f"{args.target} probe, {args.size} size, {len(data[0])} train / {len(data[1])} scored samples, "
          f"{data[4]} classes, {args.steps} steps x {args.batch}, seeds {args.seeds}", flush=True)
    for arm in args.arms:
        cfg = encoder_config(args.size, arm)
        dev, tr, wall = [], [], []
        for seed in args.seeds:
            d, t, w, model = run(cfg, data, args.steps, args.batch, seed)
            dev.append(d), tr.append(t), wall.append(w)
            extra = ""
            if args.diagnose and cfg.features == "both":
                sh = branch_shares(model, data[0], data[2])
                extra = (f"; manual share of |F|^2 {sh['norm']:.2f}, of the gradient {sh['grad']:.2f}, "
                         f"of the head weights {sh['weight']:.2f}")
            print(f"  {arm} seed {seed}: top-1 {d:.1f}, train {t:.1f}, {w:.0f} s{extra}", flush=True)
        n_embed = sum(p.numel() for p in model.encoder.embed.parameters())
        print(f"{arm:32s} top-1 {np.mean(dev):5.1f} ({min(dev):.1f}-{max(dev):.1f})  train {np.mean(tr):5.1f}  "
              f"{np.mean(wall):.0f} s/run  pose embedding {n_embed / 1e6:.2f} M parameters", flush=True)


if __name__ == "__main__":
    main()
