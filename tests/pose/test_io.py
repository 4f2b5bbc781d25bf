import json
import pickle

import numpy as np
import pytest

from signpt.errors import PoseFormatError
from signpt.pose import PoseSequence, read_pose, to_k79, write_pose
from signpt.pose.io import DEFAULT_FPS


def _same(a: PoseSequence, b: PoseSequence, *, fps_tol=0.0):
    assert a.layout == b.layout and a.frame_size == b.frame_size
    assert abs(a.fps - b.fps) <= fps_tol
    np.testing.assert_array_equal(a.confidence, b.confidence)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)


def _random_seq(layout="coco_wholebody_133", k=133, t=7, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0, 640, (t, k, 2)).astype(np.float32)
    conf = rng.uniform(0.05, 1, (t, k)).astype(np.float32)
    conf[rng.uniform(size=(t, k)) < 0.2] = 0
    return PoseSequence(kp, conf, 29.97, layout, (640, 480), "mem")


def test_read_real_files(poses_dir, fingerspelling):
    mp = read_pose(poses_dir / "mediapipe.pose")
    assert mp.keypoints.shape == (170, 543, 2) and mp.fps == 24 and mp.frame_size == (1250, 1250)
    assert mp.meta["absent_points"] == 543 - 178
    op = read_pose(poses_dir / "openpose.pose")
    assert op.keypoints.shape == (93, 137, 2) and op.layout == "openpose_137"
    fs = read_pose(fingerspelling[0])
    assert fs.keypoints.shape[1] == 553 and fs.fps == 25  # world landmarks dropped
    # every present point has confidence in (0, 1]; missing points sit at 0
    for s in (mp, op, fs):
        assert ((s.confidence > 0) <= (s.confidence <= 1)).all()
        assert (s.keypoints[s.confidence == 0] == 0).all()


def test_pose_values_match_pose_format(poses_dir):
    """Person 0, x and y, masked -> missing: compared point by point with pose-format's own arrays."""
    from pose_format import Pose

    raw = Pose.read((poses_dir / "openpose.pose").read_bytes())
    seq = read_pose(poses_dir / "openpose.pose")
    data = raw.body.data[:, 0]
    present = ~np.ma.getmaskarray(data).any(-1) & (raw.body.confidence[:, 0] > 0)
    np.testing.assert_array_equal(seq.confidence > 0, present)
    np.testing.assert_array_equal(seq.keypoints[present], np.ma.getdata(data)[present][:, :2])


@pytest.mark.parametrize("ext", [".pose", ".npz", ".pkl", ".json"])
def test_round_trip_real(poses_dir, tmp_path, ext):
    seq = read_pose(poses_dir / "mediapipe.pose")
    write_pose(seq, tmp_path / f"x{ext}")
    back = read_pose(tmp_path / f"x{ext}", trusted=True)
    _same(seq, back)
    k = to_k79(seq)
    write_pose(k, tmp_path / f"k{ext}")
    _same(k, read_pose(tmp_path / f"k{ext}", trusted=True))


@pytest.mark.parametrize("layout,k", [("coco_wholebody_133", 133), ("openpose_137", 137),
                                      ("mediapipe_holistic_553", 553), ("k79", 79)])
def test_round_trip_every_layout_every_format(tmp_path, layout, k):
    seq = _random_seq(layout, k)
    for ext in (".pose", ".npz", ".npy", ".json", ".pkl"):
        write_pose(seq, tmp_path / f"a{ext}")
        back = read_pose(tmp_path / f"a{ext}", trusted=True, fps=29.97, frame_size=(640, 480))
        _same(seq, back)
        assert back.fps == 29.97


def test_round_trip_pose_npz_pose(fingerspelling, tmp_path):
    seq = read_pose(fingerspelling[1])
    write_pose(seq, tmp_path / "a.npz")
    write_pose(read_pose(tmp_path / "a.npz"), tmp_path / "b.pose")
    back = read_pose(tmp_path / "b.pose")
    _same(seq, back)
    # what we write is a normal pose-format file
    from pose_format import Pose

    p = Pose.read((tmp_path / "b.pose").read_bytes())
    assert [c.name for c in p.header.components] == ["POSE_LANDMARKS", "FACE_LANDMARKS", "LEFT_HAND_LANDMARKS",
                                                     "RIGHT_HAND_LANDMARKS"]


