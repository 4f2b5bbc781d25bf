"""Frame-wise pose embedding of each body part: spatial GCN (default) or a linear projector (Table XIX)."""
from __future__ import annotations

import torch
from torch import nn

from signpt.model.gcn import PartGCN
from signpt.pose.layouts.k79 import K79
from signpt.train.distributed import gather_with_grad, is_distributed, world_size


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


def _sum_over_ranks(x: torch.Tensor) -> torch.Tensor:
    """Sum of `x` over the ranks of the process group (same value, summed in rank order, on every rank), with
    gradient; identity in a single process."""
    if is_distributed() and world_size() > 1:
        return gather_with_grad(x.unsqueeze(0)).sum(0)
    return x


class InputNorm(nn.Module):
    """ST-GCN's ``data_bn``: batch normalisation of the V x 3 input channels (x, y, confidence of every point)
    of one part, statistics over the real frames of the batch. (N, V, 3) -> (N, V, 3).

    Normalised poses are dominated by the mean skeleton (on the synthetic corpus only ~7% of the input energy
    varies between frames and samples); centring and scaling each point's coordinates lets the embedding see
    the motion instead of the constant body layout (without it the embedding output varies by < 1% at
    initialisation and pre-training barely learns). Under torch.distributed the statistics are those of the
    global batch (summed over ranks with gradient, like SyncBatchNorm), so DDP equals one process on the
    concatenated batch. Eval mode uses running statistics (momentum 0.1, unbiased variance), like BatchNorm.
    """

    def __init__(self, num_points: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        n = 3 * num_points
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))
        self.momentum, self.eps = momentum, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1).float()
        if self.training:  # two passes (mean, then centred squares): no cancellation
            count = flat.new_full((1,), flat.shape[0])
            total = _sum_over_ranks(torch.cat([flat.sum(0), count]))
            count = total[-1]
            mean = total[:-1] / count
            var = _sum_over_ranks((flat - mean).pow(2).sum(0)) / count
            with torch.no_grad():
                unbiased = var * (count / (count - 1).clamp(min=1))
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(unbiased.detach(), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        y = (flat - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias
        return y.to(x.dtype).view_as(x)


class PoseEmbedding(nn.Module):
    """Embeds each part of every real frame: pose (B,T,79,2), confidence (B,T,79), frame_mask (B,T) bool
    -> {part: (B, T, dim)}; padded frames are never embedded and come out as zeros.

    kind: "gcn" | "linear"; parts: subset of ("manual", "non_manual"). Node features are (x, y, confidence).
    input_norm: "batch" (ST-GCN's data_bn per part, see `InputNorm`) or "none" (raw normalised coordinates).
    """

    def __init__(self, parts=("manual", "non_manual"), kind: str = "gcn", dim: int = 512,
                 gcn_channels=(64, 128, 256), gcn_strategy: str = "spatial", gcn_norm: str = "layer",
                 dropout: float = 0.0, input_norm: str = "batch", layout=K79):
        super().__init__()
        if input_norm not in ("batch", "none"):
            raise ValueError(f"unknown input_norm {input_norm!r} (batch|none)")
        self.input_norm = nn.ModuleDict(
            {p: InputNorm(len(layout.parts[p])) for p in parts} if input_norm == "batch" else {})
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
            x = feats.index_select(1, module.indices)
            if name in self.input_norm:
                x = self.input_norm[name](x)
            emb = module(x)
            full = emb.new_zeros(b, t, emb.shape[-1])
            out[name] = full.masked_scatter(frame_mask.unsqueeze(-1), emb)
        return out
