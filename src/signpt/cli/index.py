"""``signpt index``: a searchable index of a corpus for ``signpt serve``."""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "index", help="build a search index of a corpus (sign features + previews) for signpt serve",
        description="Embeds every clip of the corpus (optionally one split / source) with a retrieval or "
                    "pre-training checkpoint and stores the features, texts, glosses, sources, signers and "
                    "small pose previews. A killed build resumes when run again.",
    )
    p.add_argument("--checkpoint", required=True, help="retrieval or pre-training checkpoint")
    p.add_argument("--corpus", required=True, help="corpus directory")
    p.add_argument("--out", required=True, help="index directory")
    p.add_argument("--split", help="only this split (e.g. test)")
    p.add_argument("--source", help="only this source")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.serve.index import build_index

    out = build_index(args.checkpoint, args.corpus, args.out, split=args.split, source=args.source,
                      batch_size=args.batch_size, progress=not args.no_progress)
    print(out)
    return 0
