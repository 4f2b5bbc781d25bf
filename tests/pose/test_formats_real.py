"""Pose files as the field distributes them: the real Uni-Sign-family pickle, and files written the way Uni-Sign,
MMPose's demo and inferencer, and OpenHands write them (from real poses), through read_pose -> k79 -> render."""
import json
import pickle

import numpy as np
import pytest

from signpt.errors import PoseFormatError
from signpt.pose import read_pose, render, to_k79
from signpt.pose.io.people import boxes_from_points, choose_signer
from signpt.pose.render import PART_COLOURS
from test_convert import _check_anatomy
from test_render import _colour_pixels


@pytest.fixture(scope="module")
def lis(poses_dir):
    path = poses_dir / "formats" / "uni_sign_lis" / "12_10_2023_0.pkl"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    with open(path, "rb") as f:
        raw = pickle.load(f)  # the reference: the file's own nested lists
    return path, raw


def test_real_uni_sign_pickle(lis, tmp_path):
    path, raw = lis
    with pytest.raises(PoseFormatError, match="refusing to unpickle"):
        read_pose(path)
    seq = read_pose(path, trusted=True)
    kp, sc = np.asarray(raw["keypoints"], np.float32), np.asarray(raw["scores"], np.float32)
    assert kp.shape == (126, 1, 133, 2) and raw["w_h"] == [850, 720]
    assert seq.layout == "coco_wholebody_133" and seq.frame_size == (850, 720) and seq.num_frames == 126
    np.testing.assert_array_equal(seq.keypoints, kp[:, 0])  # pixels, unchanged
    assert sc.max() > 1  # RTMPose's SimCC scores exceed 1 on some points: clipped to [0, 1]
    np.testing.assert_array_equal(seq.confidence, np.clip(sc[:, 0], 0, 1))
    assert not seq.meta["divided_by_frame_size"]
    k = _check_anatomy(seq)
    png = render(k, tmp_path / "lis.png")
    from PIL import Image

    with Image.open(png) as im:
        assert _colour_pixels(im, PART_COLOURS["left_hand"]) > 0 and _colour_pixels(im, PART_COLOURS["right_hand"]) > 0


def test_uni_sign_writer_divides_by_frame_size(lis, tmp_path):
    _, raw = lis
    w, h = raw["w_h"]
    # Uni-Sign's pose extraction: one (1, 133, 2) float array a frame, divided by (W, H), no w_h
    frames = [np.asarray(f, np.float32) / np.array([w, h], np.float32) for f in raw["keypoints"]]
    scores = [np.asarray(s, np.float32) for s in raw["scores"]]
    path = tmp_path / "upstream.pkl"
    with open(path, "wb") as f:
        pickle.dump({"keypoints": frames, "scores": scores}, f)
    with pytest.raises(PoseFormatError, match=r"divided by the frame size.*frame_size"):
        read_pose(path, trusted=True)
    seq = read_pose(path, trusted=True, frame_size=(w, h))
    assert seq.meta["divided_by_frame_size"] and seq.frame_size == (w, h)
    np.testing.assert_allclose(seq.keypoints, np.asarray(raw["keypoints"], np.float32)[:, 0], atol=1e-3)
    # the same arrays with w_h (the LIS variant written as arrays) need no argument
    with open(path, "wb") as f:
        pickle.dump({"keypoints": frames, "scores": scores, "w_h": [w, h]}, f)
    np.testing.assert_allclose(read_pose(path, trusted=True).keypoints, seq.keypoints, atol=1e-4)


def _bystander(frame_kp: np.ndarray, shift) -> np.ndarray:
    """A smaller person beside the signer: the signer's points shrunk to 40 % and moved."""
    c = frame_kp.mean(0)
    return (frame_kp - c) * 0.4 + c + np.asarray(shift, np.float32)


