"""CSL-Daily (Chinese Sign Language, sentences; Zhou et al. 2021).

Annotations (a folder): ``video_map.txt`` (``index|name|length|gloss|char|word|postag``; ``gloss``,
``char`` and ``word`` are space-separated tokens) and ``split_1.txt`` (``name|split``, split in
train/dev/test). Text: the ``word`` column (``options.text: char`` for the characters) with the
separating spaces removed, i.e. the plain Chinese sentence.

Poses: ``{poses}/{name}.{ext}``.
"""
from __future__ import annotations

from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_delimited, require_file, split_gloss
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="csl", spoken_language="zh", isolated=False)


def records(src: Source) -> Iterator[Record]:
    folder = src.annotations if src.annotations.is_dir() else src.annotations.parent
    vmap = require_file(folder / src.options.get("video_map", "video_map.txt"), "CSL-Daily video_map.txt")
    splits_path = require_file(folder / src.options.get("split_file", "split_1.txt"), "CSL-Daily split_1.txt")
    column = src.options.get("text", "word")
    if column not in ("word", "char"):
        raise CurationError(f"source {src.name}: options.text must be 'word' or 'char', got {column!r}")
    splits = {r["name"]: r["split"] for r in read_delimited(splits_path, "|", ["name", "split"])}
    for row in read_delimited(vmap, "|", ["name", "length", "gloss", "char", "word"]):
        name = row["name"]
        if name not in splits:
            yield Record(id=name, pose=None, split=None, problem=f"{splits_path}: {name} has no split")
            continue
        try:
            split = src.split(splits[name])
        except KeyError as e:
            yield Record(id=name, pose=None, split=None, problem=f"{splits_path}: {e.args[0]}")
            continue
        text = "".join((row[column] or "").split()) or None
        meta = {"frames": int(row["length"])} if (row.get("length") or "").isdigit() else {}
        yield Record(id=name, pose=src.find_pose(name), split=split, text=text, gloss=split_gloss(row["gloss"]),
                     signer=None, video=name, meta=meta)
