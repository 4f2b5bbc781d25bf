"""Every adapter on the real annotation excerpts in ../shared/data/annotations, as distributed, and on the
re-saves real copies go through (CRLF, BOM, no final newline, comma instead of tab, mojibake)."""
from __future__ import annotations

import csv
import gzip
import json
import pickle
import shutil
from collections import Counter

import pytest

from curate_helpers import SHARED, needs_shared, write_seq
from signpt.data.recipe import load_recipe
from signpt.data.sources import iter_records
from signpt.errors import CurationError

pytestmark = needs_shared
ANN = SHARED / "annotations"


def _records(tmp_path, **kw):
    raw = {"name": kw.pop("name", "src"), "poses": str(tmp_path / "poses"), **kw}
    return list(iter_records(load_recipe({"sources": [raw]}, base_dir=tmp_path).sources[0]))


# ---- MS-ASL ----------------------------------------------------------------------------------------------------
def test_msasl_real_test_file_and_class_list(tmp_path):
    entries = json.loads((ANN / "msasl" / "MSASL_test.json").read_text(encoding="utf-8"))
    classes = json.loads((ANN / "msasl" / "MSASL_classes.json").read_text(encoding="utf-8"))
    assert classes[0] == "hello" and len(classes) == 1000
    recs = _records(tmp_path, adapter="msasl", annotations=str(ANN / "msasl"))
    assert len(recs) == len(entries) == 200 and not any(r.problem for r in recs)
    assert {r.split for r in recs} == {"test"}
    for r, e in zip(recs, entries):
        assert r.label == e["label"]
        assert r.gloss == [e["text"]] and r.text == f"This word is {e['text']}."  # the class name, not clean_text
        assert (r.start, r.end, r.signer) == (e["start_time"], e["end_time"], str(e["signer_id"]))
        y0, x0, y1, x1 = e["box"]
        assert r.meta["box_xyxy"] == [x0, y0, x1, y1] and r.meta["clean_text"] == e["clean_text"]
    variant = [r for r, e in zip(recs, entries) if e["clean_text"] != e["text"]]
    assert [(r.meta["clean_text"], r.gloss[0]) for r in variant][:2] == [("police officer", "police"), ("store", "sell")]
    assert recs[0].pose.name == "wX78EPtSuzU.pose"  # the v= of the url without a scheme


# ---- SLR500 ------------------------------------------------------------------------------------------------------
def _gloss_lines() -> list[str]:
    raw = (ANN / "slr500" / "gloss_label.txt").read_bytes()
    assert b"\r\n" in raw  # CRLF as distributed
    return [line.decode("utf-8").strip() for line in raw.split(b"\r\n")][:500]


def test_slr500_labels_follow_folder_and_gloss_list_order(tmp_path):
    glosses = _gloss_lines()
    rows = list(csv.DictReader((ANN / "slr500" / "split.train.csv").open(encoding="utf-8")))
    recs = _records(tmp_path, adapter="slr500", annotations=str(ANN / "slr500"))
    assert len(recs) == len(rows) == 200 and not any(r.problem for r in recs)
    for r, row in zip(recs, rows):
        folder, video = row["video_path"].split("/")
        assert r.label == int(folder) and r.gloss == [glosses[int(folder)]]
        assert r.id == f"{folder}/{video[:-4]}" and r.pose == tmp_path / "poses" / folder / f"{video[:-4]}.pose"
        signer, a, b = video.split("_")[:3]
        assert r.label == (int(a) - 1) * 20 + int(b)  # readme.txt's formula
        assert r.signer == str(int(signer[1:])) and r.split == "train"
        # OpenHands' class_name is the gloss list sorted by code point: it disagrees with the dataset's order
        assert row["class_name"] == sorted(glosses)[r.label]
    assert recs[0].gloss == ["情况"] and rows[0]["class_name"] == "丈夫"
    assert glosses[141] == "满" and glosses[173] == "弱"  # trailing spaces in the file, stripped


