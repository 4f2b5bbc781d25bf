"""RWTH-PHOENIX-Weather 2014 T (German Sign Language, sentences; Camgoz et al. 2018).

Annotations (a folder or one file) in either form:
- the official ``PHOENIX-2014-T.{train,dev,test}.corpus.csv``, pipe-separated with the header
  ``name|video|start|end|speaker|orth|translation`` (``orth`` = gloss sequence);
- the gzip-compressed pickled dicts ``labels.{train,dev,test}`` that GFSLT-VLP and Uni-Sign ship,
  ``{name: {"name": "dev/…", "gloss", "text", "length", "imgs_path"}}``. Pickle runs code when read
  from a malicious file: these are read only when the recipe marks the source ``trusted: true``, and
  even then through an unpickler that accepts plain containers only.

Poses: ``{poses}/{name}.{ext}`` or ``{poses}/{split}/{name}.{ext}``.
"""
from __future__ import annotations

import gzip
import io
import pickle
import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import (AdapterDefaults, Record, Source, annotation_files, read_delimited, signer_id,
                                      split_gloss)
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="gsl", spoken_language="de", isolated=False)
_CSV = re.compile(r"\.(train|dev|test)\.corpus\.csv$")
_LABELS = re.compile(r"^labels\.(train|dev|test)$")


class _PlainUnpickler(pickle.Unpickler):
    """Refuses every global: only dicts, lists, tuples, strings and numbers can be built."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain containers are allowed")


def load_label_dict(path: Path) -> dict:
    """A gzip-pickled (or plain pickled) label dict (PHOENIX-2014-T, CSL-Daily), read with :class:`_PlainUnpickler`."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise CurationError(f"{path}: corrupt gzip ({e})") from None
    try:
        data = _PlainUnpickler(io.BytesIO(raw)).load()
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad file
        raise CurationError(f"{path}: not a readable label pickle ({e})") from None
    if not isinstance(data, dict):
        raise CurationError(f"{path}: expected a dict keyed by sample name, got {type(data).__name__}")
    return data


def records(src: Source) -> Iterator[Record]:
    files = annotation_files(src.annotations, ["*.corpus.csv", "labels.*"], "PHOENIX-2014-T annotation files")
    for path in files:
        if m := _CSV.search(path.name):
            yield from _from_csv(src, path, m.group(1))
        elif m := _LABELS.match(path.name):
            if not src.cfg.trusted:
                raise CurationError(
                    f"{path}: a pickle file; set 'trusted: true' on source {src.name!r} in the recipe if you trust "
                    "it (pickle can run code when read), or use the official CSV files"
                )
            yield from _from_labels(src, path, m.group(1))


def _pose(src: Source, official: str, name: str) -> Path:
    base = name.split("/", 1)[1] if name.startswith(f"{official}/") else name
    return src.find_pose(base, f"{official}/{base}")


def _from_csv(src: Source, path: Path, official: str) -> Iterator[Record]:
    for row in read_delimited(path, "|", ["name", "video", "start", "end", "speaker", "orth", "translation"]):
        yield Record(id=row["name"], pose=_pose(src, official, row["name"]), split=src.split(official),
                     text=row["translation"] or None, gloss=split_gloss(row["orth"]), signer=signer_id(row["speaker"]),
                     video=row["name"])


def _from_labels(src: Source, path: Path, official: str) -> Iterator[Record]:
    for key, entry in load_label_dict(path).items():
        if not isinstance(entry, dict):
            yield Record(id=str(key), pose=None, split=None, problem=f"{path}: entry {key!r} is not a dict")
            continue
        name = str(entry.get("name", key))
        base = name.split("/", 1)[1] if "/" in name else name
        meta = {"frames": entry["length"]} if "length" in entry else {}
        yield Record(id=base, pose=_pose(src, official, name), split=src.split(official),
                     text=(entry.get("text") or "").strip() or None, gloss=split_gloss(entry.get("gloss")),
                     video=base, meta=meta)
