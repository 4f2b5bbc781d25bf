"""The synthetic corpus as a recipe source: generated on first use, then read like any dataset.

``annotations`` is the folder the raw synthetic poses go to (``signpt synth --no-curate`` output: ``poses/``,
``manifest.jsonl``, ``synth.json``); when it holds no finished manifest for these settings,
:func:`signpt.data.synth.generate` writes it there first (deterministic, resumable; about a minute for
``small``). Options: ``preset`` (tiny | small | medium | large, default small), ``seed`` (0), ``profile`` (the
estimator it imitates, default the generator's). Every sample keeps its manifest's text, gloss, label, signer,
languages and split, but takes the recipe's source name (the manifest's per-row sources, ``synth-islr`` ...,
are kept in ``meta["synth_source"]`` and prefix the sample id), so that a recipe can pre-train on ``sources: [<name>]``; with the source
key ``split: pretrain`` the whole synthetic corpus is pre-training data beside a real one.
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Iterator

from signpt.data.sources import generic
from signpt.data.sources.base import AdapterDefaults, Record, Source
from signpt.errors import ConfigError

DEFAULTS = AdapterDefaults(sign_language="sl-alpha", spoken_language="en", isolated=False, require_text=False,
                           needs_poses=False)
OPTIONS = {"preset", "seed", "profile"}


def records(src: Source) -> Iterator[Record]:
    from signpt.data.synth.generate import generate
    from signpt.data.synth.signers import DEFAULT_PROFILE

    o = dict(src.options)
    unknown = sorted(set(o) - OPTIONS)
    if unknown:
        raise ConfigError(f"source {src.name}: options: unknown key(s) {unknown} (known: {sorted(OPTIONS)})")
    settings = {"preset": str(o.get("preset", "small")), "seed": int(o.get("seed", 0)),
                "profile": str(o.get("profile") or DEFAULT_PROFILE)}
    out = src.annotations
    marker, manifest = out / "synth.json", out / "manifest.jsonl"
    done = manifest.exists() and marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == settings
    if not done:
        generate(out, curate=False, progress=True, **settings)
    cfg = replace(src.cfg, annotations=manifest, poses=out)
    for rec in generic.records(Source(cfg=cfg, defaults=src.defaults, templates=src.templates)):
        rec.meta = {**rec.meta, "synth_source": rec.source}
        rec.id = f"{rec.source}/{rec.id}" if rec.source else rec.id  # ids repeat across the manifest's sources
        rec.source = None
        yield rec
