"""Worker of the 2-process DDP test (gloo on CPU): contrastive loss + gradients (toy CLIP loss, pre-training
model, retrieval model) and a short `fit`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))

GLOBAL_B = 8


def toy_inputs():
    g = torch.Generator().manual_seed(0)
    return torch.randn(GLOBAL_B, 5, generator=g), torch.randn(GLOBAL_B, 5, generator=g), torch.randn(5, 4, generator=g)


def toy_loss(a, b, w):
    """CLIP loss of the rows of a, b (this rank's slice) against the global batch."""
    from _toy_train import clip_loss

    return clip_loss(torch.nn.functional.normalize(a @ w, dim=-1), torch.nn.functional.normalize(b @ w, dim=-1),
                     torch.tensor(10.0))


def pretrain_model_and_batch():
    from _corpus import make_samples
    from signpt.data.batching import collate
    from signpt.model import PretrainModel, get_preset

    torch.manual_seed(0)
    model = PretrainModel(get_preset("tiny", mask_ratio=0.0, num_layers=1, dropout=0.0))
    samples = make_samples(GLOBAL_B, seed=1, unpaired_every=3)  # samples 2 and 5 have no text
    return model, samples, collate


def retrieval_model_and_batch():
    """A retrieval model (tiny encoder, word temperature 0.1) and GLOBAL_B paired samples."""
    from _corpus import make_samples
    from signpt.data.batching import collate
    from signpt.model.encoder import EncoderConfig, SignEncoder
    from signpt.tasks.retrieval import RetrievalModel

    torch.manual_seed(0)
    enc = SignEncoder(EncoderConfig(embedding="linear", embed_dim=16, d_manual=16, d_non_manual=16, num_layers=1,
                                    num_heads=2, dropout=0.0, max_frames=64))
    model = RetrievalModel(enc, embed_dim=8, word_temperature=0.1)
    samples = make_samples(GLOBAL_B, seed=2, unpaired_every=GLOBAL_B + 1, words=(1, 8))  # every sample paired
    return model, samples, collate


def _ddp_loss_and_grads(model, batch):
    from signpt.train import distributed as D

    net = D.wrap_ddp(model, torch.device("cpu"))
    out_dict = net(batch)
    out_dict["loss"].backward()
    losses = {k: D.mean_over_ranks({k: float(v.detach())}, torch.device("cpu"))[k] for k, v in out_dict.items()}
    return losses, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from signpt.train import distributed as D

    D.setup("cpu")
    lo, hi = rank * GLOBAL_B // world, (rank + 1) * GLOBAL_B // world
    result = {}

    # 1. gather_with_grad + CLIP loss: loss and averaged gradient
    a, b, w = toy_inputs()
    w = w.requires_grad_()
    loss = toy_loss(a[lo:hi], b[lo:hi], w)
    loss.backward()
    grad = w.grad.clone()
    torch.distributed.all_reduce(grad)
    result["toy_loss"], result["toy_grad"] = loss.item(), grad / world

    # 2. the pre-training model under DDP (every rank's batch is its slice of the global batch)
    model, samples, collate = pretrain_model_and_batch()
    result["model_loss"], result["model_grads"] = _ddp_loss_and_grads(model, collate(samples[lo:hi]))

    # 2b. retrieval fine-tuning under DDP: the same loss module, negatives from both ranks
    model, samples, collate = retrieval_model_and_batch()
    result["retrieval_loss"], result["retrieval_grads"] = _ddp_loss_and_grads(model, collate(samples[lo:hi]))

    # 3. fit with 2 processes vs 1: same logged losses (no per-rank randomness in this toy: mask_ratio 0)
    from _toy_train import ToyData, ToyModel, collate as toy_collate
    from signpt.train.config import TrainConfig
    from signpt.train.loop import fit

    torch.manual_seed(0)
    fit(ToyModel(mask_ratio=0.0), ToyData(n=32), TrainConfig(**FIT_CFG), Path(out) / "fit", collate_fn=toy_collate,
        progress=False)
    torch.save(result, Path(out) / f"rank{rank}.pt")
    D.cleanup()


FIT_CFG = dict(lr=1e-2, batch_size=8, max_steps=6, ckpt_every=4, warmup=0.2, seed=5)
