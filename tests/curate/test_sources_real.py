"""Adapters on the real PHOENIX-2014-T and WLASL annotation files, curated with generated pose files."""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from curate_helpers import SHARED, frame_index, needs_shared, write_seq
from signpt.data.curate import curate
from signpt.data.recipe import load_recipe
from signpt.data.sources import iter_records
from signpt.data.store import Corpus
from signpt.errors import CurationError

pytestmark = needs_shared
P14T = SHARED / "annotations" / "phoenix2014t"
WLASL = SHARED / "annotations" / "wlasl"


def _source(tmp_path, **kw):
    raw = {"name": kw.pop("name", "src"), "poses": str(tmp_path / "poses"), **kw}
    return load_recipe({"sources": [raw]}, base_dir=tmp_path).sources[0]


def test_phoenix2014t_labels_match_the_plain_text_files(tmp_path):
    cfg = _source(tmp_path, adapter="phoenix2014t", annotations=str(P14T), trusted=True)
    recs = list(iter_records(cfg))
    counts = Counter(r.split for r in recs)
    assert counts == {"train": 7096, "dev": 519, "test": 642}
    for split in ("train", "dev", "test"):
        # independent reference: the corpus as plain text, one sentence a line
        texts = (P14T / f"phoenix2014T.{split}.de").read_text(encoding="utf-8").splitlines()
        got = [r for r in recs if r.split == split]
        norm = lambda s: " ".join(s.replace(" .", "").split())  # the .de files keep the final " ."
        assert Counter(norm(r.text) for r in got) == Counter(norm(t) for t in texts)
        # (the gloss strings of labels.* differ from phoenix2014T.*.gloss in many sentences: not compared)
        assert sum(r.gloss is None for r in got) == {"train": 0, "dev": 2, "test": 2}[split]  # empty in the file
    assert all(r.sign_language == r.spoken_language is None for r in recs)  # defaults come from the source
    assert len({r.id for r in recs}) == len(recs)


def test_phoenix2014t_pickle_needs_trust(tmp_path):
    cfg = _source(tmp_path, adapter="phoenix2014t", annotations=str(P14T / "labels.dev"))
    with pytest.raises(CurationError, match="trusted: true"):
        list(iter_records(cfg))


def test_curate_phoenix2014t_dev_with_generated_poses(tmp_path):
    import gzip
    import pickle

    labels = pickle.load(gzip.open(P14T / "labels.dev", "rb"))
    chosen = sorted(labels)[:12]
    for name in chosen:  # pose files under {split}/{name}, frame counts from the label file
        write_seq(tmp_path / "poses" / f"{name}.npz", labels[name]["length"])
    recipe = {"sources": [{"name": "phoenix2014t", "adapter": "phoenix2014t", "annotations": str(P14T / "labels.dev"),
                           "poses": str(tmp_path / "poses"), "pose_format": "npz", "trusted": True}]}
    report = curate(recipe, tmp_path / "corpus", progress=False)
    assert report.written == 12
    assert len(report.skipped) == 519 - 12
    assert {s.reason for s in report.skipped} == {"missing pose file"}
    corpus = Corpus(tmp_path / "corpus")
    by_id = {corpus[i].id: corpus[i] for i in range(len(corpus))}
    for name in chosen:
        s = by_id["phoenix2014t/" + name.split("/", 1)[1]]
        assert s.num_frames == labels[name]["length"]
        assert s.text == labels[name]["text"].strip() and s.gloss == labels[name]["gloss"].split()
        assert (s.sign_language, s.spoken_language, s.split) == ("gsl", "de", "dev")
        np.testing.assert_array_equal(frame_index(s), np.arange(s.num_frames))


@pytest.mark.parametrize("subset", ["nslt_100.json", "nslt_300.json"])
def test_wlasl_nslt_records(tmp_path, subset):
    data = json.loads((WLASL / subset).read_text())
    classes = dict(line.split("\t") for line in (WLASL / "wlasl_class_list.txt").read_text().splitlines())
    cfg = _source(tmp_path, adapter="wlasl", annotations=str(WLASL / subset))
    recs = list(iter_records(cfg))
    assert len(recs) == len(data)
    expect_split = {"train": "train", "val": "dev", "test": "test"}
    for r in recs:
        entry = data[r.id]
        label, start, end = entry["action"]
        assert r.label == label and r.gloss == [classes[str(label)]]
        assert r.text == f"This word is {classes[str(label)]}."
        assert r.split == expect_split[entry["subset"]]
        assert (r.start_frame, r.end_frame) == (start - 1, end)
    assert len({r.label for r in recs}) == int(subset.split("_")[1].split(".")[0])


def test_curate_wlasl_trimmed_and_untrimmed_pose_files(tmp_path):
    data = json.loads((WLASL / "nslt_300.json").read_text())
    trimmed = sorted(v for v in data if data[v]["action"][1] > 1)[:5]   # clip made by the start kit
    untrimmed = sorted(v for v in data if data[v]["action"][1] > 1)[5:10]  # raw video, pose covers all
    plain = sorted(v for v in data if data[v]["action"][1] == 1)[:5]
    for v in trimmed + plain:
        _, s, e = data[v]["action"]
        write_seq(tmp_path / "poses" / f"{v}.npz", e - s + 1)
    for v in untrimmed:
        _, s, e = data[v]["action"]
        write_seq(tmp_path / "poses" / f"{v}.npz", e + 7)
    recipe = {"sources": [{"name": "wlasl300", "adapter": "wlasl", "annotations": str(WLASL / "nslt_300.json"),
                           "poses": str(tmp_path / "poses")}]}
    report = curate(recipe, tmp_path / "corpus", progress=False)
    assert report.written == 15
    corpus = Corpus(tmp_path / "corpus")
    by_id = {s.id.split("/", 1)[1]: s for s in corpus}
    for v in trimmed + plain:
        _, s, e = data[v]["action"]
        assert by_id[v].num_frames == e - s + 1
        assert frame_index(by_id[v])[0] == 0
    for v in untrimmed:  # cut to frames start..end (1-based, inclusive)
        _, s, e = data[v]["action"]
        np.testing.assert_array_equal(frame_index(by_id[v]), np.arange(s - 1, e))
