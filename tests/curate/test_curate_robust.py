"""A mixed recipe with deliberately broken inputs: each is skipped and named in the report; nothing else lost.
Kill-and-rerun, idempotence, sharding + merge, parallel workers, hand refinement, recipe errors."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from curate_helpers import frame_index, make_seq, write_seq
from signpt.data.curate import curate, merge, shard_of
from signpt.data.hands import refine_hands
from signpt.data.recipe import load_recipe
from signpt.data.store import Corpus
from signpt.errors import ConfigError, PoseFormatError
from signpt.pose import PoseSequence, to_k79, write_pose


def _manifest(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _row(i, pose, **kw):
    return {"id": i, "pose": pose, "text": f"sentence {i}", "gloss": "A B", "label": "", "split": "train",
            "sign_language": "asl", "spoken_language": "en", "signer": "s", **kw}


def broken_recipe(tmp_path):
    d = tmp_path / "data"
    for i in range(6):
        write_seq(d / f"good{i}.npz", 20 + i)
    (d / "empty.npz").write_bytes(b"")
    good = (d / "good0.npz").read_bytes()
    (d / "truncated.npz").write_bytes(good[: len(good) // 2])
    (d / "corrupt.pose").write_bytes(b"\x00\x01garbage" * 10)
    write_seq(d / "openpose.npz", 20, layout="openpose_137")
    rows = [_row(f"good{i}", f"good{i}.npz") for i in range(6)] + [
        _row("missing", "nowhere.npz"),
        _row("empty", "empty.npz"),
        _row("truncated", "truncated.npz"),
        _row("corrupt", "corrupt.pose"),
        _row("notext", "good1.npz", text=""),
        _row("zerocut", "good2.npz", start=0.4, end=0.4),
        _row("layout", "openpose.npz"),
        _row("short", "good3.npz", start=0.0, end=0.08),  # 2 frames < min_frames 3
    ]
    _manifest(d / "manifest.jsonl", rows)
    return {
        "options": {"min_frames": 3, "shard_size": 2},
        "sources": [
            {"name": "mixed", "adapter": "generic", "annotations": str(d / "manifest.jsonl"),
             "layout": "coco_wholebody_133"},
            {"name": "gone", "adapter": "how2sign", "annotations": str(tmp_path / "no_such_dir"),
             "poses": str(tmp_path / "no_poses")},
        ],
    }


EXPECTED = {
    "missing": "missing pose file", "empty": "empty pose file", "truncated": "unreadable pose file",
    "corrupt": "unreadable pose file", "notext": "no text", "zerocut": "zero-length cut", "layout": "layout mismatch",
    "short": "too short",
}


def test_broken_inputs_are_reported_and_nothing_else_lost(tmp_path):
    out = tmp_path / "corpus"
    report = curate(broken_recipe(tmp_path), out, progress=False)
    assert {s.id: s.reason for s in report.skipped} == EXPECTED
    assert report.written == 6
    assert "gone" in report.errors and "no_such_dir" in report.errors["gone"]
    saved = json.loads((out / "curation-report.json").read_text())
    listed = {s["id"]: s for src in saved["sources"] for s in src["skipped"]}
    assert {k: v["reason"] for k, v in listed.items()} == EXPECTED
    assert "nowhere.npz" in listed["missing"]["detail"] and "openpose_137" in listed["layout"]["detail"]
    text = (out / "curation-report.txt").read_text()
    for sid, reason in EXPECTED.items():
        assert f"mixed/{sid}: {reason}" in text
    corpus = Corpus(out)
    assert sorted(s.id for s in corpus) == [f"mixed/good{i}" for i in range(6)]
    assert [corpus[i].num_frames for i in range(6)] == [20 + int(corpus[i].id[-1]) for i in range(6)]
    assert (out / "duration_hist.png").stat().st_size > 0 and "Table I" in (out / "stats.txt").read_text()
    # idempotent: a rerun writes nothing new and reports the same skips
    again = curate(broken_recipe(tmp_path), out, progress=False)
    assert again.written == 0 and again.sources[0].existing == 6
    assert {s.id: s.reason for s in again.skipped} == EXPECTED
    assert len(Corpus(out)) == 6


def _many(tmp_path, n=40):
    d = tmp_path / "data"
    rows = []
    for i in range(n):
        write_seq(d / f"v{i}.npz", 5 + i % 7, offset=i * 10)
        rows.append(_row(f"s{i:03d}", f"v{i}.npz"))
    _manifest(d / "manifest.jsonl", rows)
    return {"options": {"shard_size": 4},
            "sources": [{"name": "many", "adapter": "generic", "annotations": str(d / "manifest.jsonl")}]}


def _content(root):
    return {s.id: (s.keypoints.tobytes(), s.text) for s in Corpus(root)}


def test_kill_and_rerun_gives_the_same_corpus(tmp_path):
    recipe = _many(tmp_path)
    (tmp_path / "recipe.json").write_text(json.dumps(recipe))
    killed = tmp_path / "killed"
    # the child dies abruptly (os._exit, like SIGKILL: no cleanup) on its 23rd add: 5 shards of 4 are on disk
    script = textwrap.dedent(f"""
        import json, os
        from signpt.data import store, curate
        calls = [0]
        add = store.CorpusWriter.add
        def dying_add(self, sample):
            calls[0] += 1
            if calls[0] == 23:
                os._exit(9)
            return add(self, sample)
        store.CorpusWriter.add = dying_add
        curate.curate(json.load(open({str(tmp_path / 'recipe.json')!r})), {str(killed)!r}, progress=False)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert len(list(killed.glob("many-*.arrow"))) == 5 and not (killed / "manifest.json").exists()
    report = curate(recipe, killed, progress=False)
    assert report.written == 40 - 20 and report.sources[0].existing == 20
    clean = tmp_path / "clean"
    curate(recipe, clean, progress=False)
    assert _content(killed) == _content(clean)


