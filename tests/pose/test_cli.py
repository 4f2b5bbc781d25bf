import numpy as np

from signpt.cli.main import main
from signpt.pose import read_pose, to_k79


def test_convert_keeps_values(poses_dir, tmp_path):
    src = poses_dir / "openpose.pose"
    assert main(["convert", str(src), str(tmp_path / "a.npz")]) == 0
    a, orig = read_pose(tmp_path / "a.npz"), read_pose(src)
    np.testing.assert_array_equal(a.keypoints, orig.keypoints)
    assert main(["convert", str(src), str(tmp_path / "k.pose"), "--layout", "k79"]) == 0
    k = read_pose(tmp_path / "k.pose")
    assert k.layout == "k79"
    np.testing.assert_array_equal(k.keypoints, to_k79(orig).keypoints)


def test_convert_normalise_and_errors(poses_dir, tmp_path, capsys):
    src = poses_dir / "mediapipe.pose"
    assert main(["convert", str(src), str(tmp_path / "n.npz"), "--normalise"]) == 0
    from signpt.pose import denormalise, load_normalised

    n, c, info, fps = load_normalised(tmp_path / "n.npz")
    k = to_k79(read_pose(src))
    np.testing.assert_allclose(denormalise(n, info)[c > 0], k.keypoints[k.confidence > 0], atol=1e-3)
    assert main(["convert", str(src), str(tmp_path / "n.pose"), "--normalise"]) == 2
    np.save(tmp_path / "x.npy", np.zeros((3, 133, 2), np.float32))
    assert main(["convert", str(tmp_path / "x.npy"), str(tmp_path / "y.npz")]) == 2
    assert "frame size" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "x.npy"), str(tmp_path / "y.npz"), "--frame-size", "640", "480",
                 "--fps", "30"]) == 0
    y = read_pose(tmp_path / "y.npz")
    assert y.frame_size == (640, 480) and y.fps == 30


def test_show(poses_dir, tmp_path):
    assert main(["show", str(poses_dir / "mediapipe.pose"), "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert main(["show", str(poses_dir / "mediapipe.pose"), "--out", str(tmp_path / "s.gif"), "--max-frames", "5",
                 "--layout", "k79"]) == 0
    assert (tmp_path / "s.gif").stat().st_size > 1000