def test_mmpose_demo_and_inferencer_json_with_several_people(lis, tmp_path):
    _, raw = lis
    kp = np.asarray(raw["keypoints"], np.float32)[:, 0]
    sc = np.asarray(raw["scores"], np.float32)[:, 0]
    rng = np.random.default_rng(0)
    frames = []
    for t in range(len(kp)):
        signer = {"keypoints": kp[t].tolist(), "keypoint_scores": sc[t].tolist(),
                  "bbox": [[float(kp[t, :, 0].min()), float(kp[t, :, 1].min()),
                            float(kp[t, :, 0].max()), float(kp[t, :, 1].max())]], "bbox_score": 0.9}
        other = _bystander(kp[t], (-330, -150))
        bystander = {"keypoints": other.tolist(), "keypoint_scores": sc[t].tolist(),
                     "bbox": [[float(other[:, 0].min()), float(other[:, 1].min()),
                               float(other[:, 0].max()), float(other[:, 1].max())]], "bbox_score": 0.95}
        people = [signer, bystander]
        rng.shuffle(people)  # detection order: not stable
        frames.append({"frame_id": t + 1, "instances": people})
    demo = {"meta_info": {"dataset_name": "coco_wholebody", "num_keypoints": 133}, "instance_info": frames}
    (tmp_path / "demo.json").write_text(json.dumps(demo))
    seq = read_pose(tmp_path / "demo.json", frame_size=(850, 720))
    assert seq.num_frames == 126 and seq.meta["people"] == 2
    np.testing.assert_array_equal(seq.keypoints, kp)  # the signer in every frame, whatever the order
    _check_anatomy(seq)
    # the inferencer's bare list: frame ids from 0; a frame without an entry is a missing frame
    bare = [dict(f, frame_id=f["frame_id"] - 1) for f in frames if f["frame_id"] != 11]
    (tmp_path / "inferencer.json").write_text(json.dumps(bare))
    seq = read_pose(tmp_path / "inferencer.json", frame_size=(850, 720))
    assert seq.num_frames == 126 and (seq.confidence[10] == 0).all()
    np.testing.assert_array_equal(seq.keypoints[:10], kp[:10])
    np.testing.assert_array_equal(seq.keypoints[11:], kp[11:])


def test_signer_choice_is_consistent_not_person_zero():
    # signer: a big central box drifting slowly; bystander: small, at the edge, larger for 2 frames
    t = 12
    boxes = np.full((t, 3, 4), np.nan)
    for i in range(t):
        boxes[i, 0] = [300 + i, 100, 560 + i, 700]      # signer
        boxes[i, 1] = [20, 300, 120, 450]               # bystander
    boxes[4:6, 1] = [0, 0, 700, 300]                    # the bystander briefly covers more of the frame
    boxes[8, 0] = np.nan                                 # the signer is not detected in frame 8
    boxes[9, 2] = [600, 200, 640, 260]                  # a third, tiny person
    order = np.random.default_rng(3).permuted(np.tile(np.arange(3), (t, 1)), axis=1)
    shuffled = np.take_along_axis(boxes, order[..., None], axis=1)
    choice = choose_signer(shuffled, (860, 720))
    chosen = shuffled[np.arange(t), np.clip(choice, 0, None)]
    expect = [i for i in range(t) if i != 8]
    np.testing.assert_array_equal(chosen[expect], boxes[expect, 0])  # always the signer
    assert choice[8] == -1                                            # missing, not the bystander
    # boxes from points: low-confidence points are left out
    kp = np.array([[[[0, 0], [10, 20], [500, 500]]]], np.float32)
    conf = np.array([[[0.9, 0.8, 0.1]]], np.float32)
    np.testing.assert_array_equal(boxes_from_points(kp, conf)[0, 0], [0, 0, 10, 20])


