"""RWTH-PHOENIX-Weather 2014 (German Sign Language, continuous; Koller et al. 2015).

Annotations: ``phoenix-2014-multisigner/annotations/manual/{train,dev,test}.corpus.csv`` (a folder holding
them, or one file), pipe-separated with the header ``id|folder|signer|annotation``; ``annotation`` is the gloss
sequence (the real files hold double spaces between some glosses: split on any whitespace). Signer ids are
written ``Signer04`` here and ``signer04`` in the evaluation's STM; both become ``signer04``
(:func:`~signpt.data.sources.base.signer_id`). The ground-truth STM
(``evaluation/phoenix2014-groundtruth-{dev,test}.stm``) is what ``signpt score cslr --ref *.stm`` reads.
There are no translations: these are the corpus's unpaired samples (text None, ``require_text`` off);
they take part in pose reconstruction only.

Poses: ``{poses}/{id}.{ext}`` or ``{poses}/{split}/{id}.{ext}``.
"""
from __future__ import annotations

import re
from typing import Iterator

from signpt.data.sources.base import (AdapterDefaults, Record, Source, annotation_files, read_delimited, signer_id,
                                      split_gloss)

DEFAULTS = AdapterDefaults(sign_language="gsl", spoken_language="de", isolated=False, require_text=False)


def records(src: Source) -> Iterator[Record]:
    for path in annotation_files(src.annotations, ["*.corpus.csv"], "PHOENIX-2014 corpus files"):
        m = re.match(r"(\w+)\.corpus\.csv$", path.name)
        official = m.group(1) if m else path.stem
        for row in read_delimited(path, "|", ["id", "folder", "signer", "annotation"]):
            sid = row["id"]
            try:
                split = src.split(official)
            except KeyError as e:
                yield Record(id=sid, pose=None, split=None, problem=f"{path}:{row['_line']}: {e.args[0]}")
                continue
            yield Record(id=sid, pose=src.find_pose(sid, f"{official}/{sid}"), split=split, text=None,
                         gloss=split_gloss(row["annotation"]), signer=signer_id(row["signer"]), video=sid)
