"""Pose extraction speed: ``signpt extract`` (MediaPipe Holistic) with 1 worker and with all cores, beside
pose-format's own ``videos_to_poses`` on the same videos in the same run. Prints frames per second.

    .venv/bin/python benchmarks/bench_extract.py [--videos ../shared/data/videos] [--max-side 0] [--limit N]

Every run starts from an empty output folder (nothing is skipped). Frames/s = decoded-and-estimated frames
over wall time, including model start-up in each process.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def count_frames(videos) -> int:
    from signpt.extract.holistic import iter_frames

    return sum(sum(1 for _ in iter_frames(v)) for v in videos)


def bench_signpt(videos, workers: int, max_side) -> float:
    from signpt.extract import extract

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        report = extract(videos, out, workers=workers, max_side=max_side, progress=False)
        wall = time.perf_counter() - t0
        assert not report.failures, report.failures
    return report.frames / wall


def bench_pose_format(videos, workers: int, frames: int) -> float | None:
    exe = Path(sys.executable).with_name("videos_to_poses")
    if not exe.exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        for v in videos:
            shutil.copy(v, Path(d) / Path(v).name)
        t0 = time.perf_counter()
        proc = subprocess.run([str(exe), "--directory", d, "--num-workers", str(workers),
                               "--additional-config", "model_complexity=1"],
                              capture_output=True, text=True, input="y\n")
        wall = time.perf_counter() - t0
        made = len(list(Path(d).glob("*.pose")))
        if proc.returncode != 0 or made != len(videos):
            print(f"  videos_to_poses failed (rc {proc.returncode}, {made}/{len(videos)} files): "
                  f"{proc.stderr.strip().splitlines()[-1:]}")
            return None
    return frames / wall


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", default=str(here.parent / "shared" / "data" / "videos"))
    ap.add_argument("--max-side", type=int, default=0, help="0 = full resolution (as videos_to_poses)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N videos")
    args = ap.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    videos = sorted(str(p) for p in Path(args.videos).glob("*.mp4"))
    if args.limit:
        videos = videos[: args.limit]
    if not videos:
        sys.exit(f"no .mp4 videos in {args.videos}")
    cores = os.cpu_count() or 1
    frames = count_frames(videos)
    max_side = args.max_side or None
    print(f"{len(videos)} videos, {frames} frames, {cores} cores, max_side={max_side}")
    rows = [("signpt extract, 1 worker", bench_signpt(videos, 1, max_side)),
            (f"signpt extract, {cores} workers", bench_signpt(videos, cores, max_side))]
    if max_side is None:
        rows += [("pose-format videos_to_poses, 1 worker", bench_pose_format(videos, 1, frames)),
                 (f"pose-format videos_to_poses, {cores} workers", bench_pose_format(videos, cores, frames))]
    for name, fps in rows:
        print(f"{name:<42} " + (f"{fps:7.1f} frames/s" if fps else "    n/a"))
    one = rows[0][1]
    print(f"per core (1 worker): {one:.1f} frames/s; all cores: {rows[1][1]:.1f} frames/s "
          f"(x{rows[1][1] / one:.2f})")


if __name__ == "__main__":
    main()