def test_slr500_gloss_list_resaved_lf_bom_no_final_newline(tmp_path):
    ann = tmp_path / "slr500"
    ann.mkdir()
    text = (ANN / "slr500" / "gloss_label.txt").read_bytes().decode("utf-8")
    (ann / "gloss_label.txt").write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").rstrip("\n").encode("utf-8"))
    shutil.copy(ANN / "slr500" / "split.train.csv", ann / "split.train.csv")
    a = _records(tmp_path, adapter="slr500", annotations=str(ann))
    b = _records(tmp_path, adapter="slr500", annotations=str(ANN / "slr500"))
    assert [(r.id, r.label, r.gloss) for r in a] == [(r.id, r.label, r.gloss) for r in b]


def test_slr500_bad_row_names_file_and_line(tmp_path):
    ann = tmp_path / "slr500"
    ann.mkdir()
    shutil.copy(ANN / "slr500" / "gloss_label.txt", ann)
    (ann / "split.test.csv").write_text("video_path,class_name\n000/P40_01_00_0._color.mp4,x\n"
                                        "001/P40_01_05_0._color.mp4,y\nP40.mp4,z\n", encoding="utf-8")
    recs = _records(tmp_path, adapter="slr500", annotations=str(ann))
    assert recs[0].split == "test" and recs[0].problem is None and recs[0].signer == "40"
    assert "split.test.csv:3" in recs[1].problem and "label 5" in recs[1].problem  # (1-1)*20+5 in folder 001
    assert "split.test.csv:4" in recs[2].problem


# ---- CSL-Daily ---------------------------------------------------------------------------------------------------
def test_csl_daily_label_dict_and_split_file(tmp_path):
    labels = pickle.load(gzip.open(ANN / "csl_daily" / "labels.dev", "rb"))
    recs = _records(tmp_path, adapter="csl_daily", annotations=str(ANN / "csl_daily"), trusted=True)
    assert len(recs) == len(labels) == 1077 and {r.split for r in recs} == {"dev"}
    for r in recs:
        e = labels[r.id]
        assert r.text == e["text"] and r.gloss == e["gloss"] and r.pose.name == f"{r.id}.pose"
        assert r.signer == str(int(r.id.split("_")[1][1:]))
    with pytest.raises(CurationError, match="trusted: true"):
        _records(tmp_path, adapter="csl_daily", annotations=str(ANN / "csl_daily" / "labels.dev"))
    rows = [line.split("|") for line in (ANN / "csl_daily" / "split_1.txt").read_text().splitlines()[1:]]
    only = _records(tmp_path, adapter="csl_daily", annotations=str(ANN / "csl_daily" / "split_1.txt"))
    assert [(r.id, r.split) for r in only] == [(n, s) for n, s in rows]
    assert Counter(r.split for r in only) == {"train": 200, "dev": 50, "test": 50}


def test_csl_daily_split_file_overrides_the_file_name(tmp_path):
    ann = tmp_path / "csl"
    ann.mkdir()
    shutil.copy(ANN / "csl_daily" / "labels.dev", ann / "labels.dev")
    first = sorted(pickle.load(gzip.open(ANN / "csl_daily" / "labels.dev", "rb")))[:2]
    (ann / "split_1.txt").write_text(f"name|split\r\n{first[0]}|test\r\n", encoding="utf-8")  # CRLF re-save
    recs = {r.id: r for r in _records(tmp_path, adapter="csl_daily", annotations=str(ann), trusted=True)}
    assert recs[first[0]].split == "test" and recs[first[1]].split == "dev"


# ---- How2Sign ----------------------------------------------------------------------------------------------------
QUOTED = "You can't get into the middle of the dive and just decide, \"You know what?"


