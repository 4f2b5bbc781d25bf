"""Resumable stages of the demo and the ablations: one pre-training or one fine-tune + evaluation per job,
reused on rerun, optionally run in parallel worker processes.

A stage directory holds ``stage.json`` (the key of the settings it runs with, written when it starts) and
``done.json`` (the key, its result and the seconds it took, written atomically when it has finished). A
rerun with the same key reuses ``done.json``; a stage that started but did not finish resumes (the trainers'
``resume``); a stage directory whose key differs (other settings) is moved aside to
``<name>.stale-<old key>`` (nothing already computed is deleted) and the stage runs again.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from signpt.atomic import write_text

STAGE_FILE = "stage.json"
DONE_FILE = "done.json"


def _canonical(params: dict) -> str:
    """`params` as the key hashes them (and as ``stage.json`` reads back: tuples become lists)."""
    return json.dumps(params, sort_keys=True, default=str)


def stage_key(params: dict) -> str:
    """Short stable hash of the JSON-able `params` that decide a stage's output."""
    return hashlib.sha256(_canonical(params).encode()).hexdigest()[:16]


def write_json(path: Path, data) -> None:
    """Atomic JSON write (tmp file in the same folder, then os.replace)."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def finished(directory: Path, key: str) -> dict | None:
    """The stored result of a finished stage run with `key`, else None."""
    f = Path(directory) / DONE_FILE
    if not f.exists():
        return None
    try:
        data = json.loads(f.read_text())
    except ValueError:
        return None
    return data["result"] if data.get("key") == key else None


def _flat(d, prefix: str = "") -> dict:
    out = {}
    for k, v in (d or {}).items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def changed_settings(old: dict, new: dict, limit: int = 6) -> str:
    """The settings that differ between two stages' params, as ``name: old -> new`` (absent = ``-``); both
    compared as stored in ``stage.json`` (JSON: a tuple equals the list it is written as)."""
    a, b = (_flat(json.loads(_canonical(d))) for d in (old, new))
    diff = [f"{k}: {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(set(a) | set(b))
            if a.get(k, "-") != b.get(k, "-")]
    return "; ".join(diff[:limit]) + (f"; and {len(diff) - limit} more" if len(diff) > limit else "")


def begin(directory: Path, key: str, params: dict) -> Path | None:
    """Prepare `directory` for a stage run with `key`. When it holds another key's run (other settings, or an
    older signpt's), that run is moved to ``<directory>.stale-<old key>`` rather than deleted; returns where
    it went (None when nothing was moved)."""
    directory = Path(directory)
    f = directory / STAGE_FILE
    moved = None
    if directory.exists() and any(directory.iterdir()):
        try:
            stored = json.loads(f.read_text()) if f.exists() else {}
        except ValueError:
            stored = {}
        old = stored.get("key")
        if old != key:
            stem = f"{directory.name}.stale-{old or 'unknown'}"
            moved, n = directory.with_name(stem), 1
            while moved.exists():
                n += 1
                moved = directory.with_name(f"{stem}-{n}")
            directory.rename(moved)
            why = changed_settings(stored["params"], params) if stored.get("params") else "no readable stage.json"
            print(f"signpt: {directory} held a run with other settings ({why}); moved it to {moved} "
                  f"and starting again (delete it when it is no longer needed)", file=sys.stderr)
    write_json(directory / STAGE_FILE, {"key": key, "params": params})
    return moved


def finish(directory: Path, key: str, result: dict, seconds: float) -> dict:
    write_json(Path(directory) / DONE_FILE, {"key": key, "result": result, "seconds": round(seconds, 1)})
    return result


def banner(text: str) -> None:
    """A stage banner on stderr (between the progress bars)."""
    from tqdm.auto import tqdm

    tqdm.write(f"\n== {text}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------
# jobs (top-level functions: they run in worker processes too)


@dataclass
class PretrainJob:
    """Pre-train the `preset` model on `corpus` into `out` with PretrainConfig `model` overrides, TrainConfig
    `train` overrides (e.g. max_steps, batch_size, seed) and PretrainDataConfig `data` overrides (e.g.
    ``{"sources": ["crowd"]}``: which corpus sources it reads)."""

    corpus: str
    out: str
    preset: str = "tiny"
    model: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    label: str = "pretrain"
    data: dict = field(default_factory=dict)

    def params(self) -> dict:
        from dataclasses import asdict

        from signpt.model.presets import get_preset

        # the resolved preset too: a stage run under an older preset definition is not reused
        params = {"kind": "pretrain", "corpus": self.corpus, "preset": self.preset, "model": self.model,
                  "train": self.train, "resolved": asdict(get_preset(self.preset, **self.model))}
        if self.data:  # only when set: the keys of runs without data overrides stay as they were
            params["data"] = self.data
        return params

    def expected_steps(self) -> int | None:
        return self.train.get("max_steps")


@dataclass
class FinetuneJob:
    """Fine-tune `task` from pre-training `init` (or, with `scratch`, its architecture with random weights;
    or, with neither, the task preset's encoder) and evaluate the result on `splits`."""

    task: str
    corpus: str
    out: str
    init: str | None
    scratch: bool = False
    seed: int = 0
    epochs: int | None = None
    train: dict = field(default_factory=dict)
    splits: tuple = ("test",)
    upstream: str = ""  # key of the pre-training it starts from
    label: str = ""
    augment: dict | None = None  # random affine map of training clips (signpt.pose.augment), None = off

    def params(self) -> dict:
        from signpt.tasks.common import task_config

        # the resolved task preset too: a stage run under an older preset definition is not reused
        over = {"train": self.train} if self.train else {}
        if self.augment:
            over["augment"] = dict(self.augment)
        resolved = task_config(self.task, "tiny", **over).to_dict()
        params = {"kind": "finetune", "task": self.task, "corpus": self.corpus, "init": self.init,
                  "scratch": self.scratch, "seed": self.seed, "epochs": self.epochs, "train": self.train,
                  "splits": list(self.splits), "upstream": self.upstream, "resolved": resolved}
        if self.augment:
            params["augment"] = dict(self.augment)
        return params

    def expected_steps(self) -> int | None:
        try:
            from signpt.data.store import Corpus
            from signpt.tasks.common import resolve_source, task_config, task_samples_mask

            cfg = task_config(self.task, "tiny", **({"train": self.train} if self.train else {}))
            corpus = Corpus(self.corpus)
            view = corpus.filter(source=resolve_source(corpus, self.task), split="train")
            n = int(task_samples_mask(self.task, view).sum())
            bs = max(1, min(cfg.train["batch_size"], n))
            epochs = self.epochs if self.epochs is not None else cfg.train["epochs"]
            return cfg.train.get("max_steps") or epochs * (n // bs)
        except Exception:  # only for the progress bar
            return None


def set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def run_job(job, threads: int | None = 1, progress: bool = True) -> dict:
    """Run (or reuse) one job; returns its result (pre-training: {"steps", "final"}; fine-tuning:
    {"checkpoint", "metrics": {split: metrics}})."""
    set_threads(threads)
    out = Path(job.out)
    params = job.params()
    key = stage_key(params)
    done = finished(out, key)
    if done is not None:
        return done
    begin(out, key, params)
    t0 = time.time()
    if isinstance(job, PretrainJob):
        result = _pretrain(job, out, progress)
    else:
        result = _finetune(job, out, progress)
    return finish(out, key, result, time.time() - t0)


def _pretrain(job: PretrainJob, out: Path, progress: bool) -> dict:
    from signpt.train import distributed as D
    from signpt.train.loop import read_log
    from signpt.train.pretrain import resolve_config, run_pretraining

    overrides = [f"model.{k}={json.dumps(v)}" for k, v in job.model.items()]
    overrides += [f"data.{k}={json.dumps(v)}" for k, v in job.data.items()]
    setup = resolve_config(job.preset, None, overrides, **job.train)
    resume = (out / "checkpoints" / "latest").exists()
    try:
        run_pretraining(job.corpus, out, setup, resume=resume, progress=progress)
    finally:
        D.cleanup()
    rows = read_log(out / "train_log.csv")
    last = rows[-1] if rows else {}
    return {"steps": last.get("step", 0),
            "final": {k: last[k] for k in ("loss", "loss_pr", "loss_stc") if k in last}}


def _finetune(job: FinetuneJob, out: Path, progress: bool) -> dict:
    from signpt.tasks import finetune, run_evaluation

    resume = (out / "checkpoints" / "latest").exists()
    ckpt = finetune(job.task, job.corpus, init=job.init, scratch=job.scratch, preset="tiny", out=out,
                    seed=job.seed, epochs=job.epochs, train=job.train or None, augment=job.augment, resume=resume,
                    progress=progress)
    from signpt.data.store import Corpus

    metrics = {}
    present = set(Corpus(job.corpus).column("split"))
    for split in job.splits:
        if split not in present:  # e.g. a recipe without a dev split
            continue
        r = run_evaluation(job.task, job.corpus, ckpt, split=split, out=out / "eval")
        metrics[split] = {k: v for k, v in r.metrics.items() if isinstance(v, (int, float)) or v is None}
    return {"checkpoint": str(ckpt), "metrics": metrics}


def _worker(job, threads):
    return run_job(job, threads=threads, progress=False)


def _logged_steps(out: str) -> int:
    f = Path(out) / "train_log.csv"
    try:
        with open(f, "rb") as fh:
            return max(0, sum(1 for _ in fh) - 1)
    except OSError:
        return 0


def run_jobs(jobs: list, *, workers: int = 1, threads: int = 1, progress: bool = True,
             desc: str = "jobs") -> list[dict]:
    """Run `jobs` (PretrainJob / FinetuneJob), reusing finished ones; results in the order of `jobs`.

    workers == 1: one after the other in this process, with the trainers' progress bars. workers > 1: in
    that many spawned processes (`threads` torch threads each); one bar counts the optimizer steps
    logged by all running jobs."""
    todo = [j for j in jobs if finished(Path(j.out), stage_key(j.params())) is None]
    if workers <= 1 or len(todo) <= 1:
        results = []
        for j in jobs:
            if j in todo and progress:
                banner(f"{desc}: {j.label or j.out}")
            results.append(run_job(j, threads=threads, progress=progress))
        return results

    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from tqdm.auto import tqdm

    expected = {id(j): j.expected_steps() or 0 for j in todo}
    bar = tqdm(total=sum(expected.values()) or None, desc=f"{desc} ({len(todo)} runs, {workers} workers)",
               unit="step", disable=not progress, dynamic_ncols=True)
    done_steps = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(_worker, j, threads): j for j in todo}
        pending = set(futures)
        while pending:
            finished_now, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for f in finished_now:
                j = futures[f]
                f.result()  # re-raise a worker's error here
                done_steps += expected[id(j)]
                bar.write(f"done: {j.label or j.out}")
            running = sum(min(_logged_steps(futures[f].out), expected[id(futures[f])] or 10**9) for f in pending)
            bar.n = done_steps + running
            bar.refresh()
    bar.close()
    return [run_job(j, threads=threads, progress=False) for j in jobs]  # all finished: reads done.json
