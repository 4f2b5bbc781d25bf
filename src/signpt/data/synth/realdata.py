"""Real training data that the generator is calibrated on (``../shared/data/real``, see its README).

Two sources, both MediaPipe, both allowed for training, calibration and choosing settings:

- the crowd (``real/crowd``, read through ``recipes/crowd.yaml``, split by person): only the collections of its
  ``train`` and ``pretrain`` splits are read here (``CALIBRATION_SPLITS``); asking for dev or test raises;
- handshapes_asl_ai (``real/handshapes_asl_ai/asl_ai_raw_gestures.npz``): one person, the 26 ASL letters.

Hands come out in 3-D as (x W, y H, z W) of MediaPipe's image fractions (its z is relative depth "at roughly
the scale of x"), W : H the frame's aspect ratio. Nothing here is copied into the project.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

CALIBRATION_SPLITS = ("train", "pretrain")
"""The crowd's splits that calibration may read: its collections of people outside dev and test."""
MIN_LETTERS = 10
"""A crowd collection's single-letter labels count as manual-alphabet letters only when it records at least this
many different letters (``i`` is also the pronoun)."""


def shared_dir() -> Path:
    """``<project>/../shared/data`` (may be absent)."""
    return Path(__file__).resolve().parents[4].parent / "shared" / "data"


def default_recipe() -> Path:
    """``<project>/recipes/crowd.yaml``."""
    return Path(__file__).resolve().parents[4] / "recipes" / "crowd.yaml"


def crowd_records(recipe=None, splits=CALIBRATION_SPLITS) -> list:
    """The crowd's curation records (``signpt.data.sources.Record``) of `splits`, in the recipe's order."""
    from signpt.data.recipe import load_recipe
    from signpt.data.sources import iter_records

    bad = set(splits) - set(CALIBRATION_SPLITS)
    if bad:
        raise ValueError(f"calibration reads only the crowd's {CALIBRATION_SPLITS} splits, not {sorted(bad)}")
    r = load_recipe(recipe or default_recipe())
    src = r.sources[0]
    return [x for x in iter_records(src, r.options.templates) if x.split in splits]


def has_body(record) -> bool:
    """True when the record's vectors hold MediaPipe's pose block (not the hand-only layouts, D = 126 or 63)."""
    from signpt.pose.io.mediapipe_vectors import resolve_blocks

    dim = int(np.load(record.pose, mmap_mode="r").shape[1])
    return "pose" in resolve_blocks(dim, record.pose_options.get("blocks"))


def crowd_clips(recipe=None, n: int | None = None, seed: int = 0, fps: float = 30.0) -> list:
    """Crowd clips with a body (``has_body``) of the calibration splits as ``realism.Clip`` (k79, pixels of the
    assumed 640 x 480 frame, `fps` as the recipe assumes); `n`: a random subset (seeded), in recipe order."""
    from signpt.data.synth.realism import Clip
    from signpt.pose.convert import to_k79
    from signpt.pose.io import read_pose

    recs = [r for r in crowd_records(recipe) if has_body(r)]
    if n is not None and n < len(recs):
        keep = np.sort(np.random.default_rng(seed).permutation(len(recs))[:n])
        recs = [recs[i] for i in keep]
    out = []
    for r in recs:
        s = to_k79(read_pose(r.pose, fps=fps, **r.pose_options))
        out.append(Clip(s.keypoints, s.confidence, fps, "crowd", r.id, tuple(s.frame_size)))
    return out


@dataclass
class HandClip:
    """One real hand sequence: points (T, 21, 3) (NaN where the hand is missing), a right hand (left hands are
    mirrored, x -> -x), the letter (upper case), and who made it."""

    points: np.ndarray
    letter: str
    person: str
    name: str


def _hand_blocks(vectors: np.ndarray, blocks) -> dict:
    """{"left" / "right" / "hand": (T, 21, 3)} of (T, D) MediaPipe vectors; frames where the block is all zero
    are NaN."""
    from signpt.pose.io.mediapipe_vectors import BLOCKS, resolve_blocks

    out, offset = {}, 0
    for name in resolve_blocks(vectors.shape[1], blocks):
        n, w, _ = BLOCKS[name]
        if name in ("left", "right", "hand"):
            h = vectors[:, offset: offset + n * w].reshape(-1, n, w).astype(np.float64)
            h[~np.any(h != 0, axis=(1, 2))] = np.nan
            out[name] = h
        offset += n * w
    return out


