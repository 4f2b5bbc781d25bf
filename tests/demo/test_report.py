"""Report assembly of the demo on hand-made run results (no training)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from signpt.pipeline import report as R
from signpt.pipeline.stages import write_json


def _run(tmp_path, task, variant, seed, metrics, examples=(), log=None):
    out = tmp_path / "finetune" / task / variant / f"seed{seed}"
    (out / "eval").mkdir(parents=True)
    (out / "eval" / "examples_test.jsonl").write_text("".join(json.dumps(e) + "\n" for e in examples))
    if log is not None:
        lines = ["step,epoch,loss,lr"] + [f"{i + 1},0,{v},0.001" for i, v in enumerate(log)]
        (out / "train_log.csv").write_text("\n".join(lines) + "\n")
    return {"task": task, "variant": variant, "seed": seed, "out": str(out), "metrics": {"test": metrics}}


ISLR = {"pretrained": [60.0, 70.0, 65.0], "scratch": [20.0, 30.0, 25.0]}
WER = {"pretrained": [40.0, 50.0, 45.0], "scratch": [48.0, 90.0, 80.0]}


def _runs(tmp_path):
    runs = []
    for s in range(3):
        for v in ("pretrained", "scratch"):
            runs.append(_run(tmp_path, "islr", v, s, {"per_instance_top1": ISLR[v][s], "per_instance_top5": 90.0},
                             examples=[{"id": "a", "reference": "MAN", "prediction": "MAN",
                                        "top5": [["MAN", 0.9], ["BIRD", 0.05]]}] if s == 0 else (),
                             log=[3.0, 2.0, 1.5] if s == 0 else None))
            runs.append(_run(tmp_path, "cslr", v, s, {"wer": WER[v][s], "del": 10.0 + s, "ins": 2.0},
                             examples=[{"id": "b", "reference": "X Y", "prediction": "X" if v == "scratch" else "X Y"}]
                             if s == 0 else ()))
    return runs


def test_collect_and_cells(tmp_path):
    data = R.collect(_runs(tmp_path))
    assert data["islr"]["pretrained"]["test"]["per_instance_top1"] == [60.0, 70.0, 65.0]
    assert R.cell([60.0, 70.0, 65.0], 2) == "65.00 (60.00–70.00)"
    assert R.cell([61.5], 2) == 61.5
    rows = R.table_rows("cslr", data["cslr"])
    assert rows["Scratch"]["test"]["wer"] == "72.7 (48.0–90.0)"  # mean of 48, 90, 80
    assert rows["Scratch"]["test"]["del"] == pytest.approx(11.0)  # mean of 10, 11, 12 (a number for del/ins)
    table = R.task_table("cslr", data["cslr"])
    assert "| Pre-trained | 11.0/2.0 | 45.0 (40.0–50.0) |" in table


def test_headline_verdicts(tmp_path):
    data = R.collect(_runs(tmp_path))
    text, verdicts = R.headline(data)
    # ISLR: worst pre-trained seed (60) beats best scratch seed (30)
    assert verdicts["islr"]["ahead"] and verdicts["islr"]["beyond_spread"]
    assert verdicts["islr"]["delta"] == pytest.approx(65.0 - 25.0)
    # CSLR (lower is better): mean 45 < 72.7 but pre-trained's worst (50) is above scratch's best (48)
    assert verdicts["cslr"]["ahead"] and not verdicts["cslr"]["beyond_spread"]
    assert "within the spread of 3 seeds" in text and "beyond the spread of 3 seeds" in text
    assert "slt" not in verdicts  # no runs, no row


def test_headline_not_ahead_single_seed():
    data = {"slt": {"pretrained": {"test": {"bleu4": [1.0]}}, "scratch": {"test": {"bleu4": [2.0]}}}}
    text, v = R.headline(data)
    assert not v["slt"]["ahead"] and "| no |" in text


def test_examples_pair_by_id(tmp_path):
    runs = _runs(tmp_path)
    text = R.sequence_examples("cslr", runs, 5)
    lines = text.splitlines()
    assert lines[2:] == ["| Reference (b) | X Y |", "| Scratch | X |", "| Pre-trained | X Y |"]
    islr = R.islr_examples(runs, 5)
    assert "**MAN** (0.90), BIRD (0.05)" in islr


def test_write_report_and_figures(tmp_path):
    runs = _runs(tmp_path)
    pre = tmp_path / "pretrain" / "seed0"
    pre.mkdir(parents=True)
    (pre / "train_log.csv").write_text("step,epoch,loss,loss_pr,loss_stc,lr\n"
                                       + "".join(f"{i},0,{3 - i / 10},{1 - i / 20},{2 - i / 20},0.001\n"
                                                 for i in range(1, 11)))
    record = {"config": {"synth_preset": "tiny", "synth_seed": 0, "model_preset": "tiny",
                         "pretrain": {"max_steps": 10}, "finetune_epochs": {"islr": 1, "cslr": 1},
                         "splits": ["test"], "render_samples": 0, "examples": 3},
              "seeds": 3, "corpus": str(tmp_path / "corpus"), "runs": runs, "pretrain": [str(pre)],
              "timings_s": {"total": 12.0}}
    path = R.write_report(tmp_path, record)
    text = path.read_text()
    assert "Pre-training is ahead on 2 of 2 tasks" in text
    assert "65.00 (60.00–70.00)" in text
    assert (tmp_path / "plots" / "pretrain_loss.png").stat().st_size > 1000
    assert (tmp_path / "plots" / "finetune_loss.png").stat().st_size > 1000
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["summary"]["islr"]["pretrained"]["mean"] == pytest.approx(65.0)


def test_smooth_is_moving_average():
    y = np.arange(10, dtype=float)
    s = R._smooth(y, 3)
    assert s[2:] == pytest.approx([1, 2, 3, 4, 5, 6, 7, 8])
    assert s[:2] == pytest.approx([0, 0.5])


def test_write_json_atomic(tmp_path):
    write_json(tmp_path / "x.json", {"a": 1})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_collapsed_outputs_are_flagged(tmp_path):
    runs = []
    for v, preds in (("pretrained", ["a b", "c"]), ("scratch", ["same", "same"])):
        runs.append(_run(tmp_path, "slt", v, 0, {"bleu4": 1.0},
                         examples=[{"id": str(i), "reference": "r", "prediction": p} for i, p in enumerate(preds)]))
    text = R.sequence_examples("slt", runs, 5)
    assert "Scratch outputs the same sentence for all 2 test samples" in text
    assert "Pre-trained outputs the same" not in text
