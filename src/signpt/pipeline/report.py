"""The demo's ``report.md``: per-task tables in the paper's layout (pre-trained vs scratch, mean and min–max
over seeds), a headline comparison, qualitative examples (Tables XX-XXI style), training curves and rendered
poses.

Input: the demo's record (``OUT/results.json``): {"config", "seeds", "corpus", "pretrain": [dirs],
"timings_s", "runs": [{"task", "variant", "seed", "out", "metrics": {split: {metric: value}}}]}. Every
function here reads only that record and the files the runs wrote, so the report can be rebuilt without
training (``write_report``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from signpt.pipeline.stages import write_json
from signpt.atomic import write_text
from signpt.tasks.common import TASKS

ROWS = (("pretrained", "Pre-trained"), ("scratch", "Scratch"))
HEADLINE = {  # task -> (metric key, label, higher is better)
    "islr": ("per_instance_top1", "per-instance top-1 (%)", True),
    "cslr": ("wer", "WER (%)", False),
    "slt": ("bleu4", "BLEU-4", True),
    "retrieval": ("t2v_r1", "T2V R@1 (%)", True),
}
TASK_NAMES = {"islr": "ISLR", "cslr": "CSLR", "slt": "Gloss-free SLT", "retrieval": "Sign-text retrieval"}
DIGITS = {"islr": 2, "cslr": 1, "slt": 2, "retrieval": 1}


# ---------------------------------------------------------------------------------------------------------
# numbers


def collect(runs: list[dict]) -> dict:
    """{task: {variant: {split: {metric: [value per seed, in seed order]}}}}."""
    out: dict = {}
    for r in sorted(runs, key=lambda r: r["seed"]):
        for split, metrics in r["metrics"].items():
            cell = out.setdefault(r["task"], {}).setdefault(r["variant"], {}).setdefault(split, {})
            for k, v in metrics.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    cell.setdefault(k, []).append(float(v))
    return out


def summarise(values: list[float]) -> dict:
    a = np.asarray(values, float)
    return {"mean": float(a.mean()), "min": float(a.min()), "max": float(a.max()), "n": len(a)}


def cell(values: list[float], digits: int) -> float | str:
    """One seed: the number; several: "mean (min–max)"."""
    if len(values) == 1:
        return values[0]
    s = summarise(values)
    return f"{s['mean']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def fmt_values(values: list[float], digits: int) -> str:
    c = cell(values, digits)
    return c if isinstance(c, str) else f"{c:.{digits}f}"


def table_rows(task: str, data: dict) -> dict:
    """Rows for ``signpt.metrics.tables``: {"Pre-trained": {split: metrics}, "Scratch": ...}."""
    digits = DIGITS[task]
    rows = {}
    for variant, name in ROWS:
        splits = data.get(variant, {})
        row = {}
        for split, metrics in splits.items():
            m = {k: cell(v, digits) for k, v in metrics.items()}
            if task == "cslr":  # del/ins cells need numbers: means
                for k in ("del", "ins"):
                    if k in metrics:
                        m[k] = float(np.mean(metrics[k]))
            row[split] = m
        rows[name] = row
    return rows


def task_table(task: str, data: dict, corpus_note: str = "") -> str:
    from signpt.tasks.common import task_module

    title = f"{TASK_NAMES[task]}{corpus_note}"
    return task_module(task).table(table_rows(task, data), title=title)


def headline(data: dict, split: str = "test") -> tuple[str, dict]:
    """(Markdown table, verdict per task). Pre-training is "ahead" when its mean is better; "beyond the seed
    spread" when its worst seed beats scratch's best seed (needs 2+ seeds)."""
    lines = ["| Task | Metric | Pre-trained | Scratch | Δ (pre-trained − scratch) | Pre-training ahead? |",
             "| --- | --- | ---: | ---: | ---: | --- |"]
    verdicts = {}
    for task in TASKS:
        key, label, higher = HEADLINE[task]
        try:
            pre = data[task]["pretrained"][split][key]
            scr = data[task]["scratch"][split][key]
        except KeyError:
            continue
        p, s = summarise(pre), summarise(scr)
        delta = p["mean"] - s["mean"]
        better = delta > 0 if higher else delta < 0
        beyond = (p["min"] > s["max"]) if higher else (p["max"] < s["min"])
        n = min(p["n"], s["n"])
        if not better:
            verdict = "no"
        elif n < 2:
            verdict = "yes (1 seed)"
        elif beyond:
            verdict = f"yes, beyond the spread of {n} seeds"
        else:
            verdict = f"yes on the mean, within the spread of {n} seeds"
        verdicts[task] = {"metric": key, "pretrained": p, "scratch": s, "delta": delta, "ahead": better,
                          "beyond_spread": bool(beyond and n >= 2)}
        d = DIGITS[task]
        lines.append(f"| {TASK_NAMES[task]} | {label} | {fmt_values(pre, d)} | {fmt_values(scr, d)} "
                     f"| {delta:+.{d}f} | {verdict} |")
    return "\n".join(lines) + "\n", verdicts


