"""``signpt info CORPUS``: the statistics of the paper's Tables I and II and the duration histogram (Fig. 3)."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "info", help="print corpus statistics (Tables I/II) and write the duration histogram (Fig. 3)",
        description="Print the statistics of a corpus directory (samples, paired/unpaired, sentences, duration, "
                    "signers, per source and sign language) and write a histogram of sample durations as PNG.",
    )
    p.add_argument("corpus", help="corpus directory (with manifest.json)")
    p.add_argument("--hist", default=None, metavar="PNG",
                   help="where to write the duration histogram (default: CORPUS/duration_hist.png)")
    p.add_argument("--no-hist", action="store_true", help="do not write the histogram")
    p.add_argument("--json", action="store_true", help="print the statistics as JSON instead of tables")
    p.add_argument("--verify", action="store_true", help="also check every shard's sha256 against the manifest")
    p.add_argument("--text-model", metavar="NAME",
                   help="also report the share of unknown tokens per spoken language for this text model "
                        "(minilm, mbart, an HF id or folder), with a warning where it covers a language poorly")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.data.stats import corpus_stats, duration_histogram, format_tables
    from signpt.data.store import Corpus

    corpus = Corpus(args.corpus)
    if args.verify:
        n = corpus.verify(progress=sys.stderr.isatty())
        print(f"verified {n} shards", file=sys.stderr)
    stats = corpus_stats(corpus)
    if args.json:
        print(json.dumps(stats, indent=1, ensure_ascii=False))
    else:
        print(format_tables(stats, name=Path(args.corpus).resolve().name))
    if args.text_model:
        from signpt.cli.pretrain import report_text_coverage

        report_text_coverage(args.corpus, args.text_model, splits=None)
    if not args.no_hist:
        png = Path(args.hist) if args.hist else Path(args.corpus) / "duration_hist.png"
        try:
            duration_histogram(corpus, png)
        except OSError as e:
            print(f"signpt info: could not write {png}: {e.strerror}; use --hist PATH", file=sys.stderr)
            return 1
        print(f"duration histogram: {png}", file=sys.stderr)
    return 0
