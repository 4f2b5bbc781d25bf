"""Where the ISLR errors of a `signpt demo` run are: per test signer, pre-trained against scratch.

    python benchmarks/islr_by_signer.py DEMO_OUT [--split test]

Reads DEMO_OUT/finetune/islr/{pretrained,scratch}/seed<S>/eval/examples_<split>.jsonl (one line per test clip:
reference, prediction) and the corpus's signer column, and prints per signer and seed the error count of each
variant, the errors both variants make, and, for the synthetic corpus, the signer's handedness as the generator
drew it (``make_signer``: 15 % of signers are left-handed, i.e. sign with the left hand dominant).

With --mirror it also re-scores each fine-tuned ISLR model on the same clips mirrored left-right
(``signpt.pose.mirror``: x -> 1 - x, left and right points swapped): a signer whose accuracy rises when mirrored
is failed for the hand they sign with, not for what they sign.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def read_examples(path: Path) -> dict[str, bool]:
    """{clip id: correct} of one evaluation's examples file."""
    with open(path, encoding="utf-8") as f:
        return {r["id"]: bool(r["correct"]) for r in map(json.loads, f)}


def by_signer(correct: dict[str, bool], signer_of: dict[str, str]) -> dict[str, tuple[int, int]]:
    """{signer: (errors, clips)}."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for cid, ok in correct.items():
        row = out[signer_of[cid]]
        row[0] += not ok
        row[1] += 1
    return {s: (e, n) for s, (e, n) in sorted(out.items())}


def handedness(signers, corpus_dir: Path) -> dict[str, str]:
    """'left' / 'right' per synthetic signer id (the generator's draw at the corpus's seed and profile); {} for a
    corpus that signpt synth did not make."""
    from signpt.data.synth.generate import PRESETS, make_signers

    info = corpus_dir.parent / "synth.json"  # written by signpt synth: preset, seed, profile
    if not info.is_file():
        return {}
    d = json.loads(info.read_text())
    drawn = make_signers(PRESETS[d.get("preset", "small")], int(d.get("seed", 0)), d.get("profile", "wholebody"))
    hand = {g.id: "left" if g.left_handed else "right" for groups in drawn.values() for gs in groups.values()
            for g in gs}
    return {s: hand[s] for s in signers if s in hand}


def mirrored_accuracy(checkpoint: Path, view, signer_of: dict[str, str]) -> dict[str, tuple[float, float]]:
    """{signer: (top-1 % as is, top-1 % mirrored)} of one ISLR checkpoint on `view` (test-time sampling)."""
    from dataclasses import replace

    import torch

    from signpt.pose.mirror import mirror_k79
    from signpt.tasks.common import eval_batches, load_task_model, task_config

    model, _ = load_task_model(checkpoint, "islr")
    hits: dict[str, list[list[int]]] = defaultdict(lambda: [[], []])
    with torch.no_grad():
        for batch in eval_batches(view, task_config("islr", "tiny")):
            pose, conf = mirror_k79(batch.pose, batch.confidence)
            flipped = replace(batch, pose=pose, confidence=conf)
            for k, b in enumerate((batch, flipped)):
                right = (model.logits(b).argmax(-1) == b.labels).tolist()
                for cid, ok in zip(b.ids, right):
                    hits[signer_of[cid]][k].append(ok)
    return {s: (100 * sum(a) / len(a), 100 * sum(m) / len(m)) for s, (a, m) in sorted(hits.items())}


def main(argv=None) -> int:
    from signpt.data.store import Corpus

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("demo", type=Path)
    ap.add_argument("--split", default="test")
    ap.add_argument("--mirror", action="store_true", help="also score every ISLR model on the clips mirrored")
    a = ap.parse_args(argv)
    corpus_dir = a.demo / "synth" / "corpus"
    view = Corpus(corpus_dir).filter(source="synth-islr", split=a.split)
    signer_of = dict(zip(view.column("id"), view.column("signer")))
    hand = handedness(sorted(set(signer_of.values())), corpus_dir)
    root = a.demo / "finetune" / "islr"
    seeds = sorted(int(p.name[4:]) for p in (root / "pretrained").glob("seed*"))
    total = defaultdict(lambda: [0, 0, 0, 0])  # signer -> pre-trained errors, scratch errors, both, clips
    for s in seeds:
        ex = {v: read_examples(root / v / f"seed{s}" / "eval" / f"examples_{a.split}.jsonl")
              for v in ("pretrained", "scratch")}
        both = {c for c in ex["pretrained"] if not ex["pretrained"][c] and not ex["scratch"].get(c, True)}
        pre, scr = by_signer(ex["pretrained"], signer_of), by_signer(ex["scratch"], signer_of)
        for sig, (e, n) in pre.items():
            b = sum(1 for c in both if signer_of[c] == sig)
            t = total[sig]
            t[0] += e
            t[1] += scr[sig][0]
            t[2] += b
            t[3] += n
    print(f"# ISLR errors per {a.split} signer, seeds {', '.join(map(str, seeds))} summed\n")
    print("signer | hand | clips | pre-trained errors | scratch errors | both wrong")
    print("--- | --- | ---: | ---: | ---: | ---:")
    for sig, (p, s, b, n) in sorted(total.items()):
        print(f"{sig} | {hand.get(sig, '?')} | {n} | {p} ({100 * p / n:.1f} %) | {s} ({100 * s / n:.1f} %) | {b}")
    p, s, n = (sum(t[i] for t in total.values()) for i in (0, 1, 3))
    print(f"all | | {n} | {p} ({100 * p / n:.1f} %) | {s} ({100 * s / n:.1f} %) | {sum(t[2] for t in total.values())}")
    if a.mirror:
        from signpt.pipeline.report import fmt_values

        print(f"\n# ISLR top-1 (%) per {a.split} signer, as is -> mirrored left-right; mean (min-max) over seeds\n")
        print("signer | hand | pre-trained | scratch\n--- | --- | --- | ---")
        acc = {v: [mirrored_accuracy(root / v / f"seed{s}" / "model", view, signer_of) for s in seeds]
               for v in ("pretrained", "scratch")}
        fmt = lambda xs: fmt_values(xs, 1)  # noqa: E731
        for sig in sorted(total):
            cells = [f"{fmt([r[sig][0] for r in acc[v]])} -> {fmt([r[sig][1] for r in acc[v]])}" for v in acc]
            print(f"{sig} | {hand.get(sig, '?')} | " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