# ---------------------------------------------------------------------------------------------------------
# examples


def _examples(run_out: str, split: str = "test") -> list[dict]:
    f = Path(run_out) / "eval" / f"examples_{split}.jsonl"
    if not f.exists():
        return []
    return [json.loads(line) for line in f.read_text().splitlines() if line.strip()]


def _pair(runs: list[dict], task: str, split: str = "test") -> tuple[list[dict], list[dict]]:
    """Examples of seed 0, pre-trained and scratch."""
    def pick(variant):
        for r in runs:
            if r["task"] == task and r["variant"] == variant and r["seed"] == 0:
                return _examples(r["out"], split)
        return []
    return pick("pretrained"), pick("scratch")


def _esc(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def sequence_examples(task: str, runs: list[dict], limit: int) -> str:
    """SLT / CSLR: Reference, Scratch (the paper's "Baseline") and Pre-trained ("Ours") per sample, as the
    paper's Tables XX (SLT) and XXI (CSLR)."""
    pre, scr = _pair(runs, task)
    scr_by_id = {e["id"]: e for e in scr}
    col = "Sentence" if task == "slt" else "Glosses"
    lines = [f"| | {col} |", "| --- | --- |"]
    for ex in pre[:limit]:
        lines.append(f"| Reference ({_esc(ex['id'])}) | {_esc(ex['reference'])} |")
        lines.append(f"| Scratch | {_esc(scr_by_id.get(ex['id'], {}).get('prediction', '-'))} |")
        lines.append(f"| Pre-trained | {_esc(ex['prediction'])} |")
    notes = []
    for name, exs in (("Pre-trained", pre), ("Scratch", scr)):
        distinct = {e.get("prediction") for e in exs}
        if len(exs) > 1 and len(distinct) == 1:
            notes.append(f"{name} outputs the same {col.lower()} for all {len(exs)} test samples "
                         "(collapsed: the budget is too small for this task).")
    return "\n".join(lines) + "\n" + ("\n" + " ".join(notes) + "\n" if notes else "")


def _spread(items: list, limit: int) -> list:
    """`limit` items evenly spaced over `items` (first and last included): examples from across the split,
    not only its first signer."""
    if len(items) <= limit:
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, limit).round().astype(int)]


def islr_examples(runs: list[dict], limit: int) -> str:
    pre, scr = _pair(runs, "islr")
    scr_by_id = {e["id"]: e for e in scr}

    def top(ex, ref):
        if not ex:
            return "-"
        return ", ".join(f"{'**' if n == ref else ''}{_esc(n)}{'**' if n == ref else ''} ({p:.2f})"
                         for n, p in ex["top5"])

    lines = ["| Sample | Reference | Pre-trained top-5 (probability) | Scratch top-5 (probability) |",
             "| --- | --- | --- | --- |"]
    for ex in _spread(pre, limit):
        lines.append(f"| {_esc(ex['id'])} | {_esc(ex['reference'])} | {top(ex, ex['reference'])} "
                     f"| {top(scr_by_id.get(ex['id']), ex['reference'])} |")
    return "\n".join(lines) + "\n"


