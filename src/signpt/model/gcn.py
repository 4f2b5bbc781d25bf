"""Spatial GCN pose embedding: ST-GCN blocks without the temporal convolution and without edges between frames.

Every frame is one graph over the keypoints of a body part (k79 ``manual`` = 53 points, ``non_manual`` = 26
points); node features are (x, y, confidence). Each block is ST-GCN's spatial graph convolution

    out_w = sum_k (sum_v (A_k ⊙ E_k)[v, w] x_v) W_k + b

with A = (A_edges + I) D^-1 (column-normalised) split into partitions k (ST-GCN "uniform" = 1 partition, "spatial" = 3: root,
closer to the centre, further from the centre), E a learnable edge importance (init 1), then a norm, a residual
and ReLU (the TCN of the ST-GCN block is removed). The node features of the last block are flattened in node
order into one projection + LayerNorm per frame (`PartGCN`), so the readout keeps which point is which.
"""
from __future__ import annotations

from collections import deque

import torch
from torch import nn

from signpt.pose.layouts.k79 import K79


def hop_distance(num_nodes: int, edges) -> torch.Tensor:
    """(V, V) float shortest-path hop counts over undirected `edges`; inf between unconnected nodes."""
    nbrs = [[] for _ in range(num_nodes)]
    for a, b in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    dist = torch.full((num_nodes, num_nodes), float("inf"))
    for s in range(num_nodes):
        dist[s, s] = 0
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for v in nbrs[u]:
                if dist[s, v] == float("inf"):
                    dist[s, v] = dist[s, u] + 1
                    queue.append(v)
    return dist


def graph_centres(num_nodes: int, edges) -> list[int]:
    """One centre per connected component: the node of least eccentricity (lowest index on ties)."""
    dist = hop_distance(num_nodes, edges)
    seen, centres = set(), []
    for s in range(num_nodes):
        if s in seen:
            continue
        comp = [v for v in range(num_nodes) if dist[s, v] < float("inf")]
        seen.update(comp)
        ecc = [max(float(dist[v, w]) for w in comp) for v in comp]
        centres.append(comp[min(range(len(comp)), key=lambda i: (ecc[i], comp[i]))])
    return centres


def normalized_adjacency(num_nodes: int, edges, strategy: str = "uniform") -> torch.Tensor:
    """ST-GCN adjacency (P, V, V) float32 with self loops, column-normalised: A_hat = (A + I) D^-1.

    D[w, w] = degree of w in A + I, so column w of A_hat averages w's neighbourhood (ST-GCN
    ``normalize_digraph``); the graph conv computes out_w = sum_v x_v A_hat[v, w].
    strategy "uniform": P = 1. "spatial": P = 3 (ST-GCN spatial partitioning of A_hat by the hop distance
    d of each node to the centre of its connected component, see `graph_centres`): [0] root (d_v == d_w,
    incl. the self loop), [1] centripetal (d_v < d_w), [2] centrifugal (d_v > d_w); they sum to "uniform".
    """
    a = torch.eye(num_nodes)
    for i, j in edges:
        if i == j or not (0 <= i < num_nodes and 0 <= j < num_nodes):
            raise ValueError(f"bad edge ({i}, {j}) for a graph of {num_nodes} nodes")
        a[i, j] = a[j, i] = 1.0
    a_hat = a / a.sum(0, keepdim=True)
    if strategy == "uniform":
        return a_hat[None]
    if strategy != "spatial":
        raise ValueError(f"unknown GCN partition strategy {strategy!r} (uniform|spatial)")
    dist = hop_distance(num_nodes, edges)
    to_centre = torch.full((num_nodes,), float("inf"))
    for c in graph_centres(num_nodes, edges):
        to_centre = torch.minimum(to_centre, dist[c])
    d_v, d_w = to_centre[:, None], to_centre[None, :]  # source v (rows), target w (columns)
    root = a_hat * (d_v == d_w)
    closer = a_hat * (d_v < d_w)
    further = a_hat * (d_v > d_w)
    return torch.stack([root, closer, further])


