"""Generate the synthetic corpus: raw COCO-WholeBody-133 pose files, a generic manifest, a recipe, and (through
``signpt.data.curate``) the curated k79 corpus.

Output of ``generate(out)``::

    out/poses/<source>/<id>.npz    keypoints (T, 133, 2) float32 pixels, confidence (T, 133) float32, fps, frame_size,
                           layout = "coco_wholebody_133"
    out/manifest.jsonl     one sample a line: id, pose, text, gloss, label, split, sign_language,
                           spoken_language, signer, source
    out/lexicon.json       every language's signs and minimal pairs (for inspection)
    out/synth.json         preset, seed and estimator profile
    out/recipe.yaml        the curation recipe (generic adapter)
    out/corpus/            the curated corpus (unless curate=False)

Languages: sl-alpha (paired with English), sl-beta (German), sl-gamma (Spanish).

Sources and splits:

=====================  ==========================  ==============================================================
source                 split                       content
=====================  ==========================  ==============================================================
synth-pt-isolated      pretrain                    isolated signs of every concept, all three languages, text
                                                   "This word is X." (German / Spanish equivalents)
synth-pt-sentences     pretrain                    sentences with gloss and translation, all three languages
synth-pt-unpaired      pretrain                    sentences with gloss but no text (text = null), like
                                                   PHOENIX-2014's gloss-only data; masked pose modelling only
synth-islr             train / dev / test          isolated sl-alpha signs, label = class (concept) index,
                                                   few training samples per class (ISLR)
synth-sent             train / dev / test          sl-alpha sentences with gloss + English translation
                                                   (CSLR, SLT, retrieval)
=====================  ==========================  ==============================================================

Dev and test samples are signed by sl-alpha signers that appear nowhere else (not in pretrain, not in
train), and the sentences (gloss sequence + translation) of synth-sent dev/test never occur in any pretrain or
train sample. Isolated texts are written to the manifest already through the template (the recipe sets
no template).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from signpt.atomic import atomic_path
from signpt.data.synth import grammar
from signpt.data.synth.body import NM_CHANNELS, skeleton_points
from signpt.data.synth.lexicon import CONCEPTS, Lexicon, build_lexicon, gloss_of
from signpt.data.synth.motion import compose, rest_frames, stroke_frames
from signpt.data.synth.realism import Clip
from signpt.data.synth.signers import DEFAULT_PROFILE, Signer, get_profile, make_signer, observe

LANGUAGES = (("sl-alpha", "en"), ("sl-beta", "de"), ("sl-gamma", "es"))
DOWNSTREAM = "sl-alpha"
LAYOUT = "coco_wholebody_133"
MAX_SENTENCE_FRAMES = 160
"""At MOTION_FPS; scaled with the camera's frame rate."""
MOTION_FPS = 25.0


@dataclass(frozen=True)
class Preset:
    """Corpus sizes. Per language unless noted; the ISLR / sentence downstream sets are sl-alpha only."""

    classes: int                    # ISLR classes (concepts); pretraining isolated signs cover all concepts
    pt_isolated: dict               # samples per concept and language in synth-pt-isolated
    pt_sentences: int
    pt_unpaired: int
    islr: tuple[int, int, int]      # train / dev / test samples per class
    sent: tuple[int, int, int]      # train / dev / test sentences
    signers: int                    # pretrain/train signers per language
    dev_signers: int = 2
    test_signers: int = 4
    pt_all_concepts: bool = True


