"""Your own data: a CSV or JSONL manifest, one sample per line.

Fields (CSV header / JSON keys):
``id`` (unique in the source), ``pose`` (pose file, relative to the manifest's folder, or to the source's
``poses`` when the recipe gives it), ``text``, ``gloss`` (space-separated), ``label`` (int),
``split`` (train/dev/test/pretrain or an official name mapped by ``split_map``), ``sign_language``,
``spoken_language``, ``signer``; optional ``start``/``end`` (seconds, a cut of the pose file) and
``source`` (overrides the recipe's source name for that sample). Empty values and missing keys mean None;
``sign_language``/``spoken_language`` fall back to the recipe's ``language``.

Template: only when the recipe sets ``template`` on this source, rows with a gloss and no text get the
sentence ``template.format(gloss=gloss)``.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_text, require_file, split_gloss
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="unknown", spoken_language="unknown", isolated=False, needs_poses=False)
FIELDS = ("id", "pose", "text", "gloss", "label", "split", "sign_language", "spoken_language", "signer",
          "start", "end", "source")


def read_manifest(path: Path) -> list[dict]:
    """Rows of a ``.jsonl``/``.json`` (one object per line) or ``.csv``/``.tsv`` manifest."""
    text = read_text(require_file(path, "manifest"))
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise CurationError(f"{path}:{n}: not a JSON object ({e})") from None
            if not isinstance(row, dict):
                raise CurationError(f"{path}:{n}: expected a JSON object per line")
            rows.append(row)
        return rows
    if path.suffix.lower() in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        if not reader.fieldnames or "id" not in reader.fieldnames or "pose" not in reader.fieldnames:
            raise CurationError(f"{path}: the header must have at least 'id' and 'pose' (got {reader.fieldnames})")
        return list(reader)
    raise CurationError(f"{path}: manifest must be .jsonl or .csv (got {path.suffix or 'no extension'})")


def _value(row: dict, key: str):
    v = row.get(key)
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def records(src: Source) -> Iterator[Record]:
    path = src.annotations
    base = src.cfg.poses if src.cfg.poses is not None else path.parent
    for n, row in enumerate(read_manifest(path), 1):
        sid = _value(row, "id")
        where = f"{path}:{n}"
        if sid is None:
            yield Record(id=f"line{n}", pose=None, split=None, problem=f"{where}: no id")
            continue
        sid = str(sid)
        pose = _value(row, "pose")
        if pose is None:
            yield Record(id=sid, pose=None, split=None, problem=f"{where}: no pose path")
            continue
        pose = Path(str(pose))
        pose = pose if pose.is_absolute() else base / pose
        try:
            split = src.split(_value(row, "split") or "train")
        except KeyError as e:
            yield Record(id=sid, pose=None, split=None, problem=f"{where}: {e.args[0]}")
            continue
        label = _value(row, "label")
        try:
            label = None if label is None else int(label)
            start = _value(row, "start")
            end = _value(row, "end")
            start = None if start is None else float(start)
            end = None if end is None else float(end)
        except (TypeError, ValueError):
            yield Record(id=sid, pose=None, split=split, problem=f"{where}: label must be an int, start/end numbers")
            continue
        if (start is None) != (end is None):
            yield Record(id=sid, pose=None, split=split, problem=f"{where}: give both start and end, or neither")
            continue
        gloss = _value(row, "gloss")
        gloss = split_gloss(gloss) if isinstance(gloss, str) else ([str(g) for g in gloss] if gloss else None)
        text = _value(row, "text")
        spoken = _value(row, "spoken_language") or src.spoken_language
        if text is None and gloss and src.cfg.template:
            text = src.sentence(" ".join(gloss), spoken)
        signer = _value(row, "signer")
        yield Record(
            id=sid, pose=pose, split=split, text=text, gloss=gloss, label=label,
            signer=None if signer is None else str(signer), start=start, end=end,
            sign_language=_value(row, "sign_language") or src.sign_language, spoken_language=spoken,
            source=_value(row, "source"), video=pose.stem,
        )
