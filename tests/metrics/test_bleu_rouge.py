"""BLEU (sacrebleu settings of the SLT literature) and ROUGE-L (COCO-caption formula)."""
import math
import random
from collections import Counter

import pytest
from sacrebleu.metrics import BLEU

from signpt.metrics import bleu, rouge_l, rouge_l_sentence, translation_scores
from signpt.metrics.bleu_rouge import lcs_length


def _independent_bleu(hyps, refs, n):
    """Papineni et al. corpus BLEU, written from the definition: clipped n-gram precisions, geometric
    mean, brevity penalty exp(1 - r/c) when c < r; 0 when any precision is 0."""
    match = [0] * n
    total = [0] * n
    c = r = 0
    for h, ref in zip(hyps, refs):
        h, ref = h.split(), ref.split()
        c, r = c + len(h), r + len(ref)
        for k in range(1, n + 1):
            hc = Counter(tuple(h[i:i + k]) for i in range(len(h) - k + 1))
            rc = Counter(tuple(ref[i:i + k]) for i in range(len(ref) - k + 1))
            match[k - 1] += sum(min(v, rc[g]) for g, v in hc.items())
            total[k - 1] += max(len(h) - k + 1, 0)
    if min(match) == 0:
        return 0.0
    logp = sum(math.log(m / t) for m, t in zip(match, total)) / n
    bp = 1.0 if c >= r else math.exp(1 - r / c)
    return 100 * bp * math.exp(logp)


def test_tiny_hand_computed_bleu():
    hyp, ref = ["the cat sat on the mat"], ["the cat is on the mat"]
    # unigrams: the x2 (ref has 2), cat, on, mat match; "sat" not -> p1 = 5/6; lengths 6 = 6 -> BP = 1
    # bigrams: "the cat", "on the", "the mat" match of 5 -> p2 = 3/5
    r = bleu(hyp, ref, orders=(1, 2))
    assert r.scores[1] == pytest.approx(100 * 5 / 6)
    assert r.scores[2] == pytest.approx(100 * math.sqrt(5 / 6 * 3 / 5))  # = 70.71
    # brevity: hyp of 2 words against 4 -> BP = exp(1 - 4/2) = e^-1, p1 = p2 = 1
    r = bleu(["the cat"], ["the cat sat down"], orders=(1, 2))
    assert r.scores[1] == pytest.approx(100 * math.exp(-1)) and r.scores[2] == pytest.approx(100 * math.exp(-1))
    assert "tok:none" in r.signatures[1] and "smooth:none" in r.signatures[1]


