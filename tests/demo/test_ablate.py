"""Ablation settings -> pre-training config overrides, and the tables (no training)."""
from __future__ import annotations

import pytest

from signpt.errors import ConfigError
from signpt.pipeline import ablate as A
from signpt.pipeline.stages import FinetuneJob, PretrainJob
from signpt.train.pretrain import resolve_config

EXPECTED = {  # table -> [(setting, field, value)] for its non-default rows
    "XII": [("lambda_stc=0.1", "lambda_stc", 0.1), ("lambda_stc=0.5", "lambda_stc", 0.5),
            ("lambda_stc=1.5", "lambda_stc", 1.5), ("lambda_stc=2.0", "lambda_stc", 2.0)],
    "XIII": [("data_fraction=0.25", "data_fraction", 0.25), ("data_fraction=0.5", "data_fraction", 0.5),
             ("data_fraction=0.75", "data_fraction", 0.75)],
    "XIV": [("pretext=pr", "pretext", "pr"), ("pretext=stc", "pretext", "stc")],
    "XV": [("features=manual", "features", "manual"), ("features=non_manual", "features", "non_manual")],
    "XVI": [(f"window={w}", "window", w) for w in (1, 2, 8, 16)],
    "XVII": [("mask_ratio=0.2", "mask_ratio", 0.2), ("mask_ratio=0.6", "mask_ratio", 0.6),
             ("mask_ratio=0.8", "mask_ratio", 0.8)],
    "XVIII": [("similarity=coarse", "similarity", "coarse")],
    "XIX": [("embedding=linear", "embedding", "linear")],
}


def _overrides(name):
    job = A.setting_jobs(__import__("pathlib").Path("/x"), "/c", A.ablation_config(True), [A.DEFAULT, name])[0]
    return {j.label: j for j in job}


@pytest.mark.parametrize("table", list(EXPECTED))
def test_setting_changes_exactly_one_field(table):
    default = resolve_config("tiny").model
    rows = {s for _, s in A.TABLES[table]["rows"]}
    for setting, field, value in EXPECTED[table]:
        assert setting in rows
        pj = _overrides(setting)[f"pretrain {setting}"]
        model = resolve_config("tiny", None, [f"model.{k}={v}" for k, v in pj.model.items()]).model
        changed = {f for f in vars(default) if getattr(default, f) != getattr(model, f)}
        assert changed == {field} and getattr(model, field) == value


def test_default_row_matches_paper_defaults():
    m = resolve_config("tiny").model
    assert (m.lambda_stc, m.data_fraction, m.pretext, m.features, m.window, m.mask_ratio, m.similarity,
            m.embedding) == (1.0, 1.0, "both", "both", 4, 0.4, "fine", "gcn")
    for spec in A.TABLES.values():  # each table holds the default row exactly once
        assert sum(s == A.DEFAULT for _, s in spec["rows"]) == 1


def test_special_rows():
    assert A.SETTINGS[A.SCRATCH] is None
    assert A.TABLES["XIII"]["rows"][0] == (["0%"], A.SCRATCH)
    assert A.TABLES["XVII"]["rows"][0] == (["0%"], "pretext=stc")  # no masked pose modelling


def test_jobs_share_runs(tmp_path):
    settings = A.settings_for(["XIV", "XVII", "XIII"])
    assert settings.count("pretext=stc") == 1 and settings[0] == A.DEFAULT
    pjobs, fjobs = A.setting_jobs(tmp_path, tmp_path / "corpus", A.ablation_config(True), settings)
    assert all(isinstance(j, PretrainJob) for j in pjobs) and len(pjobs) == len(settings) - 1  # no scratch run
    assert len(fjobs) == 4 * len(settings) and all(isinstance(j, FinetuneJob) for j in fjobs)
    default_out = next(j.out for j in pjobs if j.label == "pretrain default")
    scratch = [j for j in fjobs if j.scratch]
    assert len(scratch) == 4 and all(j.init == default_out for j in scratch)
    assert all(j.splits == ("test",) for j in fjobs)


def test_parse_tables():
    assert A.parse_tables("xv,XII") == ["XII", "XV"]
    assert A.parse_tables(None) == list(A.TABLES)
    with pytest.raises(ConfigError, match="XX"):
        A.parse_tables("XII,XX")


def _metrics(settings_values):
    return {s: {"islr": {"per_instance_top1": v}, "cslr": {"wer": 100 - v}, "slt": {"bleu4": v / 10},
                "retrieval": {"t2v_r1": v}} for s, v in settings_values.items()}


def test_ablation_table_layout_and_best():
    metrics = _metrics({"lambda_stc=0.1": 10.0, "lambda_stc=0.5": 30.0, A.DEFAULT: 20.0, "lambda_stc=1.5": 5.0})
    table, best = A.ablation_table("XII", metrics)
    lines = table.splitlines()
    assert lines[2] == "| λ | ISLR Top-1 ↑ | CSLR WER ↓ | SLT B-4 ↑ | Retrieval R@1 ↑ |"
    assert lines[4] == "| 0.1 | 10.00 | 90.0 | 1.00 | 10.0 |"
    assert lines[8] == "| 2.0 | - | - | - | - |"  # not run: dashes
    assert best == {c: ["0.5"] for c in ("ISLR Top-1 ↑", "CSLR WER ↓", "SLT B-4 ↑", "Retrieval R@1 ↑")}
    md = A.ablation_markdown(metrics, ["XII"], budget="b")
    assert "agrees on 0 of 4" in md


def test_checkmark_rows():
    metrics = _metrics({"pretext=pr": 1.0, "pretext=stc": 2.0, A.DEFAULT: 3.0})
    table, best = A.ablation_table("XIV", metrics)
    assert "| ✓ |  | 1.00 | 99.0 | 0.10 | 1.0 |" in table
    assert best["ISLR Top-1 ↑"] == ["PR + STC"]
    assert "agrees on 4 of 4" in A.ablation_markdown(metrics, ["XIV"])
