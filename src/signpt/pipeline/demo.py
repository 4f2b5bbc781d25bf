"""``signpt demo``: the whole system end to end, and the paper's central comparison (pre-trained vs scratch).

On the synthetic corpus by default; with ``recipe`` on any curation recipe (e.g. ``recipes/crowd.yaml``, real
people), fine-tuning every task the corpus has data for. Stages (each reused on rerun, see
``signpt.pipeline.stages``)::

    OUT/synth/                    raw poses + manifest + recipe; OUT/synth/corpus: the curated corpus
    OUT/corpus/                   instead, with a recipe: the corpus it curates
    OUT/pretrain/seed<S>/         tiny model pre-trained with seed S (train_log.csv, checkpoints/, encoder/)
    OUT/finetune/<task>/<variant>/seed<S>/
                                  variant "pretrained": from OUT/pretrain/seed<S>; "scratch": the same
                                  architecture with random weights; both with fine-tuning seed S and the
                                  same budget; eval/ holds metrics, tables and examples per split
    OUT/index/                    search index of the test split (``signpt serve --index OUT/index``), when the
                                  corpus has a retrieval task
    OUT/results.json              every metric of every run
    OUT/report.md                 tables, examples, plots (OUT/plots/*.png), rendered poses (OUT/poses/*.png)

Seeds: with ``seeds=N`` seed S = 0..N-1 varies the pre-training (initial weights, data order, masks) and
the fine-tuning (head initialisation, data order; scratch encoder weights) together. Pre-trained and
scratch runs of one seed share the fine-tuning seed, so each pair differs only in the encoder's start.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from signpt.pipeline.stages import FinetuneJob, PretrainJob, banner, begin, finish, finished, run_jobs, stage_key
from signpt.tasks.common import TASKS

VARIANTS = ("pretrained", "scratch")


@dataclass
class DemoConfig:
    """Sizes and budgets of a demo run. `pretrain` and `finetune[task]` are TrainConfig overrides passed
    through the pre-training / fine-tuning APIs (the presets stay as they are)."""

    synth_preset: str = "small"
    synth_seed: int = 0
    model_preset: str = "tiny"
    pretrain: dict = field(default_factory=lambda: {"max_steps": 1000, "batch_size": 32})
    finetune_epochs: dict = field(default_factory=lambda: {"islr": 15, "cslr": 30, "slt": 20, "retrieval": 8})
    finetune_train: dict = field(default_factory=dict)
    splits: tuple = ("dev", "test")
    render_samples: int = 4
    examples: int = 5


def demo_config(quick: bool = False, recipe: bool = False) -> DemoConfig:
    """The default demo (minutes on a 2-core CPU) or the `quick` smoke run (the "tiny" synthetic corpus,
    a few dozen steps: checks that everything runs, its numbers mean little). `recipe`: the budgets for a
    corpus curated from a recipe (e.g. the real crowd: thousands of short isolated clips, so fewer epochs;
    the quick run caps every fine-tuning at a few dozen steps)."""
    if recipe:
        if quick:
            return DemoConfig(pretrain={"max_steps": 40, "batch_size": 16},
                              finetune_epochs={"islr": 1, "cslr": 1, "slt": 1, "retrieval": 1},
                              finetune_train={t: {"max_steps": 30} for t in TASKS},
                              splits=("dev", "test"), render_samples=2, examples=3)
        return DemoConfig(finetune_epochs={"islr": 8, "cslr": 30, "slt": 20, "retrieval": 8})
    if not quick:
        return DemoConfig()
    return DemoConfig(synth_preset="tiny", pretrain={"max_steps": 40, "batch_size": 16},
                      finetune_epochs={"islr": 4, "cslr": 4, "slt": 4, "retrieval": 4},
                      splits=("test",), render_samples=2, examples=3)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_demo(out: str | Path = "demo", quick: bool = False, seeds: int = 1, progress: bool = True, *,
             recipe: str | Path | None = None, config: DemoConfig | None = None, workers: int | None = None,
             threads: int = 1) -> Path:
    """Run the demo into `out` (see the module docstring) and return the path of ``report.md``.

    recipe: a curation recipe to run on instead of the synthetic corpus. workers: parallel training processes
    (default: 2 on a machine with 2+ cores), each with `threads` torch threads (1 is fastest for the tiny
    model on a shared 2-core CPU)."""
    from signpt.pipeline.report import write_report

    if seeds < 1:
        from signpt.errors import ConfigError
        raise ConfigError(f"seeds={seeds}: need at least 1")
    cfg = config or demo_config(quick, recipe=recipe is not None)
    workers = default_workers() if workers is None else max(1, int(workers))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    t_all = time.time()

    # 1. the corpus: synthetic, curated through its recipe, or the given recipe's
    t0 = time.time()
    if recipe is None:
        corpus = synth_stage(out / "synth", cfg, progress)
        timings["synth + curate"] = time.time() - t0
    else:
        corpus = curate_stage(out / "corpus", recipe, progress)
        timings["curate"] = time.time() - t0
    tasks, skipped = available_tasks(corpus)
    if progress and skipped:
        banner("no fine-tuning data for " + "; ".join(f"{t} ({why})" for t, why in skipped.items()))

    # 2. pre-training, one per seed
    t0 = time.time()
    if progress:
        banner(f"pre-training the {cfg.model_preset} model ({_budget(cfg.pretrain)}), {seeds} seed(s)")
    pjobs = [PretrainJob(str(corpus), str(out / "pretrain" / f"seed{s}"), cfg.model_preset, {},
                         {**cfg.pretrain, "seed": s}, label=f"pretrain seed {s}") for s in range(seeds)]
    # seeds may run side by side; a single pre-training runs alone
    run_jobs(pjobs, workers=min(workers, seeds), threads=threads, progress=progress, desc="pre-training")
    timings["pre-training"] = time.time() - t0

    # 3. fine-tuning + evaluation: every task x {pre-trained, scratch} x seed
    t0 = time.time()
    fjobs = finetune_jobs(out, corpus, cfg, seeds, pjobs, tasks)
    if progress:
        banner(f"fine-tuning {len(tasks)} task(s) x {len(VARIANTS)} variants x {seeds} seed(s) "
               f"= {len(fjobs)} runs, evaluating on {', '.join(cfg.splits)}")
    results = run_jobs(fjobs, workers=workers, threads=threads, progress=progress, desc="fine-tuning")
    timings["fine-tuning + evaluation"] = time.time() - t0

    # 4. search index of the test split, with the pre-trained retrieval model of seed 0
    if "retrieval" in tasks:
        t0 = time.time()
        index_stage(out, corpus, progress)
        timings["search index"] = time.time() - t0

    # 5. report
    t0 = time.time()
    if progress:
        banner("writing the report")
    runs = [{"task": j.task, "variant": "scratch" if j.scratch else "pretrained", "seed": j.seed,
             "out": j.out, **r} for j, r in zip(fjobs, results)]
    timings["report"] = 0.0
    record = {"config": asdict(cfg), "seeds": seeds, "corpus": str(corpus), "runs": runs,
              "pretrain": [j.out for j in pjobs], "timings_s": timings,
              "recipe": None if recipe is None else str(recipe), "tasks": list(tasks),
              "skipped_tasks": skipped}
    report = write_report(out, record)
    timings["report"] = time.time() - t0
    timings["total"] = time.time() - t_all
    record["timings_s"] = timings
    report = write_report(out, record)  # again, now with the report's own time
    if progress:
        banner(f"done in {timings['total'] / 60:.1f} min: {report}")
    return report


def _budget(train: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in train.items())


def synth_stage(directory: Path, cfg: DemoConfig, progress: bool) -> Path:
    """Generate + curate the synthetic corpus (reused when done); returns the corpus directory."""
    from signpt.data.synth import generate

    params = {"kind": "synth", "preset": cfg.synth_preset, "seed": cfg.synth_seed}
    key = stage_key(params)
    if finished(directory, key) is None:
        if progress:
            banner(f"synthetic corpus (preset {cfg.synth_preset}, seed {cfg.synth_seed}), curated through "
                   f"{directory / 'recipe.yaml'}")
        begin(directory, key, params)
        t0 = time.time()
        generate(directory, preset=cfg.synth_preset, seed=cfg.synth_seed, progress=progress)
        finish(directory, key, {"corpus": str(directory / "corpus")}, time.time() - t0)
    return directory / "corpus"


def curate_stage(directory: Path, recipe: str | Path, progress: bool) -> Path:
    """Curate `recipe` into `directory` (reused when done for the same recipe text at the same path; a
    killed curation resumes, see ``signpt.data.curate``); returns the corpus directory."""
    from signpt.data.curate import curate
    from signpt.data.recipe import load_recipe
    from signpt.errors import ConfigError

    path = Path(recipe).resolve()
    if not path.is_file():
        raise ConfigError(f"{recipe}: recipe file not found")
    load_recipe(path)  # a bad recipe fails here, before anything is written
    params = {"kind": "curate", "recipe": str(path), "text": path.read_text(encoding="utf-8")}
    key = stage_key(params)
    if finished(directory, key) is None:
        if progress:
            banner(f"curating {recipe} into {directory}")
        begin(directory, key, params)
        t0 = time.time()
        report = curate(path, directory, progress=progress)
        if report.errors:
            raise ConfigError(f"{recipe}: source(s) failed: " + "; ".join(f"{k}: {v}" for k, v in report.errors.items()))
        finish(directory, key, {"corpus": str(directory), "written": report.written,
                                "skipped": len(report.skipped)}, time.time() - t0)
    return directory


def available_tasks(corpus: Path) -> tuple[list[str], dict[str, str]]:
    """(tasks the corpus has training data for, {task: why not} for the others), in :data:`TASKS` order."""
    from signpt.data.store import Corpus
    from signpt.errors import CorpusError
    from signpt.tasks.common import resolve_source

    c = Corpus(corpus)
    tasks, skipped = [], {}
    for task in TASKS:
        try:
            resolve_source(c, task)
            tasks.append(task)
        except CorpusError as e:
            skipped[task] = str(e).split(": ", 1)[-1].split("; pass --source")[0]
    return tasks, skipped


def index_stage(out: Path, corpus: Path, progress: bool) -> Path:
    """OUT/index: ``signpt index`` of the test split with OUT/finetune/retrieval/pretrained/seed0 (reused when
    it is complete for that checkpoint and corpus)."""
    from signpt.serve.index import build_index, is_current

    ckpt = out / "finetune" / "retrieval" / "pretrained" / "seed0" / "model"
    target = out / "index"
    if not is_current(target, ckpt, corpus, split="test"):
        if progress:
            banner(f"search index of the test split ({target}; serve it with `signpt serve --index {target}`)")
        build_index(ckpt, corpus, target, split="test", progress=progress)
    return target


def finetune_jobs(out: Path, corpus: Path, cfg: DemoConfig, seeds: int, pjobs: list[PretrainJob],
                  tasks=TASKS) -> list[FinetuneJob]:
    """The fine-tuning runs of `tasks`, longest first (keeps two workers busy to the end)."""
    jobs = []
    for s in range(seeds):
        pj = pjobs[s]
        init = pj.out  # its checkpoints/latest: encoder + the contrastive head (retrieval uses both)
        upstream = stage_key(pj.params())
        for task in tasks:
            for variant in VARIANTS:
                jobs.append(FinetuneJob(
                    task=task, corpus=str(corpus), out=str(out / "finetune" / task / variant / f"seed{s}"),
                    init=init, scratch=variant == "scratch", seed=s, epochs=cfg.finetune_epochs.get(task),
                    train=dict(cfg.finetune_train.get(task, {})) if cfg.finetune_train else {},
                    splits=tuple(cfg.splits), upstream=upstream, label=f"{task} {variant} seed {s}"))
    order = {"slt": 0, "cslr": 1, "retrieval": 2, "islr": 3}
    return sorted(jobs, key=lambda j: (j.seed, order.get(j.task, 9)))
