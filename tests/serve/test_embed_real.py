"""signpt embed and the search-by-example upload on real files: MediaPipe and OpenPose .pose files, a folder of
fingerspelling clips, and a real video (pose extracted on the fly = the pose `signpt extract` writes)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from signpt.tasks.embed import embed, fixed_list_numpy

SHARED = Path(__file__).parents[1].parent.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"real data folder {SHARED} is absent")


def test_real_pose_files_and_a_folder(retrieval_ckpt):
    files = [SHARED / "poses" / "mediapipe.pose", SHARED / "poses" / "mediapipe_long.pose",
             SHARED / "poses" / "openpose.pose"]
    table = embed(files, retrieval_ckpt, progress=False)
    assert table.column("id").to_pylist() == [str(f) for f in files]
    fse = fixed_list_numpy(table.column("fse"))
    assert fse.shape == (3, 32) and np.isfinite(fse).all()
    folder = SHARED / "poses" / "fingerspelling"
    found = sorted(folder.rglob("*.pose"))
    table = embed([folder], retrieval_ckpt, progress=False)
    assert table.num_rows == len(found) > 20
    assert np.isfinite(fixed_list_numpy(table.column("pooled"))).all()


def test_upload_a_real_pose_file(server):
    import http.client
    import json
    import urllib.parse

    base, _ = server
    host = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    data = (SHARED / "poses" / "openpose.pose").read_bytes()
    conn.request("POST", "/api/search?k=3&filename=openpose.pose", body=data)
    r = conn.getresponse()
    res = json.loads(r.read())
    conn.close()
    assert r.status == 200 and len(res["results"]) == 3 and res["query"] == "openpose.pose"


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                    reason="mediapipe is not installed (pip install 'signpt[extract]')")
def test_a_real_video_equals_its_extracted_pose(retrieval_ckpt, tmp_path):
    from signpt.extract import extract, output_path

    video = SHARED / "videos" / "doctor_001.mp4"
    extract([video], tmp_path / "poses", progress=False)
    pose = output_path(tmp_path / "poses", Path(video.name))
    from_video = embed([video], retrieval_ckpt, progress=False)
    from_pose = embed([pose], retrieval_ckpt, progress=False)
    assert from_video.column("id").to_pylist() == [str(video)]
    # two MediaPipe runs on one video differ in the last digits of some points (~1e-4 in the features)
    np.testing.assert_allclose(fixed_list_numpy(from_video.column("fse")), fixed_list_numpy(from_pose.column("fse")),
                               atol=1e-3)