PRESETS = {
    "tiny": Preset(classes=16, pt_isolated={"sl-alpha": 1, "sl-beta": 1, "sl-gamma": 1}, pt_sentences=6,
                   pt_unpaired=2, islr=(2, 1, 1), sent=(6, 3, 4), signers=4, dev_signers=1, test_signers=2,
                   pt_all_concepts=False),
    "small": Preset(classes=len(CONCEPTS), pt_isolated={"sl-alpha": 4, "sl-beta": 3, "sl-gamma": 3},
                    pt_sentences=330, pt_unpaired=100, islr=(3, 1, 2), sent=(240, 60, 120), signers=12),
    "medium": Preset(classes=len(CONCEPTS), pt_isolated={"sl-alpha": 12, "sl-beta": 10, "sl-gamma": 10},
                     pt_sentences=1500, pt_unpaired=500, islr=(5, 2, 4), sent=(1000, 200, 400), signers=30,
                     dev_signers=3, test_signers=6),
    "large": Preset(classes=len(CONCEPTS), pt_isolated={"sl-alpha": 40, "sl-beta": 30, "sl-gamma": 30},
                    pt_sentences=6000, pt_unpaired=2000, islr=(10, 4, 8), sent=(4000, 500, 1000), signers=80,
                    dev_signers=5, test_signers=10),
}


@dataclass
class Job:
    """One sample to make."""

    id: str
    source: str
    split: str
    sign_language: str
    spoken_language: str
    signer: str
    concept: str | None = None      # isolated
    plan: grammar.Plan | None = None
    paired: bool = True
    label: int | None = None
    extra: dict = field(default_factory=dict)


