"""MediaPipe keypoint folders as sign-recognition projects commit them (``MP_Data``), one folder per person.

``annotations`` is one *data folder* or a folder of *collections*:

* a data folder holds one folder per label, each holding sequences: one ``<seq>.npy`` of shape (T, D) per
  sequence, or one folder ``<seq>/`` of per-frame vectors ``0.npy, 1.npy, ...`` (the tutorial's layout);
* a collection is a folder that is, or contains (e.g. ``<collection>/MP_Data``), a data folder: one person's
  recordings. The collection's folder name is the signer id. ``index.csv`` / ``layout_check.csv`` beside the
  collections are optional metadata and not read.

Vectors are MediaPipe flat vectors (:mod:`signpt.pose.io.mediapipe_vectors`: D = 1662, 258, 170, 126, 63).
Sample ids: the sequence's path relative to ``annotations``, without ``.npy`` (``alice/hello/0``).

Options (the recipe source's ``options``):

``labels``            ``{normalise: [percent, case, spaces, underscores, hyphens], synonyms: {thankyou: thanks},
                      exclude: [idle]}`` (:class:`signpt.data.labels.LabelMap`); a label that normalises to ""
                      or is excluded is left out (counted as excluded in the curation report).
``blocks``            ``{collection: "pose|right|left"}`` or ``{collection: {258: "left|right|pose"}}``: a block
                      order other than the default for that collection's vector size (``*`` = every collection).
``one_hand``          slot of a one-hand (D = 63) vector: ``right`` (default) or ``left``.
``collections``       only these collections (default: all); ``exclude_collections``: all but these.
``splits``            ``{test: [collection, ...], dev: [...]}``: those collections go to that split, the others to
                      the source's ``split`` (default ``train``).
``min_signers``       a label is a class only when at least this many signers of the train split record it
                      (of any split when the source has no train split, e.g. ``split: test``; default 1).
                      Sequences of other labels go to the ``pretrain`` split when their collection is in train
                      (paired pose-text data for pre-training, no class), and are left out otherwise.
``sign_languages``    ``{collection: code}`` for collections in another sign language than the source's.
``signers``           ``{collection: signer id}`` where several collections are one person (default: the
                      collection's name).

Labels: class index = position of the class key in the sorted list of classes; gloss = the label's display form
(the synonym's value, else the normalised label); text = the template ("This word is hello.").
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterator

from signpt.data.labels import LabelMap
from signpt.data.sources.base import AdapterDefaults, Record, Source
from signpt.errors import ConfigError, CurationError, PoseFormatError

DEFAULTS = AdapterDefaults(sign_language="unknown", spoken_language="en", isolated=True, needs_poses=False)
OPTIONS = {"labels", "blocks", "one_hand", "collections", "exclude_collections", "splits", "min_signers",
           "sign_languages", "signers"}
MAX_DEPTH = 3
"""How deep below a collection folder its data folder may sit (``<collection>/MP_Data`` is depth 1)."""


def _kind(folder: Path) -> str:
    """"sequence" (per-frame files), "label" (holds sequences) or "other", from a look at its contents."""
    from signpt.pose.io.mediapipe_vectors import is_frame_folder, npy_kind

    entries = sorted(folder.iterdir())
    npys = [p for p in entries if p.is_file() and p.suffix.lower() == ".npy"]
    for p in npys:
        try:
            return "sequence" if npy_kind(p) == "frame" else "label"
        except PoseFormatError:
            continue  # a corrupt file: decide by the next one
    if npys:
        return "label"  # only unreadable files: each becomes a sequence that curation reports
    if any(p.is_dir() and is_frame_folder(p) for p in entries):
        return "label"
    return "other"


def sequences(label_dir: Path) -> list[Path]:
    """The sequences of a label folder: ``.npy`` files and per-frame folders, in natural order."""
    from signpt.pose.io.mediapipe_vectors import is_frame_folder

    seqs = [p for p in label_dir.iterdir()
            if (p.is_file() and p.suffix.lower() == ".npy") or (p.is_dir() and is_frame_folder(p))]
    return sorted(seqs, key=lambda p: _natural(p.stem if p.is_file() else p.name))


def _natural(name: str):
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def is_data_folder(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_dir() and _kind(p) == "label" for p in folder.iterdir())


def find_data_folders(folder: Path, depth: int = MAX_DEPTH) -> list[Path]:
    """Data folders at or below `folder` (not below a data folder), sorted."""
    if is_data_folder(folder):
        return [folder]
    if depth == 0:
        return []
    found = []
    for p in sorted(folder.iterdir()):
        if p.is_dir():
            found += find_data_folders(p, depth - 1)
    return found


def collections(root: Path) -> list[tuple[str, Path]]:
    """(signer id, data folder) pairs: `root` itself when it is a data folder, else one collection per
    sub-folder (a collection may hold several data folders)."""
    if not root.is_dir():
        raise CurationError(f"{root}: MediaPipe data folder not found")
    if is_data_folder(root):
        return [(root.name, root)]
    out = []
    for coll in sorted(p for p in root.iterdir() if p.is_dir()):
        out += [(coll.name, d) for d in find_data_folders(coll)]
    if not out:
        raise CurationError(f"{root}: no MediaPipe data folder here (expected <label>/<seq>.npy or "
                            f"<label>/<seq>/<frame>.npy, directly or in one folder per collection)")
    return out


def _strings(value, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where} must be a list of collection names")
    return [str(v) for v in value]


def _options(src: Source) -> dict:
    o = dict(src.options)
    where = f"source {src.name}: options"
    unknown = sorted(set(o) - OPTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} (known: {sorted(OPTIONS)})")
    o["labels"] = LabelMap.from_options(o.get("labels"), f"source {src.name}")
    blocks = o.get("blocks") or {}
    if not isinstance(blocks, dict):
        raise ConfigError(f"{where}.blocks must map a collection to its block order")
    from signpt.pose.io.mediapipe_vectors import parse_blocks

    for coll, spec in blocks.items():
        for s in (spec.values() if isinstance(spec, dict) else [spec]):
            try:
                parse_blocks(s)
            except PoseFormatError as e:
                raise ConfigError(f"{where}.blocks.{coll}: {e}") from None
    o["blocks"] = blocks
    if o.get("one_hand", "right") not in ("right", "left"):
        raise ConfigError(f"{where}.one_hand must be 'right' or 'left', got {o['one_hand']!r}")
    splits = o.get("splits") or {}
    if not isinstance(splits, dict):
        raise ConfigError(f"{where}.splits must map a split name to a list of collections")
    by_coll = {}
    for split, colls in splits.items():
        if split not in ("train", "dev", "test", "pretrain"):
            raise ConfigError(f"{where}.splits: {split!r} is not one of train, dev, test, pretrain")
        for c in _strings(colls, f"{where}.splits.{split}"):
            if c in by_coll:
                raise ConfigError(f"{where}.splits: collection {c!r} is in both {by_coll[c]} and {split}")
            by_coll[c] = split
    o["split_of"] = by_coll
    n = o.get("min_signers", 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"{where}.min_signers must be an integer >= 1, got {n!r}")
    o["min_signers"] = n
    langs = o.get("sign_languages") or {}
    if not isinstance(langs, dict):
        raise ConfigError(f"{where}.sign_languages must map a collection to a sign language code")
    o["sign_languages"] = {str(k): str(v) for k, v in langs.items()}
    signers = o.get("signers") or {}
    if not isinstance(signers, dict):
        raise ConfigError(f"{where}.signers must map a collection to a signer id")
    o["signers"] = {str(k): str(v) for k, v in signers.items()}
    return o


def records(src: Source) -> Iterator[Record]:
    o = _options(src)
    root = src.annotations
    colls = collections(root)
    names = {c for c, _ in colls}
    keep = set(_strings(o.get("collections"), f"source {src.name}: options.collections")) or names
    drop = set(_strings(o.get("exclude_collections"), f"source {src.name}: options.exclude_collections"))
    unknown = sorted(((keep - names) if o.get("collections") else set()) | (drop - names)
                     | (set(o["split_of"]) - names) | (set(o["blocks"]) - names - {"*"})
                     | (set(o["sign_languages"]) - names) | (set(o["signers"]) - names))
    if unknown:
        raise CurationError(f"{root}: the recipe names collection(s) that are not here: {unknown[:5]}")
    default_split = src.split("train")
    items = []  # (collection, sequence path, raw label, (key, display) or None, split)
    for coll, folder in colls:
        if coll not in keep or coll in drop:
            continue
        split = o["split_of"].get(coll, default_split)
        for label_dir in sorted(p for p in folder.iterdir() if p.is_dir() and _kind(p) == "label"):
            found = o["labels"].lookup(label_dir.name)
            for seq in sequences(label_dir):
                items.append((coll, seq, label_dir.name, found, split))
    person = {c: o["signers"].get(c, c) for c in names}
    has_train = any(split == "train" for *_, split in items)
    signers = defaultdict(set)
    for coll, _, _, found, split in items:
        if found is not None and (split == "train" or not has_train):
            signers[found[0]].add(person[coll])
    classes = sorted(k for k, c in signers.items() if len(c) >= o["min_signers"])
    index = {k: i for i, k in enumerate(classes)}
    for coll, seq, raw, found, split in items:
        rel = seq.relative_to(root)
        sid = str(rel.with_suffix("") if seq.is_file() else rel)
        meta = {"collection": coll, "raw_label": raw}
        signer = person[coll]
        if found is None:
            yield Record(id=sid, pose=seq, split=None, signer=signer, meta=meta)  # excluded label
            continue
        key, display = found
        label = index.get(key)
        if label is None:
            if split != "train" or not has_train:
                yield Record(id=sid, pose=seq, split=None, signer=signer, meta=meta)  # not a class: left out
                continue
            split = "pretrain"
        spec = o["blocks"].get(coll, o["blocks"].get("*"))
        yield Record(
            id=sid, pose=seq, split=split, text=src.sentence(display), gloss=[display], label=label, signer=signer,
            sign_language=o["sign_languages"].get(coll), video=sid, meta=meta,
            pose_options={"blocks": spec, "one_hand": o.get("one_hand", "right")},
        )
