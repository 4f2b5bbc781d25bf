"""Each adapter on a small fixture written in the dataset's official format, curated end to end."""
from __future__ import annotations

import json

import numpy as np
import pytest

from curate_helpers import frame_index, write_seq
from signpt.data.curate import curate
from signpt.data.recipe import load_recipe
from signpt.data.sources import iter_records
from signpt.data.sources.bobsl import parse_timestamp, parse_vtt
from signpt.data.sources.msasl import youtube_id
from signpt.data.store import Corpus


def run(tmp_path, source: dict, **options):
    recipe = {"sources": [{"poses": str(tmp_path / "poses"), **source}], "options": options}
    report = curate(recipe, tmp_path / "corpus", progress=False)
    corpus = Corpus(tmp_path / "corpus")
    return report, {s.id: s for s in corpus}


def records(source: dict):
    cfg = load_recipe({"sources": [source]}).sources[0]
    return list(iter_records(cfg))


def test_msasl_cuts_by_seconds(tmp_path):
    ann = tmp_path / "MSASL"
    ann.mkdir()
    train = [
        {"clean_text": "hello", "label": 0, "start_time": 1.0, "end_time": 2.5, "signer_id": 3,
         "url": "https://www.youtube.com/watch?v=abcDEF12345", "file": "lesson 1", "fps": 30.0},
        {"clean_text": "nice", "label": 7, "start_time": 3.02, "end_time": 4.0, "signer_id": 3,
         "url": "www.youtube.com/watch?v=abcDEF12345", "file": "lesson 1", "fps": 30.0},
    ]
    val = [{"clean_text": "meet", "label": 2, "start_time": 0.0, "end_time": 0.5, "signer_id": 9,
            "url": "https://youtu.be/zzz", "file": "x", "fps": 25.0}]
    (ann / "MSASL_train.json").write_text(json.dumps(train))
    (ann / "MSASL_val.json").write_text(json.dumps(val))
    # the class list (a list of strings) names the gloss of each label; it is not a split
    (ann / "MSASL_classes.json").write_text(json.dumps(["hello", "x", "meet", "a", "b", "c", "d", "nice"]))
    write_seq(tmp_path / "poses" / "abcDEF12345.npz", 150, fps=30.0)
    write_seq(tmp_path / "poses" / "zzz.npz", 40, fps=25.0)
    report, got = run(tmp_path, {"name": "msasl", "adapter": "msasl", "annotations": str(ann)})
    assert report.written == 3 and not report.skipped
    s = got["msasl/train-00000"]
    np.testing.assert_array_equal(frame_index(s), np.arange(30, 75))  # 1.0 s .. 2.5 s at 30 fps
    assert (s.text, s.gloss, s.label, s.signer, s.split) == ("This word is hello.", ["hello"], 0, "3", "train")
    np.testing.assert_array_equal(frame_index(got["msasl/train-00001"]), np.arange(91, 120))  # round(90.6)=91
    assert got["msasl/val-00000"].split == "dev" and got["msasl/val-00000"].num_frames == 12  # round(12.5)=12
    assert youtube_id("https://www.youtube.com/watch?v=a1&t=3") == "a1"


def test_slr500_folder_layout_and_signer_split(tmp_path):
    ann = tmp_path / "SLR500"
    ann.mkdir()
    (ann / "dictionary.txt").write_text("000000\t你\n000001\t好\n", encoding="utf-8")
    for cls, signer in [(0, 1), (0, 36), (0, 37), (1, 50)]:
        write_seq(tmp_path / "poses" / f"{cls:06d}" / f"P{signer:02d}_s1_00_0_color.npz", 20)
    report, got = run(tmp_path, {"name": "slr500", "adapter": "slr500", "annotations": str(ann / "dictionary.txt")})
    assert report.written == 4
    splits = {k: (v.split, v.signer, v.label, v.text) for k, v in got.items()}
    assert splits["slr500/000000/P01_s1_00_0_color"] == ("train", "1", 0, "这个词是你。")
    assert splits["slr500/000000/P36_s1_00_0_color"][0] == "test"  # readme.txt: train signers 0-35
    assert splits["slr500/000000/P37_s1_00_0_color"][0] == "test"
    assert splits["slr500/000001/P50_s1_00_0_color"] == ("test", "50", 1, "这个词是好。")
    assert all(v.sign_language == "csl" and v.spoken_language == "zh" for v in got.values())


