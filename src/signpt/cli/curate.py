"""``signpt curate RECIPE.yaml --out CORPUS`` and ``signpt curate --merge CORPUS``."""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "curate", help="build a pose-text corpus from datasets following a recipe (SL-1.5M: recipes/sl1.5m.yaml)",
        description="Read each recipe source's official annotation files and per-video pose files, cut, refine hands, "
                    "map to the 79-point layout and write the corpus. Broken samples are skipped and listed in "
                    "CORPUS/curation-report.txt; rerunning continues where a run stopped. Prints Tables I/II and "
                    "writes the duration histogram (Fig. 3) at the end.",
    )
    p.add_argument("recipe", nargs="?", help="recipe YAML (see recipes/sl1.5m.yaml)")
    p.add_argument("--out", help="corpus folder to create or continue")
    p.add_argument("--workers", type=int, default=1, help="sources processed in parallel (processes; default 1)")
    p.add_argument("--shard", metavar="I/N", help="curate only shard I of N of every source (array jobs); "
                                                  "then run `signpt curate --merge CORPUS` once")
    p.add_argument("--merge", metavar="CORPUS", help="index the shards written by array jobs into one manifest")
    p.add_argument("--quiet", action="store_true", help="no progress bars or tables")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.data.curate import curate, merge
    from signpt.errors import ConfigError

    if args.merge:
        if args.recipe or args.out or args.shard:
            raise ConfigError("--merge CORPUS takes no recipe, --out or --shard")
        report = merge(args.merge, progress=not args.quiet)
    else:
        if not args.recipe or not args.out:
            raise ConfigError("usage: signpt curate RECIPE.yaml --out CORPUS [--workers N] [--shard I/N], "
                              "or signpt curate --merge CORPUS")
        report = curate(args.recipe, args.out, workers=args.workers, shard=args.shard, progress=not args.quiet)
    for name, err in report.errors.items():
        print(f"signpt curate: source {name} failed: {err}")
    return 1 if report.errors else 0
