"""Stage reuse / resume bookkeeping and the demo's job plan (no training)."""
from __future__ import annotations

import dataclasses
import json

from signpt.pipeline import stages as S
from signpt.pipeline.demo import DemoConfig, demo_config, finetune_jobs
from signpt.pipeline.stages import FinetuneJob, PretrainJob


def test_finished_begin_finish(tmp_path, capsys):
    d = tmp_path / "stage"
    key = S.stage_key({"a": 1})
    assert S.finished(d, key) is None
    S.begin(d, key, {"a": 1})
    (d / "partial.txt").write_text("half done")
    S.begin(d, key, {"a": 1})  # same key: a killed run's files stay (resume)
    assert (d / "partial.txt").exists()
    S.finish(d, key, {"x": 2}, 1.5)
    assert S.finished(d, key) == {"x": 2}
    other = S.stage_key({"a": 2})
    assert other != key and S.finished(d, other) is None
    moved = S.begin(d, other, {"a": 2})  # other settings: the finished run is moved aside, not deleted
    assert not (d / "partial.txt").exists() and not (d / S.DONE_FILE).exists()
    assert json.loads((d / S.STAGE_FILE).read_text())["key"] == other
    assert moved == tmp_path / f"stage.stale-{key}"
    assert (moved / "partial.txt").read_text() == "half done" and S.finished(moved, key) == {"x": 2}
    assert "a: 1 -> 2" in capsys.readouterr().err
    assert S.begin(d, other, {"a": 2}) is None  # same key again: nothing moves
    S.begin(d, key, {"a": 1})  # back to the first settings: a second stale folder, the first one kept
    assert (tmp_path / f"stage.stale-{other}").is_dir() and moved.is_dir()


def test_changed_settings_names_added_fields():
    """An older signpt's run lacks a field a newer one adds: the message names it."""
    old = {"kind": "finetune", "resolved": {"lr": 1e-3}}
    new = {"kind": "finetune", "resolved": {"lr": 1e-3, "mirror_prob": 0.0}}
    assert S.changed_settings(old, new) == "resolved.mirror_prob: - -> 0.0"
    # a tuple read back from stage.json is a list: not a change
    stored = json.loads(json.dumps({"splits": ("dev", "test"), "channels": (32,)}))
    assert S.changed_settings(stored, {"splits": ("dev", "test"), "channels": (64,)}) == "channels: [32] -> [64]"


def test_stage_key_is_order_independent():
    assert S.stage_key({"a": 1, "b": [1, 2]}) == S.stage_key({"b": [1, 2], "a": 1})
    assert S.stage_key({"a": 1}) != S.stage_key({"a": 1.5})


def test_run_job_reuses_done(tmp_path, monkeypatch):
    job = FinetuneJob(task="islr", corpus="c", out=str(tmp_path / "ft"), init=None)
    calls = []
    monkeypatch.setattr(S, "_finetune", lambda j, out, progress: calls.append(j) or {"metrics": {"test": {"m": 1}}})
    first = S.run_job(job, threads=None, progress=False)
    again = S.run_job(job, threads=None, progress=False)
    assert first == again == {"metrics": {"test": {"m": 1}}} and len(calls) == 1
    changed = FinetuneJob(task="islr", corpus="c", out=str(tmp_path / "ft"), init=None, seed=1)
    S.run_job(changed, threads=None, progress=False)
    assert len(calls) == 2
    # a failing run leaves no done marker
    monkeypatch.setattr(S, "_finetune", lambda j, out, progress: 1 / 0)
    broken = FinetuneJob(task="islr", corpus="c", out=str(tmp_path / "ft2"), init=None)
    try:
        S.run_job(broken, threads=None, progress=False)
    except ZeroDivisionError:
        pass
    assert S.finished(tmp_path / "ft2", S.stage_key(broken.params())) is None


def test_demo_job_plan(tmp_path):
    cfg = DemoConfig(finetune_epochs={"islr": 3, "cslr": 4, "slt": 5, "retrieval": 6})
    pjobs = [PretrainJob("corpus", str(tmp_path / "pretrain" / f"seed{s}"), train={"max_steps": 5, "seed": s})
             for s in range(2)]
    jobs = finetune_jobs(tmp_path, tmp_path / "corpus", cfg, 2, pjobs)
    assert len(jobs) == 2 * 4 * 2
    for j in jobs:
        assert j.init == pjobs[j.seed].out  # both variants start from (the architecture of) their seed's run
        assert j.epochs == cfg.finetune_epochs[j.task]
        assert j.upstream == S.stage_key(pjobs[j.seed].params())
    pairs = {}
    for j in jobs:
        pairs.setdefault((j.task, j.seed), []).append(j)
    for (task, seed), (a, b) in pairs.items():
        assert {a.scratch, b.scratch} == {True, False}
        # same seed, budget, splits: the pair differs only in the encoder's start
        pa, pb = a.params(), b.params()
        assert {k for k in pa if pa[k] != pb[k]} == {"scratch"}


def test_quick_config_is_smaller():
    q, d = demo_config(True), demo_config(False)
    assert q.synth_preset == "tiny" and d.synth_preset == "small"
    assert q.pretrain["max_steps"] < d.pretrain["max_steps"]
    assert all(q.finetune_epochs[t] <= d.finetune_epochs[t] for t in d.finetune_epochs)


def test_stage_keys_follow_the_presets(monkeypatch):
    """A stage finished under an older preset definition is not reused: the keys hold the resolved presets."""
    from signpt.model import presets as model_presets
    from signpt.tasks import common

    ft = FinetuneJob(task="cslr", corpus="c", out="o", init="p")
    pt = PretrainJob("c", "o")
    ft_key, pt_key = S.stage_key(ft.params()), S.stage_key(pt.params())
    assert ft.params()["resolved"]["encoder_lr_scale"] == common.task_config("cslr").encoder_lr_scale
    monkeypatch.setitem(common.TINY, "cslr", {**common.TINY["cslr"], "encoder_lr_scale": 0.5})
    assert S.stage_key(ft.params()) != ft_key
    monkeypatch.setitem(model_presets.PRESETS, "tiny",
                        dataclasses.replace(model_presets.PRESETS["tiny"], mask_ratio=0.25))
    assert S.stage_key(pt.params()) != pt_key
