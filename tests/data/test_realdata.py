"""Reading the real training data for calibration (signpt.data.synth.realdata) and what was fitted on it.
Tests that read ../shared/data/real skip when it is absent."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from signpt.data.synth import handfit as F
from signpt.data.synth import realdata as RD
from signpt.data.synth.hand import FITTED, GEOMETRIES, hand_points, handshape_angles

REAL = Path(__file__).parents[2].parent / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real training data {REAL} is absent (../shared)")
RECIPE = Path(__file__).parents[2] / "recipes" / "crowd.yaml"


def test_calibration_never_reads_dev_or_test():
    for bad in (("dev",), ("train", "test")):
        with pytest.raises(ValueError, match="calibration reads only"):
            RD.crowd_records(RECIPE, splits=bad)


def test_aspect_ratio_from_anatomy():
    """Hands seen in a 16:9 frame (x as a fraction of the width): the ratio that makes palm ratios constant."""
    rng = np.random.default_rng(0)
    hands = []
    for s in range(80):
        q, r = np.linalg.qr(rng.normal(size=(3, 3)))
        p = hand_points(handshape_angles("5")) @ (q * np.sign(np.diag(r))).T
        hands.append(p / np.array([16 / 9, 1.0, 16 / 9]) * 0.5 + 0.5)
    assert RD.aspect_ratio(np.stack(hands)) == pytest.approx(16 / 9, abs=0.02)
    assert np.isnan(RD.aspect_ratio(np.stack(hands[:10])))


@needs_real
def test_crowd_records_are_training_people_only():
    splits = yaml.safe_load(RECIPE.read_text())["sources"][0]["options"]["splits"]
    held = set(splits["dev"]) | set(splits["test"])
    recs = RD.crowd_records(RECIPE)
    assert recs and {r.split for r in recs} <= {"train", "pretrain"}
    assert not {r.meta["collection"] for r in recs} & held


@needs_real
def test_asl_ai_is_raw_mediapipe_fractions():
    """Its README says wrist-centred and scaled; the file holds image fractions (the wrist is not at 0)."""
    x, labels, r = RD.asl_ai_hands()
    raw = np.load(RD.asl_ai_path())["X"]
    assert np.abs(raw[:, 0, :2]).min() > 0.05 and raw[..., :2].min() >= 0.0 and raw[..., :2].max() <= 1.0
    assert r == pytest.approx(16 / 9) and len(set(labels.tolist())) == 26
    np.testing.assert_allclose(x[..., 0], raw[..., 0] * r, rtol=1e-6)


@needs_real
def test_crowd_letters_and_the_stored_fit():
    """The crowd's letter people (10 letters or more, ASL); the stored handshapes are a fit of these targets:
    each fitted letter is nearer its real target than the composed one was, as hand_fitted.py records."""
    shapes = RD.crowd_letter_shapes(RECIPE)
    people = {p for v in shapes.values() for p in v}
    assert len(people) == 7 and set(shapes) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    asl, _ = RD.asl_ai_shapes()
    both = F.letter_targets({k: {**{p: s * F.MIRROR for p, s in asl.get(k, {}).items()}, **shapes.get(k, {})}
                             for k in FITTED})
    from signpt.data.synth.hand import composed_angles
    for n in FITTED:
        after = F.distance(hand_points(handshape_angles(n), geometry=GEOMETRIES["mediapipe"]), both[n])
        before = F.distance(hand_points(composed_angles(n)), both[n])
        assert after < 0.21 and after < before
