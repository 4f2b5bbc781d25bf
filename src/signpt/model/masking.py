"""Hierarchical masking of the input poses over all 79 points (SignBERT+ style, extended to body and face).

Three levels share the mask budget m x (number of eligible points of the sample), by `level_weights`
(joint, frame, clip) = (1, 1, 1) by default; each level tops up what the coarser levels realised, so the
total is m up to rounding (the clip level may overshoot its share by at most one block):
  clip-level:  runs of `clip_length` contiguous frames (the timeline is cut into blocks of a random length in
               clip_length = (lo, hi) with a random offset; whole blocks are picked at random);
  frame-level: single random frames (among those not yet masked);
  joint-level: single random points of the frames not masked above.
Clip- and frame-level masks zero every eligible point of the frame; a joint-level point is zeroed, or with
probability `jitter_prob` shifted by Gaussian noise of std `jitter_std` (normalised units) instead.
Zeroed points get confidence 0 in the model input (they look missing); jittered points keep theirs.
Eligible points: real frames (frame_mask), confidence > 0, and within `points` (default all 79).
Random numbers are drawn on the CPU from `generator` (or torch's default CPU generator), so the masks are
reproducible and independent of the device.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class MaskedPose:
    """pose (B,T,K,2) and confidence (B,T,K) as fed to the encoder; mask (B,T,K) bool = M of Eq. 3 (hidden
    points); zeroed / jittered (B,T,K) bool split `mask` by operation."""

    pose: torch.Tensor
    confidence: torch.Tensor
    mask: torch.Tensor
    zeroed: torch.Tensor
    jittered: torch.Tensor


def _pick(scores: torch.Tensor, eligible: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """Per row, the `count` eligible entries with the highest random score. scores/eligible (B,N), count (B,)."""
    s = scores.masked_fill(~eligible, -1.0)
    order = s.argsort(dim=1, descending=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(s.shape[1]).expand_as(order).contiguous())
    return (rank < count.unsqueeze(1)) & eligible


def hierarchical_mask(pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor, ratio: float = 0.4,
                      *, points=None, level_weights=(1.0, 1.0, 1.0), clip_length=(4, 8), jitter_prob: float = 0.2,
                      jitter_std: float = 0.05, generator: torch.Generator | None = None) -> MaskedPose:
    """Mask pose (B,T,K,2) / confidence (B,T,K) / frame_mask (B,T) bool with total ratio `ratio` in [0, 1)."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must be in [0, 1), got {ratio}")
    device = pose.device
    b, t, k = confidence.shape
    cpu_conf, cpu_frames = confidence.detach().cpu(), frame_mask.detach().cpu().bool()
    eligible = (cpu_conf > 0) & cpu_frames.unsqueeze(-1)
    if points is not None:
        keep = torch.zeros(k, dtype=torch.bool)
        keep[torch.as_tensor(list(points), dtype=torch.long)] = True
        eligible &= keep
    w = torch.as_tensor(level_weights, dtype=torch.float64)
    w_joint, w_frame, w_clip = (w / w.sum()).tolist()
    frames_with_points = eligible.any(-1)  # (B,T)
    n_frames = frames_with_points.sum(1).double()

    # clip level: blocks of random length (one per sample) with a random offset
    lo, hi = clip_length
    length = torch.randint(lo, hi + 1, (b, 1), generator=generator)
    offset = (torch.rand(b, 1, generator=generator) * length).long()
    block = (torch.arange(t).unsqueeze(0) + offset) // length  # (B,T) block id
    n_blocks = int(block.max()) + 1
    block_scores = torch.rand(b, n_blocks, generator=generator)
    block_has_frames = torch.zeros(b, n_blocks, dtype=torch.bool).scatter_reduce(
        1, block, frames_with_points, reduce="amax")
    n_clip_blocks = torch.round(ratio * w_clip * n_frames / length.squeeze(1).double()).long()
    chosen_blocks = _pick(block_scores, block_has_frames, n_clip_blocks)
    clip_frames = chosen_blocks.gather(1, block) & frames_with_points

    # frame level: random single frames among the rest
    n_single = (torch.round(ratio * (w_clip + w_frame) * n_frames).long() - clip_frames.sum(1)).clamp(min=0)
    single_frames = _pick(torch.rand(b, t, generator=generator), frames_with_points & ~clip_frames, n_single)
    frame_masked = clip_frames | single_frames

    # joint level: random points of the frames not masked above
    n_points = eligible.flatten(1).sum(1).double()
    already = (frame_masked.unsqueeze(-1) & eligible).flatten(1).sum(1)
    n_joint = (torch.round(ratio * n_points).long() - already).clamp(min=0)
    joint_ok = (eligible & ~frame_masked.unsqueeze(-1)).flatten(1)
    joints = _pick(torch.rand(b, t * k, generator=generator), joint_ok, n_joint).view(b, t, k)
    jitter = joints & (torch.rand(b, t, k, generator=generator) < jitter_prob)
    noise = torch.randn(b, t, k, 2, generator=generator) * jitter_std

    zeroed = (frame_masked.unsqueeze(-1) & eligible) | (joints & ~jitter)
    mask = zeroed | jitter
    zeroed, jitter, mask = zeroed.to(device), jitter.to(device), mask.to(device)
    out_pose = torch.where(zeroed.unsqueeze(-1), torch.zeros_like(pose), pose)
    out_pose = out_pose + noise.to(device, pose.dtype) * jitter.unsqueeze(-1)
    out_conf = confidence.masked_fill(zeroed, 0.0)
    return MaskedPose(out_pose, out_conf, mask, zeroed, jitter)
