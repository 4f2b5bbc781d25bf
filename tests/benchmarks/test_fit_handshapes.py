"""benchmarks/fit_handshapes.py on hand-made hands: the retrieval score, the mirroring of left hands, and the
module it writes (hand_fitted.py) read back."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from signpt.data.synth import handfit as F
from signpt.data.synth.hand import HANDSHAPES, MODEL_GEOMETRY, composed_angles, hand_points

spec = importlib.util.spec_from_file_location(
    "fit_handshapes", Path(__file__).parents[2] / "benchmarks" / "fit_handshapes.py")
fh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fh)


def test_retrieval_by_hand():
    g, gn = fh.gallery({}, MODEL_GEOMETRY)
    assert g.shape == (len(HANDSHAPES), 21, 3) and gn == list(HANDSHAPES)
    # queries: the exact L (hit), a B labelled "C" (miss), and a letter the inventory lacks (not asked)
    q = hand_points(np.stack([composed_angles("L"), composed_angles("B"), composed_angles("B")]))
    r = fh.retrieval(q, ["L", "C", "J"], g, gn)
    assert r["queries"] == 2 and r["top1"] == pytest.approx(0.5)
    assert 0.5 < r["mrr"] < 0.75                       # 1 for the L, 1 / rank of C (at best 1/2) for the B


def test_right_hands_mirrors_a_left_handed_person():
    src = {n: {"lefty": hand_points(composed_angles(n))[None] * F.MIRROR,
               "righty": hand_points(composed_angles(n))[None]} for n in ("A", "B", "C", "L", "Y")}
    out = fh.right_hands("test", src, progress=None)
    for n, people in out.items():
        for p in ("lefty", "righty"):
            assert F.distance(people[p][0], hand_points(composed_angles(n))) < 1e-9


def test_write_module_reads_back(tmp_path):
    angles = {"B": composed_angles("B") + 0.01, "A": composed_angles("A")}
    path = tmp_path / "fitted.py"
    fh.write_module(path, angles, MODEL_GEOMETRY, {"A": 0.1, "B": 0.2}, {"A": 0.3, "B": 0.4}, "a test")
    ns: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)
    assert set(ns["FITTED_DEG"]) == {"A", "B"}
    np.testing.assert_allclose(np.radians(ns["FITTED_DEG"]["B"]), angles["B"], atol=np.radians(0.05))
    np.testing.assert_allclose(ns["MEDIAPIPE_GEOMETRY"]["finger_len"], MODEL_GEOMETRY.finger_len, atol=5e-5)
    assert "B: 0.400 -> 0.200" in ns["__doc__"]
    assert max(len(line) for line in path.read_text().splitlines()) <= 120
