"""What masked pose reconstruction (L_PR, Eq. 3) achieves in a pre-training run, against trivial reconstructions
of the same hidden points, and how much each loss pushes the encoder.

    python benchmarks/pr_baselines.py RUN [RUN ...] [--corpus DIR] [--batches 20] [--seed 0]

RUN: a `signpt pretrain` output folder (config.yaml + checkpoints/); its latest checkpoint is loaded, and the
masks are drawn as in its pre-training (same mask ratio and levels), on pre-training batches of its corpus,
with a fixed seed, so every row below scores the same hidden points.

Rows (confidence-weighted mean squared error per hidden point in normalised units, as L_PR):
  model                the run's decoder on the masked input (its L_PR, eval mode: no dropout)
  zero                 predicting (0, 0) (what the encoder is fed for a zeroed point)
  clip mean            each point's mean over the clip's visible occurrences (frames where it is not hidden)
  batch mean           each point's mean over the visible points of the whole batch
  nearest visible      the same point in the nearest frame (in time) where it is visible
  linear interpolation between the nearest visible frames before and after (nearest visible at the ends)
Then, in training mode on the same batches: the norm of the gradient of L_PR and of λ·L_STC on the encoder's
parameters, and the cosine between the two (does reconstruction pull the encoder the way STC does?); also
|grad L_PR| with the unsquared Euclidean error that Eq. 3 writes (||.||_2), the run's loss being squared.

The clips never leave the pre-training splits; nothing is trained here.

Figures (the demo's corpus and budget, seed 0; model / clip mean / nearest visible, then |grad L_PR| / |grad L_STC|):
  m 20 %  0.0199 / 0.0206 / 0.0029, 0.022     m 60 %  0.0206 / 0.0210 / 0.0054, 0.007
  m 40 %  0.0201 / 0.0209 / 0.0038, 0.011     m 80 %  0.0212 / 0.0217 / 0.0100, 0.005
  m 40 %, 2,000 steps (`signpt ablate --pretrain-steps 2000`): 0.0170 / 0.0209 / 0.0038, 0.040
At 1,000 steps the decoder is no better than the clip mean at any mask ratio; at 2,000 it starts to beat it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def trivial_predictions(pose: torch.Tensor, conf: torch.Tensor, fmask: torch.Tensor, hidden: torch.Tensor) -> dict:
    """{name: (B,T,K,2) prediction} of the trivial reconstructions from the visible points only.
    pose (B,T,K,2) unmasked, conf (B,T,K), fmask (B,T) bool, hidden (B,T,K) bool."""
    visible = (conf > 0) & fmask[..., None] & ~hidden                     # (B,T,K)
    w = visible[..., None].to(pose.dtype)
    clip_mean = (pose * w).sum(1, keepdim=True) / w.sum(1, keepdim=True).clamp(min=1)
    batch_mean = (pose * w).sum((0, 1), keepdim=True) / w.sum((0, 1), keepdim=True).clamp(min=1)
    b, t, k, _ = pose.shape
    tt = np.arange(t, dtype=np.float64)
    vis = visible.permute(0, 2, 1).reshape(-1, t).numpy()                 # (B*K, T)
    seq = pose.permute(0, 2, 1, 3).reshape(-1, t, 2).double().numpy()     # (B*K, T, 2)
    near = np.zeros_like(seq)
    lin = np.zeros_like(seq)
    for i in range(vis.shape[0]):
        idx = np.flatnonzero(vis[i])
        if not len(idx):
            continue
        pos = np.searchsorted(idx, tt)
        left = idx[np.clip(pos - 1, 0, len(idx) - 1)]
        right = idx[np.clip(pos, 0, len(idx) - 1)]
        pick = np.where(np.abs(tt - left) <= np.abs(right - tt), left, right)
        near[i] = seq[i, pick]
        for d in range(2):
            lin[i, :, d] = np.interp(tt, idx, seq[i, idx, d])
    nearest = torch.from_numpy(near).view(b, k, t, 2).permute(0, 2, 1, 3).to(pose.dtype)
    interp = torch.from_numpy(lin).view(b, k, t, 2).permute(0, 2, 1, 3).to(pose.dtype)
    return {"zero": torch.zeros_like(pose), "clip mean": clip_mean.expand_as(pose),
            "batch mean": batch_mean.expand_as(pose), "nearest visible": nearest,
            "linear interpolation": interp}


def _flat_grad(loss: torch.Tensor, params: list) -> torch.Tensor:
    """The gradient of `loss` on `params` as one vector (zeros where a parameter is not reached)."""
    g = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if x is None else x).flatten() for x, p in zip(g, params)])


def evaluate_run(run: Path, corpus: str | None, batches: int, seed: int) -> dict:
    from signpt.data.batching import collate
    from signpt.model import PretrainModel
    from signpt.model.losses import pose_reconstruction_loss
    from signpt.model.masking import hierarchical_mask
    from signpt.train.checkpoint import latest, load_weights
    from signpt.train.pretrain import pretrain_dataset, setup_from_dict

    import yaml

    record = yaml.safe_load((run / "config.yaml").read_text())
    setup = setup_from_dict(record)
    cfg = setup.model
    if not cfg.use_pr:
        raise SystemExit(f"{run}: pre-trained without L_PR (pretext {cfg.pretext!r}): nothing to score")
    torch.manual_seed(seed)
    model = PretrainModel(cfg)
    ckpt = latest(run / "checkpoints")
    if ckpt is None:
        raise SystemExit(f"{run}: no checkpoint under checkpoints/")
    load_weights(ckpt, model)
    dataset = pretrain_dataset(corpus or record["corpus"], setup.data, seed=seed)
    rng = np.random.default_rng(seed)
    bs = setup.train.batch_size
    errs: dict[str, list] = {}
    grads = {"pr": [], "stc": [], "cos": []}
    enc_params = [p for p in model.encoder.parameters() if p.requires_grad]
    gen = torch.Generator().manual_seed(seed)
    for _ in range(batches):
        batch = collate([dataset[int(i)] for i in rng.choice(len(dataset), bs, replace=False)])
        pose, conf, fmask = batch.pose, batch.confidence, batch.frame_mask.bool()
        m = hierarchical_mask(pose, conf, fmask, cfg.mask_ratio, points=model.points.tolist(),
                              level_weights=cfg.mask_level_weights, clip_length=cfg.mask_clip_length,
                              jitter_prob=cfg.mask_jitter_prob, jitter_std=cfg.mask_jitter_std, generator=gen)
        model.eval()
        with torch.no_grad():
            f_se, _ = model.encoder.encode(m.pose, m.confidence, fmask, unmasked=(pose, conf))
            preds = {"model": model.decoder(f_se).float(),
                     **trivial_predictions(pose, conf, fmask, m.mask)}
        for name, p in preds.items():
            errs.setdefault(name, []).append(float(pose_reconstruction_loss(p, pose, m.mask, conf)))
        # gradient shares on the encoder (training mode, the same masked input)
        model.train()
        f_se, cls = model.encoder.encode(m.pose, m.confidence, fmask, unmasked=(pose, conf))
        l_pr = pose_reconstruction_loss(model.decoder(f_se).float(), pose, m.mask, conf)
        vec_pr = _flat_grad(l_pr, enc_params)
        l_pr2 = pose_reconstruction_loss(model.decoder(f_se).float(), pose, m.mask, conf, norm="l2")
        grads.setdefault("pr_l2", []).append(float(_flat_grad(l_pr2, enc_params).norm()))
        if cfg.use_stc:
            l_stc = cfg.lambda_stc * model._contrastive(f_se, fmask, cls, batch)
            vec_stc = _flat_grad(l_stc, enc_params)
            grads["stc"].append(float(vec_stc.norm()))
            grads["cos"].append(float(torch.nn.functional.cosine_similarity(vec_pr, vec_stc, dim=0)))
        grads["pr"].append(float(vec_pr.norm()))
    return {"errors": {k: float(np.mean(v)) for k, v in errs.items()},
            "grads": {k: float(np.mean(v)) for k, v in grads.items() if v}, "mask_ratio": cfg.mask_ratio,
            "lambda": cfg.lambda_stc, "step": ckpt.name}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--corpus", default=None, help="default: the corpus the run was pre-trained on")
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    results = {str(r): evaluate_run(r, a.corpus, a.batches, a.seed) for r in a.runs}
    names = list(next(iter(results.values()))["errors"])
    print(f"# hidden-point error (L_PR units), {a.batches} batches, mask seed {a.seed}\n")
    print("run | step | m | " + " | ".join(names))
    print("--- | --- | ---: | " + " | ".join("---:" for _ in names))
    for run, r in results.items():
        print(f"{run} | {r['step']} | {r['mask_ratio']} | " + " | ".join(f"{r['errors'][n]:.4f}" for n in names))
    print("\n# gradient on the encoder: |grad L_PR|, |grad λ L_STC|, cosine between them\n")
    for run, r in results.items():
        g = r["grads"]
        stc = (f", |g_STC| {g['stc']:.4f} (PR/STC {g['pr'] / g['stc']:.3f}), cosine {g['cos']:+.3f}"
               if "stc" in g else "")
        print(f"{run}: |g_PR| {g['pr']:.4f} (unsquared ||.||_2 as Eq. 3 writes it: {g['pr_l2']:.4f})" + stc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