def test_nmfs_csl_lists_and_class_groups(tmp_path):
    ann = tmp_path / "label"
    ann.mkdir()
    (ann / "dictionary.txt").write_text("".join(f"{i:06d}\tw{i}\n" for i in range(4)), encoding="utf-8")
    (ann / "train_list.txt").write_text("videos/P01_0000_1.mp4 0\nvideos/P02_0003_1.mp4 3\n")
    (ann / "test_list.txt").write_text("videos/P09_0001_1.mp4 1\nvideos/P09_0009_1.mp4 9\n")
    for name in ("P01_0000_1", "P02_0003_1", "P09_0001_1"):
        write_seq(tmp_path / "poses" / "videos" / f"{name}.npz", 10)
    report, got = run(tmp_path, {"name": "nmfs", "adapter": "nmfs_csl", "annotations": str(ann),
                                 "options": {"confusing": 2}, "template": "词：{gloss}"})
    assert report.written == 3
    assert [s.reason for s in report.skipped] == ["annotation"]  # label 9 is not in the class list
    a, b, c = got["nmfs/videos/P01_0000_1"], got["nmfs/videos/P02_0003_1"], got["nmfs/videos/P09_0001_1"]
    assert (a.meta["class_group"], b.meta["class_group"], c.meta["class_group"]) == ("confusing", "normal", "confusing")
    assert (a.split, c.split, a.signer, c.signer, b.text) == ("train", "test", "1", "9", "词：w3")


def test_nmfs_csl_labels_from_folder_numbers(tmp_path):
    ann = tmp_path / "label"
    ann.mkdir()
    (ann / "gloss_list.txt").write_text("".join(f"w{i}\r\n" for i in range(700)), encoding="utf-8")  # line k = k
    (ann / "train.txt").write_text("000609/P01_0609_1.mp4 609\n000610/P02_0610_1.mp4 610\n"
                                   "000611/P03_0611_1.mp4 5\n")  # the last label disagrees with its folder
    (ann / "test.txt").write_text("000003/P09_0003_1.mp4\n000699/P09_0699_1")  # path only: label = folder
    for name in ("000609/P01_0609_1", "000610/P02_0610_1", "000003/P09_0003_1", "000699/P09_0699_1"):
        write_seq(tmp_path / "poses" / f"{name}.npz", 10)
    recs = {r.id: r for r in records({"name": "nmfs", "adapter": "nmfs_csl", "annotations": str(ann),
                                      "poses": str(tmp_path / "poses")})}
    assert [(recs[k].label, recs[k].split, recs[k].meta["class_group"]) for k in
            ("000609/P01_0609_1", "000610/P02_0610_1", "000003/P09_0003_1", "000699/P09_0699_1")] == [
        (609, "train", "confusing"), (610, "train", "normal"), (3, "test", "confusing"), (699, "test", "normal")]
    assert recs["000699/P09_0699_1"].gloss == ["w699"] and recs["000003/P09_0003_1"].signer == "9"
    assert "train.txt:3: label 5 disagrees with the video's folder 000611" in recs["000611/P03_0611_1"].problem


def test_phoenix2014_is_unpaired(tmp_path):
    ann = tmp_path / "manual"
    ann.mkdir()
    (ann / "train.corpus.csv").write_text(
        "id|folder|signer|annotation\n"
        "01April_2010_Thursday_heute_default-0|01April_2010_Thursday_heute_default-0/1/*.png|Signer04|"
        "__ON__ LIEB ZUSCHAUER ABEND WINTER GESTERN loc-NORD SCHOTTLAND __OFF__\n"
        "01April_2010_Thursday_heute_default-1|01April_2010_Thursday_heute_default-1/1/*.png|Signer04|"
        "__ON__ DONNERSTAG REGEN\n", encoding="utf-8")
    write_seq(tmp_path / "poses" / "train" / "01April_2010_Thursday_heute_default-0.npz", 30)
    write_seq(tmp_path / "poses" / "01April_2010_Thursday_heute_default-1.npz", 12)
    report, got = run(tmp_path, {"name": "phoenix2014", "adapter": "phoenix2014", "annotations": str(ann)})
    assert report.written == 2
    s = got["phoenix2014/01April_2010_Thursday_heute_default-0"]
    assert s.text is None and not s.paired and s.gloss[1] == "LIEB" and s.signer == "signer04"
    assert (s.sign_language, s.spoken_language, s.num_frames) == ("gsl", "de", 30)


