"""Curation: datasets (annotations + per-video pose files) -> one k79 pose-text corpus, following a recipe.

``curate(recipe, out)`` runs every recipe source through its adapter (:mod:`signpt.data.sources`), reads
each sample's pose file, refines its hands when a second estimator's output exists
(:mod:`signpt.data.hands`), cuts time/frame ranges, maps the points to k79 and writes the samples with a
:class:`~signpt.data.store.CorpusWriter` (prefix = source name, or ``{source}_s{i}of{n}`` for ``shard=(i, n)``).

Robust: a sample whose pose file is missing, empty, truncated or corrupt, whose text is missing where the
source needs text, whose cut is empty or outside the pose, or whose layout differs from the recipe is
skipped and listed in the report with the reason; every other sample is written. Resumable and
idempotent: samples already in the corpus (any prefix) are not written again, so a killed run is simply
run again. Corpus sample ids are ``"{source}/{record id}"`` (``+hands`` appended for hand-refined copies).

Outputs in ``out``: the corpus shards and ``manifest.json``, ``curation-report.json`` and
``curation-report.txt`` (per shard: ``curation-report.{i}of{n}.*``), ``duration_hist.png`` (Fig. 3) and
``stats.txt`` (Tables I/II).
"""
from __future__ import annotations

import json
import time
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signpt.data.recipe import CurationOptions, Recipe, SourceConfig, load_recipe
from signpt.data.schema import Sample
from signpt.atomic import write_text
from signpt.errors import CorpusError, CurationError, SignptError

REPORT = "curation-report"


@dataclass
class SkippedSample:
    source: str
    id: str
    reason: str
    """Category: missing pose file, empty pose file (0 bytes, or no keypoint detected in any frame), unreadable
    pose file, layout mismatch, no text,
    zero-length cut, cut outside pose, too short, too long, annotation, invalid sample, duplicate id,
    hand refinement."""
    detail: str = ""
    path: str | None = None


@dataclass
class SourceReport:
    name: str
    adapter: str
    prefix: str
    records: int = 0
    """Records of this source (of this shard) that the adapter yielded."""
    written: int = 0
    existing: int = 0
    """Already in the corpus from an earlier run (not written again)."""
    excluded: int = 0
    """In a split the recipe maps to null."""
    hands_refined: int = 0
    skipped: list[SkippedSample] = field(default_factory=list)
    splits: dict = field(default_factory=dict)
    """Records per corpus split as the adapter yielded them (``"none"``: no split, or unusable annotation)."""
    warnings: list[str] = field(default_factory=list)
    """Problems that did not stop a sample (e.g. mojibake kept in a text), one line each."""
    error: str | None = None
    """Set when the whole source failed (e.g. its annotation file is missing); other sources still run."""
    seconds: float = 0.0


@dataclass
class CurationReport:
    out: str
    shard: tuple[int, int] | None
    sources: list[SourceReport]
    merged: bool = False
    tables: str = ""
    stats: dict = field(default_factory=dict)

    @property
    def skipped(self) -> list[SkippedSample]:
        return [s for r in self.sources for s in r.skipped]

    @property
    def written(self) -> int:
        return sum(r.written for r in self.sources)

    @property
    def errors(self) -> dict[str, str]:
        return {r.name: r.error for r in self.sources if r.error}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["totals"] = {
            "records": sum(r.records for r in self.sources), "written": self.written,
            "existing": sum(r.existing for r in self.sources), "excluded": sum(r.excluded for r in self.sources),
            "skipped": len(self.skipped), "hands_refined": sum(r.hands_refined for r in self.sources),
            "skipped_by_reason": dict(Counter(s.reason for s in self.skipped)),
        }
        return d

    def summary(self) -> str:
        """A readable summary: per source counts, then every skipped sample with its reason."""
        lines = [f"Curation of {self.out}" + (f" (shard {self.shard[0]}/{self.shard[1]})" if self.shard else "")]
        head = f"{'source':<16} {'records':>8} {'written':>8} {'existing':>8} {'excluded':>8} {'skipped':>8} {'hands':>6}"
        lines += [head, "-" * len(head)]
        for r in self.sources:
            lines.append(f"{r.name:<16} {r.records:>8} {r.written:>8} {r.existing:>8} {r.excluded:>8} "
                         f"{len(r.skipped):>8} {r.hands_refined:>6}" + (f"  FAILED: {r.error}" if r.error else ""))
        if any(r.splits for r in self.sources):
            lines += ["", "Records per split:"]
            lines += [f"  {r.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(r.splits.items()))
                      for r in self.sources if r.splits]
        warnings = [(r.name, w) for r in self.sources for w in r.warnings]
        if warnings:
            lines += ["", f"Warnings ({len(warnings)}; the samples were kept):"]
            lines += [f"  {src}/{w}" for src, w in warnings]
        by_reason = Counter((s.source, s.reason) for s in self.skipped)
        if by_reason:
            lines += ["", "Skipped, by reason:"]
            for (src, reason), n in sorted(by_reason.items()):
                lines.append(f"  {src}: {reason}: {n}")
            lines += ["", "Skipped samples:"]
            for s in self.skipped:
                lines.append(f"  {s.source}/{s.id}: {s.reason}: {s.detail}")
        return "\n".join(lines) + "\n"