def _perturb(sentence: str, i: int, rng: random.Random) -> str:
    w = sentence.split()
    kind = i % 6
    if kind == 0 and len(w) > 2:  # drop a word
        del w[rng.randrange(len(w))]
    elif kind == 1 and len(w) > 2:  # swap two neighbours
        j = rng.randrange(len(w) - 1)
        w[j], w[j + 1] = w[j + 1], w[j]
    elif kind == 2:  # replace a word
        w[rng.randrange(len(w))] = rng.choice(["regen", "sonne", "morgen", "wind", "nebel"])
    elif kind == 3:  # truncate (brevity penalty)
        w = w[: max(1, len(w) // 2)]
    elif kind == 4:  # duplicate a word (clipping)
        j = rng.randrange(len(w))
        w.insert(j, w[j])
    return " ".join(w)  # kind 5: unchanged


def test_bleu_on_real_phoenix_sentences_equals_sacrebleu(phoenix_dir):
    refs = (phoenix_dir / "phoenix2014T.test.de").read_text(encoding="utf-8").splitlines()[:50]
    rng = random.Random(0)
    hyps = [_perturb(s, i, rng) for i, s in enumerate(refs)]
    assert sum(h != r for h, r in zip(hyps, refs)) >= 35
    ours = bleu(hyps, refs)
    for n in (1, 2, 4):
        direct = BLEU(max_ngram_order=n, tokenize="none", smooth_method="none").corpus_score(hyps, [refs])
        assert ours.scores[n] == pytest.approx(direct.score, abs=1e-9)
        assert ours.scores[n] == pytest.approx(_independent_bleu(hyps, refs, n), abs=1e-9)
    assert 0 < ours.scores[4] < ours.scores[2] < ours.scores[1] < 100
    assert ours.signatures[4].startswith("nrefs:1|case:mixed|eff:no|tok:none|smooth:none")


def test_chinese_bleu_is_character_level():
    # hyp 今天天气不好 vs ref 今天天气很好: 5 of 6 characters match, same length -> BLEU-1 = 5/6
    # bigrams: 今天 天天 天气 match, 气不 不好 do not -> 3/5
    r = bleu(["今天 天气 不好"], ["今天天气很好"], orders=(1, 2), lang="zh")
    assert r.scores[1] == pytest.approx(100 * 5 / 6)
    assert r.scores[2] == pytest.approx(100 * math.sqrt(5 / 6 * 3 / 5))
    assert "tok:char" in r.signatures[1]
    # word-level sacrebleu on unsegmented Chinese sees one token per sentence and scores 0
    assert BLEU(max_ngram_order=1, tokenize="none").corpus_score(["今天天气不好"], [["今天天气很好"]]).score == 0


def test_rouge_l_hand_computed():
    ref = "im süden gibt es morgen viel sonne"  # 7 tokens
    hyp = "morgen im süden viel sonne"  # 5 tokens
    # LCS = "im süden viel sonne" = 4 ("morgen viel sonne" would be 3)
    # P = 4/5 = 0.8, R = 4/7 = 0.5714286, beta^2 = 1.44
    # F = (1 + 1.44) * 0.8 * 0.5714286 / (0.5714286 + 1.44 * 0.8) = 1.1154286 / 1.7234286 = 0.6472148
    assert lcs_length(ref.split(), hyp.split()) == 4
    assert rouge_l_sentence(hyp, ref) == pytest.approx(0.6472148, abs=1e-7)
    # corpus ROUGE-L is the mean over sentences, in %: (0.6472148 + 1) / 2
    assert rouge_l([hyp, "es regnet ."], [ref, "es regnet ."]) == pytest.approx(100 * (0.6472148 + 1) / 2, abs=1e-5)


def test_rouge_l_beta_weights_recall():
    # P = 1 (2/2), R = 2/4 = 0.5: F_1.2 = 2.44 * 0.5 / (0.5 + 1.44) = 0.628866 (F1 would be 0.6667)
    assert rouge_l_sentence("a b", "a b c d") == pytest.approx(2.44 * 0.5 / 1.94)
    assert rouge_l_sentence("a b c d", "a b") == pytest.approx(2.44 * 0.5 / (1 + 1.44 * 0.5))


def test_rouge_l_umlauts_are_single_tokens():
    assert rouge_l_sentence("süden", "süden") == pytest.approx(1.0)
    # "süden" vs "sueden": no common token (an ASCII-only tokenizer would split "süden" into "s", "den")
    assert rouge_l_sentence("im süden", "im sueden") == pytest.approx(0.5)  # P = R = 1/2
    assert rouge_l_sentence("süden", "s den") == 0.0


def test_rouge_l_chinese_characters():
    # 今天天气不好 vs 今天天气很好: LCS = 今天天气好 = 5 of 6 characters, P = R = 5/6 -> F = 5/6
    assert rouge_l_sentence("今天 天气 不好", "今天天气很好", lang="zh") == pytest.approx(5 / 6)
    assert rouge_l_sentence("今天天气不好", "今天天气很好", lang="zh") == pytest.approx(5 / 6)
    assert rouge_l_sentence("今天天气不好", "今天天气很好", lang="de") == 0.0  # one "word" each, different


def test_empty_hypothesis_and_errors():
    assert rouge_l_sentence("", "a b") == 0.0
    with pytest.raises(ValueError, match="2 hypotheses but 1"):
        bleu(["a", "b"], ["a"])


def test_translation_scores_keys():
    d = translation_scores(["es regnet ."], ["es regnet ."]).to_dict()
    assert d["bleu1"] == pytest.approx(100) and d["bleu4"] == 0.0  # 3 tokens: no 4-grams, no smoothing
    assert d["rouge"] == pytest.approx(100) and "tok:none" in d["signature"]
