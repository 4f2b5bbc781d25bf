"""signpt extract on a real signing clip: a person is found, hands on most frames, the file reads back."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).parents[1].parent.parent / "shared" / "data"
pytestmark = [
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"real data folder {SHARED} is absent"),
    pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                       reason="mediapipe is not installed (pip install 'signpt[extract]')"),
]
CLIP = SHARED / "videos" / "doctor_001.mp4"  # 62 frames, 1280x720, one signer


def test_extract_real_clip_resumable_with_failure_report(tmp_path):
    from pose_format import Pose
    from pose_format.utils.holistic import holistic_components

    from signpt.cli.main import main
    from signpt.pose import read_pose

    videos = tmp_path / "videos"
    (videos / "sub").mkdir(parents=True)
    (videos / "sub" / "doctor_001.mp4").symlink_to(CLIP)
    (videos / "broken.mp4").write_bytes(b"this is not a video")
    out = tmp_path / "poses"
    rc = main(["extract", str(videos), "--out", str(out), "--max-side", "256", "--quiet"])
    assert rc == 1  # one video failed, the run went on
    report = json.loads((out / "extract-report.json").read_text())
    assert report["done"] == 1 and [Path(f["video"]).name for f in report["failures"]] == ["broken.mp4"]
    pose_path = out / "sub" / "doctor_001.pose"
    # same components as pose-format's own load_holistic header
    with open(pose_path, "rb") as f:
        pose = Pose.read(f.read())
    assert [c.name for c in pose.header.components] == [c.name for c in holistic_components("XYZC")]
    assert (pose.header.dimensions.width, pose.header.dimensions.height) == (256, 144)  # 1280x720 scaled
    seq = read_pose(pose_path)
    assert seq.layout == "mediapipe_holistic_543" and seq.num_frames == 62 and abs(seq.fps - 29.976) < 0.01
    body = seq.confidence[:, :33]
    assert (body[:, 11:13] > 0.5).all()                               # both shoulders on every frame
    hands = np.maximum(seq.confidence[:, 501:522].max(1), seq.confidence[:, 522:543].max(1)) > 0
    assert hands.mean() > 0.8                                          # a hand on most frames of a signing clip
    xy = seq.keypoints[:, :33][body > 0.5]
    assert (xy[:, 0] >= 0).all() and (xy[:, 0] <= 256).all() and (xy[:, 1] <= 144 * 1.5).all()
    # rerun: the done video is skipped, the broken one is retried and listed again
    mtime = pose_path.stat().st_mtime_ns
    assert main(["extract", str(videos), "--out", str(out), "--quiet"]) == 1
    report = json.loads((out / "extract-report.json").read_text())
    assert report["skipped_existing"] == 1 and report["done"] == 0 and len(report["failures"]) == 1
    assert pose_path.stat().st_mtime_ns == mtime
