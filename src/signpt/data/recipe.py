"""Curation recipes: which datasets go into a corpus, where their files are, and how to read them.

A recipe is a YAML file (or the same structure as a dict)::

    options:                      # global
      layout: k79                 # output keypoint layout (only k79)
      min_frames: 4               # shorter samples are skipped (and reported)
      max_frames: null            # longer samples are skipped (and reported); null = no limit
      shard_size: 2000            # samples per corpus shard
      templates:                  # isolated gloss -> sentence, per spoken language
        en: "This word is {gloss}."
    sources:
      - name: wlasl               # source name written into every sample (and its id prefix)
        adapter: wlasl            # one of signpt.data.sources.ADAPTERS
        annotations: WLASL/WLASL_v0.3.json   # file or folder, relative to the recipe file
        poses: WLASL/poses        # folder of per-video pose files (generic: optional base of the pose paths)
        pose_format: auto         # file extension to look for: pose|npz|npy|pkl|json|openpose|auto
        layout: null              # expected input layout; a file in another layout is skipped
        language: {sign: asl, spoken: en}
        split_map: {val: dev}     # official split name -> corpus split (null drops the split)
        template: null            # overrides options.templates for this source
        fps: null                 # frame rate for pose files that carry none
        frame_size: null          # [width, height] for pose files that carry none (.npy, OpenPose), or infer
        trusted: false            # allow pickle pose/annotation files (never for untrusted input)
        require_text: true        # a sample without text is skipped (false for unpaired sources)
        hands: null               # {poses: DIR, pose_format: auto, mode: add|replace}
        split: null               # every record of the source into this split (train|dev|test|pretrain)
        dominant_hand: null       # right|left: mirror samples whose other hand is present in more frames
        options: {}               # adapter-specific (see each adapter's docstring)

Relative paths are resolved against the recipe file's folder (or ``base_dir`` for dicts); ``$VARS`` and
``~`` in paths are expanded (``$SIGNPT_DATA/WLASL/...``).
Every problem is a :class:`~signpt.errors.ConfigError` naming the recipe and the offending key.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from signpt.data.source_config import DEFAULT_TEMPLATES, HandsConfig, SourceConfig
from signpt.errors import ConfigError

POSE_FORMATS = ("auto", "pose", "npz", "npy", "pkl", "pickle", "json", "openpose")
HAND_MODES = ("add", "replace")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")


@dataclass
class CurationOptions:
    layout: str = "k79"
    min_frames: int = 1
    max_frames: int | None = None
    shard_size: int = 2000
    templates: dict = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))


@dataclass
class Recipe:
    sources: list[SourceConfig]
    options: CurationOptions = field(default_factory=CurationOptions)
    path: Path | None = None

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"{self.path or 'recipe'}: no source named {name!r}")


_SOURCE_KEYS = {
    "name", "adapter", "annotations", "poses", "pose_format", "layout", "language", "split_map",
    "template", "fps", "frame_size", "trusted", "require_text", "hands", "options", "split",
    "dominant_hand",
}
_OPTION_KEYS = {"layout", "min_frames", "max_frames", "shard_size", "templates"}


def load_recipe(recipe: str | Path | dict | Recipe, base_dir: str | Path | None = None) -> Recipe:
    """Read and validate a recipe from a YAML path, a dict, or pass a :class:`Recipe` through."""
    if isinstance(recipe, Recipe):
        return recipe
    path = None
    if isinstance(recipe, (str, Path)):
        path = Path(recipe)
        if not path.is_file():
            raise ConfigError(f"{path}: recipe file not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML: {e}") from None
        base = path.parent if base_dir is None else Path(base_dir)
    elif isinstance(recipe, dict):
        data = recipe
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        raise ConfigError(f"recipe must be a path or a dict, got {type(recipe).__name__}")
    where = str(path) if path else "recipe"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: top level must be a mapping with 'sources' (and optional 'options')")
    unknown = set(data) - {"sources", "options"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s) {sorted(unknown)} (expected 'sources', 'options')")
    options = _parse_options(data.get("options") or {}, where)
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ConfigError(f"{where}: 'sources' must be a non-empty list")
    sources = [_parse_source(s, i, base, where) for i, s in enumerate(raw_sources)]
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: duplicate source name(s) {dupes}")
    return Recipe(sources=sources, options=options, path=path)


def _parse_options(raw, where: str) -> CurationOptions:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'options' must be a mapping")
    unknown = set(raw) - _OPTION_KEYS
    if unknown:
        raise ConfigError(f"{where}: options: unknown key(s) {sorted(unknown)} (known: {sorted(_OPTION_KEYS)})")
    opts = CurationOptions()
    if raw.get("layout", "k79") != "k79":
        raise ConfigError(f"{where}: options.layout: only 'k79' is supported, got {raw['layout']!r}")
    opts.min_frames = _int(raw.get("min_frames", 1), f"{where}: options.min_frames", minimum=1)
    if raw.get("max_frames") is not None:
        opts.max_frames = _int(raw["max_frames"], f"{where}: options.max_frames", minimum=1)
        if opts.max_frames < opts.min_frames:
            raise ConfigError(f"{where}: options.max_frames ({opts.max_frames}) < min_frames ({opts.min_frames})")
    opts.shard_size = _int(raw.get("shard_size", 2000), f"{where}: options.shard_size", minimum=1)
    templates = raw.get("templates") or {}
    if not isinstance(templates, dict):
        raise ConfigError(f"{where}: options.templates must map a spoken language to a template")
    for lang, t in templates.items():
        _check_template(t, f"{where}: options.templates.{lang}")
    opts.templates = {**DEFAULT_TEMPLATES, **templates}
    return opts


def _parse_source(raw, i: int, base: Path, where: str) -> SourceConfig:
    from signpt.data.sources import ADAPTERS, get_adapter

    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: sources[{i}] must be a mapping")
    label = f"{where}: sources[{i}]" + (f" ({raw['name']})" if "name" in raw else "")
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {sorted(unknown)} (known: {sorted(_SOURCE_KEYS)})")
    for key in ("name", "adapter", "annotations"):
        if not raw.get(key):
            raise ConfigError(f"{label}: missing required key {key!r}")
    name = str(raw["name"])
    if not _NAME.match(name):
        raise ConfigError(f"{label}: name {name!r} may hold only letters, digits and '_' (it prefixes the corpus shard files)")
    adapter = str(raw["adapter"])
    if adapter not in ADAPTERS:
        raise ConfigError(f"{label}: unknown adapter {adapter!r} (known: {', '.join(sorted(ADAPTERS))})")
    if get_adapter(adapter).DEFAULTS.needs_poses and not raw.get("poses"):
        raise ConfigError(f"{label}: missing required key 'poses' (the folder of the {adapter} pose files)")
    pose_format = str(raw.get("pose_format", "auto")).lstrip(".")
    if pose_format not in POSE_FORMATS:
        raise ConfigError(f"{label}: pose_format {pose_format!r} not one of {POSE_FORMATS}")
    lang = raw.get("language") or {}
    if not isinstance(lang, dict) or set(lang) - {"sign", "spoken"}:
        raise ConfigError(f"{label}: language must be a mapping with keys 'sign' and/or 'spoken'")
    split_map = raw.get("split_map") or {}
    if not isinstance(split_map, dict):
        raise ConfigError(f"{label}: split_map must map official split names to corpus splits")
    from signpt.data.schema import SPLITS

    for k, v in split_map.items():
        if v is not None and v not in SPLITS:
            raise ConfigError(f"{label}: split_map.{k} = {v!r} is not one of {SPLITS} (or null to drop)")
    split = raw.get("split")
    if split is not None and split not in SPLITS:
        raise ConfigError(f"{label}: split {split!r} is not one of {SPLITS}")
    dominant = raw.get("dominant_hand")
    if dominant not in (None, "right", "left"):
        raise ConfigError(f"{label}: dominant_hand must be 'right', 'left' or null, got {dominant!r}")
    template = raw.get("template")
    if template is not None:
        _check_template(template, f"{label}: template")
    fps = raw.get("fps")
    if fps is not None:
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            raise ConfigError(f"{label}: fps must be a number, got {fps!r}") from None
        if not fps > 0:
            raise ConfigError(f"{label}: fps must be positive, got {fps}")
    frame_size = raw.get("frame_size")
    if frame_size is not None and frame_size != "infer":
        ok = isinstance(frame_size, (list, tuple)) and len(frame_size) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in frame_size)
        if not ok:
            raise ConfigError(f"{label}: frame_size must be [width, height] in pixels or 'infer', got {frame_size!r}")
        frame_size = (int(frame_size[0]), int(frame_size[1]))
    layout = raw.get("layout")
    if layout is not None:
        from signpt.pose.layouts import LAYOUTS

        try:
            import signpt.pose  # noqa: F401  (registers the layouts of the pose layer)
        except ImportError:
            pass
        if layout not in LAYOUTS:
            raise ConfigError(f"{label}: layout {layout!r} is unknown (known: {', '.join(sorted(LAYOUTS))})")
    hands = raw.get("hands")
    if hands is not None:
        if not isinstance(hands, dict) or "poses" not in hands or set(hands) - {"poses", "pose_format", "mode"}:
            raise ConfigError(f"{label}: hands must be a mapping with 'poses' (and optional 'pose_format', 'mode')")
        mode = hands.get("mode", "add")
        if mode not in HAND_MODES:
            raise ConfigError(f"{label}: hands.mode {mode!r} not one of {HAND_MODES}")
        hfmt = str(hands.get("pose_format", "auto")).lstrip(".")
        if hfmt not in POSE_FORMATS:
            raise ConfigError(f"{label}: hands.pose_format {hfmt!r} not one of {POSE_FORMATS}")
        hands = HandsConfig(poses=_path(base, hands["poses"], f"{label}: hands.poses"), pose_format=hfmt, mode=mode)
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError(f"{label}: options must be a mapping")
    require_text = raw.get("require_text")
    return SourceConfig(
        name=name, adapter=adapter, annotations=_path(base, raw["annotations"], f"{label}: annotations"),
        poses=_path(base, raw["poses"], f"{label}: poses") if raw.get("poses") else None,
        pose_format=pose_format, layout=layout, sign_language=lang.get("sign"), spoken_language=lang.get("spoken"),
        split_map=dict(split_map), template=template, fps=fps, frame_size=frame_size, trusted=bool(raw.get("trusted", False)),
        require_text=None if require_text is None else bool(require_text), hands=hands, options=dict(options),
        split=split, dominant_hand=dominant,
    )


def _path(base: Path, value, where: str = "recipe") -> Path:
    expanded = os.path.expandvars(str(value))
    unset = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", expanded)
    if unset:
        raise ConfigError(f"{where}: path {value!r} uses environment variable(s) {unset} that are not set")
    p = Path(expanded).expanduser()
    return p if p.is_absolute() else base / p


def _int(value, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{where} must be >= {minimum}, got {value}")
    return value


def _check_template(t, where: str) -> None:
    if not isinstance(t, str) or "{gloss}" not in t:
        raise ConfigError(f"{where} must be a string containing '{{gloss}}', got {t!r}")
    try:
        t.format(gloss="x")
    except (KeyError, IndexError, ValueError) as e:
        raise ConfigError(f"{where}: bad template {t!r}: only '{{gloss}}' may be substituted ({e})") from None
