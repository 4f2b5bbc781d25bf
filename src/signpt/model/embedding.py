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
    """ST-GCN's ``data_bn`` restricted to the points that are there: batch normalisation of the 2V coordinate
    channels (x, y of every point) of one part. x (N, V, 3) (x, y, confidence), present (N, V) bool
    -> (N, V, 3).

    Statistics (per channel) are taken over the present points only: the points with confidence > 0 of the
    *unmasked* input, passed as `stats_input` (N, V, 3) when the input itself is masked (pre-training).
    So the missing points' stored (0, 0) and the zeros of the mask never enter them, and a pre-training batch
    and a fine-tuning batch of the same clips are normalised by the same numbers. Output: present points get
    ((x, y) - mean) / std * weight + bias and their raw confidence; every absent point (missing in the data or
    hidden by the mask: confidence 0 in `x`) comes out as (0, 0, 0), whatever made it absent. The confidence
    channel is not normalised: batch-normalised, its small per-frame variations became unit-variance noise by
    which the non-manual branch memorised training clips (see `signpt.model.encoder`).

    Why: normalised poses are dominated by the mean skeleton (on the synthetic corpus only ~7% of the input
    energy varies between frames and samples); centring and scaling each point's coordinates lets the
    embedding see the motion instead of the constant body layout. Under torch.distributed the statistics are
    those of the global batch (sums and counts summed over ranks with gradient, like SyncBatchNorm), so DDP
    equals one process on the concatenated batch. Eval mode uses running statistics (momentum 0.1, unbiased
    variance), like BatchNorm; a channel with no present point in a batch keeps its running statistics.
    """

    def __init__(self, num_points: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        n = 2 * num_points
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))
        self.momentum, self.eps = momentum, eps

    def statistics(self, x: torch.Tensor):
        """(mean (2V,), biased var (2V,), count (2V,)) over the present points (confidence > 0) of x (N, V, 3),
        global under torch.distributed. Two passes (mean, then centred squares): no cancellation."""
        xy = x[..., :2].float()
        present = (x[..., 2] > 0).unsqueeze(-1).expand_as(xy).float().flatten(1)  # (N, 2V)
        flat = xy.flatten(1) * present
        total = _sum_over_ranks(torch.cat([flat.sum(0), present.sum(0)]))
        mean_sum, count = total.chunk(2)
        mean = mean_sum / count.clamp(min=1)
        var = _sum_over_ranks(((xy.flatten(1) - mean) * present).pow(2).sum(0)) / count.clamp(min=1)
        return mean, var, count

    def forward(self, x: torch.Tensor, stats_input: torch.Tensor | None = None) -> torch.Tensor:
        if self.training:
            mean, var, count = self.statistics(x if stats_input is None else stats_input)
            seen = count > 0
            mean = torch.where(seen, mean, self.running_mean)
            var = torch.where(seen, var, self.running_var)
            with torch.no_grad():
                unbiased = var * (count / (count - 1).clamp(min=1))
                self.running_mean.copy_(torch.where(seen, self.running_mean.lerp(mean.detach(), self.momentum),
                                                    self.running_mean))
                self.running_var.copy_(torch.where(seen, self.running_var.lerp(unbiased.detach(), self.momentum),
                                                   self.running_var))
        else:
            mean, var = self.running_mean, self.running_var
        conf = x[..., 2:].float()
        present = (conf > 0).float()
        xy = (x[..., :2].float().flatten(1) - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias
        y = torch.cat([xy.view_as(conf.expand(-1, -1, 2)) * present, conf * present], dim=-1)
        return y.to(x.dtype)


class PoseEmbedding(nn.Module):
    """Embeds each part of every real frame: pose (B,T,79,2), confidence (B,T,79), frame_mask (B,T) bool
    -> {part: (B, T, dim)}; padded frames are never embedded and come out as zeros.

    kind: "gcn" | "linear"; parts: subset of ("manual", "non_manual"). Node features are (x, y, confidence);
    an absent point (confidence 0: missing in the data or hidden by the pre-training mask) is fed as (0, 0, 0)
    whatever its stored coordinates. input_norm: "batch" (`InputNorm` per part, statistics over the present
    points of `stats_pose` / `stats_confidence`, the unmasked input, when given) or "none" (raw normalised
    coordinates). clip_centre: parts whose coordinates are first centred on each clip's mean position of every
    point (over the clip's real frames where the point is present in `pose`, i.e. after masking; the unmasked
    `stats_pose` is centred by the same mean, and never informs it: no hidden value leaks), so
    that the embedding sees the part's movement, not its resting shape (for the face: the signer's identity).
    """

    def __init__(self, parts=("manual", "non_manual"), kind: str = "gcn", dim: int = 512,
                 gcn_channels=(64, 128, 256), gcn_strategy: str = "spatial", gcn_norm: str = "layer",
                 dropout: float = 0.0, input_norm: str = "batch", gcn_readout: str = "flatten",
                 clip_centre=(), layout=K79):
        super().__init__()
        unknown = sorted(set(clip_centre) - set(parts))
        if unknown:
            raise ValueError(f"clip_centre names parts {unknown} that are not embedded ({list(parts)})")
        centred = torch.zeros(layout.num_points, dtype=torch.bool)
        for p in clip_centre:
            centred[list(layout.parts[p])] = True
        self.register_buffer("centred", centred, persistent=False)
        self._any_centred = bool(centred.any())  # a Python bool: no device read-back in forward
        if input_norm not in ("batch", "none"):
            raise ValueError(f"unknown input_norm {input_norm!r} (batch|none)")
        self.input_norm = nn.ModuleDict(
            {p: InputNorm(len(layout.parts[p])) for p in parts} if input_norm == "batch" else {})
        if kind == "gcn":
            make = lambda p: PartGCN(p, dim, gcn_channels, gcn_strategy, gcn_norm, dropout,  # noqa: E731
                                     readout=gcn_readout)
        elif kind == "linear":
            make = lambda p: LinearPartEmbedding(p, dim)  # noqa: E731
        else:
            raise ValueError(f"unknown pose embedding {kind!r} (gcn|linear)")
        self.parts = nn.ModuleDict({p: make(p) for p in parts})
        self.dim = dim

    def forward(self, pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor,
                stats_pose: torch.Tensor | None = None, stats_confidence: torch.Tensor | None = None) -> dict:
        b, t = frame_mask.shape
        if self._any_centred:
            # The clip mean of the (possibly masked) input itself: a mean over the unmasked input would carry
            # the hidden points' values into the visible ones, and so into the reconstruction target's reach.
            mean = _clip_mean(pose, confidence, frame_mask) * self.centred[:, None].to(pose.dtype)
            pose = pose - mean[:, None]
            stats_pose = None if stats_pose is None else stats_pose - mean[:, None]
        feats = _node_features(pose, confidence, frame_mask)  # (N_real, 79, 3)
        stats = (None if stats_pose is None or not len(self.input_norm)
                 else _node_features(stats_pose, stats_confidence, frame_mask))
        out = {}
        for name, module in self.parts.items():
            x = feats.index_select(1, module.indices)
            if name in self.input_norm:
                x = self.input_norm[name](x, None if stats is None else stats.index_select(1, module.indices))
            emb = module(x)
            full = emb.new_zeros(b, t, emb.shape[-1])
            out[name] = full.masked_scatter(frame_mask.unsqueeze(-1), emb)
        return out


def _clip_mean(pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """(B, 79, 2) mean position of each point over the real frames of its clip where it is present (0 if never)."""
    w = ((confidence > 0) & frame_mask.unsqueeze(-1)).to(pose.dtype).unsqueeze(-1)  # (B, T, 79, 1)
    return (pose * w).sum(1) / w.sum(1).clamp(min=1)


def _node_features(pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """(x, y, confidence) of every point of the real frames, (N_real, 79, 3); absent points are (0, 0, 0)."""
    present = (confidence > 0).unsqueeze(-1).to(pose.dtype)
    feats = torch.cat([pose * present, confidence.unsqueeze(-1) * present], dim=-1)
    return feats[frame_mask]