def test_round_trip_openpose_folder(poses_dir, tmp_path):
    seq = read_pose(poses_dir / "openpose.pose")
    write_pose(seq, tmp_path / "clip")
    files = sorted((tmp_path / "clip").glob("*_keypoints.json"))
    assert len(files) == seq.num_frames
    person = json.loads(files[0].read_text())["people"][0]
    assert len(person["pose_keypoints_2d"]) == 75 and len(person["face_keypoints_2d"]) == 210
    back = read_pose(tmp_path / "clip", fps=seq.fps, frame_size=seq.frame_size)
    _same(seq, back)
    with pytest.raises(PoseFormatError, match="frame size"):
        read_pose(tmp_path / "clip")
    with pytest.raises(PoseFormatError, match="refusing to overwrite"):
        write_pose(seq, tmp_path / "clip")
    with pytest.raises(PoseFormatError, match="openpose_137 layout only"):
        write_pose(to_k79(seq), tmp_path / "k79clip")


def test_openpose_folder_frame_without_people_is_missing(tmp_path):
    person = {"pose_keypoints_2d": [float(i) for i in range(75)], "face_keypoints_2d": [],
              "hand_left_keypoints_2d": [1.0, 2.0, 0.9] * 21, "hand_right_keypoints_2d": [0.0] * 63}
    for i, people in enumerate([[person], [], [person]]):
        (tmp_path / f"v_{i:012d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": people}))
    seq = read_pose(tmp_path, frame_size=(100, 100))
    assert seq.num_frames == 3 and seq.fps == DEFAULT_FPS
    assert (seq.confidence[1] == 0).all()
    np.testing.assert_array_equal(seq.keypoints[0, 1], [3.0, 4.0])   # body point 1 = values 3, 4, conf 5 -> 1 (clipped)
    assert (seq.confidence[0, 25:95] == 0).all()                     # no face
    assert (seq.confidence[0, 95:116] == np.float32(0.9)).all()
    assert (seq.confidence[0, 116:] == 0).all()                      # OpenPose writes undetected as 0,0,0


def test_pickle_formats(tmp_path):
    rng = np.random.default_rng(1)
    kps = [rng.uniform(0, 200, (1, 133, 2)).astype(np.float32) for _ in range(5)]
    scores = [rng.uniform(0.1, 1, (1, 133)).astype(np.float32) for _ in range(5)]
    path = tmp_path / "v.pkl"
    path.write_bytes(pickle.dumps({"keypoints": kps, "scores": scores}))
    with pytest.raises(PoseFormatError, match="v.pkl.*trust"):
        read_pose(path)
    with pytest.raises(PoseFormatError, match="frame size"):
        read_pose(path, trusted=True)
    seq = read_pose(path, trusted=True, frame_size=(210, 260), fps=25)
    assert seq.layout == "coco_wholebody_133" and seq.frame_size == (210, 260)
    np.testing.assert_array_equal(seq.keypoints, np.concatenate(kps)[:, :])
    np.testing.assert_array_equal(seq.confidence, np.concatenate(scores))
    # arrays (T, 1, 133, 2) work the same
    path.write_bytes(pickle.dumps({"keypoints": np.stack(kps), "scores": np.stack(scores)}))
    _same(seq, read_pose(path, trusted=True, frame_size=(210, 260), fps=25))
    # "infer": smallest frame holding every point
    inferred = read_pose(path, trusted=True, frame_size="infer")
    assert inferred.frame_size == tuple(int(np.ceil(v)) for v in np.concatenate(kps).reshape(-1, 2).max(0))


def test_mmpose_json_styles(tmp_path):
    kp = [[10.0 * i, 20.0 * i] for i in range(133)]
    frames = [{"frame_id": 0, "instances": [{"keypoints": kp, "keypoint_scores": [0.5] * 133},
                                            {"keypoints": [[0, 0]] * 133, "keypoint_scores": [1.0] * 133}]},
              {"frame_id": 1, "instances": []}]  # the inferencer's bare list: frame ids from 0
    (tmp_path / "a.json").write_text(json.dumps(frames))
    seq = read_pose(tmp_path / "a.json", frame_size=(1920, 1080))
    assert seq.num_frames == 2 and seq.layout == "coco_wholebody_133"
    np.testing.assert_array_equal(seq.keypoints[0], np.asarray(kp, np.float32))   # the larger person
    assert (seq.confidence[0] == 0.5).all() and (seq.confidence[1] == 0).all()
    old = [{"image_id": 7, "keypoints": sum(([x, y, 0.8] for x, y in kp), []), "score": 0.9},
           {"image_id": 7, "keypoints": [1.0, 1.0, 1.0] * 133, "score": 0.1},
           {"image_id": 3, "keypoints": [5.0, 6.0, 0.7] * 133, "score": 0.5}]
    (tmp_path / "b.json").write_text(json.dumps(old))
    seq = read_pose(tmp_path / "b.json", frame_size=(1920, 1080))
    assert seq.num_frames == 2
    np.testing.assert_array_equal(seq.keypoints[0, 0], [5.0, 6.0])                # image 3 first
    np.testing.assert_array_equal(seq.keypoints[1], np.asarray(kp, np.float32))    # highest score of image 7