class _Skip(Exception):
    def __init__(self, reason: str, detail: str = "", path=None):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.path = reason, detail, None if path is None else str(path)


def parse_shard(shard) -> tuple[int, int] | None:
    """``None``, ``(i, n)`` or ``"i/n"`` (0 <= i < n) -> ``(i, n)`` or None."""
    if shard is None:
        return None
    if isinstance(shard, str):
        try:
            i, n = (int(v) for v in shard.split("/"))
        except ValueError:
            raise CurationError(f"shard must look like 'i/n' (e.g. 0/4), got {shard!r}") from None
    else:
        i, n = shard
    if not (n >= 1 and 0 <= i < n):
        raise CurationError(f"shard i/n needs 0 <= i < n, got {i}/{n}")
    return int(i), int(n)


def shard_of(video: str, n: int) -> int:
    """Which of n shards a video's samples go to (stable across runs and machines)."""
    return zlib.crc32(video.encode("utf-8")) % n


# --------------------------------------------------------------------------------------------- loading

class _PoseCache:
    """The last pose file read (samples of one video come one after another), as k79, hands refined."""

    def __init__(self, cfg: SourceConfig):
        self.cfg = cfg
        self.key = None
        self.value = None

    def get(self, path: Path | None, options: dict | None = None):
        key = (path, json.dumps(options or {}, sort_keys=True, default=str))
        if path is not None and self.key == key:
            if isinstance(self.value, _Skip):
                raise self.value
            return self.value
        try:
            self.value = _read_k79(path, self.cfg, options)
        except _Skip as e:
            self.value = e
            self.key = key
            raise
        self.key = key
        return self.value


def _read_k79(path: Path | None, cfg: SourceConfig, options: dict | None = None):
    from signpt.pose import read_pose, to_k79

    if path is None:
        raise _Skip("missing pose file", "the annotations name no pose file")
    if not path.exists():
        raise _Skip("missing pose file", f"{path} does not exist", path)
    if path.is_file() and path.stat().st_size == 0:
        raise _Skip("empty pose file", f"{path} is empty (0 bytes)", path)
    kw = {"trusted": cfg.trusted, "fps": cfg.fps, **(options or {})}
    if cfg.frame_size is not None:
        kw["frame_size"] = cfg.frame_size
    try:
        seq = read_pose(path, **kw)
    except Exception as e:  # noqa: BLE001 - corrupt/truncated files raise all kinds of errors
        raise _Skip("unreadable pose file", f"{type(e).__name__}: {e}", path) from None
    if not (seq.confidence > 0).any():
        raise _Skip("empty pose file", f"{path}: no keypoint is present in any of its {seq.num_frames} frames", path)
    if cfg.layout is not None and seq.layout != cfg.layout:
        raise _Skip("layout mismatch", f"{path} is in layout {seq.layout!r}, the recipe says {cfg.layout!r}", path)
    try:
        return to_k79(seq)
    except SignptError as e:
        raise _Skip("layout mismatch", str(e), path) from None


