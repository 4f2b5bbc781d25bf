"""The synthetic-vs-real statistics (signpt.data.synth.realism) on hand-computed cases."""
from pathlib import Path

import numpy as np
import pytest

from signpt.data.synth import realism as R
from signpt.data.synth.generate import synth_clips

POSES = Path(__file__).parents[1].parent.parent / "shared" / "data" / "poses"


def test_wasserstein1_hand_computed():
    assert R.wasserstein1([0.0], [3.0]) == pytest.approx(3.0)
    assert R.wasserstein1([0.0, 1.0], [0.0, 2.0]) == pytest.approx(0.5)       # move mass 1/2 by 1
    assert R.wasserstein1([0.0, 0.0, 1.0], [0.0, 1.0, 1.0]) == pytest.approx(1 / 3)
    assert R.wasserstein1([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(0.0)
    # a shift by c moves everything by c
    x = np.random.default_rng(0).normal(size=200)
    assert R.wasserstein1(x, x + 0.7) == pytest.approx(0.7)


def test_distance_kinds():
    assert R.distance("rate", 0.1, 0.4) == pytest.approx(0.3)
    assert R.distance("abs", -0.5, 0.25) == pytest.approx(0.75)
    assert R.distance("count", 9.0, 19.0) == pytest.approx(np.log(2.0))
    assert R.distance("value", 2.0, 3.0) == pytest.approx(0.5)
    real = np.array([0.0, 2.0])                          # std 1
    assert R.distance("dist", real, real + 0.5) == pytest.approx(0.5)
    assert R.distance("dist", np.array([25.0]), np.array([30.0])) == pytest.approx(5 / 25)  # one value: relative
    assert np.isnan(R.distance("dist", np.array([]), np.array([1.0])))


def test_runs_and_fill_gaps():
    assert R.runs(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], bool)) == [2, 1, 3]
    assert R.runs(np.zeros(4, bool)) == []
    x = np.array([[0.0], [9.0], [9.0], [3.0], [9.0]])
    ok = np.array([True, False, False, True, False])
    np.testing.assert_allclose(R.fill_gaps(x, ok)[:, 0], [0, 1, 2, 3, 3])   # linear inside, held at the end
    assert np.isnan(R.fill_gaps(x, np.zeros(5, bool))).all()


def test_jitter_white_noise_and_smooth_motion():
    t = np.arange(4000, dtype=float)
    line = np.stack([0.01 * t, -0.02 * t], 1)            # constant velocity: no second difference
    ok = np.ones(len(t), bool)
    rms, _ = R.jitter(line, ok)
    assert rms == pytest.approx(0.0, abs=1e-9)
    noise = np.random.default_rng(1).normal(0, 0.1, line.shape)
    rms, corr = R.jitter(line + noise, ok)
    assert rms == pytest.approx(np.sqrt(1.5) * 0.1, rel=0.05)   # Var(e_t - (e_t-1 + e_t+1)/2) = 1.5 s^2
    assert corr == pytest.approx(-2 / 3, abs=0.04)              # Cov at lag 1 = -s^2
    # a frame that is not ok removes the three residuals that use it
    ok[10] = False
    r = R.hf_residual(line + noise, ok)
    assert np.isnan(r[8:11]).all() and np.isfinite(r[:8]).all() and np.isfinite(r[11:]).all()


def _hand(bend_index_mcp: float = 0.0) -> np.ndarray:
    """A flat 2-D hand: every finger a straight chain pointing up from its knuckle; optionally the fore
    finger bent by an angle at its knuckle (joint 5)."""
    h = np.zeros((21, 2))
    for f, chain in enumerate(R.FINGERS):
        base = np.array([-0.4 + 0.2 * f, -1.0])
        for k, j in enumerate(chain[1:]):
            h[j] = base + np.array([0.0, -0.3 * k])
    if bend_index_mcp:
        c, s = np.cos(bend_index_mcp), np.sin(bend_index_mcp)
        for j in (6, 7, 8):
            d = h[j] - h[5]
            h[j] = h[5] + np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
    return h


