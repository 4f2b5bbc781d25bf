"""The ``mp_data``, ``kaggle_islr`` and ``signbridge`` adapters: generated folders with known content (labels,
splits, bad files), then every layout of the real training data in ../shared/data/real."""
import hashlib
import json
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import yaml

from curate_helpers import SHARED
from signpt.data.curate import curate
from signpt.data.labels import LabelMap, normalise_label
from signpt.data.recipe import load_recipe
from signpt.data.sources import iter_records
from signpt.data.store import Corpus
from signpt.errors import ConfigError, CurationError

REAL = SHARED / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real training data {REAL} is absent (../shared)")
ROOT = Path(__file__).parents[2]


def vectors(frames=30, dim=258, value=0.4):
    v = np.full((frames, dim), value, np.float32)
    return v


def make_collections(root: Path) -> Path:
    """alice, bob (per-sequence arrays) and carol (per-frame folders, inside MP_Data) with spelling variants."""
    layout = {
        "alice": {"Hello": 2, "thank_you": 2, "A": 1, "idle": 1},
        "bob": {"hello": 2, "Thank%20You": 1, "a": 1, "cat": 1},
        "carol/MP_Data": {"HELLO": 1, "thanks": 1},
    }
    for coll, labels in layout.items():
        for label, n in labels.items():
            for s in range(n):
                if coll.startswith("carol"):
                    d = root / coll / label / str(s)
                    d.mkdir(parents=True)
                    for f in range(12):
                        np.save(d / f"{f}.npy", vectors(1, 258)[0].astype(np.float64))
                else:
                    (root / coll / label).mkdir(parents=True, exist_ok=True)
                    np.save(root / coll / label / f"{s}.npy", vectors())
    return root


def recipe(tmp_path: Path, root: Path, **options) -> dict:
    src = {"name": "mp", "adapter": "mp_data", "annotations": str(root), "language": {"sign": "asl", "spoken": "en"},
           "options": options}
    return {"options": {"min_frames": 2}, "sources": [src]}


def records(tmp_path, root, **options):
    r = load_recipe(recipe(tmp_path, root, **options), base_dir=tmp_path)
    return list(iter_records(r.sources[0], r.options.templates))


def test_label_normalisation_and_synonyms():
    assert normalise_label("Thank%20You") == "thankyou" == normalise_label("thank_you") == normalise_label("Thank-You")
    assert normalise_label("Thank You", rules=("case",)) == "thank you"
    m = LabelMap(synonyms={"thanks": "thank you", "thank you": "thank you"}, exclude=("IDLE",))
    assert m.lookup("THANKS") == ("thankyou", "thank you") == m.lookup("thank_you")
    assert m.lookup("Idle") is None and m.lookup("_") is None and m.lookup("-") is None
    with pytest.raises(ConfigError, match="unknown label normalisation rule"):
        LabelMap(rules=("case", "accents"))


def test_collections_labels_and_signers(tmp_path):
    root = make_collections(tmp_path / "data")
    recs = records(tmp_path, root, labels={"synonyms": {"thanks": "thank you"}, "exclude": ["idle"]})
    by_id = {r.id: r for r in recs}
    assert set(by_id) >= {"alice/Hello/0", "bob/Thank%20You/0", "carol/MP_Data/thanks/0"}
    assert len(recs) == 6 + 5 + 2
    assert by_id["carol/MP_Data/thanks/0"].pose.is_dir() and by_id["carol/MP_Data/thanks/0"].signer == "carol"
    kept = [r for r in recs if r.split is not None]
    names = {r.gloss[0] for r in kept}
    assert names == {"hello", "thank you", "a", "cat"}  # Hello/hello/HELLO one class; idle excluded
    classes = sorted({normalise_label(n) for n in names})
    for r in kept:
        assert r.label == classes.index(normalise_label(r.gloss[0]))
        assert r.text == f"This word is {r.gloss[0]}." and r.split == "train"
    assert by_id["alice/idle/0"].split is None


def test_splits_min_signers_and_source_split(tmp_path):
    root = make_collections(tmp_path / "data")
    recs = {r.id: r for r in records(tmp_path, root, splits={"test": ["bob"]}, min_signers=2)}
    # in train (alice, carol): hello (2 people) and thank you... spelled thankyou / thanks: one person each
    assert {r.gloss[0] for r in recs.values() if r.split == "train"} == {"hello"}
    assert recs["alice/thank_you/0"].split == "pretrain" and recs["alice/thank_you/0"].label is None
    assert recs["bob/hello/0"].split == "test" and recs["bob/hello/0"].label == 0
    assert recs["bob/cat/0"].split is None  # not a class, and bob is not in train: left out
    r = load_recipe({"sources": [{"name": "mp", "adapter": "mp_data", "annotations": str(root), "split": "test"}]},
                    base_dir=tmp_path)
    assert {x.split for x in iter_records(r.sources[0], r.options.templates) if x.split} == {"test"}
    with pytest.raises(CurationError, match=r"not here: \['dave'\]"):
        records(tmp_path, root, splits={"test": ["dave"]})
    with pytest.raises(ConfigError, match="is in both"):
        records(tmp_path, root, splits={"test": ["bob"], "dev": ["bob"]})
    with pytest.raises(ConfigError, match="unknown key"):
        records(tmp_path, root, colections=["bob"])


