"""BOBSL (British Sign Language, untrimmed BBC episodes; Albanie et al. 2021).

Annotations: a folder of subtitle files ``{episode}.vtt`` (WebVTT; e.g. ``subtitles/manually-aligned``
or ``subtitles/audio-aligned``), searched recursively, and the episode splits, either

- the split file ``subset2episode.json`` (``{"train": [episode, ...], "val": [...], "test": [...]}``) at
  ``options.split_file``, or found in the folder or a parent; or
- the public episode lists (``bobsl_train_1658.txt``, ``bobsl_val_32.txt``, and the manually aligned subsets
  ``bobsl_align_train.txt`` / ``bobsl_align_val.txt``: one 19-digit episode id a line, LF, no final newline),
  ``options.split_lists`` (a list of files) or every ``bobsl_*.txt`` naming train, val or test in the folder or
  a parent; the split is the one the file name holds. An episode listed under two splits is an error.

Subtitles are not public (only the episode ids are), so no test here reads a real ``.vtt``. Each cue becomes
one pose-text pair, cut from the episode's pose file by the cue's timestamps and the pose fps. Sample id:
``{episode}/{cue number:05d}``. Episodes in no split file go to ``options.default_split`` (``pretrain``).

Poses: ``{poses}/{episode}.{ext}``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, annotation_files, read_text
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="bsl", spoken_language="en", isolated=False)
_TIME = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_TAG = re.compile(r"<[^>]*>")


def parse_timestamp(ts: str) -> float:
    """``hh:mm:ss.ttt`` or ``mm:ss.ttt`` -> seconds."""
    parts = ts.replace(",", ".").split(":")
    seconds = float(parts[-1])
    for i, p in enumerate(reversed(parts[:-1])):
        seconds += int(p) * 60 ** (i + 1)
    return seconds


def parse_vtt(path: Path) -> list[tuple[float, float, str]]:
    """The cues of a WebVTT file as (start s, end s, text); tags removed, lines joined by a space."""
    text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise CurationError(f"{path}: not a WebVTT file (first line must start with 'WEBVTT')")
    cues = []
    i = 0
    while i < len(lines):
        m = _TIME.match(lines[i])
        if not m:
            i += 1
            continue
        start, end = parse_timestamp(m.group(1)), parse_timestamp(m.group(2))
        i += 1
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(_TAG.sub("", lines[i]).strip())
            i += 1
        cues.append((start, end, " ".join(b for b in body if b)))
    return cues


def _split_file(src: Source) -> Path | None:
    if "split_file" in src.options:
        p = Path(src.options["split_file"])
        p = p if p.is_absolute() else (src.annotations if src.annotations.is_dir() else src.annotations.parent) / p
        if not p.is_file():
            raise CurationError(f"{p}: BOBSL split file not found")
        return p
    here = src.annotations if src.annotations.is_dir() else src.annotations.parent
    for folder in (here, *here.parents[:3]):
        if (folder / "subset2episode.json").is_file():
            return folder / "subset2episode.json"
    return None


_LIST_SPLIT = re.compile(r"train|val|test|dev", re.I)


def _split_lists(src: Source) -> list[Path]:
    here = src.annotations if src.annotations.is_dir() else src.annotations.parent
    if "split_lists" in src.options:
        paths = [Path(p) if Path(p).is_absolute() else here / p for p in src.options["split_lists"]]
        for p in paths:
            if not p.is_file():
                raise CurationError(f"{p}: BOBSL episode list not found")
        return paths
    for folder in (here, *here.parents[:3]):
        found = sorted(p for p in folder.glob("bobsl_*.txt") if _LIST_SPLIT.search(p.stem))
        if found:
            return found
    return []


def read_episode_lists(paths: list[Path]) -> dict[str, str]:
    """Episode lists (one id a line; split from the file name) -> {episode: official split}."""
    out: dict[str, tuple[str, str]] = {}
    for path in paths:
        m = _LIST_SPLIT.search(path.stem)
        if not m:
            raise CurationError(f"{path}: no split (train/val/test) in the file name of this episode list")
        subset = m.group(0).lower()
        for n, line in enumerate(read_text(path).splitlines(), 1):
            ep = line.strip()
            if not ep:
                continue
            if not ep.isdigit():
                raise CurationError(f"{path}:{n}: expected one numeric episode id a line, got {line!r}")
            if ep in out and out[ep][0] != subset:
                raise CurationError(f"{path}:{n}: episode {ep} is also in split {out[ep][0]!r} ({out[ep][1]})")
            out[ep] = (subset, f"{path}:{n}")
    return {ep: s for ep, (s, _) in out.items()}


def records(src: Source) -> Iterator[Record]:
    split_path = _split_file(src)
    episode_split: dict[str, str] = {}
    if split_path is None:
        lists = _split_lists(src)
        episode_split = read_episode_lists(lists)
        split_path = lists[0].parent if lists else None
    else:
        try:
            data = json.loads(read_text(split_path))
            for subset, episodes in data.items():
                for ep in episodes:
                    episode_split[str(ep)] = subset
        except (json.JSONDecodeError, AttributeError, TypeError) as e:
            raise CurationError(f"{split_path}: expected {{subset: [episode, ...]}} ({e})") from None
    default = src.options.get("default_split", "pretrain")
    for path in annotation_files(src.annotations, ["**/*.vtt"], "BOBSL subtitle files (.vtt)"):
        episode = path.stem
        official = episode_split.get(episode, default)
        pose = src.find_pose(episode)
        try:
            split = src.split(official)
        except KeyError as e:
            yield Record(id=f"{episode}/*", pose=None, split=None, problem=f"{split_path}: {e.args[0]}")
            continue
        for k, (start, end, text) in enumerate(parse_vtt(path)):
            yield Record(id=f"{episode}/{k:05d}", pose=pose, split=split, text=text or None, start=start, end=end,
                         video=episode)
