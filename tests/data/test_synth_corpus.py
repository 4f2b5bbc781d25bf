"""The generated synthetic corpus (tiny preset): files, determinism, splits, curation, CLI."""
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import yaml

from signpt.data.synth import generate
from signpt.data.synth.generate import (PRESETS, class_concepts, lexicons, make_signers, plan_jobs, produce,
                                        recipe)
from signpt.data.synth.grammar import TEMPLATES

SOURCES = {"synth-pt-isolated", "synth-pt-sentences", "synth-pt-unpaired", "synth-islr", "synth-sent"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "tiny"
    generate(out, "tiny", seed=0, curate=True, progress=False)
    rows = [json.loads(line) for line in open(out / "manifest.jsonl", encoding="utf-8")]
    return out, rows


def _load(out: Path, row):
    z = np.load(out / row["pose"])
    return {k: z[k] for k in z.files}


def test_files_shapes_and_layout(corpus):
    out, rows = corpus
    assert {r["source"] for r in rows} == SOURCES
    assert (out / "recipe.yaml").exists() and (out / "lexicon.json").exists()
    lengths = {"iso": [], "sent": []}
    for r in rows[::3]:
        z = _load(out, r)
        assert set(z) == {"keypoints", "confidence", "fps", "frame_size", "layout"}
        kp, conf = z["keypoints"], z["confidence"]
        assert kp.dtype == np.float32 and conf.dtype == np.float32
        assert kp.ndim == 3 and kp.shape[1:] == (133, 2) and conf.shape == kp.shape[:2]
        assert str(z["layout"]) == "coco_wholebody_133" and float(z["fps"]) == 25.0
        w, h = (int(v) for v in z["frame_size"])
        assert 0 <= conf.min() and conf.max() <= 1
        vis = conf > 0
        assert (kp[vis, 0] >= 0).all() and (kp[vis, 0] < w).all() and (kp[vis, 1] < h).all()
        assert (kp[~vis] == 0).all()
        assert not vis[:, 13:23].any(), "legs and feet are outside the frame"
        assert vis[:, 23:91].mean() > 0.95 and vis[:, 0:11].mean() > 0.95
        lengths["iso" if r["source"] in ("synth-islr", "synth-pt-isolated") else "sent"].append(len(kp))
    assert 20 <= np.median(lengths["iso"]) <= 50 and max(lengths["iso"]) <= 70
    assert max(lengths["sent"]) <= 160 and np.median(lengths["sent"]) > np.median(lengths["iso"])


def test_detector_faults_present(corpus):
    out, rows = corpus
    hand_missing, hand_low, total = 0, 0, 0
    for r in rows:
        conf = _load(out, r)["confidence"]
        hands = conf[:, 91:]
        hand_missing += int((hands.max(axis=1) == 0).sum() + (conf[:, 91:112].max(1) == 0).sum()
                            + (conf[:, 112:].max(1) == 0).sum())
        hand_low += int(((hands > 0) & (hands < 0.4)).any(axis=1).sum())
        total += len(conf)
    # the default (top-down COCO-WholeBody) profile reports hands even when uncertain: whole hands are lost
    # only outside the frame; uncertain points (< 0.4) in a few percent of the frames, as the real RTMPose file
    # (5.6 %)
    assert hand_missing < 0.05 * total
    assert 0.005 * total < hand_low < 0.2 * total


def test_deterministic_same_seed_different_seed(corpus):
    out, rows = corpus
    pre = PRESETS["tiny"]
    lex = lexicons(0)
    signers = make_signers(pre, 0)
    jobs = plan_jobs(pre, 0, signers)
    assert [j.id for j in jobs] == [r["id"] for r in rows]
    by_id = {s.id: s for g in signers.values() for pool in g.values() for s in pool}
    for job, row in list(zip(jobs, rows))[::17]:
        kp, conf = produce(job, lex[job.sign_language], by_id[job.signer], 0)
        z = _load(out, row)
        np.testing.assert_array_equal(kp, z["keypoints"])
        np.testing.assert_array_equal(conf, z["confidence"])
    # another seed: other signers, lexicon and motion
    lex1, signers1 = lexicons(1), make_signers(pre, 1)
    jobs1 = plan_jobs(pre, 1, signers1)
    by_id1 = {s.id: s for g in signers1.values() for pool in g.values() for s in pool}
    j1 = jobs1[0]
    kp1, _ = produce(j1, lex1[j1.sign_language], by_id1[j1.signer], 1)
    kp0 = _load(out, rows[0])["keypoints"]
    assert kp0.shape != kp1.shape or not np.array_equal(kp0, kp1)
    assert lex1["sl-alpha"].signs != lex["sl-alpha"].signs


def test_splits_unseen_signers_and_held_out_sentences(corpus):
    out, rows = corpus
    seen = {r["signer"] for r in rows if r["split"] in ("pretrain", "train")}
    for split in ("dev", "test"):
        held = {r["signer"] for r in rows if r["split"] == split}
        assert held and not held & seen
        assert {r["source"] for r in rows if r["split"] == split} == {"synth-islr", "synth-sent"}
    pre_ids = {(r["source"], r["id"]) for r in rows if r["split"] == "pretrain"}
    assert not pre_ids & {(r["source"], r["id"]) for r in rows if r["split"] == "test"}
    # no test pose equals a pre-training pose
    digests = defaultdict(set)
    for r in rows:
        if r["split"] in ("pretrain", "test"):
            digests[r["split"]].add(hash(_load(out, r)["keypoints"].tobytes()))
    assert not digests["pretrain"] & digests["test"]
    # held-out sentences: no dev/test sentence of synth-sent occurs in pre-training or training data
    known = {(r["gloss"], r["text"]) for r in rows if r["split"] in ("pretrain", "train")}
    known_text = {r["text"] for r in rows if r["split"] in ("pretrain", "train")}
    for r in rows:
        if r["source"] == "synth-sent" and r["split"] in ("dev", "test"):
            assert (r["gloss"], r["text"]) not in known and r["text"] not in known_text


def test_sources_content(corpus):
    out, rows = corpus
    pre = PRESETS["tiny"]
    classes = class_concepts(pre)
    lang = {r["sign_language"]: r["spoken_language"] for r in rows}
    assert lang == {"sl-alpha": "en", "sl-beta": "de", "sl-gamma": "es"}
    for r in rows:
        if r["source"] == "synth-pt-unpaired":
            assert r["text"] is None and r["gloss"] and r["split"] == "pretrain"
        else:
            assert r["text"]
        if r["source"] in ("synth-pt-isolated", "synth-islr"):
            assert len(r["gloss"].split()) == 1
            word = r["text"][len(TEMPLATES[r["spoken_language"]].split("{}")[0]):-1]
            assert r["text"] == TEMPLATES[r["spoken_language"]].format(word)
        if r["source"] in ("synth-pt-sentences", "synth-pt-unpaired", "synth-sent"):
            assert 3 <= len(r["gloss"].split()) <= 10
        if r["source"] == "synth-islr":
            assert r["sign_language"] == "sl-alpha" and 0 <= r["label"] < len(classes)
        else:
            assert r["label"] is None
    counts = Counter((r["split"], r["label"]) for r in rows if r["source"] == "synth-islr")
    for split, k in zip(("train", "dev", "test"), pre.islr):
        assert all(counts[split, c] == k for c in range(len(classes)))
    # the isolated text names the class's word
    r = next(r for r in rows if r["source"] == "synth-islr")
    assert r["text"] == f"This word is {classes[r['label']]}."


def test_recipe_file_matches_generator(corpus):
    out, _ = corpus
    repo_recipe = yaml.safe_load((Path(__file__).parents[2] / "recipes" / "synthetic.yaml").read_text())
    # the repository copy points at data/synth from recipes/; everything else is the generator's recipe
    for src in repo_recipe["sources"]:
        assert src.pop("annotations") == "../data/synth/manifest.jsonl"
        assert src.pop("poses") == "../data/synth"
    expected = recipe()
    for src in expected["sources"]:
        del src["annotations"], src["poses"]
    assert repo_recipe == expected
    assert yaml.safe_load((out / "recipe.yaml").read_text()) == recipe()


def test_curated_corpus(corpus):
    from signpt.data.store import Corpus

    out, rows = corpus
    c = Corpus(out / "corpus")
    assert len(c) == len(rows)
    assert Counter(c.column("source")) == Counter(r["source"] for r in rows)
    by_id = {f"{r['source']}/{r['id']}": r for r in rows}
    for i in range(0, len(c), 11):
        s = c[i]
        r = by_id[s.id]
        assert s.keypoints.shape[1:] == (79, 2) and s.split == r["split"] and s.signer == r["signer"]
        assert s.text == r["text"] and s.label == r["label"] and s.gloss == r["gloss"].split()
        raw = _load(out, r)
        assert s.num_frames == len(raw["keypoints"])
        # k79 point 9 (left wrist) is COCO point 9
        ok = raw["confidence"][:, 9] > 0
        np.testing.assert_allclose(s.keypoints[ok, 9].astype(np.float32), raw["keypoints"][ok, 9], atol=0.5)
    assert all(t is None for t, src in zip(c.column("text"), c.column("source")) if src == "synth-pt-unpaired")


def test_cli_writes_raw_corpus(tmp_path):
    from signpt.cli.main import main

    assert main(["synth", "--out", str(tmp_path / "x"), "--preset", "tiny", "--seed", "2", "--no-curate",
                 "--quiet"]) == 0
    rows = (tmp_path / "x" / "manifest.jsonl").read_text().splitlines()
    assert len(rows) == len(plan_jobs(PRESETS["tiny"], 2, make_signers(PRESETS["tiny"], 2)))
    assert not (tmp_path / "x" / "corpus").exists()


def test_unknown_preset_is_a_clear_error(tmp_path):
    from signpt.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown synthetic preset 'huge'"):
        generate(tmp_path, "huge")