def test_bad_files_are_skipped_and_named(tmp_path):
    root = make_collections(tmp_path / "data")
    (root / "alice" / "Hello" / "2.npy").write_bytes(b"")                       # empty
    np.save(root / "alice" / "Hello" / "3.npy", vectors(30, 100))             # wrong D
    nan = vectors()
    nan[4, 9] = np.nan
    np.save(root / "alice" / "Hello" / "4.npy", nan)                          # NaN
    data = (root / "alice" / "A" / "0.npy").read_bytes()
    (root / "alice" / "A" / "5.npy").write_bytes(data[: len(data) // 2])      # truncated
    np.save(root / "bob" / "a" / "6.npy", np.zeros((30, 258), np.float32))    # nothing detected
    out = tmp_path / "corpus"
    report = curate(recipe(tmp_path, root), out, progress=False)
    skipped = {s.id: (s.reason, s.detail) for s in report.skipped}
    assert skipped["alice/Hello/2"][0] == "empty pose file"
    assert skipped["alice/Hello/3"][0] == "unreadable pose file" and "100 values per frame" in skipped["alice/Hello/3"][1]
    assert "NaN" in skipped["alice/Hello/4"][1] and "4.npy" in skipped["alice/Hello/4"][1]
    assert "truncated" in skipped["alice/A/5"][1]
    assert skipped["bob/a/6"][0] == "empty pose file" and "no keypoint" in skipped["bob/a/6"][1]
    assert len(skipped) == 5 and report.written == 13  # every good sequence (no label excluded here)
    text = (out / "curation-report.txt").read_text()
    assert "alice/Hello/3" in text and "3.npy" in text
    c = Corpus(out)
    s = c[list(c.column("id")).index("mp/carol/MP_Data/HELLO/0")]
    assert s.keypoints.shape == (12, 79, 2) and s.signer == "carol" and s.frame_size == (640, 480)


@needs_real
def test_real_crowd_original_and_other_layouts(tmp_path):
    """Every layout of the real training data curates: per-frame originals, Kaggle parquet, sentences."""
    rec = {"options": {"min_frames": 1}, "sources": [
        {"name": "orig", "adapter": "mp_data", "annotations": str(REAL / "crowd_original"),
         "options": {"labels": {"synonyms": {"thanks": "thank you"}}}},
        {"name": "silfa", "adapter": "kaggle_islr", "annotations": str(REAL / "silfa" / "parquet_to_sign_mapping.csv"),
         "poses": str(REAL / "silfa" / "train_landmark_files")},
        {"name": "sentences", "adapter": "signbridge", "annotations": str(REAL / "sentences_signbridge")},
    ]}
    report = curate(rec, tmp_path / "c", progress=False)
    assert not report.skipped and not report.errors
    c = Corpus(tmp_path / "c")
    src = list(c.column("source"))
    assert src.count("orig") == 13 and src.count("silfa") == 558 and src.count("sentences") == 11
    orig = c.filter(source="orig")
    assert sorted(set(orig.column("signer"))) == ["akashcodes23__Realtime-Sign-LanguageDetection",
                                                  "tamtridung__ASL_SignWish"]
    assert sorted({" ".join(g) for g in orig.column("gloss")}) == ["hello", "iloveyou", "thank you"]
    silfa = c.filter(source="silfa")
    signmap = json.loads((REAL / "silfa" / "sign_to_prediction_index_map.json").read_text())
    mapping = {r.split(",")[0]: r.split(",")[1] for r in
               (REAL / "silfa" / "parquet_to_sign_mapping.csv").read_text().split()[1:]}
    for sid, label in zip(silfa.column("id"), silfa.column("label").tolist()):
        assert label == signmap[mapping[sid.split("/")[-1] + ".parquet"]]
    assert set(silfa.column("signer")) == {"100"}
    sent = c.filter(source="sentences")
    i = list(sent.column("id")).index("sentences/chair-black-tall-k")
    s = sent[i]
    assert s.text == json.loads((REAL / "sentences_signbridge" / "chair-black-tall-k" / "metadata.json").read_text())[
        "reference_sentence"]
    assert s.gloss == ["chair", "black", "tall"] and s.signer == "k"


def split_rule(names: list[str], test: int = 18, dev: int = 14) -> tuple[list[str], list[str]]:
    """The rule recipes/crowd.yaml documents: group by owner__repo, order by sha256, fill test then dev."""
    groups = defaultdict(list)
    for n in sorted(names):
        groups["__".join(n.split("__")[:2])].append(n)
    order = sorted(groups, key=lambda g: hashlib.sha256(("crowd-split:" + g).encode()).hexdigest())
    t, d = [], []
    for g in order:
        if len(t) < test:
            t += groups[g]
        elif len(d) < dev:
            d += groups[g]
    return t, d


@needs_real
def test_crowd_recipe_split_is_the_documented_rule():
    r = load_recipe(ROOT / "recipes" / "crowd.yaml")
    src = r.sources[0]
    assert src.annotations.resolve() == (REAL / "crowd").resolve()
    names = [p.name for p in (REAL / "crowd").iterdir() if p.is_dir()]
    test, dev = split_rule(names)
    assert src.options["splits"]["test"] == test and src.options["splits"]["dev"] == dev
    recs = list(iter_records(src, r.options.templates))
    by_split = defaultdict(set)
    for x in recs:
        if x.split:
            by_split[x.split].add(x.signer)
    assert not (by_split["test"] | by_split["dev"]) & (by_split["train"] | by_split["pretrain"])
    assert len({x.label for x in recs if x.split == "train"}) == 41
    assert len(by_split["test"]) == 17  # 18 collections, one person with two
