"""PHOENIX gloss clean-up applied before WER scoring, as the public evaluation code does.

Two variants, both applied to references *and* hypotheses (as neccam/slt's ``signjoey`` evaluation does; the
clean-up is idempotent on the already clean PHOENIX-2014-T dev/test references):

- ``"2014"``: RWTH-PHOENIX-Weather 2014's evaluation clean-up (its ``preprocess.sh`` sed/perl rules, also
  shipped in VAC_CSLR/CorrNet ``evaluation/slr_eval/preprocess.sh``), in the sentence-level Python form of
  neccam/slt ``signjoey/phoenix_utils/phoenix_cleanup.py::clean_phoenix_2014``: drop the ``loc- cl- qu-
  poss- lh-`` prefixes, ``S0NNE``->``SONNE``, ``HABEN2``->``HABEN``, remove ``__EMOTION__ __PU__
  __LEFTHAND__``, ``WIE AUSSEHEN``->``WIE-AUSSEHEN``, ``ZEIGEN``->``ZEIGEN-BILDSCHIRM``, join runs of single
  letters (fingerspelling) with ``+``, ``xxRAUM``->``xx``, drop ``-PLUSPLUS``, merge repeated glosses
  (the ``_REPEAT`` rule, four passes).
  ``__ON__``/``__OFF__`` are kept: they are glosses of the 2014 ground truth (``phoenix2014-groundtruth-*.stm``)
  and are scored.
- ``"2014T"``: PHOENIX-2014-T's clean-up (official ``preprocess`` for 2014-T: drop ``__LEFTHAND__
  __EPENTHESIS__ __EMOTION__`` and any ``__X__`` token, strip ``loc-``/``cl-`` prefixes and the
  ``-PLUSPLUS`` suffix, ``xxRAUM``->``xx``, merge consecutive repeats), in the Python form of
  ``clean_phoenix_2014_trans`` used by signjoey, SLRT and GFSLT-VLP, which in addition joins single letters
  with ``+`` and writes ``WIE AUSSEHEN`` as ``WIE-AUSSEHEN``.

The rule lists below are the published rules, re-expressed; their order matters.

``clean_phoenix_ctm`` is the route of the official sclite scoring (``evaluatePhoenix2014.sh`` /
``evaluateWER.sh``): the same sed/perl rules run over the hypothesis *CTM*, one word a line, so only the rules
that match within one word take effect (prefixes, ``S0NNE``, ``HABEN2``, ``ZEIGEN``->``ZEIGEN-BILDSCHIRM``,
``xxRAUM``, ``-PLUSPLUS``, the ``__X__`` tokens); the multi-word rules (``WIE AUSSEHEN``, letter joining,
repeat merging) never fire there; a line whose word became empty is dropped (its ``awk '$5!=""'``) and so is
any line holding ``__LEFTHAND__``, ``__EPENTHESIS__`` or ``__EMOTION__`` (its ``grep -v``).
"""
from __future__ import annotations

import re

# A gloss made only of capitals, not part of a hyphenated compound, repeated right after itself.
_REPEAT = (r"(?<![\w-])(\b[A-Z]+(?![\w-])) \1(?![\w-])", r"\1")

# Fingerspelled letters "A B C" -> "A+B+C" (the published sequence of rules, applied in this order).
_JOIN_LETTERS = [
    (r"^([A-Z]) ([A-Z][+ ])", r"\1+\2"),
    (r"[ +]([A-Z]) ([A-Z]) ", r" \1+\2 "),
    (r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2"),
    (r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2"),
    (r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2"),
    (r"([ +]SCH) ([A-Z][ +])", r"\1+\2"),
    (r"([ +]NN) ([A-Z][ +])", r"\1+\2"),
    (r"([ +][A-Z]) (NN[ +])", r"\1+\2"),
    (r"([ +][A-Z]) ([A-Z])$", r"\1+\2"),
]

_RULES_2014 = [
    (r"loc-", ""),
    (r"cl-", ""),
    (r"qu-", ""),
    (r"poss-", ""),
    (r"lh-", ""),
    (r"S0NNE", "SONNE"),
    (r"HABEN2", "HABEN"),
    (r"__EMOTION__", ""),
    (r"__PU__", ""),
    (r"__LEFTHAND__", ""),
    (r"WIE AUSSEHEN", "WIE-AUSSEHEN"),
    (r"ZEIGEN ", "ZEIGEN-BILDSCHIRM "),
    (r"ZEIGEN$", "ZEIGEN-BILDSCHIRM"),
    *_JOIN_LETTERS,
    (r"([A-Z][A-Z])RAUM", r"\1"),
    (r"-PLUSPLUS", ""),
    (r" +", " "),
    _REPEAT, _REPEAT, _REPEAT, _REPEAT,
    (r" +", " "),
]

_RULES_2014T = [
    (r"__LEFTHAND__", ""),
    (r"__EPENTHESIS__", ""),
    (r"__EMOTION__", ""),
    (r"\b__[^_ ]*__\b", ""),
    (r"\bloc-([^ ]*)\b", r"\1"),
    (r"\bcl-([^ ]*)\b", r"\1"),
    (r"\b([^ ]*)-PLUSPLUS\b", r"\1"),
    (r"\b([A-Z][A-Z]*)RAUM\b", r"\1"),
    (r"WIE AUSSEHEN", "WIE-AUSSEHEN"),
    *_JOIN_LETTERS,
    (r" +", " "),
    _REPEAT, _REPEAT, _REPEAT, _REPEAT,
    (r" +", " "),
]

_COMPILED = {
    "2014": [(re.compile(p), r) for p, r in _RULES_2014],
    "2014T": [(re.compile(p), r) for p, r in _RULES_2014T],
}

VARIANTS = tuple(_COMPILED)


def clean_phoenix(glosses: str, variant: str = "2014T") -> str:
    """Clean one space-separated PHOENIX gloss sentence; returns the cleaned sentence (single spaces).

    variant: ``"2014"`` (RWTH-PHOENIX-Weather 2014) or ``"2014T"`` (PHOENIX-2014-T). Exactly the published
    rules (see the module docstring): repeated plain glosses are merged, hyphenated ones are kept.
    """
    try:
        rules = _COMPILED[variant]
    except KeyError:
        raise ValueError(f"clean_phoenix: unknown variant {variant!r}, expected one of {VARIANTS}") from None
    s = glosses.strip()
    for pattern, repl in rules:
        s = pattern.sub(repl, s)
    return " ".join(s.split())


# lines the official CTM route removes with `grep -v` after the sed/perl rules
_CTM_DROPPED = ("__LEFTHAND__", "__EPENTHESIS__", "__EMOTION__")


def clean_phoenix_ctm(words: list[str], variant: str = "2014") -> list[str]:
    """The official sclite route's clean-up of one hypothesis given as CTM words (one word a line): each word
    through the variant's rules on its own, empty words and the ``grep -v`` tokens dropped (module docstring)."""
    # on one word the multi-word rules (they need a space) never fire: clean_phoenix on each word alone
    cleaned = (clean_phoenix(w, variant) for w in words)
    return [w for w in cleaned if w and not any(t in w for t in _CTM_DROPPED)]
