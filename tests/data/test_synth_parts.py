"""Synthetic corpus building blocks: hand model, lexicon, minimal pairs, grammar, anatomy."""
from dataclasses import replace

import numpy as np
import pytest

from signpt.data.synth import grammar
from signpt.data.synth.body import Proportions, skeleton_points
from signpt.data.synth.hand import (HANDSHAPES, clamp_joints, handshape_angles, hand_points, orientation_quat, quat_to_matrix,
                                    rotation_from_vectors)
from signpt.data.synth.lexicon import CONCEPTS, build_lexicon, gloss_of
from signpt.data.synth.motion import compose, rest_frames, stroke_frames
from signpt.data.synth.signers import make_signer, observe
from signpt.pose.layouts.coco133 import FACE0, LHAND0, RHAND0
from signpt.pose.layouts.k79 import COCO_INDICES

K79_FACE = [i for i in COCO_INDICES if FACE0 <= i < FACE0 + 68]


def test_hand_kinematics_bone_lengths_and_shapes():
    # bone lengths do not depend on the joint angles
    p_open, p_fist = hand_points(handshape_angles("5")), hand_points(handshape_angles("S"))
    for f in range(5):
        j = [0] + list(range(1 + 4 * f, 5 + 4 * f))
        if f == 0:
            j = j[1:]
        lo = np.linalg.norm(np.diff(p_open[j], axis=0), axis=1)
        lf = np.linalg.norm(np.diff(p_fist[j], axis=0), axis=1)
        np.testing.assert_allclose(lo, lf, atol=1e-9)
    # an extended fore finger is straight and long; a closed one ends near the palm
    tip_ext = np.linalg.norm(hand_points(handshape_angles("1"))[8])
    tip_fist = np.linalg.norm(hand_points(handshape_angles("A"))[8])
    assert tip_ext > 0.16 and tip_fist < 0.11
    # every handshape is distinct in its joint positions
    pts = np.stack([hand_points(handshape_angles(h)) for h in HANDSHAPES])
    d = np.linalg.norm((pts[:, None] - pts[None]).reshape(len(HANDSHAPES), len(HANDSHAPES), -1), axis=-1)
    assert (d + np.eye(len(HANDSHAPES)) > 0.01).all()
    # every manual-alphabet letter with a handshape of its own (H = U, P = K, Q = G, J = I, Z = 1 by
    # orientation / movement), and the numbers
    letters = set("ABCDEFGIKLMNORSTUVWXY") | {"3", "4", "5", "8"}
    assert letters <= set(HANDSHAPES) and len(HANDSHAPES) <= 40
    # and within the anatomical joint limits
    for h in HANDSHAPES:
        np.testing.assert_array_equal(clamp_joints(handshape_angles(h)), handshape_angles(h))


def test_orientation_rotation_is_proper_and_points_fingers():
    for name in ("fwd_up", "down_fwd", "back_in"):
        r = quat_to_matrix(orientation_quat(name))
        np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(r) == pytest.approx(1.0)
    r = rotation_from_vectors((0, -1, 0), (0, 0, -1))  # fingers up, palm to the camera
    np.testing.assert_allclose(r, [[1, 0, 0], [0, -1, 0], [0, 0, -1]], atol=1e-12)
    tip = hand_points(handshape_angles("1"))[8] @ r.T
    assert tip[1] < -0.15     # fore finger tip above the wrist (y down)
    thumb = hand_points(handshape_angles("5"))[4] @ r.T
    assert thumb[0] > 0.05    # right hand, palm forward: thumb towards the image right (the midline)


