"""Estimator profiles of the synthetic generator: noise process, confidences, hand losses, frame rates."""
from dataclasses import replace

import numpy as np
import pytest

from signpt.data.synth import realism as R
from signpt.data.synth.generate import synth_clips
from signpt.data.synth.body import skeleton_points
from signpt.data.synth.generate import PRESETS, generate, lexicons, make_signers, plan_jobs, produce
from signpt.data.synth.hand import JOINT_LIMITS, clamp_joints
from signpt.data.synth.lexicon import build_lexicon
from signpt.data.synth.motion import rest_frames, stroke_frames
from signpt.data.synth.signers import PROFILES, make_signer, observe
from signpt.errors import ConfigError
from signpt.pose.layouts.coco133 import LHAND0, RHAND0


def _static(profile: str, T: int = 400, seed: int = 1):
    """A signer holding still with the hands in front of the chest: what the estimator adds is all there is."""
    signer = replace(make_signer("t", np.random.default_rng(seed), profile), drop_rate=0.0, low_conf_rate=0.0)
    p = signer.props
    track = rest_frames(T, p, np.random.default_rng(0))
    track["dom_pos"][:] = (-0.08, 0.12, -0.3)
    track["nd_pos"][:] = (-0.08, 0.12, -0.3)
    pts = skeleton_points(track, p)
    return signer, pts


@pytest.mark.parametrize("profile, corr", [("wholebody", -2 / 3), ("openpose", -2 / 3), ("mediapipe", None)])
def test_noise_process(profile, corr):
    signer, pts = _static(profile)
    # no sway: the hands and body stand still, so the second-difference residual is the estimator noise
    rng = np.random.default_rng(5)
    kp, conf = observe(pts, signer, rng)
    sw = signer.props.shoulder_width * signer.scale
    rms, c = R.jitter(kp[:, RHAND0 + 8] / sw, conf[:, RHAND0 + 8] > 0)
    if corr is None:   # MediaPipe's tracker smooths: correlated noise, far from the -2/3 of white noise
        assert c > -0.45
    else:
        assert c == pytest.approx(corr, abs=0.12)
    # a top-down hand crop turns about the wrist: the finger tips jitter more than the wrist
    tip = R.jitter(kp[:, RHAND0 + 12] / sw, conf[:, RHAND0 + 12] > 0)[0]
    root = R.jitter(kp[:, RHAND0] / sw, conf[:, RHAND0] > 0)[0]
    if profile == "wholebody":
        assert tip > 2 * root


def test_confidences_and_losses_per_profile():
    out = {}
    for profile in PROFILES:
        signer, pts = _static(profile, T=300)
        kp, conf = observe(pts, signer, np.random.default_rng(2))
        out[profile] = conf
    hands = np.r_[LHAND0:LHAND0 + 42]
    mp = out["mediapipe"][:, hands]
    assert set(np.unique(mp)) <= {0.0, 1.0}                       # presence-only hand scores
    wb = out["wholebody"][:, hands]
    assert (wb > 0).all() and 0.6 < np.median(wb) < 0.85           # never loses a hand in the frame
    op = out["openpose"][:, hands]
    assert np.quantile(op[op > 0], 0.05) < 0.1                     # broad, low hand scores


def test_mediapipe_loses_hands_when_low():
    signer, pts = _static("mediapipe", T=300)
    signer = replace(signer, miss_rate=1.0)
    low = rest_frames(300, signer.props, np.random.default_rng(0))   # hands resting in the lap
    kp, conf = observe(skeleton_points(low, signer.props), signer, np.random.default_rng(3))
    lost_low = (conf[:, RHAND0:RHAND0 + 21] == 0).all(1).mean()
    kp, conf = observe(pts, signer, np.random.default_rng(3))
    lost_up = (conf[:, RHAND0:RHAND0 + 21] == 0).all(1).mean()
    assert lost_low > 0.7 and lost_up < 0.05


