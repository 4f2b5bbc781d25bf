"""Isolated-sign labels as people write them, made comparable: normalisation, synonyms, exclusions.

Crowd-collected data spells one sign many ways (``Thank You``, ``thank_you``, ``thankYou``, ``thank%20you``).
:func:`normalise_label` applies a fixed list of rules (:data:`RULES`, all by default, in this order):

* ``percent``: decode ``%XX`` escapes (``thank%20you`` -> ``thank you``);
* ``case``: lower-case;
* ``spaces``, ``underscores``, ``hyphens``: remove them (``thank you`` / ``thank_you`` / ``thank-you`` -> ``thankyou``).

A :class:`LabelMap` then maps normalised keys through a synonym table (``thankyou: thanks``; the value is the
display form written into the gloss and the template sentence, its normalised form is the class key) and drops
excluded labels (junk classes such as ``idle``). Cross-corpus evaluation compares classes by
:func:`normalise_label` of their names, so "Hello" in one corpus is "hello" in another.
"""
from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from signpt.errors import ConfigError

RULES = ("percent", "case", "spaces", "underscores", "hyphens")
_REMOVE = {"spaces": r"\s", "underscores": "_", "hyphens": "-"}


def normalise_label(label: str, rules=RULES) -> str:
    """`label` with the normalisation `rules` applied, in :data:`RULES` order (see the module)."""
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ConfigError(f"unknown label normalisation rule(s) {unknown} (known: {', '.join(RULES)})")
    s = str(label)
    if "percent" in rules:
        s = urllib.parse.unquote(s)
    if "case" in rules:
        s = s.lower()
    removed = "".join(_REMOVE[r] for r in ("spaces", "underscores", "hyphens") if r in rules)
    if removed:
        s = re.sub(f"[{removed}]+", "", s)
    return s.strip()


@dataclass
class LabelMap:
    """Raw label -> (class key, display form), or None when the label is excluded.

    rules: normalisation rules (:data:`RULES`). synonyms: {label: canonical display form}; keys and values
    are normalised before comparison, so ``{"thank you": "thanks"}`` also catches ``Thank_You``; every label
    whose key is a synonym's normalised value shows that value (``thankyou`` -> "thank you"). exclude:
    labels to drop (normalised before comparison); a label that normalises to "" is always dropped.
    """

    rules: tuple = RULES
    synonyms: dict = field(default_factory=dict)
    exclude: tuple = ()

    def __post_init__(self):
        self.rules = tuple(self.rules)
        normalise_label("", self.rules)  # validates the rules
        self._syn = {normalise_label(k, self.rules): str(v) for k, v in (self.synonyms or {}).items()}
        self._display = {normalise_label(v, self.rules): v for v in self._syn.values()}
        self._drop = {normalise_label(x, self.rules) for x in (self.exclude or ())}

    @classmethod
    def from_options(cls, options: dict | None, where: str) -> "LabelMap":
        """From a recipe's ``labels:`` mapping: ``normalise`` (list of rules, or false for none), ``synonyms``,
        ``exclude``."""
        o = dict(options or {})
        unknown = sorted(set(o) - {"normalise", "synonyms", "exclude"})
        if unknown:
            raise ConfigError(f"{where}: labels: unknown key(s) {unknown} (known: normalise, synonyms, exclude)")
        rules = o.get("normalise", list(RULES))
        rules = () if rules in (False, None) else rules
        if isinstance(rules, str) or not isinstance(rules, (list, tuple)):
            raise ConfigError(f"{where}: labels.normalise must be a list of rules from {list(RULES)} (or false)")
        syn = o.get("synonyms") or {}
        if not isinstance(syn, dict):
            raise ConfigError(f"{where}: labels.synonyms must map a label to its canonical form")
        exclude = o.get("exclude") or []
        if not isinstance(exclude, (list, tuple)):
            raise ConfigError(f"{where}: labels.exclude must be a list of labels")
        try:
            return cls(tuple(rules), {str(k): str(v) for k, v in syn.items()}, tuple(str(x) for x in exclude))
        except ConfigError as e:
            raise ConfigError(f"{where}: labels: {e}") from None

    def key(self, label: str) -> str | None:
        """The class key of a raw label, None when excluded."""
        got = self.lookup(label)
        return None if got is None else got[0]

    def lookup(self, label: str) -> tuple[str, str] | None:
        """(class key, display form) of a raw label, or None when it is excluded or normalises to ""."""
        k = normalise_label(label, self.rules)
        if k in self._syn:
            k = normalise_label(self._syn[k], self.rules)
        if not k or k in self._drop:
            return None
        return k, self._display.get(k, k)
