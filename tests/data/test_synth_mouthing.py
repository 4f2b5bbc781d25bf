"""Mouthings of the synthetic sign languages (the spoken word's lip pattern on many signs)."""
import numpy as np

from signpt.data.synth.body import NM_CHANNELS
from signpt.data.synth.lexicon import CONCEPT, MOUTHING_RATE, build_lexicon
from signpt.data.synth.motion import mouthing, stroke_frames

OPEN, WIDTH, PRESS = (NM_CHANNELS.index(n) for n in ("mouth_open", "mouth_width", "mouth_press"))


def test_mouthing_lip_targets_by_hand():
    # "mama": m a m a -> 4 lip targets at s = 1/8, 3/8, 5/8, 7/8; at s = 1/2 halfway between /a/ and /m/:
    # open (0.8 + 0) / 2, width (0 + 0.1) / 2, press (0 + 1) / 2, under an envelope of 1
    s = np.array([0.0, 3 / 8, 0.5, 5 / 8, 1.0])
    nm = mouthing("mama", s)
    np.testing.assert_allclose(nm[2, [OPEN, WIDTH, PRESS]], [0.4, 0.05, 0.5], atol=1e-12)
    np.testing.assert_allclose(nm[1, [OPEN, WIDTH, PRESS]], [0.8, 0.0, 0.0], atol=1e-12)  # /a/
    np.testing.assert_allclose(nm[3, [OPEN, WIDTH, PRESS]], [0.0, 0.1, 1.0], atol=1e-12)  # /m/
    assert (nm[[0, -1]] == 0).all()  # the envelope starts and ends at rest
    others = [i for i in range(len(NM_CHANNELS)) if i not in (OPEN, WIDTH, PRESS)]
    assert (nm[:, others] == 0).all()  # lips only
    np.testing.assert_allclose(mouthing("mama", s, 0.5), 0.5 * nm)


def test_lexicon_mouthings_are_the_spoken_words_at_the_category_rates():
    for sl, sp in (("sl-alpha", "en"), ("sl-beta", "de")):
        lex = build_lexicon(sl, sp, seed=0)
        nouns = [c for c in lex.signs if CONCEPT[c].category in ("thing", "person", "place", "animal")]
        mouthed = [c for c in nouns if lex.signs[c].mouthing]
        assert 0.6 < len(mouthed) / len(nouns) < 0.95  # rate 0.8 on nouns
        for c in mouthed:
            assert lex.signs[c].mouthing == CONCEPT[c].word(sp).lower()
        assert not lex.signs["not"].mouthing and MOUTHING_RATE["neg"] == 0.0
    assert build_lexicon("sl-alpha", "en", seed=0).signs == build_lexicon("sl-alpha", "en", seed=0).signs


def test_a_mouthed_sign_moves_the_lips():
    from dataclasses import replace

    from signpt.data.synth.body import Proportions

    lex = build_lexicon("sl-alpha", "en", seed=0)
    sign = replace(next(s for s in lex.signs.values() if s.mouthing), nonmanual="none")
    plain = replace(sign, mouthing="")
    lips = [stroke_frames(x, Proportions(), np.random.default_rng(3))["nm"][:, [OPEN, WIDTH, PRESS]]
            for x in (sign, plain)]
    assert (lips[1] == 0).all()
    # realised with probability 0.85 per token: over a few tokens at least one shows the mouthing
    shown = [np.abs(stroke_frames(sign, Proportions(), np.random.default_rng(k))["nm"][:, [OPEN, WIDTH, PRESS]])
             .max() for k in range(6)]
    assert max(shown) > 0.2
