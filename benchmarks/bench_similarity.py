"""Peak memory (and time) of the fine-grained similarity + symmetric InfoNCE, forward and backward,
for global batch B in {64, 256, 1024}: chunked (activation-checkpointed blocks) beside the direct einsum.

Each case runs in a fresh subprocess; the figure is the growth of the process's peak RSS
(resource.ru_maxrss) over the RSS after the inputs were made, i.e. the memory the computation needed.
The direct einsum is skipped when its estimated need (6 tensors of B*B*n*m float32) exceeds --max-direct-gb.

    .venv/bin/python benchmarks/bench_similarity.py [--n 32 --m 24 --d 256 --chunk 64]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def child(b: int, n: int, m: int, d: int, chunk: int | None) -> dict:
    import torch

    from signpt.model.losses import symmetric_info_nce
    from signpt.model.similarity import fine_grained_similarity

    g = torch.Generator().manual_seed(0)
    sign = torch.randn(b, n, d, generator=g, requires_grad=True)
    text = torch.randn(b, m, d, generator=g, requires_grad=True)
    sign_mask = torch.rand(b, n, generator=g) > 0.2
    text_mask = torch.rand(b, m, generator=g) > 0.2
    sign_mask[:, 0] = text_mask[:, 0] = True
    scale = torch.tensor(1 / 0.07, requires_grad=True)
    base = _rss_mb()
    t0 = time.perf_counter()
    loss = symmetric_info_nce(fine_grained_similarity(sign, sign_mask, text, text_mask, chunk=chunk), scale)
    loss.backward()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    return {"peak_mb": peak - base, "seconds": seconds, "loss": loss.item()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 256, 1024])
    ap.add_argument("--n", type=int, default=32, help="sign clips per sample (T / s)")
    ap.add_argument("--m", type=int, default=24, help="text tokens per sample")
    ap.add_argument("--d", type=int, default=256, help="shared embedding size d_e")
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--max-direct-gb", type=float, default=3.0)
    ap.add_argument("--child", type=str, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(**json.loads(args.child))))
        return
    print(f"fine-grained similarity + InfoNCE, forward+backward; n={args.n} clips, m={args.m} tokens, "
          f"d_e={args.d}, chunk={args.chunk}")
    print(f"{'B':>6} {'mode':>8} {'peak MiB':>10} {'seconds':>8} {'loss':>9}")
    for b in args.batches:
        for mode, chunk in (("chunked", args.chunk), ("direct", None)):
            need_gb = 6 * b * b * args.n * args.m * 4 / 2**30
            if chunk is None and need_gb > args.max_direct_gb:
                print(f"{b:>6} {mode:>8} {'skipped':>10}  (needs ~{need_gb:.1f} GiB > --max-direct-gb)")
                continue
            spec = json.dumps({"b": b, "n": args.n, "m": args.m, "d": args.d, "chunk": chunk})
            out = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True)
            if out.returncode:
                print(f"{b:>6} {mode:>8} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{b:>6} {mode:>8} {r['peak_mb']:>10.1f} {r['seconds']:>8.2f} {r['loss']:>9.4f}")


if __name__ == "__main__":
    main()