def test_joint_limits_in_strokes():
    lim = JOINT_LIMITS
    np.testing.assert_array_equal(clamp_joints(np.full((5, 4), 10.0)), lim[..., 1])
    np.testing.assert_array_equal(clamp_joints(np.full((5, 4), -10.0)), lim[..., 0])
    lex = build_lexicon("sl-alpha", "en", seed=0)
    props = make_signer("t", np.random.default_rng(0)).props
    rng = np.random.default_rng(1)
    for sign in list(lex.signs.values())[:60]:
        a = stroke_frames(sign, props, rng, jitter=3.0)["dom_hand"]
        assert (a >= lim[..., 0] - 1e-12).all() and (a <= lim[..., 1] + 1e-12).all()


def test_profile_deterministic_and_distinct():
    pre = PRESETS["tiny"]
    lex = lexicons(0)
    res = {}
    for profile in ("wholebody", "mediapipe"):
        signers = make_signers(pre, 0, profile)
        by_id = {s.id: s for g in signers.values() for pool in g.values() for s in pool}
        job = plan_jobs(pre, 0, signers)[0]
        a = produce(job, lex[job.sign_language], by_id[job.signer], 0)
        b = produce(job, lex[job.sign_language], by_id[job.signer], 0)
        np.testing.assert_array_equal(a[0], b[0])
        res[profile] = a
    assert not np.array_equal(res["wholebody"][1], res["mediapipe"][1])


def test_frame_rate_resamples_motion():
    """A 30 fps camera records the same signing in 1.2 times the frames."""
    pre = PRESETS["tiny"]
    lex = lexicons(0)
    signers = make_signers(pre, 0, "mediapipe")
    by_id = {s.id: s for g in signers.values() for pool in g.values() for s in pool}
    job = plan_jobs(pre, 0, signers)[0]
    s = by_id[job.signer]
    n = {}
    for fps in (25.0, 30.0):
        kp, conf = produce(job, lex[job.sign_language], replace(s, fps=fps, drop_rate=0.0), 0)
        n[fps] = len(kp)
    assert n[30.0] == pytest.approx(1.2 * n[25.0], abs=1)


def test_generate_profile_marker(tmp_path):
    out = generate(tmp_path / "c", preset="tiny", seed=0, curate=False, progress=False, profile="openpose")
    assert (out / "synth.json").read_text() == '{"preset": "tiny", "seed": 0, "profile": "openpose"}'
    with pytest.raises(ConfigError, match="synth.json"):
        generate(out, preset="tiny", seed=0, curate=False, progress=False)
    with pytest.raises(ConfigError, match="unknown estimator profile"):
        generate(tmp_path / "d", preset="tiny", seed=0, curate=False, progress=False, profile="kinect")


def test_default_profile_closer_to_real_top_down_than_before():
    """Proportions now match estimator keypoints: face width 0.45 shoulder widths (real: 0.44-0.46)."""
    clips = synth_clips(30, seed=0, preset="tiny")
    s = R.pool([R.clip_stats(c) for c in clips])
    assert 0.42 < s["face_width"][1] < 0.48
    assert 0.2 < np.median(s["hand_size"][1]) < 0.32


def test_cli_profile(tmp_path):
    import json

    from signpt.cli.main import main

    assert main(["synth", "--out", str(tmp_path / "m"), "--preset", "tiny", "--no-curate", "--quiet",
                 "--profile", "mediapipe"]) == 0
    assert json.loads((tmp_path / "m" / "synth.json").read_text())["profile"] == "mediapipe"
    row = json.loads((tmp_path / "m" / "manifest.jsonl").read_text().splitlines()[0])
    conf = np.load(tmp_path / "m" / row["pose"])["confidence"]
    assert set(np.unique(conf[:, LHAND0:])) <= {0.0, 1.0}


