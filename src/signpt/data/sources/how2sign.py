"""How2Sign (American Sign Language, sentences; Duarte et al. 2021).

Annotations: ``how2sign_realigned_{train,val,test}.csv`` (a folder holding them, or one file), with the header
``VIDEO_ID VIDEO_NAME SENTENCE_ID SENTENCE_NAME START_REALIGNED END_REALIGNED SENTENCE`` (times in seconds in
the untrimmed video ``VIDEO_NAME``). As distributed the files are tab-separated, and a SENTENCE holding ``"`` is
CSV-quoted with the inner quotes doubled (``"You can't ... ""You know what?"``): it is read as CSV, so the text
is ``You can't ... "You know what?``. Re-saves with commas instead of tabs are read too (the delimiter is taken
from the header line). The full files carry mojibake further down (``â\\x80\\x99`` for ``’``): the text is kept
as it is and each such sentence is listed as a warning in the curation report.

Poses: ``{poses}/{SENTENCE_NAME}.{ext}`` (a per-sentence clip, taken whole) or else
``{poses}/{VIDEO_NAME}.{ext}`` (the untrimmed video, cut by START/END_REALIGNED and the pose fps).
Splits: train, val -> dev, test (from the file name; ``options.split`` for a single file without one).
Signer: not in the annotations (None).
"""
from __future__ import annotations

import re
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, annotation_files, mojibake, read_delimited

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=False)
COLUMNS = ["VIDEO_ID", "VIDEO_NAME", "SENTENCE_ID", "SENTENCE_NAME", "START_REALIGNED", "END_REALIGNED", "SENTENCE"]


def records(src: Source) -> Iterator[Record]:
    for path in annotation_files(src.annotations, ["*.csv", "*.tsv"], "How2Sign realigned CSV files"):
        m = re.search(r"(train|val|test|dev)", path.stem)
        official = src.options.get("split") or (m.group(1) if m else None)
        for row in read_delimited(path, ("\t", ","), COLUMNS):
            sid = row["SENTENCE_NAME"]
            where = f"{path}:{row['_line']}"
            if official is None:
                yield Record(id=sid, pose=None, split=None,
                             problem=f"{where}: no split in the file name; set options.split")
                continue
            try:
                split = src.split(official)
            except KeyError as e:
                yield Record(id=sid, pose=None, split=None, problem=f"{where}: {e.args[0]}")
                continue
            text = row["SENTENCE"] or None
            warnings = []
            if (bad := mojibake(text)) is not None:
                warnings.append(f"{where}: text looks like mis-decoded UTF-8 ({bad!r}), kept as it is")
            clip = src.find_pose(sid)
            if clip.exists():
                yield Record(id=sid, pose=clip, split=split, text=text, video=sid, warnings=warnings)
                continue
            try:
                start, end = float(row["START_REALIGNED"]), float(row["END_REALIGNED"])
            except ValueError:
                yield Record(id=sid, pose=None, split=split,
                             problem=f"{where}: START/END_REALIGNED must be numbers (seconds), got "
                                     f"{row['START_REALIGNED']!r}, {row['END_REALIGNED']!r}")
                continue
            yield Record(id=sid, pose=src.find_pose(row["VIDEO_NAME"]), split=split, text=text,
                         start=start, end=end, video=row["VIDEO_NAME"], warnings=warnings)
