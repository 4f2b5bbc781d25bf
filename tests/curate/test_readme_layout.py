"""The README's "The paper's datasets" folder layout, built file for file under $SIGNPT_DATA and curated with
recipes/sl1.5m.yaml: every source reads it and writes the sample whose pose file the layout names."""
from __future__ import annotations

import gzip
import json
import pickle
import re
import shutil
from pathlib import Path

from curate_helpers import SHARED, needs_shared, write_seq
from signpt.data.curate import curate
from signpt.data.store import Corpus

ROOT = Path(__file__).parents[2]
ANN = SHARED / "annotations"


def readme_layout() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The paper's datasets", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def _wlasl_v03(path: Path) -> None:
    """WLASL_v0.3.json ({gloss, instances}) written from the real nslt_100.json and class list."""
    data = json.loads((ANN / "wlasl" / "nslt_100.json").read_text())
    names = dict(line.split("\t") for line in (ANN / "wlasl" / "wlasl_class_list.txt").read_text().splitlines())
    top = max(v["action"][0] for v in data.values())
    entries = [{"gloss": names[str(i)], "instances": []} for i in range(top + 1)]
    for vid, v in data.items():
        label, start, end = v["action"]
        entries[label]["instances"].append({"video_id": vid, "split": v["subset"], "frame_start": start,
                                            "frame_end": end, "signer_id": 0, "fps": 25})
    path.write_text(json.dumps(entries))


REAL = {  # README file name -> how to make it from the real excerpts
    "MSASL_test.json": ANN / "msasl" / "MSASL_test.json",
    "MSASL_classes.json": ANN / "msasl" / "MSASL_classes.json",
    "gloss_label.txt": ANN / "slr500" / "gloss_label.txt",
    "split.train.csv": ANN / "slr500" / "split.train.csv",
    "labels.dev": None,  # per folder: PHOENIX-2014-T or CSL-Daily
    "split_1.txt": ANN / "csl_daily" / "split_1.txt",
    "how2sign_realigned_test.csv": ANN / "how2sign" / "how2sign_realigned_test.csv",
    "train.corpus.csv": ANN / "phoenix2014" / "train.corpus.csv",
    "bobsl_train_1658.txt": ANN / "bobsl" / "bobsl_train_1658.txt",
    "bobsl_val_32.txt": ANN / "bobsl" / "bobsl_val_32.txt",
}


def _make(path: Path, rel: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if "/poses/" in f"/{rel}":
        write_seq(path, 200)  # MMPose-style pickle (trusted in the recipe), COCO-WholeBody 133, 25 fps
    elif name == "WLASL_v0.3.json":
        _wlasl_v03(path)
    elif name == "labels.dev":
        shutil.copy(ANN / ("phoenix2014t" if rel.startswith("PHOENIX-2014-T") else "csl_daily") / name, path)
    elif name in REAL:
        shutil.copy(REAL[name], path)
    elif rel.startswith("NMFs-CSL/") and name == "dictionary.txt":
        path.write_text("".join(f"{i:06d}\t词{i}\n" for i in range(1067)), encoding="utf-8")
    elif rel.startswith("NMFs-CSL/") and name == "train.txt":
        path.write_text("000123/P01_0123_1.mp4 123\n", encoding="utf-8")
    elif name.endswith(".vtt"):
        path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nThe weather today.\n", encoding="utf-8")
    else:
        raise AssertionError(f"README layout names {rel}: the test does not know how to make it")


@needs_shared
def test_readme_layout_curates_with_the_recipe(tmp_path, monkeypatch):
    layout = readme_layout()
    assert len(layout) >= 20
    data = tmp_path / "data"
    for rel in layout:
        _make(data / rel, rel)
    monkeypatch.setenv("SIGNPT_DATA", str(data))
    report = curate(ROOT / "recipes" / "sl1.5m.yaml", tmp_path / "corpus", progress=False)
    assert not report.errors
    assert {s.reason for s in report.skipped} <= {"missing pose file"}  # no parse error anywhere
    by_source = {r.name: r for r in report.sources}
    assert set(by_source) == {"wlasl", "msasl", "nmfs_csl", "slr500", "phoenix2014t", "csl_daily", "how2sign",
                              "phoenix2014", "bobsl"}
    corpus = Corpus(tmp_path / "corpus")
    used = {Path(s.meta["pose_file"]) for s in corpus}
    for rel in (r for r in layout if "/poses/" in r):
        assert data / rel in used, f"{rel}: no sample written from this pose file"
    assert all(r.written >= 1 for r in by_source.values()), {k: r.written for k, r in by_source.items()}
    p14t = pickle.load(gzip.open(ANN / "phoenix2014t" / "labels.dev", "rb"))
    assert by_source["phoenix2014t"].records == len(p14t)
    s = next(x for x in corpus if x.id.startswith("slr500/"))
    assert (s.id, s.label, s.text, s.split) == ("slr500/000/P09_01_00_3._color", 0, "这个词是情况。", "train")
    b = next(x for x in corpus if x.id.startswith("bobsl/"))
    assert (b.split, b.text, b.num_frames) == ("train", "The weather today.", 50)


def test_readme_layout_block_is_there():
    lines = readme_layout()
    assert any(x.startswith("SLR500/poses/000/") for x in lines)
