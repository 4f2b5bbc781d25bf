"""sclite's STM (references) and CTM (hypotheses) files, as the PHOENIX-2014 evaluation uses them.

STM, one segment a line: ``<file> <channel> <speaker> <begin> <end> [<label>] <word> ...``, e.g. the
ground truth ``phoenix2014-groundtruth-dev.stm``: ``<id> 1 signer05 0.0 1.79769e+308 __ON__ TEMPERATUR ...``
(one segment per sentence, the whole video). CTM, one word a line: ``<file> <channel> <begin> <duration>
<word> [<confidence>]``. Lines starting with ``;;`` are comments in both; CRLF and a missing final newline are
accepted. A file id with several segments (or CTM words) is read in time order and joined into one sentence,
which is what scoring by file id needs (the PHOENIX STMs have one segment per id).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from signpt.errors import SignptError


@dataclass(frozen=True)
class StmSegment:
    file: str
    channel: str
    speaker: str
    begin: float
    end: float
    words: tuple[str, ...]


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file (a leading BOM dropped); a clear error naming the file otherwise."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SignptError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise SignptError(f"{path}: not UTF-8 text ({e})") from None
    except OSError as e:
        raise SignptError(f"{path}: cannot read ({e.strerror})") from None


def _lines(path: Path) -> list[tuple[int, str]]:
    text = read_utf8(path)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith(";;"):
            out.append((n, line))
    return out


def read_stm(path: Path) -> list[StmSegment]:
    """The segments of an STM file, in file order."""
    segs = []
    for n, line in _lines(path):
        f = line.split()
        if len(f) < 5:
            raise SignptError(f"{path}:{n}: an STM line needs <file> <channel> <speaker> <begin> <end> [words], "
                              f"got {line!r}")
        try:
            begin, end = float(f[3]), float(f[4])
        except ValueError:
            raise SignptError(f"{path}:{n}: begin and end times must be numbers, got {f[3]!r} {f[4]!r}") from None
        words = f[5:]
        if words and words[0].startswith("<") and words[0].endswith(">"):  # optional label field <o,f0,male>
            words = words[1:]
        segs.append(StmSegment(f[0], f[1], f[2], begin, end, tuple(words)))
    if not segs:
        raise SignptError(f"{path}: no STM segments in this file")
    return segs


def stm_references(path: Path) -> dict[str, list[str]]:
    """{file id: words}, file ids in the order they first appear, segments joined in time order."""
    by_id: dict[str, list[StmSegment]] = {}
    for s in read_stm(path):
        by_id.setdefault(s.file, []).append(s)
    return {k: [w for s in sorted(v, key=lambda s: s.begin) for w in s.words] for k, v in by_id.items()}


def read_ctm(path: Path) -> dict[str, list[str]]:
    """{file id: words in time order} of a CTM file (stable for equal begin times)."""
    by_id: dict[str, list[tuple[float, int, str]]] = {}
    for n, line in _lines(path):
        f = line.split()
        if len(f) < 5:
            raise SignptError(f"{path}:{n}: a CTM line needs <file> <channel> <begin> <duration> <word>, "
                              f"got {line!r}")
        try:
            begin = float(f[2])
            float(f[3])
        except ValueError:
            raise SignptError(f"{path}:{n}: begin and duration must be numbers, got {f[2]!r} {f[3]!r}") from None
        by_id.setdefault(f[0], []).append((begin, n, f[4]))
    return {k: [w for _, _, w in sorted(v)] for k, v in by_id.items()}


def paired_by_id(refs: dict[str, list[str]], hyps: dict[str, list[str]], hyp_path: Path, ref_path: Path
                 ) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """(references, hypotheses, ids) in reference order; a reference id without hypothesis words is scored
    against an empty hypothesis (all deletions); a hypothesis id the references lack is an error."""
    extra = [k for k in hyps if k not in refs]
    if extra:
        raise SignptError(f"{hyp_path}: {len(extra)} file id(s) not in {ref_path}, e.g. {extra[0]!r}")
    ids = list(refs)
    return [refs[k] for k in ids], [hyps.get(k, []) for k in ids], ids
