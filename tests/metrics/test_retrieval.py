"""R@K / MedR on hand-built similarity matrices with ties (CLIP4Clip's convention and the pessimistic one),
repeated sentences, an independent re-implementation of CLIP4Clip's compute_metrics; chunked similarity
independence."""
import numpy as np
import pytest
import torch

from signpt.metrics import chunked_similarity, rank_entries, ranks_from_similarity, retrieval_scores

# texts x videos; correct pairs on the diagonal
SIM = np.array([
    [0.9, 0.1, 0.2, 0.3],  # text 0: video 0 best -> rank 1
    [0.5, 0.5, 0.1, 0.0],  # text 1: video 1 tied with video 0 -> pessimistic rank 2 (not a hit at R@1)
    [0.8, 0.7, 0.6, 0.6],  # text 2: videos 0, 1 higher, video 3 tied -> rank 4
    [0.1, 0.2, 0.3, 0.4],  # text 3: rank 1
])


def test_hand_built_matrix_with_ties_pessimistic():
    assert ranks_from_similarity(SIM).tolist() == [1, 2, 4, 1]
    r = retrieval_scores(SIM, ks=(1, 2, 5, 10), ties="pessimistic")
    assert r.t2v.recall == pytest.approx({1: 50.0, 2: 75.0, 5: 100.0, 10: 100.0})
    assert r.t2v.median_rank == 1.5  # median of 1, 1, 2, 4
    assert r.t2v.mean_rank == 2.0
    # V2T, columns: video 0 [0.9 .5 .8 .1] -> 1; video 1 [.1 .5 .7 .2]: text 2 higher -> 2;
    # video 2 [.2 .1 .6 .3] -> 1; video 3 [.3 .0 .6 .4]: text 2 higher -> 2
    assert ranks_from_similarity(SIM.T).tolist() == [1, 2, 1, 2]
    assert r.v2t.recall[1] == 50.0 and r.v2t.recall[2] == 100.0
    assert r.v2t.median_rank == 1.5 and r.v2t.mean_rank == 1.5
    d = r.to_dict()
    assert d["t2v_r1"] == 50.0 and d["t2v_medr"] == 1.5 and d["v2t_r5"] == 100.0


def test_hand_built_matrix_with_ties_clip4clip():
    # every position holding the correct score is an entry: text 0 -> [1]; text 1 (tied with video 0) ->
    # [1, 2]; text 2 (two above, one tied) -> [3, 4]; text 3 -> [1]
    entries, n = rank_entries(SIM)
    assert entries.tolist() == [1, 1, 2, 3, 4, 1] and n == 4
    r = retrieval_scores(SIM, ks=(1, 2, 5, 10))
    assert r.t2v.recall == pytest.approx({1: 300 / 6, 2: 400 / 6, 5: 100.0, 10: 100.0})
    assert r.t2v.median_rank == 1.5 and r.t2v.mean_rank == 2.0 and r.t2v.num_queries == 4
    # V2T has no ties here: the same as the pessimistic ranks [1, 2, 1, 2]
    assert r.v2t.recall[1] == 50.0 and r.v2t.median_rank == 1.5 and r.v2t.mean_rank == 1.5


def test_repeated_sentence_can_rank_first():
    """Texts 0 and 1 are the same sentence (bit-identical features, identical rows); videos 0 and 1 sign it.
    V2T: video 0's column [0.9, 0.9, 0.2] ties its text with the copy. Hand-computed:
      pessimistic   video ranks 2, 2, 1             -> R@1 33.3, MedR 2, MnR 5/3
      CLIP4Clip     entries [1, 2], [1, 2], [1]     -> R@1 3/5 = 60.0, MedR 1, MnR 7/5
    T2V: text 1's row ranks video 0 above its own video 1 (no tie): ranks 1, 2, 1 under both rules."""
    sim = np.array([[0.9, 0.8, 0.1],
                    [0.9, 0.8, 0.1],
                    [0.2, 0.3, 0.7]], dtype=np.float32)
    strict = retrieval_scores(sim, ties="pessimistic")
    assert strict.v2t.recall[1] == pytest.approx(100 / 3) and strict.v2t.median_rank == 2.0
    assert strict.v2t.mean_rank == pytest.approx(5 / 3)
    r = retrieval_scores(sim)
    assert r.v2t.recall[1] == pytest.approx(60.0) and r.v2t.median_rank == 1.0
    assert r.v2t.mean_rank == pytest.approx(1.4) and r.v2t.num_queries == 3
    for scores in (strict, r):
        assert scores.t2v.recall[1] == pytest.approx(200 / 3) and scores.t2v.mean_rank == pytest.approx(4 / 3)


