"""Training hyper-parameters (`TrainConfig`) and a small typed YAML/override loader for any config dataclass.

Defaults are the paper's pre-training column of Table III: AdamW, lr 1e-4, weight decay 0.1 (Table III; the
running text of section IV-A says 0.01 — we follow the table), beta1 0.9 ("optimizer momentum"; beta2 is not
given, we keep AdamW's 0.999), batch 512, warm-up over the first 10% then linear decay, 100 epochs.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from signpt.errors import ConfigError

SCHEDULES = ("linear", "cosine", "step", "constant")


@dataclass
class TrainConfig:
    """How to optimise a model; model architecture lives in the model's own config.

    Units: `batch_size` is the GLOBAL number of samples per optimizer step (summed over ranks and
    gradient-accumulation micro-batches, as the paper reports it); each rank's micro-batch is
    batch_size / (world_size * accum_steps) and must divide exactly. `max_steps`, `warmup_steps`,
    `ckpt_every` and `log_every` count optimizer steps; `step_size` and `eval_every` count epochs.
    """

    lr: float = 1e-4
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    lr_scales: dict[str, float] = field(default_factory=dict)
    """Learning-rate multiplier per parameter-name prefix, longest prefix wins, e.g. {"encoder.": 0.1}."""

    epochs: int = 100
    max_steps: int | None = None
    """Stop after this many optimizer steps (overrides `epochs` for the schedule length)."""
    schedule: Literal["linear", "cosine", "step", "constant"] = "linear"
    warmup: float = 0.1
    """Warm-up length as a fraction of all optimizer steps (ignored when `warmup_steps` is set)."""
    warmup_steps: int | None = None
    step_size: int = 20
    """For schedule "step": multiply the lr by `gamma` every `step_size` epochs."""
    gamma: float = 0.1
    min_lr_ratio: float = 0.0
    """Floor of the linear/cosine decay, as a fraction of the peak lr."""

    batch_size: int = 512
    accum_steps: int = 1
    grad_clip: float | None = 1.0
    """Max global L2 norm of the gradients; None or 0 = no clipping."""
    bf16: bool = False
    """bf16 autocast for forward + loss (weights and optimizer stay fp32). Off by default on CPU:
    see benchmarks/bench_train.py for the measured effect; turn it on for GPUs that support bf16."""
    drop_last: bool = True
    shuffle: bool = True
    num_workers: int = 0
    seed: int = 0
    device: str = "auto"
    """"auto" (cuda:LOCAL_RANK when available, else cpu), "cpu" or "cuda"."""
    find_unused_parameters: bool = False
    """DDP only: set True when some parameters may get no gradient in a step (e.g. a task head used only
    for some batches); costs an extra graph traversal per step."""

    log_every: int = 10
    """Refresh the progress-bar postfix every this many steps (the CSV log gets every step)."""
    ckpt_every: int = 1000
    """Checkpoint every this many optimizer steps (0 = only at the end)."""
    keep_last: int = 2
    eval_every: int = 1
    best_metric: str | None = None
    """Key of the `eval_fn` result to select the best checkpoint by (saved as checkpoints/best)."""
    best_mode: Literal["max", "min"] = "max"

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)  # YAML gives lists
        validate_train_config(self)


def validate_train_config(cfg: TrainConfig) -> None:
    """Raise ConfigError naming the field for values that cannot work."""

    def bad(name: str, why: str) -> None:
        raise ConfigError(f"train config: {name}={getattr(cfg, name)!r}: {why}")

    if not cfg.lr > 0:
        bad("lr", "must be > 0")
    if cfg.weight_decay < 0:
        bad("weight_decay", "must be >= 0")
    if len(cfg.betas) != 2 or not all(0 <= b < 1 for b in cfg.betas):
        bad("betas", "must be two numbers in [0, 1)")
    if cfg.schedule not in SCHEDULES:
        bad("schedule", f"must be one of {', '.join(SCHEDULES)}")
    if not 0 <= cfg.warmup < 1:
        bad("warmup", "is a fraction of the run, must be in [0, 1)")
    if cfg.warmup_steps is not None and cfg.warmup_steps < 0:
        bad("warmup_steps", "must be >= 0")
    if cfg.max_steps is None and cfg.epochs < 1:
        bad("epochs", "must be >= 1 (or set max_steps)")
    if cfg.max_steps is not None and cfg.max_steps < 1:
        bad("max_steps", "must be >= 1")
    for name in ("batch_size", "accum_steps", "step_size", "log_every", "eval_every", "keep_last"):
        if getattr(cfg, name) < 1:
            bad(name, "must be >= 1")
    if cfg.ckpt_every < 0:
        bad("ckpt_every", "must be >= 0")
    if cfg.batch_size % cfg.accum_steps:
        bad("batch_size", f"must be a multiple of accum_steps={cfg.accum_steps}")
    if not 0 <= cfg.min_lr_ratio <= 1:
        bad("min_lr_ratio", "must be in [0, 1]")
    if cfg.best_mode not in ("max", "min"):
        bad("best_mode", "must be 'max' or 'min'")
    if cfg.device not in ("auto", "cpu", "cuda"):
        bad("device", "must be 'auto', 'cpu' or 'cuda'")
    for prefix, scale in cfg.lr_scales.items():
        if not isinstance(prefix, str) or not isinstance(scale, (int, float)) or scale < 0:
            raise ConfigError(f"train config: lr_scales[{prefix!r}]={scale!r}: need a str prefix -> number >= 0")


# ---------------------------------------------------------------------------------------------------------
# Generic dataclass <-> dict / YAML / "key=value" overrides, with type checking.


def to_dict(cfg: Any) -> dict:
    """Plain-data dict of a (possibly nested) config dataclass, tuples as lists (YAML/JSON friendly)."""

    def plain(v):
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return plain(cfg)


def from_dict(cls: type, data: dict, *, where: str = "config") -> Any:
    """Build dataclass `cls` from `data`, checking keys and value types; nested dataclasses from sub-dicts.

    Raises ConfigError naming `where` (a file name or "--set") and the offending key.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping for {cls.__name__}, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} for {cls.__name__}; known: {', '.join(sorted(names))}"
        )
    kwargs = {k: _coerce(v, hints[k], f"{where}: {k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from e
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: invalid {cls.__name__}: {e}") from e


def replace(cfg: Any, changes: dict, *, where: str = "config") -> Any:
    """A copy of dataclass `cfg` with `changes` applied (nested: {"encoder": {"depth": 2}}), type-checked."""
    base = to_dict(cfg)
    _deep_update(base, changes)
    return from_dict(type(cfg), base, where=where)


def parse_overrides(items: list[str] | None) -> dict:
    """["a.b=1", "lr=3e-4", "betas=[0.9,0.98]"] -> {"a": {"b": 1}, "lr": 0.0003, "betas": [0.9, 0.98]}.

    Values are parsed as YAML scalars/lists ("null", "true", "1e-4", "[1, 2]", "{a: 1}").
    """
    out: dict = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected key=value")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as e:
            raise ConfigError(f"--set {item!r}: cannot parse value: {e}") from e
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {p} is both a value and a section")
        node[leaf] = value
    return out


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping; ConfigError naming the file when missing, malformed or not a mapping."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config: {e.strerror or e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def _deep_update(base: dict, changes: dict) -> None:
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict) and not _is_free_dict_field(k, base):
            _deep_update(base[k], v)
        else:
            base[k] = v


def _is_free_dict_field(key: str, base: dict) -> bool:
    # dict-valued fields such as lr_scales are replaced as a whole, not merged key by key
    return key == "lr_scales"


_NONE = type(None)


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check/convert a YAML value against a type hint (int, float, bool, str, tuple, list, dict, Optional,
    Literal, nested dataclass). int -> float is allowed; nothing else is converted silently."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and _NONE in args:
            return None
        errors = []
        for a in args:
            if a is _NONE:
                continue
            try:
                return _coerce(value, a, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[-1] if len(errors) == 1 else f"{where}: {value!r} matches none of {tp}")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(value):
            return value
        return from_dict(tp, value, where=where)
    if origin in (tuple, list) or tp in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
            return tuple(_coerce(v, a, where) for v, a in zip(value, args))
        item = args[0] if args else Any
        seq = [_coerce(v, item, where) for v in value]
        return tuple(seq) if (origin is tuple or tp is tuple) else seq
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        kt, vt = args if args else (Any, Any)
        return {_coerce(k, kt, where): _coerce(v, vt, where) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            # YAML reads "1e-4" (no dot) as a string
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise ConfigError(f"{where}: cannot use {value!r} as {tp}")


# ---------------------------------------------------------------------------------------------------------
# Pre-training train configs per model preset (the model half lives in signpt.model.presets).

TRAIN_PRESETS: dict[str, dict] = {
    # Table III pre-training column, 8 GPUs x 64.
    "paper": dict(lr=1e-4, weight_decay=0.1, batch_size=512, epochs=100, schedule="linear", warmup=0.1,
                  bf16=True, ckpt_every=2000),
    # one GPU
    "base": dict(lr=1e-4, weight_decay=0.1, batch_size=128, epochs=100, schedule="linear", warmup=0.1,
                 bf16=True, ckpt_every=2000),
    # minutes on a 2-core CPU on the synthetic corpus: 8 epochs of `small` = ~770 steps, ~4 min at ~0.3 s/step
    "tiny": dict(lr=1e-3, weight_decay=0.1, batch_size=32, epochs=8, schedule="linear", warmup=0.1,
                 bf16=False, ckpt_every=200, log_every=5),
}


def train_preset(name: str) -> TrainConfig:
    """TrainConfig of a pre-training preset ("tiny", "base", "paper")."""
    if name not in TRAIN_PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(TRAIN_PRESETS)}")
    return TrainConfig(**TRAIN_PRESETS[name])