def _cut(rec, seq) -> tuple[int, int, bool]:
    """(start, stop) frames of the record within ``seq`` and whether it is a cut."""
    t = seq.num_frames
    if rec.start is not None:
        if rec.end is None or rec.end <= rec.start:
            raise _Skip("zero-length cut", f"start {rec.start} s, end {rec.end} s")
        s, e = int(round(rec.start * seq.fps)), int(round(rec.end * seq.fps))
        what = f"{rec.start:.3f}-{rec.end:.3f} s"
    elif rec.start_frame is not None or rec.end_frame is not None:
        s = rec.start_frame or 0
        e = t if rec.end_frame is None else rec.end_frame
        if rec.cut_if_untrimmed and (rec.end_frame is None and s == 0 or rec.end_frame is not None and t < rec.end_frame):
            return 0, t, False  # the pose file is the trimmed clip
        what = f"frames {s}-{e}"
    else:
        return 0, t, False
    if e <= s:
        raise _Skip("zero-length cut", f"{what} is empty at {seq.fps:g} fps")
    if s >= t:
        raise _Skip("cut outside pose", f"{what} starts after the pose file's {t} frames ({t / seq.fps:.2f} s)")
    return s, min(e, t), True


def _sample(sid: str, rec, src, seq, s: int, e: int, is_cut: bool, pose_path, extra_meta=None) -> Sample:
    from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND
    from signpt.pose.mirror import mirror_pixels

    meta = dict(rec.meta)
    meta["pose_file"] = str(pose_path)
    kp, conf = seq.keypoints[s:e], seq.confidence[s:e]
    side = src.cfg.dominant_hand
    if side is not None:
        present = {h: int((conf[:, hand[0]] > 0).sum()) for h, hand in (("left", LEFT_HAND), ("right", RIGHT_HAND))}
        other = "left" if side == "right" else "right"
        if present[other] > present[side]:
            kp, conf = mirror_pixels(kp, conf, seq.frame_size)
            meta["mirrored"] = True
    if is_cut:
        meta["cut_frames"] = [s, e]
    if seq.meta.get("source_layout"):
        meta["source_layout"] = seq.meta["source_layout"]
    if extra_meta:
        meta.update(extra_meta)
    return Sample(
        id=sid, source=rec.source or src.name, sign_language=rec.sign_language or src.sign_language,
        spoken_language=rec.spoken_language or src.spoken_language, split=rec.split,
        keypoints=kp.astype(np.float16), confidence=conf.astype(np.float16),
        fps=seq.fps, frame_size=tuple(seq.frame_size), text=rec.text, gloss=rec.gloss, label=rec.label,
        signer=rec.signer, meta=meta,
    )


# ------------------------------------------------------------------------------------------- one source

