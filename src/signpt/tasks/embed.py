"""Features of a trained sign encoder for pose files, videos, folders or a whole corpus (``signpt embed``).

>>> from signpt import embed
>>> table = embed("synth/corpus", "runs/retrieval/model", split="test")   # pyarrow.Table, one row per clip
>>> embed(["clip.pose"], "runs/pretrain", out="feats.parquet")             # written atomically

One row per clip: ``id``, ``source``, ``text``, ``fse`` (the mean over real frames of F_SE, (D,) float32)
and, with a retrieval or pre-training checkpoint, ``features`` (the projected sign features the similarity
uses: one d_e vector per pooled window, list of n vectors) and ``pooled`` (the mean of the L2-normalised rows
of ``features``, (d_e,)). Texts (``embed_texts``): ``id``, ``text``, ``features`` (projected token features,
m vectors), ``pooled``. Vectors are Arrow fixed-size lists of float32 (pandas: arrays per cell;
``datasets.Dataset.from_parquet`` reads them as they are).

Deterministic: the model is in eval mode and clips longer than the model's frame limit are sampled with
the uniform test-time sampling. Over a corpus the work is done in chunks saved under ``OUT.parts/``; a killed
run started again with the same checkpoint and inputs resumes from the last finished chunk.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

from signpt.atomic import atomic_path, sha256_file, write_arrow, write_text
from signpt.errors import CheckpointError, ConfigError

FORMATS = ("parquet", "arrow", "npy")


@dataclass
class Embedder:
    """A checkpoint loaded for feature extraction (eval mode, CPU unless `device`).

    kind: "retrieval" (a ``signpt finetune retrieval`` checkpoint), "pretrain" (a pre-training checkpoint
    with the sign-text head), "encoder" (anything else holding a sign encoder: F_SE only).
    fingerprint: sha256 of the checkpoint's weights file (what an index records).
    """

    model: torch.nn.Module
    encoder: torch.nn.Module
    kind: str
    checkpoint: Path
    fingerprint: str
    max_frames: int

    @classmethod
    def load(cls, checkpoint: str | Path, device: str = "cpu") -> "Embedder":
        from signpt.tasks.common import load_task_model, pretrain_config_of

        d, is_task = resolve_checkpoint(checkpoint)
        if is_task:
            model, meta = load_task_model(d, device=device)
            kind = "retrieval" if meta["task"] == "retrieval" else "encoder"
            limit = min(int(meta["task_config"].get("max_frames", 256)), model.encoder.config.max_frames)
            return cls(model, model.encoder, kind, d.resolve(), _weights_sha(d), limit)
        cfg = pretrain_config_of(d)
        if cfg is not None:
            from signpt.model.pretrain import PretrainConfig, PretrainModel
            from signpt.train.checkpoint import load_weights

            model = PretrainModel(PretrainConfig.from_dict(cfg))
            load_weights(d, model)
            model = model.to(device).eval()
            kind = "pretrain" if model.config.use_stc else "encoder"
            return cls(model, model.encoder, kind, d.resolve(), _weights_sha(d), model.config.max_frames)
        from signpt.model.encoder import SignEncoder

        enc = SignEncoder.from_pretrained(d).to(device).eval()
        return cls(enc, enc, "encoder", d.resolve(), _weights_sha(d), enc.config.max_frames)

    @property
    def has_projection(self) -> bool:
        return self.kind in ("retrieval", "pretrain")

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    @property
    def word_temperature(self) -> float:
        """Temperature of the similarity's row softmax (used by the search's first stage only)."""
        if self.kind == "pretrain":
            return float(self.model.config.word_temperature)
        return float(self.model.word_temperature)

    def _need_projection(self):
        if not self.has_projection:
            raise CheckpointError(f"{self.checkpoint}: has no sign-text projection (a bare encoder or a model "
                                  f"pre-trained without the contrastive task); use a retrieval or pre-training "
                                  f"checkpoint")

    @torch.no_grad()
    def sign(self, batch, project: bool = True):
        """PoseBatch -> (fse (B, D) mean of F_SE over real frames, features: list of (n_i, d_e) float32 or None)."""
        from signpt.model.similarity import avg_pool_time, masked_mean

        fm = batch.frame_mask.to(self.device).bool()
        pose, conf = batch.pose.to(self.device), batch.confidence.to(self.device)
        f_se, cls_tok = self.encoder.encode(pose, conf, fm)
        fse = masked_mean(f_se, fm).float().cpu().numpy()
        if not (project and self.has_projection):
            return fse, None
        if self.kind == "pretrain":
            proj, mask = self.model.project_sign(f_se, fm, cls_tok)
        else:  # RetrievalModel.sign_embed without running the encoder twice (tests check they agree)
            pooled, mask = avg_pool_time(f_se, fm, self.model.window)
            proj = self.model.sign_proj(pooled)
        proj, mask = proj.float().cpu().numpy(), mask.cpu().numpy()
        return fse, [proj[i, mask[i]] for i in range(len(proj))]

    @torch.no_grad()
    def text(self, texts: list[str], languages: list | None = None) -> list[np.ndarray]:
        """Texts -> projected token features, one (m_i, d_e) float32 array each."""
        self._need_projection()
        if self.kind == "pretrain":
            feats, mask = self.model.encode_text(list(texts), languages)
        else:
            feats, mask = self.model.text_embed(list(texts), languages)
        feats, mask = feats.float().cpu().numpy(), mask.cpu().numpy()
        return [feats[i, mask[i]] for i in range(len(feats))]

    @torch.no_grad()
    def similarity(self, text: torch.Tensor, text_mask: torch.Tensor, sign: torch.Tensor,
                   sign_mask: torch.Tensor) -> torch.Tensor:
        """(texts, clips) fine-grained m_ij of projected features, computed by the model's own method."""
        self._need_projection()
        if self.kind == "pretrain":
            return self.model.similarity(sign, sign_mask, text, text_mask).T
        return self.model.similarity(text, text_mask, sign, sign_mask)


