"""``signpt evaluate TASK``: metrics, a paper-style Markdown table and qualitative examples of a task checkpoint."""
from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate", help="evaluate a fine-tuned task checkpoint on a corpus split",
        description="Deterministic evaluation (no random sampling) of a `signpt finetune` checkpoint. Writes "
                    "metrics_SPLIT.json, table_SPLIT.md (laid out like the paper's table for the task), "
                    "examples_SPLIT.md and examples_SPLIT.jsonl (reference vs prediction; retrieval: top-5 per "
                    "query) to --out.",
    )
    p.add_argument("task", choices=("islr", "cslr", "slt", "retrieval"), help="downstream task")
    p.add_argument("--corpus", required=True, help="corpus directory (signpt store)")
    p.add_argument("--checkpoint", required=True, help="task checkpoint (OUT/model of signpt finetune, or OUT)")
    p.add_argument("--split", default="test", choices=("train", "dev", "test"), help="split (default: test)")
    p.add_argument("--source", help="corpus source (default: the one the checkpoint was trained on, else the only "
                                    "one that suits the task); ISLR on another corpus (other people, same signs) "
                                    "matches classes by normalised label name and leaves out unknown labels")
    p.add_argument("--out", help="output directory (default: next to the checkpoint, eval/)")
    p.add_argument("--batch-size", type=int, help="evaluation batch size (results do not depend on it)")
    p.add_argument("--decode", choices=("greedy", "beam"), help="CSLR: CTC decoding (default: the checkpoint's)")
    p.add_argument("--beam-size", type=int, help="SLT: number of beams (default: the checkpoint's, 4)")
    p.add_argument("--phoenix-cleanup", choices=("2014", "2014T"),
                   help="CSLR: apply the PHOENIX gloss clean-up of the official scoring script before WER")
    p.add_argument("--examples", type=int, default=10, help="qualitative examples in the Markdown file")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.tasks import run_evaluation

    result = run_evaluation(args.task, args.corpus, args.checkpoint, split=args.split, out=args.out,
                            source=args.source, batch_size=args.batch_size, decode=args.decode,
                            beam_size=args.beam_size, phoenix_cleanup=args.phoenix_cleanup,
                            num_examples=args.examples)
    if args.json:
        print(json.dumps(result.metrics, indent=2, ensure_ascii=False))
    else:
        print(result.table)
        if result.metrics.get("classes_matched_by"):
            unknown = result.metrics.get("unknown_labels") or {}
            print(f"classes matched by {result.metrics['classes_matched_by']} (another corpus than the model's); "
                  f"{result.metrics['unknown_label_samples']} sample(s) with a label the model does not know were "
                  f"left out" + (": " + ", ".join(f"{k} ({v})" for k, v in list(unknown.items())[:10]) if unknown else ""))
        if "signature" in result.metrics:
            print(f"BLEU signature: {result.metrics['signature']}")
        for name, path in result.files.items():
            print(f"{name}: {path}")
    return 0
