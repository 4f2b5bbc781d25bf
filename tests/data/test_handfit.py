"""Fitting the hand model to 3-D hands (signpt.data.synth.handfit) and the fitted inventory (hand_fitted.py)."""
import numpy as np
import pytest

from signpt.data.synth import handfit as F
from signpt.data.synth.hand import (FITTED, GEOMETRIES, HANDSHAPES, JOINT_LIMITS, MODEL_GEOMETRY, composed_angles,
                                    hand_points, handshape_angles)


def _rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def _seen(points: np.ndarray, seed: int = 0) -> np.ndarray:
    """The same hand turned, scaled and moved."""
    return 2.7 * points @ _rotation(seed).T + np.array([0.3, -1.0, 4.0])


def test_procrustes_distance_ignores_pose_not_mirror():
    a = hand_points(handshape_angles("L"))
    assert F.distance(a, _seen(a, 1)) == pytest.approx(0.0, abs=1e-9)
    assert F.distance(a, _seen(a * F.MIRROR, 2)) > 0.1          # a left hand is not a turned right hand
    aligned, d = F.align(_seen(a, 3), a)
    np.testing.assert_allclose(aligned, F.normalise(a), atol=1e-9)
    assert F.distance(a, hand_points(handshape_angles("S"))) > 0.2
    # hand-computed: a square (+-1, +-1) against a 2 : 1 rectangle (+-2, +-1), both at unit RMS radius: the best
    # scale of the square is 3 / sqrt(10), leaving a squared residual 1 - 9 / 10 per point: distance sqrt(0.1)
    square = np.array([[1.0, 1, 0], [1, -1, 0], [-1, 1, 0], [-1, -1, 0]])
    rect = square * [2.0, 1.0, 1.0]
    assert F.distance(square, _seen(rect, 6)) == pytest.approx(np.sqrt(0.1), abs=1e-9)


def test_fit_recovers_known_angles():
    truth = composed_angles("F").copy()
    truth[1, 1] += 0.3                                           # not a shape of the inventory
    truth[0, 0] -= 0.2
    target = _seen(hand_points(truth), 4)
    theta, d = F.fit_angles(target, [composed_angles("5")], prior=0.0)
    assert d < 1e-3
    np.testing.assert_allclose(theta, truth, atol=np.radians(1.0))
    assert ((theta >= JOINT_LIMITS[..., 0]) & (theta <= JOINT_LIMITS[..., 1])).all()


def test_fit_matches_brute_force_on_one_joint():
    """One free angle (fore finger PIP): the fit from a far start lands where a 0.25-degree grid search does."""
    truth = composed_angles("1").copy()
    truth[1, 2] = np.radians(62.0)
    target = _seen(hand_points(truth), 5)
    grid = np.radians(np.arange(0.0, 108.75, 0.25))
    trials = np.repeat(truth[None], len(grid), 0)
    trials[:, 1, 2] = grid
    brute = grid[np.argmin(F.distance(hand_points(trials), np.broadcast_to(F.normalise(target), (len(grid), 21, 3))))]
    start = truth.copy()
    start[1, 2] = 0.0
    theta, _ = F.fit_angles(target, [start], prior=0.0)
    assert np.degrees(theta[1, 2]) == pytest.approx(np.degrees(brute), abs=0.3)
    assert np.degrees(brute) == pytest.approx(62.0, abs=0.25)


def test_fit_stays_within_joint_limits():
    """A target no hand can make (a finger bent backwards) is fitted with angles at the limit, not beyond."""
    bad = composed_angles("B").copy()
    bad[2, 1] = -1.2                                             # middle finger MCP far past its -0.35 limit
    theta, _ = F.fit_angles(hand_points(bad), [composed_angles("B")], prior=0.0)
    assert theta[2, 1] == pytest.approx(JOINT_LIMITS[2, 1, 0], abs=1e-6)