def resolve_checkpoint(checkpoint: str | Path) -> tuple[Path, bool]:
    """(the directory holding the weights, whether it is a fine-tuned task model) of a task model, a
    pre-training output / checkpoint or an encoder."""
    from signpt.tasks.common import model_dir, read_task_meta, resolve_init

    path = Path(checkpoint)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        task_dir = model_dir(path)
        if read_task_meta(task_dir) is not None:
            return task_dir, True
    except CheckpointError:
        pass
    return resolve_init(path), False


def checkpoint_fingerprint(checkpoint: str | Path) -> str:
    """SHA-256 of the weights `Embedder.load(checkpoint)` loads."""
    return _weights_sha(resolve_checkpoint(checkpoint)[0])


def _weights_sha(directory: Path) -> str:
    d = Path(directory)
    f = d if d.is_file() else d / "model.safetensors"
    if not f.exists():
        found = sorted(d.glob("*.safetensors"))
        if not found:
            raise CheckpointError(f"{d}: no .safetensors weights")
        f = found[0]
    return sha256_file(f)


def pooled(features: np.ndarray) -> np.ndarray:
    """(n, d) -> (d,): mean of the L2-normalised rows (m_ij's first-stage vector, see ``signpt.serve.search``)."""
    f = np.asarray(features, dtype=np.float32)
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    return (f / np.maximum(norm, 1e-12)).mean(0).astype(np.float32)


# --------------------------------------------------------------------------------------------------- inputs


def gather_inputs(inputs, split: str | None = None, source: str | None = None):
    """(rows, what): a corpus directory -> its Corpus view (filtered); pose files, videos, folders of them
    -> a list of paths (folders searched recursively, an OpenPose folder counts as one input)."""
    from signpt.pose.io import SUFFIXES
    from signpt.tasks.api import VIDEO_SUFFIXES

    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    inputs = list(inputs)
    if len(inputs) == 1 and hasattr(inputs[0], "filter"):
        return _filtered(inputs[0], split, source), "corpus"
    if len(inputs) == 1 and (Path(inputs[0]) / "manifest.json").exists():
        from signpt.data.store import Corpus

        return _filtered(Corpus(inputs[0]), split, source), "corpus"
    if split or source:
        raise ConfigError("--split / --source apply to a corpus directory only")
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if not p.exists():
            raise ConfigError(f"{p}: no such file or folder")
        if p.is_dir() and not any(p.glob("*_keypoints.json")):
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES + VIDEO_SUFFIXES)
            if not found:
                raise ConfigError(f"{p}: no pose files or videos in this folder")
            files += found
        else:
            files.append(p)
    return files, "files"


def _filtered(corpus, split, source):
    kw = {k: v for k, v in (("split", split), ("source", source)) if v}
    view = corpus.filter(**kw) if kw else corpus
    if len(view) == 0:
        raise ConfigError(f"{corpus.root}: no samples with {kw}")
    return view


def _sample_of(rows, what: str, i: int):
    if what == "corpus":
        return rows[i]
    from dataclasses import replace

    from signpt.tasks.api import load_input

    return replace(load_input(rows[i]), id=str(rows[i]))


