"""``signpt score``: score any system's outputs with signpt's metric implementations.

Text files hold one sample per line (UTF-8), like sacrebleu's command line; line i of --hyp is scored
against line i of --ref.

- slt: BLEU-1/2/4 (sacrebleu, tokenize none; characters for --lang zh) and ROUGE-L (COCO formula).
- cslr: WER with sclite's 4/3/3 alignment; PHOENIX gloss clean-up on both sides for --lang de
  (default variant 2014T; --phoenix-variant 2014; --no-phoenix-cleanup to switch off).
  PHOENIX-2014's official scoring: --ref the ground-truth STM (phoenix2014-groundtruth-dev.stm) and --hyp a
  CTM (one word a line) or a text file with one sentence a line in the STM's order. Sentences are then paired
  by file id, and, as the official evaluation does, the STM is scored as it is and only the hypotheses are
  cleaned, word by word as its sed/perl rules run over the CTM (variant 2014 by default; a line-per-sentence
  hypothesis is scored as its CTM would be); an id without hypothesis words counts as all deletions.
- islr: each --hyp line holds the predicted label, or the top-k labels best first, space-separated; each
  --ref line one true label. Top-5 is reported when some line has at least 5 predictions.
- retrieval: --hyp is a (texts, videos) similarity matrix (.npy, or whitespace-separated text rows);
  --ref (optional) holds the 0-based index of the correct video for each text, one per line; without it
  text i pairs with video i. Ties as CLIP4Clip's / CiCo's compute_metrics count them (every position
  holding the correct score is an entry); --ties pessimistic: a tie is never a hit.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from signpt.errors import SignptError
from signpt.metrics import tables
from signpt.metrics.accuracy import topk_accuracy_from_predictions
from signpt.metrics.bleu_rouge import translation_scores
from signpt.metrics.phoenix import VARIANTS, clean_phoenix_ctm
from signpt.metrics.retrieval import TIES, retrieval_scores
from signpt.metrics.sclite_files import paired_by_id, read_ctm, read_utf8, stm_references
from signpt.metrics.wer import wer

TASKS = ("slt", "cslr", "islr", "retrieval")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "score",
        help="score system outputs (BLEU/ROUGE, WER, top-k accuracy, R@K) against references",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", choices=TASKS, help="which metric family")
    p.add_argument("--hyp", required=True, type=Path, help="system output: one sample per line (retrieval: similarity matrix)")
    p.add_argument("--ref", type=Path, help="references, one per line (optional for retrieval: identity pairing)")
    p.add_argument("--lang", default="de", choices=("de", "zh", "en"),
                   help="text language: zh scores characters; de enables the PHOENIX clean-up for cslr (default: de)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON instead of a table")
    p.add_argument("--no-phoenix-cleanup", action="store_true", help="cslr: score the glosses as they are")
    p.add_argument("--phoenix-variant", default=None, choices=VARIANTS,
                   help="cslr: which PHOENIX clean-up rules (default: 2014T; 2014 with an STM reference)")
    p.add_argument("--ties", default="clip4clip", choices=TIES,
                   help="retrieval: tie convention (default: clip4clip, as CLIP4Clip's and CiCo's metric code)")
    p.set_defaults(func=run)


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file without their line endings (a leading BOM dropped)."""
    lines = read_utf8(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


def _paired(hyp: Path, ref: Path | None) -> tuple[list[str], list[str]]:
    if ref is None:
        raise SignptError("--ref is required for this task")
    h, r = read_lines(hyp), read_lines(ref)
    if len(h) != len(r):
        raise SignptError(f"{hyp} has {len(h)} lines but {ref} has {len(r)}: one line per sample on both sides")
    if not r:
        raise SignptError(f"{ref}: no lines to score")
    return h, r


def read_matrix(path: Path) -> np.ndarray:
    """A 2-D float matrix from .npy or whitespace-separated text (one row per line)."""
    path = Path(path)
    if not path.exists():
        raise SignptError(f"{path}: no such file")
    try:
        if path.suffix == ".npy":
            m = np.load(path, allow_pickle=False)
        else:
            rows = [ln.split() for ln in read_lines(path) if ln.strip()]
            if len({len(r) for r in rows}) > 1:
                raise SignptError(f"{path}: rows have different numbers of columns")
            m = np.array(rows, dtype=np.float64)
    except ValueError as e:
        raise SignptError(f"{path}: not a numeric matrix ({e})") from None
    if m.ndim != 2 or m.size == 0:
        raise SignptError(f"{path}: expected a non-empty 2-D similarity matrix, got shape {m.shape}")
    if not np.isfinite(m).all():
        raise SignptError(f"{path}: the similarity matrix contains NaN or infinite values")
    return m


def _score_retrieval(args: argparse.Namespace) -> dict:
    sim = read_matrix(args.hyp)
    gt = None
    if args.ref is not None:
        lines = [ln.strip() for ln in read_lines(args.ref) if ln.strip()]
        try:
            gt = np.array([int(x) for x in lines], dtype=np.int64)
        except ValueError:
            raise SignptError(f"{args.ref}: expected one integer item index per line") from None
        if len(gt) != sim.shape[0]:
            raise SignptError(f"{args.ref} has {len(gt)} indices but {args.hyp} has {sim.shape[0]} rows (queries)")
        if gt.min() < 0 or gt.max() >= sim.shape[1]:
            raise SignptError(f"{args.ref}: indices must lie in [0, {sim.shape[1]})")
    elif sim.shape[0] != sim.shape[1]:
        raise SignptError(f"{args.hyp}: a {sim.shape[0]}x{sim.shape[1]} matrix needs --ref with the correct item per row")
    return {**retrieval_scores(sim, gt, ties=args.ties).to_dict(), "ties": args.ties}


def _is_sclite(hyp: Path, ref: Path | None) -> bool:
    return Path(hyp).suffix.lower() == ".ctm" or (ref is not None and Path(ref).suffix.lower() == ".stm")


def _score_sclite(args: argparse.Namespace) -> dict:
    """cslr with an STM reference (and a CTM or line-per-sentence hypothesis), paired by file id."""
    if args.ref is None or Path(args.ref).suffix.lower() != ".stm":
        raise SignptError(f"{args.hyp}: a CTM hypothesis needs --ref with the ground-truth STM (file ids)")
    refs = stm_references(args.ref)
    if Path(args.hyp).suffix.lower() == ".ctm":
        hyps = read_ctm(args.hyp)
    else:
        lines = read_lines(args.hyp)
        if len(lines) != len(refs):
            raise SignptError(f"{args.hyp} has {len(lines)} lines but {args.ref} has {len(refs)} file ids: one line "
                              f"per STM file id, in the STM's order (or give a CTM)")
        hyps = {k: ln.split() for k, ln in zip(refs, lines)}
    ref_words, hyp_words, ids = paired_by_id(refs, hyps, args.hyp, args.ref)
    cleanup = None if args.no_phoenix_cleanup or args.lang != "de" else (args.phoenix_variant or "2014")
    if cleanup is not None:
        hyp_words = [clean_phoenix_ctm(h, cleanup) for h in hyp_words]
    try:
        result = wer(ref_words, hyp_words)
    except ValueError as e:
        raise SignptError(f"{args.ref}: {e}") from None
    out = result.to_dict()
    out["phoenix_cleanup"] = None if cleanup is None else f"{cleanup} (hypotheses only, per CTM word)"
    out["missing_hypotheses"] = sum(1 for k in ids if k not in hyps)
    return out


def score(args: argparse.Namespace) -> dict:
    """Compute the metrics dict of one ``signpt score`` call."""
    if args.task == "retrieval":
        return _score_retrieval(args)
    if args.task == "cslr" and _is_sclite(args.hyp, args.ref):
        return _score_sclite(args)
    hyp, ref = _paired(args.hyp, args.ref)
    if args.task == "slt":
        return translation_scores(hyp, ref, lang=args.lang).to_dict()
    if args.task == "cslr":
        cleanup = None if args.no_phoenix_cleanup or args.lang != "de" else (args.phoenix_variant or "2014T")
        try:
            return wer(ref, hyp, phoenix_cleanup=cleanup).to_dict()
        except ValueError as e:
            raise SignptError(f"{args.ref}: {e}") from None
    # islr
    preds = [ln.split() for ln in hyp]
    labels = [ln.strip() for ln in ref]
    if any(not lab for lab in labels):
        raise SignptError(f"{args.ref}: line {labels.index('') + 1} has no label")
    ks = [1] + ([5] if max(len(p) for p in preds) >= 5 else [])
    return topk_accuracy_from_predictions(preds, labels, ks).to_dict()


def run(args: argparse.Namespace) -> int:
    result = score(args)
    if args.json:
        print(json.dumps({"task": args.task, "hyp": str(args.hyp), "ref": str(args.ref) if args.ref else None, **result},
                         ensure_ascii=False, indent=2))
        return 0
    name = args.hyp.name
    if args.task == "slt":
        text = tables.slt_table({name: result}) + f"\nsacrebleu signature: {result['signature']}\n"
    elif args.task == "cslr":
        text = tables.cslr_table({name: result}) + (
            f"\nS={result['substitutions']} D={result['deletions']} I={result['insertions']} N={result['ref_words']}"
            f"  sub={result['sub']:.2f}% WER={result['wer']:.2f}%  PHOENIX clean-up: {result['phoenix_cleanup'] or 'off'}\n"
        )
    elif args.task == "islr":
        cols = [c for c in tables.ISLR_COLUMNS if c[1] in result]
        text = tables.metrics_table({name: result}, cols) + f"\n{result['num_samples']} samples, {result['num_classes']} classes\n"
    else:
        text = tables.retrieval_table({name: result}) + (
            f"\nqueries: T2V {result['t2v_queries']}, V2T {result['v2t_queries']}; "
            f"mean rank T2V {result['t2v_mnr']:.2f}, V2T {result['v2t_mnr']:.2f}; ties: {result['ties']}\n"
        )
    sys.stdout.write(text)
    return 0
