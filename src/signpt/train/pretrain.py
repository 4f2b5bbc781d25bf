"""Pre-training on a corpus: configs (model + train + data) resolved from a preset, YAML and overrides, then
`fit`, then the pose encoder alone saved for downstream use (``OUT/encoder``, ``SignEncoder.from_pretrained``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

from signpt.errors import ConfigError
from signpt.train import distributed as D
from signpt.train.config import TrainConfig, from_dict, load_yaml, parse_overrides, replace, to_dict, train_preset
from signpt.train.loop import History, fit

CONFIG_NAME = "config.yaml"


@dataclass
class PretrainDataConfig:
    """Which corpus samples pre-training reads. `splits` may only hold "pretrain" / "train" (never dev/test);
    sequences longer than `max_frames` are temporally sampled with `sampling`; the data fraction α is the
    model config's `data_fraction` (a seeded, nested random subset, Table XIII)."""

    splits: tuple[str, ...] = ("pretrain", "train")
    max_frames: int = 256
    sampling: str = "random"
    sources: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self.splits = tuple(self.splits)
        if self.sources is not None:
            self.sources = tuple(self.sources)
        bad = sorted(set(self.splits) - {"pretrain", "train"})
        if bad or not self.splits:
            raise ConfigError(f"data.splits={list(self.splits)}: pre-training reads only 'pretrain' and 'train'")
        if self.max_frames < 1:
            raise ConfigError(f"data.max_frames={self.max_frames}: must be >= 1")


@dataclass
class PretrainSetup:
    """Everything a pre-training run is made of (written to OUT/config.yaml)."""

    model: object  # signpt.model.PretrainConfig
    train: TrainConfig
    data: PretrainDataConfig


SECTIONS = ("model", "train", "data")


def resolve_config(preset: str, yaml_path: str | Path | None = None, overrides: list[str] | None = None,
                   **train_changes) -> PretrainSetup:
    """Preset -> YAML file (sections model/train/data) -> ``--set`` overrides -> `train_changes`
    (e.g. max_steps=5). Override keys are "section.field" or a bare field name that exists in exactly one
    section. ConfigError names the file / override and the key on any problem."""
    from signpt.model import get_preset

    model_cfg, train_cfg, data_cfg = get_preset(preset), train_preset(preset), PretrainDataConfig()
    setup = PretrainSetup(model_cfg, train_cfg, data_cfg)
    if yaml_path is not None:
        data = load_yaml(yaml_path)
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise ConfigError(f"{yaml_path}: unknown section(s) {unknown}; expected {list(SECTIONS)}")
        setup = _apply(setup, data, where=str(yaml_path))
    if overrides:
        setup = _apply(setup, _sectioned(parse_overrides(overrides), setup), where="--set")
    changes = {k: v for k, v in train_changes.items() if v is not None}
    if changes:
        setup = _apply(setup, {"train": changes}, where="command line")
    return setup


def _sectioned(flat: dict, setup: PretrainSetup) -> dict:
    out: dict = {s: {} for s in SECTIONS}
    for key, value in flat.items():
        if key in SECTIONS and isinstance(value, dict):
            out[key].update(value)
            continue
        owners = [s for s in SECTIONS if key in {f.name for f in dataclasses.fields(getattr(setup, s))}]
        if len(owners) != 1:
            why = "matches no section" if not owners else f"is ambiguous ({', '.join(owners)})"
            raise ConfigError(f"--set {key}: {why}; write section.{key} with a section of {list(SECTIONS)}")
        out[owners[0]][key] = value
    return out


def _apply(setup: PretrainSetup, changes: dict, *, where: str) -> PretrainSetup:
    parts = {}
    for s in SECTIONS:
        cur = getattr(setup, s)
        parts[s] = replace(cur, changes[s], where=f"{where} [{s}]") if changes.get(s) else cur
    return PretrainSetup(**parts)


def pretrain_dataset(corpus_dir: str | Path, data: PretrainDataConfig, fraction: float = 1.0, seed: int = 0):
    """PoseDataset over the pre-training splits of the corpus at `corpus_dir` (optionally a seeded random
    `fraction` of it)."""
    from signpt.data.batching import PoseDataset
    from signpt.data.store import Corpus

    corpus = Corpus(corpus_dir)
    view = corpus.filter(split=data.splits, source=data.sources)
    if len(view) == 0:
        raise ConfigError(f"{corpus_dir}: no samples in splits {list(data.splits)}"
                          + (f" of sources {list(data.sources)}" if data.sources else ""))
    if fraction < 1.0:
        view = view.subset(fraction, seed=seed)
    return PoseDataset(view, max_frames=data.max_frames, sampling=data.sampling, seed=seed)


def run_pretraining(corpus_dir: str | Path, out_dir: str | Path, setup: PretrainSetup, *, resume: bool = False,
                    progress: bool = True) -> History:
    """Pre-train `setup.model` on `corpus_dir` with `setup.train` (DDP under torchrun), writing under out_dir:
    config.yaml, train_log.csv, checkpoints/ and, at the end, encoder/ (``SignEncoder.save_pretrained``).

    With `resume`, the run continues from out_dir/checkpoints/latest; the model and data configs must equal
    those in out_dir/config.yaml (ConfigError otherwise)."""
    import torch

    from signpt.data.batching import collate
    from signpt.model import PretrainModel

    out_dir = Path(out_dir)
    rank, _, _ = D.setup(setup.train.device)
    record = {"corpus": str(Path(corpus_dir).resolve()), **{s: to_dict(getattr(setup, s)) for s in SECTIONS}}
    stored_path = out_dir / CONFIG_NAME
    if resume and stored_path.exists():
        stored = yaml.safe_load(stored_path.read_text()) or {}
        for s in ("model", "data"):
            if stored.get(s) != record[s]:
                diff = sorted(k for k in set(record[s]) | set(stored.get(s) or {})
                              if (stored.get(s) or {}).get(k) != record[s].get(k))
                raise ConfigError(f"{stored_path}: cannot resume, the {s} config differs in {diff}")
    if rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = stored_path.with_name(f".{CONFIG_NAME}.tmp{rank}")
        tmp.write_text(yaml.safe_dump(record, sort_keys=False))
        tmp.replace(stored_path)

    dataset = pretrain_dataset(corpus_dir, setup.data, setup.model.data_fraction, seed=setup.train.seed)
    torch.manual_seed(setup.train.seed)  # same initial weights on every rank (DDP also broadcasts rank 0's)
    model = PretrainModel(setup.model)
    history = fit(model, dataset, setup.train, out_dir, collate_fn=collate, resume=resume,
                  config={"model": record["model"], "data": record["data"]}, progress=progress)
    if rank == 0:
        model.encoder.save_pretrained(out_dir / "encoder")
    D.barrier()
    return history


def setup_from_dict(data: dict) -> PretrainSetup:
    """Inverse of the config.yaml record (for tools that re-open a run)."""
    from signpt.model import PretrainConfig

    return PretrainSetup(from_dict(PretrainConfig, data["model"], where="model"),
                         from_dict(TrainConfig, data["train"], where="train"),
                         from_dict(PretrainDataConfig, data["data"], where="data"))
