"""``signpt pretrain``: multimodal pre-training on a corpus (works the same under ``torchrun``)."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pretrain", help="pre-train the sign pose encoder on a corpus (L_PR + L_STC)",
        description="Pre-train on the 'pretrain' and 'train' splits of a corpus. Configuration: --preset, then "
                    "--config YAML (sections model/train/data), then --set key=value, then --max-steps/--epochs. "
                    "Multi-process: torchrun --standalone --nproc_per_node=N $(which signpt) pretrain ...",
    )
    p.add_argument("--corpus", required=True, help="corpus directory (signpt store)")
    p.add_argument("--preset", default="tiny", choices=("tiny", "base", "paper"), help="model+train preset")
    p.add_argument("--config", help="YAML file with sections model:, train:, data:")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override, e.g. train.lr=3e-4, model.mask_ratio=0.5, pretext=pr (repeatable)")
    p.add_argument("--out", default="runs/pretrain", help="output directory (default: runs/pretrain)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/latest")
    p.add_argument("--max-steps", type=int, help="stop after N optimizer steps")
    p.add_argument("--epochs", type=int, help="number of epochs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def report_text_coverage(corpus_dir, text_model: str, splits=("pretrain", "train")) -> list[str]:
    """Print the unknown-token share of ``text_model`` per spoken language to stderr, and a warning naming a
    text model that covers each poorly covered language (:mod:`signpt.model.text_coverage`). Returns the
    warnings. A corpus or tokenizer that cannot be read is left to the command itself to report."""
    import sys

    from signpt.data.store import Corpus
    from signpt.errors import SignptError
    from signpt.model.text_coverage import coverage_warnings, format_coverage, text_coverage

    try:
        coverage = text_coverage(Corpus(corpus_dir), text_model, splits)
    except (SignptError, OSError, ValueError) as e:
        print(f"signpt: text coverage not measured ({e})", file=sys.stderr)
        return []
    print(format_coverage(coverage, text_model), file=sys.stderr)
    warnings = coverage_warnings(coverage, text_model)
    for w in warnings:
        print(f"WARNING: {w}", file=sys.stderr)
    return warnings


def run(args: argparse.Namespace) -> int:
    from signpt.train import distributed as D
    from signpt.train.pretrain import resolve_config, run_pretraining

    setup = resolve_config(args.preset, args.config, args.overrides, max_steps=args.max_steps, epochs=args.epochs)
    if D.rank() == 0:
        report_text_coverage(args.corpus, setup.model.text_model)
    try:
        history = run_pretraining(args.corpus, args.out, setup, resume=args.resume, progress=not args.no_progress)
        if D.rank() == 0 and history.steps:
            last = history.steps[-1]
            parts = " ".join(f"{k}={last[k]:.4f}" for k in ("loss", "loss_pr", "loss_stc") if k in last)
            print(f"step {last['step']}: {parts}; encoder saved to {args.out}/encoder")
    finally:
        D.cleanup()
    return 0