def test_bend_angles_hand_computed():
    straight = _hand()
    a = R.bend_angles(straight)
    assert a.shape == (15,)
    # inner joints of each chain: the first bends from the wrist->knuckle bone to the straight finger
    for f in range(5):
        base = straight[R.FINGERS[f][1]]
        first = np.arctan2(abs(base[0]), abs(base[1]))        # wrist at the origin, finger straight up
        assert a[3 * f] == pytest.approx(first, abs=1e-9)
        assert a[3 * f + 1] == pytest.approx(0.0, abs=1e-9) and a[3 * f + 2] == pytest.approx(0.0, abs=1e-9)
    bent = R.bend_angles(_hand(np.pi / 2))
    # the fore finger (chain 1) turns by 90 degrees at its knuckle: the knuckle's angle changes by pi/2
    fore_first = np.arctan2(abs(straight[5, 0]), abs(straight[5, 1]))
    assert bent[3] == pytest.approx(np.pi / 2 - fore_first, abs=1e-9) or bent[3] == pytest.approx(
        np.pi / 2 + fore_first, abs=1e-9)
    np.testing.assert_allclose(np.delete(bent, 3), np.delete(a, 3), atol=1e-9)
    # mirror image: same absolute angles
    np.testing.assert_allclose(R.bend_angles(straight * [-1, 1]), a, atol=1e-12)


def test_hand_proportions_hand_computed():
    # the flat hand: palm (wrist -> middle knuckle) 1.0, knuckles 0.2 apart, every finger chain 3 x 0.3
    flat = _hand()
    squashed = flat * [1.0, 0.5]               # the same hand tilted away: every 2-D length shorter
    frames = np.stack([flat] * 12 + [squashed] * 8)
    got = R.hand_proportions(frames)
    assert got["hand_palm_width"][0] == pytest.approx(0.6 / 1.0)
    assert got["hand_finger_length"][0] == pytest.approx(0.9 / 1.0)
    assert got["hand_thumb_length"][0] == pytest.approx(0.9 / 1.0)
    # scale-free, and too few frames measure nothing
    np.testing.assert_allclose(R.hand_proportions(frames * 7.0)["hand_finger_length"], got["hand_finger_length"])
    assert R.hand_proportions(frames[:R.HAND_BONE_FRAMES - 1]) == {}


def test_count_shapes():
    rng = np.random.default_rng(0)
    centres = np.array([np.zeros(15), np.full(15, 1.0), np.full(15, 2.0)])
    x = np.concatenate([c + rng.normal(0, 0.02, (20, 15)) for c in centres])
    n, gap = R.count_shapes(x[rng.permutation(len(x))], radius=0.3)
    assert n == 3
    assert gap == pytest.approx(1.0, abs=0.1)      # nearest other leader about 1 rad RMS away
    n, gap = R.count_shapes(np.zeros((5, 15)))
    assert n == 1 and np.isnan(gap)


def _clip(T: int = 20) -> R.Clip:
    """A hand-made k79 clip: shoulders 100 px apart, nose tip 50 px above them, a right hand that is lost in
    frames 5-7 and moves right by 10 px a frame, a left hand that is never seen."""
    kp = np.zeros((T, 79, 2))
    conf = np.zeros((T, 79))
    kp[:, 5] = (250, 300)
    kp[:, 6] = (150, 300)
    conf[:, [5, 6]] = 0.9
    kp[:, R.NOSE_TIP] = (200, 250)
    conf[:, R.NOSE_TIP] = 1.0
    hand = _hand() * 20 + np.array([100.0, 380.0])
    for t in range(T):
        kp[t, R.HANDS[1]] = hand + [10.0 * t, 0.0]
    conf[:, R.HANDS[1]] = 0.8
    conf[5:8, R.HANDS[1]] = 0.0
    kp[5:8, R.HANDS[1]] = 0.0
    return R.Clip(kp, conf, 25.0, "test", "hand-made", (500, 500))


