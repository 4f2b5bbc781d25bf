"""Random affine augmentation: hand-computed maps, missing points, reproducible draws, never at evaluation."""
import numpy as np
import pytest

from signpt.pose.augment import AffineSpec, affine_pixels


def test_affine_pixels_hand_computed():
    kp = np.array([[[150.0, 100.0], [100.0, 50.0], [7.0, 9.0]]])  # frame 200 x 200, centre (100, 100)
    conf = np.array([[1.0, 1.0, 0.0]])
    out = affine_pixels(kp, conf, (200, 200), angle=90)
    # 90 degrees counter-clockwise on screen (y down): right of centre -> above it, above -> left
    np.testing.assert_allclose(out[0, 0], [100, 50], atol=1e-4)
    np.testing.assert_allclose(out[0, 1], [50, 100], atol=1e-4)
    assert (out[0, 2] == 0).all()  # missing stays missing
    out = affine_pixels(kp, conf, (200, 200), angle=0, scale=2, aspect=1.25, shift=(0.1, -0.05))
    np.testing.assert_allclose(out[0, 0], [100 + 50 * 2 * 1.25 + 20, 100 - 10], atol=1e-4)
    np.testing.assert_allclose(out[0, 1], [100 + 20, 100 - 50 * 2 / 1.25 - 10], atol=1e-4)


def test_rotation_and_scale_keep_shapes():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 300, (4, 79, 2))
    conf = np.ones((4, 79))
    out = affine_pixels(kp, conf, (300, 200), angle=23, scale=1.1)
    d0 = np.linalg.norm(kp[:, 40] - kp[:, 50], axis=-1)
    d1 = np.linalg.norm(out[:, 40] - out[:, 50], axis=-1)
    np.testing.assert_allclose(d1, 1.1 * d0, rtol=1e-5)


def test_spec_and_dataset_draws():
    from signpt.data.batching import PoseDataset
    from signpt.data.schema import Sample

    with pytest.raises(ValueError, match="unknown key"):
        AffineSpec.from_dict({"spin": 3})
    with pytest.raises(ValueError, match="ranges"):
        AffineSpec.from_dict({"scale": 1.5})
    assert AffineSpec.from_dict({}) is None
    kp = np.random.default_rng(1).uniform(0, 100, (6, 79, 2)).astype(np.float16)
    s = Sample("a", "x", "asl", "en", "train", kp, np.ones((6, 79), np.float16), 25.0, (100, 100), label=0)
    spec = {"rotate": 15, "scale": 0.1, "aspect": 0.1, "shift": 0.05}
    a, b = PoseDataset([s], seed=3, augment=spec), PoseDataset([s], seed=3, augment=spec)
    np.testing.assert_array_equal(a[0].keypoints, b[0].keypoints)  # reproducible
    first = a[0].keypoints.copy()
    a.set_epoch(1)
    assert not np.allclose(a[0].keypoints, first)  # a new map every epoch
    assert np.array_equal(PoseDataset([s], seed=3)[0].keypoints, kp)  # off: untouched


def test_evaluation_never_augments():
    from signpt.tasks.common import make_dataset, task_config

    cfg = task_config("islr", "tiny", augment={"rotate": 10})
    assert make_dataset([], cfg, train=True).augment.rotate == 10
    assert make_dataset([], cfg, train=False).augment is None
