"""WLASL (American Sign Language, isolated; Li et al. 2020).

Annotations (``annotations`` = one of):
- ``WLASL_v0.3.json``: a list of ``{"gloss": str, "instances": [{"video_id", "split", "frame_start",
  "frame_end", "signer_id", "fps", ...}]}``; the class index is the entry's position (the order of
  ``wlasl_class_list.txt``). ``frame_start`` is 1-based, ``frame_end`` inclusive, -1 = to the end.
- ``nslt_{100,300,1000,2000}.json``: ``{video_id: {"subset": train|val|test, "action": [class, start, end]}}``
  with the class names in ``wlasl_class_list.txt`` (``index<TAB>gloss``) beside it, or at
  ``options.class_list``.

Poses: ``{poses}/{video_id}.{ext}``. The frame range is applied only when the pose file covers the
untrimmed video (it is at least ``frame_end`` long); pose files made from the start kit's trimmed
clips are taken whole. Splits: train, val -> dev, test. Text: the template ("This word is book.").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_text, require_file
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=True)


def read_class_list(path: Path) -> dict[int, str]:
    """``wlasl_class_list.txt``: ``index<TAB>gloss`` per line -> {index: gloss}."""
    classes = {}
    for n, line in enumerate(read_text(require_file(path, "WLASL class list")).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split(maxsplit=1)
        try:
            classes[int(parts[0])] = parts[1].strip()
        except (ValueError, IndexError):
            raise CurationError(f"{path}:{n}: expected 'index<TAB>gloss', got {line!r}") from None
    return classes


def records(src: Source) -> Iterator[Record]:
    path = require_file(src.annotations, "WLASL annotation file")
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise CurationError(f"{path}: not valid JSON ({e})") from None
    if isinstance(data, list):
        yield from _from_v03(src, path, data)
    elif isinstance(data, dict):
        class_list = Path(src.options.get("class_list") or path.with_name("wlasl_class_list.txt"))
        if not class_list.is_absolute() and "class_list" in src.options:
            class_list = path.parent / class_list
        yield from _from_nslt(src, path, data, read_class_list(class_list))
    else:
        raise CurationError(f"{path}: expected WLASL_v0.3.json (a list) or nslt_*.json (a dict)")


def _record(src: Source, video_id: str, split: str, label: int, gloss: str, start: int, end: int,
            signer) -> Record:
    start0 = max(int(start) - 1, 0)
    stop = None if int(end) < 0 else int(end)
    return Record(
        id=video_id, pose=src.find_pose(video_id), split=split, text=src.sentence(gloss), gloss=[gloss],
        label=label, signer=None if signer is None else str(signer), start_frame=start0, end_frame=stop,
        cut_if_untrimmed=True, video=video_id,
    )


def _from_v03(src: Source, path: Path, data: list) -> Iterator[Record]:
    for label, entry in enumerate(data):
        try:
            gloss, instances = entry["gloss"], entry["instances"]
        except (KeyError, TypeError):
            raise CurationError(f"{path}: entry {label} lacks 'gloss' or 'instances'") from None
        for inst in instances:
            vid = str(inst.get("video_id", ""))
            try:
                split = src.split(inst.get("split"))
            except KeyError as e:
                yield Record(id=vid, pose=None, split=None, problem=f"{path}: {e.args[0]}")
                continue
            yield _record(src, vid, split, label, gloss, inst.get("frame_start", 1), inst.get("frame_end", -1),
                          inst.get("signer_id"))


def _from_nslt(src: Source, path: Path, data: dict, classes: dict[int, str]) -> Iterator[Record]:
    for vid, entry in data.items():
        try:
            label, start, end = entry["action"][:3]
            subset = entry["subset"]
        except (KeyError, TypeError, ValueError):
            raise CurationError(f"{path}: entry {vid!r} lacks 'subset' or 'action': [class, start, end]") from None
        if label not in classes:
            yield Record(id=vid, pose=None, split=None, problem=f"{path}: class {label} not in the class list")
            continue
        try:
            split = src.split(subset)
        except KeyError as e:
            yield Record(id=vid, pose=None, split=None, problem=f"{path}: {e.args[0]}")
            continue
        yield _record(src, vid, split, int(label), classes[label], start, end, None)