def test_phoenix2014t_official_csv(tmp_path):
    ann = tmp_path / "manual"
    ann.mkdir()
    (ann / "PHOENIX-2014-T.dev.corpus.csv").write_text(
        "name|video|start|end|speaker|orth|translation\n"
        "11August_2010_Wednesday_tagesschau-2|11August_2010_Wednesday_tagesschau-2/1/*.png|-1|-1|Signer08|"
        "DRUCK TIEF KOMMEN|tiefer luftdruck bestimmt in den nächsten tagen unser wetter\n", encoding="utf-8")
    write_seq(tmp_path / "poses" / "dev" / "11August_2010_Wednesday_tagesschau-2.npz", 42)
    report, got = run(tmp_path, {"name": "p14t", "adapter": "phoenix2014t", "annotations": str(ann)})
    s = got["p14t/11August_2010_Wednesday_tagesschau-2"]
    assert (s.split, s.signer, s.gloss, s.num_frames) == ("dev", "signer08", ["DRUCK", "TIEF", "KOMMEN"], 42)
    assert s.text.startswith("tiefer luftdruck")


def test_csl_daily(tmp_path):
    ann = tmp_path / "sentence_label"
    ann.mkdir()
    (ann / "video_map.txt").write_text(
        "index|name|length|gloss|char|word|postag\n"
        "0|S000000_P0000_T00|92|他 什么 事|他 有 什 么 事|他 有 什么 事|r v r n\n"
        "1|S000001_P0004_T00|50|我 好|我 很 好|我 很 好|r d a\n", encoding="utf-8")
    (ann / "split_1.txt").write_text("name|split\nS000000_P0000_T00|train\nS000001_P0004_T00|test\n")
    write_seq(tmp_path / "poses" / "S000000_P0000_T00.npz", 92)
    write_seq(tmp_path / "poses" / "S000001_P0004_T00.npz", 50)
    report, got = run(tmp_path, {"name": "csl_daily", "adapter": "csl_daily", "annotations": str(ann)})
    s = got["csl_daily/S000000_P0000_T00"]
    assert (s.text, s.gloss, s.split, s.spoken_language) == ("他有什么事", ["他", "什么", "事"], "train", "zh")
    assert got["csl_daily/S000001_P0004_T00"].split == "test"


def test_how2sign_clip_or_cut(tmp_path):
    ann = tmp_path / "h2s"
    ann.mkdir()
    cols = "VIDEO_ID\tVIDEO_NAME\tSENTENCE_ID\tSENTENCE_NAME\tSTART_REALIGNED\tEND_REALIGNED\tSENTENCE\n"
    (ann / "how2sign_realigned_val.csv").write_text(
        cols + "-fZc293MpJk\t-fZc293MpJk-1-rgb_front\t-fZc293MpJk_0\t-fZc293MpJk_0-1-rgb_front\t0.0\t1.0\tHi.\n"
        "-fZc293MpJk\t-fZc293MpJk-1-rgb_front\t-fZc293MpJk_1\t-fZc293MpJk_1-1-rgb_front\t2.0\t3.5\t"
        "The \"quote\" stays.\n", encoding="utf-8")
    write_seq(tmp_path / "poses" / "-fZc293MpJk-1-rgb_front.npz", 120, fps=24.0)   # untrimmed video
    write_seq(tmp_path / "poses" / "-fZc293MpJk_0-1-rgb_front.npz", 17, fps=24.0)  # a sentence clip
    report, got = run(tmp_path, {"name": "how2sign", "adapter": "how2sign", "annotations": str(ann)})
    assert report.written == 2
    clip, cut = got["how2sign/-fZc293MpJk_0-1-rgb_front"], got["how2sign/-fZc293MpJk_1-1-rgb_front"]
    assert clip.num_frames == 17 and clip.split == "dev" and clip.text == "Hi."
    np.testing.assert_array_equal(frame_index(cut), np.arange(48, 84))  # 2.0-3.5 s at 24 fps
    assert cut.text == 'The "quote" stays.'


VTT = """WEBVTT

1
00:00:01.000 --> 00:00:02.000
<i>Hello</i> there,
everyone.

00:00:03.500 --> 00:00:04.000 align:start
Second cue.

00:01:00.000 --> 00:01:01.000
Beyond the end.

00:00:05.000 --> 00:00:05.010
Too short.
"""


