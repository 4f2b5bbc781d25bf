"""DDP on CPU with 2 gloo processes: the contrastive loss with gathered negatives (pre-training and retrieval
fine-tuning), its gradients, and a whole `fit` equal the single-process run on the concatenated batch."""
from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from safetensors.torch import load_file  # noqa: E402

_THREADS = torch.get_num_threads()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ddp_results(tmp_path_factory):
    import _ddp_worker

    out = tmp_path_factory.mktemp("ddp")
    mp.spawn(_ddp_worker.worker, args=(2, _free_port(), str(out)), nprocs=2, join=True)
    return out, [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(2)]


def test_gather_with_grad_clip_loss_matches_single_process(ddp_results):
    import _ddp_worker

    _, ranks = ddp_results
    a, b, w = _ddp_worker.toy_inputs()
    w.requires_grad_()
    loss = _ddp_worker.toy_loss(a, b, w)
    loss.backward()
    for r in ranks:
        assert r["toy_loss"] == pytest.approx(loss.item(), rel=1e-6)
        torch.testing.assert_close(r["toy_grad"], w.grad, rtol=1e-5, atol=1e-7)


def test_pretrain_model_loss_and_grads_match_single_process(ddp_results):
    import _ddp_worker

    torch.set_num_threads(1)  # as in the workers
    _, ranks = ddp_results
    model, samples, collate = _ddp_worker.pretrain_model_and_batch()
    out = model(collate(samples))
    out["loss"].backward()
    assert out["loss_stc"].item() > 0
    for k in ("loss", "loss_stc", "loss_pr"):
        assert ranks[0]["model_loss"][k] == pytest.approx(out[k].item(), rel=1e-5, abs=1e-7), k
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert set(ranks[0]["model_grads"]) <= set(grads)
    for name, g in ranks[0]["model_grads"].items():
        torch.testing.assert_close(g, grads[name], rtol=1e-4, atol=1e-6, msg=name)
    torch.testing.assert_close(ranks[0]["model_grads"]["contrastive.logit_scale.log_scale"], grads["contrastive.logit_scale.log_scale"])
    torch.set_num_threads(_THREADS)


def test_retrieval_model_loss_and_grads_match_single_process(ddp_results):
    """Retrieval fine-tuning under torchrun scores each rank's samples against both ranks' (a local B x B
    InfoNCE per rank would give another loss and other gradients)."""
    import _ddp_worker

    torch.set_num_threads(1)
    _, ranks = ddp_results
    model, samples, collate = _ddp_worker.retrieval_model_and_batch()
    out = model(collate(samples))
    out["loss"].backward()
    assert ranks[0]["retrieval_loss"]["loss"] == pytest.approx(out["loss"].item(), rel=1e-5, abs=1e-7)
    assert ranks[0]["retrieval_loss"]["temperature"] == pytest.approx(out["temperature"].item(), rel=1e-6)
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert set(ranks[0]["retrieval_grads"]) == set(grads)
    assert any(n.startswith("encoder.") for n in grads) and "contrastive.logit_scale.log_scale" in grads
    for name, g in ranks[0]["retrieval_grads"].items():  # float32 sums in another order: ~1e-6 apart
        torch.testing.assert_close(g, grads[name], rtol=1e-4, atol=1e-5, msg=name)
    torch.set_num_threads(_THREADS)


def test_fit_two_processes_equals_one(ddp_results, tmp_path):
    import _ddp_worker
    from _toy_train import ToyData, ToyModel, collate
    from signpt.train.config import TrainConfig
    from signpt.train.loop import fit, read_log

    out, _ = ddp_results
    torch.manual_seed(0)
    single = fit(ToyModel(mask_ratio=0.0), ToyData(n=32), TrainConfig(**_ddp_worker.FIT_CFG), tmp_path,
                 collate_fn=collate, progress=False)
    multi = read_log(out / "fit" / "train_log.csv")
    assert [r["step"] for r in multi] == [r["step"] for r in single.steps] == list(range(1, 7))
    for m, s in zip(multi, single.steps):
        for k in ("loss", "loss_pr", "loss_stc", "lr", "grad_norm"):
            assert m[k] == pytest.approx(s[k], rel=1e-5), (m["step"], k)
    w_multi = load_file(str(out / "fit" / "checkpoints" / "step_00000006" / "model.safetensors"))
    w_single = load_file(str(single.checkpoint / "model.safetensors"))
    for k in w_single:
        torch.testing.assert_close(w_multi[k], w_single[k], rtol=1e-4, atol=1e-6)
    # only rank 0 wrote: one log, checkpoints with both ranks' RNG states
    state = torch.load(out / "fit" / "checkpoints" / "step_00000006" / "state.pt", weights_only=False)
    assert len(state["rng"]) == 2
