"""MS-ASL (American Sign Language, isolated, YouTube; Joze & Koller 2019).

Annotations: ``MSASL_train.json``, ``MSASL_val.json``, ``MSASL_test.json`` (a folder holding them, or one
file), with ``MSASL_classes.json`` beside them. Each split file is a JSON list (as distributed: one object a
line, no final newline) of ``{"org_text", "clean_text", "start_time", "end_time" (s), "start", "end" (frames),
"signer_id", "signer", "file", "label", "text", "url", "box", "fps", "width", "height"}`` and on some clips
``"review"``. The split comes from the file name. The class list is a JSON list of 1,000 strings (class id =
position; ``hello`` = 0), not of dicts.

Label and gloss: ``label`` is the class id; the gloss is the class name ``MSASL_classes.json[label]`` (equal to
the clip's ``text``), not ``clean_text``, which holds the signer's variant (``police officer`` for class
``police``) and is kept in ``meta["clean_text"]``. Without the class list the clip's ``text`` is the gloss.
Text: the template ("This word is police."). Signer: ``signer_id``. ``box`` is ``[y0, x0, y1, x1]`` normalised
to the frame; it is kept as ``meta["box_xyxy"] = [x0, y0, x1, y1]`` (normalised).

Poses: one file per YouTube video, ``{poses}/{youtube_id}.{ext}`` (the ``v=`` of ``url``), or else
``{poses}/{file}.{ext}``; each sample is cut from it by ``start_time``/``end_time`` (seconds) and the pose
file's fps. Sample id: ``{split}-{position in the file:05d}``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
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


def read_classes(path: Path) -> list[str]:
    """``MSASL_classes.json``: a JSON list of class names (class id = position)."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise CurationError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(data, list) or not all(isinstance(c, str) for c in data):
        raise CurationError(f"{path}: expected a JSON list of class names (strings)")
    return [c.strip() for c in data]


def records(src: Source) -> Iterator[Record]:
    folder = src.annotations if src.annotations.is_dir() else src.annotations.parent
    class_path = Path(src.options.get("class_list") or folder / "MSASL_classes.json")
    if not class_path.is_absolute():
        class_path = folder / class_path
    classes = read_classes(class_path) if class_path.is_file() else None
    for path in annotation_files(src.annotations, ["MSASL_*.json"], "MS-ASL split files"):
        m = _SPLIT.search(path.name)
        if not m or m.group(1).lower() == "classes" or m.group(1).lower() == "synonym":
            continue
        official = m.group(1).lower()
        try:
            entries = json.loads(read_text(path))
        except json.JSONDecodeError as e:
            raise CurationError(f"{path}:{e.lineno}: not valid JSON ({e.msg}, column {e.colno})") from None
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
                label = int(e["label"])
                start, end = float(e["start_time"]), float(e["end_time"])
                clean = str(e.get("clean_text") or "").strip()
                if classes is not None:
                    word = classes[label]
                else:
                    word = str(e.get("text") or clean).strip()
            except (KeyError, TypeError, ValueError, IndexError) as err:
                yield Record(id=sid, pose=None, split=split,
                             problem=f"{path}: entry {i}: missing or bad field ({type(err).__name__}: {err})")
                continue
            yt = youtube_id(e.get("url", ""))
            video = yt or str(e.get("file", ""))
            meta = {"url": e.get("url"), "clean_text": clean}
            box = e.get("box")
            if isinstance(box, list) and len(box) == 4:
                y0, x0, y1, x1 = (float(v) for v in box)
                meta["box_xyxy"] = [x0, y0, x1, y1]
            yield Record(
                id=sid, pose=src.find_pose(*(n for n in (yt, e.get("file")) if n)), split=split,
                text=src.sentence(word) if word else None, gloss=[word] if word else None, label=label,
                signer=None if e.get("signer_id") is None else str(e["signer_id"]), start=start, end=end,
                video=video, meta=meta,
            )
