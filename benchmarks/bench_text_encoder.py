"""Cost of encoding each text alone (what ``signpt.model.text.TextEncoder`` does, so that a text's features
never depend on its batch) against one padded batch, for the frozen MiniLM on the CPU, and how far the padded
batch's features drift from the unpadded ones.

The features are cached per (text, language), so the one-by-one cost is paid once per distinct text and run.

    .venv/bin/python benchmarks/bench_text_encoder.py [--texts 256 --threads 1 --corpus DIR]
"""
from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--corpus", default=None, help="read the texts from this corpus (default: generated ones)")
    args = ap.parse_args()
    import torch

    from signpt.model.text import TextEncoder

    torch.set_num_threads(args.threads)
    if args.corpus:
        from signpt.data.store import Corpus

        texts = [t for t in dict.fromkeys(Corpus(args.corpus).column("text")) if t][: args.texts]
    else:
        import random

        words = "the weather tomorrow rain sun wind north south cold warm cloud snow".split()
        rng = random.Random(0)
        texts = [" ".join(rng.choices(words, k=rng.randint(2, 20))) for _ in range(args.texts)]
    enc = TextEncoder("minilm", cache_size=0)
    ids = [enc.token_ids(t, "en") for t in texts]
    enc._encode(ids[:4])  # warm-up
    t0 = time.perf_counter()
    alone = enc._encode(ids)
    t_alone = time.perf_counter() - t0

    pad = enc.tokenizer.pad_token_id or 0
    length = max(len(i) for i in ids)
    input_ids = torch.full((len(ids), length), pad, dtype=torch.long)
    attention = torch.zeros((len(ids), length), dtype=torch.long)
    for r, row in enumerate(ids):
        input_ids[r, : len(row)] = torch.as_tensor(row)
        attention[r, : len(row)] = 1
    t0 = time.perf_counter()
    with torch.no_grad():
        hidden = enc.hf_model(input_ids=input_ids, attention_mask=attention).last_hidden_state
    t_batch = time.perf_counter() - t0
    drift = max(float((hidden[r, : len(row)] - alone[r]).abs().max()) for r, row in enumerate(ids))
    print(f"{len(texts)} texts, {min(map(len, ids))}-{length} tokens, {args.threads} thread(s)")
    print(f"one by one (unpadded): {1000 * t_alone / len(texts):.2f} ms/text, {t_alone:.2f} s")
    print(f"one padded batch:      {1000 * t_batch / len(texts):.2f} ms/text, {t_batch:.2f} s")
    print(f"largest difference of the padded batch's features from the unpadded ones: {drift:.2e}")


if __name__ == "__main__":
    main()
