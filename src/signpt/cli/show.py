"""``signpt show FILE``: render a pose sequence as a .gif, .mp4 or a .png grid of frames."""
from __future__ import annotations

import argparse

from signpt.cli.pose_args import add_mediapipe_vector_args


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "show", help="render a pose file (skeleton per part) to .gif, .mp4 or .png",
        description="Draw FILE's skeleton, one colour per part (body, face, mouth, left hand, right hand); "
                    "missing points are not drawn.",
    )
    p.add_argument("file", metavar="FILE", help="pose file or folder (OpenPose JSON, per-frame MediaPipe .npy): any "
                                                "input read_pose reads")
    p.add_argument("--out", default=None, help="output .gif, .mp4 or .png (default: FILE's name with .gif, in the current folder)")
    p.add_argument("--layout", choices=["keep", "k79"], default="keep", help="draw the 79-point mapping instead")
    p.add_argument("--trusted", action="store_true", help="allow reading a pickle (.pkl): only for files you trust")
    p.add_argument("--fps", type=float, default=None, help="playback fps (default: the file's)")
    p.add_argument("--frame-size", nargs=2, type=int, metavar=("W", "H"), default=None,
                   help="frame size when FILE does not store it (default: inferred from the coordinates)")
    p.add_argument("--max-frames", type=int, default=None, help="draw only the first N frames")
    add_mediapipe_vector_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from signpt.pose import read_pose, render, to_k79

    size = tuple(args.frame_size) if args.frame_size else "infer"
    seq = read_pose(args.file, blocks=args.blocks, one_hand=args.one_hand, trusted=args.trusted, frame_size=size)
    if args.layout == "k79":
        seq = to_k79(seq)
    src = Path(args.file)
    out = Path(args.out) if args.out else Path(src.name.removesuffix(src.suffix) + ".gif")  # in the cwd
    render(seq, out, fps=args.fps, max_frames=args.max_frames)
    print(f"{out}: {seq.num_frames if args.max_frames is None else min(args.max_frames, seq.num_frames)} frames "
          f"of {seq.layout}")
    return 0