def curate_source(cfg: SourceConfig, options: CurationOptions, out: str | Path, shard: tuple[int, int] | None = None,
                  progress: bool = True, position: int = 0) -> SourceReport:
    """Curate one recipe source (or its shard ``(i, n)``) into the corpus at ``out``."""
    from signpt.data.sources import get_adapter, open_source
    from signpt.data.sources.base import mojibake
    from signpt.data.store import CorpusWriter

    t0 = time.perf_counter()
    prefix = cfg.name if shard is None else f"{cfg.name}_s{shard[0]:03d}of{shard[1]:03d}"
    report = SourceReport(name=cfg.name, adapter=cfg.adapter, prefix=prefix)
    src = open_source(cfg, options.templates)
    try:
        records = list(get_adapter(cfg.adapter).records(src))
    except (SignptError, OSError) as e:
        report.error = str(e)
        return report
    if shard is not None:
        records = [r for r in records if shard_of(r.video or r.id, shard[1]) == shard[0]]
    report.records = len(records)
    report.splits = dict(Counter(r.split or "none" for r in records))
    for r in records:  # any adapter's text: mis-decoded UTF-8 is kept, and reported
        if not r.warnings and (bad := mojibake(r.text)) is not None:
            r.warnings.append(f"text looks like mis-decoded UTF-8 ({bad!r}), kept as it is")
    report.warnings = [f"{r.id}: {w}" for r in records for w in r.warnings]
    cache = _PoseCache(cfg)
    hand_cache = {}

    def skip(sid, reason, detail="", path=None):
        report.skipped.append(SkippedSample(cfg.name, sid, reason, detail, None if path is None else str(path)))

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(records), desc=prefix, unit="sample", position=position, leave=True, dynamic_ncols=True)
    with CorpusWriter(out, shard_size=options.shard_size, prefix=prefix) as writer:
        for rec in records:
            if bar is not None:
                bar.update(1)
            source_name = rec.source or cfg.name
            sid = f"{source_name}/{rec.id}"
            if rec.problem:
                skip(rec.id, "annotation", rec.problem, rec.pose)
                continue
            if rec.split is None:
                report.excluded += 1
                continue
            hands_mode = cfg.hands.mode if cfg.hands else None
            wanted = [sid] if hands_mode != "add" else [sid, sid + "+hands"]
            if all(writer.has(w) for w in wanted):
                report.existing += 1
                continue
            try:
                if src.require_text and not (rec.text and rec.text.strip()):
                    raise _Skip("no text", "the source requires text and this sample has none", rec.pose)
                seq = cache.get(rec.pose, rec.pose_options)
                s, e, is_cut = _cut(rec, seq)
                n = e - s
                if n < options.min_frames:
                    raise _Skip("too short", f"{n} frames < min_frames {options.min_frames}", rec.pose)
                if options.max_frames is not None and n > options.max_frames:
                    raise _Skip("too long", f"{n} frames > max_frames {options.max_frames}", rec.pose)
            except _Skip as k:
                skip(rec.id, k.reason, k.detail, k.path or rec.pose)
                continue
            refined = None
            if cfg.hands:
                try:
                    refined = _refined(rec, src, cfg, seq, hand_cache)
                except _Skip as k:
                    skip(rec.id + "+hands" if hands_mode == "add" else rec.id, k.reason, k.detail, k.path)
            out_samples = []
            if refined is None or hands_mode == "add":
                if not writer.has(sid):
                    out_samples.append(_sample(sid, rec, src, seq, s, e, is_cut, rec.pose))
            if refined is not None:
                rseq, replaced, hpath = refined
                rid = sid + "+hands" if hands_mode == "add" else sid
                if not writer.has(rid):
                    out_samples.append(_sample(rid, rec, src, rseq, s, e, is_cut, rec.pose,
                                               {"hands_file": str(hpath), "hands_replaced": replaced}))
                    report.hands_refined += 1
            if not out_samples:
                report.existing += 1
            for sample in out_samples:
                try:
                    if writer.add(sample):
                        report.written += 1
                    else:
                        skip(rec.id, "duplicate id", f"{sample.id} occurs twice in the annotations", rec.pose)
                except CorpusError as err:
                    skip(rec.id, "invalid sample", str(err), rec.pose)
    if bar is not None:
        bar.close()
    report.seconds = time.perf_counter() - t0
    return report


def _refined(rec, src, cfg: SourceConfig, seq, hand_cache: dict):
    """(refined k79 sequence, frames replaced per hand, hand file) or None when no hand file exists."""
    from signpt.data.hands import refine_hands
    from signpt.pose import read_pose

    hpath = src.find_pose(rec.video or rec.id, root=cfg.hands.poses, pose_format=cfg.hands.pose_format)
    if not hpath.exists():
        return None
    key = (hpath, id(seq))
    if key not in hand_cache:
        hand_cache.clear()
        try:
            if hpath.is_file() and hpath.stat().st_size == 0:
                raise _Skip("hand refinement", f"{hpath} is empty (0 bytes)", hpath)
            kw = {"trusted": cfg.trusted, "fps": seq.fps, "frame_size": seq.frame_size}
            hands = read_pose(hpath, **kw)
            rseq, replaced = refine_hands(seq, hands)
            hand_cache[key] = (rseq, replaced, hpath)
        except _Skip as k:
            hand_cache[key] = k
        except Exception as e:  # noqa: BLE001 - any unreadable second-estimator file is reported, not fatal
            hand_cache[key] = _Skip("hand refinement", f"{type(e).__name__}: {e}", hpath)
    value = hand_cache[key]
    if isinstance(value, _Skip):
        raise value
    return value


# ----------------------------------------------------------------------------------------------- driver