# --------------------------------------------------------------------------------------------------- output


def vectors(arrays: list[np.ndarray], dim: int) -> pa.FixedSizeListArray:
    """(d,) arrays -> Arrow fixed_size_list<float32>[dim]."""
    flat = np.concatenate([np.asarray(a, np.float32).reshape(-1) for a in arrays]) if arrays else np.zeros(0, np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float32()), dim)


def vector_lists(arrays: list[np.ndarray], dim: int) -> pa.ListArray:
    """(n_i, d) arrays -> Arrow list<fixed_size_list<float32>[dim]>."""
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int32)
    flat = np.concatenate([np.asarray(a, np.float32).reshape(-1, dim) for a in arrays]) if arrays else \
        np.zeros((0, dim), np.float32)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), vectors([flat], dim))


def run_chunks(parts_dir: Path, key: dict, n: int, chunk: int, make, progress: bool = True,
               desc: str = "embedding") -> list[pa.Table]:
    """Tables of rows [0, n) made chunk by chunk with ``make(start, stop) -> pa.Table``; each chunk is saved
    atomically under `parts_dir` and reused by a later call with the same `key` (resume after a kill)."""
    from tqdm import tqdm

    parts_dir = Path(parts_dir)
    job = parts_dir / "job.json"
    want = json.dumps(key, sort_keys=True)
    if parts_dir.exists() and (not job.exists() or job.read_text() != want):
        shutil.rmtree(parts_dir)  # another job's leftovers
    parts_dir.mkdir(parents=True, exist_ok=True)
    write_text(job, want)
    tables = []
    bar = tqdm(total=n, desc=desc, unit="clip", disable=not progress)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        f = parts_dir / f"part-{start:09d}-{stop:09d}.arrow"
        table = None
        if f.exists():
            try:
                with pa.memory_map(str(f)) as src:
                    table = pa.ipc.open_file(src).read_all()
            except (pa.ArrowInvalid, OSError):
                table = None
        if table is None or table.num_rows != stop - start:
            table = make(start, stop)
            write_arrow(f, table)
        tables.append(table)
        bar.update(stop - start)
    bar.close()
    return tables


def write_table(table: pa.Table, out: Path, fmt: str) -> Path:
    """Write `table` atomically as Parquet, an Arrow IPC file, or a folder of .npy files + ids.txt."""
    out = Path(out)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with atomic_path(out) as tmp:
            pq.write_table(table, str(tmp))
    elif fmt == "arrow":
        write_arrow(out, table)
    elif fmt == "npy":
        _write_npy_dir(table, out)
    else:
        raise ConfigError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    return out


def _write_npy_dir(table: pa.Table, out: Path) -> None:
    """ids.txt; fse.npy (N, D); features.npy (N, n_max, d) zero-padded + lengths.npy (N,); pooled.npy (N, d)."""
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "ids.txt", "".join(f"{i}\n" for i in table.column("id").to_pylist()))
    for name in ("fse", "pooled"):
        if name in table.column_names:
            _save_npy(out / f"{name}.npy", fixed_list_numpy(table.column(name)))
    if "features" in table.column_names:
        rows = list_numpy(table.column("features"))
        lengths = np.array([len(r) for r in rows], np.int64)
        dim = rows[0].shape[1] if rows else 0
        padded = np.zeros((len(rows), int(lengths.max(initial=0)), dim), np.float32)
        for i, r in enumerate(rows):
            padded[i, : len(r)] = r
        _save_npy(out / "features.npy", padded)
        _save_npy(out / "lengths.npy", lengths)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, arr)


def fixed_list_numpy(col) -> np.ndarray:
    """Arrow fixed_size_list<float32>[d] column -> (N, d) float32."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    d = arr.type.list_size
    return np.asarray(arr.flatten().to_numpy(zero_copy_only=False), np.float32).reshape(-1, d)


def list_numpy(col) -> list[np.ndarray]:
    """Arrow list<fixed_size_list<float32>[d]> column -> list of (n_i, d) float32 arrays."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    d = arr.type.value_type.list_size
    flat = np.asarray(arr.flatten().flatten().to_numpy(zero_copy_only=False), np.float32).reshape(-1, d)
    off = arr.offsets.to_numpy()
    return [flat[off[i]: off[i + 1]] for i in range(len(arr))]


