"""Process-group helpers for DDP (gloo on CPU, NCCL on GPU) and a differentiable all-gather."""
from __future__ import annotations

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate `x` (B_local, ...) from every rank along dim 0 -> (B_local * world, ...), rank order.

    Gradients flow back to each rank's own slice (functional-collectives autograd all-gather, as
    open_clip's ``gather_with_grad``). All ranks must pass the same shape. Identity without a process group.
    """
    if not is_distributed() or world_size() == 1:
        return x
    from torch.distributed._functional_collectives import all_gather_tensor_autograd

    return all_gather_tensor_autograd(x.contiguous(), gather_dim=0, group=dist.group.WORLD)
