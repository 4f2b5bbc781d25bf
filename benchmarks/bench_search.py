"""Sign search at scale: text queries against indexes of 10k and 100k clips, first stage on and off.

    .venv/bin/python benchmarks/bench_search.py [--sizes 10000 100000] [--queries 200] [--candidates 1000]
                                                [--checkpoint CKPT] [--word-temperature 0.1] [--threads 1]

Clips have generated features (the scale run needs no corpus): 2000 sentences of 3-8 English words are
encoded by the checkpoint's text side (frozen MiniLM + projector), and each clip of a sentence gets 4-32
segment vectors that walk through its word features in order, plus Gaussian noise (std 0.5 of a feature's
norm / sqrt(d)). Queries are held-out sentences, half of them pool sentences (they have ~N/2000 matching
clips), half new word combinations; each query is text-encoded inside the timed region (no text cache).
Without --checkpoint a pre-training model of the ``tiny`` preset with random weights is used (d_e = 64,
word temperature 0.1 as that preset trains with; its text side is the real MiniLM); a trained checkpoint
(e.g. ``--checkpoint demo/pretrain/seed0``) gives features that tell sentences apart, as real ones do.

Prints per size: memory per clip of the index arrays and of the first stage's centroids, and per mode
(first stage + exact re-rank of the top `candidates`; exact m_ij over all clips) queries/s, p50 / p95
latency (wall clock, and this process's CPU time, which other load on the machine inflates less), and how
often the top-10 equals the exact ranking's top-10 (same ids, same order). The load average is printed
because other processes on the machine slow every figure down.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

WORDS = """time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home
water room mother area money story fact month lot right study book eye job word business issue side kind head
house service friend father power hour game line end member law car city community name president team minute
idea kid body information back parent face others level office door health person art war history party result
change morning reason research girl guy moment air teacher force education foot boy age policy music market
sense nation plan college interest death experience effect class control care field development role effort
rate heart drug show leader light voice wife police mind price report decision son view relationship town road
arm difference value building action model season society tax director position player record paper space
ground form event official matter center couple site project activity star table need court oil situation cost
industry figure street image phone data picture practice piece land product doctor wall patient worker news
test movie north love support technology step baby computer type attention film tree source organization hair
window evidence population truth bed rain snow sun wind cloud storm weather cold warm hot dry wet big small
good bad new old young long short high low early late open close happy sad fast slow go come eat drink sleep
walk run read write speak listen see look give take buy sell help learn teach play sing dance cook drive""".split()


def vocabulary(n: int, rng) -> list[str]:
    return sorted(set(WORDS))[:n]


def sentences(vocab, n, rng) -> list[str]:
    return [" ".join(rng.choice(vocab, int(rng.integers(3, 9)))) for _ in range(n)]


def random_checkpoint(out: Path, word_temperature: float) -> Path:
    from signpt.model.presets import get_preset
    from signpt.model.pretrain import PretrainModel
    from signpt.train.checkpoint import save

    torch.manual_seed(0)
    cfg = get_preset("tiny", word_temperature=word_temperature, text_cache_size=0)
    return save(out, PretrainModel(cfg), step=0, config={"model": cfg.to_dict()})


def generated_index(emb, n_clips: int, pool: list[str], rng):
    from signpt.serve.index import Index
    from signpt.tasks.embed import pooled, vector_lists, vectors

    text = []
    for b in range(0, len(pool), 256):
        text += emb.text(pool[b: b + 256])
    d = text[0].shape[1]
    feats = []
    owner = rng.integers(0, len(pool), n_clips)
    for i in range(n_clips):
        t = text[owner[i]]
        n = int(rng.integers(4, 33))
        pos = np.minimum((np.arange(n) + rng.random(n)) * t.shape[0] / n, t.shape[0] - 1).astype(int)
        scale = np.linalg.norm(t, axis=1).mean() / np.sqrt(d)
        feats.append((t[pos] + rng.normal(0, 0.5 * scale, (n, d))).astype(np.float32))
    table = pa.table({
        "id": pa.array([f"clip{i:07d}" for i in range(n_clips)]),
        "text": pa.array([pool[j] for j in owner]),
        "features": vector_lists(feats, d),
        "pooled": vectors([pooled(f) for f in feats], d),
    })
    return Index.from_table(table)


def run(searcher, queries, first_stage: bool, exact_top=None):
    lat, cpu, tops = [], [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        rows, _ = searcher.search_text(q, 10, first_stage=first_stage)
        lat.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        tops.append(rows.tolist())
    lat, cpu = np.array(lat) * 1000, np.array(cpu) * 1000
    same = None if exact_top is None else float(np.mean([a == b for a, b in zip(tops, exact_top)]) * 100)
    return {"qps": len(queries) / (lat.sum() / 1000), "p50": float(np.percentile(lat, 50)),
            "p95": float(np.percentile(lat, 95)), "cpu50": float(np.percentile(cpu, 50)),
            "cpu95": float(np.percentile(cpu, 95)), "same_top10": same}, tops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--exact-queries", type=int, default=100,
                    help="queries also run with the exact scan (slow at 100k)")
    ap.add_argument("--candidates", type=int, nargs="+", default=[300, 1000])
    ap.add_argument("--checkpoint", help="retrieval / pre-training checkpoint (default: random tiny model)")
    ap.add_argument("--word-temperature", type=float, default=0.1, help="for the default random model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from signpt.serve.search import Searcher
    from signpt.tasks.embed import Embedder

    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = args.checkpoint or random_checkpoint(Path(tmp) / "ckpt", args.word_temperature)
        emb = Embedder.load(ckpt)
    vocab = vocabulary(len(WORDS), rng)
    pool = sentences(vocab, 2000, rng)
    half = args.queries // 2
    queries = list(rng.choice(pool, half, replace=False)) + sentences(vocab, args.queries - half, rng)
    queries = [str(q) for q in queries]
    import os

    print(f"checkpoint: {ckpt if args.checkpoint else 'random tiny pre-training model'} ({emb.kind}), "
          f"torch threads {args.threads}, {len(queries)} queries, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    for n in args.sizes:
        t0 = time.time()
        idx = generated_index(emb, n, pool, rng)
        print(f"\n{n} clips (generated in {time.time() - t0:.0f} s): {idx.features.shape[0]} segment vectors "
              f"of d={idx.features.shape[1]}, {idx.memory_bytes() / n:.0f} bytes per clip")
        exact = Searcher(idx, emb)
        stage1 = exact.centroids.numpy().nbytes + exact.group_weights.numpy().nbytes
        print(f"  first-stage centroids: {stage1 / n:.0f} bytes per clip more")
        sub = queries[: args.exact_queries]
        exact.search_text(sub[0], 10, first_stage=False)  # builds the padded blocks once
        ex, exact_top = run(exact, sub, first_stage=False)
        print(f"  exact m_ij over all clips   {ex['qps']:7.1f} q/s  p50 {ex['p50']:7.1f} ms  p95 {ex['p95']:7.1f} ms"
              f"  (CPU time p50 {ex['cpu50']:.1f} / p95 {ex['cpu95']:.1f} ms)  {len(sub)} queries")
        for c in args.candidates:
            s = Searcher(idx, emb, candidates=c)
            res, _ = run(s, queries, first_stage=True)
            agree, _ = run(s, sub, first_stage=True, exact_top=exact_top)
            print(f"  first stage + re-rank {c:>5}  {res['qps']:7.1f} q/s  p50 {res['p50']:7.1f} ms  p95 "
                  f"{res['p95']:7.1f} ms  (CPU time p50 {res['cpu50']:.1f} / p95 {res['cpu95']:.1f} ms)  "
                  f"top-10 = exact on {agree['same_top10']:.1f}% of {len(sub)} queries")


if __name__ == "__main__":
    main()
