"""Temporal sampling, PoseDataset, collate, and partitioning over ranks x workers."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler, get_worker_info

from signpt.data.batching import PoseDataset, collate, sample_indices
from signpt.data.schema import Sample
from signpt.data.store import Corpus, CorpusWriter


def make_sample(i: int, t: int, **kw) -> Sample:
    rng = np.random.default_rng(i)
    fields = dict(id=f"b{i:03d}", source="src", sign_language="asl", spoken_language="en", split="train",
                  keypoints=(rng.random((t, 79, 2)) * (640, 480)).astype(np.float16),
                  confidence=rng.random((t, 79)).astype(np.float16), fps=25.0, frame_size=(640, 480),
                  text=f"text {i}", gloss=["A"], label=i, signer="p1")
    fields.update(kw)
    return Sample(**fields)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    with CorpusWriter(root, shard_size=8) as w:
        for i in range(41):
            w.add(make_sample(i, t=1 + (i * 7) % 30))
    return Corpus(root)


def test_sample_indices_by_hand():
    # uniform: floor(k * 9 / 4 + 0.5) for k = 0..4 -> 0, 2.25, 4.5, 6.75, 9
    assert sample_indices(10, 5, "uniform").tolist() == [0, 2, 5, 7, 9]
    # center: floor((k + 0.5) * T / n)
    assert sample_indices(10, 5, "center").tolist() == [1, 3, 5, 7, 9]
    assert sample_indices(10, 4, "center").tolist() == [1, 3, 6, 8]
    # shorter than n: frames repeat in order
    assert sample_indices(3, 7, "uniform").tolist() == [0, 0, 1, 1, 1, 2, 2]  # 0, .33, .67, 1, 1.33, 1.67, 2
    assert sample_indices(3, 7, "center").tolist() == [0, 0, 1, 1, 1, 2, 2]  # .21, .64, 1.07, 1.5, 1.93, 2.36, 2.79
    assert sample_indices(7, 1, "uniform").tolist() == [0] and sample_indices(7, 1, "center").tolist() == [3]
    assert sample_indices(1, 4, "random", np.random.default_rng(0)).tolist() == [0, 0, 0, 0]
    for mode in ("uniform", "center"):
        assert sample_indices(256, 256, mode).tolist() == list(range(256))
    with pytest.raises(ValueError):
        sample_indices(5, 2, "bogus")


def test_random_sampling_one_frame_per_segment():
    rng = np.random.default_rng(0)
    draws = np.stack([sample_indices(100, 10, "random", rng) for _ in range(200)])
    segment = np.arange(10) * 10
    assert ((draws >= segment) & (draws < segment + 10)).all()  # frame k from segment [10k, 10k + 10)
    assert len({tuple(d) for d in draws}) > 150  # actually random
    assert set(np.unique(draws[:, 0])) == set(range(10))  # the whole segment is reachable
    assert np.allclose(draws.mean(0), np.arange(10) * 10 + 4.5, atol=0.6)  # centred on "center" sampling


def test_dataset_max_frames_and_num_frames(corpus):
    long = PoseDataset(corpus, max_frames=8)
    for i in range(len(corpus)):
        s, raw = long[i], corpus[i]
        if raw.num_frames <= 8:
            assert np.array_equal(s.keypoints, raw.keypoints)
        else:
            idx = sample_indices(raw.num_frames, 8, "uniform")
            assert s.num_frames == 8 and np.array_equal(s.keypoints, raw.keypoints[idx])
            assert np.array_equal(s.confidence, raw.confidence[idx]) and s.meta["frame_indices"] == idx.tolist()
    fixed = PoseDataset(corpus, num_frames=32, sampling="random", seed=5)
    assert all(fixed[i].num_frames == 32 for i in range(len(corpus)))
    a = [fixed[i].meta["frame_indices"] for i in (4, 5)]
    assert a == [fixed[i].meta["frame_indices"] for i in (4, 5)]  # reproducible
    fixed.set_epoch(1)
    assert a != [fixed[i].meta["frame_indices"] for i in (4, 5)]  # new draw each epoch
    centre = PoseDataset(corpus, num_frames=4, sampling="center")
    raw = corpus[9]  # T = 1 + 63 % 30 = 4 frames
    assert raw.num_frames == 4 and np.array_equal(centre[9].keypoints, raw.keypoints)


def _normalise():
    pose = importlib.import_module("signpt.pose")
    if not hasattr(pose, "normalise"):
        pytest.skip("signpt.pose.normalise is not written yet (helper POSE)")
    return pose.normalise


def test_collate_pads_and_normalises(corpus):
    normalise = _normalise()
    samples = [corpus[1], corpus[0], make_sample(99, 5, text=None, label=None, gloss=None)]
    b = collate(samples)
    lengths = [s.num_frames for s in samples]
    t = max(lengths)
    assert b.pose.shape == (3, t, 79, 2) and b.pose.dtype == torch.float32
    assert b.confidence.shape == (3, t, 79) and b.frame_mask.shape == (3, t)
    assert b.lengths.tolist() == lengths
    for i, s in enumerate(samples):
        ref, _ = normalise(s.keypoints.astype(np.float32), s.confidence.astype(np.float32), s.frame_size)
        assert np.allclose(b.pose[i, : lengths[i]].numpy(), ref, atol=1e-6)
        # independent check: body point 0 (present) is divided by the frame size (640, 480)
        px = s.keypoints[:, 0].astype(np.float64)
        assert np.allclose(b.pose[i, : lengths[i], 0].numpy(), px / (640, 480), atol=1e-6)
        assert np.array_equal(b.confidence[i, : lengths[i]].numpy(), s.confidence.astype(np.float32))
        assert b.frame_mask[i].tolist() == [True] * lengths[i] + [False] * (t - lengths[i])
        assert (b.pose[i, lengths[i]:] == 0).all() and (b.confidence[i, lengths[i]:] == 0).all()
    assert b.labels.tolist() == [1, 0, -1]
    assert b.texts == ["text 1", "text 0", None] and b.glosses == [["A"], ["A"], None]
    assert b.ids == ["b001", "b000", "b099"] and b.signers == ["p1"] * 3


def _ids_and_worker(batch):
    return [s.id for s in batch], get_worker_info().id


def _epoch(ds, world, epoch, workers=2):
    seen = {}
    for rank in range(world):
        sampler = DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=3)
        sampler.set_epoch(epoch)
        loader = DataLoader(ds, batch_size=3, sampler=sampler, num_workers=workers, collate_fn=_ids_and_worker,
                            multiprocessing_context="fork")
        for ids, worker in loader:
            for i in ids:
                seen.setdefault(i, []).append((rank, worker))
    return seen


def test_two_ranks_two_workers_see_every_sample_once(corpus):
    ds = PoseDataset(corpus.subset(40 / 41, seed=0), max_frames=16)  # 40 samples: divisible by 2 ranks
    assert len(ds) == 40
    seen = _epoch(ds, world=2, epoch=0)
    assert sorted(seen) == sorted(ds.corpus.column("id"))
    assert all(len(v) == 1 for v in seen.values())  # once, by one worker of one rank
    assert {rw for v in seen.values() for rw in v} == {(0, 0), (0, 1), (1, 0), (1, 1)}  # all four used
    again = _epoch(ds, world=2, epoch=1)
    assert sorted(again) == sorted(seen) and all(len(v) == 1 for v in again.values())
    assert {k: v[0][0] for k, v in again.items()} != {k: v[0][0] for k, v in seen.items()}  # reshuffled
    # 41 samples on 2 ranks: DistributedSampler repeats one sample so both ranks run equal steps (documented)
    odd = _epoch(PoseDataset(corpus), world=2, epoch=0)
    assert len(odd) == 41 and sorted(len(v) for v in odd.values()) == [1] * 40 + [2]
