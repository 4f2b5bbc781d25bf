"""Sample folders with a pose file and a ``metadata.json`` each, as SignBridge's demo sentences are stored.

``annotations`` is a folder of sample folders ``<glosses>[-<signer>]/`` each holding ``capture.pose``
(``options.pose_file``) and ``metadata.json`` whose ``reference_sentence`` (``options.text_key``) is the
sentence. The folder name is the gloss sequence joined by ``-`` (``chair-black-tall``); a last part listed in
``options.signer_suffixes`` (default ``[k, kk, vid]``, the suffixes of SignBridge's recordings) is the signer,
not a gloss, and folders without one belong to signer ``options.default_signer`` (``a``). Per-segment model
guesses in the metadata (``top_1``) are not labels and are not read. Split: the source's ``split`` (default train).
"""
from __future__ import annotations

import json
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source, read_text
from signpt.errors import ConfigError, CurationError

DEFAULTS = AdapterDefaults(sign_language="asl", spoken_language="en", isolated=False, needs_poses=False)
OPTIONS = {"pose_file", "text_key", "signer_suffixes", "default_signer"}


def records(src: Source) -> Iterator[Record]:
    root = src.annotations
    if not root.is_dir():
        raise CurationError(f"{root}: folder of sample folders not found")
    o = dict(src.options)
    unknown = sorted(set(o) - OPTIONS)
    if unknown:
        raise ConfigError(f"source {src.name}: options: unknown key(s) {unknown} (known: {sorted(OPTIONS)})")
    pose_name = str(o.get("pose_file", "capture.pose"))
    text_key = str(o.get("text_key", "reference_sentence"))
    suffixes = {str(s) for s in o.get("signer_suffixes", ["k", "kk", "vid"])}
    default_signer = str(o.get("default_signer", "a"))
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    if not folders:
        raise CurationError(f"{root}: no sample folders")
    for folder in folders:
        sid = folder.name
        parts = [p for p in sid.split("-") if p]
        signer = parts.pop() if len(parts) > 1 and parts[-1] in suffixes else default_signer
        meta_path = folder / "metadata.json"
        try:
            meta = json.loads(read_text(meta_path)) if meta_path.exists() else None
        except (json.JSONDecodeError, CurationError) as e:
            yield Record(id=sid, pose=None, split=None, problem=f"{meta_path}: not readable JSON ({e})")
            continue
        text = meta.get(text_key) if isinstance(meta, dict) else None
        if meta is None or not isinstance(text, str):
            yield Record(id=sid, pose=None, split=None,
                         problem=f"{meta_path}: missing, or without a {text_key!r} string")
            continue
        yield Record(id=sid, pose=folder / pose_name, split=src.split("train"), text=text.strip() or None,
                     gloss=parts or None, signer=signer, video=sid)