class SpatialGraphConv(nn.Module):
    """(N, V, C_in) -> (N, V, C_out): out_w = sum_k (sum_v (A_k ⊙ E_k)[v, w] x_v) W_k + b.

    ST-GCN's graph convolution, computed aggregate-first (cheaper than transform-first when C_in <= C_out;
    ST-GCN adds its per-partition bias before aggregating, here one bias is added after).
    """

    def __init__(self, in_channels: int, out_channels: int, adjacency: torch.Tensor):
        super().__init__()
        self.register_buffer("adjacency", adjacency.clone(), persistent=False)
        self.edge_importance = nn.Parameter(torch.ones_like(adjacency))
        self.linear = nn.Linear(in_channels * adjacency.shape[0], out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, v, _ = x.shape
        agg = torch.einsum("nvc,kvw->nwkc", x, self.adjacency * self.edge_importance)
        return self.linear(agg.reshape(n, v, -1))


class SpatialGCNBlock(nn.Module):
    """ST-GCN block without TCN: graph conv -> norm -> dropout -> + residual -> ReLU. (N, V, C_in) -> (N, V, C_out).

    norm "layer" (LayerNorm over channels, per node and frame: independent of padding and of how the batch
    is split across ranks) or "batch" (ST-GCN's BatchNorm over frames and nodes of the real frames).
    """

    def __init__(self, in_channels: int, out_channels: int, adjacency: torch.Tensor, norm: str = "layer",
                 dropout: float = 0.0):
        super().__init__()
        self.gcn = SpatialGraphConv(in_channels, out_channels, adjacency)
        if norm == "layer":
            self.norm = nn.LayerNorm(out_channels)
        elif norm == "batch":
            self.norm = _ChannelBatchNorm(out_channels)
        else:
            raise ValueError(f"unknown GCN norm {norm!r} (layer|batch)")
        self.dropout = nn.Dropout(dropout)
        self.residual = nn.Identity() if in_channels == out_channels else nn.Linear(in_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.dropout(self.norm(self.gcn(x))) + self.residual(x))


class _ChannelBatchNorm(nn.BatchNorm1d):
    """BatchNorm1d over the channel axis of (N, V, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class PartGCN(nn.Module):
    """Per-frame spatial GCN of one k79 part: (N, V_part, 3) (x, y, confidence) -> (N, out_dim).

    part: "manual" | "non_manual" (or any part of the k79 layout); channels: widths of the graph blocks.
    readout "flatten" (default): the V x C node features of the last block, in node order, go through one
    Linear(V * C, out_dim) and a LayerNorm, so every output channel knows which point (left or right hand,
    which finger) each feature came from. "mean" (the earlier design, kept as an ablation): one more block of
    width out_dim, then the mean over the nodes; the two hands are identical subgraphs with identical
    partitions, so after the mean "left hand A + right hand B" is nearly "left B + right A" (a supervised
    probe, benchmarks/probe_embedding.py, shows it memorises instead of generalising).
    """

    def __init__(self, part: str, out_dim: int = 512, channels=(64, 128, 256), strategy: str = "spatial",
                 norm: str = "layer", dropout: float = 0.0, layout=K79, readout: str = "flatten"):
        super().__init__()
        if part not in layout.parts:
            raise ValueError(f"layout {layout.name} has no part {part!r}; parts: {sorted(layout.parts)}")
        if readout not in ("flatten", "mean"):
            raise ValueError(f"unknown GCN readout {readout!r} (flatten|mean)")
        self.part, self.readout = part, readout
        self.register_buffer("indices", torch.as_tensor(layout.parts[part], dtype=torch.long), persistent=False)
        num_nodes = len(layout.parts[part])
        adjacency = normalized_adjacency(num_nodes, layout.part_edges(part), strategy)
        widths = [3, *channels] + ([out_dim] if readout == "mean" else [])
        self.blocks = nn.ModuleList(
            SpatialGCNBlock(widths[i], widths[i + 1], adjacency, norm, dropout) for i in range(len(widths) - 1)
        )
        if readout == "flatten":
            self.proj = nn.Linear(num_nodes * widths[-1], out_dim)
            self.norm = nn.LayerNorm(out_dim)
        self.out_dim = out_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        if self.readout == "mean":
            return x.mean(dim=1)
        return self.norm(self.proj(x.flatten(1)))
