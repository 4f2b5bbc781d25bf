import numpy as np
import pytest

from signpt.errors import PoseFormatError
from signpt.pose import PoseSequence, read_pose, to_k79
from signpt.pose.convert import MP_INNER_LIPS, MP_JAW, TO_K79
from signpt.pose.layouts.k79 import K79


def _indexed(layout, k, t=2):
    """A sequence whose point i sits at (i, 1000 + i), all present."""
    kp = np.stack([np.arange(k), 1000 + np.arange(k)], -1).astype(np.float32)[None].repeat(t, 0)
    return PoseSequence(kp, np.ones((t, k), np.float32), 25, layout, (2000, 2000))


def test_coco_to_k79_by_paper_indices():
    seq = to_k79(_indexed("coco_wholebody_133", 133))
    one_based = [*range(1, 12), *range(24, 41), 54, *range(84, 92), *range(92, 134)]
    assert seq.layout == "k79" and seq.keypoints.shape == (2, 79, 2)
    np.testing.assert_array_equal(seq.keypoints[0, :, 0], np.asarray(one_based) - 1)
    assert (seq.confidence == 1).all()


def test_openpose_to_k79_tables():
    seq = to_k79(_indexed("openpose_137", 137))
    x = seq.keypoints[0, :, 0].astype(int)
    # nose, LEye(16), REye(15), LEar(18), REar(17), LShoulder(5), RShoulder(2), LElbow(6), RElbow(3), LWrist(7), RWrist(4)
    assert list(x[:11]) == [0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4]
    assert list(x[11:28]) == list(range(25, 42))          # jaw iBUG 0-16
    assert x[28] == 25 + 30                                 # nose tip iBUG 30
    assert list(x[29:37]) == list(range(25 + 60, 25 + 68))  # inner lips iBUG 60-67
    assert list(x[37:58]) == list(range(95, 116)) and list(x[58:]) == list(range(116, 137))


@pytest.mark.parametrize("face", [468, 478])
def test_holistic_to_k79_tables(face):
    seq = to_k79(_indexed(f"mediapipe_holistic_{33 + face + 42}", 33 + face + 42))
    x = seq.keypoints[0, :, 0].astype(int)
    assert list(x[:11]) == [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16]
    assert list(x[11:28]) == [33 + i for i in MP_JAW] and x[19] == 33 + 152  # chin in the middle
    assert x[28] == 33 + 1
    assert list(x[29:37]) == [33 + i for i in MP_INNER_LIPS]
    assert x[37] == 33 + face and x[58] == 33 + face + 21


def test_every_table_is_a_permutation_free_of_duplicates():
    for name, idx in TO_K79.items():
        valid = idx[idx >= 0]
        assert len(valid) == len(set(valid.tolist())), name
        assert idx.shape == (K79.num_points,)


def test_missing_points_stay_missing():
    seq = _indexed("openpose_137", 137)
    conf = seq.confidence.copy()
    conf[0, 95:116] = 0  # left hand missing in frame 0
    k = to_k79(PoseSequence(seq.keypoints, conf, 25, "openpose_137", (2000, 2000)))
    assert (k.confidence[0, 37:58] == 0).all() and (k.keypoints[0, 37:58] == 0).all()
    assert (k.confidence[1, 37:58] == 1).all()


def test_unknown_layout_to_k79():
    from signpt.pose.layouts import Layout, register, LAYOUTS

    register(Layout("tmp_3", ("a", "b", "c"), {}, ()))
    try:
        with pytest.raises(PoseFormatError, match="no mapping"):
            to_k79(PoseSequence(np.zeros((1, 3, 2)), np.ones((1, 3)), 25, "tmp_3", (10, 10)))
    finally:
        del LAYOUTS["tmp_3"]


# ---- anatomy on real files ---------------------------------------------------------------------------------
def _pair_dist(kp, conf, a, b):
    """Per-frame |a - b| / shoulder width where a, b and both shoulders are present."""
    m = (conf[:, a] > 0) & (conf[:, b] > 0) & (conf[:, 5] > 0) & (conf[:, 6] > 0)
    sw = np.linalg.norm(kp[m, 5] - kp[m, 6], axis=-1)
    return np.linalg.norm(kp[m, a] - kp[m, b], axis=-1) / sw


def _check_anatomy(seq, *, wrist_tol=0.35):
    k = to_k79(seq)
    kp, c = k.keypoints, k.confidence
    both = (c[:, 5] > 0) & (c[:, 6] > 0)
    assert both.any()
    # frontal view: the signer's left shoulder is on the image right
    assert (kp[both, 5, 0] > kp[both, 6, 0]).mean() > 0.95
    checked = 0
    for wrist, root, other_wrist in ((9, 37, 10), (10, 58, 9)):
        same = _pair_dist(kp, c, wrist, root)
        if same.size:
            checked += 1
            assert np.median(same) < wrist_tol / 2 and np.quantile(same, 0.9) < wrist_tol, (wrist, same.max())
            cross = _pair_dist(kp, c, other_wrist, root)
            if cross.size:  # the hand root is much nearer its own wrist than the other one
                assert np.median(cross) > 2 * np.median(same) and np.median(cross) > wrist_tol
    assert checked, "no frame with a body wrist and its hand"
    # face: jaw runs from the signer's right (image left) to the left; chin below the mouth; mouth corners ordered
    f = (c[:, 11] > 0) & (c[:, 27] > 0) & (c[:, 19] > 0) & (c[:, 29] > 0) & (c[:, 33] > 0)
    if f.any():
        assert (kp[f, 11, 0] < kp[f, 27, 0]).all()
        assert (kp[f, 19, 1] > kp[f, 31, 1]).all()       # chin below the upper inner lip
        assert (kp[f, 29, 0] < kp[f, 33, 0]).all()       # right inner mouth corner left of the left one
        both_sh = f & both
        assert (kp[both_sh, 19, 1] < kp[both_sh, 5, 1]).all()  # chin above the shoulders (y down)
    return k


def test_anatomy_mediapipe(poses_dir):
    for name in ("mediapipe.pose", "mediapipe_long.pose"):
        seq = read_pose(poses_dir / name)
        assert seq.layout == "mediapipe_holistic_543"
        k = _check_anatomy(seq)
        # this file stores a reduced component set (8 body points, 128 face points): absent points are missing
        assert (k.confidence[:, 0] == 0).all() and (k.confidence[:, 28] == 0).all()
        assert (k.confidence[:, 11:28] > 0).all() and (k.confidence[:, 29:37] > 0).all()


def test_anatomy_openpose(poses_dir):
    seq = read_pose(poses_dir / "openpose.pose")
    assert seq.layout == "openpose_137"
    k = _check_anatomy(seq)
    # both hands are seen in this clip: the left-hand check really ran
    assert (k.confidence[:, 37] > 0).any() and (k.confidence[:, 58] > 0).any()
    m = (k.confidence[:, 28] > 0) & (k.confidence[:, 0] > 0)
    assert np.median(np.linalg.norm(k.keypoints[m, 28] - k.keypoints[m, 0], axis=-1)) < 5  # nose tip ~ body nose


def test_anatomy_fingerspelling(fingerspelling):
    for path in fingerspelling[::5]:
        seq = read_pose(path)
        assert seq.layout == "mediapipe_holistic_553" and seq.frame_size == (500, 500)
        k = _check_anatomy(seq, wrist_tol=0.25)
        assert (k.confidence[:, 58] > 0).mean() > 0.5   # these signers fingerspell with the right hand
        assert (k.confidence[:, 28] > 0).all()          # full 478-point face: nose tip present
