"""NMFs-CSL (Chinese Sign Language, isolated, 1,067 words with non-manual features; Hu et al. 2021).

Untested on the real files: NMFs-CSL publishes no annotation file, so this adapter follows the layout its
authors document. Annotations (a folder): the class list (``dictionary.txt``/``label.txt``/``gloss_list.txt``:
``index<TAB>word``, or one word per line, line k = class k) and the split lists ``train*.txt`` / ``test*.txt``,
one sample per line: ``<video path> <label>`` or just ``<video path>`` (relative to the dataset, with or without
extension; whitespace or comma separated). The class id is the video's leading folder number
(``000123/P01_...mp4`` -> 123), as in SLR500: a line's label column, when present, must agree with it (a
disagreement is reported with the file and line). Without split lists, the SLR500-style folder layout is read
instead (``{poses}/{class}/P{signer}_*.ext``, signers 1..``options.train_signers`` (8) -> train).

Poses: ``{poses}/{video path without extension}.{ext}``.
Class groups: the dataset's 610 "confusing" and 457 "normal" words. ``options.confusing`` is either the
number N of confusing classes listed first (default 610, the order of the official list) or a file with
the confusing class indices, one per line. Each sample's ``meta["class_group"]`` is "confusing" or
"normal", so ``Corpus.filter``/tasks can report the two groups apart, as the NMFs-CSL papers do.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_text
from signpt.data.sources.slr500 import folder_records, read_dictionary, signer_of
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="csl", spoken_language="zh", isolated=True)
NUM_CONFUSING = 610
_VIDEO_EXT = re.compile(r"\.(mp4|avi|mov|mkv|webm)$", re.I)


def confusing_classes(src: Source) -> set[int] | int:
    spec = src.options.get("confusing", NUM_CONFUSING)
    if isinstance(spec, int):
        return spec
    path = Path(spec)
    if not path.is_absolute():
        path = src.annotations / path if src.annotations.is_dir() else src.annotations.parent / path
    try:
        return {int(x) for x in read_text(path).split()}
    except ValueError:
        raise CurationError(f"{path}: expected confusing class indices, one integer per line") from None


def class_group(label: int, confusing) -> str:
    hit = label < confusing if isinstance(confusing, int) else label in confusing
    return "confusing" if hit else "normal"


def records(src: Source) -> Iterator[Record]:
    ann = src.annotations
    classes = read_dictionary(ann if ann.is_dir() else ann)
    confusing = confusing_classes(src)
    folder = ann if ann.is_dir() else ann.parent
    lists = sorted(p for p in folder.glob("*.txt") if re.search(r"train|test|val|dev", p.stem, re.I))
    if not lists:
        train_signers = int(src.options.get("train_signers", 8))
        for r in folder_records(src, classes, lambda s: "train" if s <= train_signers else "test", name_label=False):
            if r.label is not None:
                r.meta["class_group"] = class_group(r.label, confusing)
            yield r
        return
    for path in lists:
        official = re.search(r"train|test|val|dev", path.stem, re.I).group(0).lower()
        for n, line in enumerate(read_text(path).splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            parts = re.split(r"[,\s]+", line)
            name = _VIDEO_EXT.sub("", parts[0].replace("\\", "/"))
            sid = name
            folder = next((p for p in Path(name).parts[:-1] if p.isdigit()), None)
            try:
                label = int(parts[1]) if len(parts) > 1 else int(folder)
            except (TypeError, ValueError):
                yield Record(id=sid, pose=None, split=None,
                             problem=f"{path}:{n}: expected '<video path> [<label>]' with the class number as the "
                                     f"video's folder or as the label")
                continue
            if folder is not None and len(parts) > 1 and int(folder) != label:
                yield Record(id=sid, pose=None, split=None,
                             problem=f"{path}:{n}: label {label} disagrees with the video's folder {folder}")
                continue
            if label not in classes:
                yield Record(id=sid, pose=None, split=None,
                             problem=f"{path}:{n}: label {label} is not in the class list")
                continue
            word = classes[label]
            try:
                split = src.split(official)
            except KeyError as e:
                yield Record(id=sid, pose=None, split=None, problem=f"{path}:{n}: {e.args[0]}")
                continue
            yield Record(id=sid, pose=src.find_pose(name), split=split, text=src.sentence(word), gloss=[word],
                         label=label, signer=signer_of(Path(name).name), video=name,
                         meta={"class_group": class_group(label, confusing)})
