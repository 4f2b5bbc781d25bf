"""``signpt ablate``: the paper's ablations (Tables XII-XIX) at `tiny` scale, on the synthetic corpus or on a
recipe's corpus (``recipe=``: e.g. the real crowd, where only ISLR has data).

Every setting is one pre-training (a ``PretrainConfig`` override on the `tiny` preset: lambda_stc,
data_fraction, pretext, features, window, mask_ratio, similarity, embedding) followed by fine-tuning and
test-split evaluation of the four tasks; a row reports ISLR per-instance top-1, CSLR WER, SLT BLEU-4 and
T2V R@1. Each row is an explicit override (also the paper's default values: λ 1, α 100 %, PR + STC, both feature
kinds, s 4, m 40 %, fine-grained similarity, GCN); rows whose override leaves the preset unchanged are the
preset's own run ("default"), shared by all tables and run once, as is any setting two tables share.
Three tables are not the paper's: XIII-ENDS (XIII's 0 % and 100 % rows only: pre-trained against scratch
without the α runs), XIV-MASK (STC on the hierarchically masked input without L_PR, ``pretext="stc_masked"``:
whether masking as input corruption or the reconstruction loss itself moves Table XIV) and XIV-WEIGHT (λ = 0.01,
where L_PR's gradient on the encoder is about λ·L_STC's). Two rows need a reading of the paper:

* Table XIII α = 0 %: no pre-training at all, i.e. the encoder fine-tuned from scratch (same architecture).
* Table XVII m = 0 %: the paper's "pre-training strategy without masked pose modeling" — its numbers equal
  Table XIV's STC-only row — so it is the ``pretext="stc"`` run.

With ``seeds=N`` every setting is pre-trained and fine-tuned with seeds 0..N-1 (the seed varies both, as in
``signpt demo --seeds``) and each cell is the mean (min–max) over the seeds; a table then also says whether the
paper's best row is ahead beyond the seed spread (its worst seed better than every other row's best seed).

Table MIX (not in the paper; needs a recipe): pre-training on each pre-training source of the corpus alone, on all
of them, and none (scratch); e.g. the synthetic corpus only, the real crowd only, both.

Output: OUT/synth or OUT/corpus (the corpus), OUT/runs/<setting>/{pretrain,<task>} (seed 0; seed s > 0 under
OUT/runs/seed<s>/<setting>/), OUT/ablations.json (metrics per seed and setting, the budget) and OUT/ablations.md
(the tables). Finished runs are reused on rerun, so ``--seeds 3`` after a one-seed run adds seeds 1 and 2 only.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from signpt.atomic import write_text
from signpt.errors import ConfigError
from signpt.pipeline.demo import DemoConfig, available_tasks, curate_stage, default_workers, demo_config, synth_stage
from signpt.pipeline.report import fmt_values
from signpt.pipeline.stages import FinetuneJob, PretrainJob, banner, run_jobs, stage_key, write_json
from signpt.tasks.common import TASKS

DEFAULT = "default"
SCRATCH = "scratch"

# setting name -> PretrainConfig overrides on the model preset (None: no pre-training, fine-tune from scratch).
# Rows name their value explicitly (also the paper's default one: "lambda_stc=1.0", "embedding=gcn"); a
# setting whose overrides equal the preset's values IS the preset's default run and shares it.
SETTINGS: dict[str, dict | None] = {
    SCRATCH: None,
    **{f"lambda_stc={v}": {"lambda_stc": v} for v in (0.01, 0.1, 0.5, 1.0, 1.5, 2.0)},
    **{f"data_fraction={v}": {"data_fraction": v} for v in (0.25, 0.5, 0.75, 1.0)},
    **{f"pretext={v}": {"pretext": v} for v in ("pr", "stc", "stc_masked", "both")},
    **{f"features={v}": {"features": v} for v in ("manual", "non_manual", "both")},
    **{f"window={v}": {"window": v} for v in (1, 2, 4, 8, 16)},
    **{f"mask_ratio={v}": {"mask_ratio": v} for v in (0.2, 0.4, 0.6, 0.8)},
    **{f"similarity={v}": {"similarity": v} for v in ("coarse", "fine")},
    **{f"embedding={v}": {"embedding": v} for v in ("linear", "gcn")},
}

SOURCES_ALL = "sources=all"
SETTINGS[SOURCES_ALL] = {}


def register_mix(sources: list[str]) -> None:
    """Table MIX and its settings ("sources=<name>": pre-train on that corpus source only) for `sources`."""
    for name in sources:
        SETTINGS[f"sources={name}"] = {"data": {"sources": [name]}}
    TABLES["MIX"] = {
        "title": "Pre-training data (not in the paper): each source alone, all of them, none",
        "columns": ["pre-training data"],
        "rows": [(["none (scratch)"], SCRATCH)] + [([name], f"sources={name}") for name in sources]
                + ([(["all: " + " + ".join(sources)], SOURCES_ALL)] if len(sources) > 1 else []),
        "paper_best": None, "extra": True, "recipe": True}


# table id -> (title, first column(s), [(row cells, setting)], the paper's best row label)
TABLES: dict[str, dict] = {
    "XII": {"title": "Impact of the objective weight λ", "columns": ["λ"],
            "rows": [(["0.1"], "lambda_stc=0.1"), (["0.5"], "lambda_stc=0.5"), (["1.0"], "lambda_stc=1.0"),
                     (["1.5"], "lambda_stc=1.5"), (["2.0"], "lambda_stc=2.0")], "paper_best": "1.0"},
    "XIII": {"title": "Impact of the pre-training data fraction α (0 % = no pre-training)", "columns": ["α"],
             "rows": [(["0%"], SCRATCH), (["25%"], "data_fraction=0.25"), (["50%"], "data_fraction=0.5"),
                      (["75%"], "data_fraction=0.75"), (["100%"], "data_fraction=1.0")], "paper_best": "100%"},
    # Table XIII's two ends alone (pre-trained minus scratch: the demo's comparison) without the α runs
    "XIII-ENDS": {"title": "Pre-training (α = 100 %) against none (0 %): Table XIII's two ends",
                  "columns": ["α"], "rows": [(["0%"], SCRATCH), (["100%"], "data_fraction=1.0")],
                  "paper_best": "100%", "extra": True},
    "XIV": {"title": "Impact of the pretext tasks", "columns": ["PR", "STC"],
            "rows": [(["✓", ""], "pretext=pr"), (["", "✓"], "pretext=stc"), (["✓", "✓"], "pretext=both")],
            "paper_best": "PR + STC"},
    # Not in the paper: the mask as input corruption without the reconstruction loss (is it the mask or L_PR?)
    "XIV-MASK": {"title": "Masking without reconstruction (diagnostic, not in the paper)", "columns": [""],
                 "rows": [(["STC"], "pretext=stc"), (["STC on the masked input"], "pretext=stc_masked"),
                          (["PR + STC"], "pretext=both")], "paper_best": None, "extra": True},
    # Not in the paper: L_PR weighted so that its gradient on the encoder is about λ·L_STC's (λ = 0.01; at λ = 1
    # it is ~1 % of it, benchmarks/pr_baselines.py): does reconstruction help once it is not drowned by STC?
    "XIV-WEIGHT": {"title": "Reconstruction weighted up (diagnostic, not in the paper)", "columns": [""],
                   "rows": [(["STC"], "pretext=stc"), (["PR + STC, λ 1"], "pretext=both"),
                            (["PR + STC, λ 0.01"], "lambda_stc=0.01")], "paper_best": None, "extra": True},
    "XV": {"title": "Impact of the sign features", "columns": ["Manual", "Non-manual"],
           "rows": [(["✓", ""], "features=manual"), (["", "✓"], "features=non_manual"), (["✓", "✓"], "features=both")],
           "paper_best": "Manual + Non-manual"},
    "XVI": {"title": "Impact of the slide window size s", "columns": ["s"],
            "rows": [(["1"], "window=1"), (["2"], "window=2"), (["4"], "window=4"), (["8"], "window=8"),
                     (["16"], "window=16")], "paper_best": "4"},
    "XVII": {"title": "Impact of the mask ratio m (0 % = no masked pose modelling: the STC-only run)",
             "columns": ["m"],
             "rows": [(["0%"], "pretext=stc"), (["20%"], "mask_ratio=0.2"), (["40%"], "mask_ratio=0.4"),
                      (["60%"], "mask_ratio=0.6"), (["80%"], "mask_ratio=0.8")], "paper_best": "40%"},
    "XVIII": {"title": "Impact of the similarity calculation", "columns": [""],
              "rows": [(["Coarse-grained"], "similarity=coarse"), (["Fine-grained"], "similarity=fine")],
              "paper_best": "Fine-grained"},
    "XIX": {"title": "Impact of the pose embedding", "columns": [""],
            "rows": [(["Linear"], "embedding=linear"), (["GCN"], "embedding=gcn")], "paper_best": "GCN"},
}

# (task, metric key, column header, higher is better, digits)
METRICS = (
    ("islr", "per_instance_top1", "ISLR Top-1 ↑", True, 2),
    ("cslr", "wer", "CSLR WER ↓", False, 1),
    ("slt", "bleu4", "SLT B-4 ↑", True, 2),
    ("retrieval", "t2v_r1", "Retrieval R@1 ↑", True, 1),
)


def ablation_config(quick: bool = False, pretrain_steps: int | None = None, recipe: bool = False) -> DemoConfig:
    """Budgets of one ablation setting. Full: the demo's default budgets; quick: the "small" corpus with
    short pre-training and fine-tuning (fills every table in well under an hour on 2 cores, numbers noisy).
    `pretrain_steps` replaces the pre-training length (does a row's gap close with a longer budget?).
    `recipe`: the demo's budgets for a recipe's corpus, evaluated on dev and test."""
    if recipe:
        cfg = demo_config(quick, recipe=True)
        cfg.splits = ("dev", "test")
    elif quick:
        cfg = DemoConfig(pretrain={"max_steps": 40, "batch_size": 32},
                         finetune_epochs={"islr": 3, "cslr": 3, "slt": 3, "retrieval": 2}, splits=("test",))
    else:
        cfg = DemoConfig(splits=("test",))
    if pretrain_steps is not None:
        if int(pretrain_steps) < 1:
            raise ConfigError(f"pretrain_steps={pretrain_steps}: need at least 1")
        cfg.pretrain = {**cfg.pretrain, "max_steps": int(pretrain_steps)}
    return cfg


def parse_tables(tables) -> list[str]:
    """["XII", "XV"] or "XII,XV" (roman numerals, case-insensitive) -> table ids in paper order; None -> the
    paper's tables XII-XIX (the extra XIII-ENDS and XIV-MASK only when named). "MIX" needs a recipe."""
    if tables is None:
        return [t for t in TABLES if not TABLES[t].get("extra")]
    if isinstance(tables, str):
        tables = [t for t in tables.split(",")]
    wanted = [t.strip().upper() for t in tables if t.strip()]
    bad = [t for t in wanted if t not in TABLES and t != "MIX"]
    if bad or not wanted:
        raise ConfigError(f"--tables {','.join(tables)}: unknown table(s) {bad or 'none'}; "
                          f"choose from {', '.join(TABLES)}")
    return [t for t in TABLES if t in wanted] + (["MIX"] if "MIX" in wanted and "MIX" not in TABLES else [])


def effective(setting: str, preset: str = "tiny") -> dict | None:
    """The overrides of `setting` that change the model preset (None for the scratch row); {} = the preset's
    own default run. Pre-training data overrides stay under "data"."""
    from signpt.model import get_preset

    over = SETTINGS[setting]
    if over is None:
        return None
    base = get_preset(preset)
    out = {k: v for k, v in over.items() if k != "data" and getattr(base, k) != v}
    if over.get("data"):
        out["data"] = dict(over["data"])
    return out


def run_name(setting: str, preset: str = "tiny") -> str:
    """Directory / run name: "default" for the preset itself, else the effective overrides."""
    eff = effective(setting, preset)
    if eff is None:
        return SCRATCH
    data = eff.pop("data", {})
    parts = [f"{k}={v}" for k, v in sorted(eff.items())]
    parts += [f"{k}={'+'.join(v) if isinstance(v, (list, tuple)) else v}" for k, v in sorted(data.items())]
    return ",".join(parts) or DEFAULT


def settings_for(table_ids: list[str]) -> list[str]:
    """The settings (row names) the tables need, in a stable order."""
    needed = {s for t in table_ids for _, s in TABLES[t]["rows"]}
    return [s for s in SETTINGS if s in needed]


def setting_jobs(out: Path, corpus: Path, cfg: DemoConfig, settings: list[str],
                 seeds: int = 1, tasks=TASKS) -> tuple[list, list, dict]:
    """(pre-training jobs, fine-tuning jobs, {setting: run name}) of `settings` for seeds 0..seeds-1; settings
    with the same effective overrides share one run, and the scratch row takes the preset's architecture."""
    names = {s: run_name(s, cfg.model_preset) for s in settings}
    runs = sorted(set(names.values()) | ({DEFAULT} if SCRATCH in names.values() else set()),
                  key=lambda n: (n != DEFAULT, n))
    pjobs, fjobs = {}, []
    for seed in range(seeds):
        for name in runs:
            if name == SCRATCH:
                continue
            setting = next((s for s, n in names.items() if n == name), None)
            over = effective(setting, cfg.model_preset) if setting else {}
            data = over.pop("data", {})
            pjobs[name, seed] = PretrainJob(
                str(corpus), str(run_dir(out, name, seed) / "pretrain"), cfg.model_preset, dict(over),
                {**cfg.pretrain, "seed": seed}, label=f"pretrain {name}" + (f", seed {seed}" if seed else ""),
                data=data)
    for seed in range(seeds):
        for name in runs:
            if name not in names.values():
                continue
            base = pjobs[DEFAULT if name == SCRATCH else name, seed]
            for task in tasks:
                fjobs.append(FinetuneJob(
                    task=task, corpus=str(corpus), out=str(run_dir(out, name, seed) / task), init=base.out,
                    scratch=name == SCRATCH, seed=seed, epochs=cfg.finetune_epochs.get(task),
                    splits=tuple(cfg.splits), upstream=stage_key(base.params()),
                    label=f"{name}: {task}" + (f", seed {seed}" if seed else "")))
    return list(pjobs.values()), fjobs, names


def run_dir(out: Path, name: str, seed: int = 0) -> Path:
    """OUT/runs/<slug> for seed 0 (the layout of one-seed runs), OUT/runs/seed<s>/<slug> for the others."""
    return Path(out) / "runs" / (f"seed{seed}" if seed else "") / _slug(name)


def _slug(name: str) -> str:
    return name.replace("=", "_").replace(",", "+")


def run_ablations(out: str | Path = "ablations", quick: bool = False, tables=None, *, seeds: int = 1,
                  progress: bool = True, workers: int | None = None, threads: int = 1,
                  config: DemoConfig | None = None, recipe: str | Path | None = None) -> Path:
    """Run the ablation settings of `tables` (default: all of XII-XIX) with seeds 0..seeds-1 and write
    OUT/ablations.md and OUT/ablations.json; returns the Markdown path. `recipe`: on that recipe's corpus
    (fine-tuning the tasks it has data for) instead of the synthetic one."""
    table_ids = parse_tables(tables)
    if int(seeds) < 1:
        raise ConfigError(f"seeds={seeds}: need at least 1")
    if "MIX" in table_ids and recipe is None:
        raise ConfigError("table MIX compares the pre-training sources of a recipe: pass --recipe")
    seeds = int(seeds)
    cfg = config or ablation_config(quick, recipe=recipe is not None)
    workers = default_workers() if workers is None else max(1, int(workers))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t_all = time.time()
    if recipe is None:
        corpus, tasks = synth_stage(out / "synth", cfg, progress), TASKS
    else:
        corpus = curate_stage(out / "corpus", recipe, progress)
        tasks = available_tasks(corpus)[0]
        if "MIX" in table_ids:
            register_mix(pretraining_sources(corpus))
    settings = settings_for(table_ids)
    pjobs, fjobs, names = setting_jobs(out, corpus, cfg, settings, seeds, tasks)
    if progress:
        banner(f"ablations {', '.join(table_ids)}: {len(settings)} rows, {len(pjobs)} pre-trainings "
               f"({_budget(cfg, seeds)})")
    run_jobs(pjobs, workers=workers, threads=threads, progress=progress, desc="pre-training")
    if progress:
        banner(f"fine-tuning + test evaluation: {len(fjobs)} runs")
    results = run_jobs(fjobs, workers=workers, threads=threads, progress=progress, desc="fine-tuning")
    by_split: dict = {}
    for j, r in zip(fjobs, results):
        for split in cfg.splits:
            by_split.setdefault(split, {}).setdefault((str(Path(j.out).parent), j.seed), {})[j.task] = \
                r["metrics"].get(split, next(iter(r["metrics"].values())))
    per_split = {split: [{s: by_run.get((str(run_dir(out, n, seed)), seed), {}) for s, n in names.items()}
                         for seed in range(seeds)] for split, by_run in by_split.items()}
    per_seed = per_split.get("test") or next(iter(per_split.values()))
    budget = _budget(cfg, seeds, recipe)
    record = {"tables": table_ids, "budget": budget, "config": asdict(cfg), "seeds": seeds,
              "recipe": None if recipe is None else str(recipe), "tasks": list(tasks),
              "settings": {s: {"overrides": SETTINGS[s], "run": names[s]} for s in settings},
              "metrics": per_seed[0], "metrics_per_seed": per_seed, "metrics_per_split": per_split,
              "seconds": round(time.time() - t_all, 1)}
    write_json(out / "ablations.json", record)
    path = out / "ablations.md"
    text = ablation_markdown(per_seed, table_ids, budget=budget, recipe=recipe)
    if recipe is not None and "dev" in per_split:
        text += "\n## The same tables on dev (where settings are chosen)\n\n" + ablation_markdown(
            per_split["dev"], table_ids, recipe=recipe, title=False)
    write_text(path, text)
    if progress:
        banner(f"done in {(time.time() - t_all) / 60:.1f} min: {path}")
    return path


def pretraining_sources(corpus) -> list[str]:
    """The corpus's sources with pre-training samples (splits pretrain / train), sorted."""
    from signpt.data.store import Corpus

    return sorted(set(Corpus(corpus).filter(split=("pretrain", "train")).column("source")))


def _budget(cfg: DemoConfig, seeds: int = 1, recipe=None) -> str:
    pre = ", ".join(f"{k} {v}" for k, v in cfg.pretrain.items())
    ft = ", ".join(f"{t} {e}" for t, e in cfg.finetune_epochs.items())
    data = f"synthetic corpus '{cfg.synth_preset}'" if recipe is None else f"the corpus of recipe {recipe}"
    return (f"{data}, {cfg.model_preset} model; pre-training {pre}; "
            f"fine-tuning epochs {ft}; " + ("one seed" if seeds == 1 else f"seeds 0-{seeds - 1}"))


def _values(per_seed: list[dict], setting: str, task: str, key: str) -> list[float]:
    """The metric of `setting` on every seed that has it."""
    out = []
    for metrics in per_seed:
        v = metrics.get(setting, {}).get(task, {}).get(key)
        if isinstance(v, (int, float)):
            out.append(float(v))
    return out


def row_label(spec: dict, cells: list[str]) -> str:
    """A row's name: its value ("0.5", "GCN"), or the checked columns joined ("PR + STC")."""
    if "✓" in cells:
        return " + ".join(col for col, c in zip(spec["columns"], cells) if c)
    return " ".join(c for c in cells if c) or "-"


def _per_seed(metrics) -> list[dict]:
    """One metrics dict ({setting: {task: {key: value}}}) or a list of them, one per seed -> the list."""
    return list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]


