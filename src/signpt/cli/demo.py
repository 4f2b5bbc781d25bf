"""``signpt demo``: synthetic corpus -> pre-training -> four tasks, pre-trained vs scratch -> report.md."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="run the whole system end to end on the synthetic corpus and write a report",
        description="Generate and curate the synthetic corpus, pre-train the tiny model, fine-tune ISLR, CSLR, "
                    "SLT and retrieval from the pre-trained encoder and from scratch (same seeds and budgets), "
                    "evaluate on unseen signers and write OUT/report.md (tables, examples, plots, rendered "
                    "poses). A rerun reuses finished stages; a killed run resumes.",
    )
    p.add_argument("--out", default="demo", help="output directory (default: demo)")
    p.add_argument("--quick", action="store_true", help="smoke run: tiny corpus, a few dozen steps (< 3 min)")
    p.add_argument("--seeds", type=int, default=1,
                   help="seeds 0..N-1, each varying pre-training and fine-tuning; tables show mean (min-max)")
    p.add_argument("--workers", type=int, help="parallel training processes (default: 2 on 2+ cores)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per process (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from signpt.pipeline.demo import run_demo

    report = run_demo(args.out, quick=args.quick, seeds=args.seeds, progress=not args.no_progress,
                      workers=args.workers, threads=args.threads)
    print(report)
    return 0
