"""Google's Kaggle *Isolated Sign Language Recognition* data (GISLR, 250 ASL signs, 21 participants), and the
files laid out like it.

Annotations (``annotations`` = the CSV): Kaggle's ``train.csv`` with columns ``path, participant_id,
sequence_id, sign`` (``path`` relative to the CSV's folder, e.g. ``train_landmark_files/16069/100015657.parquet``),
or a mapping with columns ``parquet_file, sign`` whose files are found by name under ``poses`` (in any
participant folder ``<poses>/<participant>/<file>``; the folder name is the participant). The class index
comes from ``sign_to_prediction_index_map.json`` beside the CSV (or ``options.sign_map``), else from the
sorted signs. Landmarks: :mod:`signpt.pose.io.kaggle_parquet`.

Kaggle gives no split: every sequence goes to the source's ``split`` (default train), and
``options.splits: {test: [participant, ...], dev: [...]}`` keeps people apart. ``options.labels`` normalises
signs as in :mod:`signpt.data.labels` (class names and templates use the normalised form; the class index is
still the sign map's). Text: the template ("This word is tv.").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from signpt.data.labels import LabelMap
from signpt.data.sources.base import AdapterDefaults, Record, Source, read_delimited, read_text, require_file
from signpt.errors import ConfigError, CurationError

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=True, needs_poses=False)
SIGN_MAP = "sign_to_prediction_index_map.json"


def read_sign_map(path: Path) -> dict[str, int]:
    """``{sign: class index}`` of Kaggle's ``sign_to_prediction_index_map.json``."""
    try:
        data = json.loads(read_text(require_file(path, "sign map")))
    except json.JSONDecodeError as e:
        raise CurationError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
        raise CurationError(f"{path}: expected an object mapping each sign to an integer class index")
    if len(set(data.values())) != len(data):
        raise CurationError(f"{path}: two signs share a class index")
    return {str(k): int(v) for k, v in data.items()}


def _participant_files(poses: Path) -> dict[str, Path]:
    """File name -> path for every parquet in ``poses/<participant>/``; a name in two folders is ambiguous."""
    found: dict[str, Path] = {}
    twice = set()
    for p in sorted(poses.glob("*/*.parquet")):
        if p.name in found:
            twice.add(p.name)
        found[p.name] = p
    for name in twice:
        found[name] = None  # type: ignore[assignment]
    return found


def records(src: Source) -> Iterator[Record]:
    path = require_file(src.annotations, "Kaggle ISLR annotation CSV")
    o = dict(src.options)
    unknown = sorted(set(o) - {"sign_map", "labels", "splits"})
    if unknown:
        raise ConfigError(f"source {src.name}: options: unknown key(s) {unknown} (known: labels, sign_map, splits)")
    labels = LabelMap.from_options(o.get("labels") or {"normalise": []}, f"source {src.name}")
    split_of = {}
    for split, people in (o.get("splits") or {}).items():
        for p in people or []:
            split_of[str(p)] = split
    head = read_text(path).split("\n", 1)[0]
    kaggle = "path" in head.split(",")
    required = ("path", "participant_id", "sequence_id", "sign") if kaggle else ("parquet_file", "sign")
    rows = read_delimited(path, ",", required)
    sign_map_path = Path(o["sign_map"]) if o.get("sign_map") else path.with_name(SIGN_MAP)
    if o.get("sign_map") and not sign_map_path.is_absolute():
        sign_map_path = path.parent / sign_map_path
    sign_map = read_sign_map(sign_map_path) if sign_map_path.exists() else {
        s: i for i, s in enumerate(sorted({r["sign"] for r in rows}))}
    poses = src.cfg.poses or path.parent
    files = None if kaggle else _participant_files(poses)
    for r in rows:
        where = f"{path}:{r['_line']}"
        if kaggle:
            pose = path.parent / r["path"]
            participant, sid = r["participant_id"], f"{r['participant_id']}/{r['sequence_id']}"
        else:
            pose = files.get(r["parquet_file"]) if files is not None else None
            if pose is None:
                problem = (f"{where}: {r['parquet_file']} is in several participant folders of {poses}"
                           if r["parquet_file"] in files else f"{where}: {r['parquet_file']} not found in {poses}/*/")
                yield Record(id=Path(r["parquet_file"]).stem, pose=None, split=None, problem=problem)
                continue
            participant, sid = pose.parent.name, f"{pose.parent.name}/{pose.stem}"
        sign = r["sign"]
        if sign not in sign_map:
            yield Record(id=sid, pose=None, split=None, problem=f"{where}: sign {sign!r} is not in {sign_map_path}")
            continue
        found = labels.lookup(sign)
        split = split_of.get(participant) or src.split("train")
        if found is None:
            yield Record(id=sid, pose=pose, split=None, signer=participant)
            continue
        display = found[1]
        yield Record(id=sid, pose=pose, split=split, text=src.sentence(display), gloss=[display],
                     label=sign_map[sign], signer=participant, video=sid, meta={"sign": sign})
