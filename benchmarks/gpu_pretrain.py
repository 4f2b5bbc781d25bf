"""Pre-training throughput on one GPU: samples/s, peak memory and model FLOP utilisation (MFU) of the `paper`
preset in bf16 autocast with synthetic batches (256 frames, 128-token-bounded sentences).

    python benchmarks/gpu_pretrain.py                         # paper preset, B=64, on cuda
    python benchmarks/gpu_pretrain.py --batch 32 64 128       # several batch sizes
    python benchmarks/gpu_pretrain.py --smoke                 # tiny preset, CPU-sized, seconds (checks the script)

MFU = FLOPs of one training step (forward + backward, counted with torch.utils.flop_counter.FlopCounterMode,
the frozen text encoder excluded because its features are cached after the first step) / step time / the
GPU's dense bf16 peak (`--peak-tflops`, default: looked up from the device name, e.g. H100 SXM 989;
otherwise the matmul peak measured here). Also prints the measured 8192^3 bf16 matmul rate for reference.
The text model defaults to the packaged MiniLM (offline); pass --text-model mbart for the paper's encoder.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).parent))
from bench_train import synthetic_batch  # noqa: E402

from signpt.model import PretrainModel, get_preset  # noqa: E402
from signpt.train.optim import build_optimizer, param_groups  # noqa: E402

DENSE_BF16_TFLOPS = {"H100 SXM": 989.0, "H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "H100 NVL": 835.0,
                     "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "4090": 165.0, "3090": 71.0}


def device_peak(name: str) -> float | None:
    for key, tflops in DENSE_BF16_TFLOPS.items():
        if key in name:
            return tflops * 1e12
    return None


def measured_matmul(device: torch.device, n: int, reps: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    a @ b
    sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(preset: str, batch: int, frames: int, steps: int, device: torch.device, text_model: str) -> dict:
    torch.manual_seed(0)
    model = PretrainModel(get_preset(preset, text_model=text_model)).to(device)
    opt = build_optimizer(param_groups(model, 1e-4, 0.1))
    data = synthetic_batch(batch, frames).to(device)

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16):
            out = model(data)
        out["loss"].float().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return out

    step()  # warm-up, fills the text cache
    with FlopCounterMode(display=False) as counter:
        step()
    flops = counter.get_total_flops()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    sync(device)
    t = time.perf_counter()
    for _ in range(steps):
        out = step()
    sync(device)
    dt = (time.perf_counter() - t) / steps
    peak_mem = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else float("nan")
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {"batch": batch, "step_s": dt, "samples_s": batch / dt, "flops": flops, "flops_s": flops / dt,
            "peak_gib": peak_mem / 2**30, "params_M": params / 1e6, "loss": float(out["loss"].detach())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--batch", type=int, nargs="+", default=[64])
    ap.add_argument("--frames", type=int, default=256)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--text-model", default="minilm")
    ap.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of the GPU")
    ap.add_argument("--smoke", action="store_true", help="tiny preset, 2 samples x 16 frames, 1 step, any device")
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.smoke:
        args.preset, args.batch, args.frames, args.steps = "tiny", [2], 16, 1
    elif device.type != "cuda":
        sys.exit("no CUDA device: run with --smoke on a CPU")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    measured = measured_matmul(device, 8192 if device.type == "cuda" else 512)
    peak = args.peak_tflops * 1e12 if args.peak_tflops else (device_peak(name) or measured)
    print(f"device {name}; bf16 matmul measured {measured / 1e12:.1f} TFLOP/s; MFU reference peak "
          f"{peak / 1e12:.0f} TFLOP/s; torch {torch.__version__}")
    print(f"preset {args.preset}, frames {args.frames}, text model {args.text_model}, bf16 autocast")
    print(f"{'B':>5} {'params':>8} {'s/step':>8} {'samples/s':>10} {'TFLOP/step':>11} {'TFLOP/s':>8} {'MFU':>6} "
          f"{'peak GiB':>9}")
    for b in args.batch:
        r = run(args.preset, b, args.frames, args.steps, device, args.text_model)
        print(f"{b:5d} {r['params_M']:7.1f}M {r['step_s']:8.3f} {r['samples_s']:10.1f} {r['flops'] / 1e12:11.3f} "
              f"{r['flops_s'] / 1e12:8.2f} {100 * r['flops_s'] / peak:5.1f}% {r['peak_gib']:9.2f}")


if __name__ == "__main__":
    main()
