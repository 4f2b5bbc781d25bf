"""``signpt demo``: a corpus (synthetic, or any recipe's) -> pre-training -> its tasks, pre-trained vs scratch -> report.md."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="run the whole system end to end (synthetic corpus, or a recipe) and write a report",
        description="Generate and curate the synthetic corpus (or, with --recipe, curate that recipe's datasets), "
                    "pre-train the tiny model, fine-tune every task the corpus has data for (ISLR, CSLR, SLT, "
                    "retrieval) from the pre-trained encoder and from scratch (same seeds and budgets), evaluate "
                    "on unseen signers and write OUT/report.md (tables, examples, plots, rendered poses). A rerun "
                    "reuses finished stages; a killed run resumes.",
    )
    p.add_argument("--out", default="demo", help="output directory (default: demo)")
    p.add_argument("--recipe", help="curation recipe to run on instead of the synthetic corpus "
                                    "(e.g. recipes/crowd.yaml: real people, ISLR)")
    p.add_argument("--quick", action="store_true", help="smoke run of the same stages: a few dozen steps (minutes)")
    p.add_argument("--seeds", type=int, default=1,
                   help="seeds 0..N-1, each varying pre-training and fine-tuning; tables show mean (min-max)")
    p.add_argument("--workers", type=int, help="parallel training processes (default: 2 on 2+ cores)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per process (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from signpt.pipeline.demo import run_demo

    report = run_demo(args.out, quick=args.quick, seeds=args.seeds, progress=not args.no_progress,
                      recipe=args.recipe, workers=args.workers, threads=args.threads)
    print(report)
    return 0
