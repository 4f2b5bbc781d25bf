"""Speed of the pose layer's per-sample work in the data loader: normalise (and denormalise, to_k79).

Prints samples/s for T = 64 and 256 frames of 79 points, one sample at a time (as a data-loader worker does),
and for a batch of 32 at once. Run: .venv/bin/python benchmarks/pose_normalise.py
"""
from __future__ import annotations

import time

import numpy as np

from signpt.pose import PoseSequence, denormalise, normalise, to_k79


def rate(fn, n: int) -> tuple[float, float]:
    """(calls per wall-clock second, calls per CPU second of this process: less disturbed on a busy machine)."""
    fn()
    t, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t), n / (time.process_time() - c)


def show(what: str, r: tuple[float, float], scale: int = 1) -> None:
    print(f"{what:42s} {r[0] * scale:12.0f} {r[1] * scale:12.0f}")


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'what':42s} {'samples/s':>12s} {'per CPU s':>12s}")
    for t in (64, 256):
        kp = rng.uniform(0, 640, (t, 79, 2)).astype(np.float32)
        conf = rng.uniform(0, 1, (t, 79)).astype(np.float32)
        conf[rng.uniform(size=conf.shape) < 0.1] = 0
        out, info = normalise(kp, conf, (640, 480))
        show(f"normalise T={t}", rate(lambda: normalise(kp, conf, (640, 480)), 2000))
        show(f"denormalise T={t}", rate(lambda: denormalise(out, info), 2000))
        kpb = np.broadcast_to(kp, (32, t, 79, 2)).copy()
        cb = np.broadcast_to(conf, (32, t, 79)).copy()
        show(f"normalise batch 32 x T={t} (per sample)", rate(lambda: normalise(kpb, cb, (640, 480)), 100), 32)
        coco = PoseSequence(rng.uniform(0, 640, (t, 133, 2)), rng.uniform(0, 1, (t, 133)), 25,
                            "coco_wholebody_133", (640, 480))
        show(f"to_k79 from coco133 T={t}", rate(lambda: to_k79(coco), 2000))


if __name__ == "__main__":
    main()