def test_how2sign_real_test_file(tmp_path):
    lines = (ANN / "how2sign" / "how2sign_realigned_test.csv").read_text(encoding="utf-8").splitlines()
    recs = _records(tmp_path, adapter="how2sign", annotations=str(ANN / "how2sign"))
    assert len(recs) == len(lines) - 1 == 200 and {r.split for r in recs} == {"test"}
    first = lines[1].split("\t")
    assert (recs[0].id, recs[0].text, recs[0].start, recs[0].end) == (first[3], "Hi!", 0.26, 6.79)
    assert recs[0].pose.name == f"{first[1]}.pose"  # no per-sentence clip: the untrimmed video, cut by time
    by_id = {r.id: r for r in recs}
    assert by_id["-g0iPSnQt6w_5-1-rgb_front"].text == QUOTED  # CSV quoting with doubled quotes, as distributed
    assert by_id["-g0iPSnQt6w_6-1-rgb_front"].text.startswith('I don\'t want to do this", because')
    assert not any(r.warnings for r in recs)


def test_how2sign_comma_resave_crlf_bom_and_mojibake(tmp_path):
    src = ANN / "how2sign" / "how2sign_realigned_test.csv"
    with src.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    rows[3][6] = rows[3][6].replace("'", "\u00e2\u0080\u0099", 1) if "'" in rows[3][6] else rows[3][6] + " \u00e2\u0080\u0099"
    out = tmp_path / "h2s"
    out.mkdir()
    with (out / "how2sign_realigned_test.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=",", lineterminator="\r\n").writerows(rows)  # Excel-style comma re-save
    a = _records(tmp_path, adapter="how2sign", annotations=str(out))
    b = _records(tmp_path, adapter="how2sign", annotations=str(src))
    assert [(r.id, r.start, r.end) for r in a] == [(r.id, r.start, r.end) for r in b]
    assert [r.text for r in a][:2] + [r.text for r in a][3:] == [r.text for r in b][:2] + [r.text for r in b][3:]
    assert "\u00e2\u0080\u0099" in a[2].text and len(a[2].warnings) == 1  # kept, and reported
    assert "mis-decoded UTF-8" in a[2].warnings[0] and "how2sign_realigned_test.csv:4" in a[2].warnings[0]


def test_how2sign_bad_row_names_file_and_line(tmp_path):
    text = (ANN / "how2sign" / "how2sign_realigned_test.csv").read_text(encoding="utf-8").splitlines()
    text[5] = "\t".join(text[5].split("\t")[:4])  # a truncated row
    (tmp_path / "how2sign_realigned_val.csv").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(CurationError, match=r"how2sign_realigned_val.csv:6: expected 7 fields"):
        _records(tmp_path, adapter="how2sign", annotations=str(tmp_path / "how2sign_realigned_val.csv"))


# ---- PHOENIX-2014 ------------------------------------------------------------------------------------------------
def test_phoenix2014_corpus_agrees_with_the_groundtruth_stm(tmp_path):
    recs = _records(tmp_path, adapter="phoenix2014", annotations=str(ANN / "phoenix2014"))
    assert Counter(r.split for r in recs) == {"train": 100, "dev": 10}
    assert all(r.text is None and r.gloss and "" not in r.gloss for r in recs)  # double spaces in the files
    stm = {}
    for line in (ANN / "phoenix2014" / "phoenix2014-groundtruth-dev.stm").read_text().split("\n"):
        f = line.split(" ")
        stm[f[0]] = (f[2], f[5:])
    for r in (r for r in recs if r.split == "dev"):
        assert (r.signer, r.gloss) == stm[r.id]  # "Signer04" in the CSV, "signer04" in the STM: one id


# ---- BOBSL -------------------------------------------------------------------------------------------------------
def test_bobsl_public_episode_lists(tmp_path):
    train = (ANN / "bobsl" / "bobsl_train_1658.txt").read_text().split("\n")
    val = (ANN / "bobsl" / "bobsl_val_32.txt").read_text().split("\n")
    assert (len(train), len(val)) == (1658, 32)
    subs = tmp_path / "subtitles"
    subs.mkdir()
    cue = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nhello there\n\n00:01:00.000 --> 00:01:01.000\n<i>bye</i>\n"
    for ep in (train[0], val[-1], "1234567890123456789"):
        (subs / f"{ep}.vtt").write_text(cue, encoding="utf-8")
    recs = _records(tmp_path, adapter="bobsl", annotations=str(subs),
                    options={"split_lists": [str(p) for p in sorted((ANN / "bobsl").glob("*.txt"))]})
    got = {(r.id, r.split, r.text, r.start, r.end) for r in recs}
    assert (f"{train[0]}/00000", "train", "hello there", 1.0, 2.5) in got
    assert (f"{val[-1]}/00001", "dev", "bye", 60.0, 61.0) in got
    assert ("1234567890123456789/00000", "pretrain", "hello there", 1.0, 2.5) in got


def test_bobsl_episode_in_two_splits_is_an_error(tmp_path):
    (tmp_path / "bobsl_train.txt").write_text("5085344787448740525\n5085357672350628540")
    (tmp_path / "bobsl_val.txt").write_text("5085357672350628540")
    (tmp_path / "notes_train.txt").write_text("not an episode list: not read")
    (tmp_path / "x.vtt").write_text("WEBVTT\n")
    with pytest.raises(CurationError, match=r"bobsl_val.txt:1: episode 5085357672350628540 is also in split 'train'"):
        _records(tmp_path, adapter="bobsl", annotations=str(tmp_path))


# ---- a curation run over every real excerpt ------------------------------------------------------------------
def _excerpt_rows() -> dict[str, Counter]:
    """Rows per corpus split of each excerpt, counted straight from the files (the independent reference)."""
    def lines(p):
        return [x for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]

    wl = json.loads((ANN / "wlasl" / "nslt_100.json").read_text())
    p14t = {s: len(pickle.load(gzip.open(SHARED / "annotations" / "phoenix2014t" / f"labels.{s}", "rb")))
            for s in ("train", "dev", "test")}
    return {
        "wlasl100": Counter({"val": "dev"}.get(v["subset"], v["subset"]) for v in wl.values()),
        "msasl": Counter(test=len(json.loads((ANN / "msasl" / "MSASL_test.json").read_text()))),
        "slr500": Counter(train=len(lines(ANN / "slr500" / "split.train.csv")) - 1),
        "csl_daily": Counter(dev=len(pickle.load(gzip.open(ANN / "csl_daily" / "labels.dev", "rb")))),
        "csl_daily_split": Counter(x.split("|")[1] for x in lines(ANN / "csl_daily" / "split_1.txt")[1:]),
        "how2sign": Counter(test=len(lines(ANN / "how2sign" / "how2sign_realigned_test.csv")) - 1),
        "phoenix2014": Counter(train=len(lines(ANN / "phoenix2014" / "train.corpus.csv")) - 1,
                               dev=len(lines(ANN / "phoenix2014" / "dev.corpus.csv")) - 1),
        "phoenix2014t": Counter(p14t),
    }


RECIPE = """
sources:
  - {name: wlasl100, adapter: wlasl, annotations: $ANN/wlasl/nslt_100.json, poses: $POSES}
  - {name: msasl, adapter: msasl, annotations: $ANN/msasl, poses: $POSES}
  - {name: slr500, adapter: slr500, annotations: $ANN/slr500, poses: $POSES}
  - {name: csl_daily, adapter: csl_daily, annotations: $ANN/csl_daily, poses: $POSES, trusted: true}
  - {name: csl_daily_split, adapter: csl_daily, annotations: $ANN/csl_daily/split_1.txt, poses: $POSES,
     require_text: false}
  - {name: how2sign, adapter: how2sign, annotations: $ANN/how2sign, poses: $POSES}
  - {name: phoenix2014, adapter: phoenix2014, annotations: $ANN/phoenix2014, poses: $POSES}
  - {name: phoenix2014t, adapter: phoenix2014t, annotations: $ANN/phoenix2014t, poses: $POSES, trusted: true}
"""


def test_curate_every_real_excerpt_without_poses(tmp_path, monkeypatch, capsys):
    from signpt.cli.main import main

    (tmp_path / "poses").mkdir()
    monkeypatch.setenv("ANN", str(ANN))
    monkeypatch.setenv("POSES", str(tmp_path / "poses"))
    (tmp_path / "real.yaml").write_text(RECIPE, encoding="utf-8")
    assert main(["curate", str(tmp_path / "real.yaml"), "--out", str(tmp_path / "corpus"), "--quiet"]) == 0
    report = json.loads((tmp_path / "corpus" / "curation-report.json").read_text(encoding="utf-8"))
    expected = _excerpt_rows()
    assert report["totals"]["written"] == 0 and not any(r["error"] for r in report["sources"])
    assert [r["name"] for r in report["sources"]] == list(expected)
    for r in report["sources"]:
        assert Counter(r["splits"]) == expected[r["name"]], r["name"]
        assert r["records"] == len(r["skipped"]) == sum(expected[r["name"]].values()), r["name"]
    assert report["totals"]["skipped_by_reason"] == {"missing pose file": sum(sum(c.values()) for c in expected.values())}
    assert all("does not exist" in s["detail"] for r in report["sources"] for s in r["skipped"])
    text = (tmp_path / "corpus" / "curation-report.txt").read_text(encoding="utf-8")
    assert "FAILED" not in text and "annotation:" not in text
    assert "  csl_daily_split: dev 50, test 50, train 200" in text


def test_mojibake_from_any_adapter_is_kept_and_reported(tmp_path):
    from signpt.data.curate import curate

    write_seq(tmp_path / "a.npz", 20)
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "a", "pose": "a.npz", "text": "It\u00e2\u0080\u0099s fine."}) + "\n",
                                      encoding="utf-8")
    report = curate({"sources": [{"name": "mine", "adapter": "generic", "annotations": str(tmp_path / "m.jsonl")}]},
                    tmp_path / "corpus", progress=False)
    assert report.written == 1 and len(report.sources[0].warnings) == 1
    assert "a: text looks like mis-decoded UTF-8" in report.sources[0].warnings[0]
    summary = (tmp_path / "corpus" / "curation-report.txt").read_text(encoding="utf-8")
    assert "Warnings (1; the samples were kept)" in summary
    from signpt.data.store import Corpus

    assert Corpus(tmp_path / "corpus")[0].text == "It\u00e2\u0080\u0099s fine."