def ablation_table(table_id: str, metrics) -> tuple[str, dict]:
    """(Markdown table of one ablation in the paper's layout, {metric column: best row labels by the mean}).

    metrics: {setting: {task: {key: value}}}, or a list of those, one per seed (cells: mean (min–max))."""
    per_seed = _per_seed(metrics)
    spec = TABLES[table_id]
    metrics_cols = _columns(per_seed, spec)
    header = [*spec["columns"], *(m[2] for m in metrics_cols)]
    lines = [f"**Table {table_id}: {spec['title']}**", "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join([" --- "] * len(spec["columns"]) + [" ---: "] * len(metrics_cols)) + "|"]
    best = {}
    for task, key, col, higher, digits in metrics_cols:
        vals = [(_values(per_seed, s, task, key), row_label(spec, cells)) for cells, s in spec["rows"]]
        vals = [(sum(v) / len(v), label) for v, label in vals if v]
        if vals:
            top = max(v for v, _ in vals) if higher else min(v for v, _ in vals)
            best[col] = [label for v, label in vals if v == top]
    for cells, setting in spec["rows"]:
        row = list(cells)
        for task, key, col, higher, digits in metrics_cols:
            values = _values(per_seed, setting, task, key)
            row.append(fmt_values(values, digits) if values else "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n", best


def _columns(per_seed: list[dict], spec: dict) -> list[tuple]:
    """The METRICS columns that some row of the table has a value for (all of them when none has)."""
    have = [m for m in METRICS if any(_values(per_seed, s, m[0], m[1]) for _, s in spec["rows"])]
    return have or list(METRICS)


def beyond_spread(table_id: str, metrics) -> dict:
    """{metric column: True / False} whether the paper's best row is ahead of every other row beyond the seed
    spread (its worst seed better than each other row's best seed); only columns where every row has 2+ seeds."""
    per_seed = _per_seed(metrics)
    spec = TABLES[table_id]
    out = {}
    for task, key, col, higher, _ in METRICS:
        rows = {row_label(spec, cells): _values(per_seed, s, task, key) for cells, s in spec["rows"]}
        paper = rows.get(spec["paper_best"]) if spec["paper_best"] else None
        if not paper or any(len(v) < 2 for v in rows.values()):
            continue
        others = [v for label, v in rows.items() if label != spec["paper_best"]]
        out[col] = all((min(paper) > max(v)) if higher else (max(paper) < min(v)) for v in others)
    return out


def ablation_markdown(metrics, table_ids: list[str], *, budget: str = "", recipe=None, title: bool = True) -> str:
    """The tables, each followed by where its best rows are here and in the paper."""
    per_seed = _per_seed(metrics)
    parts = ["# signpt ablations (paper Tables XII-XIX at tiny scale)", ""] if title else []
    if budget:
        where = ("ISLR per-instance top-1 (%) on synth-islr, CSLR WER (%), SLT BLEU-4 and T2V R@1 (%) on synth-sent"
                 if recipe is None else "the tasks the corpus has data for")
        parts += [f"Budget per setting: {budget}. Metrics on the test split (unseen signers): {where}."
                  + (" Cells: mean (min–max) over the seeds." if len(per_seed) > 1 else ""), ""]
    for t in table_ids:
        table, best = ablation_table(t, per_seed)
        parts += [table, ""]
        if best and not TABLES[t]["paper_best"]:
            parts += ["Best here (mean) — " + "; ".join(f"{col}: {', '.join(rows)}" for col, rows in best.items())
                      + ".", ""]
        elif best:
            paper = TABLES[t]["paper_best"]
            here = "; ".join(f"{col}: {', '.join(rows)}" for col, rows in best.items())
            agree = sum(rows == [paper] for rows in best.values())
            ties = sum(len(rows) > 1 for rows in best.values())
            line = (f"Best here (mean) — {here}. Paper: “{paper}” best on all four; here it is the single best on "
                    f"{agree} of {len(best)}" + (f" ({ties} tied)" if ties else "") + ".")
            spread = beyond_spread(t, per_seed)
            if spread:
                line += (f" Ahead of every other row beyond the seed spread on {sum(spread.values())} of "
                         f"{len(spread)}" + (f" ({', '.join(c for c, v in spread.items() if v)})"
                                             if any(spread.values()) else "") + ".")
            parts += [line, ""]
    return "\n".join(parts)


def load_metrics(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())["metrics"]
