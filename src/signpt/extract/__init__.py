"""Video -> pose: MediaPipe Holistic over many videos, resumable, parallel, with a failures report.

    signpt extract VIDEOS_OR_DIR --out DIR [--workers N] [--shard i/n] [--max-side 256]

Each video ``IN/a/b.mp4`` becomes ``DIR/a/b.pose`` (pose-format, MediaPipe Holistic layout with
confidences, see :mod:`signpt.extract.holistic`). A video whose ``.pose`` already exists is skipped
(files are written atomically, so an existing file is complete): rerunning after a kill continues.
An unreadable video is listed in ``DIR/extract-report.json`` (``failures``) and the run goes on.
``--shard i/n`` takes the videos whose relative path hashes to shard i (array jobs on a cluster).
``--max-side 256``: frames are scaled so the longest side is 256 before estimation, as the paper does for
WLASL and MS-ASL (coordinates are then in the scaled frame; the header's width/height say so).

Other estimators (the paper's layout). The paper uses MMPose (HRNet + DarkPose, COCO-WholeBody 133
points); RTMPose/RTMW (``rtmlib`` or MMPose ``inferencer``) give the same 133-point layout. They need
weights you download, so signpt does not run them; save their output per video and curate it directly:

- MMPose ``inferencer``/demo JSON (``pred_instances`` per frame, or ``instance_info``): ``{video}.json``;
- a per-video pickle ``{"keypoints": (T, 1, 133, 2), "scores": (T, 1, 133), "fps", "frame_size"}``
  (``{video}.pkl``, read only with ``trusted: true`` in the recipe);
- or ``numpy.savez(f"{video}.npz", keypoints=(T,133,2), confidence=(T,133), fps=..., frame_size=(w, h),
  layout="coco_wholebody_133")`` — e.g. with rtmlib: ``kp, sc = Wholebody(...)(frame)`` per frame, person 0.

Set ``layout: coco_wholebody_133`` on the recipe source to refuse files of any other layout.
"""
from __future__ import annotations

import json
import os
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from signpt.errors import SignptError

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".flv", ".wmv", ".m4v", ".mpg", ".mpeg")
REPORT = "extract-report"


@dataclass
class ExtractReport:
    out: str
    shard: tuple[int, int] | None
    videos: int = 0
    done: int = 0
    skipped_existing: int = 0
    frames: int = 0
    seconds: float = 0.0
    failures: list[dict] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """Frames estimated per second of wall time (all workers together)."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        lines = [f"extracted {self.done} of {self.videos} videos into {self.out} "
                 f"({self.skipped_existing} already done, {len(self.failures)} failed); "
                 f"{self.frames} frames in {self.seconds:.1f} s = {self.fps:.1f} frames/s"]
        lines += [f"  FAILED {f['video']}: {f['error']}" for f in self.failures]
        return "\n".join(lines)


def find_videos(inputs) -> list[tuple[Path, Path]]:
    """(video, path relative to its input root) for video files and folders (searched recursively)."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    found = []
    for inp in map(Path, inputs):
        if inp.is_dir():
            for p in sorted(inp.rglob("*")):
                if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES:
                    found.append((p, p.relative_to(inp)))
        elif inp.is_file():
            found.append((inp, Path(inp.name)))
        else:
            raise SignptError(f"{inp}: no such video file or folder")
    return found


def output_path(out: Path, rel: Path) -> Path:
    return out / rel.with_suffix(".pose")


_ESTIMATOR = None


def _init_worker():
    global _ESTIMATOR
    import os as _os

    _os.environ.setdefault("GLOG_minloglevel", "2")
    from signpt.extract.holistic import HolisticEstimator

    _ESTIMATOR = HolisticEstimator()


def _one(job) -> dict:
    """Estimate one video and write its .pose; returns {video, frames, seconds} or {video, error}."""
    video, target, max_side = job
    from signpt.extract.holistic import write_pose_file

    if _ESTIMATOR is None:
        _init_worker()
    t0 = time.perf_counter()
    try:
        pose = _ESTIMATOR.estimate(video, max_side=max_side)
        write_pose_file(pose, target)
    except Exception as e:  # noqa: BLE001 - one bad video never stops the run
        return {"video": str(video), "error": f"{type(e).__name__}: {e}"}
    return {"video": str(video), "frames": int(pose.body.data.shape[0]), "seconds": time.perf_counter() - t0}


def extract(inputs, out, *, workers: int = 1, shard=None, max_side: int | None = None,
            progress: bool = True) -> ExtractReport:
    """Run MediaPipe Holistic on every video of ``inputs`` (files or folders) into ``out`` (see module).

    workers: processes, one Holistic instance each. shard: ``"i/n"`` or ``(i, n)``.
    Returns the :class:`ExtractReport`, also written to ``out/extract-report.json`` (per shard:
    ``extract-report.{i}of{n}.json``).
    """
    from signpt.data.curate import parse_shard
    from signpt.extract.holistic import import_mediapipe

    import_mediapipe()
    shard = parse_shard(shard)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    videos = find_videos(inputs)
    if shard is not None:
        videos = [(v, r) for v, r in videos if zlib.crc32(str(r).encode()) % shard[1] == shard[0]]
    report = ExtractReport(out=str(out), shard=shard, videos=len(videos))
    jobs = []
    for v, rel in videos:
        target = output_path(out, rel)
        if target.is_file() and target.stat().st_size > 0:
            report.skipped_existing += 1
        else:
            jobs.append((v, target, max_side))
    t0 = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="extract", unit="video", dynamic_ncols=True)
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for j in jobs:
            results.append(_one(j))
            if bar is not None:
                bar.update(1)
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(min(workers, len(jobs)), initializer=_init_worker) as pool:
            results = []
            for r in pool.imap_unordered(_one, jobs):
                results.append(r)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    report.seconds = time.perf_counter() - t0
    for r in results:
        if "error" in r:
            report.failures.append(r)
        else:
            report.done += 1
            report.frames += r["frames"]
    tag = "" if shard is None else f".{shard[0]:03d}of{shard[1]:03d}"
    path = out / f"{REPORT}{tag}.json"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({**asdict(report), "frames_per_second": report.fps}, indent=1) + "\n")
    os.replace(tmp, path)
    if progress:
        print(report.summary())
    return report


__all__ = ["extract", "ExtractReport", "find_videos", "VIDEO_SUFFIXES"]
