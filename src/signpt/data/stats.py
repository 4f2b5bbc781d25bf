"""Corpus statistics as in the paper: Table I (overall), Table II (per sign language), Fig. 3 (durations).

Everything is computed from metadata columns (``Corpus.column``), without reading keypoints.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np

from signpt.atomic import atomic_path


def _group_stats(mask: np.ndarray, cols: dict) -> dict:
    idx = np.flatnonzero(mask)
    texts = {cols["text"][i] for i in idx if cols["text"][i]}
    signers = {(cols["source"][i], cols["signer"][i]) for i in idx if cols["signer"][i] is not None}
    paired = int(cols["paired"][idx].sum())
    return {
        "samples": int(len(idx)),
        "paired": paired,
        "unpaired": int(len(idx)) - paired,
        "sentences": len(texts),
        "duration_hours": float(cols["duration"][idx].sum() / 3600.0),
        "frames": int(cols["num_frames"][idx].sum()),
        "signers": len(signers),
        "sources": sorted({cols["source"][i] for i in idx}),
        "spoken_languages": sorted({cols["spoken_language"][i] for i in idx}),
        "splits": dict(sorted(Counter(cols["split"][i] for i in idx).items())),
    }


def corpus_stats(corpus) -> dict:
    """Statistics of a corpus (or view): ``{"total": {...}, "by_source": {name: {...}},
    "by_sign_language": {lang: {...}}}``, each group with samples, paired, unpaired, sentences (distinct
    non-empty texts), duration_hours, frames, signers (distinct (source, signer) pairs: signer ids are only
    unique within a source), sources, spoken_languages and per-split sample counts."""
    cols = {n: corpus.column(n) for n in ("source", "sign_language", "spoken_language", "split", "text",
                                          "signer", "num_frames", "duration", "paired")}
    n = len(corpus)
    out = {"total": _group_stats(np.ones(n, dtype=bool), cols), "by_source": {}, "by_sign_language": {}}
    for key, name in (("by_source", "source"), ("by_sign_language", "sign_language")):
        values = np.array(cols[name], dtype=object)
        for v in sorted(set(cols[name])):
            out[key][v] = _group_stats(values == v, cols)
    return out


def _count(n: float) -> str:
    """Counts as the paper writes them: exact with separators below 10k, else rounded to k."""
    return f"{n:,}" if n < 10_000 else f"{round(n / 1000):,}k"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def format_tables(stats: dict, name: str = "corpus") -> str:
    """Plain-text tables laid out like the paper's Table I (overall) and Table II (per sign language),
    plus the same figures per source."""
    t = stats["total"]
    table1 = _table([f"{name}", ""], [
        ["signers", f"{t['signers']:,}"],
        ["duration", f"{t['duration_hours']:,.2f} h"],
        ["paired samples", f"{t['paired']:,}"],
        ["unpaired samples", f"{t['unpaired']:,}"],
        ["total samples", f"{t['samples']:,}"],
    ])
    langs = list(stats["by_sign_language"])
    by = stats["by_sign_language"]
    table2 = _table([""] + langs, [
        ["#samples"] + [_count(by[l]["samples"]) for l in langs],
        ["#sentences"] + [_count(by[l]["sentences"]) for l in langs],
        ["sources"] + [", ".join(by[l]["sources"]) for l in langs],
        ["spoken"] + [", ".join(by[l]["spoken_languages"]) for l in langs],
        ["duration (h)"] + [f"{by[l]['duration_hours']:.2f}" for l in langs],
        ["signers"] + [f"{by[l]['signers']:,}" for l in langs],
    ])
    src = stats["by_source"]
    table3 = _table(["source", "samples", "paired", "unpaired", "sentences", "hours", "signers", "splits"], [
        [s, f"{v['samples']:,}", f"{v['paired']:,}", f"{v['unpaired']:,}", f"{v['sentences']:,}",
         f"{v['duration_hours']:.2f}", f"{v['signers']:,}",
         " ".join(f"{k}={n}" for k, n in v["splits"].items())] for s, v in src.items()
    ])
    return (f"Table I: statistics of {name}\n{table1}\n\n"
            f"Table II: data per sign language\n{table2}\n\n"
            f"Per source\n{table3}\n")


def duration_histogram(corpus, png_path: str | os.PathLike, bins: int = 40) -> Path:
    """Histogram of sample lengths in frames (the paper's Fig. 3), written atomically as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = np.asarray(corpus.column("num_frames"))
    png_path = Path(png_path)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    if len(frames):
        ax.hist(frames, bins=np.linspace(0, max(int(frames.max()), 1) + 1, bins + 1), color="#3b75af",
                edgecolor="white", linewidth=0.5)
    ax.set_xlabel("sample duration (frames)")
    ax.set_ylabel("number of samples")
    ax.set_title("Distribution over sample durations")
    fig.tight_layout()
    try:
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return png_path
