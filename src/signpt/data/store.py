"""Sharded corpus store on Apache Arrow.

Layout of a corpus directory::

    root/
      manifest.json                 index of every shard (made by ``merge_manifests``)
      {prefix}.shards.json          one per writer prefix: its finished shards, sha256, counts
      {prefix}-00000.arrow          Arrow IPC *stream* files, uncompressed, one record batch each

Each shard is a table with one row per sample. Metadata columns: ``id, source, sign_language,
spoken_language, split, text, gloss (list<string>), label (int64), signer, num_frames (int32), fps (float64),
frame_width, frame_height (int32), meta (JSON string)``; pose columns ``keypoints`` (large_binary: T*79*2
float16, little-endian, row-major (T, 79, 2), pixels as estimated) and ``confidence`` (large_binary: T*79
float16). The IPC stream format is what ``datasets.Dataset.from_file`` and ``pyarrow.ipc.open_stream``
read as they are. Reads memory-map the shards and decode the blobs with ``np.frombuffer``
(``benchmarks/bench_store.py`` compares this layout with Parquet, one ``.npy`` memmap and per-sample pickles).

Writes are atomic (temporary file in the same directory, fsync, ``os.replace``), so a shard on disk under
its final name is always complete. Several processes may write into one directory with different
``prefix`` values (``--shard i/n`` array jobs); ``merge_manifests(root)`` then indexes all of them.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

from signpt.atomic import sha256_file, write_bytes
from signpt.data.schema import SCHEMA_VERSION, SPLITS, Sample
from signpt.errors import CorpusError

NUM_POINTS = 79
MANIFEST = "manifest.json"
SHARD_SUFFIX = ".arrow"
PART_SUFFIX = ".shards.json"

SCHEMA = pa.schema([
    ("id", pa.string()),
    ("source", pa.string()),
    ("sign_language", pa.string()),
    ("spoken_language", pa.string()),
    ("split", pa.string()),
    ("text", pa.string()),
    ("gloss", pa.list_(pa.string())),
    ("label", pa.int64()),
    ("signer", pa.string()),
    ("num_frames", pa.int32()),
    ("fps", pa.float64()),
    ("frame_width", pa.int32()),
    ("frame_height", pa.int32()),
    ("meta", pa.string()),
    ("keypoints", pa.large_binary()),
    ("confidence", pa.large_binary()),
], metadata={b"signpt_schema_version": str(SCHEMA_VERSION).encode()})

META_COLUMNS = tuple(n for n in SCHEMA.names if n not in ("keypoints", "confidence"))
NUMERIC_COLUMNS = {"label": np.int64, "num_frames": np.int64, "fps": np.float64,
                   "frame_width": np.int64, "frame_height": np.int64}
COLUMNS = META_COLUMNS + ("duration", "paired")
"""Names accepted by ``Corpus.column``: the metadata columns plus the derived ``duration`` (seconds) and
``paired`` (bool)."""


# ---------------------------------------------------------------------------------------------- helpers

def _atomic_write_json(path: Path, obj) -> None:
    write_bytes(path, (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode())


def _read_shard_table(path: Path, memory_map: bool = True) -> pa.Table:
    """The shard at `path` as a table (zero-copy over a memory map); CorpusError naming it if unreadable."""
    if not path.is_file():
        raise CorpusError(f"{path}: shard file is missing")
    try:
        source = pa.memory_map(str(path), "r") if memory_map else pa.OSFile(str(path), "rb")
        table = pa.ipc.open_stream(source).read_all()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as e:
        raise CorpusError(f"{path}: not a readable Arrow IPC shard ({e})") from None
    missing = [n for n in SCHEMA.names if n not in table.schema.names]
    if missing:
        raise CorpusError(f"{path}: shard lacks column(s) {missing}")
    return table


def _shard_stats(table: pa.Table) -> dict:
    """Counts of one shard, summed by ``merge_manifests``."""
    cols = {n: table.column(n).to_pylist() for n in ("source", "sign_language", "spoken_language", "split",
                                                     "text", "num_frames", "fps")}
    paired = sum(1 for t in cols["text"] if t)
    seconds = float(sum(n / f for n, f in zip(cols["num_frames"], cols["fps"])))
    return {
        "source": dict(Counter(cols["source"])),
        "sign_language": dict(Counter(cols["sign_language"])),
        "spoken_language": dict(Counter(cols["spoken_language"])),
        "split": dict(Counter(cols["split"])),
        "paired": paired,
        "unpaired": table.num_rows - paired,
        "frames": int(sum(cols["num_frames"])),
        "seconds": seconds,
    }


def _shard_entry(path: Path, table: pa.Table, sha256: str | None = None) -> dict:
    return {
        "file": path.name,
        "num_samples": table.num_rows,
        "bytes": path.stat().st_size,
        "sha256": sha256 or sha256_file(path),
        "stats": _shard_stats(table),
    }


def _shard_files(root: Path, prefix: str) -> list[Path]:
    pattern = re.compile(re.escape(prefix) + r"-(\d+)" + re.escape(SHARD_SUFFIX) + "$")
    return sorted(p for p in root.iterdir() if pattern.match(p.name))


def _load_json(path: Path, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise CorpusError(f"{path}: {what} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: {what} is not valid JSON ({e})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("shards"), list):
        raise CorpusError(f"{path}: {what} has no 'shards' list")
    return obj


def validate_sample(sample: Sample) -> tuple[np.ndarray, np.ndarray]:
    """Check one sample; returns (keypoints, confidence) as contiguous float16 arrays.

    Raises CorpusError naming the sample id: shapes must be (T, 79, 2) and (T, 79) with T >= 1, values
    finite in float16 (|x| <= 65504), confidence in [0, 1], split one of ``SPLITS``, fps > 0, frame size > 0.
    """
    sid = getattr(sample, "id", None)
    if not isinstance(sid, str) or not sid:
        raise CorpusError(f"sample {sid!r}: id must be a non-empty string")
    kp = np.asarray(sample.keypoints)
    conf = np.asarray(sample.confidence)
    if kp.ndim != 3 or kp.shape[1:] != (NUM_POINTS, 2) or kp.shape[0] < 1:
        raise CorpusError(f"sample {sid!r}: keypoints must have shape (T>=1, 79, 2), got {kp.shape}")
    if conf.shape != kp.shape[:2]:
        raise CorpusError(f"sample {sid!r}: confidence must have shape {kp.shape[:2]}, got {conf.shape}")
    if sample.split not in SPLITS:
        raise CorpusError(f"sample {sid!r}: unknown split {sample.split!r} (expected one of {SPLITS})")
    for name in ("source", "sign_language", "spoken_language"):
        if not isinstance(getattr(sample, name), str) or not getattr(sample, name):
            raise CorpusError(f"sample {sid!r}: {name} must be a non-empty string")
    if not (np.isfinite(sample.fps) and sample.fps > 0):
        raise CorpusError(f"sample {sid!r}: fps must be > 0, got {sample.fps!r}")
    if len(sample.frame_size) != 2 or min(sample.frame_size) <= 0:
        raise CorpusError(f"sample {sid!r}: frame_size must be (width>0, height>0), got {sample.frame_size!r}")
    with np.errstate(over="ignore", invalid="ignore"):
        kp16 = np.ascontiguousarray(kp, dtype="<f2")
        conf16 = np.ascontiguousarray(conf, dtype="<f2")
    if not np.isfinite(kp16).all():
        raise CorpusError(f"sample {sid!r}: keypoints contain NaN/inf or exceed the float16 range")
    if not np.isfinite(conf16).all() or conf16.min() < 0 or conf16.max() > 1:
        raise CorpusError(f"sample {sid!r}: confidence must be finite and within [0, 1]")
    if sample.gloss is not None and not all(isinstance(g, str) for g in sample.gloss):
        raise CorpusError(f"sample {sid!r}: gloss must be a list of strings")
    return kp16, conf16


# ----------------------------------------------------------------------------------------------- writer

class CorpusWriter:
    """Append samples to a corpus directory, one atomic shard per `shard_size` samples.

    Resumable: reopening a directory continues its shard numbering, and ``add`` skips ids already in
    finished shards (of every prefix present when the writer opened) or added earlier in this session.
    Samples still buffered when a process is killed are lost; rerunning the same job re-adds them.
    On ``close`` (end of the ``with`` block) the last partial shard is written and ``manifest.json``
    is rebuilt with ``merge_manifests``. Array jobs writing with different prefixes at the same time
    should run ``merge_manifests(root)`` once after all have finished (the last one to close may have
    indexed the others before they finished).

    >>> with CorpusWriter("corpus") as w:
    ...     for s in samples:
    ...         w.add(s)
    """

    def __init__(self, root: str | os.PathLike, shard_size: int = 1024, prefix: str = "shard"):
        if shard_size < 1:
            raise ValueError("shard_size must be >= 1")
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", prefix):  # shard files are {prefix}-{digits}.arrow
            raise ValueError(f"prefix {prefix!r}: use letters, digits, '_', '.' and '-' (not first) only")
        self.root = Path(root)
        self.shard_size = shard_size
        self.prefix = prefix
        self.root.mkdir(parents=True, exist_ok=True)
        self._part_path = self.root / f"{prefix}{PART_SUFFIX}"
        self._buffer: list[tuple[Sample, np.ndarray, np.ndarray]] = []
        self._ids: set[str] = set()
        self._closed = False
        self._entries = self._recover()
        self._next_index = 1 + max((int(e["file"][len(prefix) + 1:-len(SHARD_SUFFIX)]) for e in self._entries),
                                   default=-1)
        self._load_existing_ids()

    # -- resume
    def _recover(self) -> list[dict]:
        """Finished shards of this prefix: those listed in the part file plus any completed (renamed)
        before the part file was updated; removes this prefix's leftover temporary files."""
        for pattern in (f".{self.prefix}-*{SHARD_SUFFIX}.*.tmp", f".{self.prefix}{PART_SUFFIX}.*.tmp"):
            for p in self.root.glob(pattern):
                if re.fullmatch(rf"\.{re.escape(self.prefix)}(-\d+{re.escape(SHARD_SUFFIX)}|{re.escape(PART_SUFFIX)})"
                                r"\.[^.]+\.tmp", p.name):  # not another prefix that starts with this one
                    p.unlink(missing_ok=True)
        entries = []
        if self._part_path.exists():
            entries = _load_json(self._part_path, "shard index")["shards"]
        listed = {e["file"] for e in entries}
        adopted = False
        for path in _shard_files(self.root, self.prefix):
            if path.name not in listed:
                entries.append(_shard_entry(path, _read_shard_table(path)))
                adopted = True
        if adopted:
            self._write_part(entries)
        return entries

    def _load_existing_ids(self) -> None:
        for part in sorted(self.root.glob(f"*{PART_SUFFIX}")):
            entries = self._entries if part == self._part_path else _load_json(part, "shard index")["shards"]
            for e in entries:
                path = self.root / e["file"]
                if path.exists():
                    self._ids.update(_read_shard_table(path).column("id").to_pylist())

    def _write_part(self, entries: list[dict]) -> None:
        _atomic_write_json(self._part_path, {"schema_version": SCHEMA_VERSION, "prefix": self.prefix,
                                             "shards": entries})

    # -- public
    def has(self, sample_id: str) -> bool:
        """True if `sample_id` is already in a finished shard or was added in this session."""
        return sample_id in self._ids

    def add(self, sample: Sample) -> bool:
        """Validate and buffer `sample` (see ``validate_sample``); writes a shard when the buffer is full.

        Returns False (and stores nothing) if a sample with this id is already stored or added.
        """
        if self._closed:
            raise CorpusError(f"{self.root}: writer is closed")
        kp, conf = validate_sample(sample)
        if sample.id in self._ids:
            return False
        self._ids.add(sample.id)
        self._buffer.append((sample, kp, conf))
        if len(self._buffer) >= self.shard_size:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the buffered samples as one shard (atomically) and record it in the part file."""
        if not self._buffer:
            return
        table = _samples_to_table(self._buffer)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, SCHEMA) as w:
            w.write_table(table)
        data = sink.getvalue()
        path = self.root / f"{self.prefix}-{self._next_index:05d}{SHARD_SUFFIX}"
        write_bytes(path, memoryview(data))
        self._entries.append(_shard_entry(path, table, hashlib.sha256(memoryview(data)).hexdigest()))
        self._write_part(self._entries)
        self._next_index += 1
        self._buffer = []

    def close(self) -> None:
        """Flush the last shard and rebuild ``manifest.json``."""
        if self._closed:
            return
        self.flush()
        if not self._part_path.exists():
            self._write_part(self._entries)
        merge_manifests(self.root)
        self._closed = True

    def __enter__(self) -> "CorpusWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:  # keep finished shards; do not index a half-done job as complete
            self.flush()
            self._closed = True


def _samples_to_table(rows: list[tuple[Sample, np.ndarray, np.ndarray]]) -> pa.Table:
    cols: dict[str, list] = {n: [] for n in SCHEMA.names}
    for s, kp, conf in rows:
        cols["id"].append(s.id)
        cols["source"].append(s.source)
        cols["sign_language"].append(s.sign_language)
        cols["spoken_language"].append(s.spoken_language)
        cols["split"].append(s.split)
        cols["text"].append(s.text)
        cols["gloss"].append(list(s.gloss) if s.gloss is not None else None)
        cols["label"].append(None if s.label is None else int(s.label))
        cols["signer"].append(None if s.signer is None else str(s.signer))
        cols["num_frames"].append(kp.shape[0])
        cols["fps"].append(float(s.fps))
        cols["frame_width"].append(int(s.frame_size[0]))
        cols["frame_height"].append(int(s.frame_size[1]))
        cols["meta"].append(json.dumps(s.meta, ensure_ascii=False) if s.meta else None)
        cols["keypoints"].append(kp.tobytes())
        cols["confidence"].append(conf.tobytes())
    return pa.Table.from_pydict(cols, schema=SCHEMA)


def merge_manifests(root: str | os.PathLike) -> dict:
    """Index every writer's shards in `root` into one ``manifest.json`` and return it.

    Reads each ``{prefix}.shards.json`` (in name order), checks that every listed shard exists and that no
    sample id occurs twice across shards (CorpusError naming both shards otherwise), and sums the counts.
    """
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus directory does not exist")
    shards: list[dict] = []
    for part in sorted(root.glob(f"*{PART_SUFFIX}")):
        shards.extend(_load_json(part, "shard index")["shards"])
    seen: dict[str, str] = {}
    for e in shards:
        ids = _read_shard_table(root / e["file"]).column("id").to_pylist()
        if len(ids) != e["num_samples"]:
            raise CorpusError(f"{root / e['file']}: has {len(ids)} samples, its index says {e['num_samples']}")
        for i in ids:
            if i in seen:
                raise CorpusError(f"{root / e['file']}: sample id {i!r} is also in {root / seen[i]}")
            seen[i] = e["file"]
    totals = {k: Counter() for k in ("source", "sign_language", "spoken_language", "split")}
    paired = unpaired = frames = 0
    seconds = 0.0
    for e in shards:
        st = e["stats"]
        for k in totals:
            totals[k].update(st[k])
        paired += st["paired"]
        unpaired += st["unpaired"]
        frames += st["frames"]
        seconds += st["seconds"]
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "format": "arrow-ipc-stream",
        "num_samples": sum(e["num_samples"] for e in shards),
        "paired": paired,
        "unpaired": unpaired,
        "total_frames": frames,
        "duration_seconds": seconds,
        "duration_hours": seconds / 3600.0,
        "counts": {k: dict(sorted(v.items())) for k, v in totals.items()},
        "shards": [{k: e[k] for k in ("file", "num_samples", "bytes", "sha256")} for e in shards],
    }
    _atomic_write_json(root / MANIFEST, manifest)
    return manifest


# ----------------------------------------------------------------------------------------------- reader

class _Shard:
    """One memory-mapped shard: metadata as Python lists, blob offsets as int64 arrays."""

    def __init__(self, path: Path, expected_rows: int):
        table = _read_shard_table(path)
        if table.num_rows != expected_rows:
            raise CorpusError(f"{path}: has {table.num_rows} samples, the manifest says {expected_rows}")
        self.meta = {n: table.column(n).to_pylist() for n in META_COLUMNS}
        self.blobs = {n: _blob_chunks(table.column(n)) for n in ("keypoints", "confidence")}

    def blob(self, name: str, row: int) -> np.ndarray:
        """float16 values of row `row` of blob column `name` (a read-only view over the memory map)."""
        starts, chunks = self.blobs[name]
        c = bisect.bisect_right(starts, row) - 1
        offsets, data = chunks[c]
        r = row - starts[c]
        lo, hi = int(offsets[r]), int(offsets[r + 1])
        return np.frombuffer(data, dtype="<f2", count=(hi - lo) // 2, offset=lo)


def _blob_chunks(col: pa.ChunkedArray):
    starts, chunks, n = [], [], 0
    for arr in col.chunks:
        _, off_buf, data_buf = arr.buffers()
        offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
        starts.append(n)
        chunks.append((offsets, data_buf))
        n += len(arr)
    return starts, chunks


class _Store:
    """Shared state of a corpus and all its views: manifest, shard row offsets, an LRU of open shards."""

    def __init__(self, root: Path, max_open_shards: int = 1024):
        self.root = root
        self.manifest = _load_json(root / MANIFEST, "manifest")
        version = self.manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise CorpusError(f"{root / MANIFEST}: schema version {version!r}, this signpt reads {SCHEMA_VERSION}")
        self.shards = self.manifest["shards"]
        for e in self.shards:
            path = root / e.get("file", "?")
            if not path.is_file():
                raise CorpusError(f"{path}: shard listed in {root / MANIFEST} is missing")
            if path.stat().st_size != e["bytes"]:
                raise CorpusError(f"{path}: size {path.stat().st_size} bytes, the manifest says {e['bytes']}")
        counts = np.array([e["num_samples"] for e in self.shards], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.max_open_shards = max_open_shards
        self._open: OrderedDict[int, _Shard] = OrderedDict()
        self._columns: dict[str, object] = {}

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getstate__(self):  # views travel to data-loader workers without open memory maps
        return {"root": self.root, "max_open_shards": self.max_open_shards}

    def __setstate__(self, state):
        self.__init__(state["root"], state["max_open_shards"])

    def shard(self, s: int) -> _Shard:
        sh = self._open.get(s)
        if sh is None:
            sh = _Shard(self.root / self.shards[s]["file"], self.shards[s]["num_samples"])
            self._open[s] = sh
            if len(self._open) > self.max_open_shards:
                self._open.popitem(last=False)
        else:
            self._open.move_to_end(s)
        return sh

    def locate(self, g: int) -> tuple[int, int]:
        s = int(np.searchsorted(self.starts, g, side="right")) - 1
        return s, g - int(self.starts[s])

    def sample(self, g: int) -> Sample:
        s, r = self.locate(g)
        sh = self.shard(s)
        m = sh.meta
        t = m["num_frames"][r]
        kp = sh.blob("keypoints", r)
        conf = sh.blob("confidence", r)
        if kp.size != t * NUM_POINTS * 2 or conf.size != t * NUM_POINTS:
            raise CorpusError(f"{self.root / self.shards[s]['file']}: row {r} ({m['id'][r]!r}) has blobs of "
                              f"{kp.size} and {conf.size} values for {t} frames")
        meta = m["meta"][r]
        return Sample(
            id=m["id"][r], source=m["source"][r], sign_language=m["sign_language"][r],
            spoken_language=m["spoken_language"][r], split=m["split"][r],
            keypoints=kp.reshape(t, NUM_POINTS, 2).copy(), confidence=conf.reshape(t, NUM_POINTS).copy(),
            fps=m["fps"][r], frame_size=(m["frame_width"][r], m["frame_height"][r]),
            text=m["text"][r], gloss=m["gloss"][r], label=m["label"][r], signer=m["signer"][r],
            meta=json.loads(meta) if meta else {},
        )

    def column(self, name: str):
        """Whole-corpus column: np.ndarray for numbers (label: -1 = none), list otherwise."""
        if name not in COLUMNS:
            raise KeyError(f"unknown column {name!r}; known: {COLUMNS}")
        if name not in self._columns:
            if name == "duration":
                value = self.column("num_frames") / self.column("fps")
            elif name == "paired":
                value = np.array([bool(t) for t in self.column("text")], dtype=bool)
            else:
                values: list = []
                for s, e in enumerate(self.shards):  # reads only the metadata buffers of each shard
                    table = _read_shard_table(self.root / e["file"])
                    values.extend(table.column(name).to_pylist())
                if name in NUMERIC_COLUMNS:
                    value = np.array([-1 if v is None else v for v in values], dtype=NUMERIC_COLUMNS[name])
                else:
                    value = values
            self._columns[name] = value
        return self._columns[name]


class Corpus:
    """Read access to a corpus directory, or a view (subset of its samples, in a given order).

    ``len``, ``corpus[i] -> Sample`` (random access: memory-mapped shards, keypoints decoded with
    ``np.frombuffer`` and copied into fresh float16 arrays), iteration in order, ``column(name)`` for
    metadata without touching keypoints, and views: ``filter``, ``partition``, ``subset``. Views share the
    open shards of their parent and pickle to a few bytes plus their index array (for data-loader workers).

    Raises CorpusError naming the file when the manifest is missing or corrupt, a shard is missing, has
    another size or row count than the manifest says, or cannot be parsed. ``verify()`` checks checksums.
    """

    def __init__(self, root: str | os.PathLike, *, max_open_shards: int = 1024):
        self._store = _Store(Path(root), max_open_shards)
        self._rows: np.ndarray | None = None  # None = all samples in stored order

    @classmethod
    def _view(cls, store: _Store, rows: np.ndarray) -> "Corpus":
        view = cls.__new__(cls)
        view._store = store
        view._rows = np.asarray(rows, dtype=np.int64)
        return view

    # -- basic access
    @property
    def root(self) -> Path:
        return self._store.root

    @property
    def manifest(self) -> dict:
        return self._store.manifest

    @property
    def indices(self) -> np.ndarray:
        """Global indices (positions in the whole corpus) of this view's samples, in view order."""
        return np.arange(len(self._store), dtype=np.int64) if self._rows is None else self._rows

    def __len__(self) -> int:
        return len(self._store) if self._rows is None else len(self._rows)

    def __getitem__(self, i: int) -> Sample:
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for a corpus view of {n} samples")
        return self._store.sample(i if self._rows is None else int(self._rows[i]))

    def __iter__(self) -> Iterator[Sample]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r}, {len(self)} samples)"

    def column(self, name: str):
        """Metadata column for this view's samples, in view order, without reading keypoints.

        Numbers (``num_frames, fps, frame_width, frame_height, label`` (-1 = none), ``duration`` (s),
        ``paired``) come as np.ndarray; strings, gloss lists and meta JSON as a list.
        """
        full = self._store.column(name)
        if self._rows is None:
            return full.copy() if isinstance(full, np.ndarray) else list(full)
        if isinstance(full, np.ndarray):
            return full[self._rows]
        return [full[g] for g in self._rows]

    # -- views
    def filter(self, *, source=None, split=None, sign_language=None, spoken_language=None,
               paired: bool | None = None, ids: Iterable[str] | None = None) -> "Corpus":
        """View of the samples matching every given criterion (a string or a tuple/list/set of accepted
        values for source, split and the languages; ``paired`` True/False; ``ids`` a collection of ids).
        Keeps this view's order."""
        keep = np.ones(len(self), dtype=bool)
        for name, wanted in (("source", source), ("split", split), ("sign_language", sign_language),
                             ("spoken_language", spoken_language)):
            if wanted is None:
                continue
            wanted = {wanted} if isinstance(wanted, str) else set(wanted)
            keep &= np.fromiter((v in wanted for v in self.column(name)), dtype=bool, count=len(self))
        if paired is not None:
            keep &= self.column("paired") == bool(paired)
        if ids is not None:
            wanted = set(ids)
            keep &= np.fromiter((v in wanted for v in self.column("id")), dtype=bool, count=len(self))
        return Corpus._view(self._store, self.indices[keep])

    def partition(self, rank: int, world_size: int) -> "Corpus":
        """The `rank`-th of `world_size` disjoint, contiguous parts of this view (sizes differ by at most 1);
        together the parts hold every sample exactly once. Use rank/world of (process * workers + worker)
        for streaming across ranks and data-loader workers."""
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"need 0 <= rank < world_size, got rank={rank}, world_size={world_size}")
        n = len(self)
        lo, hi = rank * n // world_size, (rank + 1) * n // world_size
        return Corpus._view(self._store, self.indices[lo:hi])

    def subset(self, fraction: float, seed: int = 0) -> "Corpus":
        """Random `fraction` (round(fraction * len)) of this view, in the original order. Nested: with one
        seed, a smaller fraction is a subset of a larger one (the data-scale ablation, Table XIII)."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be within [0, 1], got {fraction}")
        k = int(round(fraction * len(self)))
        chosen = np.random.default_rng(seed).permutation(len(self))[:k]
        return Corpus._view(self._store, self.indices[np.sort(chosen)])

    def shuffled(self, buffer_size: int = 10_000, seed: int = 0) -> Iterator[Sample]:
        """Iterate in a shuffled order: shards (runs of consecutive stored samples) in a random order, then a
        shuffle buffer of `buffer_size` samples. Deterministic for a given seed; every sample once."""
        rng = np.random.default_rng(seed)
        idx = self.indices
        shard_of = np.searchsorted(self._store.starts, idx, side="right") - 1
        cut = np.flatnonzero(np.diff(shard_of)) + 1
        runs = np.split(np.arange(len(idx)), cut) if len(idx) else []
        order = [runs[j] for j in rng.permutation(len(runs))]
        buffer: list[Sample] = []
        for run in order:
            for i in run:
                buffer.append(self._store.sample(int(idx[i])))
                if len(buffer) >= max(1, buffer_size):
                    j = int(rng.integers(len(buffer)))
                    buffer[j], buffer[-1] = buffer[-1], buffer[j]
                    yield buffer.pop()
        for j in rng.permutation(len(buffer)):
            yield buffer[j]

    # -- integrity
    def verify(self, progress: bool = False) -> int:
        """Recompute every shard's sha256 and compare with the manifest; returns the number of shards
        checked, raises CorpusError naming the first shard that differs."""
        shards = self._store.shards
        if progress:
            from tqdm import tqdm
            shards = tqdm(shards, desc="verify", unit="shard")
        for e in shards:
            path = self.root / e["file"]
            if not path.is_file():
                raise CorpusError(f"{path}: shard file is missing")
            digest = sha256_file(path)
            if digest != e["sha256"]:
                raise CorpusError(f"{path}: sha256 {digest} does not match the manifest ({e['sha256']})")
        return len(self._store.shards)
