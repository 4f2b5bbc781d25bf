"""Child process of the kill-and-resume test: trains the toy model (slowly, so that it can be killed)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import torch  # noqa: E402

from _toy_train import ToyData, ToyModel, collate  # noqa: E402
from signpt.train.config import TrainConfig  # noqa: E402
from signpt.train.loop import fit  # noqa: E402

TOY_CFG = dict(lr=1e-2, batch_size=8, accum_steps=2, max_steps=14, ckpt_every=3, warmup=0.2, keep_last=1,
               seed=3)  # 44 samples -> 11 micro-batches of 4 -> 5 steps per epoch (1 micro-batch left over)


def run(out_dir, *, sleep=0.0, resume=False, num_workers=0, **changes):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: one thread is fastest on a busy machine, and the same in every process
    try:
        torch.manual_seed(0)
        model = ToyModel(sleep=sleep)
        cfg = TrainConfig(**{**TOY_CFG, "num_workers": num_workers, **changes})
        return fit(model, ToyData(n=44), cfg, out_dir, collate_fn=collate, resume=resume, progress=False)
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    run(sys.argv[1], sleep=float(sys.argv[2]), num_workers=int(sys.argv[3]))
