"""Cross-alphabet letter retrieval on real fingerspelling poses: does what an encoder learnt carry over?

The real clips are MediaPipe Holistic poses of one clip per letter of two or more manual alphabets
(``fingerspelling/index.csv`` of the shared test data: columns ``path, signed_language, words`` used). Each
letter clip of one alphabet ranks every letter clip of another alphabet by the cosine similarity of
mean-pooled features; a hit is the same letter at rank 1. Queries are the letters the other alphabet also
has (compared case-insensitively); scores are averaged over every ordered pair of alphabets. Chance top-1 is
1 / (clips of the other alphabet).

Features: ``raw`` (the normalised k79 pose, ``signpt.pose.normalise``, averaged over frames), ``raw_hands``
(its 42 hand points only), or an encoder's output F_SE averaged over frames. These clips are a test: never
train on them, never choose settings on them.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signpt.errors import PoseFormatError


@dataclass
class LetterClip:
    """One real letter clip: normalised pose (T, 79, 2), confidence (T, 79), alphabet, letter (lower case)."""

    pose: np.ndarray
    confidence: np.ndarray
    alphabet: str
    letter: str
    path: str


def default_dir() -> Path:
    """Where the shared test data keeps the clips: ``<project>/../shared/data/poses/fingerspelling``."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "poses" / "fingerspelling"


