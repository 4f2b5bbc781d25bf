"""PoseDataset(mirror_prob=...): handedness augmentation of training clips."""
import numpy as np
import pytest

from signpt.data.batching import PoseDataset
from signpt.pose.mirror import mirror_pixels


def _samples(n=40):
    from signpt.data.schema import Sample

    rng = np.random.default_rng(0)
    return [Sample(id=f"s{i}", source="x", sign_language="x", spoken_language="en", split="train",
                   keypoints=(rng.random((20, 79, 2)) * 100).astype(np.float16),
                   confidence=np.ones((20, 79), np.float16), fps=25.0, frame_size=(100, 100)) for i in range(n)]


def test_mirror_probability_and_independent_sampling():
    data = _samples()
    plain = PoseDataset(data, num_frames=8, sampling="random", seed=3)
    always = PoseDataset(data, num_frames=8, sampling="random", seed=3, mirror_prob=1.0)
    half = PoseDataset(data, num_frames=8, sampling="random", seed=3, mirror_prob=0.5)
    for i in range(len(data)):
        p, m = plain[i], always[i]
        assert p.meta["frame_indices"] == m.meta["frame_indices"]       # the same frames either way
        kp, conf = mirror_pixels(p.keypoints.astype(np.float32), p.confidence, p.frame_size)
        np.testing.assert_allclose(m.keypoints.astype(np.float32), kp, atol=0.1)  # float16 storage
        assert m.meta.get("mirrored") and not p.meta.get("mirrored")
    flips = [bool(half[i].meta.get("mirrored")) for i in range(len(data))]
    assert 8 < sum(flips) < 32                                         # about half of 40
    assert flips == [bool(half[i].meta.get("mirrored")) for i in range(len(data))]  # reproducible
    half.set_epoch(1)
    assert flips != [bool(half[i].meta.get("mirrored")) for i in range(len(data))]  # new draws per epoch
    with pytest.raises(ValueError, match="mirror_prob"):
        PoseDataset(data, mirror_prob=1.5)


def test_task_config_passes_it_to_training_only():
    from signpt.tasks.common import make_dataset, task_config

    cfg = task_config("islr", "tiny", mirror_prob=0.5)
    data = _samples(4)
    assert make_dataset(data, cfg, train=True).mirror_prob == 0.5
    assert make_dataset(data, cfg, train=False).mirror_prob == 0.0
    assert task_config("islr", "tiny").mirror_prob == 0.0
