"""Signer choice speed (``signpt.pose.io.people.choose_signer``): a 45-minute episode at 25 fps (67,500
frames) with 1, 3 and 6 people a frame (the signer, a bystander, small detections), boxes jittered by 2 px.
Prints seconds per episode and frames per second.

    .venv/bin/python benchmarks/bench_signer_choice.py [--frames 67500]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from signpt.pose.io.people import choose_signer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=67_500)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    base = np.array([[300, 100, 560, 700], [20, 300, 120, 450], [600, 200, 640, 260], [700, 50, 760, 150],
                     [100, 600, 160, 700], [400, 10, 430, 60]], np.float64)
    for people in (1, 3, 6):
        boxes = base[None, :people] + rng.normal(0, 2, (args.frames, people, 4))
        order = rng.permuted(np.tile(np.arange(people), (args.frames, 1)), axis=1)
        boxes = np.take_along_axis(boxes, order[..., None], axis=1)  # detection order: unstable
        t = time.perf_counter()
        choice = choose_signer(boxes, (860, 720))
        dt = time.perf_counter() - t
        chosen = boxes[np.arange(args.frames), choice]
        ok = np.abs(chosen - base[0]).max() < 20
        print(f"{people} people/frame: {dt:.2f} s for {args.frames} frames ({args.frames / dt:,.0f} frames/s); "
              f"signer chosen in every frame: {ok}")


if __name__ == "__main__":
    main()
