"""``signpt ablate``: the paper's ablation Tables XII-XIX at tiny scale on the synthetic corpus (or a recipe's)."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ablate", help="run the paper's ablations (Tables XII-XIX) at tiny scale",
        description="One pre-training per setting (λ, data fraction α, pretext tasks, sign features, window s, "
                    "mask ratio m, similarity, pose embedding), then fine-tuning and test evaluation of the four "
                    "tasks; writes OUT/ablations.md and OUT/ablations.json. Finished settings are reused.",
    )
    p.add_argument("--out", default="ablations", help="output directory (default: ablations)")
    p.add_argument("--recipe", help="run on this curation recipe's corpus (e.g. recipes/crowd.yaml) instead of the "
                                    "synthetic one; table MIX compares its pre-training sources")
    p.add_argument("--quick", action="store_true", help="short pre-training and fine-tuning budgets")
    p.add_argument("--tables", help="comma-separated subset, e.g. XII,XV (default: all of XII-XIX); extras: "
                                    "XIII-ENDS, XIV-MASK, XIV-WEIGHT, MIX (with --recipe)")
    p.add_argument("--seeds", type=int, default=1,
                   help="seeds 0..N-1 per setting (pre-training and fine-tuning); cells: mean (min-max); "
                        "finished seeds are reused (default: 1)")
    p.add_argument("--pretrain-steps", type=int,
                   help="pre-training steps per setting (default: the demo's 1,000; --quick: 40)")
    p.add_argument("--workers", type=int, help="parallel training processes (default: 2 on 2+ cores)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per process (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from signpt.pipeline.ablate import ablation_config, parse_tables, run_ablations

    tables = parse_tables(args.tables)
    path = run_ablations(args.out, quick=args.quick, tables=tables, seeds=args.seeds,
                         progress=not args.no_progress, workers=args.workers, threads=args.threads,
                         config=ablation_config(args.quick, args.pretrain_steps, recipe=bool(args.recipe)),
                         recipe=args.recipe)
    print(path)
    return 0