def load_letters(directory=None) -> list[LetterClip]:
    """Read ``directory/index.csv`` and every clip it lists (k79, normalised as the corpus stores poses)."""
    from signpt.pose.convert import to_k79
    from signpt.pose.io import read_pose
    from signpt.pose.normalise import normalise

    d = Path(directory) if directory is not None else default_dir()
    index = d / "index.csv"
    if not index.is_file():
        raise PoseFormatError(f"{index}: no fingerspelling index (expected columns path, signed_language, words)")
    with open(index, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = {"path", "signed_language", "words"} - set(rows[0] if rows else {})
    if missing:
        raise PoseFormatError(f"{index}: missing column(s) {', '.join(sorted(missing))}")
    out = []
    for r in rows:
        seq = to_k79(read_pose(d / r["path"]))
        pose, _ = normalise(seq.keypoints, seq.confidence, seq.frame_size)
        out.append(LetterClip(pose, seq.confidence, r["signed_language"], r["words"].strip().lower(), r["path"]))
    return out


def raw_features(clips: list[LetterClip], hands_only: bool = False) -> np.ndarray:
    """(N, D) mean over frames of the normalised pose (missing points count as 0), flattened."""
    from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND

    idx = list(LEFT_HAND + RIGHT_HAND) if hands_only else list(range(79))
    return np.stack([c.pose[:, idx].mean(0).ravel() for c in clips]).astype(np.float64)


def encoder_features(clips: list[LetterClip], encoder, branch: str | None = None,
                     layer: str = "output") -> np.ndarray:
    """(N, D) mean over frames of a ``SignEncoder``'s features (eval mode, one clip at a time, sequences
    longer than the encoder's max_frames sampled uniformly). layer: "output" (F_SE, D = out_dim) or
    "embedding" (the per-frame pose embedding of each part before the transformer branches, concatenated in
    branch order, D = embed_dim x parts); `branch` ("manual" / "non_manual"): only that branch's channels."""
    if layer not in ("output", "embedding"):
        raise ValueError(f"layer must be 'output' or 'embedding', got {layer!r}")
    import torch

    from signpt.data.batching import sample_indices

    encoder.eval()
    feats = []
    with torch.no_grad():
        for c in clips:
            pose, conf = c.pose, c.confidence
            if len(pose) > encoder.config.max_frames:
                idx = sample_indices(len(pose), encoder.config.max_frames, "uniform")
                pose, conf = pose[idx], conf[idx]
            p = torch.from_numpy(np.ascontiguousarray(pose, dtype=np.float32))[None]
            cf = torch.from_numpy(np.ascontiguousarray(conf, dtype=np.float32))[None]
            m = torch.ones(1, len(pose), dtype=torch.bool)
            if layer == "output":
                y = encoder(p, cf, m)[0]
            else:
                parts = encoder.embed(p, cf, m)
                y = torch.cat([parts[b][0] for b in encoder.config.branches], dim=-1)
            feats.append(y.mean(0).double().numpy())
    f = np.stack(feats)
    if branch is not None:
        cfg, start = encoder.config, 0
        for b in cfg.branches:
            width = cfg.width(b) if layer == "output" else cfg.embed_dim
            if b == branch:
                return f[:, start:start + width]
            start += width
        raise ValueError(f"the encoder has no {branch!r} branch (it has {', '.join(cfg.branches)})")
    return f


def letter_retrieval(features: np.ndarray, alphabets: list[str], letters: list[str]) -> dict:
    """Cross-alphabet retrieval scores of (N, D) features -> {"top1", "mrr" (fractions, averaged over ordered
    alphabet pairs), "pairs": {"A->B": {"top1", "mrr", "queries", "gallery"}}, "chance"}."""
    f = np.asarray(features, dtype=np.float64)
    f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
    alphabets, letters = np.asarray(alphabets), np.asarray(letters)
    names = sorted(set(alphabets.tolist()))
    pairs = {}
    for a in names:
        for b in names:
            if a == b:
                continue
            gi = np.flatnonzero(alphabets == b)
            qi = [i for i in np.flatnonzero(alphabets == a) if letters[i] in set(letters[gi].tolist())]
            if not qi:
                continue
            sims = f[qi] @ f[gi].T                               # (Q, G)
            ranks = []
            for row, i in zip(sims, qi):
                target = row[letters[gi] == letters[i]].max()
                ranks.append(1 + int((row > target).sum()))      # ties count in the query's favour
            ranks = np.asarray(ranks)
            pairs[f"{a}->{b}"] = {"top1": float((ranks == 1).mean()), "mrr": float((1.0 / ranks).mean()),
                                  "queries": len(qi), "gallery": len(gi)}
    if not pairs:
        raise ValueError("letter_retrieval: no two alphabets share a letter")
    return {"top1": float(np.mean([p["top1"] for p in pairs.values()])),
            "mrr": float(np.mean([p["mrr"] for p in pairs.values()])),
            "chance": float(np.mean([1.0 / p["gallery"] for p in pairs.values()])), "pairs": pairs}


def evaluate(clips: list[LetterClip], encoders: dict | None = None, manual: bool = False,
             embedding: bool = False) -> dict:
    """{"raw": scores, "raw_hands": scores, <name>: scores for each encoder in `encoders`}; with `manual` also
    "<name> [manual]": the manual branch's channels alone (for encoders that have both branches); with
    `embedding` also "<name> [embedding]" and "<name> [embedding manual]": the pose embedding's output before
    the transformer branches (where along the encoder what transfers is kept or lost)."""
    al = [c.alphabet for c in clips]
    le = [c.letter for c in clips]
    out = {"raw": letter_retrieval(raw_features(clips), al, le),
           "raw_hands": letter_retrieval(raw_features(clips, hands_only=True), al, le)}
    for name, enc in (encoders or {}).items():
        f = encoder_features(clips, enc)
        out[name] = letter_retrieval(f, al, le)
        if manual and len(enc.config.branches) > 1:
            d = enc.config.width("manual")
            first = enc.config.branches[0] == "manual"
            out[f"{name} [manual]"] = letter_retrieval(f[:, :d] if first else f[:, -d:], al, le)
        if embedding:
            out[f"{name} [embedding]"] = letter_retrieval(encoder_features(clips, enc, layer="embedding"), al, le)
            if "manual" in enc.config.branches and len(enc.config.branches) > 1:
                out[f"{name} [embedding manual]"] = letter_retrieval(
                    encoder_features(clips, enc, branch="manual", layer="embedding"), al, le)
    return out


def real_to_synthetic(real: list[LetterClip], synthetic: list[LetterClip], features) -> dict:
    """How much real handshapes look like the generator's: each real letter clip ranks the synthetic held
    handshapes (``synthetic_letters``) of one synthetic signer at a time by cosine similarity; a hit is the
    handshape of the same name at rank 1 (letters the inventory lacks are not asked). `features(clips)` ->
    (N, D) is computed over real + synthetic clips together. -> ``letter_retrieval``'s scores restricted to the
    pairs real alphabet -> synthetic signer (averaged over them)."""
    clips = list(real) + list(synthetic)
    real_names = {c.alphabet for c in real}
    if real_names & {c.alphabet for c in synthetic}:
        raise ValueError("real alphabets and synthetic signers must have different names")
    full = letter_retrieval(features(clips), [c.alphabet for c in clips], [c.letter for c in clips])
    pairs = {k: v for k, v in full["pairs"].items() if k.split("->")[0] in real_names
             and k.split("->")[1] not in real_names}
    if not pairs:
        raise ValueError("no real letter has a synthetic handshape of the same name")
    return {"top1": float(np.mean([p["top1"] for p in pairs.values()])),
            "mrr": float(np.mean([p["mrr"] for p in pairs.values()])),
            "chance": float(np.mean([1.0 / p["gallery"] for p in pairs.values()])), "pairs": pairs}


def random_encoder(like, seed: int):
    """A ``SignEncoder`` with the config of `like` (an encoder or an EncoderConfig) and random weights drawn from
    `seed`; the caller's global torch random state is left as it was."""
    import torch

    from signpt.model.encoder import SignEncoder

    cfg = getattr(like, "config", like)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SignEncoder(cfg)


def synthetic_letters(signers: int = 4, seed: int = 0, frames: int = 30, profile: str = "mediapipe",
                      shapes=None, angles: dict | None = None) -> list[LetterClip]:
    """The control of the real benchmark: synthetic held handshapes, one clip per handshape and signer.

    Each of `signers` synthetic signers (``make_signer`` of the estimator `profile`, default the real clips'
    MediaPipe; right-handed) holds every handshape of ``HANDSHAPES`` (or `shapes`) with the dominant hand in
    front of the shoulder, palm to the camera, for `frames` frames at 25 fps, seen through the corpus's camera
    and estimator model (``observe``) and normalised as the corpus is. ``letter_retrieval`` between the
    signers (the "alphabet" is the signer) asks what the real benchmark asks (the same handshape made by
    another hand) without the synthetic-to-real gap: an encoder ahead of the raw pose here but not on the real
    clips is limited by that gap; one that is not ahead here, by what pre-training teaches. Deterministic per
    seed; never used for training. `angles`: {handshape: (5, 4) joint angles} instead of ``handshape_angles``
    (another inventory, e.g. ``hand.composed_angles``)."""
    from dataclasses import replace

    from signpt.data.synth.body import skeleton_points
    from signpt.data.synth.hand import HANDSHAPES, handshape_angles, orientation_quat
    from signpt.data.synth.motion import location_point, rest_frames
    from signpt.data.synth.signers import make_signer, observe
    from signpt.pose.convert import to_k79
    from signpt.pose.normalise import normalise
    from signpt.pose.sequence import PoseSequence

    out = []
    for s in range(signers):
        rng = np.random.default_rng([seed, s])
        signer = replace(make_signer(f"letters-{seed}-{s}", rng, profile), left_handed=False)
        for shape in shapes or HANDSHAPES:
            track = rest_frames(frames, signer.props, rng)
            track["dom_pos"] = np.tile(location_point("neutral_high", signer.props), (frames, 1))
            track["dom_quat"] = np.tile(orientation_quat("fwd_up"), (frames, 1))
            a = handshape_angles(shape) if angles is None else angles[shape]
            track["dom_hand"] = np.tile(a, (frames, 1, 1))
            kp, conf = observe(skeleton_points(track, signer.props, False, signer.face_shape), signer, rng)
            seq = to_k79(PoseSequence(kp, conf, 25.0, "coco_wholebody_133", signer.frame_size,
                                      source=f"synthetic {shape}"))
            pose, _ = normalise(seq.keypoints, seq.confidence, seq.frame_size)
            out.append(LetterClip(pose, seq.confidence, f"signer{s}", shape.lower(), f"synthetic/{signer.id}"))
    return out
