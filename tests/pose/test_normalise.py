import numpy as np
import pytest

from signpt.errors import PoseFormatError
from signpt.pose import denormalise, normalise, read_pose, to_k79
from signpt.pose.normalise import load_normalised, save_normalised


def _case():
    kp = np.zeros((1, 79, 2), np.float32)
    conf = np.zeros((1, 79), np.float32)
    kp[0, 5] = (50, 100)                       # body point
    kp[0, 30] = (20, 150)                      # mouth point
    conf[0, [5, 30]] = 1
    kp[0, 37] = (10, 20)                       # left hand: three present points
    kp[0, 38] = (30, 20)
    kp[0, 39] = (10, 60)
    conf[0, 37:40] = 0.7
    kp[0, 40] = (999, 999)                     # present coordinates but confidence 0: missing
    kp[0, 58] = (300, 400)                     # right hand: a single point
    conf[0, 58] = 1
    return kp, conf


def test_hand_computed_case():
    kp, conf = _case()
    out, info = normalise(kp, conf, (100, 200))
    # body and mouth: divided by (width, height)
    np.testing.assert_allclose(out[0, 5], [0.5, 0.5])
    np.testing.assert_allclose(out[0, 30], [0.2, 0.75])
    # left hand box: x 10..30, y 20..60 -> centre (20, 40), side 1.2 * 40 = 48
    np.testing.assert_allclose(info.hand_center[0, 0], [20, 40])
    np.testing.assert_allclose(info.hand_side[0, 0], 48)
    np.testing.assert_allclose(out[0, 37], [(10 - 20) / 48 + 0.5, (20 - 40) / 48 + 0.5], rtol=1e-6)
    np.testing.assert_allclose(out[0, 38], [(30 - 20) / 48 + 0.5, (20 - 40) / 48 + 0.5], rtol=1e-6)
    np.testing.assert_allclose(out[0, 39], [0.5 - 10 / 48, 0.5 + 20 / 48], rtol=1e-6)
    # right hand: one point -> minimum side 1.2 px, the point lands at the centre
    np.testing.assert_allclose(info.hand_side[0, 1], 1.2, rtol=1e-6)
    np.testing.assert_allclose(out[0, 58], [0.5, 0.5])
    # missing points stay 0
    missing = conf[0] <= 0
    assert (out[0, missing] == 0).all() and missing[40]
    assert not info.present[0, 40]


def test_round_trip_and_missing():
    kp, conf = _case()
    out, info = normalise(kp, conf, (100, 200))
    back = denormalise(out, info)
    present = conf > 0
    np.testing.assert_allclose(back[present], kp[present], atol=1e-4)
    assert (back[~present] == 0).all()


def test_real_sequence_round_trip_and_ranges(poses_dir):
    seq = to_k79(read_pose(poses_dir / "openpose.pose"))
    out, info = normalise(seq.keypoints, seq.confidence, seq.frame_size)
    assert out.dtype == np.float32 and out.shape == seq.keypoints.shape
    p = seq.confidence > 0
    hands = np.zeros(79, bool)
    hands[37:79] = True
    h = out[p & hands[None]]
    assert h.min() >= 0.5 - 0.5 / 1.2 - 1e-6 and h.max() <= 0.5 + 0.5 / 1.2 + 1e-6  # inside the margin
    np.testing.assert_allclose(denormalise(out, info)[p], seq.keypoints[p], atol=1e-3)


def test_nan_is_missing_and_batched_equals_per_sample():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 500, (3, 6, 79, 2)).astype(np.float32)
    conf = rng.uniform(0, 1, (3, 6, 79)).astype(np.float32)
    conf[rng.uniform(size=conf.shape) < 0.3] = 0
    conf[0, 0, 37:58] = 0                        # whole left hand absent in one frame
    kp[1, 2, 60] = np.nan
    out, info = normalise(kp, conf, (640, 480))
    assert out.shape == (3, 6, 79, 2) and np.isfinite(out).all()
    assert not info.present[1, 2, 60] and (out[1, 2, 60] == 0).all()
    assert info.hand_side[0, 0, 0] == 0 and (out[0, 0, 37:58] == 0).all()
    for b in range(3):
        single, si = normalise(kp[b], conf[b], (640, 480))
        np.testing.assert_array_equal(single, out[b])
        np.testing.assert_array_equal(si.hand_side, info.hand_side[b])
    back = denormalise(out, info)
    np.testing.assert_allclose(back[info.present], kp[info.present], atol=1e-3)


def test_bad_shapes():
    with pytest.raises(PoseFormatError, match=r"\(\.\.\., 79, 2\)"):
        normalise(np.zeros((4, 133, 2)), np.ones((4, 133)), (10, 10))
    with pytest.raises(PoseFormatError, match="frame size"):
        normalise(np.zeros((4, 79, 2)), np.ones((4, 79)), (0, 10))


def test_save_and_load_normalised(tmp_path):
    kp, conf = _case()
    out, info = normalise(kp, conf, (100, 200))
    save_normalised(tmp_path / "n.npz", out, conf, info, fps=25)
    n2, c2, i2, fps = load_normalised(tmp_path / "n.npz")
    np.testing.assert_array_equal(n2, out)
    np.testing.assert_allclose(denormalise(n2, i2)[conf > 0], kp[conf > 0], atol=1e-4)
    assert fps == 25
    from signpt.pose import read_pose as rp

    with pytest.raises(PoseFormatError, match="normalised"):
        rp(tmp_path / "n.npz")
