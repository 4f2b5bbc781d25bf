"""Corpus statistics (Tables I and II), the duration histogram (Fig. 3) and `signpt info`."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from signpt.cli.main import main
from signpt.data.schema import Sample
from signpt.data.stats import corpus_stats, duration_histogram, format_tables
from signpt.data.store import Corpus, CorpusWriter

# (id, source, sign language, text, signer, frames, fps)
ROWS = [
    ("a1", "wlasl", "asl", "This word is apple.", "s1", 50, 25.0),
    ("a2", "wlasl", "asl", "This word is apple.", "s2", 75, 25.0),
    ("a3", "how2sign", "asl", "Hello there.", "s1", 300, 30.0),
    ("b1", "bobsl", "bsl", "Good evening.", "x", 100, 25.0),
    ("b2", "bobsl", "bsl", None, "x", 25, 25.0),
    ("g1", "phoenix", "gsl", None, None, 200, 25.0),
    ("g2", "phoenix", "gsl", "Regen.", "p9", 10, 25.0),
]


def make(row) -> Sample:
    sid, src, lang, text, signer, t, fps = row
    return Sample(id=sid, source=src, sign_language=lang, spoken_language={"asl": "en", "bsl": "en", "gsl": "de"}[lang],
                  split="pretrain", keypoints=np.ones((t, 79, 2), np.float16), confidence=np.ones((t, 79), np.float16),
                  fps=fps, frame_size=(100, 100), text=text, signer=signer)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("stats")
    with CorpusWriter(root, shard_size=3) as w:
        for r in ROWS:
            w.add(make(r))
    return root


def test_corpus_stats_by_hand(corpus_dir):
    st = corpus_stats(Corpus(corpus_dir))
    t = st["total"]
    assert (t["samples"], t["paired"], t["unpaired"]) == (7, 5, 2)
    assert t["sentences"] == 4  # the apple sentence twice
    # (wlasl,s1) (wlasl,s2) (how2sign,s1) (bobsl,x) (phoenix,p9): same name in another source is another person
    assert t["signers"] == 5
    seconds = 50 / 25 + 75 / 25 + 300 / 30 + 100 / 25 + 25 / 25 + 200 / 25 + 10 / 25  # 28.4 s
    assert t["duration_hours"] == pytest.approx(seconds / 3600)
    assert t["frames"] == 760
    asl = st["by_sign_language"]["asl"]
    assert (asl["samples"], asl["sentences"], asl["signers"]) == (3, 2, 3)
    assert asl["sources"] == ["how2sign", "wlasl"] and asl["spoken_languages"] == ["en"]
    gsl = st["by_sign_language"]["gsl"]
    assert (gsl["samples"], gsl["paired"], gsl["unpaired"], gsl["signers"]) == (2, 1, 1, 1)
    assert st["by_source"]["bobsl"]["duration_hours"] == pytest.approx(5 / 3600)
    assert st["by_source"]["phoenix"]["splits"] == {"pretrain": 2}
    # on a view
    sub = corpus_stats(Corpus(corpus_dir).filter(sign_language="bsl"))
    assert sub["total"]["samples"] == 2 and list(sub["by_sign_language"]) == ["bsl"]


def test_format_tables_layout(corpus_dir):
    text = format_tables(corpus_stats(Corpus(corpus_dir)), name="tiny")
    lines = text.splitlines()
    assert lines[0] == "Table I: statistics of tiny"
    table1 = lines[: lines.index("")]
    row = {ln.split("  ")[0]: ln.split()[-1] for ln in table1 if ln.startswith(("paired", "unpaired", "total", "signers"))}
    assert row == {"paired samples": "5", "unpaired samples": "2", "total samples": "7", "signers": "5"}
    assert "duration          0.01 h" in table1  # 28.4 s
    assert next(ln for ln in lines if ln.startswith("signers ") and ln not in table1).split() == ["signers", "3", "1", "1"]
    header = next(ln for ln in lines if ln.split() == ["asl", "bsl", "gsl"])
    assert header
    assert next(ln for ln in lines if ln.startswith("#samples")).split() == ["#samples", "3", "2", "2"]
    assert next(ln for ln in lines if ln.startswith("#sentences")).split() == ["#sentences", "2", "1", "1"]


def test_counts_written_like_the_paper():
    from signpt.data.stats import _count

    assert [_count(n) for n in (7, 9999, 110_000, 1_160_400)] == ["7", "9,999", "110k", "1,160k"]


def test_duration_histogram_png(corpus_dir, tmp_path):
    out = duration_histogram(Corpus(corpus_dir), tmp_path / "sub" / "hist.png")
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size[0] > 300
    assert [p.name for p in out.parent.iterdir()] == ["hist.png"]  # no temporary file left


def test_cli_info(corpus_dir, tmp_path, capsys):
    png = tmp_path / "h.png"
    assert main(["info", str(corpus_dir), "--hist", str(png), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "Table I" in out and "Table II" in out and png.is_file()
    assert main(["info", str(corpus_dir), "--json", "--no-hist"]) == 0
    assert json.loads(capsys.readouterr().out) == corpus_stats(Corpus(corpus_dir))
    assert main(["info", str(tmp_path / "nothing")]) == 2
    assert "manifest.json" in capsys.readouterr().err