def crowd_letter_hands(recipe=None, frame_size=(640, 480)) -> list[HandClip]:
    """The dominant hand of every manual-alphabet letter clip of the crowd's calibration splits: ASL collections
    (no other sign language declared) that record at least ``MIN_LETTERS`` letters. The dominant hand is the
    block present in more frames (the right one on a tie; a one-hand vector's block is taken as it is); a left
    block is mirrored into a right hand. Points in (x W, y H, z W) of `frame_size` (the recipe assumes 640 x 480)."""
    recs = [r for r in crowd_records(recipe) if r.sign_language is None and len(r.gloss[0]) == 1
            and r.gloss[0].isalpha()]
    letters: dict = {}
    for r in recs:
        letters.setdefault(r.signer, set()).add(r.gloss[0])
    w, h = frame_size
    out = []
    for r in recs:
        if len(letters[r.signer]) < MIN_LETTERS:
            continue
        blocks = _hand_blocks(np.load(r.pose), r.pose_options.get("blocks"))
        seen = {k: int(np.isfinite(v[:, 0, 0]).sum()) for k, v in blocks.items()}
        side = max(seen, key=lambda k: (seen[k], k == "right"))
        pts = blocks[side] * np.array([w, h, w])
        if side == "left":
            pts[..., 0] *= -1
        out.append(HandClip(pts, r.gloss[0].upper(), r.signer, r.id))
    return out


def asl_ai_path() -> Path:
    return shared_dir() / "real" / "handshapes_asl_ai" / "asl_ai_raw_gestures.npz"


def asl_ai_hands(path=None, aspect: float | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """handshapes_asl_ai: (points (N, 21, 3) as (x r, y, z r), letters (N,) upper case, r). The file holds raw
    MediaPipe Hands image fractions (x, y in [0, 1], z relative depth; not wrist-centred or scaled, whatever its
    README says), so the width : height ratio r of the unrecorded frame is estimated from hand anatomy
    (``aspect_ratio``) and snapped to the nearest of ``COMMON_ASPECTS``, unless given."""
    d = np.load(path or asl_ai_path(), allow_pickle=False)
    x = np.asarray(d["X"], dtype=np.float64)
    if aspect is None:
        est = aspect_ratio(x)
        aspect = min(COMMON_ASPECTS, key=lambda a: abs(np.log(a / est)))
    r = float(aspect)
    return x * np.array([r, 1.0, r]), np.asarray(d["labels"]).astype(str), r


ASPECT_GRID = np.linspace(0.5, 2.5, 201)
COMMON_ASPECTS = (4 / 3, 16 / 9)
"""Webcam frame ratios (640 x 480, 1280 x 720) an anatomy estimate is snapped to."""


def aspect_ratio(hands: np.ndarray) -> float:
    """Width / height of the frame that makes three palm ratios of (N, 21, 3) MediaPipe hands (x, y image
    fractions, z relative depth at x's scale) vary least over the frames (the method of
    ``benchmarks/mp_vectors.py``): wrist-middle knuckle / fore-little knuckle, wrist-fore knuckle / wrist-little
    knuckle, wrist-middle knuckle / wrist-fore knuckle, in (r x, y, r z). NaN below 50 whole frames."""
    h = hands[np.isfinite(hands).all(axis=(1, 2))]
    if len(h) < 50:
        return float("nan")
    segs = [(h[:, 9] - h[:, 0], h[:, 17] - h[:, 5]), (h[:, 5] - h[:, 0], h[:, 17] - h[:, 0]),
            (h[:, 9] - h[:, 0], h[:, 5] - h[:, 0])]
    cost = []
    for r in ASPECT_GRID:
        s = np.array([r, 1.0, r])
        c = 0.0
        for a, b in segs:
            la, lb = np.linalg.norm(a * s, axis=1), np.linalg.norm(b * s, axis=1)
            ok = (la > 0) & (lb > 0)
            c += np.var(np.log(la[ok] / lb[ok]))
        cost.append(c)
    return float(ASPECT_GRID[int(np.argmin(cost))])


def asl_ai_shapes(path=None, aspect: float | None = None) -> tuple[dict, float]:
    """handshapes_asl_ai as {letter: {"asl_ai": (N, 21, 3) frames}} (``asl_ai_hands``; one person) and the
    aspect ratio used."""
    x, labels, r = asl_ai_hands(path, aspect)
    return {str(k): {"asl_ai": x[labels == k]} for k in sorted(set(labels.tolist()))}, r


def crowd_letter_shapes(recipe=None, keep: float | None = None) -> dict:
    """The crowd's letter clips (``crowd_letter_hands``) as {letter: {person: (N, 21, 3)}}: one
    ``handfit.robust_mean`` per clip (its complete frames; clips without one are left out)."""
    from signpt.data.synth.handfit import KEEP, robust_mean

    out: dict = {}
    for c in crowd_letter_hands(recipe):
        if not np.isfinite(c.points).all(axis=(1, 2)).any():
            continue
        out.setdefault(c.letter, {}).setdefault(c.person, []).append(robust_mean(c.points, KEEP if keep is None
                                                                                  else keep))
    return {k: {p: np.stack(v) for p, v in people.items()} for k, people in sorted(out.items())}