def test_shards_then_merge_equal_one_run(tmp_path):
    recipe = _many(tmp_path)
    out = tmp_path / "sharded"
    reports = [curate(recipe, out, shard=f"{i}/3", progress=False) for i in range(3)]
    assert sum(r.written for r in reports) == 40
    assert all(r.sources[0].prefix == f"many_s{i:03d}of003" for i, r in enumerate(reports))
    # every video in exactly the shard its name hashes to
    for i, r in enumerate(reports):
        assert r.sources[0].records == sum(shard_of(f"v{k}", 3) == i for k in range(40))
    merged = merge(out, progress=False)
    assert merged.written == 40 and merged.stats["total"]["samples"] == 40
    whole = tmp_path / "whole"
    curate(recipe, whole, progress=False)
    assert _content(out) == _content(whole)


def test_parallel_workers(tmp_path):
    recipe = _many(tmp_path, n=12)
    recipe["sources"].append(dict(recipe["sources"][0], name="copy"))
    report = curate(recipe, tmp_path / "par", workers=2, progress=False)
    assert [r.written for r in report.sources] == [12, 12]
    ids = [s.id for s in Corpus(tmp_path / "par")]
    assert len(ids) == 24 and len(set(ids)) == 24


def test_refine_hands_by_hand():
    body = to_k79(make_seq(3, size=(200, 100)))
    conf = body.confidence.copy()
    conf[:, 37:58] = [[0.0], [0.5], [0.9]]      # left hand: missed, weak, strong
    conf[:, 58:79] = 0.6                         # right hand
    body = PoseSequence(body.keypoints, conf, body.fps, "k79", body.frame_size)
    hk = np.zeros((3, 42, 2), np.float32) + [[[10.0, 20.0]]]
    hc = np.zeros((3, 42), np.float32)
    hc[:, :21] = 0.7                             # left: beats 0.0 and 0.5, not 0.9
    hc[:, 21:] = [[0.5], [0.6], [0.61]]          # right: only frame 2 is more confident (ties keep the body)
    hands = PoseSequence(hk, hc, 25.0, "hands_42", (400, 200))  # twice the frame size: coordinates halve
    out, replaced = refine_hands(body, hands)
    assert replaced == {"left": 2, "right": 1}
    np.testing.assert_array_equal(out.keypoints[0, 37], [5.0, 10.0])
    np.testing.assert_array_equal(out.confidence[:2, 37], np.float32([0.7, 0.7]))
    np.testing.assert_array_equal(out.keypoints[2, 37:58], body.keypoints[2, 37:58])
    np.testing.assert_array_equal(out.keypoints[:2, 58:79], body.keypoints[:2, 58:79])
    np.testing.assert_array_equal(out.keypoints[2, 58], [5.0, 10.0])
    np.testing.assert_array_equal(out.keypoints[:, :37], body.keypoints[:, :37])  # body and face untouched
    with pytest.raises(PoseFormatError, match="2 frames"):
        refine_hands(body, PoseSequence(hk[:2], hc[:2], 25.0, "hands_42", (400, 200)))


