"""Ablation settings -> pre-training config overrides, and the tables (no training)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from signpt.errors import ConfigError
from signpt.pipeline import ablate as A
from signpt.pipeline.stages import PretrainJob, stage_key
from signpt.train.pretrain import resolve_config

FIELDS = {"XII": "lambda_stc", "XIII": "data_fraction", "XIV": "pretext", "XV": "features", "XVI": "window",
          "XVII": "mask_ratio", "XVIII": "similarity", "XIX": "embedding", "XIII-ENDS": "data_fraction",
          "XIV-MASK": "pretext"}
VALUES = {  # table -> the value of its field per row, in the paper's row order (None: no pre-training)
    "XII": [0.1, 0.5, 1.0, 1.5, 2.0],
    "XIII": [None, 0.25, 0.5, 0.75, 1.0],
    "XIV": ["pr", "stc", "both"],
    "XV": ["manual", "non_manual", "both"],
    "XVI": [1, 2, 4, 8, 16],
    "XVII": ["stc", 0.2, 0.4, 0.6, 0.8],  # 0 %: the STC-only run (no masked pose modelling)
    "XVIII": ["coarse", "fine"],
    "XIX": ["linear", "gcn"],
    "XIII-ENDS": [None, 1.0],
    "XIV-MASK": ["stc", "stc_masked", "both"],
    "XIV-WEIGHT": [("pretext", "stc"), ("pretext", "both"), ("lambda_stc", 0.01)],  # rows of two fields
}


def _model_of(job: PretrainJob):
    return resolve_config("tiny", None, [f"model.{k}={json.dumps(v)}" for k, v in job.model.items()]).model


@pytest.mark.parametrize("table", list(VALUES))
def test_each_row_pretrains_with_its_setting(tmp_path, table):
    preset = resolve_config("tiny").model
    settings = [s for _, s in A.TABLES[table]["rows"]]
    pjobs, fjobs, names = A.setting_jobs(tmp_path, tmp_path / "corpus", A.ablation_config(True), settings)
    by_run = {Path(j.out).parent.name: j for j in pjobs}
    for setting, value in zip(settings, VALUES[table]):
        run = names[setting]
        if value is None:  # α = 0 %: fine-tuned from scratch with the preset's architecture
            scratch = [j for j in fjobs if j.scratch]
            assert run == A.SCRATCH and len(scratch) == 4
            assert all(j.init == by_run[A.DEFAULT].out for j in scratch)
            continue
        model = _model_of(by_run[run.replace("=", "_").replace(",", "+")])
        if isinstance(value, tuple):
            field, value = value
        else:
            field = "pretext" if (table, value) == ("XVII", "stc") else FIELDS[table]
        assert getattr(model, field) == value
        changed = {f for f in vars(preset) if getattr(preset, f) != getattr(model, f)}
        assert changed <= {field}  # nothing else differs from the preset
        assert (run == A.DEFAULT) == (not changed)
    assert len(fjobs) == 4 * len(set(names.values()))


def test_settings_equal_to_the_preset_share_the_default_run():
    preset = resolve_config("tiny").model
    same = [s for s, over in A.SETTINGS.items() if over and all(getattr(preset, k) == v for k, v in over.items())]
    assert same and all(A.run_name(s) == A.DEFAULT for s in same)
    other = "embedding=gcn" if preset.embedding == "linear" else "embedding=linear"
    assert A.run_name(other) == other


def test_special_rows():
    assert A.SETTINGS[A.SCRATCH] is None
    assert A.TABLES["XIII"]["rows"][0] == (["0%"], A.SCRATCH)
    assert A.TABLES["XVII"]["rows"][0] == (["0%"], "pretext=stc")  # no masked pose modelling


def test_jobs_share_runs(tmp_path):
    settings = A.settings_for(["XIV", "XVII", "XIII"])
    assert settings.count("pretext=stc") == 1
    pjobs, fjobs, names = A.setting_jobs(tmp_path, tmp_path / "corpus", A.ablation_config(True), settings)
    runs = set(names.values())
    assert len(pjobs) == len(runs - {A.SCRATCH}) and pjobs[0].label == "pretrain default"
    assert len(fjobs) == 4 * len(runs) and all(j.splits == ("test",) for j in fjobs)
    assert names["pretext=both"] == names["data_fraction=1.0"] == A.DEFAULT


def test_parse_tables():
    assert A.parse_tables("xv,XII") == ["XII", "XV"]
    assert A.parse_tables(None) == ["XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX"]  # the paper's
    assert A.parse_tables("xiv-mask,XIII-ENDS") == ["XIII-ENDS", "XIV-MASK"]
    assert A.parse_tables("XIV-WEIGHT") == ["XIV-WEIGHT"]
    with pytest.raises(ConfigError, match="XX"):
        A.parse_tables("XII,XX")


def _metrics(settings_values):
    return {s: {"islr": {"per_instance_top1": v}, "cslr": {"wer": 100 - v}, "slt": {"bleu4": v / 10},
                "retrieval": {"t2v_r1": v}} for s, v in settings_values.items()}


def test_ablation_table_layout_and_best():
    metrics = _metrics({"lambda_stc=0.1": 10.0, "lambda_stc=0.5": 30.0, "lambda_stc=1.0": 20.0,
                        "lambda_stc=1.5": 5.0})
    table, best = A.ablation_table("XII", metrics)
    lines = table.splitlines()
    assert lines[2] == "| λ | ISLR Top-1 ↑ | CSLR WER ↓ | SLT B-4 ↑ | Retrieval R@1 ↑ |"
    assert lines[4] == "| 0.1 | 10.00 | 90.0 | 1.00 | 10.0 |"
    assert lines[8] == "| 2.0 | - | - | - | - |"  # not run: dashes
    assert best == {c: ["0.5"] for c in ("ISLR Top-1 ↑", "CSLR WER ↓", "SLT B-4 ↑", "Retrieval R@1 ↑")}
    md = A.ablation_markdown(metrics, ["XII"], budget="b")
    assert "single best on 0 of 4" in md


def test_checkmark_rows():
    metrics = _metrics({"pretext=pr": 1.0, "pretext=stc": 2.0, "pretext=both": 3.0})
    table, best = A.ablation_table("XIV", metrics)
    assert "| ✓ |  | 1.00 | 99.0 | 0.10 | 1.0 |" in table
    assert best["ISLR Top-1 ↑"] == ["PR + STC"]
    assert "single best on 4 of 4." in A.ablation_markdown(metrics, ["XIV"])


def test_seeds_give_separate_runs_with_their_seed(tmp_path):
    settings = A.settings_for(["XV"])
    p1, f1, _ = A.setting_jobs(tmp_path, tmp_path / "corpus", A.ablation_config(True), settings)
    p3, f3, names = A.setting_jobs(tmp_path, tmp_path / "corpus", A.ablation_config(True), settings, seeds=3)
    assert len(p3) == 3 * len(p1) and len(f3) == 3 * len(f1)
    assert [j.out for j in p3[:len(p1)]] == [j.out for j in p1]  # seed 0 keeps the one-seed layout
    assert len({j.out for j in p3}) == len(p3) and len({j.out for j in f3}) == len(f3)
    for j in p3:
        seed = j.train["seed"]
        assert (f"/seed{seed}/" in j.out) == (seed > 0)
    for j in f3:  # each fine-tuning starts from the pre-training of its own seed, in its seed's folder
        pre = next(p for p in p3 if p.out == j.init)
        assert pre.train["seed"] == j.seed
        assert Path(j.out).parent == A.run_dir(tmp_path, names[f"features={pre.model.get('features', 'both')}"]
                                               if not j.scratch else A.SCRATCH, j.seed)


def test_multi_seed_cells_and_spread():
    seed_values = [{"features=manual": 10.0, "features=non_manual": 1.0, "features=both": 12.0},
                   {"features=manual": 14.0, "features=non_manual": 2.0, "features=both": 15.0},
                   {"features=manual": 12.0, "features=non_manual": 3.0, "features=both": 18.0}]
    per_seed = [_metrics(v) for v in seed_values]
    table, best = A.ablation_table("XV", per_seed)
    # both: mean 15, min 12, max 18; CSLR WER = 100 - v: mean 85, 82-88
    assert "| ✓ | ✓ | 15.00 (12.00–18.00) | 85.0 (82.0–88.0) | 1.50 (1.20–1.80) | 15.0 (12.0–18.0) |" in table
    assert best["ISLR Top-1 ↑"] == ["Manual + Non-manual"]
    # both's worst seed (12) is below manual's best (14): not beyond the spread
    assert A.beyond_spread("XV", per_seed) == {c: False for c in best}
    per_seed[0] = _metrics({"features=manual": 10.0, "features=non_manual": 1.0, "features=both": 14.5})
    assert all(A.beyond_spread("XV", per_seed).values())
    md = A.ablation_markdown(per_seed, ["XV"], budget="b")
    assert "mean (min–max) over the seeds" in md and "beyond the seed spread on 4 of 4" in md
    assert A.beyond_spread("XV", per_seed[:1]) == {}  # one seed: no spread to speak of


def test_pretrain_steps_change_only_the_pretraining_length(tmp_path):
    base, longer = A.ablation_config(), A.ablation_config(pretrain_steps=2000)
    assert longer.pretrain == {**base.pretrain, "max_steps": 2000}
    assert longer.finetune_epochs == base.finetune_epochs and longer.splits == base.splits
    assert A.ablation_config(quick=True, pretrain_steps=7).pretrain["max_steps"] == 7
    with pytest.raises(ConfigError):
        A.ablation_config(pretrain_steps=0)
    # a longer run is its own stage: it never reuses (or overwrites) the 1,000-step one
    jobs = [A.setting_jobs(tmp_path, tmp_path / "corpus", c, ["pretext=stc"])[0][0] for c in (base, longer)]
    assert jobs[1].train["max_steps"] == 2000
    assert stage_key(jobs[0].params()) != stage_key(jobs[1].params())


def test_cli_passes_pretrain_steps(tmp_path, monkeypatch):
    from signpt.cli.main import main

    seen = {}
    monkeypatch.setattr(A, "run_ablations", lambda out, **kw: seen.update(kw) or tmp_path / "ablations.md")
    assert main(["ablate", "--out", str(tmp_path), "--tables", "XIV", "--pretrain-steps", "2000"]) == 0
    assert seen["config"].pretrain["max_steps"] == 2000 and seen["tables"] == ["XIV"]