def retrieval_examples(runs: list[dict], limit: int) -> str:
    """Text-to-video: the top-5 videos for a query text, each shown by its own sentence; the right one bold."""
    pre, scr = _pair(runs, "retrieval")
    pre = [e for e in pre if e.get("direction") == "t2v"]
    scr_by_q = {e["id"]: e for e in scr if e.get("direction") == "t2v"}

    def top(ex):
        if not ex:
            return "-"
        return "<br>".join(f"{i + 1}. {'**' if vid == ex['id'] else ''}{_esc(txt)}{'**' if vid == ex['id'] else ''}"
                           f" ({s:.2f})" for i, (vid, txt, s) in enumerate(ex["top5"]))

    lines = ["| Query text | Pre-trained top-5 videos (their sentence, similarity) | Scratch top-5 |",
             "| --- | --- | --- |"]
    for ex in pre[:limit]:
        lines.append(f"| {_esc(ex['query'])} | {top(ex)} | {top(scr_by_q.get(ex['id']))} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# figures


def _save_fig(fig, path: Path) -> Path:
    import os

    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def _smooth(y: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or len(y) < k:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    head = c[1:k] / np.arange(1, k)
    return np.concatenate([head, (c[k:] - c[:-k]) / k])


def _log(run_out: str) -> list[dict]:
    from signpt.train.loop import read_log

    f = Path(run_out) / "train_log.csv"
    return read_log(f) if f.exists() else []


def plot_pretraining(pretrain_dirs: list[str], path: Path) -> Path | None:
    """Pre-training loss and its parts (L_PR, L_STC) per step, one line per seed (smoothed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logs = [(d, _log(d)) for d in pretrain_dirs]
    logs = [(d, rows) for d, rows in logs if rows]
    if not logs:
        return None
    parts = [k for k in ("loss", "loss_pr", "loss_stc") if k in logs[0][1][0]]
    fig, axes = plt.subplots(1, len(parts), figsize=(4.2 * len(parts), 3.2), squeeze=False)
    titles = {"loss": "total L = L_PR + λ L_STC", "loss_pr": "L_PR (pose reconstruction)",
              "loss_stc": "L_STC (sign-text contrastive)"}
    for ax, k in zip(axes[0], parts):
        for i, (d, rows) in enumerate(logs):
            steps = np.array([r["step"] for r in rows])
            y = np.array([r[k] for r in rows], float)
            ax.plot(steps, y, color=f"C{i}", alpha=0.25, lw=0.8)
            ax.plot(steps, _smooth(y, max(1, len(y) // 30)), color=f"C{i}", lw=1.6, label=f"seed {i}")
        ax.set_title(titles.get(k, k), fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if len(logs) > 1:
        axes[0][0].legend(fontsize=8)
    fig.suptitle("Pre-training", fontsize=11)
    return _save_fig(fig, path)


def plot_finetuning(runs: list[dict], path: Path) -> Path | None:
    """Fine-tuning loss per step, pre-trained vs scratch, one panel per task (every seed a line)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(TASKS), figsize=(4.0 * len(TASKS), 3.2), squeeze=False)
    any_line = False
    colours = {"pretrained": "C0", "scratch": "C1"}
    names = dict(ROWS)
    for ax, task in zip(axes[0], TASKS):
        labelled = set()
        for r in sorted((r for r in runs if r["task"] == task), key=lambda r: (r["variant"], r["seed"])):
            rows = _log(r["out"])
            if not rows:
                continue
            steps = np.array([x["step"] for x in rows])
            y = np.array([x["loss"] for x in rows], float)
            label = names[r["variant"]] if r["variant"] not in labelled else None
            labelled.add(r["variant"])
            ax.plot(steps, _smooth(y, max(1, len(y) // 25)), color=colours[r["variant"]], lw=1.4, alpha=0.9,
                    label=label)
            any_line = True
        ax.set_title(TASK_NAMES[task], fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if labelled:
            ax.legend(fontsize=8)
    axes[0][0].set_ylabel("training loss")
    fig.suptitle("Fine-tuning: pre-trained vs scratch (same seeds and budget)", fontsize=11)
    if not any_line:
        plt.close(fig)
        return None
    return _save_fig(fig, path)


def render_samples(corpus_dir: str, runs: list[dict], out_dir: Path, count: int) -> list[tuple[Path, str]]:
    """PNG frame grids of a few test samples (half isolated signs, half sentences) with a caption holding
    the reference and the pre-trained model's prediction. Returns [(png, caption)]."""
    from signpt.data.store import Corpus
    from signpt.pose import render
    from signpt.pose.sequence import PoseSequence

    if count <= 0:
        return []
    corpus = Corpus(corpus_dir)
    preds = {}
    for task in ("islr", "slt"):
        pre, _ = _pair(runs, task)
        preds[task] = {e["id"]: e.get("prediction") for e in pre}
    picks = []
    for task, n in (("islr", (count + 1) // 2), ("slt", count // 2)):
        try:
            from signpt.tasks.common import resolve_source
            view = corpus.filter(source=resolve_source(corpus, task), split="test")
        except Exception:
            continue
        for i in _spread(list(range(len(view))), n):
            picks.append((task, view[i]))
    out = []
    for task, s in picks:
        seq = PoseSequence(keypoints=np.asarray(s.keypoints, np.float32), confidence=np.asarray(s.confidence, np.float32),
                           fps=float(s.fps), layout="k79", frame_size=tuple(int(v) for v in s.frame_size),
                           source=s.id)
        name = s.id.replace("/", "_")
        png = render(seq, out_dir / f"{name}.png", size=480, grid_frames=8)
        ref = s.text if task == "slt" else " ".join(s.gloss or []) or str(s.label)
        pred = preds[task].get(s.id)
        caption = (f"`{s.id}` (signer {s.signer}, {s.keypoints.shape[0]} frames): reference “{ref}”"
                   + (f"; pre-trained {'translation' if task == 'slt' else 'prediction'} “{pred}”" if pred else ""))
        out.append((png, caption))
    return out


# ---------------------------------------------------------------------------------------------------------
# the report


def _fmt_s(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


def build_report(out: Path, record: dict, *, figures: bool = True) -> str:
    """Markdown text of the report (writes the figures and rendered poses under `out` when `figures`)."""
    out = Path(out)
    cfg, seeds, runs = record["config"], record["seeds"], record["runs"]
    data = collect(runs)
    splits = list(cfg.get("splits") or ["test"])
    head_split = "test" if "test" in splits else splits[-1]
    head, verdicts = headline(data, head_split)
    recipe = record.get("recipe")
    tasks = [t for t in TASKS if t in data]
    if recipe:
        lines = ["# signpt demo report", ""]
        if _is_real(record):
            lines += ["## Real data", "", corpus_summary(record["corpus"]), ""]
        what = f"Corpus curated from the recipe `{recipe}` into `{record['corpus']}`"
    else:
        lines = ["# signpt demo report", ""]
        what = (f"Synthetic corpus `{cfg['synth_preset']}` (seed {cfg['synth_seed']}), curated through its recipe "
                f"into `{record['corpus']}`")
    lines += [
        f"{what}; `{cfg['model_preset']}` model pre-trained with "
        f"{', '.join(f'{k}={v}' for k, v in cfg['pretrain'].items())}; each task fine-tuned twice with the same "
        f"seed and budget — from the pre-trained encoder, and from scratch (same architecture, random weights) — "
        f"and evaluated on splits {', '.join(splits)}, whose signers appear nowhere in pre-training or training.",
        "",
        f"Seeds: {seeds}" + (" (each seed varies pre-training and fine-tuning; cells are mean (min–max))"
                             if seeds > 1 else " (run `signpt demo --seeds 3` for mean and min–max over seeds)") + ".",
        "",
        "## Pre-trained vs scratch",
        "",
        f"Headline metric per task ({head_split} split):",
        "",
        head,
    ]
    ahead = [t for t, v in verdicts.items() if v["ahead"]]
    lines.append(f"Pre-training is ahead on {len(ahead)} of {len(verdicts)} tasks"
                 + (f" ({', '.join(TASK_NAMES[t] for t in ahead)})." if ahead else "."))
    lines.append("")
    budget = ", ".join(f"{t} {e} epochs" for t, e in cfg["finetune_epochs"].items() if t in tasks)
    lines += [f"Fine-tuning budget (`tiny` task presets): {budget}.", ""]
    skipped = record.get("skipped_tasks") or {}
    if skipped:
        lines += ["Not fine-tuned, for want of training data in the corpus: "
                  + ", ".join(TASK_NAMES[t] for t in skipped) + " (`results.json` says why).", ""]
    lines += ["## Results per task (paper layout)", ""]
    for task in tasks:
        lines += [task_table(task, data[task]), ""]
    sources = _task_sources(record["corpus"], tasks)
    notes = {"islr": "ISLR: accuracy (%)", "cslr": "CSLR: WER with deletion/insertion rates (%)",
             "slt": "SLT: BLEU and ROUGE-L (%)",
             "retrieval": "retrieval: recall at K (%) and median rank over the split's sign-text pairs, ties counted "
                          "as CLIP4Clip's / CiCo's compute_metrics counts them (every position holding the correct "
                          "score is an entry)"}
    lines += ["; ".join(notes[t] + (f" on {sources[t]}" if sources.get(t) else "") for t in tasks) + ".", ""]
    lines += ["## Qualitative examples (test split, seed 0)", ""]
    n = int(cfg.get("examples", 5))
    if "slt" in tasks:
        lines += ["### Gloss-free SLT (as Table XX)", "", sequence_examples("slt", runs, n), ""]
    if "cslr" in tasks:
        lines += ["### CSLR (as Table XXI)", "", sequence_examples("cslr", runs, n), ""]
    if "islr" in tasks:
        lines += ["### ISLR top-5 (the reference in bold)", "", islr_examples(runs, n), ""]
    if "retrieval" in tasks:
        lines += ["### Text-to-video retrieval top-5 (the paired video in bold)", "", retrieval_examples(runs, n), ""]
    if figures:
        lines += ["## Training curves", ""]
        p = plot_pretraining(record.get("pretrain", []), out / "plots" / "pretrain_loss.png")
        if p:
            lines += [f"![pre-training losses]({p.relative_to(out)})", ""]
        f = plot_finetuning(runs, out / "plots" / "finetune_loss.png")
        if f:
            lines += [f"![fine-tuning losses]({f.relative_to(out)})", ""]
        rendered = render_samples(record["corpus"], runs, out / "poses", int(cfg.get("render_samples", 0)))
        if rendered:
            lines += ["## Test samples (rendered poses, 8 frames each)", ""]
            for png, caption in rendered:
                lines += [f"![{png.stem}]({png.relative_to(out)})", "", caption, ""]
    lines += real_pose_section(record.get("pretrain", []))
    timings = record.get("timings_s") or {}
    if timings:
        lines += ["## Time", "", "| Stage | Time |", "| --- | ---: |"]
        lines += [f"| {k} | {_fmt_s(v)} |" for k, v in timings.items()]
        lines += ["", "Stages already finished in an earlier run of the same settings are reused (near 0 s).", ""]
    lines += ["Per-run files: `finetune/<task>/<pretrained|scratch>/seed<S>/eval/` (metrics JSON, tables, "
              "examples); every number above is in `results.json`.", ""]
    return "\n".join(lines)


def _task_sources(corpus_dir: str, tasks) -> dict[str, str]:
    """{task: the corpus source it was fine-tuned on} (empty where it cannot be told)."""
    from signpt.data.store import Corpus
    from signpt.errors import SignptError
    from signpt.tasks.common import resolve_source

    try:
        corpus = Corpus(corpus_dir)
    except (SignptError, OSError):
        return {}
    out = {}
    for t in tasks:
        try:
            out[t] = resolve_source(corpus, t)
        except SignptError:
            pass
    return out


def corpus_summary(corpus_dir: str) -> str:
    """Samples, signers and ISLR classes per source and split, as a Markdown table."""
    from signpt.data.store import Corpus

    c = Corpus(corpus_dir)
    src, split, signer, label = (c.column(k) for k in ("source", "split", "signer", "label"))
    rows = {}
    for so, sp, si, la in zip(src, split, signer, label.tolist()):
        r = rows.setdefault((so, sp), [0, set(), set()])
        r[0] += 1
        r[1].add(si)
        if la >= 0:
            r[2].add(la)
    order = {s: i for i, s in enumerate(("pretrain", "train", "dev", "test"))}
    lines = ["| Source | Split | Samples | Signers | Classes |", "| --- | --- | ---: | ---: | ---: |"]
    for (so, sp), (n, signers, classes) in sorted(rows.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))):
        lines.append(f"| {so} | {sp} | {n:,} | {len(signers - {None})} | {len(classes) or '-'} |")
    seen = set().union(*(r[1] for (so, sp), r in rows.items() if sp in ("pretrain", "train")))
    held = set().union(*(r[1] for (so, sp), r in rows.items() if sp in ("dev", "test")))
    shared = sorted(str(x) for x in (seen & held) - {None})
    note = ("No dev or test signer appears in a pre-training or training sample." if not shared else
            f"{len(shared)} signer(s) appear in both training and evaluation splits: {', '.join(shared[:5])}.")
    return "\n".join(lines) + "\n\n" + note


def _is_real(record: dict) -> bool:
    """True unless every sample of the corpus comes from the synthetic generator (its sources are synth*)."""
    from signpt.data.store import Corpus
    from signpt.errors import SignptError

    try:
        sources = set(Corpus(record["corpus"]).column("source"))
    except (SignptError, OSError, KeyError):
        return True
    return not all(s.startswith("synth") for s in sources)


REAL_POSES_HEADING = "## Real poses (not synthetic): cross-alphabet fingerspelling retrieval"


def real_pose_section(pretrain_dirs: list[str], data_dir=None) -> list[str]:
    """Report lines: letter retrieval on the real MediaPipe fingerspelling clips of the shared test data
    (``signpt.pipeline.real_poses``) for the raw pose, random-weight encoders (seed s for each pre-training
    seed s) and the pre-trained encoders. Skipped, saying why, when the clips or encoders cannot be read."""
    from signpt.errors import SignptError
    from signpt.pipeline import real_poses as RP

    lines = [REAL_POSES_HEADING, ""]
    try:
        clips = RP.load_letters(data_dir)
    except (SignptError, OSError) as e:
        return lines + [f"Not measured: the real clips cannot be read ({e}).", ""]
    from signpt.model.encoder import SignEncoder

    encoders = {}
    for s, d in enumerate(pretrain_dirs):
        try:
            enc = SignEncoder.from_pretrained(d)
        except (SignptError, OSError) as e:
            return lines + [f"Not measured: {d}: {e}.", ""]
        encoders[f"pretrained {s}"] = enc
        encoders[f"random {s}"] = RP.random_encoder(enc, s)
    scores = RP.evaluate(clips, encoders, embedding=True)
    alphabets = sorted({c.alphabet for c in clips})
    lines += [f"Real MediaPipe Holistic poses of {len(clips)} fingerspelled letters ({', '.join(alphabets)}; "
              "`../shared/data/poses/fingerspelling`), never used in training. Each letter clip of one alphabet "
              "ranks every letter clip of the other by the cosine of mean-pooled features; top-1: the same "
              f"letter at rank 1 (chance {100 * scores['raw']['chance']:.1f} %), MRR: its mean reciprocal rank; "
              "averaged over both directions. `benchmarks/real_transfer.py` gives the same figures.", "",
              "| Features | top-1 (%) | MRR (%) |", "| --- | ---: | ---: |"]
    group = lambda prefix, suffix="": [k for k in scores if k.startswith(prefix) and (  # noqa: E731
        k.endswith(suffix) if suffix else not k.endswith("]"))]
    rows = [("Raw normalised pose", ["raw"]), ("Raw pose, hands only", ["raw_hands"]),
            ("Random-weight encoder", group("random")), ("Pre-trained encoder", group("pretrained")),
            ("Random-weight encoder, pose embedding of the manual part", group("random", "[embedding manual]")),
            ("Pre-trained encoder, pose embedding of the manual part", group("pretrained", "[embedding manual]"))]
    for label, keys in rows:
        if keys:
            lines.append(f"| {label} | {fmt_values([100 * scores[k]['top1'] for k in keys], 1)} | "
                         f"{fmt_values([100 * scores[k]['mrr'] for k in keys], 1)} |")
    synth = RP.synthetic_letters()
    cross = RP.real_to_synthetic(clips, synth, lambda c: RP.raw_features(c, hands_only=True))
    lines += ["", "The pose embedding rows take the per-frame embedding of the hands and body before the transformer "
              "branches. How far the generator's hands are from real ones: each real letter ranks the synthetic "
              f"held handshapes of one synthetic signer; the handshape of the same name comes first for "
              f"{100 * cross['top1']:.1f} % of the queries (raw hands, chance {100 * cross['chance']:.1f} %), "
              f"against {100 * scores['raw_hands']['top1']:.1f} % between the two real alphabets "
              "(`benchmarks/real_transfer.py --cross-domain`)."]
    return lines + [""]


def write_report(out: Path, record: dict, *, figures: bool = True) -> Path:
    """Write OUT/results.json (the record + per-task summaries) and OUT/report.md; returns report.md."""
    out = Path(out)
    data = collect(record["runs"])
    _, verdicts = headline(data, "test" if "test" in (record["config"].get("splits") or ["test"]) else
                           record["config"]["splits"][-1])
    write_json(out / "results.json", {**record, "summary": verdicts})
    path = out / "report.md"
    write_text(path, build_report(out, record, figures=figures))
    return path
