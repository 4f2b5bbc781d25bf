"""Public API of the downstream tasks: ``finetune``, ``evaluate``, ``predict``.

>>> from signpt.tasks import finetune, evaluate, predict
>>> ckpt = finetune("islr", "synth/corpus", init="runs/pretrain/checkpoints/latest_dir", preset="tiny", out="runs/islr")
>>> evaluate("islr", "synth/corpus", ckpt, split="test", out="runs/islr/eval")["per_instance_top1"]
>>> predict("islr", ckpt, ["clip.pose"])  # [[("HELLO", 0.91), ...]]
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from signpt.atomic import write_text
from signpt.errors import CheckpointError, ConfigError
from signpt.tasks.common import (
    TaskResult, build_encoder, resolve_init, eval_batches, load_task_model, make_dataset, model_dir, resolve_source, row_name,
    task_config, task_module, task_samples_mask,
)


def _corpus(corpus):
    from signpt.data.store import Corpus

    return corpus if hasattr(corpus, "filter") else Corpus(corpus)


def _usable(task: str, view):
    mask = task_samples_mask(task, view)
    return view if mask.all() else view.filter(ids=[i for i, ok in zip(view.column("id"), mask) if ok])


def finetune(task: str, corpus, *, init: str | Path | None = None, scratch: bool = False, preset: str = "tiny",
             out: str | Path, source: str | None = None, seed: int = 0, epochs: int | None = None,
             train: dict | None = None, head: dict | None = None, mirror_prob: float | None = None,
             augment: dict | None = None, resume: bool = False, progress: bool = True) -> Path:
    """Fine-tune `task` ("islr" | "cslr" | "slt" | "retrieval") on the train split of one corpus source.

    init: a pre-training checkpoint (its encoder is fine-tuned at the preset's ``encoder_lr_scale`` x the
    head learning rate: paper 0.1; ``tiny`` 0.1 for CSLR/SLT, 1.0 for ISLR/retrieval); with
    `scratch` only its architecture is used (random weights); without init, the preset's encoder from
    scratch. preset: "tiny" (CPU minutes) or "paper" (Table III). source: the corpus source (default: the
    only one that suits the task). epochs / train / head: overrides of the preset. Writes training logs and
    checkpoints under `out` and returns the task checkpoint directory ``out/model``.
    """
    from signpt.data.batching import collate
    from signpt.train.checkpoint import load_weights, save
    from signpt.train.config import TrainConfig
    from signpt.train.loop import fit

    mod = task_module(task)
    overrides: dict = {}
    if train or epochs is not None:
        overrides["train"] = {**(train or {}), **({"epochs": int(epochs)} if epochs is not None else {})}
    if head:
        overrides["head"] = head
    if mirror_prob is not None:
        overrides["mirror_prob"] = float(mirror_prob)
    if augment is not None:
        from signpt.pose.augment import AffineSpec

        AffineSpec.from_dict(augment)  # checked here, before any training
        overrides["augment"] = dict(augment) or None
    cfg = task_config(task, preset, **overrides)
    corpus = _corpus(corpus)
    src = resolve_source(corpus, task, source)
    train_view = _usable(task, corpus.filter(source=src, split="train"))
    dev_view = _usable(task, corpus.filter(source=src, split="dev"))
    all_view = corpus.filter(source=src)
    out = Path(out)
    init = resolve_init(init) if init is not None else None

    torch.manual_seed(seed)  # head initialisation
    encoder, pretrained = build_encoder(init, scratch=scratch, preset=cfg.encoder_preset)
    cfg.max_frames = min(cfg.max_frames, encoder.config.max_frames)
    build_kw = dict(cfg.head)
    if task == "retrieval":
        build_kw["init"] = None if scratch else init
    model = mod.build(encoder, train_view, all_view, **build_kw)

    scale = cfg.encoder_lr_scale if pretrained else cfg.scratch_lr_scale
    tcfg_d = {**cfg.train, "seed": seed, "lr_scales": {"encoder.": scale}}
    if cfg.eval_during_training and len(dev_view):
        metric, mode = mod.PRIMARY_METRIC
        tcfg_d.update(best_metric=metric, best_mode=mode, ckpt_every=0)
    else:
        tcfg_d.setdefault("ckpt_every", 0)
    tcfg = TrainConfig(**tcfg_d)
    if tcfg.batch_size > len(train_view):
        tcfg = TrainConfig(**{**tcfg_d, "batch_size": max(1, len(train_view))})

    meta = {
        "task": task, "task_config": cfg.to_dict(), "encoder": _encoder_dict(encoder), "spec": model.spec(),
        "source": src, "corpus": str(Path(corpus.root).resolve()), "init": None if (init is None or scratch) else str(init),
        "architecture_from": None if init is None else str(init), "seed": seed,
        "encoder_lr_scale": scale,
    }
    eval_fn = None
    if tcfg.best_metric is not None:
        dev_batches = eval_batches(dev_view, cfg)

        def eval_fn(m, epoch):
            kw = {"mode": "greedy"} if task == "cslr" else {"beam_size": 1} if task == "slt" else {}
            metrics, _ = mod.evaluate_model(m, dev_batches, **kw)
            return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and v is not None}

    history = fit(model, make_dataset(train_view, cfg, train=True, seed=seed), tcfg, out, collate_fn=collate,
                  eval_fn=eval_fn, config=meta, resume=resume, progress=progress)
    chosen = history.best or history.checkpoint
    if chosen is not None and chosen != history.checkpoint:
        load_weights(chosen, model)
    final_step = history.steps[-1]["step"] if history.steps else 0
    from signpt.train.config import to_dict

    target = save(out, model.cpu(), step=final_step,
                  config={**meta, "train": to_dict(tcfg), "weights_from": str(chosen)}, name="model",
                  update_latest=False)
    return target


def _encoder_dict(encoder) -> dict:
    from dataclasses import asdict

    return asdict(encoder.config)


def run_evaluation(task: str, corpus, checkpoint, *, split: str = "test", out: str | Path | None = None,
                   source: str | None = None, batch_size: int | None = None, decode: str | None = None,
                   beam_size: int | None = None, phoenix_cleanup: str | None = None,
                   num_examples: int = 10) -> TaskResult:
    """Evaluate a task checkpoint on one split; writes ``metrics_<split>.json``, ``table_<split>.md`` and
    ``examples_<split>.{md,jsonl}`` to `out` (default: ``<checkpoint>/../eval``). Deterministic.

    ISLR on another corpus than the one the model was trained on (other people, same signs): classes are
    matched by their normalised label name (:func:`signpt.tasks.islr.class_map`); samples whose label the
    model does not know are counted (``metrics["unknown_label_samples"]``, per name in
    ``metrics["unknown_labels"]``) and left out of the score. The source defaults to the checkpoint's, else to
    the only source of the corpus with samples of `split` usable for the task."""
    from signpt.tasks.common import TaskConfig

    mod = task_module(task)
    model, meta = load_task_model(checkpoint, task)
    cfg = TaskConfig.from_dict(meta["task_config"])
    corpus = _corpus(corpus)
    src = source or _evaluation_source(task, corpus, split, meta["source"])
    view = _usable(task, corpus.filter(source=src, split=split))
    if len(view) == 0:
        raise ConfigError(f"{corpus.root}: no {split} samples of source {src!r} usable for {task}")
    kw, extra = {}, {}
    if task == "cslr":
        kw = {"mode": decode, "phoenix_cleanup": phoenix_cleanup}
    elif task == "slt":
        kw = {"beam_size": beam_size}
    elif task == "islr" and _other_corpus(meta, corpus, src):
        mapping, unknown = mod.class_map(model, view)
        if not mapping:
            raise ConfigError(f"{corpus.root}: none of the {len(view)} {split} samples of {src!r} has a label the "
                              f"model knows (e.g. {sorted(unknown)[:5]}; the model's: {model.class_names[:5]}...)")
        view = view.filter(ids=list(mapping))
        kw = {"labels_by_id": mapping}
        extra = {"classes_matched_by": "normalised label name", "unknown_label_samples": sum(unknown.values()),
                 "unknown_labels": dict(sorted(unknown.items(), key=lambda kv: -kv[1]))}
    with torch.no_grad():
        metrics, examples = mod.evaluate_model(model, eval_batches(view, cfg, batch_size), **kw)
    metrics = {**metrics, "split": split, "source": src, "num_samples": len(view),
               "checkpoint": str(model_dir(checkpoint)), **extra}
    table = mod.table({row_name(meta): {split: metrics}}, title=f"{task.upper()} on {src} ({split})")
    out = Path(out) if out is not None else model_dir(checkpoint).parent / "eval"
    files = {
        "metrics": out / f"metrics_{split}.json", "table": out / f"table_{split}.md",
        "examples": out / f"examples_{split}.md", "examples_jsonl": out / f"examples_{split}.jsonl",
    }
    write_text(files["metrics"], json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    write_text(files["table"], table)
    write_text(files["examples"], mod.examples_markdown(examples, num_examples))
    write_text(files["examples_jsonl"], "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples))
    return TaskResult(task, split, metrics, examples, table, files)


def _evaluation_source(task: str, corpus, split: str, trained_on: str) -> str:
    """The checkpoint's source when the corpus has it, else the corpus's only source usable for `task` in `split`."""
    sources = sorted(set(corpus.filter(split=split).column("source")))
    if trained_on in sources:
        return trained_on
    usable = [s for s in sources if len(_usable(task, corpus.filter(source=s, split=split)))]
    if task == "islr":  # isolated signs: a source with labels
        usable = [s for s in usable if (corpus.filter(source=s, split=split).column("label") >= 0).any()]
    if len(usable) == 1:
        return usable[0]
    raise ConfigError(f"{corpus.root}: the checkpoint was trained on source {trained_on!r}, which this corpus lacks; "
                      f"{'several' if usable else 'no'} {split} source(s) suit {task}: {usable or sources}; "
                      f"choose one with --source")


def _other_corpus(meta: dict, corpus, source: str) -> bool:
    """True when `corpus` is not the one the checkpoint was trained on (its path is recorded since signpt
    0.1; older checkpoints: when the source differs)."""
    trained = meta.get("corpus")
    if trained is not None:
        return Path(trained) != Path(corpus.root).resolve()
    return source != meta["source"]


def evaluate(task: str, corpus, checkpoint, split: str = "test", out: str | Path | None = None, **kw) -> dict:
    """Metrics dict of `checkpoint` on `split` (see ``run_evaluation`` for the files written)."""
    return run_evaluation(task, corpus, checkpoint, split=split, out=out, **kw).metrics


VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


def load_input(item):
    """A pose input -> k79 ``Sample``: a PoseSequence, a pose file (any format ``signpt.pose.read_pose``
    reads) or a video (extracted with ``signpt.extract`` when the extraction extra is installed)."""
    import numpy as np

    from signpt.data.schema import Sample
    from signpt.pose import read_pose, to_k79

    if hasattr(item, "keypoints") and hasattr(item, "layout"):
        seq, name = item, getattr(item, "source", None) or "input"
    else:
        path = Path(item)
        name = str(path)
        if path.suffix.lower() in VIDEO_SUFFIXES:
            seq = _extract_video(path)
        else:
            seq = read_pose(path)
    seq = to_k79(seq)
    frame_size = tuple(int(v) for v in seq.frame_size) if seq.frame_size is not None else (1, 1)
    return Sample(id=name, source="input", sign_language="unknown", spoken_language="unknown", split="test",
                  keypoints=np.asarray(seq.keypoints, dtype=np.float32), confidence=np.asarray(seq.confidence, dtype=np.float32),
                  fps=float(seq.fps or 25.0), frame_size=frame_size)


def _extract_video(path: Path):
    """Pose of one video through ``signpt.extract`` (MediaPipe Holistic, the optional extra)."""
    import tempfile

    from signpt.extract import extract, output_path
    from signpt.pose import read_pose

    with tempfile.TemporaryDirectory() as tmp:
        extract([path], tmp, progress=False)
        target = output_path(Path(tmp), Path(path.name))
        if not target.exists():
            raise ConfigError(f"{path}: pose extraction produced no output (see the extraction report)")
        return read_pose(target)


def predict(task: str, checkpoint, inputs, *, texts: list[str] | None = None, k: int = 5) -> list:
    """Predictions for single inputs (pose files, videos or PoseSequences), one entry per input:
    islr: top-k [(sign, probability)]; cslr: [gloss, ...]; slt: "translation";
    retrieval: top-k [(text, similarity)] among `texts`."""
    from signpt.data.batching import collate
    from signpt.tasks.common import TaskConfig, make_dataset

    model, meta = load_task_model(checkpoint, task)
    cfg = TaskConfig.from_dict(meta["task_config"])
    if isinstance(inputs, (str, Path)) or hasattr(inputs, "keypoints"):
        inputs = [inputs]
    samples = [load_input(x) for x in inputs]
    ds = make_dataset(samples, cfg, train=False)
    results = []
    with torch.no_grad():
        for i in range(len(ds)):
            batch = collate([ds[i]])
            if task == "islr":
                results.append(model.predict(batch, k=k)[0])
            elif task == "cslr":
                results.append(model.decode(batch)[0])
            elif task == "slt":
                results.append(model.translate(batch)[0])
            else:
                if not texts:
                    raise ConfigError("retrieval prediction needs candidate texts (--texts FILE)")
                from signpt.tasks.retrieval import rank_texts

                results.append(rank_texts(model, batch, list(texts), k=k)[0])
    return results


__all__ = ["finetune", "evaluate", "run_evaluation", "predict", "load_input", "CheckpointError"]
