"""``signpt predict TASK``: run a task checkpoint on single pose files or videos."""
from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "predict", help="predict on single pose files or videos with a task checkpoint",
        description="ISLR: the top-5 signs with probabilities; CSLR: the recognised gloss sequence; SLT: the "
                    "translation; retrieval: the best-matching texts from --texts. Inputs: pose files in any "
                    "format signpt reads (.pose, .npz, .npy, MMPose .json/.pkl, OpenPose folders) or videos "
                    "(pose extracted on the fly; needs the extraction extra).",
    )
    p.add_argument("task", choices=("islr", "cslr", "slt", "retrieval"), help="downstream task")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="pose files or videos")
    p.add_argument("--checkpoint", required=True, help="task checkpoint (OUT/model of signpt finetune, or OUT)")
    p.add_argument("--texts", metavar="FILE", help="retrieval: candidate texts, one per line")
    p.add_argument("--top-k", type=int, default=5, help="ISLR / retrieval: how many results (default: 5)")
    p.add_argument("--json", action="store_true", help="print JSON (one object per input)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from signpt.errors import ConfigError
    from signpt.tasks import predict

    texts = None
    if args.texts:
        try:
            texts = [t.strip() for t in Path(args.texts).read_text(encoding="utf-8").splitlines() if t.strip()]
        except OSError as e:
            raise ConfigError(f"{args.texts}: cannot read candidate texts: {e.strerror or e}") from e
        if not texts:
            raise ConfigError(f"{args.texts}: no candidate texts")
    results = predict(args.task, args.checkpoint, args.inputs, texts=texts, k=args.top_k)
    for path, res in zip(args.inputs, results):
        if args.json:
            print(json.dumps({"input": path, "prediction": res}, ensure_ascii=False))
        elif args.task in ("islr", "retrieval"):
            print(path)
            for rank, (name, score) in enumerate(res, 1):
                print(f"  {rank}. {name}\t{score:.4f}")
        elif args.task == "cslr":
            print(f"{path}\t{' '.join(res)}")
        else:
            print(f"{path}\t{res}")
    return 0
