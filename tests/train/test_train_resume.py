"""Exact resume: a run killed with SIGKILL and resumed logs the same losses at the same steps as an
uninterrupted run with the same seed (data order mid-epoch, masking RNG, optimizer and schedule)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from signpt.train import checkpoint as ckpt  # noqa: E402
from signpt.train.loop import read_log  # noqa: E402


def _kill_after_checkpoint(cmd, ckpt_root: Path, min_step: int, timeout: float = 120.0) -> int:
    """Start `cmd`, SIGKILL it as soon as a checkpoint of step >= min_step exists; returns that step."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            latest = ckpt.latest(ckpt_root) if (ckpt_root / "latest").exists() else None
            if latest is not None and ckpt.read_meta(latest)["step"] >= min_step:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                assert proc.returncode == -signal.SIGKILL, "the child finished before it could be killed"
                return ckpt.read_meta(ckpt.latest(ckpt_root))["step"]
            if proc.poll() is not None:
                raise AssertionError(f"child exited early ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.02)
        raise AssertionError("no checkpoint appeared in time")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkill_and_resume_toy_model_is_bit_exact(tmp_path):
    from _resume_run import TOY_CFG, run

    reference = read_log(run(tmp_path / "ref").out_dir / "train_log.csv")
    assert [r["step"] for r in reference] == list(range(1, TOY_CFG["max_steps"] + 1))

    out = tmp_path / "killed"
    killed_at = _kill_after_checkpoint([sys.executable, str(HERE / "_resume_run.py"), str(out), "0.05", "0"],
                                       out / "checkpoints", min_step=6)
    assert 6 <= killed_at < TOY_CFG["max_steps"]
    meta = ckpt.read_meta(ckpt.latest(out / "checkpoints"))
    assert meta["batch_in_epoch"] > 0  # checkpoints at steps 3, 6, 9, 12 all fall mid-epoch (5 steps/epoch)

    history = run(out, resume=True)
    assert history.steps[0]["step"] == killed_at + 1
    resumed = read_log(out / "train_log.csv")  # rows after the checkpoint were dropped and rewritten
    assert [r["step"] for r in resumed] == [r["step"] for r in reference]
    for a, b in zip(resumed, reference):
        assert a == b, f"step {a['step']}: resumed {a} != uninterrupted {b}"


def test_data_loader_workers_do_not_change_the_run(tmp_path):
    """Per-sample RNG seeding makes the dataset's random augmentation independent of the worker layout."""
    from _resume_run import run

    a = read_log(run(tmp_path / "w0", max_steps=4).out_dir / "train_log.csv")
    b = read_log(run(tmp_path / "w2", max_steps=4, num_workers=2).out_dir / "train_log.csv")
    assert a == b
