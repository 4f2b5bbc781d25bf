"""SLR500 / CSL-500 (Chinese Sign Language, isolated, 500 words, 50 signers x 5; Huang et al. 2018).

As distributed, the samples are defined by the folder layout: one folder per class named by its
6-digit index, holding one video per performance named ``P{signer}_...`` (e.g.
``000123/P01_s1_00_0_color.mp4``), and a class list ``dictionary.txt`` (``000123<TAB>word``).

Annotations: ``dictionary.txt`` (or the folder holding it). Poses: ``{poses}/{class:06d}/{video}.{ext}``
(the same layout, pose files instead of videos). Split: the usual signer-independent protocol, signers
1..``options.train_signers`` (36) -> train, the rest -> test. Text: the template ("这个词是你。").
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from signpt.data.sources.base import POSE_EXTENSIONS, AdapterDefaults, Record, Source, read_text
from signpt.errors import CurationError

DEFAULTS = AdapterDefaults(sign_language="csl", spoken_language="zh", isolated=True)
_SIGNER = re.compile(r"^P(\d+)", re.I)


def read_dictionary(path: Path) -> dict[int, str]:
    """``index<TAB>word`` (or ``index word``) per line -> {index: word}; a line with only a word gets the
    line number as index."""
    if path.is_dir():
        for name in ("dictionary.txt", "label.txt", "labels.txt", "gloss_list.txt", "class_list.txt"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            raise CurationError(f"{path}: no class list (dictionary.txt) in this folder")
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


def folder_records(src: Source, classes: dict[int, str], split_of) -> Iterator[Record]:
    """One record per pose file in ``{poses}/{class:06d}/``; ``split_of(signer) -> official split``."""
    root = src.cfg.poses
    if not root.is_dir():
        raise CurationError(f"{root}: pose folder not found")
    for label in sorted(classes):
        folder = root / f"{label:06d}"
        if not folder.is_dir():
            continue
        for p in pose_files_in(folder, src.cfg.pose_format):
            stem = p.name[: -len(p.suffix)] if p.suffix else p.name
            signer = signer_of(stem)
            sid = f"{label:06d}/{stem}"
            if signer is None:
                yield Record(id=sid, pose=p, split=None, problem=f"{p}: no signer (P<number>) in the file name")
                continue
            try:
                split = src.split(split_of(int(signer)))
            except KeyError as e:
                yield Record(id=sid, pose=p, split=None, problem=f"{p}: {e.args[0]}")
                continue
            word = classes[label]
            yield Record(id=sid, pose=p, split=split, text=src.sentence(word), gloss=[word], label=label,
                         signer=signer, video=f"{label:06d}/{stem}")


def records(src: Source) -> Iterator[Record]:
    classes = read_dictionary(src.annotations)
    train_signers = int(src.options.get("train_signers", 36))
    yield from folder_records(src, classes, lambda s: "train" if s <= train_signers else "test")
