"""Frame-wise pose embedding of each body part: spatial GCN (default) or a linear projector (Table XIX)."""
from __future__ import annotations

import torch
from torch import nn

from signpt.model.gcn import PartGCN
from signpt.pose.layouts.k79 import K79


class LinearPartEmbedding(nn.Module):
    """The linear-projector ablation: (N, V_part, 3) flattened -> Linear -> LayerNorm -> (N, out_dim)."""

    def __init__(self, part: str, out_dim: int = 512, layout=K79):
        super().__init__()
        self.part = part
        self.register_buffer("indices", torch.as_tensor(layout.parts[part], dtype=torch.long), persistent=False)
        self.proj = nn.Linear(3 * len(layout.parts[part]), out_dim)
        self.norm = nn.LayerNorm(out_dim)
        self.out_dim = out_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x.flatten(1)))


class PoseEmbedding(nn.Module):
    """Embeds each part of every real frame: pose (B,T,79,2), confidence (B,T,79), frame_mask (B,T) bool
    -> {part: (B, T, dim)}; padded frames are never embedded and come out as zeros.

    kind: "gcn" | "linear"; parts: subset of ("manual", "non_manual"). Node features are (x, y, confidence).
    """

    def __init__(self, parts=("manual", "non_manual"), kind: str = "gcn", dim: int = 512,
                 gcn_channels=(64, 128, 256), gcn_strategy: str = "spatial", gcn_norm: str = "layer",
                 dropout: float = 0.0):
        super().__init__()
        if kind == "gcn":
            make = lambda p: PartGCN(p, dim, gcn_channels, gcn_strategy, gcn_norm, dropout)  # noqa: E731
        elif kind == "linear":
            make = lambda p: LinearPartEmbedding(p, dim)  # noqa: E731
        else:
            raise ValueError(f"unknown pose embedding {kind!r} (gcn|linear)")
        self.parts = nn.ModuleDict({p: make(p) for p in parts})
        self.dim = dim

    def forward(self, pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor) -> dict:
        b, t = frame_mask.shape
        feats = torch.cat([pose, confidence.unsqueeze(-1)], dim=-1)[frame_mask]  # (N_real, 79, 3)
        out = {}
        for name, module in self.parts.items():
            emb = module(feats.index_select(1, module.indices))
            full = emb.new_zeros(b, t, emb.shape[-1])
            out[name] = full.masked_scatter(frame_mask.unsqueeze(-1), emb)
        return out
