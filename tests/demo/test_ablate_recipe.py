"""``signpt ablate --recipe``: the pre-training data table MIX on a recipe that mixes real people (a few crowd
collections) with the synthetic corpus as a generated source; each row pre-trains on its sources only."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from signpt.data.store import Corpus
from signpt.pipeline import ablate as A
from signpt.pipeline.demo import DemoConfig
from signpt.train.pretrain import resolve_config, pretrain_dataset

REAL = Path(__file__).parents[1].parent.parent / "shared" / "data" / "real"
CROWD = ["ISmokeData__SignLanguageDetectionUsingMediapipe", "SarmSKunatham__RealtimeSignLanguageRecognition",
         "Zeldris69240__Sign_Detection", "vi2608__SignLanguageDetection", "arsalf__sign-language"]


def recipe(tmp_path: Path) -> Path:
    data = {"options": {"min_frames": 4}, "sources": [
        {"name": "crowd", "adapter": "mp_data", "annotations": str(REAL / "crowd"), "dominant_hand": "right",
         "options": {"collections": CROWD, "splits": {"dev": CROWD[-2:-1], "test": CROWD[-1:]}}},
        {"name": "synth", "adapter": "synth", "annotations": str(tmp_path / "synth-raw"), "split": "pretrain",
         "options": {"preset": "tiny", "seed": 0}},
    ]}
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_synth_source_is_generated_once_and_renamed(tmp_path):
    from signpt.data.curate import curate

    data = {"sources": [{"name": "syn", "adapter": "synth", "annotations": str(tmp_path / "raw"),
                         "split": "pretrain", "options": {"preset": "tiny", "seed": 1}}]}
    report = curate(data, tmp_path / "c", progress=False)
    c = Corpus(tmp_path / "c")
    assert report.written == len(c) > 100 and set(c.column("source")) == {"syn"} and set(c.column("split")) == {"pretrain"}
    kinds = {i.split("/")[1] for i in c.column("id")}
    assert "synth-islr" in kinds and "synth-pt-sentences" in kinds  # ids keep the manifest's source
    marker = tmp_path / "raw" / "synth.json"
    assert json.loads(marker.read_text()) == {"preset": "tiny", "seed": 1, "profile": "wholebody"}
    stamp = marker.stat().st_mtime_ns
    curate(data, tmp_path / "c2", progress=False)  # generated already: read, not made again
    assert marker.stat().st_mtime_ns == stamp and len(Corpus(tmp_path / "c2")) == len(c)


@pytest.mark.slow
@pytest.mark.skipif(not REAL.is_dir(), reason=f"real training data {REAL} is absent (../shared)")
def test_mix_table_pretrains_each_source_alone(tmp_path):
    cfg = DemoConfig(pretrain={"max_steps": 2, "batch_size": 8}, finetune_epochs={"islr": 1},
                     finetune_train={"islr": {"max_steps": 2}}, splits=("dev", "test"))
    path = A.run_ablations(tmp_path / "a", tables=["MIX"], recipe=recipe(tmp_path), config=cfg, progress=False,
                           workers=1)
    md = path.read_text()
    assert "**Table MIX" in md and "| crowd |" in md and "| synth |" in md and "all: crowd + synth" in md
    assert "ISLR Top-1" in md and "CSLR WER" not in md  # only the task the corpus has data for
    record = json.loads((tmp_path / "a" / "ablations.json").read_text())
    assert record["tasks"] == ["islr"] and set(record["metrics_per_split"]) == {"dev", "test"}
    runs = {s: v["run"] for s, v in record["settings"].items()}
    assert runs == {"scratch": "scratch", "sources=crowd": "sources=crowd", "sources=synth": "sources=synth",
                    "sources=all": "default"}
    corpus = tmp_path / "a" / "corpus"
    for name, sources in (("sources_crowd", {"crowd"}), ("sources_synth", {"synth"}), ("default", {"crowd", "synth"})):
        stored = yaml.safe_load((tmp_path / "a" / "runs" / name / "pretrain" / "config.yaml").read_text())
        setup = resolve_config("tiny", None, [f"data.sources={json.dumps(stored['data']['sources'])}"]
                               if stored["data"]["sources"] else None)
        ds = pretrain_dataset(corpus, setup.data)
        assert {ds.corpus[i].source for i in range(len(ds))} == sources
    test = Corpus(corpus).filter(split="test")
    assert set(test.column("signer")) == {CROWD[-1]}
