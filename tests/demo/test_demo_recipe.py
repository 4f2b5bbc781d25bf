"""``signpt demo --recipe`` on real people (a few collections of ../shared/data/real/crowd), and ``signpt evaluate
islr --corpus OTHER`` on a corpus of other people curated separately (marked slow: about a minute)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from signpt.cli.main import main
from signpt.data.labels import normalise_label
from signpt.data.store import Corpus
from signpt.pipeline import run_demo
from signpt.pipeline.stages import DONE_FILE

REAL = Path(__file__).parents[1].parent.parent / "shared" / "data" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real training data {REAL} is absent (../shared)")
TRAIN = ["ISmokeData__SignLanguageDetectionUsingMediapipe", "SarmSKunatham__RealtimeSignLanguageRecognition",
         "jackfai1993__Hanry-Sign-Language-Translator", "Zeldris69240__Sign_Detection", "PRAJ1507__ISLrec"]
DEV = ["vi2608__SignLanguageDetection"]
TEST = ["arsalf__sign-language", "YashBhardwaj2__minor_projecct"]
OTHER = ["pra23pat__Major", "dilashaupadhyay__GestureSync"]
LABELS = {"synonyms": {"thanks": "thank you", "thankyou": "thank you"}}


def write_recipe(path: Path, collections, **source) -> Path:
    src = {"name": "crowd", "adapter": "mp_data", "annotations": str(REAL / "crowd"),
           "language": {"sign": "asl", "spoken": "en"},
           "options": {"collections": collections, "labels": LABELS, **source.pop("options", {})}, **source}
    path.write_text(yaml.safe_dump({"options": {"min_frames": 4}, "sources": [src]}))
    return path


@pytest.mark.slow
def test_demo_on_a_recipe_of_real_people_and_evaluation_on_others(tmp_path, capsys):
    recipe = write_recipe(tmp_path / "crowd.yaml", TRAIN + DEV + TEST,
                          options={"splits": {"dev": DEV, "test": TEST}})
    out = tmp_path / "demo"
    report = run_demo(out, quick=True, recipe=recipe, progress=False, workers=1)
    text = report.read_text()
    assert "## Real data" in text and "**ISLR**" in text and "**CSLR**" not in text
    assert "No dev or test signer appears in a pre-training or training sample." in text
    results = json.loads((out / "results.json").read_text())
    assert results["tasks"] == ["islr"] and set(results["skipped_tasks"]) == {"cslr", "slt", "retrieval"}
    runs = {r["variant"]: r for r in results["runs"]}
    assert set(runs) == {"pretrained", "scratch"}
    for variant, r in runs.items():
        assert "islr" in r["out"] and variant in r["out"]
        assert r["metrics"]["test"]["num_samples"] > 0 and r["metrics"]["dev"]["num_samples"] > 0
    corpus = Corpus(out / "corpus")
    assert set(corpus.filter(split="test").column("signer")) == set(TEST)
    markers = sorted(out.rglob(DONE_FILE))
    assert len(markers) == 1 + 1 + 2  # curate, pre-train, 2 fine-tunes
    stamps = {p: p.stat().st_mtime_ns for p in markers}
    run_demo(out, quick=True, recipe=recipe, progress=False, workers=1)  # rerun: every stage reused
    assert {p: p.stat().st_mtime_ns for p in markers} == stamps

    # other people, curated separately: every record to test, classes matched by name
    other = write_recipe(tmp_path / "other.yaml", OTHER, split="test")
    assert main(["curate", str(other), "--out", str(tmp_path / "other")]) == 0
    ckpt = out / "finetune" / "islr" / "pretrained" / "seed0"
    capsys.readouterr()
    assert main(["evaluate", "islr", "--corpus", str(tmp_path / "other"), "--checkpoint", str(ckpt),
                 "--out", str(tmp_path / "eval"), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)

    from signpt.tasks.common import eval_batches, load_task_model, TaskConfig

    model, meta = load_task_model(ckpt, "islr")
    known = {normalise_label(n): i for i, n in enumerate(model.class_names)}
    view = Corpus(tmp_path / "other").filter(split="test")
    names = [" ".join(g) for g in view.column("gloss")]
    expected_unknown = Counter(n for n in names if normalise_label(n) not in known)
    assert metrics["unknown_label_samples"] == sum(expected_unknown.values()) > 0
    assert metrics["unknown_labels"] == dict(expected_unknown)
    keep = [i for i, n in zip(view.column("id"), names) if normalise_label(n) in known]
    assert metrics["num_samples"] == len(keep) > 0
    hits = []
    cfg = TaskConfig.from_dict(meta["task_config"])
    with torch.no_grad():
        for batch in eval_batches(view.filter(ids=keep), cfg):
            pred = model.logits(batch).argmax(-1).tolist()
            for sid, p in zip(batch.ids, pred):
                hits.append(p == known[normalise_label(names[list(view.column("id")).index(sid)])])
    assert metrics["per_instance_top1"] == pytest.approx(100 * np.mean(hits))
