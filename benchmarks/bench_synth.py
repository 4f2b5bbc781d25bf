"""Speed of the synthetic corpus generator: samples/s and frames/s per preset (one process).

    .venv/bin/python benchmarks/bench_synth.py [--preset small] [--curate]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from signpt.data.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--curate", action="store_true", help="also time the curation into the k79 corpus")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "synth"
        t0, c0 = time.perf_counter(), time.process_time()
        generate(out, args.preset, args.seed, curate=False, progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        rows = [json.loads(line) for line in open(out / "manifest.jsonl", encoding="utf-8")]
        import numpy as np

        frames = sum(int(np.load(out / r["pose"])["confidence"].shape[0]) for r in rows)
        size = sum(p.stat().st_size for p in (out / "poses").rglob("*.npz"))
        print("| preset | samples | frames | raw MB | wall s | CPU s | samples/s (wall) | frames/s (wall) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        print(f"| {args.preset} | {len(rows)} | {frames} | {size / 2**20:.0f} | {wall:.1f} | {cpu:.1f} | "
              f"{len(rows) / wall:.0f} | {frames / wall:.0f} |")
        if args.curate:
            from signpt.data.curate import curate

            t0 = time.perf_counter()
            curate(out / "recipe.yaml", out / "corpus", progress=False)
            print(f"curation into k79: {time.perf_counter() - t0:.1f} s ({len(rows) / (time.perf_counter() - t0):.0f} samples/s)")


if __name__ == "__main__":
    main()