def test_webcam_profile_perspective_framing_and_edges():
    """mediapipe-webcam: a near camera shows a hand in front of the body larger; body points beyond the frame
    edge are reported with a low visibility, hands beyond it are not; MediaPipe's hand geometry; 640 x 480."""
    from signpt.data.synth.hand import GEOMETRIES

    prof = PROFILES["mediapipe-webcam"]
    signer = replace(make_signer("w", np.random.default_rng(3), "mediapipe-webcam"), drop_rate=0.0, noise=0.0)
    assert signer.frame_size == (640, 480) and signer.fps == 30.0
    assert prof.camera[0] <= signer.camera <= prof.camera[1]
    assert signer.props.hand_geometry == "mediapipe" and "mediapipe" in GEOMETRIES
    sw_px = signer.props.shoulder_width * signer.scale
    assert prof.sw_height[0] <= sw_px / 480 <= prof.sw_height[1]
    pts = np.full((10, 133, 3), np.nan)
    pts[:, 5], pts[:, 6] = (-0.17, 0.02, 0.0), (0.17, 0.02, 0.0)            # shoulders, on the body plane
    pts[:, 7] = (-0.2, 5.0, 0.0)                                              # an elbow far below the frame
    pts[:, RHAND0:RHAND0 + 21] = np.array([0.0, -0.05, -0.3]) + np.linspace(0, 0.02, 21)[:, None]
    pts[:, RHAND0 + 9, 1] -= 0.05
    kp, conf = observe(pts, signer, np.random.default_rng(0))
    seen = conf[:, RHAND0] > 0
    near = np.median(np.linalg.norm(kp[seen, RHAND0 + 9] - kp[seen, RHAND0], axis=-1))
    flat = replace(signer, camera=0.0)
    kp0, conf0 = observe(pts, flat, np.random.default_rng(0))
    seen0 = conf0[:, RHAND0] > 0
    assert seen.any() and seen0.any()
    far = np.median(np.linalg.norm(kp0[seen0, RHAND0 + 9] - kp0[seen0, RHAND0], axis=-1))
    # 0.3 m in front of a camera `camera` metres away: larger by camera / (camera - 0.3), give or take the jitter
    assert near / far == pytest.approx(signer.camera / (signer.camera - 0.3), rel=0.1)
    sh = np.linalg.norm(kp[:, 5] - kp[:, 6], axis=-1)
    np.testing.assert_allclose(sh, np.linalg.norm(kp0[:, 5] - kp0[:, 6], axis=-1), rtol=0.05)   # body plane: same
    assert (kp[:, 7, 1] > 480).all() and (conf[:, 7] > 0).all() and (conf[:, 7] < 1).all()
    # another profile drops what lies beyond the edge
    other = replace(make_signer("m", np.random.default_rng(3), "mediapipe"), drop_rate=0.0)
    _, c2 = observe(pts, other, np.random.default_rng(0))
    assert (c2[:, 7] == 0).all()


def test_webcam_profile_is_deterministic():
    a = synth_clips(3, seed=2, preset="tiny", profile="mediapipe-webcam")
    b = synth_clips(3, seed=2, preset="tiny", profile="mediapipe-webcam")
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.keypoints, y.keypoints)
        np.testing.assert_array_equal(x.confidence, y.confidence)
    assert all(c.frame_size == (640, 480) for c in a)


def test_handshape_inventory_follows_the_profile():
    """The letters fitted to real hands come with the profile fitted to real training people; the profiles
    fitted to the test files keep the composed inventory (the default corpus does not move)."""
    from signpt.data.synth import hand as H
    from signpt.data.synth.body import Proportions
    from signpt.data.synth.motion import rest_frames

    assert PROFILES["mediapipe-webcam"].handshapes == "fitted"
    assert {PROFILES[p].handshapes for p in ("wholebody", "mediapipe", "openpose")} == {"composed"}
    fitted, composed = H.handshape_angles("A", "fitted"), H.handshape_angles("A", "composed")
    assert abs(fitted - composed).max() > 0.05 and (composed == H.composed_angles("A")).all()
    rng = np.random.default_rng(0)
    for inv in H.INVENTORIES:
        track = rest_frames(3, Proportions(handshapes=inv), rng)
        np.testing.assert_array_equal(track["dom_hand"][0], H.handshape_angles("relax", inv))
    with pytest.raises(KeyError, match="unknown handshape inventory"):
        H.handshape_angles("A", "measured")
