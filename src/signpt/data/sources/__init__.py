"""Dataset adapters: one module per dataset, each reading the official annotation files.

``ADAPTERS`` maps an adapter name (the recipe's ``adapter``) to its module; each module has
``DEFAULTS`` (:class:`~signpt.data.sources.base.AdapterDefaults`) and
``records(source) -> Iterator[Record]``. ``open_source(cfg, templates)`` gives the :class:`Source` an
adapter reads, and ``iter_records(cfg, templates)`` the records themselves.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Iterator

from signpt.data.sources.base import AdapterDefaults, Record, Source

ADAPTERS = {
    name: f"signpt.data.sources.{name}"
    for name in ("wlasl", "msasl", "nmfs_csl", "slr500", "phoenix2014", "phoenix2014t", "csl_daily", "how2sign",
                 "bobsl", "generic", "mp_data", "kaggle_islr", "signbridge", "synth")
}


def get_adapter(name: str) -> ModuleType:
    try:
        return importlib.import_module(ADAPTERS[name])
    except KeyError:
        raise KeyError(f"unknown adapter {name!r} (known: {', '.join(sorted(ADAPTERS))})") from None


def open_source(cfg, templates: dict | None = None) -> Source:
    from signpt.data.source_config import DEFAULT_TEMPLATES

    return Source(cfg=cfg, defaults=get_adapter(cfg.adapter).DEFAULTS, templates=dict(templates or DEFAULT_TEMPLATES))


def iter_records(cfg, templates: dict | None = None) -> Iterator[Record]:
    src = open_source(cfg, templates)
    return get_adapter(cfg.adapter).records(src)


__all__ = ["ADAPTERS", "AdapterDefaults", "Record", "Source", "get_adapter", "open_source", "iter_records"]
