"""A searchable index of a corpus (``signpt index``): sign features of every clip plus what the page shows.

Layout of an index directory::

    INDEX/index.json     what it is: checkpoint (path + sha256 of its weights), corpus (path + manifest
                         digest), split/source filter, number of clips, feature size, sha256 of clips.arrow
    INDEX/clips.arrow    Arrow IPC file, one row per clip: id, source, split, text, gloss, signer,
                         features (list of d_e vectors: the projected sign features m_ij uses), pooled
                         (the mean of their L2-normalised rows), preview (uint8 keypoints), preview_frames,
                         preview_fps
    INDEX/.parts/        chunks of a build in progress (a killed build resumes from them)

clips.arrow and index.json are each written atomically, index.json last and naming clips.arrow's sha256, so
a half-built index is never opened as a complete one. An index opened with a checkpoint whose weights differ
from the recorded ones is refused.

Preview: the clip subsampled to at most ``PREVIEW_FRAMES`` frames, its points fitted into a 0..254 square
(aspect kept) and stored as uint8 (T', 79, 2); 255 marks a missing point.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from signpt.atomic import sha256_file, write_arrow, write_text
from signpt.errors import CheckpointError, ConfigError
from signpt.tasks.embed import (
    Embedder, fixed_list_numpy, gather_inputs, _inputs_key, run_chunks, sign_table,
)

FORMAT = "signpt-index"
VERSION = 1
PREVIEW_FRAMES = 48
MISSING = 255


def preview(keypoints: np.ndarray, confidence: np.ndarray, max_frames: int = PREVIEW_FRAMES) -> np.ndarray:
    """(T, 79, 2) pixels + (T, 79) confidence -> (T', 79, 2) uint8, T' = min(T, max_frames) evenly spaced
    frames; coordinates fitted into 0..254 (same scale on x and y, centred), 255 where a point is missing."""
    from signpt.data.batching import sample_indices

    kp = np.asarray(keypoints, np.float32)
    conf = np.asarray(confidence, np.float32)
    t = kp.shape[0]
    idx = sample_indices(t, min(t, max_frames), "uniform")
    kp, conf = kp[idx], conf[idx]
    ok = (conf > 0) & np.isfinite(kp).all(-1)
    out = np.full(kp.shape, MISSING, np.uint8)
    if not ok.any():
        return out
    pts = kp[ok]
    lo, hi = pts.min(0), pts.max(0)
    side = float(max((hi - lo).max(), 1e-6))
    offset = lo - ((side - (hi - lo)) / 2)
    q = np.clip(np.rint((kp - offset) / side * 254), 0, 254).astype(np.uint8)
    out[ok] = q[ok]
    return out


def _extra(sample) -> dict:
    p = preview(sample.keypoints, sample.confidence)
    return {
        "split": sample.split, "signer": sample.signer,
        "gloss": " ".join(sample.gloss) if sample.gloss else None,
        "preview": p.tobytes(), "preview_frames": int(p.shape[0]),
        "preview_fps": float(sample.fps) * p.shape[0] / max(sample.num_frames, 1),
    }


def build_index(checkpoint, corpus, out, *, split: str | None = None, source: str | None = None,
                batch_size: int = 16, chunk: int = 256, progress: bool = True,
                embedder: Embedder | None = None) -> Path:
    """Index every clip of `corpus` (a corpus directory; optionally one `split` / `source`) with a retrieval
    or pre-training `checkpoint` into the directory `out` (see the module docstring). Returns `out`."""
    emb = embedder or Embedder.load(checkpoint)
    if not emb.has_projection:
        raise CheckpointError(f"{emb.checkpoint}: an index needs the projected sign features of a retrieval or "
                              f"pre-training checkpoint (this one has none)")
    if not (Path(corpus) / "manifest.json").exists():
        raise ConfigError(f"{corpus}: not a corpus directory (no manifest.json)")
    rows, what = gather_inputs(corpus, split, source)
    out = Path(out)
    corpus_key = _inputs_key(rows, what)
    key = {"checkpoint": emb.fingerprint, "corpus": corpus_key, "format": VERSION, "preview": PREVIEW_FRAMES}
    tables = run_chunks(out / ".parts", key, len(rows), chunk,
                        lambda a, b: sign_table(emb, rows, what, a, b, batch_size, extra=_extra), progress,
                        desc="indexing")
    table = pa.concat_tables(tables)
    ids = table.column("id").to_pylist()
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{corpus}: clip ids are not unique")
    clips = out / "clips.arrow"
    write_arrow(clips, table)
    info = {
        "format": FORMAT, "version": VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "checkpoint": str(emb.checkpoint), "checkpoint_sha256": emb.fingerprint, "kind": emb.kind,
        "corpus": str(Path(corpus).resolve()), "corpus_key": corpus_key, "split": split, "source": source,
        "num_clips": table.num_rows, "dim": int(table.column("pooled").type.list_size),
        "clips_sha256": sha256_file(clips),
    }
    write_text(out / "index.json", json.dumps(info, indent=2) + "\n")
    shutil.rmtree(out / ".parts", ignore_errors=True)
    return out


def is_current(root, checkpoint, corpus, *, split: str | None = None, source: str | None = None) -> bool:
    """Whether `root` holds a complete index of `corpus` (split / source) built with `checkpoint`'s weights."""
    from signpt.tasks.embed import checkpoint_fingerprint

    f = Path(root) / "index.json"
    if not f.exists():
        return False
    try:
        info = json.loads(f.read_text())
        rows, what = gather_inputs(corpus, split, source)
        sha = checkpoint_fingerprint(checkpoint)
    except (ValueError, OSError, ConfigError, CheckpointError):
        return False
    clips = Path(root) / "clips.arrow"
    return (info.get("checkpoint_sha256") == sha and info.get("corpus_key") == _inputs_key(rows, what)
            and clips.exists() and sha256_file(clips) == info.get("clips_sha256"))


@dataclass
class Index:
    """An opened index: metadata per clip and the features as numpy arrays.

    features: (S, d) float32, the projected features of all clips one after another; offsets (N + 1,):
    clip i owns rows offsets[i]:offsets[i+1]. pooled: (N, d) mean of each clip's L2-normalised rows.
    """

    root: Path
    info: dict
    ids: list
    meta: dict  # column name -> list (id, source, split, text, gloss, signer)
    features: np.ndarray
    offsets: np.ndarray
    pooled: np.ndarray
    previews: pa.Table | None = None

    @classmethod
    def open(cls, root, checkpoint_sha256: str | None = None) -> "Index":
        root = Path(root)
        info_path, clips = root / "index.json", root / "clips.arrow"
        if not info_path.exists():
            hint = " (an unfinished build: run `signpt index` again to resume)" if (root / ".parts").exists() else ""
            raise ConfigError(f"{root}: not a signpt index (no index.json){hint}")
        try:
            info = json.loads(info_path.read_text())
        except ValueError as e:
            raise ConfigError(f"{info_path}: corrupt JSON ({e})") from e
        if info.get("format") != FORMAT or info.get("version") != VERSION:
            raise ConfigError(f"{info_path}: not a version-{VERSION} signpt index")
        if checkpoint_sha256 is not None and checkpoint_sha256 != info["checkpoint_sha256"]:
            raise CheckpointError(f"{root}: was built with checkpoint {info['checkpoint']} (weights sha256 "
                                  f"{info['checkpoint_sha256'][:12]}...), not with this one "
                                  f"({checkpoint_sha256[:12]}...); rebuild it with `signpt index`")
        if not clips.exists() or sha256_file(clips) != info["clips_sha256"]:
            raise ConfigError(f"{clips}: missing or not the file index.json describes; rebuild the index")
        with pa.memory_map(str(clips)) as src:
            table = pa.ipc.open_file(src).read_all()
        return cls.from_table(table, root, info)

    @classmethod
    def from_table(cls, table: pa.Table, root=None, info: dict | None = None) -> "Index":
        """An index over an embedding table (``signpt.tasks.embed.sign_table``; e.g. generated features)."""
        feats = table.column("features").combine_chunks()
        d = feats.type.value_type.list_size
        flat = np.ascontiguousarray(
            np.asarray(feats.flatten().flatten().to_numpy(zero_copy_only=False), np.float32).reshape(-1, d))
        offsets = np.asarray(feats.offsets.to_numpy(), np.int64) - int(feats.offsets[0].as_py())
        names = [c for c in ("id", "source", "split", "text", "gloss", "signer") if c in table.column_names]
        meta = {c: table.column(c).to_pylist() for c in names}
        prev = table.select([c for c in ("preview", "preview_frames", "preview_fps") if c in table.column_names])
        return cls(Path(root) if root else None, info or {}, meta["id"], meta, flat, offsets,
                   np.ascontiguousarray(fixed_list_numpy(table.column("pooled"))),
                   prev if prev.num_columns == 3 else None)

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, clip_id: str) -> int | None:
        if not hasattr(self, "_rows"):
            self._rows = {c: i for i, c in enumerate(self.ids)}
        return self._rows.get(clip_id)

    def clip_features(self, i: int) -> np.ndarray:
        return self.features[self.offsets[i]: self.offsets[i + 1]]

    def record(self, i: int) -> dict:
        return {k: v[i] for k, v in self.meta.items()}

    def pose(self, i: int) -> dict | None:
        """The preview of clip i: {"frames", "fps", "points": flat list T'*79*2 of 0..254 (255 = missing)}."""
        if self.previews is None:
            return None
        frames = int(self.previews.column("preview_frames")[i].as_py())
        data = np.frombuffer(self.previews.column("preview")[i].as_py(), np.uint8)
        return {"frames": frames, "fps": float(self.previews.column("preview_fps")[i].as_py()),
                "points": data.tolist()}

    def memory_bytes(self) -> int:
        return int(self.features.nbytes + self.offsets.nbytes + self.pooled.nbytes)
