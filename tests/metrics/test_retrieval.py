"""R@K / MedR on hand-built similarity matrices with ties; chunked similarity independence."""
import numpy as np
import pytest
import torch

from signpt.metrics import chunked_similarity, ranks_from_similarity, retrieval_scores

# texts x videos; correct pairs on the diagonal
SIM = np.array([
    [0.9, 0.1, 0.2, 0.3],  # text 0: video 0 best -> rank 1
    [0.5, 0.5, 0.1, 0.0],  # text 1: video 1 tied with video 0 -> pessimistic rank 2 (not a hit at R@1)
    [0.8, 0.7, 0.6, 0.6],  # text 2: videos 0, 1 higher, video 3 tied -> rank 4
    [0.1, 0.2, 0.3, 0.4],  # text 3: rank 1
])


def test_hand_built_matrix_with_ties():
    assert ranks_from_similarity(SIM).tolist() == [1, 2, 4, 1]
    r = retrieval_scores(SIM, ks=(1, 2, 5, 10))
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


def test_all_tied_is_never_a_hit():
    r = retrieval_scores(np.ones((5, 5)))
    assert r.t2v.recall[1] == 0.0 and r.t2v.median_rank == 5.0 and r.v2t.recall[1] == 0.0


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
    r = retrieval_scores(sim, gt)
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
