"""Training throughput of the pre-training model on this CPU: samples/s for the `tiny` and `base` presets in
fp32 and with bf16 autocast, and the achieved FLOP/s of a training step (counted with
torch.utils.flop_counter.FlopCounterMode, forward + backward) as a fraction of this machine's matmul peak
measured in the same run (2048^3 fp32 / bf16).

    .venv/bin/python benchmarks/bench_train.py                      # tiny + base, fp32 + bf16
    .venv/bin/python benchmarks/bench_train.py --presets tiny --steps 5 --threads 1

Batches are synthetic (random poses of `--frames` frames, short random sentences); the frozen text encoder's
features are cached after the first step, as in multi-epoch training, so steps time the trainable model plus
the optimizer. Figures vary with the load of a shared machine: compare rows of the same run.
"""
from __future__ import annotations

import argparse
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from signpt.data.batch import PoseBatch
from signpt.model import PretrainModel, get_preset
from signpt.train.optim import build_optimizer, param_groups

WORDS = "hello thank you please good morning water house friend family work school eat drink".split()


def synthetic_batch(b: int, t: int, seed: int = 0) -> PoseBatch:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(t // 2, t + 1, (b,), generator=g)
    lengths[0] = t
    mask = torch.arange(t)[None] < lengths[:, None]
    pose = torch.rand(b, t, 79, 2, generator=g) * mask[..., None, None]
    conf = (0.5 + 0.5 * torch.rand(b, t, 79, generator=g)) * mask[..., None]
    texts = [" ".join(WORDS[j] for j in torch.randint(0, len(WORDS), (5,), generator=g).tolist()) for _ in range(b)]
    return PoseBatch(pose=pose, confidence=conf, frame_mask=mask, lengths=lengths, labels=torch.full((b,), -1),
                     texts=texts, glosses=[None] * b, spoken_languages=["en"] * b, sign_languages=["ase"] * b,
                     ids=[str(i) for i in range(b)], sources=["bench"] * b, signers=[None] * b)


def matmul_peak(dtype: torch.dtype, n: int = 2048, reps: int = 5) -> float:
    """Best-of-`reps` FLOP/s of an n^3 matmul."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def train_step(model, opt, batch, bf16: bool) -> dict:
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(batch)
    out["loss"].float().backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return out


def bench(preset: str, batch_size: int, frames: int, steps: int, bf16: bool) -> dict:
    torch.manual_seed(0)
    model = PretrainModel(get_preset(preset))
    model.train()
    opt = build_optimizer(param_groups(model, 1e-4, 0.1))
    batch = synthetic_batch(batch_size, frames)
    train_step(model, opt, batch, bf16)  # warm-up; fills the text cache
    with FlopCounterMode(display=False) as counter:
        train_step(model, opt, batch, bf16)
    flops = counter.get_total_flops()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        out = train_step(model, opt, batch, bf16)
        times.append(time.perf_counter() - t)
    step = sorted(times)[len(times) // 2]  # median
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"preset": preset, "bf16": bf16, "params_M": params / 1e6, "batch": batch_size, "frames": frames,
            "step_s": step, "samples_s": batch_size / step, "gflop_step": flops / 1e9,
            "gflops": flops / step / 1e9, "loss": float(out["loss"].detach())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=["tiny", "base"])
    ap.add_argument("--batch", type=int, nargs="+", default=[32, 16], help="batch size per preset")
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    peak = {False: matmul_peak(torch.float32), True: matmul_peak(torch.bfloat16)}
    print(f"threads {torch.get_num_threads()}; matmul 2048^3 peak: fp32 {peak[False] / 1e9:.0f} GFLOP/s, "
          f"bf16 {peak[True] / 1e9:.0f} GFLOP/s")
    print(f"{'preset':6} {'prec':5} {'params':>7} {'B':>3} {'T':>4} {'s/step':>7} {'samples/s':>9} "
          f"{'GFLOP/step':>10} {'GFLOP/s':>8} {'% peak':>6}")
    sizes = dict(zip(args.presets, args.batch + [args.batch[-1]] * len(args.presets)))
    for preset in args.presets:
        base = None
        for bf16 in (False, True):
            r = bench(preset, sizes[preset], args.frames, args.steps, bf16)
            base = base or r["samples_s"]
            print(f"{preset:6} {'bf16' if bf16 else 'fp32':5} {r['params_M']:6.1f}M {r['batch']:3d} {r['frames']:4d} "
                  f"{r['step_s']:7.3f} {r['samples_s']:9.1f} {r['gflop_step']:10.1f} {r['gflops']:8.1f} "
                  f"{100 * r['gflops'] * 1e9 / peak[bf16]:5.1f}%" + (f"  ({r['samples_s'] / base:.2f}x fp32)" if bf16 else ""))


if __name__ == "__main__":
    main()
