"""MS-ASL (American Sign Language, isolated, YouTube; Joze & Koller 2019).

Annotations: ``MSASL_train.json``, ``MSASL_val.json``, ``MSASL_test.json`` (a folder holding them, or one
file); each a list of ``{"clean_text", "label", "start_time", "end_time", "signer_id", "url", "file",
"fps", ...}``. The split comes from the file name. Class index: ``label``.

Poses: one file per YouTube video, ``{poses}/{youtube_id}.{ext}`` (the ``v=`` of ``url``), or else
``{poses}/{file}.{ext}``; each sample is cut from it by ``start_time``/``end_time`` (seconds) and the pose
file's fps. Sample id: ``{split}-{position in the file:05d}``.
"""
from __future__ import annotations

import json
import re
from typing import Iterator
from urllib.parse import parse_qs, urlparse

from signpt.data.sources.base import AdapterDefaults, Record, Source, annotation_files, read_text
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=True)
_SPLIT = re.compile(r"MSASL_(\w+?)\.json$", re.I)


def youtube_id(url: str) -> str | None:
    """``https://www.youtube.com/watch?v=ID`` or ``youtu.be/ID`` -> ``ID``."""
    if not url:
        return None
    u = urlparse(url if "//" in url else "https://" + url)
    if u.hostname and u.hostname.endswith("youtu.be"):
        return u.path.strip("/") or None
    v = parse_qs(u.query).get("v")
    return v[0] if v else None


def records(src: Source) -> Iterator[Record]:
    for path in annotation_files(src.annotations, ["MSASL_*.json"], "MS-ASL split files"):
        m = _SPLIT.search(path.name)
        if not m or m.group(1).lower() == "classes" or m.group(1).lower() == "synonym":
            continue
        official = m.group(1).lower()
        try:
            entries = json.loads(read_text(path))
        except json.JSONDecodeError as e:
            raise CurationError(f"{path}: not valid JSON ({e})") from None
        if not isinstance(entries, list):
            raise CurationError(f"{path}: expected a list of samples")
        for i, e in enumerate(entries):
            sid = f"{official}-{i:05d}"
            try:
                split = src.split(official)
            except KeyError as err:
                yield Record(id=sid, pose=None, split=None, problem=f"{path}: {err.args[0]}")
                continue
            try:
                word = str(e["clean_text"]).strip()
                label = int(e["label"])
                start, end = float(e["start_time"]), float(e["end_time"])
            except (KeyError, TypeError, ValueError) as err:
                yield Record(id=sid, pose=None, split=split,
                             problem=f"{path}: sample {i}: missing or bad field {err}")
                continue
            yt = youtube_id(e.get("url", ""))
            video = yt or str(e.get("file", ""))
            yield Record(
                id=sid, pose=src.find_pose(*(n for n in (yt, e.get("file")) if n)), split=split,
                text=src.sentence(word) if word else None, gloss=[word] if word else None, label=label,
                signer=None if e.get("signer_id") is None else str(e["signer_id"]), start=start, end=end,
                video=video, meta={"url": e.get("url")},
            )
