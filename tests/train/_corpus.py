"""A small random-but-plausible corpus for trainer tests (k79 poses of a person moving in a 640x480 frame)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from signpt.data.schema import Sample
from signpt.data.store import CorpusWriter

WORDS = "hello thank you please good morning water house friend family work school eat drink".split()


def make_corpus(root: Path, n: int = 24, seed: int = 0, *, extra_dev_test: int = 4, unpaired_every: int = 5,
                words: tuple[int, int] = (2, 6)) -> Path:
    """n pre-training samples (splits pretrain/train alternating, every `unpaired_every`-th without text) plus
    `extra_dev_test` dev/test samples that pre-training must never read; texts of words[0] to words[1] - 1
    words. Returns `root`."""
    with CorpusWriter(root, shard_size=16) as w:
        for s in make_samples(n, seed, extra_dev_test=extra_dev_test, unpaired_every=unpaired_every, words=words):
            w.add(s)
    return Path(root)


def make_samples(n: int, seed: int = 0, *, extra_dev_test: int = 0, unpaired_every: int = 5,
                 words: tuple[int, int] = (2, 6)) -> list[Sample]:
    g = np.random.default_rng(seed)
    base = np.stack([g.uniform(200, 440, 79), g.uniform(100, 380, 79)], -1)  # a rest pose, pixels
    out = []
    for i in range(n + extra_dev_test):
        t = int(g.integers(12, 40))
        phase = g.uniform(0, 2 * np.pi)
        motion = 20 * np.sin(np.linspace(0, 3, t)[:, None, None] + phase + np.arange(79)[None, :, None] / 10)
        kp = base[None] + motion + g.normal(0, 2, (t, 79, 2))
        conf = g.uniform(0.5, 1.0, (t, 79))
        conf[:, 37:58][g.random(t) < 0.1] = 0.0  # left hand missing in some frames
        split = ("pretrain", "train")[i % 2] if i < n else ("dev", "test")[i % 2]
        text = None if i % unpaired_every == unpaired_every - 1 else " ".join(g.choice(WORDS, int(g.integers(*words))))
        out.append(Sample(id=f"s{i:04d}", source="toy", sign_language="ase", spoken_language="en", split=split,
                          keypoints=kp.astype(np.float16), confidence=conf.astype(np.float16), fps=25.0,
                          frame_size=(640, 480), text=text, signer=f"p{i % 3}"))
    return out