def test_lexicon_deterministic_unique_and_minimal_pairs():
    a = build_lexicon("sl-alpha", "en", seed=3)
    b = build_lexicon("sl-alpha", "en", seed=3)
    assert a.signs == b.signs and a.handshape_pairs == b.handshape_pairs
    c = build_lexicon("sl-alpha", "en", seed=4)
    assert a.signs != c.signs
    assert len(a.signs) == len(CONCEPTS) >= 100
    keys = [s.key() for s in a.signs.values()]
    assert len(set(keys)) == len(keys), "two concepts share a sign"
    assert len(a.handshape_pairs) >= 8 and len(a.nonmanual_pairs) >= 5
    for x, y in a.handshape_pairs:
        sx, sy = a.signs[x], a.signs[y]
        assert sx.handshape != sy.handshape
        assert replace(sy, concept=x, handshape=sx.handshape, end_handshape=sx.end_handshape,
                       mouthing=sx.mouthing) == sx  # minimal in the manual parameters; mouthings are the words
    for x, y in a.nonmanual_pairs:
        sx, sy = a.signs[x], a.signs[y]
        assert sx.nonmanual != sy.nonmanual
        assert replace(sy, concept=x, nonmanual=sx.nonmanual, mouthing=sx.mouthing) == sx
    # languages differ, but share some cognates
    beta = build_lexicon("sl-beta", "de", seed=3)
    same = sum(a.signs[k].key() == beta.signs[k].key() for k in a.signs)
    assert 0 < same < len(a.signs) / 2


def test_glosses_unique_per_language():
    for sp in ("en", "de", "es"):
        g = [gloss_of(c.id, sp) for c in CONCEPTS]
        assert len(set(g)) == len(g)
        assert all(" " not in x and x == x.upper() for x in g)


def _points_of(sign, props, seed):
    rng = np.random.default_rng(seed)
    track, _ = compose([rest_frames(3, props, rng), stroke_frames(sign, props, rng), rest_frames(3, props, rng)],
                       props, rng, (4, 6))
    return skeleton_points(track, props)


def test_minimal_pairs_differ_only_in_their_channel():
    lex = build_lexicon("sl-alpha", "en", seed=0)
    props = Proportions()
    hands = list(range(LHAND0, LHAND0 + 21)) + list(range(RHAND0, RHAND0 + 21))
    fingers = [i for i in hands if i not in (LHAND0, RHAND0)]
    body = list(range(0, 13))
    face = list(range(FACE0, FACE0 + 68))
    for x, y in lex.handshape_pairs:  # (with the same mouthing: mouthings are the words, see test_synth_mouthing)
        px = _points_of(lex.signs[x], props, 7)
        py = _points_of(replace(lex.signs[y], mouthing=lex.signs[x].mouthing), props, 7)
        np.testing.assert_allclose(px[:, body + face], py[:, body + face], atol=1e-9)
        assert np.abs(px[:, fingers] - py[:, fingers]).max() > 0.01  # metres
    for x, y in lex.nonmanual_pairs:
        px, py = _points_of(lex.signs[x], props, 7), _points_of(lex.signs[y], props, 7)
        np.testing.assert_allclose(px[:, hands + list(range(5, 13))], py[:, hands + list(range(5, 13))], atol=1e-9)
        # visible in the 79-point layout's face points (contour, nose tip, inner lips), not only brows
        assert np.abs(px[:, K79_FACE] - py[:, K79_FACE]).max() > 0.004


def test_anatomy_sides_and_wrists():
    lex = build_lexicon("sl-alpha", "en", seed=0)
    one = next(s for s in lex.signs.values() if s.hands == "one" and s.movement == "straight")
    for left_handed in (False, True):
        signer = replace(make_signer("t", np.random.default_rng(1)), left_handed=left_handed, miss_rate=0.0,
                         low_conf_rate=0.0, drop_rate=0.0)
        rng = np.random.default_rng(2)
        p = signer.props
        track, _ = compose([rest_frames(4, p, rng), stroke_frames(one, p, rng), rest_frames(4, p, rng)], p, rng, (5, 6))
        pts = skeleton_points(track, p, left_handed=left_handed)
        kp, conf = observe(pts, signer, np.random.default_rng(3))
        # signer's left is the image right: shoulders, and wrists at rest
        assert (kp[:, 5, 0] > kp[:, 6, 0]).all()
        assert kp[0, 9, 0] > kp[0, 10, 0] and kp[0, LHAND0, 0] > kp[0, RHAND0, 0]
        # hand roots sit on the wrists (up to detector noise, pixels)
        for wrist, root in ((9, LHAND0), (10, RHAND0)):
            ok = (conf[:, wrist] > 0) & (conf[:, root] > 0)
            assert np.median(np.linalg.norm(kp[ok, wrist] - kp[ok, root], axis=1)) < 6.0
        # the dominant hand does the moving
        travel = [np.abs(np.diff(pts[:, w, :2], axis=0)).sum() for w in (9, 10)]
        assert (travel[0] > 3 * travel[1]) == left_handed and (travel[1] > 3 * travel[0]) == (not left_handed)
        # face above the shoulders, hands below the eyes at rest
        assert kp[:, FACE0 + 8, 1].max() < kp[:, 5:7, 1].min()


