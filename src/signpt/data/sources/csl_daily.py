"""CSL-Daily (Chinese Sign Language, sentences; Zhou et al. 2021).

Annotations (a folder, or one file), in either form:

- the official ``video_map.txt`` (``index|name|length|gloss|char|word|postag``; ``gloss``, ``char`` and ``word``
  are space-separated tokens) with ``split_1.txt`` (``name|split``, split in train/dev/test; the file lists all
  train rows, then dev, then test). Text: the ``word`` column (``options.text: char`` for the characters) with
  the separating spaces removed, i.e. the plain Chinese sentence. ``video_map.txt`` is not in any public copy
  found so far;
- the label dicts that GFSLT-VLP and Uni-Sign ship, ``labels.{train,dev,test}``: a gzip-compressed pickle of
  ``{name: {"name", "gloss": [str, ...], "text", "video_path"}}`` (gloss a list of strings, text the
  sentence). The split comes from ``split_1.txt`` beside them when it lists the name, else from the file name.
  Pickles are read only when the recipe marks the source ``trusted: true``, through an unpickler that builds
  plain containers only (:func:`signpt.data.sources.phoenix2014t.load_label_dict`).

Without ``video_map.txt`` or label dicts, ``split_1.txt`` alone gives the samples (no text or gloss; they are
skipped as "no text" unless ``require_text: false``).

Sample names are ``S{sentence:06d}_P{signer:04d}_T{take:02d}``; the signer is the ``P`` number without leading
zeros (``S000020_P0008_T00`` -> ``8``). Poses: ``{poses}/{name}.{ext}``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_delimited, require_file, split_gloss
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="csl", spoken_language="zh", isolated=False)
_NAME = re.compile(r"^S\d+_P(\d+)_T\d+$")
_LABELS = re.compile(r"^labels\.(train|dev|test|val)$")


def signer_of(name: str) -> str | None:
    m = _NAME.match(name)
    return str(int(m.group(1))) if m else None


def read_splits(path: Path) -> dict[str, tuple[str, int]]:
    """``split_1.txt`` -> {name: (official split, line number)}."""
    out = {}
    for r in read_delimited(path, "|", ["name", "split"]):
        if r["name"] in out:
            raise CurationError(f"{path}:{r['_line']}: {r['name']} is listed twice (first on line {out[r['name']][1]})")
        out[r["name"]] = (r["split"], r["_line"])
    return out


def records(src: Source) -> Iterator[Record]:
    ann = src.annotations
    folder = ann if ann.is_dir() else ann.parent
    if not folder.is_dir():
        raise CurationError(f"{ann}: CSL-Daily annotations not found")
    split_name = src.options.get("split_file", "split_1.txt")
    splits_path = ann if ann.is_file() and ann.name == split_name else folder / split_name
    splits = read_splits(splits_path) if splits_path.is_file() else {}
    if ann.is_file() and _LABELS.match(ann.name):
        label_files = [ann]
    elif ann.is_file():
        label_files = []
    else:
        label_files = sorted(p for p in folder.iterdir() if p.is_file() and _LABELS.match(p.name))
    vmap = folder / src.options.get("video_map", "video_map.txt")
    if vmap.is_file() and not (ann.is_file() and ann != vmap):
        yield from _from_video_map(src, vmap, splits_path, splits)
    elif label_files:
        if not src.cfg.trusted:
            raise CurationError(
                f"{label_files[0]}: a pickle file; set 'trusted: true' on source {src.name!r} in the recipe if you "
                "trust it (pickle can run code when read), or use video_map.txt"
            )
        for path in label_files:
            yield from _from_labels(src, path, splits)
    elif splits:
        for name, (official, line) in splits.items():
            yield _record(src, name, official, f"{splits_path}:{line}", None, None, {})
    else:
        raise CurationError(f"{folder}: no CSL-Daily annotations (video_map.txt with split_1.txt, or labels.*)")


def _record(src: Source, name: str, official: str, where: str, text, gloss, meta) -> Record:
    try:
        split = src.split(official)
    except KeyError as e:
        return Record(id=name, pose=None, split=None, problem=f"{where}: {e.args[0]}")
    return Record(id=name, pose=src.find_pose(name), split=split, text=text, gloss=gloss, signer=signer_of(name),
                  video=name, meta=meta)


def _from_video_map(src: Source, vmap: Path, splits_path: Path, splits: dict) -> Iterator[Record]:
    require_file(splits_path, "CSL-Daily split_1.txt")
    column = src.options.get("text", "word")
    if column not in ("word", "char"):
        raise CurationError(f"source {src.name}: options.text must be 'word' or 'char', got {column!r}")
    for row in read_delimited(vmap, "|", ["name", "length", "gloss", "char", "word"]):
        name = row["name"]
        if name not in splits:
            yield Record(id=name, pose=None, split=None, problem=f"{vmap}:{row['_line']}: {name} is not in {splits_path}")
            continue
        official, line = splits[name]
        text = "".join((row[column] or "").split()) or None
        meta = {"frames": int(row["length"])} if (row.get("length") or "").isdigit() else {}
        yield _record(src, name, official, f"{splits_path}:{line}", text, split_gloss(row["gloss"]), meta)


def _from_labels(src: Source, path: Path, splits: dict) -> Iterator[Record]:
    from signpt.data.sources.phoenix2014t import load_label_dict

    from_name = _LABELS.match(path.name).group(1)
    for key, entry in load_label_dict(path).items():
        if not isinstance(entry, dict):
            yield Record(id=str(key), pose=None, split=None, problem=f"{path}: entry {key!r} is not a dict")
            continue
        name = str(entry.get("name") or key)
        official, where = (splits[name][0], f"{path} / split file") if name in splits else (from_name, str(path))
        gloss = entry.get("gloss")
        if isinstance(gloss, (list, tuple)):
            gloss = [str(g).strip() for g in gloss if str(g).strip()] or None
        else:
            gloss = split_gloss(gloss)
        text = "".join(str(entry.get("text") or "").split()) or None
        meta = {"video_path": entry["video_path"]} if entry.get("video_path") else {}
        yield _record(src, name, official, f"{where}: {name}", text, gloss, meta)
