"""Sign pose decoder ψ_SD: a two-layer MLP from F_SE to the 79 x 2 coordinates of every frame."""
from __future__ import annotations

import torch
from torch import nn


class PoseDecoder(nn.Module):
    """(B, T, in_dim) -> (B, T, num_points, 2): Linear -> GELU -> Linear (hidden = `hidden` or in_dim)."""

    def __init__(self, in_dim: int, hidden: int | None = None, num_points: int = 79):
        super().__init__()
        hidden = hidden or in_dim
        self.num_points = num_points
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, num_points * 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x).unflatten(-1, (self.num_points, 2))