def _clip4clip_reference(x: np.ndarray) -> dict:
    """CLIP4Clip's metrics.compute_metrics (used by CiCo), re-typed from its definition: sort each row in
    descending order and collect, for each row, every column where the sorted value equals the diagonal."""
    sorted_neg = np.sort(-x, axis=1)
    diag = -np.diag(x)[:, None]
    cols = np.nonzero(sorted_neg - diag == 0)[1]
    return {"R1": 100 * np.sum(cols == 0) / len(cols), "R5": 100 * np.sum(cols < 5) / len(cols),
            "R10": 100 * np.sum(cols < 10) / len(cols), "MR": np.median(cols) + 1, "MeanR": np.mean(cols) + 1}


@pytest.mark.parametrize("seed", range(5))
def test_clip4clip_convention_matches_an_independent_implementation(seed):
    rng = np.random.default_rng(seed)
    sim = rng.integers(0, 5, size=(40, 40)).astype(np.float32)  # many ties
    sim[:5] = sim[5:10]  # repeated sentences: identical rows
    r = retrieval_scores(sim)
    for got, x in ((r.t2v, sim), (r.v2t, sim.T)):
        ref = _clip4clip_reference(x)
        assert got.recall[1] == pytest.approx(ref["R1"]) and got.recall[5] == pytest.approx(ref["R5"])
        assert got.recall[10] == pytest.approx(ref["R10"])
        assert got.median_rank == ref["MR"] and got.mean_rank == pytest.approx(ref["MeanR"])


def test_all_tied_is_never_a_hit_when_pessimistic():
    r = retrieval_scores(np.ones((5, 5)), ties="pessimistic")
    assert r.t2v.recall[1] == 0.0 and r.t2v.median_rank == 5.0 and r.v2t.recall[1] == 0.0
    r = retrieval_scores(np.ones((5, 5)))  # CLIP4Clip: entries 1..5 per query
    assert r.t2v.recall[1] == 20.0 and r.t2v.median_rank == 3.0 and r.v2t.recall[5] == 100.0
    with pytest.raises(ValueError, match="ties"):
        retrieval_scores(np.ones((2, 2)), ties="optimistic")


def _loop_ranks(sim, mask):
    """Direct reading of the documented rule, one query at a time."""
    out = []
    for q in range(sim.shape[0]):
        pos = [j for j in range(sim.shape[1]) if mask[q, j]]
        if not pos:
            continue
        best = max(sim[q, j] for j in pos)
        out.append(1 + sum(1 for j in range(sim.shape[1]) if not mask[q, j] and sim[q, j] >= best))
    return out


def test_ground_truth_indices_and_multiple_positives_against_loop():
    rng = np.random.default_rng(0)
    sim = rng.integers(0, 4, size=(30, 12)).astype(float)  # many ties
    gt = rng.integers(0, 12, size=30)  # several texts may describe one video; some videos none
    mask = np.zeros_like(sim, dtype=bool)
    mask[np.arange(30), gt] = True
    assert ranks_from_similarity(sim, gt).tolist() == _loop_ranks(sim, mask)
    assert ranks_from_similarity(sim.T, mask.T).tolist() == _loop_ranks(sim.T, mask.T)
    r = retrieval_scores(sim, gt, ties="pessimistic")
    assert r.t2v.num_queries == 30 and r.v2t.num_queries == len(set(gt.tolist()))
    ranks = np.array(_loop_ranks(sim.T, mask.T))
    assert r.v2t.median_rank == float(np.median(ranks)) and r.v2t.recall[5] == pytest.approx(100 * (ranks <= 5).mean())


def test_bad_inputs():
    with pytest.raises(ValueError, match="square"):
        retrieval_scores(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        ranks_from_similarity(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        ranks_from_similarity(np.zeros((2, 3)), np.array([0, 3]))


def test_chunked_similarity_matches_full_and_ignores_batch_composition():
    g = torch.Generator().manual_seed(0)
    q, m = torch.randn(37, 16, generator=g), torch.randn(23, 16, generator=g)
    qmask = torch.rand(37, generator=g) > 0.2

    def fn(qf, qm, items):  # any pairwise score; here a masked dot product
        return (qf * qm[:, None]) @ items.T

    full = (q * qmask[:, None]) @ m.T
    got = chunked_similarity((q, qmask), m, fn, chunk_size=8)
    assert got.shape == (37, 23)
    torch.testing.assert_close(got, full, rtol=1e-5, atol=1e-5)
    # the same queries shuffled among other samples give the same scores for every pair
    perm = torch.randperm(37, generator=g)
    shuffled = chunked_similarity((q[perm], qmask[perm]), m, fn, chunk_size=8)
    torch.testing.assert_close(shuffled, got[perm], rtol=1e-6, atol=1e-6)
    # every block fn sees has the same shape
    shapes = set()
    chunked_similarity(q, m, lambda a, b: (shapes.add((a.shape[0], b.shape[0])), a @ b.T)[1], chunk_size=8)
    assert shapes == {(8, 8)}