def _run_job(args):
    return curate_source(*args)


def curate(recipe, out, *, workers: int = 1, shard=None, progress: bool = True) -> CurationReport:
    """Build (or continue) the corpus at ``out`` from ``recipe`` (a YAML path, a dict or a Recipe).

    workers: sources run in parallel in this many processes.
    shard:   ``"i/n"`` or ``(i, n)``: only the samples of the videos in shard i of n (every source); the
             shards go to their own prefixes, and ``merge(out)`` indexes them once all array jobs are done.
    progress: tqdm bars per source, and the tables printed at the end.
    Returns the :class:`CurationReport`, also written as ``curation-report.json`` / ``.txt`` in ``out``.
    Raises ConfigError for a bad recipe; a failing source is reported (``report.errors``), not raised.
    """
    recipe: Recipe = load_recipe(recipe)
    shard = parse_shard(shard)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(cfg, recipe.options, str(out), shard, progress, k) for k, cfg in enumerate(recipe.sources)]
    if workers <= 1 or len(jobs) == 1:
        reports = [_run_job(j) for j in jobs]
    else:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            reports = list(pool.map(_run_job, jobs))
    report = CurationReport(out=str(out), shard=shard, sources=reports)
    if shard is None:
        _finish(report, out, progress)
    tag = "" if shard is None else f".{shard[0]:03d}of{shard[1]:03d}"
    _write_report(report, out, tag)
    if progress:
        print(report.summary() if len(report.skipped) <= 50 else _short_summary(report, out, tag))
        if report.tables:
            print(report.tables)
        if shard is not None:
            print(f"shard {shard[0]}/{shard[1]} done; when every shard is done: signpt curate --merge {out}")
    return report


def merge(out, *, progress: bool = True) -> CurationReport:
    """Index every shard written into ``out`` (array jobs) into one manifest; compute tables and histogram.

    Also combines the per-shard curation reports into ``curation-report.json``."""
    out = Path(out)
    if not out.is_dir():
        raise CurationError(f"{out}: corpus folder not found")
    sources: dict[str, SourceReport] = {}
    for path in sorted(out.glob(f"{REPORT}.*of*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise CurationError(f"{path}: unreadable shard report ({e})") from None
        for r in data.get("sources", []):
            skipped = [SkippedSample(**s) for s in r.pop("skipped", [])]
            r = SourceReport(**r, skipped=skipped)
            if r.name not in sources:
                sources[r.name] = SourceReport(name=r.name, adapter=r.adapter, prefix=r.name)
            agg = sources[r.name]
            for k in ("records", "written", "existing", "excluded", "hands_refined", "seconds"):
                setattr(agg, k, getattr(agg, k) + getattr(r, k))
            agg.skipped += skipped
            agg.warnings += r.warnings
            for k, v in r.splits.items():
                agg.splits[k] = agg.splits.get(k, 0) + v
            if r.error:
                agg.error = (agg.error + "; " if agg.error else "") + r.error
    report = CurationReport(out=str(out), shard=None, sources=list(sources.values()))
    _finish(report, out, progress)
    _write_report(report, out, "")
    if progress:
        print(report.tables)
    return report


def _finish(report: CurationReport, out: Path, progress: bool) -> None:
    from signpt.data.stats import corpus_stats, duration_histogram, format_tables
    from signpt.data.store import Corpus, merge_manifests

    merge_manifests(out)
    report.merged = True
    corpus = Corpus(out)
    report.stats = corpus_stats(corpus)
    report.tables = format_tables(report.stats, name=out.name)
    write_text(out / "stats.txt", report.tables)
    if len(corpus):
        duration_histogram(corpus, out / "duration_hist.png")


def _write_report(report: CurationReport, out: Path, tag: str) -> None:
    write_text(out / f"{REPORT}{tag}.json", json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n")
    write_text(out / f"{REPORT}{tag}.txt", report.summary())


def _short_summary(report: CurationReport, out: Path, tag: str) -> str:
    text = report.summary()
    head = text.split("\nSkipped samples:")[0]
    return head + f"\n({len(report.skipped)} skipped samples listed in {out / (REPORT + tag + '.txt')})\n"