def test_npy_and_npz(tmp_path):
    seq = _random_seq()
    write_pose(seq, tmp_path / "a.npy")
    back = read_pose(tmp_path / "a.npy", fps=29.97, frame_size=(640, 480))
    _same(seq, back)
    arr2 = np.asarray(seq.keypoints)
    np.save(tmp_path / "b.npy", arr2)
    b = read_pose(tmp_path / "b.npy", frame_size=(640, 480))
    assert (b.confidence == 1).all() and b.fps == DEFAULT_FPS
    write_pose(seq, tmp_path / "c.npz")
    _same(seq, read_pose(tmp_path / "c.npz"))
    np.savez(tmp_path / "d.npz", keypoints=seq.keypoints)  # no metadata: layout from K, size required
    with pytest.raises(PoseFormatError, match="frame size"):
        read_pose(tmp_path / "d.npz")


def test_nan_becomes_missing(tmp_path):
    kp = np.ones((3, 79, 2), np.float32) * 5
    kp[1, 40] = np.nan
    conf = np.ones((3, 79), np.float32)
    conf[2, 3] = np.nan
    np.savez(tmp_path / "n.npz", keypoints=kp, confidence=conf, frame_size=[10, 10])
    seq = read_pose(tmp_path / "n.npz")
    assert seq.layout == "k79"
    assert seq.confidence[1, 40] == 0 and (seq.keypoints[1, 40] == 0).all()
    assert seq.confidence[2, 3] == 0 and seq.confidence.sum() == 3 * 79 - 2


def test_wrong_keypoint_count(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros((4, 100, 2), np.float32))
    with pytest.raises(PoseFormatError, match=r"w\.npy.*100 points"):
        read_pose(tmp_path / "w.npy", frame_size=(10, 10))
    np.savez(tmp_path / "w.npz", keypoints=np.zeros((4, 133, 2)), layout="k79", frame_size=[10, 10])
    with pytest.raises(PoseFormatError, match=r"w\.npz.*'k79' has 79 keypoints, the data has 133"):
        read_pose(tmp_path / "w.npz")


def test_truncated_and_corrupt_pose(poses_dir, tmp_path):
    data = (poses_dir / "mediapipe.pose").read_bytes()
    cases = {"half.pose": data[: len(data) // 2], "end.pose": data[:-10], "head.pose": data[:200],
             "garbage.pose": np.random.default_rng(0).bytes(4000), "empty.pose": b""}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(PoseFormatError, match=rf"{name}: .*(truncated or corrupt)"):
            read_pose(tmp_path / name)


def test_truncated_and_corrupt_other_formats(tmp_path):
    seq = _random_seq()
    for ext in (".npz", ".npy", ".json", ".pkl"):
        write_pose(seq, tmp_path / f"a{ext}")
        blob = (tmp_path / f"a{ext}").read_bytes()
        (tmp_path / f"t{ext}").write_bytes(blob[: len(blob) // 2])
        with pytest.raises(PoseFormatError, match=rf"t\{ext}: "):
            read_pose(tmp_path / f"t{ext}", trusted=True, frame_size=(640, 480))
    with pytest.raises(PoseFormatError, match="no such file"):
        read_pose(tmp_path / "missing.pose")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(PoseFormatError, match=r"x\.txt: unknown pose file type"):
        read_pose(tmp_path / "x.txt")


def test_atomic_write_leaves_no_temporary(tmp_path):
    seq = _random_seq()
    for ext in (".pose", ".npz", ".npy", ".json", ".pkl"):
        write_pose(seq, tmp_path / f"a{ext}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"a{e}" for e in
                                                                (".pose", ".npz", ".npy", ".json", ".pkl"))
