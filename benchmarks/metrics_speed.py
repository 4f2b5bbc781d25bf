"""Speed of signpt.metrics on paper-sized inputs (prints figures; not a test).

Retrieval on a 1000 x 1000 similarity matrix (both directions, vs torchmetrics' RetrievalRecall for R@1 on
T2V), WER with sclite costs on 642 sentence pairs of ~10 glosses (PHOENIX-2014-T test size), BLEU-1/2/4 +
ROUGE-L on 642 sentences of ~14 words.
"""
from __future__ import annotations

import random
import time

import torch

from signpt.metrics import retrieval_scores, translation_scores, wer


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    g = torch.Generator().manual_seed(0)
    sim = torch.randn(1000, 1000, generator=g) + 2 * torch.eye(1000)
    print(f"retrieval 1000x1000, both directions: {1000 * _time(lambda: retrieval_scores(sim)):.1f} ms")
    try:
        from torchmetrics.retrieval import RetrievalRecall

        idx = torch.arange(1000)[:, None].expand(1000, 1000).reshape(-1)
        target = torch.eye(1000, dtype=torch.bool).reshape(-1)
        m = RetrievalRecall(top_k=1)
        print(f"torchmetrics RetrievalRecall@1, one direction: {1000 * _time(lambda: m(sim.reshape(-1), target, indexes=idx), 1):.1f} ms")
    except ImportError:
        pass
    rng = random.Random(0)
    vocab = [f"G{i}" for i in range(300)]
    refs = [" ".join(rng.choices(vocab, k=rng.randint(5, 15))) for _ in range(642)]
    hyps = [" ".join(w if rng.random() > 0.2 else rng.choice(vocab) for w in r.split()) for r in refs]
    print(f"WER (4/3/3, backtrace) on 642 sentences: {1000 * _time(lambda: wer(refs, hyps)):.1f} ms")
    words = [f"w{i}" for i in range(2000)]
    refs = [" ".join(rng.choices(words, k=14)) for _ in range(642)]
    hyps = [" ".join(w if rng.random() > 0.3 else rng.choice(words) for w in r.split()) for r in refs]
    print(f"BLEU-1/2/4 + ROUGE-L on 642 sentences: {1000 * _time(lambda: translation_scores(hyps, refs)):.1f} ms")


if __name__ == "__main__":
    main()
