import pytest
import torch

from signpt.model.gcn import PartGCN, SpatialGraphConv, graph_centres, hop_distance, normalized_adjacency
from signpt.pose.layouts.k79 import K79


def test_uniform_adjacency_path_graph_by_hand():
    # path 0-1-2: A + I = [[1,1,0],[1,1,1],[0,1,1]], column degrees (2, 3, 2)
    a = normalized_adjacency(3, [(0, 1), (1, 2)], "uniform")
    expected = torch.tensor([[1 / 2, 1 / 3, 0], [1 / 2, 1 / 3, 1 / 2], [0, 1 / 3, 1 / 2]])
    assert a.shape == (1, 3, 3)
    torch.testing.assert_close(a[0], expected)
    torch.testing.assert_close(a[0].sum(0), torch.ones(3))  # every column averages a neighbourhood


def test_spatial_partitions_path_graph_by_hand():
    # centre of the path 0-1-2 is 1 (eccentricity 1); distances to it: (1, 0, 1)
    assert graph_centres(3, [(0, 1), (1, 2)]) == [1]
    a = normalized_adjacency(3, [(0, 1), (1, 2)], "spatial")
    u = normalized_adjacency(3, [(0, 1), (1, 2)], "uniform")[0]
    torch.testing.assert_close(a.sum(0), u)
    torch.testing.assert_close(a[0], torch.diag(torch.diag(u)))  # root: self loops only here
    # closer (source nearer to the centre than the target): 1 -> 0 and 1 -> 2
    torch.testing.assert_close(a[1], torch.tensor([[0, 0, 0], [1 / 2, 0, 1 / 2], [0, 0, 0]]))
    torch.testing.assert_close(a[2], torch.tensor([[0, 1 / 3, 0], [0, 0, 0], [0, 1 / 3, 0]]))


def test_k79_parts_graphs():
    for part, n in (("manual", 53), ("non_manual", 26)):
        edges = K79.part_edges(part)
        a = normalized_adjacency(n, edges, "spatial")
        assert a.shape == (3, n, n)
        torch.testing.assert_close(a.sum(0).sum(0), torch.ones(n))
    # the manual graph has 2 components (head, arms + hands); the face is connected through the nose tip
    assert len(graph_centres(53, K79.part_edges("manual"))) == 2
    assert len(graph_centres(26, K79.part_edges("non_manual"))) == 1
    assert torch.isinf(hop_distance(53, K79.part_edges("manual"))).any()


def test_graph_conv_is_neighbourhood_mean():
    a = normalized_adjacency(3, [(0, 1), (1, 2)], "uniform")
    conv = SpatialGraphConv(2, 2, a)
    with torch.no_grad():
        conv.linear.weight.copy_(torch.eye(2))
        conv.linear.bias.zero_()
    x = torch.tensor([[[1.0, 0.0], [3.0, 1.0], [5.0, 2.0]]])
    out = conv(x)
    expected = torch.tensor([[[2.0, 0.5], [3.0, 1.0], [4.0, 1.5]]])
    torch.testing.assert_close(out, expected)


def test_part_gcn_shapes_and_frame_independence():
    gcn = PartGCN("non_manual", out_dim=16, channels=(8,))
    x = torch.randn(5, 26, 3)
    out = gcn(x)
    assert out.shape == (5, 16)
    torch.testing.assert_close(gcn(x[2:3]), out[2:3])  # each frame embedded on its own


def _mirror_manual() -> list[int]:
    """Positions (within the manual part) of the left/right mirror image of each manual point: a graph
    automorphism of the manual part (the two hands are identical subgraphs hanging on mirrored arms)."""
    from signpt.pose.layouts.k79 import LEFT_HAND, RIGHT_HAND

    idx = list(K79.parts["manual"])
    mirror = {0: 0, 1: 2, 2: 1, 3: 4, 4: 3, 5: 6, 6: 5, 7: 8, 8: 7, 9: 10, 10: 9}
    for a, b in zip(LEFT_HAND, RIGHT_HAND):
        mirror[a], mirror[b] = b, a
    return [idx.index(mirror[k]) for k in idx]


def test_mirror_is_an_automorphism_of_the_manual_graph():
    perm = _mirror_manual()
    edges = {tuple(sorted(e)) for e in K79.part_edges("manual")}
    assert {tuple(sorted((perm[i], perm[j]))) for i, j in edges} == edges


def test_flatten_readout_keeps_which_point_is_which():
    """Swapping the two hands (and arms): the node-mean readout cannot see it (exactly invariant with the uniform
    partition, whatever the weights), the flatten readout does: "left A + right B" != "left B + right A"."""
    perm = _mirror_manual()
    torch.manual_seed(0)
    x = torch.randn(6, 53, 3)
    mean = PartGCN("manual", 16, (8,), strategy="uniform", readout="mean")
    torch.testing.assert_close(mean(x[:, perm]), mean(x), atol=1e-5, rtol=1e-5)
    flat = PartGCN("manual", 16, (8,), strategy="uniform")
    assert flat.readout == "flatten"
    out, swapped = flat(x), flat(x[:, perm])
    assert (out - swapped).abs().amax(1).min() > 0.1  # every frame tells the mirror image apart
    # the readout is one Linear over the node-major flattened features of the last block, then LayerNorm
    h = x
    for block in flat.blocks:
        h = block(h)
    expected = torch.nn.functional.layer_norm(h.reshape(6, -1) @ flat.proj.weight.T + flat.proj.bias, (16,),
                                              flat.norm.weight, flat.norm.bias)
    torch.testing.assert_close(out, expected)
    with pytest.raises(ValueError, match="readout"):
        PartGCN("manual", readout="max")