def test_curate_with_hand_refinement(tmp_path):
    d = tmp_path / "data"
    seq = make_seq(10)
    conf = seq.confidence.copy()
    conf[:, 91:133] = 0.2                                       # the body estimator's hands are weak
    write_pose(PoseSequence(seq.keypoints, conf, 25.0, "coco_wholebody_133", seq.frame_size), d / "v.npz")
    hk = np.full((10, 42, 2), 7.0, np.float32)
    hc = np.full((10, 42), 0.95, np.float32)
    hc[5:, 21:] = 0.1
    write_pose(PoseSequence(hk, hc, 25.0, "hands_42", seq.frame_size), tmp_path / "hands" / "v.npz")
    _manifest(d / "m.jsonl", [_row("x", "v.npz", start=0.08, end=0.36)])
    recipe = {"sources": [{"name": "h", "adapter": "generic", "annotations": str(d / "m.jsonl"),
                           "hands": {"poses": str(tmp_path / "hands")}}]}
    report = curate(recipe, tmp_path / "c", progress=False)
    got = {s.id: s for s in Corpus(tmp_path / "c")}
    assert report.written == 2 and report.sources[0].hands_refined == 1
    plain, refined = got["h/x"], got["h/x+hands"]
    np.testing.assert_array_equal(frame_index(refined), np.arange(2, 9))
    assert np.all(refined.keypoints[:, 37:58] == 7.0) and np.all(plain.confidence[:, 37:79] == np.float16(0.2))
    assert np.all(refined.keypoints[:3, 58:79] == 7.0) and np.array_equal(refined.keypoints[3:, 58:79], plain.keypoints[3:, 58:79])
    assert refined.meta["hands_replaced"] == {"left": 10, "right": 5}


@pytest.mark.parametrize("change, message", [
    ({"adapter": "nope"}, "unknown adapter 'nope'"),
    ({"split_map": {"val": "validation"}}, "split_map.val"),
    ({"template": "no placeholder"}, "{gloss}"),
    ({"annotations": "$SIGNPT_SURELY_UNSET_VAR/x"}, "SIGNPT_SURELY_UNSET_VAR"),
    ({"layout": "coco_17"}, "layout 'coco_17' is unknown"),
    ({"name": "bad.name"}, "letters, digits"),
    ({"colour": "red"}, "unknown key(s) ['colour']"),
    ({"frame_size": [0, 3]}, "frame_size"),
])
def test_recipe_errors_name_the_key(change, message):
    raw = {"name": "w", "adapter": "wlasl", "annotations": "/a.json", "poses": "/p", **change}
    with pytest.raises(ConfigError, match=None) as e:
        load_recipe({"sources": [raw]})
    assert message in str(e.value) and "sources[0]" in str(e.value)


def test_shipped_recipe_lists_the_nine_sources(monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("SIGNPT_DATA", "/data")
    recipe = load_recipe(Path(__file__).parents[2] / "recipes" / "sl1.5m.yaml")
    assert sorted(s.adapter for s in recipe.sources) == sorted(
        ["wlasl", "msasl", "nmfs_csl", "slr500", "phoenix2014", "phoenix2014t", "csl_daily", "how2sign", "bobsl"])
    assert {s.sign_language for s in recipe.sources} == {"asl", "csl", "gsl", "bsl"}
    assert str(recipe.source("wlasl").annotations) == "/data/WLASL/WLASL_v0.3.json"
    synth = load_recipe(Path(__file__).parents[2] / "recipes" / "synthetic.yaml")
    assert synth.sources[0].adapter == "generic" and synth.options.max_frames == 256


def test_cli_curate_and_merge(tmp_path, capsys):
    from signpt.cli.main import main
    import yaml

    recipe = _many(tmp_path, n=6)
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(recipe))
    assert main(["curate", str(tmp_path / "r.yaml"), "--out", str(tmp_path / "c"), "--shard", "0/2"]) == 0
    assert main(["curate", str(tmp_path / "r.yaml"), "--out", str(tmp_path / "c"), "--shard", "1/2", "--quiet"]) == 0
    assert main(["curate", "--merge", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "Table I" in out and "Table II" in out and "signpt curate --merge" in out
    assert len(Corpus(tmp_path / "c")) == 6
    assert main(["curate", "--merge", str(tmp_path / "c"), "--out", "x"]) == 2
