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