def output_format(out: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
        return fmt
    suffix = Path(out).suffix.lower()
    return {".parquet": "parquet", ".arrow": "arrow", ".feather": "arrow"}.get(suffix, "npy")


# --------------------------------------------------------------------------------------------------- API


def sign_table(embedder: Embedder, rows, what: str, start: int, stop: int, batch_size: int,
               extra=None) -> pa.Table:
    """Rows [start, stop) of `rows` embedded in batches; ``extra(sample) -> dict`` adds columns."""
    from signpt.data.batching import PoseDataset, collate

    samples = [_sample_of(rows, what, i) for i in range(start, stop)]
    ds = PoseDataset(samples, max_frames=embedder.max_frames, sampling="uniform")
    fse, feats = [], []
    for b in range(0, len(ds), batch_size):
        f, p = embedder.sign(collate([ds[i] for i in range(b, min(b + batch_size, len(ds)))]))
        fse += list(f)
        if p is not None:
            feats += p
    cols = {
        "id": pa.array([s.id for s in samples], pa.string()),
        "source": pa.array([s.source for s in samples], pa.string()),
        "text": pa.array([s.text or None for s in samples], pa.string()),
        "fse": vectors(fse, embedder.encoder.out_dim),
    }
    if feats:
        dim = feats[0].shape[1]
        cols["features"] = vector_lists(feats, dim)
        cols["pooled"] = vectors([pooled(f) for f in feats], dim)
    if extra is not None:
        more = [extra(s) for s in samples]
        for k in (more[0] if more else {}):
            cols[k] = pa.array([m[k] for m in more])
    return pa.table(cols)


def embed(inputs, checkpoint, out: str | Path | None = None, *, split: str | None = None,
          source: str | None = None, batch_size: int = 16, chunk: int = 512, fmt: str | None = None,
          progress: bool = True, embedder: Embedder | None = None):
    """Embed clips (see the module docstring). inputs: a corpus directory (optionally `split` / `source`),
    pose files, videos or folders of them. out: ``*.parquet`` | ``*.arrow`` | a folder (.npy files); None:
    return the ``pyarrow.Table``. Returns the table, or `out` when given."""
    emb = embedder or Embedder.load(checkpoint)
    rows, what = gather_inputs(inputs, split, source)
    n = len(rows)
    if out is None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            tables = run_chunks(Path(tmp) / "parts", {}, n, chunk,
                                lambda a, b: sign_table(emb, rows, what, a, b, batch_size), progress)
        return pa.concat_tables(tables)
    out = Path(out)
    fmt = output_format(out, fmt)
    key = {"checkpoint": emb.fingerprint, "inputs": _inputs_key(rows, what), "batch": "v1"}
    parts = out.with_name(out.name + ".parts")
    tables = run_chunks(parts, key, n, chunk, lambda a, b: sign_table(emb, rows, what, a, b, batch_size), progress)
    write_table(pa.concat_tables(tables), out, fmt)
    shutil.rmtree(parts, ignore_errors=True)
    return out


def _inputs_key(rows, what: str) -> str:
    h = hashlib.sha256()
    if what == "corpus":
        h.update(str(Path(rows.root).resolve()).encode())
        h.update(json.dumps(rows.manifest, sort_keys=True).encode())
        h.update(np.asarray(rows.indices).tobytes())
    else:
        for p in rows:
            h.update(str(Path(p).resolve()).encode() + b"\0")
    return h.hexdigest()


def text_table(embedder: Embedder, texts: list[str], batch_size: int = 64) -> pa.Table:
    feats = []
    for b in range(0, len(texts), batch_size):
        feats += embedder.text(texts[b: b + batch_size])
    dim = feats[0].shape[1] if feats else 0
    return pa.table({
        "id": pa.array([str(i) for i in range(len(texts))], pa.string()),
        "text": pa.array(texts, pa.string()),
        "features": vector_lists(feats, dim),
        "pooled": vectors([pooled(f) for f in feats], dim),
    })


def embed_texts(texts, checkpoint, out: str | Path | None = None, *, batch_size: int = 64,
                fmt: str | None = None, embedder: Embedder | None = None):
    """Projected text features of `texts` (a list, or a file with one text per line, blank lines skipped);
    ids are "0", "1", ... in order. Returns the table, or `out` when given."""
    if isinstance(texts, (str, Path)):
        path = Path(texts)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read texts: {e}") from e
        texts = [t.strip() for t in lines if t.strip()]
        if not texts:
            raise ConfigError(f"{path}: no texts")
    texts = list(texts)
    emb = embedder or Embedder.load(checkpoint)
    table = text_table(emb, texts, batch_size)
    if out is None:
        return table
    return write_table(table, Path(out), output_format(Path(out), fmt))
