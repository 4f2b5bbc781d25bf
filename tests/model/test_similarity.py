import math

import torch
import torch.nn.functional as F

from signpt.model.similarity import avg_pool_time, coarse_similarity, fine_grained_similarity


def test_avg_pool_window_respects_padding():
    x = torch.arange(1.0, 8.0).view(1, 7, 1).repeat(2, 1, 1)  # frames 1..7
    mask = torch.tensor([[True] * 7, [True] * 5 + [False] * 2])
    pooled, pmask = avg_pool_time(x, mask, 4)
    assert pooled.shape == (2, 2, 1)
    torch.testing.assert_close(pooled[0, :, 0], torch.tensor([2.5, 6.0]))  # (1+2+3+4)/4, (5+6+7)/3
    torch.testing.assert_close(pooled[1, :, 0], torch.tensor([2.5, 5.0]))  # second window: frame 5 only
    assert pmask.tolist() == [[True, True], [True, True]]
    pooled, pmask = avg_pool_time(x, torch.tensor([[True] * 3 + [False] * 4] * 2), 2)
    assert pmask[0].tolist() == [True, True, False, False]  # windows of padding only are masked
    torch.testing.assert_close(pooled[0, :, 0], torch.tensor([1.5, 3.0, 0.0, 0.0]))


def test_fine_grained_hand_example_with_padding():
    # sign: 2 real clips (+1 padding clip), text: 3 words (+1 padding word), unit vectors in 2-D
    s = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    sm = torch.tensor([[True, True, False]])
    w = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [-1.0, 3.0]]])
    wm = torch.tensor([[True, True, True, False]])
    # Z = [[1, 0, .6], [0, 1, .8]]; clip rows: sum_w softmax(Z_k)_w Z_kw
    def row(z):
        e = [math.exp(v) for v in z]
        return sum(ei * v for ei, v in zip(e, z)) / sum(e)
    expected = (row([1.0, 0.0, 0.6]) + row([0.0, 1.0, 0.8])) / 2
    got = fine_grained_similarity(s, sm, w, wm, chunk=None)
    assert got.shape == (1, 1)
    assert abs(got.item() - expected) < 1e-6
    # the padding clip / word do not matter, whatever their values
    s2, w2 = s.clone(), w.clone()
    s2[0, 2], w2[0, 3] = torch.tensor([-7.0, 1.0]), torch.tensor([9.0, 9.0])
    assert abs(fine_grained_similarity(s2, sm, w2, wm).item() - expected) < 1e-6
    # features are L2-normalised inside: scaling changes nothing
    assert abs(fine_grained_similarity(3 * s, sm, 0.5 * w, wm).item() - expected) < 1e-6


def test_fine_grained_word_temperature_limits():
    s, w = F.normalize(torch.randn(1, 3, 4), dim=-1), F.normalize(torch.randn(1, 5, 4), dim=-1)
    ones_s, ones_w = torch.ones(1, 3, dtype=torch.bool), torch.ones(1, 5, dtype=torch.bool)
    z = s[0] @ w[0].T
    cold = fine_grained_similarity(s, ones_s, w, ones_w, word_temperature=1e-4)
    torch.testing.assert_close(cold[0, 0], z.max(1).values.mean())  # -> mean of per-clip max
    hot = fine_grained_similarity(s, ones_s, w, ones_w, word_temperature=1e4)
    torch.testing.assert_close(hot[0, 0], z.mean(), atol=1e-4, rtol=0)  # -> plain mean


def test_chunked_equals_direct_values_and_gradients():
    g = torch.Generator().manual_seed(0)
    b1, b2, n, m, d = 11, 9, 5, 7, 6
    s = torch.randn(b1, n, d, generator=g, requires_grad=True)
    w = torch.randn(b2, m, d, generator=g, requires_grad=True)
    sm = torch.rand(b1, n, generator=g) > 0.3
    sm[:, 0] = True
    wm = torch.rand(b2, m, generator=g) > 0.3
    wm[:, 0] = True
    direct = fine_grained_similarity(s, sm, w, wm, chunk=None)
    weights = torch.randn(b1, b2, generator=g)
    gs, gw = torch.autograd.grad((direct * weights).sum(), (s, w))
    for chunk in (1, 4, 8, 64):
        chunked = fine_grained_similarity(s, sm, w, wm, chunk=chunk)
        torch.testing.assert_close(chunked, direct)
        cs, cw = torch.autograd.grad((chunked * weights).sum(), (s, w))
        torch.testing.assert_close(cs, gs)
        torch.testing.assert_close(cw, gw)
    # brute force over pairs
    for i in (0, 10):
        for j in (0, 8):
            si = F.normalize(s[i][sm[i]], dim=-1)
            wj = F.normalize(w[j][wm[j]], dim=-1)
            z = si @ wj.T
            ref = (torch.softmax(z, dim=1) * z).sum(1).mean()
            torch.testing.assert_close(direct[i, j], ref)


def test_text_without_words_gives_zero_not_nan():
    s = torch.randn(2, 3, 4)
    w = torch.randn(2, 2, 4)
    wm = torch.tensor([[True, True], [False, False]])
    out = fine_grained_similarity(s, torch.ones(2, 3, dtype=torch.bool), w, wm)
    assert torch.isfinite(out).all() and (out[:, 1] == 0).all()


def test_coarse_is_cosine_and_special_case_of_fine():
    a, b = torch.randn(3, 8), torch.randn(4, 8)
    cos = coarse_similarity(a, b)
    torch.testing.assert_close(cos, F.cosine_similarity(a[:, None], b[None], dim=-1))
    one = torch.ones(3, 1, dtype=torch.bool)
    torch.testing.assert_close(fine_grained_similarity(a[:, None], one, b[:, None], one[:1].expand(4, 1)), cos)


def test_gradients_finite_with_empty_text_and_padding():
    s = torch.randn(3, 4, 5, requires_grad=True)
    w = torch.randn(2, 3, 5, requires_grad=True)
    sm = torch.tensor([[True, True, False, False]] * 3)
    wm = torch.tensor([[True, False, False], [False, False, False]])
    for chunk in (None, 2):
        out = fine_grained_similarity(s, sm, w, wm, chunk=chunk)
        gs, gw = torch.autograd.grad(out.sum(), (s, w))
        assert torch.isfinite(gs).all() and torch.isfinite(gw).all()
        assert (gs[:, 2:] == 0).all() and (gw[0, 1:] == 0).all() and (gw[1] == 0).all()


def test_chunked_keeps_no_pairwise_tensor_for_backward():
    b1, b2, n, m, d = 12, 10, 6, 5, 4
    s = torch.randn(b1, n, d, requires_grad=True)
    w = torch.randn(b2, m, d, requires_grad=True)
    sm, wm = torch.ones(b1, n, dtype=torch.bool), torch.ones(b2, m, dtype=torch.bool)
    for chunk, small in ((4, True), (None, False)):
        saved = []
        with torch.autograd.graph.saved_tensors_hooks(lambda x: saved.append(x.numel()) or x, lambda x: x):
            fine_grained_similarity(s, sm, w, wm, chunk=chunk)
        assert (max(saved) < b1 * b2 * n * m) == small, (chunk, max(saved))