def _rng(*keys) -> np.random.Generator:
    h = hashlib.sha256("/".join(str(k) for k in keys).encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def class_concepts(preset: Preset) -> list[str]:
    """The ISLR classes in label order (evenly spread over the inventory when fewer than all)."""
    idx = np.linspace(0, len(CONCEPTS) - 1, preset.classes).round().astype(int)
    return [CONCEPTS[i].id for i in idx]


def make_signers(preset: Preset, seed: int, profile: str = DEFAULT_PROFILE) -> dict[str, dict[str, list[Signer]]]:
    """sign language -> {"train": [...], "dev": [...], "test": [...]} (dev/test only for the downstream one);
    `profile`: the estimator profile of every recording (``signers.PROFILES``)."""
    out = {}
    for sl, _ in LANGUAGES:
        groups = {"train": preset.signers}
        if sl == DOWNSTREAM:
            groups |= {"dev": preset.dev_signers, "test": preset.test_signers}
        out[sl] = {}
        n = 0
        for g, k in groups.items():
            out[sl][g] = []
            for _ in range(k):
                n += 1
                sid = f"{sl.split('-')[1]}{n:02d}"
                out[sl][g].append(make_signer(sid, _rng("signer", seed, sid), profile))
    return out


def plan_jobs(preset: Preset, seed: int, signers: dict) -> list[Job]:
    """Every sample of the corpus, in a fixed order."""
    jobs: list[Job] = []
    rng = _rng("plan", seed)
    classes = class_concepts(preset)

    def signer_of(sl, group):
        pool = signers[sl][group]
        return pool[rng.integers(len(pool))].id

    counts: dict = {}

    def add(source, split, sl, sp, group, **kw):
        n = counts[source, sl, split] = counts.get((source, sl, split), -1) + 1
        jid = f"{sl.split('-')[1]}-{split}-{n:06d}"   # unique within the source; the corpus id is source/jid
        jobs.append(Job(jid, source, split, sl, sp, signer_of(sl, group), **kw))

    # downstream sentences first: their keys are reserved for dev/test
    held_out: set = set()
    sent_plans = {}
    for split, n in zip(("test", "dev"), preset.sent[:0:-1]):
        plans = []
        while len(plans) < n:
            p = grammar.random_plan(rng)
            key = grammar.translate(p, "en")
            if key not in held_out:
                held_out.add(key)
                plans.append(p)
        sent_plans[split] = plans

    def fresh_plan():
        while True:
            p = grammar.random_plan(rng)
            if grammar.translate(p, "en") not in held_out:
                return p

    sent_plans["train"] = [fresh_plan() for _ in range(preset.sent[0])]
    concepts_pt = [c.id for c in CONCEPTS] if preset.pt_all_concepts else classes
    for sl, sp in LANGUAGES:
        for c in concepts_pt:
            for _ in range(preset.pt_isolated[sl]):
                add("synth-pt-isolated", "pretrain", sl, sp, "train", concept=c)
        for _ in range(preset.pt_sentences):
            add("synth-pt-sentences", "pretrain", sl, sp, "train", plan=fresh_plan())
        for _ in range(preset.pt_unpaired):
            add("synth-pt-unpaired", "pretrain", sl, sp, "train", plan=fresh_plan(), paired=False)
    sl, sp = LANGUAGES[0]
    for split, per_class in zip(("train", "dev", "test"), preset.islr):
        for label, c in enumerate(classes):
            for _ in range(per_class):
                add("synth-islr", split, sl, sp, split, concept=c, label=label)
    for split in ("train", "dev", "test"):
        for p in sent_plans[split]:
            add("synth-sent", split, sl, sp, split, plan=p)
    return jobs


# ---------------------------------------------------------------- producing one sample
def _add_blinks(nm: np.ndarray, rng: np.random.Generator, fps: float) -> None:
    t = int(rng.integers(0, int(2 * fps)))
    while t < len(nm):
        for i, v in enumerate((0.5, 1.0, 0.6)):
            if t + i < len(nm):
                nm[t + i, NM_CHANNELS.index("blink")] = v
        t += int(rng.uniform(1.5, 4.0) * fps)


def _overlay(nm: np.ndarray, kind: str, a: int, b: int) -> None:
    n = b - a
    s = np.linspace(0, 1, n)
    e = np.clip(np.minimum(s / 0.15, (1 - s) / 0.15), 0, 1)
    if kind == "question":
        nm[a:b, NM_CHANNELS.index("brow")] += 0.9 * e
        nm[a:b, NM_CHANNELS.index("head_pitch")] += 0.07 * e
    elif kind == "wh":
        nm[a:b, NM_CHANNELS.index("brow")] -= 0.5 * e
        nm[a:b, NM_CHANNELS.index("head_pitch")] += 0.05 * e
    elif kind == "negation":
        nm[a:b, NM_CHANNELS.index("head_yaw")] += 0.25 * e * np.sin(2 * np.pi * s * max(1.5, n / 10))


def produce(job: Job, lexicon: Lexicon, signer: Signer, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pose of one job: keypoints (T, 133, 2) float32 pixels, confidence (T, 133) float32."""
    rng = _rng("sample", seed, job.source, job.id)
    p, sp, jit = signer.props, signer.speed, signer.jitter
    if job.concept is not None:
        strokes = [stroke_frames(lexicon.signs[job.concept], p, rng, sp, tempo=1.5, jitter=jit)]
        transition = (8, 11)
        markers = []
        hold = int(rng.integers(1, 4))
        strokes[0] = {k: np.concatenate([v, np.repeat(v[-1:], hold, 0)]) for k, v in strokes[0].items()}
    else:
        concepts = grammar.concepts_of(job.plan, job.sign_language)
        strokes = [stroke_frames(lexicon.signs[c], p, rng, sp, tempo=1.05, jitter=jit) for c in concepts]
        transition = (4, 7)
        markers = grammar.sentence_nonmanuals(job.plan, concepts)
    lead, tail = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    rest_a, rest_b = rest_frames(lead, p, rng), rest_frames(tail, p, rng)
    segments = [rest_a] + strokes + [rest_b]
    track, ranges = compose(segments, p, rng, (transition[0] + 1, transition[1] + 1) if job.concept is None
                            else transition, sp, rest=rest_a)
    for kind, a, b in markers:
        _overlay(track["nm"], kind, ranges[1 + a][0], ranges[b][1])
    _add_blinks(track["nm"], rng, signer.fps)
    pts = skeleton_points(track, p, signer.left_handed, signer.face_shape)
    if signer.fps != MOTION_FPS:   # motion is made at 25 frames a second; the camera may run at another rate
        pts = _resample(pts, max(2, int(round(len(pts) * signer.fps / MOTION_FPS))))
    cap = int(round(MAX_SENTENCE_FRAMES * signer.fps / MOTION_FPS))
    if len(pts) > cap:   # a long sentence is signed faster
        idx = np.linspace(0, len(pts) - 1, cap).round().astype(int)
        pts = pts[idx]
    return observe(pts, signer, rng)


def _resample(x: np.ndarray, n: int) -> np.ndarray:
    """(T, ...) -> (n, ...) by linear interpolation along time (NaN stays NaN)."""
    t = np.linspace(0, len(x) - 1, n)
    i = np.minimum(np.floor(t).astype(int), len(x) - 2)
    f = (t - i).reshape((n,) + (1,) * (x.ndim - 1))
    return x[i] * (1 - f) + x[i + 1] * f


# ---------------------------------------------------------------- writing
def _atomic_write_bytes(path: Path, write) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        write(f)


def write_pose_npz(path: Path, keypoints: np.ndarray, confidence: np.ndarray, fps: float, frame_size) -> None:
    """Raw pose file (atomic)."""
    _atomic_write_bytes(path, lambda f: np.savez(
        f, keypoints=keypoints.astype(np.float32), confidence=confidence.astype(np.float32),
        fps=np.float32(fps), frame_size=np.asarray(frame_size, dtype=np.int32), layout=np.str_(LAYOUT)))


def pose_path(job: Job) -> str:
    """Raw pose file of a job, relative to the output folder."""
    return f"poses/{job.source}/{job.id}.npz"


def manifest_row(job: Job, lexicon: Lexicon) -> dict:
    if job.concept is not None:
        gloss = [gloss_of(job.concept, job.spoken_language)]
        text = grammar.isolated_text(job.concept, job.spoken_language)
    else:
        gloss = grammar.glosses_of(job.plan, job.sign_language, job.spoken_language)
        text = grammar.translate(job.plan, job.spoken_language)
    return {
        "id": job.id, "pose": pose_path(job), "text": text if job.paired else None,
        "gloss": " ".join(gloss), "label": job.label, "split": job.split, "sign_language": job.sign_language,
        "spoken_language": job.spoken_language, "signer": job.signer, "source": job.source,
    }


def recipe(manifest: str = "manifest.jsonl", poses: str = ".") -> dict:
    """The curation recipe of the synthetic corpus (paths relative to the recipe file)."""
    return {
        "sources": [{
            "name": "synth", "adapter": "generic", "annotations": manifest, "poses": poses,
            "pose_format": "npz", "layout": LAYOUT, "language": {"sign": LANGUAGES[0][0], "spoken": LANGUAGES[0][1]},
            "split_map": {s: s for s in ("pretrain", "train", "dev", "test")}, "template": None,
            "require_text": False,
        }],
        "options": {"layout": "k79", "min_frames": 8, "max_frames": 256},
    }


def _write_text(path: Path, text: str) -> None:
    _atomic_write_bytes(path, lambda f: f.write(text.encode("utf-8")))


def lexicons(seed: int) -> dict[str, Lexicon]:
    return {sl: build_lexicon(sl, sp, seed) for sl, sp in LANGUAGES}


def generate(out_dir, preset: str = "small", seed: int = 0, *, curate: bool = True, progress: bool = True,
             profile: str = DEFAULT_PROFILE) -> Path:
    """Write the synthetic corpus to `out_dir` (see the module docstring); returns `out_dir`.

    profile: the pose estimator whose output the corpus imitates (``signers.PROFILES``: "wholebody", the
    paper's COCO-WholeBody from a top-down estimator; "mediapipe"; "openpose").

    Deterministic in (preset, seed, profile). Resumable: pose files already present are kept (they are written
    atomically and are a pure function of preset, seed, profile and id; ``out/synth.json`` records the three
    and a rerun with other settings into the same folder is refused)."""
    from signpt.errors import ConfigError

    if preset not in PRESETS:
        raise ConfigError(f"unknown synthetic preset {preset!r}; choose one of {', '.join(PRESETS)}")
    out = Path(out_dir)
    (out / "poses").mkdir(parents=True, exist_ok=True)
    pre = PRESETS[preset]
    get_profile(profile)
    settings = {"preset": preset, "seed": seed, "profile": profile}
    marker = out / "synth.json"
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) != settings:
        raise ConfigError(f"{marker}: {out} holds a corpus made with {marker.read_text(encoding='utf-8').strip()}, "
                          f"not {json.dumps(settings)}; use another --out folder")
    _write_text(marker, json.dumps(settings))
    lex = lexicons(seed)
    signers = make_signers(pre, seed, profile)
    by_id = {s.id: s for groups in signers.values() for pool in groups.values() for s in pool}
    jobs = plan_jobs(pre, seed, signers)
    rows = []
    it = jobs
    if progress:
        from tqdm import tqdm
        it = tqdm(jobs, desc=f"synth {preset}", unit="sample")
    for job in it:
        path = out / pose_path(job)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            signer = by_id[job.signer]
            kp, conf = produce(job, lex[job.sign_language], signer, seed)
            write_pose_npz(path, kp, conf, signer.fps, signer.frame_size)
        rows.append(manifest_row(job, lex[job.sign_language]))
    _write_text(out / "manifest.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    _write_text(out / "lexicon.json", json.dumps({
        sl: {"spoken_language": L.spoken_language, "handshape_pairs": L.handshape_pairs,
             "nonmanual_pairs": L.nonmanual_pairs,
             "signs": {c: {k: v for k, v in s.__dict__.items() if k != "concept"} for c, s in L.signs.items()}}
        for sl, L in lex.items()}, ensure_ascii=False, indent=1))
    header = (f"# Curation recipe of the synthetic corpus (signpt synth --preset {preset} --seed {seed}).\n"
              "# One generic source; every manifest row carries its own source name (synth-pt-isolated,\n"
              "# synth-pt-sentences, synth-pt-unpaired, synth-islr, synth-sent), languages and split.\n")
    _write_text(out / "recipe.yaml", header + yaml.safe_dump(recipe(), sort_keys=False, allow_unicode=True))
    if curate:
        try:
            from signpt.data.curate import curate as run_curate
        except ImportError as e:
            from signpt.errors import CurationError
            raise CurationError(f"{out / 'recipe.yaml'}: cannot curate, signpt.data.curate is unavailable ({e}); "
                                "rerun with --no-curate to write only the raw poses and manifest") from None
        run_curate(out / "recipe.yaml", out / "corpus", progress=progress)
    return out


def synth_clips(n: int = 120, seed: int = 0, preset: str = "small", profile: str | None = None,
                sources=None) -> list[Clip]:
    """`n` synthetic samples spread evenly over every job of `preset` (all sources, languages and signers; or
    only the jobs of `sources`, e.g. ``("synth-pt-isolated", "synth-islr")`` for isolated signs), made in memory
    exactly as ``generate`` writes them (same seed, profile and ids), in k79, as
    :class:`signpt.data.synth.realism.Clip` (what ``realism.clip_stats`` measures)."""
    from signpt.pose.layouts.k79 import COCO_TO_K79

    pre = PRESETS[preset]
    signers = make_signers(pre, seed, *([profile] if profile else []))
    by_id = {s.id: s for groups in signers.values() for pool_ in groups.values() for s in pool_}
    jobs = plan_jobs(pre, seed, signers)
    if sources:
        jobs = [j for j in jobs if j.source in set(sources)]
    lex = lexicons(seed)
    pick = np.linspace(0, len(jobs) - 1, min(n, len(jobs))).round().astype(int)
    out = []
    for i in pick:
        job = jobs[i]
        signer = by_id[job.signer]
        kp, conf = produce(job, lex[job.sign_language], signer, seed)
        out.append(Clip(kp[:, COCO_TO_K79], conf[:, COCO_TO_K79], float(signer.fps), "synthetic",
                        f"{job.source}/{job.id}", tuple(signer.frame_size)))
    return out
