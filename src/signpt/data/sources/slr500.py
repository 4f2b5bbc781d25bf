"""SLR500 / CSL-500 (USTC Chinese Sign Language, isolated, 500 words, 50 signers x 5; Huang et al. 2018).

As distributed, the samples are defined by the folder layout: one folder per class, ``000`` to ``499``,
holding one video per performance, ``P{signer}_{a}_{b}_{rep}._color.mp4`` (e.g. ``000/P09_01_00_3._color.mp4``),
and the class list ``gloss_label.txt``: UTF-8, CRLF, one gloss a line, line k (0-based) = folder k; two glosses
carry trailing spaces (stripped). The dataset's ``readme.txt`` gives the label of a file name as
``(a-1)*20+b`` (``P01_25_19_2`` -> 499), which equals the folder number; a file whose name disagrees with its
folder is reported, not guessed.

Label space (documented choice): class id = folder number = line of ``gloss_label.txt``, as the dataset defines
it. OpenHands' split CSVs (``video_path,class_name``, e.g. ``000/P09_01_00_3._color.mp4,丈夫``) name the classes
by the gloss list *sorted by code point* instead, so their ``class_name`` disagrees with ``gloss_label.txt``
(folder ``000`` is 情况 in the dataset, 丈夫 in the CSV): the CSV's ``video_path`` is used, its ``class_name`` is
ignored. An older ``dictionary.txt`` (``index<TAB>word``) is read too.

Annotations: ``gloss_label.txt`` (or the folder holding it), optionally with split CSVs ``*train*.csv`` /
``*test*.csv`` / ``*val*.csv`` beside it (or one such CSV as ``annotations``, ``options.class_list`` then names
the gloss list). With split CSVs, every CSV row is a sample and its split comes from the CSV's file name;
without them, the pose folders are scanned and the split follows the dataset's protocol: signer ids
1..``options.train_signers`` (35: ``readme.txt``'s train signers 0-35 = ``P01``-``P35`` as OpenHands uses
them) -> train, the rest -> test.

Poses: ``{poses}/{folder}/{video name without .mp4}.{ext}`` (``poses/000/P09_01_00_3._color.pkl``; 6-digit
folders ``000000`` are found too). Sample id: ``{folder}/{video name without .mp4}``. Text: the template
("这个词是丈夫。").
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import (POSE_EXTENSIONS, AdapterDefaults, Record, Source, read_delimited,
                                      read_text)
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="csl", spoken_language="zh", isolated=True)
TRAIN_SIGNERS = 35
CLASS_LISTS = ("gloss_label.txt", "dictionary.txt", "label.txt", "labels.txt", "gloss_list.txt", "class_list.txt")
_SIGNER = re.compile(r"^P(\d+)", re.I)
_LABEL = re.compile(r"^P\d+_(\d+)_(\d+)_", re.I)
_VIDEO_EXT = re.compile(r"\.(mp4|avi|mov|mkv|webm)$", re.I)
_SPLIT_CSV = re.compile(r"train|test|val|dev", re.I)


def read_dictionary(path: Path) -> dict[int, str]:
    """The class list -> {class id: gloss}.

    ``index<TAB>word`` (or ``index word``) lines give their index; a line with only a word gets its line
    number, 0-based, counting every line (``gloss_label.txt``: line k = class k). Trailing spaces are stripped.
    """
    if path.is_dir():
        for name in CLASS_LISTS:
            if (path / name).is_file():
                path = path / name
                break
        else:
            raise CurationError(f"{path}: no class list ({', '.join(CLASS_LISTS)}) in this folder")
    if not path.is_file():
        raise CurationError(f"{path}: class list not found")
    classes: dict[int, str] = {}
    for n, line in enumerate(read_text(path).splitlines()):
        line = line.strip()
        if not line:
            continue
        parts = re.split(r"\t|\s+", line, maxsplit=1)
        if len(parts) == 2 and parts[0].isdigit():
            classes[int(parts[0])] = parts[1].strip()
        else:
            classes[n] = line
    if not classes:
        raise CurationError(f"{path}: empty class list")
    return classes


def signer_of(name: str) -> str | None:
    m = _SIGNER.match(name)
    return str(int(m.group(1))) if m else None


def label_of_name(name: str) -> int | None:
    """``P01_25_19_2._color`` -> (25-1)*20+19 = 499 (the dataset's readme.txt), or None."""
    m = _LABEL.match(name)
    return (int(m.group(1)) - 1) * 20 + int(m.group(2)) if m else None


def pose_files_in(folder: Path, pose_format: str) -> list[Path]:
    """The pose files (or OpenPose folders) directly inside ``folder``, sorted."""
    exts = [e for e in POSE_EXTENSIONS[pose_format] if e]
    out = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix in exts:
            out.append(p)
        elif p.is_dir() and "" in POSE_EXTENSIONS[pose_format]:
            out.append(p)
    return out


def _sample(src: Source, classes, folder: str, stem: str, official: str | None, pose: Path | None, where: str,
            name_label: bool = True) -> Record:
    sid = f"{folder}/{stem}"
    label = int(folder)
    if label not in classes:
        return Record(id=sid, pose=None, split=None, problem=f"{where}: folder {folder} is not a class of the class list")
    from_name = label_of_name(stem) if name_label else None
    if from_name is not None and from_name != label:
        return Record(id=sid, pose=None, split=None,
                      problem=f"{where}: the file name gives label {from_name} ((a-1)*20+b) but the folder {label}")
    signer = signer_of(stem)
    if signer is None:
        return Record(id=sid, pose=None, split=None, problem=f"{where}: no signer (P<number>) in the file name")
    try:
        split = src.split(official if official else _protocol(src, int(signer)))
    except KeyError as e:
        return Record(id=sid, pose=None, split=None, problem=f"{where}: {e.args[0]}")
    word = classes[label]
    if pose is None:
        pose = src.find_pose(f"{folder}/{stem}", f"{label:06d}/{stem}")
    return Record(id=sid, pose=pose, split=split, text=src.sentence(word), gloss=[word], label=label, signer=signer,
                  video=sid)


def _protocol(src: Source, signer: int) -> str:
    return "train" if signer <= int(src.options.get("train_signers", TRAIN_SIGNERS)) else "test"


def folder_records(src: Source, classes: dict[int, str], split_of=None, name_label: bool = True) -> Iterator[Record]:
    """One record per pose file in ``{poses}/{class}/`` (folder names: the class number, any zero padding);
    ``split_of(signer) -> official split`` (default: the train_signers protocol); ``name_label``: check the
    SLR500 file-name label ``(a-1)*20+b`` against the folder."""
    root = src.cfg.poses
    if root is None or not root.is_dir():
        raise CurationError(f"{root}: pose folder not found (without split lists, the pose folders are scanned)")
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        for p in pose_files_in(folder, src.cfg.pose_format):
            stem = p.name[: -len(p.suffix)] if p.suffix else p.name
            signer = signer_of(stem)
            official = split_of(int(signer)) if (split_of and signer) else None
            yield _sample(src, classes, folder.name, stem, official, p, str(p), name_label)


def split_csvs(src: Source) -> list[Path]:
    ann = src.annotations
    if ann.is_file() and ann.suffix.lower() == ".csv":
        return [ann]
    folder = ann if ann.is_dir() else ann.parent
    return sorted(p for p in folder.glob("*.csv") if _SPLIT_CSV.search(p.stem))


def csv_records(src: Source, classes: dict[int, str], path: Path) -> Iterator[Record]:
    official = _SPLIT_CSV.search(path.stem).group(0).lower()
    for row in read_delimited(path, ",", ["video_path"]):
        where = f"{path}:{row['_line']}"
        parts = Path(row["video_path"].replace("\\", "/")).parts
        if len(parts) < 2 or not parts[-2].isdigit():
            yield Record(id=row["video_path"], pose=None, split=None,
                         problem=f"{where}: expected video_path '<class folder>/<video>', got {row['video_path']!r}")
            continue
        yield _sample(src, classes, parts[-2], _VIDEO_EXT.sub("", parts[-1]), official, None, where)


def records(src: Source) -> Iterator[Record]:
    ann = src.annotations
    if ann.is_file() and ann.suffix.lower() == ".csv":
        class_list = Path(src.options.get("class_list", ann.parent))
        classes = read_dictionary(class_list if class_list.is_absolute() else ann.parent / class_list)
    else:
        classes = read_dictionary(ann)
    csvs = split_csvs(src)
    if csvs:
        for path in csvs:
            yield from csv_records(src, classes, path)
    else:
        yield from folder_records(src, classes)
