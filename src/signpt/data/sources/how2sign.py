"""How2Sign (American Sign Language, sentences; Duarte et al. 2021).

Annotations: ``how2sign_realigned_{train,val,test}.csv`` (a folder holding them, or one file),
tab-separated with the header ``VIDEO_ID VIDEO_NAME SENTENCE_ID SENTENCE_NAME START_REALIGNED
END_REALIGNED SENTENCE`` (times in seconds in the untrimmed video ``VIDEO_NAME``).

Poses: ``{poses}/{SENTENCE_NAME}.{ext}`` (a per-sentence clip, taken whole) or else
``{poses}/{VIDEO_NAME}.{ext}`` (the untrimmed video, cut by START/END_REALIGNED and the pose fps).
Splits: train, val -> dev, test (from the file name; ``options.split`` for a single file without one).
"""
from __future__ import annotations

import re
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, annotation_files, read_delimited

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=False)
COLUMNS = ["VIDEO_ID", "VIDEO_NAME", "SENTENCE_ID", "SENTENCE_NAME", "START_REALIGNED", "END_REALIGNED", "SENTENCE"]


def records(src: Source) -> Iterator[Record]:
    for path in annotation_files(src.annotations, ["*.csv", "*.tsv"], "How2Sign realigned CSV files"):
        m = re.search(r"(train|val|test|dev)", path.stem)
        official = src.options.get("split") or (m.group(1) if m else None)
        for row in read_delimited(path, "\t", COLUMNS):
            sid = row["SENTENCE_NAME"]
            try:
                split = src.split(official) if official else None
            except KeyError as e:
                yield Record(id=sid, pose=None, split=None, problem=f"{path}: {e.args[0]}")
                continue
            if split is None and official is None:
                yield Record(id=sid, pose=None, split=None,
                             problem=f"{path}: no split in the file name; set options.split")
                continue
            clip = src.find_pose(sid)
            if clip.exists():
                yield Record(id=sid, pose=clip, split=split, text=row["SENTENCE"] or None, video=sid)
                continue
            try:
                start, end = float(row["START_REALIGNED"]), float(row["END_REALIGNED"])
            except ValueError:
                yield Record(id=sid, pose=None, split=split, problem=f"{path}: {sid}: bad START/END_REALIGNED")
                continue
            yield Record(id=sid, pose=src.find_pose(row["VIDEO_NAME"]), split=split, text=row["SENTENCE"] or None,
                         start=start, end=end, video=row["VIDEO_NAME"])
