"""``signpt embed``: encoder features of clips (pose files, videos, folders, a corpus) or of texts."""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "embed", help="features of clips or texts from a checkpoint (Parquet / Arrow / .npy)",
        description="One row per clip: id, source, text, fse (mean-pooled F_SE) and, with a retrieval or "
                    "pre-training checkpoint, features (the projected sign features the similarity uses) and "
                    "pooled (their normalised mean). With --texts: projected text features of each line. "
                    "Resumable: run the same command again after a kill.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="a corpus directory, pose files, videos or folders")
    p.add_argument("--checkpoint", required=True, help="retrieval / pre-training checkpoint, or an encoder")
    p.add_argument("--out", required=True, help="OUT.parquet, OUT.arrow, or a folder for .npy files + ids.txt")
    p.add_argument("--format", choices=("parquet", "arrow", "npy"), help="output format (default: from --out)")
    p.add_argument("--texts", metavar="FILE", help="embed the texts of FILE (one per line) instead of clips")
    p.add_argument("--split", help="corpus input: only this split")
    p.add_argument("--source", help="corpus input: only this source")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.errors import ConfigError
    from signpt.tasks.embed import embed, embed_texts

    if args.texts:
        if args.inputs:
            raise ConfigError("give either clip inputs or --texts FILE, not both")
        out = embed_texts(args.texts, args.checkpoint, args.out, fmt=args.format)
    else:
        if not args.inputs:
            raise ConfigError("nothing to embed: give a corpus, pose files, videos or folders (or --texts FILE)")
        out = embed(args.inputs, args.checkpoint, args.out, split=args.split, source=args.source,
                    batch_size=args.batch_size, fmt=args.format, progress=not args.no_progress)
    print(out)
    return 0