@pytest.mark.parametrize("adapter, folder, files", [
    ("phoenix2014", "phoenix2014", ["train.corpus.csv", "dev.corpus.csv"]),
    ("csl_daily", "csl_daily", ["split_1.txt"]),
    ("msasl", "msasl", ["MSASL_test.json", "MSASL_classes.json"]),
    ("slr500", "slr500", ["gloss_label.txt", "split.train.csv"]),
])
@pytest.mark.parametrize("resave", ["crlf_bom_final_newline", "lf_trailing_spaces"])
def test_resaved_copies_read_the_same(tmp_path, adapter, folder, files, resave):
    out = tmp_path / "copy"
    out.mkdir()
    for name in files:
        text = (ANN / folder / name).read_bytes().decode("utf-8").replace("\r\n", "\n")
        lines = text.rstrip("\n").split("\n")
        if resave == "crlf_bom_final_newline":
            data = "\ufeff" + "\r\n".join(lines) + "\r\n"
        else:  # spaces after each value of a delimited file (JSON: after each line)
            sep = "|" if name.endswith((".corpus.csv", ".txt")) and "|" in lines[0] else ","
            data = "\n".join(
                line + "  " if name.endswith(".json") or sep not in line else sep.join(v + " " for v in line.split(sep))
                for line in lines)
        (out / name).write_text(data, encoding="utf-8", newline="")
    a = _records(tmp_path, adapter=adapter, annotations=str(out))
    ref = ANN / folder / "split_1.txt" if adapter == "csl_daily" else ANN / folder  # (labels.dev needs trust)
    b = _records(tmp_path, adapter=adapter, annotations=str(ref))
    key = lambda r: (r.id, r.split, r.text, r.gloss, r.label, r.signer, r.start, r.end)  # noqa: E731
    assert [key(r) for r in a] == [key(r) for r in b] and not any(r.problem for r in a)
