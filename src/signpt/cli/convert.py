"""``signpt convert IN OUT``: change a pose file's format and, optionally, its layout (never its coordinates,
unless ``--normalise`` is given)."""
from __future__ import annotations

import argparse

from signpt.cli.pose_args import add_mediapipe_vector_args


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert", help="convert a pose file between formats and to the 79-point layout",
        description="Convert IN to OUT; the formats come from the extensions (.pose, .pkl, .json, .npy, .npz, "
                    ".parquet, or a folder of OpenPose *_keypoints.json or of per-frame MediaPipe <n>.npy). "
                    "Coordinates are copied unchanged unless --normalise (MediaPipe vectors and Kaggle parquet "
                    "hold fractions of the frame: multiplied by --frame-size, default 640 x 480).",
    )
    p.add_argument("input", metavar="IN", help="pose file, OpenPose JSON folder or folder of per-frame MediaPipe .npy")
    p.add_argument("output", metavar="OUT", help="output file (format by extension; no extension = OpenPose JSON folder)")
    p.add_argument("--layout", choices=["keep", "k79"], default="keep",
                   help="keep the input layout (default) or map to the paper's 79 points")
    p.add_argument("--normalise", action="store_true",
                   help="write normalised k79 coordinates (hands to their own boxes, the rest by the frame size) "
                        "with the boxes to map back; OUT must be .npz; implies --layout k79")
    p.add_argument("--trusted", action="store_true", help="allow reading a pickle (.pkl): only for files you trust")
    p.add_argument("--fps", type=float, default=None, help="frames per second when IN does not store it (default 25)")
    p.add_argument("--frame-size", nargs=2, type=int, metavar=("W", "H"), default=None,
                   help="video frame size in pixels when IN does not store it")
    p.add_argument("--infer-frame-size", action="store_true",
                   help="when IN has no frame size and --frame-size is absent, use the largest coordinates")
    add_mediapipe_vector_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from signpt.errors import PoseFormatError
    from signpt.pose import normalise, read_pose, save_normalised, to_k79, write_pose

    size = tuple(args.frame_size) if args.frame_size else ("infer" if args.infer_frame_size else None)
    seq = read_pose(args.input, blocks=args.blocks, one_hand=args.one_hand, trusted=args.trusted, fps=args.fps, frame_size=size)
    if args.layout == "k79" or args.normalise:
        seq = to_k79(seq)
    if args.normalise:
        if Path(args.output).suffix.lower() != ".npz":
            raise PoseFormatError(f"{args.output}: --normalise writes .npz only (it stores the hand boxes too)")
        norm, info = normalise(seq.keypoints, seq.confidence, seq.frame_size)
        save_normalised(args.output, norm, seq.confidence, info, fps=seq.fps)
    else:
        write_pose(seq, args.output)
    print(f"{args.output}: {seq.num_frames} frames, {seq.num_points} points ({seq.layout}), {seq.fps:g} fps, "
          f"frame {seq.frame_size[0]}x{seq.frame_size[1]}" + (", normalised" if args.normalise else ""))
    return 0