def _hand_made_plans():
    C = grammar.Clause
    return [
        (grammar.Plan([C("trans", subj="man", verb="buy", obj="book")], time="yesterday"),
         "YESTERDAY MAN BOOK BUY", "The man bought a book yesterday.", "Gestern kaufte der Mann ein Buch.",
         "Ayer el hombre compró un libro."),
        (grammar.Plan([C("intr", subj="child", subj_adj="tired", verb="go", place="school", neg=True)],
                      time="tomorrow"),
         "TOMORROW CHILD TIRED SCHOOL GO NOT", "The tired child will not go to the school tomorrow.",
         "Morgen wird das müde Kind nicht zur Schule gehen.", "Mañana el niño cansado no va a ir a la escuela."),
        (grammar.Plan([C("trans", subj="woman", verb="see", obj="teacher", obj_adj="happy")], yesno=True),
         "WOMAN TEACHER HAPPY SEE", "Does the woman see the happy teacher?",
         "Sieht die Frau den glücklichen Lehrer?", "¿La mujer ve al profesor contento?"),
        (grammar.Plan([C("what", subj="father", verb="eat")], time="yesterday"),
         "YESTERDAY FATHER EAT WHAT", "What did the father eat yesterday?", "Was aß der Vater gestern?",
         "¿Qué comió el padre ayer?"),
    ]


@pytest.mark.parametrize("case", range(4))
def test_translations_hand_checked(case):
    plan, gloss, en, de, es = _hand_made_plans()[case]
    assert " ".join(grammar.glosses_of(plan, "sl-alpha", "en")) == gloss
    assert grammar.translate(plan, "en") == en
    assert grammar.translate(plan, "de") == de
    assert grammar.translate(plan, "es") == es


def test_gloss_orders_differ_between_languages():
    plan = _hand_made_plans()[0][0]
    assert grammar.glosses_of(plan, "sl-beta", "de") == ["GESTERN", "BUCH", "MANN", "KAUFEN"]
    neg = grammar.Plan([grammar.Clause("trans", subj="man", verb="buy", obj="book", neg=True)])
    assert grammar.glosses_of(neg, "sl-gamma", "es") == ["HOMBRE", "LIBRO", "NO", "COMPRAR"]


def test_random_sentences_reorder_and_add_function_words():
    rng = np.random.default_rng(0)
    function = {"en": {"the", "a", "an", "is", "was", "will", "does", "did", "to", "in", "not", "be", "and"},
                "de": {"der", "die", "das", "den", "dem", "ein", "eine", "einen", "ist", "wird", "zur", "zum", "im"},
                "es": {"el", "la", "un", "una", "a", "al", "en", "es", "está", "va", "y"}}
    reordered = 0
    n = 300
    for _ in range(n):
        plan = grammar.random_plan(rng)
        concepts = grammar.concepts_of(plan, "sl-alpha")
        assert 3 <= len(concepts) <= 10
        text = grammar.translate(plan, "en")
        words = text.lower().strip(".?").split()
        lemmas = [CONCEPTS_BY_ID[c].word("en") for c in concepts]
        # position of each gloss's word in the translation (first occurrence of its lemma or an inflection)
        pos = [next((i for i, w in enumerate(words) if w.startswith(l[:3])), -1) for l in lemmas]
        if pos != sorted(pos) or -1 in pos:
            reordered += 1
        for sp in ("en", "de", "es"):
            t = grammar.translate(plan, sp).lower().strip("¿?.").replace("?", "").split()
            assert set(t) & function[sp], (sp, t)
        assert not {"THE", "A", "IS"} & set(grammar.glosses_of(plan, "sl-alpha", "en"))
    assert reordered > 0.5 * n


CONCEPTS_BY_ID = {c.id: c for c in CONCEPTS}
