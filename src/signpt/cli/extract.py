"""``signpt extract VIDEOS_OR_DIR --out DIR``: videos -> MediaPipe Holistic .pose files."""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "extract", help="estimate poses of videos with MediaPipe Holistic (.pose files; needs signpt[extract])",
        description="Run MediaPipe Holistic (model_complexity=1) on video files or folders (recursively) and write "
                    "one pose-format .pose file per video under --out, mirroring the input folders. Videos whose "
                    ".pose exists are skipped, so a rerun continues; unreadable videos are listed in "
                    "OUT/extract-report.json. For the paper's COCO-WholeBody layout use MMPose/RTMPose outputs "
                    "instead (see `python -c 'import signpt.extract; help(signpt.extract)'`).",
    )
    p.add_argument("inputs", nargs="+", help="video files and/or folders of videos")
    p.add_argument("--out", required=True, help="output folder for the .pose files")
    p.add_argument("--workers", type=int, default=1, help="parallel processes (one Holistic each; default 1)")
    p.add_argument("--shard", metavar="I/N", help="only the videos of shard I of N (array jobs)")
    p.add_argument("--max-side", type=int, default=None, metavar="PX",
                   help="scale frames so the longest side is PX before estimation (the paper: 256 for WLASL, MS-ASL)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.extract import extract

    report = extract(args.inputs, args.out, workers=args.workers, shard=args.shard, max_side=args.max_side,
                     progress=not args.quiet)
    return 1 if report.failures else 0