def test_clip_stats_hand_made():
    c = _clip()
    assert R.shoulder_width(c.keypoints, c.confidence) == pytest.approx(100.0)
    assert R.dominant(c.confidence) == 1
    s = R.clip_stats(c)
    assert s["miss_frame.dom_hand"] == [3, 20]
    assert s["miss_frame.nd_hand"] == [20, 20]
    assert s["miss_runs.dom_hand"] == [3]
    assert s["miss_point.body"] == [11 * 20 - 40, 11 * 20]
    # wrist to middle knuckle (joint 9) = 20 px in a 100 px shoulder width
    np.testing.assert_allclose(s["hand_size"], 0.2)
    # the wrist moves 10 px a frame = 0.1 sw * 25 fps = 2.5 sw/s, interpolated through the lost frames
    np.testing.assert_allclose(s["wrist_speed"], 2.5)
    np.testing.assert_allclose(s["wrist_acc"], 0.0, atol=1e-9)
    # every frame but the first (no speed yet) is fast (> 2 sw/s); the hand sits 0.8 sw below the shoulder
    # line (not low)
    assert s["miss_given.fast"] == [3, 19]
    assert s["miss_given.low"] == [0, 0]
    assert s["nose_height"] == pytest.approx(0.5)
    assert s["sw_per_height"] == [0.2]
    pooled = R.pool([s, s])
    assert pooled["miss_frame.dom_hand"] == ("rate", 0.15)
    assert pooled["miss_run_mean.dom_hand"] == ("count", 3.0)
    assert pooled["nose_height"] == ("value", pytest.approx(0.5))


def test_synth_clips_match_generate(tmp_path):
    """The in-memory sample is what `generate` writes (same jobs, same numbers)."""
    from signpt.data.synth import generate
    from signpt.pose.io import read_pose
    import json

    out = generate(tmp_path / "s", preset="tiny", seed=3, curate=False, progress=False)
    rows = [json.loads(x) for x in open(out / "manifest.jsonl")]
    clips = synth_clips(3, seed=3, preset="tiny")
    pick = np.linspace(0, len(rows) - 1, 3).round().astype(int)
    from signpt.pose.layouts.k79 import COCO_TO_K79
    for c, i in zip(clips, pick):
        s = read_pose(out / rows[i]["pose"])
        np.testing.assert_array_equal(c.keypoints, s.keypoints[:, COCO_TO_K79])
        assert c.frame_size == tuple(s.frame_size)


@pytest.mark.skipif(not POSES.is_dir(), reason=f"real pose files not found at {POSES}")
def test_real_clips_estimators():
    clips = R.real_clips(POSES)
    est = {c.estimator for c in clips}
    assert est == {"mediapipe", "mediapipe-fs", "openpose", "rtmpose"}
    assert set(R.ESTIMATORS) == est | {"crowd"}      # crowd: the training data (realdata.crowd_clips)
    rtm = next(c for c in clips if c.estimator == "rtmpose")
    assert rtm.keypoints.shape == (126, 79, 2) and rtm.frame_size == (850, 720)
    s = R.pool([R.clip_stats(c) for c in clips if c.estimator == "rtmpose"])
    assert s["miss_frame.dom_hand"] == ("rate", 0.0)     # a top-down estimator reports every hand


def test_framing_hand_made():
    """The hand-made clip (500 x 500 frame, shoulders at y 300, x 150-250) plus ears, a body nose and an elbow
    below the frame: framing, head width, the body-nose fallback of nose_height and points beyond the edge."""
    c = _clip()
    kp, conf = c.keypoints.copy(), c.confidence.copy()
    kp[:, 3], kp[:, 4] = (220, 240), (180, 240)          # ears 40 px apart
    conf[:, [3, 4]] = 0.9
    kp[:, 8] = (140, 520)                                # right elbow beyond the bottom edge, still reported
    conf[:, 8] = 0.3
    s = R.clip_stats(R.Clip(kp, conf, 25.0, "test", "hand-made", (500, 500)))
    assert s["framing.sw_per_height"] == [0.2]
    assert s["framing.shoulder_y"] == [pytest.approx(0.6)] and s["framing.shoulder_x"] == [pytest.approx(0.4)]
    np.testing.assert_allclose(s["head_width"], 0.4)
    present = 5 * 20                                     # shoulders, ears, elbow in 20 frames
    assert s["outside.body"] == [20, present]
    pooled = R.pool([s, s])
    assert pooled["outside.body"] == ("rate", pytest.approx(0.2))
    assert pooled["framing.shoulder_x"][0] == "dist" and list(pooled["framing.shoulder_x"][1]) == [0.4, 0.4]
    # no nose tip (the crowd's face block is cut): the body's nose (k79 0) stands in
    conf[:, R.NOSE_TIP] = 0.0
    kp[:, R.NOSE] = (200, 240)
    conf[:, R.NOSE] = 1.0
    s = R.clip_stats(R.Clip(kp, conf, 25.0, "test", "hand-made", (500, 500)))
    assert s["nose_height"] == pytest.approx(0.6)
