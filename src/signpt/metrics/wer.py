"""Word error rate with sclite's alignment costs, for continuous sign recognition (CSLR).

WER = (S + D + I) / N, N = number of reference words, with S/D/I counted on the alignment that sclite's
default weights choose: correct 0, substitution 4, insertion 3, deletion 3 (as the public CSLR evaluation,
e.g. VAC_CSLR/CorrNet ``python_wer_evaluation.py``, does). A plain 1/1/1 edit distance (jiwer) gives the
same number of errors in almost every case but may split them differently: for ref ``A B``, hyp ``B C``
1/1/1 costs tie between two substitutions and deletion+insertion, while 4/3/3 costs prefer D=1, I=1 (6 < 8).

Tie-breaking (documented choice): among alignments of minimal cost the one with the fewest errors
(S + D + I) is taken; remaining ties are broken during the backtrace from the end of both sequences by
preferring the diagonal move (correct/substitution), then deletion, then insertion.

Corpus WER sums errors and reference words over all sentences (not a mean of sentence WERs). All rates are
percentages of N.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from signpt.metrics.phoenix import clean_phoenix


@dataclass(frozen=True)
class AlignmentCosts:
    """Alignment weights; sclite's defaults are substitution 4, insertion 3, deletion 3, correct 0."""

    substitution: int = 4
    insertion: int = 3
    deletion: int = 3
    correct: int = 0


SCLITE_COSTS = AlignmentCosts()
LEVENSHTEIN_COSTS = AlignmentCosts(1, 1, 1, 0)


@dataclass
class WerStats:
    """Error counts of one sentence or a whole corpus. ``ops``: the alignment (sentence level only),
    a list of ``(op, ref_word | None, hyp_word | None)`` with op in ``C S D I``, in sentence order."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    correct: int = 0
    ref_words: int = 0
    hyp_words: int = 0
    ops: list[tuple[str, str | None, str | None]] = field(default_factory=list, repr=False)

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    def _rate(self, count: int) -> float | None:
        if self.ref_words == 0:
            return 0.0 if count == 0 else None  # undefined: errors against an empty reference
        return 100.0 * count / self.ref_words

    @property
    def wer(self) -> float | None:
        """(S + D + I) / N in %; None when N = 0 and there are insertions."""
        return self._rate(self.errors)

    @property
    def sub_rate(self) -> float | None:
        return self._rate(self.substitutions)

    @property
    def del_rate(self) -> float | None:
        return self._rate(self.deletions)

    @property
    def ins_rate(self) -> float | None:
        return self._rate(self.insertions)

    def __add__(self, other: WerStats) -> WerStats:
        return WerStats(
            self.substitutions + other.substitutions, self.deletions + other.deletions,
            self.insertions + other.insertions, self.correct + other.correct,
            self.ref_words + other.ref_words, self.hyp_words + other.hyp_words,
        )

    def to_dict(self) -> dict[str, float | int | None]:
        """Keys as the CSLR tables use them: ``wer``, ``del``, ``ins``, ``sub`` (%), plus raw counts."""
        return {
            "wer": self.wer, "del": self.del_rate, "ins": self.ins_rate, "sub": self.sub_rate,
            "substitutions": self.substitutions, "deletions": self.deletions, "insertions": self.insertions,
            "correct": self.correct, "ref_words": self.ref_words, "hyp_words": self.hyp_words,
        }


def align(ref: Sequence[str], hyp: Sequence[str], costs: AlignmentCosts = SCLITE_COSTS) -> WerStats:
    """Minimum-cost alignment of two word sequences; returns its S/D/I/C counts and the aligned ops.

    Dynamic programming over (cost, errors) pairs compared lexicographically, with a backtrace (see the
    module docstring for tie-breaking). O(len(ref) * len(hyp)).
    """
    n, m = len(ref), len(hyp)
    # cell = (cost, errors); D[i][j] aligns ref[:i] with hyp[:j]
    D = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        D[i][0] = (i * costs.deletion, i)
    for j in range(1, m + 1):
        D[0][j] = (j * costs.insertion, j)
    for i in range(1, n + 1):
        r = ref[i - 1]
        row, prev = D[i], D[i - 1]
        for j in range(1, m + 1):
            c, e = prev[j - 1]
            diag = (c + costs.correct, e) if r == hyp[j - 1] else (c + costs.substitution, e + 1)
            c, e = prev[j]
            dele = (c + costs.deletion, e + 1)
            c, e = row[j - 1]
            ins = (c + costs.insertion, e + 1)
            row[j] = min(diag, dele, ins)
    stats = WerStats(ref_words=n, hyp_words=m)
    ops: list[tuple[str, str | None, str | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        here = D[i][j]
        if i > 0 and j > 0:
            same = ref[i - 1] == hyp[j - 1]
            c, e = D[i - 1][j - 1]
            diag = (c + costs.correct, e) if same else (c + costs.substitution, e + 1)
            if diag == here:
                ops.append(("C" if same else "S", ref[i - 1], hyp[j - 1]))
                if same:
                    stats.correct += 1
                else:
                    stats.substitutions += 1
                i, j = i - 1, j - 1
                continue
        if i > 0:
            c, e = D[i - 1][j]
            if (c + costs.deletion, e + 1) == here:
                ops.append(("D", ref[i - 1], None))
                stats.deletions += 1
                i -= 1
                continue
        ops.append(("I", None, hyp[j - 1]))
        stats.insertions += 1
        j -= 1
    stats.ops = ops[::-1]
    return stats


@dataclass
class WerResult:
    """Corpus totals (``corpus``) and one ``WerStats`` per sentence (``sentences``)."""

    corpus: WerStats
    sentences: list[WerStats]
    cleanup: str | None = None

    def to_dict(self) -> dict:
        out = self.corpus.to_dict()
        out["num_sentences"] = len(self.sentences)
        out["phoenix_cleanup"] = self.cleanup
        return out


def _words(x: str | Sequence[str]) -> list[str]:
    return x.split() if isinstance(x, str) else list(x)


def wer(
    references: Sequence[str | Sequence[str]],
    hypotheses: Sequence[str | Sequence[str]],
    *,
    costs: AlignmentCosts = SCLITE_COSTS,
    phoenix_cleanup: str | None = None,
) -> WerResult:
    """Corpus and per-sentence WER.

    references/hypotheses: one entry per sentence, either a whitespace-separated string or a list of words.
    phoenix_cleanup: None, ``"2014"`` or ``"2014T"`` -- apply ``signpt.metrics.phoenix.clean_phoenix`` to
    both sides first. Raises ValueError on a length mismatch or when all references are empty.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"wer: {len(references)} references but {len(hypotheses)} hypotheses")
    sentences = []
    total = WerStats()
    for ref, hyp in zip(references, hypotheses):
        r, h = _words(ref), _words(hyp)
        if phoenix_cleanup is not None:
            r = clean_phoenix(" ".join(r), phoenix_cleanup).split()
            h = clean_phoenix(" ".join(h), phoenix_cleanup).split()
        s = align(r, h, costs)
        sentences.append(s)
        total = total + s
    if total.ref_words == 0:
        raise ValueError("wer: the references contain no words, WER is undefined")
    return WerResult(total, sentences, phoenix_cleanup)
