"""signpt.pose.mirror: left-right mirroring of k79 poses."""
import numpy as np
import torch

from signpt.pose.layouts.k79 import K79
from signpt.pose.mirror import MIRROR_K79, mirror_k79


def test_permutation_is_an_anatomical_involution():
    assert sorted(MIRROR_K79.tolist()) == list(range(79))
    assert (MIRROR_K79[MIRROR_K79] == np.arange(79)).all()
    names = K79.names
    swap = lambda n: n.replace("left", "@").replace("right", "left").replace("@", "right")  # noqa: E731
    for i, n in enumerate(names):                          # every left/right named point meets its partner
        if "left" in n or "right" in n:
            assert names[MIRROR_K79[i]] == swap(n), n
    assert names[MIRROR_K79[0]] == names[0]                # nose
    contour = [i for i, n in enumerate(names) if n.startswith("face_contour_")]
    assert [names[MIRROR_K79[i]] for i in contour] == [names[i] for i in contour[::-1]]  # jaw end for end
    mouth = [i for i, n in enumerate(names) if n.startswith("mouth_inner_")]   # iBUG 60..67
    assert [int(names[MIRROR_K79[i]].rsplit("_", 1)[1]) for i in mouth] == [4, 3, 2, 1, 0, 7, 6, 5]


def test_edges_map_to_edges():
    """Mirroring is an automorphism of the skeleton graph: every bone maps onto a bone."""
    edges = {frozenset(e) for e in K79.edges}
    assert {frozenset((int(MIRROR_K79[a]), int(MIRROR_K79[b]))) for a, b in K79.edges} == edges


def test_mirror_values_numpy_and_torch():
    rng = np.random.default_rng(0)
    pose = rng.random((3, 79, 2)).astype(np.float32)
    conf = np.ones((3, 79), np.float32)
    conf[1, 40] = 0.0                                       # a missing left-hand point
    pose[1, 40] = 0.0
    m, c = mirror_k79(pose, conf)
    right = 58 + (40 - 37)                                  # its counterpart on the right hand
    assert c[1, right] == 0 and (m[1, right] == 0).all()    # stays missing, value untouched
    np.testing.assert_allclose(m[0, 10], [1 - pose[0, 9, 0], pose[0, 9, 1]])   # right wrist <- left wrist
    np.testing.assert_allclose(m[2, 0], [1 - pose[2, 0, 0], pose[2, 0, 1]])    # nose stays, x flipped
    back, cb = mirror_k79(m, c)
    np.testing.assert_allclose(back, pose, atol=1e-6)  # 1 - (1 - x) in float32
    np.testing.assert_array_equal(cb, conf)
    tm, tc = mirror_k79(torch.from_numpy(pose), torch.from_numpy(conf))
    np.testing.assert_allclose(tm.numpy(), m)
    np.testing.assert_array_equal(tc.numpy(), c)


def test_mirror_pixels_then_normalise_equals_mirror_of_normalised():
    """Mirroring stored pixels, then normalising (hands to their own boxes), is mirroring the normalised pose."""
    from signpt.pose.mirror import mirror_pixels
    from signpt.pose.normalise import normalise

    rng = np.random.default_rng(1)
    size = (640, 480)
    kp = (rng.random((4, 79, 2)) * np.array(size)).astype(np.float32)
    conf = rng.uniform(0.3, 1.0, (4, 79)).astype(np.float32)
    conf[2, 60:70] = 0.0                                    # part of a right hand missing in one frame
    kp[2, 60:70] = 0.0
    a, _ = normalise(*mirror_pixels(kp, conf, size), size)
    b, cb = mirror_k79(*normalise(kp, conf, size)[:1], conf)
    present = cb > 0
    np.testing.assert_allclose(np.asarray(a)[present], np.asarray(b)[present], atol=1e-5)
