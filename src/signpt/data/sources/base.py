"""What every dataset adapter yields, and the small helpers they share.

An adapter is a module with ``DEFAULTS`` (an :class:`AdapterDefaults`) and
``records(src: Source) -> Iterator[Record]`` that reads the dataset's official annotation files and yields
one :class:`Record` per sample. Records only *point* at pose files; reading, cutting, refining and
converting the poses happen in :mod:`signpt.data.curate`, so an adapter stays a small annotation parser.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from signpt.data.source_config import DEFAULT_TEMPLATES, SourceConfig
from signpt.data.schema import SPLITS
from signpt.errors import CurationError

POSE_EXTENSIONS = {
    "pose": (".pose",),
    "npz": (".npz",),
    "npy": (".npy",),
    "pkl": (".pkl", ".pickle"),
    "pickle": (".pickle", ".pkl"),
    "json": (".json",),
    "openpose": ("",),  # a folder of per-frame *_keypoints.json
    "auto": (".pose", ".npz", ".npy", ".pkl", ".pickle", ".json", ""),
}
COMMON_SPLITS = {
    "train": "train", "training": "train", "val": "dev", "valid": "dev", "validation": "dev", "dev": "dev",
    "test": "test", "testing": "test", "pretrain": "pretrain",
}


@dataclass
class Record:
    """One sample as the annotations describe it.

    id:          unique within the source (the corpus id is ``"{source}/{id}"``).
    pose:        the per-video pose file (or OpenPose folder) holding the sample.
    start, end:  a cut in seconds (converted to frames with the pose file's fps), or
    start_frame, end_frame: a cut in frames, 0-based, end exclusive. None = whole file.
    cut_if_untrimmed: apply the frame cut only when the pose file is long enough to be the untrimmed
                 video (WLASL: raw videos vs. the start kit's trimmed clips).
    problem:     set by the adapter when the annotation itself is unusable; the sample is then
                 skipped and reported with this reason.
    """

    id: str
    pose: Path | None
    split: str | None
    text: str | None = None
    gloss: list[str] | None = None
    label: int | None = None
    signer: str | None = None
    start: float | None = None
    end: float | None = None
    start_frame: int | None = None
    end_frame: int | None = None
    cut_if_untrimmed: bool = False
    sign_language: str | None = None
    spoken_language: str | None = None
    source: str | None = None
    meta: dict = field(default_factory=dict)
    problem: str | None = None
    video: str | None = None
    """Name of the video the pose comes from (to find a second estimator's file for hand refinement)."""
    warnings: list[str] = field(default_factory=list)
    """Problems that do not stop the sample (e.g. mojibake kept in the text); listed in the curation report."""
    pose_options: dict = field(default_factory=dict)
    """Extra keyword arguments for :func:`signpt.pose.read_pose` (e.g. a MediaPipe block order)."""


@dataclass(frozen=True)
class AdapterDefaults:
    sign_language: str
    spoken_language: str
    isolated: bool
    """Isolated signs: the gloss becomes a sentence through the template."""
    require_text: bool = True
    split_map: dict = field(default_factory=dict)
    needs_poses: bool = True
    """The recipe must name a ``poses`` folder (False where the poses sit in the annotations' folders)."""


@dataclass
class Source:
    """A recipe source with the adapter's defaults filled in; what adapters receive."""

    cfg: SourceConfig
    defaults: AdapterDefaults
    templates: dict = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))

    @property
    def name(self) -> str:
        return self.cfg.name

    @property
    def annotations(self) -> Path:
        return self.cfg.annotations

    @property
    def options(self) -> dict:
        return self.cfg.options

    @property
    def sign_language(self) -> str:
        return self.cfg.sign_language or self.defaults.sign_language

    @property
    def spoken_language(self) -> str:
        return self.cfg.spoken_language or self.defaults.spoken_language

    @property
    def require_text(self) -> bool:
        return self.defaults.require_text if self.cfg.require_text is None else self.cfg.require_text

    @property
    def template(self) -> str | None:
        """The template for this source's isolated glosses, or None when there is none."""
        if self.cfg.template:
            return self.cfg.template
        return self.templates.get(self.spoken_language)

    def sentence(self, gloss: str, spoken_language: str | None = None) -> str:
        """Isolated gloss -> sentence ("apple" -> "This word is apple.")."""
        template = self.cfg.template or self.templates.get(spoken_language or self.spoken_language)
        if template is None:
            raise CurationError(
                f"source {self.name}: no template for spoken language {spoken_language or self.spoken_language!r};"
                " set 'template' on the source or options.templates in the recipe"
            )
        return template.format(gloss=gloss)

    def split(self, official: str | None) -> str | None:
        """Official split name -> corpus split via the recipe's split_map, the adapter's, then common names.

        Returns None when the recipe maps the split to null (the sample is dropped); raises KeyError for a
        split that maps to nothing known. A source with ``split: NAME`` puts every record in NAME.
        """
        if self.cfg.split is not None:
            return self.cfg.split
        if official is None:
            return None
        key = str(official).strip()
        for table in (self.cfg.split_map, self.defaults.split_map):
            if key in table:
                return table[key]
        low = key.lower()
        if low in COMMON_SPLITS:
            return COMMON_SPLITS[low]
        if low in SPLITS:
            return low
        raise KeyError(f"unknown split {official!r} (map it with split_map in the recipe)")

    def find_pose(self, *names: str, root: Path | None = None, pose_format: str | None = None) -> Path:
        """The pose file for a video named ``names[0]`` (or one of the alternatives).

        Looks for ``{poses}/{name}{ext}`` for each extension of ``pose_format``; returns the first that
        exists, else the first candidate (which does not exist: curation reports it as missing).
        """
        root = self.cfg.poses if root is None else root
        fmt = pose_format or self.cfg.pose_format
        exts = POSE_EXTENSIONS[fmt]
        first = None
        for name in names:
            if not name:
                continue
            for ext in exts:
                p = root / f"{name}{ext}"
                if first is None and ext:
                    first = p
                if ext == "":
                    if p.is_dir():
                        return p
                elif p.is_file():
                    return p
        return first if first is not None else root / names[0]


def require_file(path: Path, what: str) -> Path:
    if not path.exists():
        raise CurationError(f"{path}: {what} not found")
    return path


def annotation_files(path: Path, patterns: Iterable[str], what: str) -> list[Path]:
    """``path`` itself if it is a file, else the files in it matching any glob pattern (sorted)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CurationError(f"{path}: {what} not found")
    files = sorted({p for pat in patterns for p in path.glob(pat) if p.is_file()})
    if not files:
        raise CurationError(f"{path}: no {what} ({', '.join(patterns)}) in this folder")
    return files


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise CurationError(f"{path}: not UTF-8 text ({e})") from None
    except OSError as e:
        raise CurationError(f"{path}: cannot read ({e})") from None


def read_delimited(path: Path, delimiter: str | tuple[str, ...], required: Iterable[str]) -> list[dict]:
    """Rows of a delimited file with a header line; checks that the required columns exist.

    Reads files as real copies come: UTF-8 with or without a BOM, CRLF or LF line ends, a final newline or
    none, CSV quoting (a field starting with ``"`` may hold the delimiter and doubled ``""``), spaces around
    values (stripped). ``delimiter`` may be a tuple of candidates: the first one found in the header line is
    used (How2Sign's tab-separated files are often re-saved comma-separated). Each row carries its physical
    line number under ``"_line"``. A row with more or fewer fields than the header is a
    :class:`CurationError` naming the file and the line.
    """
    text = read_text(path)
    if not isinstance(delimiter, str):
        first = text.split("\n", 1)[0]
        delimiter = next((d for d in delimiter if d in first), delimiter[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CurationError(f"{path}: empty file, expected a header line") from None
    except csv.Error as e:
        raise CurationError(f"{path}:1: unreadable header ({e})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise CurationError(f"{path}:1: missing column(s) {missing} in header {header} "
                            f"(delimiter {delimiter!r})")
    rows = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise CurationError(f"{path}:{start}: unreadable row ({e})") from None
        line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise CurationError(f"{path}:{start}: expected {len(header)} fields separated by {delimiter!r} "
                                f"({', '.join(header)}), got {len(values)}")
        row = {k: v.strip() for k, v in zip(header, values)}
        row["_line"] = start
        rows.append(row)
    return rows


_CP1252_HIGH = ("\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019"
                "\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178")
"""The characters cp1252 puts at 0x80-0x9f."""
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf" + _CP1252_HIGH + "]{1,3}")


def mojibake(text: str | None) -> str | None:
    """The first piece of ``text`` that looks like UTF-8 decoded as Latin-1/cp1252 (e.g. ``â\x80\x99`` for
    ``’``), or None. Such text is kept as it is; adapters report it so the user can repair the file."""
    if not text:
        return None
    for m in _MOJIBAKE.finditer(text):
        piece = m.group(0)
        for codec in ("latin-1", "cp1252"):
            try:
                piece.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            return piece
    return None


def signer_id(value) -> str | None:
    """A signer id as one spelling: stripped and lower-case (PHOENIX writes ``Signer04`` in its corpus files
    and ``signer04`` in its STM); None for empty values."""
    if value is None:
        return None
    s = str(value).strip()
    return s.lower() or None


def split_gloss(gloss: str | None) -> list[str] | None:
    if gloss is None:
        return None
    toks = str(gloss).split()
    return toks or None