def test_mean_shapes():
    a = hand_points(handshape_angles("C"))
    copies = np.stack([_seen(a, s) * (1 + 0.1 * s) for s in range(6)])
    assert F.distance(F.mean_shape(copies), a) == pytest.approx(0.0, abs=1e-8)
    with_nan = np.concatenate([copies, np.full((1, 21, 3), np.nan)])
    assert F.distance(F.mean_shape(with_nan), a) == pytest.approx(0.0, abs=1e-8)
    # robust: two outliers of ten are dropped (keep 0.8)
    out = np.stack([_seen(hand_points(handshape_angles("5")), 9), _seen(hand_points(handshape_angles("S")), 8)])
    mixed = np.concatenate([np.stack([_seen(a, s) for s in range(8)]), out])
    assert F.distance(F.robust_mean(mixed), a) < 1e-6
    assert F.distance(F.mean_shape(mixed), a) > 0.02


def test_letter_targets_count_each_person_once():
    x, y = hand_points(handshape_angles("B")), hand_points(handshape_angles("5"))
    t = F.letter_targets({"Q": {"many": np.stack([_seen(x, s) for s in range(20)]), "one": y[None]}})["Q"]
    assert F.distance(t, x) == pytest.approx(F.distance(t, y), rel=0.05)


def test_looks_mirrored():
    shapes = {n: np.stack([_seen(hand_points(handshape_angles(n)) * F.MIRROR, s) for s in range(3)])
              for n in ("A", "B", "C", "L", "Y")}
    assert F.looks_mirrored(shapes, composed_angles)[:2] == (True, 5)
    right = {n: s * F.MIRROR for n, s in shapes.items()}
    assert F.looks_mirrored(right, composed_angles)[:2] == (False, 0)


def test_fit_geometry_recovers_a_known_hand():
    truth = F.geometry_from_vector(F.geometry_vector(MODEL_GEOMETRY) * np.r_[np.ones(15), np.full(15, 1.15)]
                                   + np.r_[0.01, 0, 0.005, np.zeros(27)])
    names = ("5", "S", "L", "C", "F", "bent5", "horns", "X")
    angles = np.stack([composed_angles(n) for n in names])
    targets = np.stack([_seen(hand_points(a, geometry=truth), i) for i, a in enumerate(angles)])
    before = F.distance(hand_points(angles), F.normalise(targets))
    g, d = F.fit_geometry(targets, angles)
    assert d.max() < 0.1 * before.max() and d.max() < 0.01
    assert F.palm_length(g) == pytest.approx(F.palm_length(MODEL_GEOMETRY))
    # the fingers are 15 % longer relative to the palm, as made (the palm length is the model's)
    ratio = np.asarray(g.finger_len) / np.asarray(MODEL_GEOMETRY.finger_len)
    assert np.median(ratio) == pytest.approx(1.15 * F.palm_length(MODEL_GEOMETRY) / F.palm_length(truth), rel=0.05)


def test_fitted_inventory():
    assert set(FITTED) <= set(HANDSHAPES) and len(FITTED) == 21
    assert all(len(n) == 1 and n.isalpha() for n in FITTED)          # the ASL letters of the inventory
    for n in HANDSHAPES:
        a = handshape_angles(n)
        assert ((a >= JOINT_LIMITS[..., 0]) & (a <= JOINT_LIMITS[..., 1])).all()
        assert np.array_equal(a, composed_angles(n)) == (n not in FITTED)
    assert GEOMETRIES["model"] is MODEL_GEOMETRY and GEOMETRIES["mediapipe"] != MODEL_GEOMETRY
    assert F.palm_length(GEOMETRIES["mediapipe"]) == pytest.approx(F.palm_length(MODEL_GEOMETRY), abs=2e-4)


def test_synthetic_letters_take_another_inventory():
    """real_poses.synthetic_letters with `angles` holds those handshapes instead (the benchmarks' "before")."""
    from signpt.pipeline.real_poses import synthetic_letters

    kw = dict(signers=1, frames=4, shapes=("B", "5"))
    now = synthetic_letters(**kw)
    before = synthetic_letters(**kw, angles={n: composed_angles(n) for n in ("B", "5")})
    assert [c.letter for c in now] == [c.letter for c in before] == ["b", "5"]
    assert not np.array_equal(now[0].pose, before[0].pose)           # B was fitted
    np.testing.assert_array_equal(now[1].pose, before[1].pose)        # 5 was not