def test_bobsl_cues_become_samples(tmp_path):
    assert parse_timestamp("01:02:03.5") == 3723.5 and parse_timestamp("02:03,250") == 123.25
    ann = tmp_path / "subtitles" / "manually-aligned"
    ann.mkdir(parents=True)
    (ann / "5085344787448740525.vtt").write_text(VTT, encoding="utf-8")
    (tmp_path / "subtitles" / "subset2episode.json").write_text(json.dumps({"train": [], "val": ["5085344787448740525"]}))
    cues = parse_vtt(ann / "5085344787448740525.vtt")
    assert cues[0] == (1.0, 2.0, "Hello there, everyone.") and len(cues) == 4
    write_seq(tmp_path / "poses" / "5085344787448740525.npz", 250)  # 10 s at 25 fps
    report, got = run(tmp_path, {"name": "bobsl", "adapter": "bobsl", "annotations": str(ann)})
    assert report.written == 2
    first = got["bobsl/5085344787448740525/00000"]
    np.testing.assert_array_equal(frame_index(first), np.arange(25, 50))
    assert (first.text, first.split, first.sign_language) == ("Hello there, everyone.", "dev", "bsl")
    reasons = {s.id: s.reason for s in report.skipped}
    assert reasons == {"5085344787448740525/00002": "cut outside pose", "5085344787448740525/00003": "zero-length cut"}


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_generic_manifest(tmp_path, kind):
    rows = [
        {"id": "a", "pose": "p/a.npz", "text": "hello world", "gloss": "HELLO WORLD", "label": "", "split": "train",
         "sign_language": "asl", "spoken_language": "en", "signer": "s1"},
        {"id": "b", "pose": "p/b.npz", "text": "", "gloss": "APPLE", "label": 4, "split": "val",
         "sign_language": "gsl", "spoken_language": "de", "signer": "", "source": "other"},
        {"id": "c", "pose": "p/a.npz", "text": "cut", "gloss": "", "label": "", "split": "test",
         "sign_language": "asl", "spoken_language": "en", "signer": "s1", "start": 0.2, "end": 0.6},
    ]
    man = tmp_path / "data" / f"manifest.{kind}"
    man.parent.mkdir()
    if kind == "jsonl":
        man.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        keys = ["id", "pose", "text", "gloss", "label", "split", "sign_language", "spoken_language", "signer",
                "start", "end", "source"]
        man.write_text(",".join(keys) + "\n" + "".join(",".join(str(r.get(k, "")) for k in keys) + "\n" for r in rows))
    write_seq(tmp_path / "data" / "p" / "a.npz", 30)
    write_seq(tmp_path / "data" / "p" / "b.npz", 8)
    recipe = {"sources": [{"name": "mine", "adapter": "generic", "annotations": str(man),
                           "template": "Wort: {gloss}."}]}
    report = curate(recipe, tmp_path / "corpus", progress=False)
    got = {s.id: s for s in Corpus(tmp_path / "corpus")}
    assert report.written == 3 and not report.skipped
    a, b, c = got["mine/a"], got["other/b"], got["mine/c"]
    assert (a.text, a.gloss, a.label, a.signer, a.split) == ("hello world", ["HELLO", "WORLD"], None, "s1", "train")
    assert (b.source, b.text, b.label, b.split, b.sign_language, b.signer) == ("other", "Wort: APPLE.", 4, "dev", "gsl", None)
    np.testing.assert_array_equal(frame_index(c), np.arange(5, 15))  # 0.2-0.6 s at 25 fps


def test_generic_without_template_keeps_text_empty(tmp_path):
    man = tmp_path / "m.jsonl"
    man.write_text(json.dumps({"id": "x", "pose": "x.npz", "gloss": "APPLE", "split": "train",
                               "sign_language": "asl", "spoken_language": "en"}) + "\n")
    recs = records({"name": "g", "adapter": "generic", "annotations": str(man)})
    assert recs[0].text is None and recs[0].gloss == ["APPLE"] and recs[0].pose == tmp_path / "x.npz"


def test_wlasl_v03_json(tmp_path):
    ann = tmp_path / "WLASL_v0.3.json"
    ann.write_text(json.dumps([
        {"gloss": "book", "instances": [
            {"video_id": "69241", "split": "train", "frame_start": 1, "frame_end": -1, "signer_id": 118, "fps": 25},
            {"video_id": "07069", "split": "val", "frame_start": 11, "frame_end": 30, "signer_id": 12, "fps": 25}]},
        {"gloss": "drink", "instances": [
            {"video_id": "17709", "split": "test", "frame_start": 5, "frame_end": -1, "signer_id": 3, "fps": 25}]},
    ]))
    write_seq(tmp_path / "poses" / "69241.npz", 40)           # a whole clip
    write_seq(tmp_path / "poses" / "07069.npz", 60)           # the raw video: frames 11..30 are cut
    write_seq(tmp_path / "poses" / "17709.npz", 25)           # raw video, frames 5..end
    report, got = run(tmp_path, {"name": "wlasl", "adapter": "wlasl", "annotations": str(ann)})
    assert report.written == 3
    a, b, c = got["wlasl/69241"], got["wlasl/07069"], got["wlasl/17709"]
    assert (a.num_frames, a.label, a.signer, a.split, a.text) == (40, 0, "118", "train", "This word is book.")
    np.testing.assert_array_equal(frame_index(b), np.arange(10, 30))
    assert b.split == "dev" and c.label == 1 and c.gloss == ["drink"]
    np.testing.assert_array_equal(frame_index(c), np.arange(4, 25))
