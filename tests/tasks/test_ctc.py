"""CTC decoding against hand-made cases and brute-force enumeration of all alignments."""
import collections
import itertools
import math

import torch

from signpt.tasks.ctc import beam_decode, greedy_decode


def brute_force(probs: torch.Tensor) -> dict[tuple, float]:
    """log P(label sequence) summed over every frame-level path; probs (T, V), blank = 0."""
    T, V = probs.shape
    acc: dict[tuple, float] = collections.defaultdict(float)
    for path in itertools.product(range(V), repeat=T):
        p = math.prod(float(probs[t, k]) for t, k in enumerate(path))
        seq = tuple(k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k))
        acc[seq] += p
    return {s: math.log(v) for s, v in acc.items()}


def test_greedy_collapses_repeats_and_blanks_and_respects_lengths():
    # frames: a a _ a b b _ | padding
    seq = [1, 1, 0, 1, 2, 2, 0, 2, 2]
    lp = torch.nn.functional.one_hot(torch.tensor([seq, seq]), 3).float().log_softmax(-1)
    assert greedy_decode(lp, torch.tensor([7, 9])) == [[1, 1, 2], [1, 1, 2, 2]]


def test_beam_agrees_with_greedy_on_peaked_distribution():
    g = torch.Generator().manual_seed(0)
    best = torch.randint(0, 6, (3, 20), generator=g)
    logits = torch.randn(3, 20, 6, generator=g) + 12 * torch.nn.functional.one_hot(best, 6)
    lp = logits.log_softmax(-1)
    lengths = torch.tensor([20, 15, 9])
    beams = beam_decode(lp, lengths, beam_size=8)
    assert [b[0].tokens for b in beams] == greedy_decode(lp, lengths)


def test_beam_finds_the_more_probable_sequence_that_best_path_misses():
    # each frame: blank 0.6, "a" 0.4 -> best path is "" (0.36) but "a" has 0.24 + 0.24 + 0.16 = 0.64
    lp = torch.tensor([[[0.6, 0.4], [0.6, 0.4]]]).log()
    assert greedy_decode(lp, torch.tensor([2])) == [[]]
    hyps = beam_decode(lp, torch.tensor([2]), beam_size=4, nbest=2)[0]
    assert hyps[0].tokens == [1] and math.isclose(hyps[0].score, math.log(0.64), rel_tol=1e-5)
    assert hyps[1].tokens == [] and math.isclose(hyps[1].score, math.log(0.36), rel_tol=1e-5)


def test_beam_top_hypothesis_matches_brute_force_on_random_emissions():
    g = torch.Generator().manual_seed(1)
    for _ in range(4):
        probs = (torch.randn(6, 4, generator=g) * 1.5).softmax(-1)
        ref = brute_force(probs)
        best_seq = max(ref, key=ref.get)
        hyp = beam_decode(probs.log()[None], torch.tensor([6]), beam_size=64)[0][0]
        assert tuple(hyp.tokens) == best_seq
        # flashlight keeps a few alignments apart, so its score is a close lower bound of the exact one
        assert ref[best_seq] - 0.01 <= hyp.score <= ref[best_seq] + 1e-6