def test_openhands_pose_pickle(fingerspelling, tmp_path):
    src = read_pose(fingerspelling[0])  # real MediaPipe Holistic 553: body 0-32, face, hands 511-552
    assert src.layout == "mediapipe_holistic_553"
    w, h = src.frame_size
    idx = list(range(33)) + list(range(511, 553))
    # OpenHands' generate_pose.py: MediaPipe's normalised x, y, z for body + both hands, visibility / 1 / 0
    xyz = np.zeros((src.num_frames, 75, 3), np.float32)
    xyz[..., :2] = src.keypoints[:, idx] / np.array([w, h], np.float32)
    xyz[..., 2] = -0.1
    conf = src.confidence[:, idx].copy()
    xyz[conf == 0] = 0
    path = tmp_path / "clip.pkl"
    with open(path, "wb") as f:
        pickle.dump({"keypoints": xyz, "confidences": conf}, f, protocol=4)
    with pytest.raises(PoseFormatError, match="refusing"):
        read_pose(path)
    with pytest.raises(PoseFormatError, match="OpenHands.*frame_size"):
        read_pose(path, trusted=True)
    seq = read_pose(path, trusted=True, frame_size=(w, h))
    assert seq.layout == "mediapipe_holistic_75" and seq.num_frames == src.num_frames
    k, ref = to_k79(seq), to_k79(src)
    body_hands = list(range(11)) + list(range(37, 79))
    np.testing.assert_allclose(k.keypoints[:, body_hands], ref.keypoints[:, body_hands], atol=1e-3)
    np.testing.assert_array_equal(k.confidence[:, body_hands], ref.confidence[:, body_hands])
    assert (k.confidence[:, 11:37] == 0).all()  # no face in OpenHands files: missing, not invented
    _check_anatomy(seq, wrist_tol=0.25)
    with open(path, "wb") as f:
        pickle.dump({"keypoints": xyz[:, :70], "confidences": conf[:, :70]}, f)
    with pytest.raises(PoseFormatError, match=r"\(T, 75, 3\)"):
        read_pose(path, trusted=True, frame_size=(w, h))


def test_openpose_folder_with_a_bystander_listed_first(poses_dir, tmp_path):
    from signpt.pose import write_pose

    src = read_pose(poses_dir / "openpose.pose")
    write_pose(src, tmp_path / "clip")
    for f in sorted((tmp_path / "clip").glob("*_keypoints.json")):
        obj = json.loads(f.read_text())
        signer = obj["people"][0]
        trip = np.asarray(signer["pose_keypoints_2d"], np.float32).reshape(-1, 3)
        small = trip.copy()
        present = small[:, 2] > 0
        small[present, :2] = (small[present, :2] - small[present, :2].mean(0)) * 0.3 + [40, 40]
        other = {k: ([] if k != "pose_keypoints_2d" else small.reshape(-1).tolist()) for k in signer}
        obj["people"] = [other, signer]  # OpenPose's order is no signal
        f.write_text(json.dumps(obj))
    seq = read_pose(tmp_path / "clip", frame_size=src.frame_size)
    assert seq.meta["people"] == 2
    np.testing.assert_allclose(seq.keypoints, src.keypoints, atol=1e-4)


def test_convert_cli_on_the_real_uni_sign_pickle(lis, tmp_path, capsys):
    from signpt.cli.main import main

    path, raw = lis
    assert main(["convert", str(path), str(tmp_path / "k.npz"), "--layout", "k79"]) == 2  # not trusted
    assert "trusted" in capsys.readouterr().err
    assert main(["convert", str(path), str(tmp_path / "k.npz"), "--layout", "k79", "--trusted"]) == 0
    k = read_pose(tmp_path / "k.npz")
    assert k.layout == "k79" and k.frame_size == (850, 720) and k.num_frames == 126
    np.testing.assert_array_equal(k.keypoints, to_k79(read_pose(path, trusted=True)).keypoints)


def test_uni_sign_pickle_with_a_varying_number_of_people(lis, tmp_path):
    _, raw = lis
    kp = np.asarray(raw["keypoints"], np.float32)[:, 0]
    sc = np.asarray(raw["scores"], np.float32)[:, 0]
    frames, scores = [], []
    for t in range(len(kp)):
        if t % 3 == 0:  # a second, smaller person detected first in every third frame
            frames.append(np.stack([_bystander(kp[t], (300, -200)), kp[t]]))
            scores.append(np.stack([sc[t], sc[t]]))
        else:
            frames.append(kp[t][None])
            scores.append(sc[t][None])
    path = tmp_path / "people.pkl"
    with open(path, "wb") as f:
        pickle.dump({"keypoints": frames, "scores": scores, "w_h": raw["w_h"]}, f)
    seq = read_pose(path, trusted=True)
    assert seq.meta["people"] == 2
    np.testing.assert_array_equal(seq.keypoints, kp)
