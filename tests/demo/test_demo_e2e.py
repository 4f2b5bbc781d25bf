"""End to end: ``run_demo(quick=True)`` and a two-table ablation with a few steps (marked slow: ~1 min each on
2 cores)."""
from __future__ import annotations

import json

import pytest
import yaml

from signpt.pipeline import run_ablations, run_demo
from signpt.pipeline.ablate import ablation_config
from signpt.pipeline.stages import DONE_FILE
from signpt.tasks.common import TASKS


@pytest.mark.slow
def test_quick_demo_end_to_end_and_reuse(tmp_path):
    out = tmp_path / "demo"
    report = run_demo(out, quick=True, progress=False, workers=1)
    text = report.read_text()
    for title in ("**ISLR**", "**CSLR**", "**Gloss-free SLT**", "**Sign-text retrieval**"):
        assert title in text
    assert "| Pre-trained |" in text and "| Scratch |" in text
    assert (out / "plots" / "pretrain_loss.png").exists() and (out / "plots" / "finetune_loss.png").exists()
    assert len(list((out / "poses").glob("*.png"))) >= 2
    results = json.loads((out / "results.json").read_text())
    assert {(r["task"], r["variant"]) for r in results["runs"]} == {(t, v) for t in TASKS
                                                                   for v in ("pretrained", "scratch")}
    for r in results["runs"]:  # every run evaluated on the unseen-signer test split
        assert r["metrics"]["test"]["num_samples"] > 0
    # the scratch runs really start from random weights of the same architecture
    from signpt.tasks.common import read_task_meta

    meta = read_task_meta(out / "finetune" / "islr" / "scratch" / "seed0")
    assert meta["init"] is None and meta["architecture_from"]

    markers = sorted(out.rglob(DONE_FILE))
    stamps = {p: p.stat().st_mtime_ns for p in markers}
    assert len(markers) == 1 + 1 + 8  # synth, pre-training, 8 fine-tunes
    run_demo(out, quick=True, progress=False, workers=1)  # rerun: every stage reused
    assert {p: p.stat().st_mtime_ns for p in markers} == stamps
    assert report.exists()


@pytest.mark.slow
def test_ablation_subset_with_few_steps(tmp_path):
    cfg = ablation_config(quick=True)
    cfg.synth_preset = "tiny"
    cfg.pretrain = {"max_steps": 3, "batch_size": 8}
    cfg.finetune_epochs = {t: 1 for t in TASKS}
    path = run_ablations(tmp_path, tables=["XIX", "XVIII"], progress=False, workers=1, config=cfg)
    md = path.read_text()
    assert "**Table XVIII" in md and "**Table XIX" in md and "**Table XII:" not in md
    record = json.loads((tmp_path / "ablations.json").read_text())
    assert set(record["metrics"]) == {"similarity=coarse", "similarity=fine", "embedding=linear", "embedding=gcn"}
    for per_task in record["metrics"].values():
        assert set(per_task) == set(TASKS)
    for setting, (field, value) in {"embedding=linear": ("embedding", "linear"), "embedding=gcn": ("embedding", "gcn"),
                                    "similarity=coarse": ("similarity", "coarse")}.items():
        run = record["settings"][setting]["run"].replace("=", "_")
        stored = yaml.safe_load((tmp_path / "runs" / run / "pretrain" / "config.yaml").read_text())
        assert stored["model"][field] == value
    for row in ("| Linear |", "| GCN |", "| Coarse-grained |", "| Fine-grained |"):
        assert row in md
    # a second seed on top: seed 0's runs are reused as they are, seed 1 runs in its own folders
    seed0 = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").rglob("done.json")}
    assert len(seed0) >= 3 * 5  # 3 runs: a pre-training + 4 fine-tunings each
    path = run_ablations(tmp_path, tables=["XIX"], seeds=2, progress=False, workers=1, config=cfg)
    md = path.read_text()
    record = json.loads((tmp_path / "ablations.json").read_text())
    assert record["seeds"] == 2 and len(record["metrics_per_seed"]) == 2
    assert all(set(m["embedding=gcn"]) == set(TASKS) for m in record["metrics_per_seed"])
    assert {p: p.stat().st_mtime_ns for p in seed0} == seed0
    assert (tmp_path / "runs" / "seed1").is_dir() and "mean (min–max) over the seeds" in md
    assert "| GCN | " in md and "–" in md.split("| GCN | ")[1].splitlines()[0]
