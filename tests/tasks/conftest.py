"""A small learnable corpus for the task tests: an isolated-sign source and a sentence source.

Every gloss is a distinct periodic motion of the whole upper body (frequency and direction per gloss), so a
tiny encoder can tell glosses apart within a few epochs. Test samples come from a signer unseen in training.
"""
from __future__ import annotations

import numpy as np
import pytest

from signpt.data.schema import Sample
from signpt.data.store import Corpus, CorpusWriter

GLOSSES = ["SUN", "RAIN", "WIND", "SNOW", "CLOUD"]
WORDS = {"SUN": "sonne", "RAIN": "regen", "WIND": "wind", "SNOW": "schnee", "CLOUD": "wolken"}
FRAMES_PER_GLOSS = 12


def gloss_motion(gloss: str, frames: int, rng) -> np.ndarray:
    """(frames, 2) displacement in pixels."""
    g = GLOSSES.index(gloss)
    t = np.arange(frames) / frames
    angle = np.pi * g / len(GLOSSES)
    amp = 40.0 * np.sin(2 * np.pi * (1 + g % 3) * t + rng.uniform(-0.3, 0.3))
    return np.stack([amp * np.cos(angle), amp * np.sin(angle)], -1)


def make_sample(sid, source, split, glosses, signer, rng, label=None, text=None):
    base = rng.uniform((200, 100), (440, 380), size=(79, 2))
    motion = np.concatenate([gloss_motion(g, FRAMES_PER_GLOSS + int(rng.integers(-2, 3)), rng) for g in glosses])
    kp = base[None] + motion[:, None, :] + rng.normal(0, 2.0, size=(len(motion), 79, 2))
    return Sample(
        id=sid, source=source, sign_language="dgs", spoken_language="de", split=split,
        keypoints=kp.astype(np.float16), confidence=np.ones(kp.shape[:2], np.float16), fps=25.0,
        frame_size=(640, 480), text=text if text is not None else " ".join(WORDS[g] for g in glosses),
        gloss=list(glosses), label=label, signer=signer,
    )


def write_toy_corpus(root, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    splits = {"train": (["s1", "s2"], 4), "dev": (["s3"], 1), "test": (["s4"], 2)}
    with CorpusWriter(root, shard_size=64) as w:
        n = 0
        for split, (signers, reps) in splits.items():
            for signer in signers:
                for r in range(reps):
                    for label, g in enumerate(GLOSSES):
                        w.add(make_sample(f"isl{n:04d}", "toy_isolated", split, [g], signer, rng, label=label,
                                          text=WORDS[g]))
                        n += 1
        sizes = {"train": 24, "dev": 6, "test": 10}
        for split, count in sizes.items():
            signers = splits[split][0]
            for i in range(count):
                k = int(rng.integers(2, 4))
                glosses = [GLOSSES[j] for j in rng.integers(0, len(GLOSSES), size=k)]
                w.add(make_sample(f"sen{n:04d}", "toy_sentences", split, glosses, signers[i % len(signers)], rng))
                n += 1
    return Corpus(root)


@pytest.fixture(scope="session")
def toy_corpus(tmp_path_factory):
    return write_toy_corpus(tmp_path_factory.mktemp("toy_corpus"))


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory):
    """A tiny SignEncoder saved with save_pretrained (random weights, fixed seed)."""
    import torch

    from signpt.model.encoder import EncoderConfig, SignEncoder

    torch.manual_seed(123)
    enc = SignEncoder(EncoderConfig(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=16, num_layers=1,
                                    num_heads=2, dropout=0.0, max_frames=64))
    return enc.save_pretrained(tmp_path_factory.mktemp("encoder"))
