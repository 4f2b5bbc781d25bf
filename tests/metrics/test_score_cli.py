"""`signpt score` end to end on small files."""
import json

import numpy as np
import pytest

from signpt.cli.main import main
from signpt.metrics import bleu, rouge_l, wer


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_slt_json(tmp_path, capsys):
    refs = ["im süden scheint die sonne .", "morgen regnet es im norden .", "es bleibt kalt ."]
    hyps = ["im süden scheint sonne .", "morgen regnet es im westen .", "es bleibt kalt ."]
    out = _json(capsys, ["score", "slt", "--hyp", str(_write(tmp_path / "h.de", hyps)),
                         "--ref", str(_write(tmp_path / "r.de", refs)), "--json"])
    b = bleu(hyps, refs)
    assert out["bleu1"] == pytest.approx(b.scores[1]) and out["bleu4"] == pytest.approx(b.scores[4])
    assert out["rouge"] == pytest.approx(rouge_l(hyps, refs))
    assert out["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:none|smooth:none")


def test_slt_table_output(tmp_path, capsys):
    h = _write(tmp_path / "h.zh", ["今天天气不好"])
    r = _write(tmp_path / "r.zh", ["今天 天气 很好"])
    assert main(["score", "slt", "--hyp", str(h), "--ref", str(r), "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert "| h.zh | 83.33 |" in text and "tok:char" in text


def test_cslr_json_cleanup_switch(tmp_path, capsys):
    refs = ["LIEB ZUSCHAUER ABEND", "MORGEN SONNE REGEN NORD"]
    hyps = ["__ON__ LIEB ZUSCHAUER ABEND __OFF__", "SONNE REGEN WIND NORD KALT"]
    h, r = _write(tmp_path / "h.gloss", hyps), _write(tmp_path / "r.gloss", refs)
    out = _json(capsys, ["score", "cslr", "--hyp", str(h), "--ref", str(r), "--json"])
    # clean-up removes __ON__/__OFF__; second sentence D=1 I=2 (see test_wer) -> 3 errors over 7 words
    assert (out["deletions"], out["insertions"], out["substitutions"], out["ref_words"]) == (1, 2, 0, 7)
    assert out["wer"] == pytest.approx(300 / 7) and out["phoenix_cleanup"] == "2014T"
    out = _json(capsys, ["score", "cslr", "--hyp", str(h), "--ref", str(r), "--json", "--no-phoenix-cleanup"])
    assert out["insertions"] == 4 and out["phoenix_cleanup"] is None
    assert out["wer"] == pytest.approx(wer(refs, hyps).corpus.wer)


def test_islr_json(tmp_path, capsys):
    h = _write(tmp_path / "h.txt", ["3 1 2 0 4", "1 2 0 3 4", "2 3 1 0 4"])
    r = _write(tmp_path / "r.txt", ["3", "2", "2"])
    out = _json(capsys, ["score", "islr", "--hyp", str(h), "--ref", str(r), "--json"])
    # top-1 hits: yes, no, yes -> 66.7 %; top-5: all; per class: class 3 100 %, class 2 50 % -> 75 %
    assert out["per_instance_top1"] == pytest.approx(200 / 3) and out["per_instance_top5"] == 100.0
    assert out["per_class_top1"] == pytest.approx(75.0)


def test_retrieval_npy_and_text(tmp_path, capsys):
    sim = np.array([[0.9, 0.1, 0.2, 0.3], [0.5, 0.5, 0.1, 0.0], [0.8, 0.7, 0.6, 0.6], [0.1, 0.2, 0.3, 0.4]])
    np.save(tmp_path / "sim.npy", sim)
    out = _json(capsys, ["score", "retrieval", "--hyp", str(tmp_path / "sim.npy"), "--json"])
    assert out["t2v_r1"] == 50.0 and out["t2v_medr"] == 1.5 and out["v2t_medr"] == 1.5
    txt = _write(tmp_path / "sim.txt", [" ".join(map(str, row)) for row in sim[:, :3]])
    gt = _write(tmp_path / "gt.txt", ["0", "1", "2", "0"])
    out = _json(capsys, ["score", "retrieval", "--hyp", str(txt), "--ref", str(gt), "--json"])
    assert out["t2v_queries"] == 4 and out["v2t_queries"] == 3
    # CLIP4Clip ties: text 0 -> [1]; text 1 tied -> [1, 2]; text 2 -> [3]; text 3 (gt 0) -> [3]: R@1 2/5
    assert out["t2v_r1"] == 40.0 and out["ties"] == "clip4clip"
    out = _json(capsys, ["score", "retrieval", "--hyp", str(txt), "--ref", str(gt), "--ties", "pessimistic", "--json"])
    assert out["t2v_r1"] == 25.0  # text 0 rank 1; text 1 tie -> 2; text 2 -> 3; text 3 (gt 0) -> 3


def test_errors_name_the_file(tmp_path, capsys):
    h = _write(tmp_path / "h.txt", ["a", "b"])
    r = _write(tmp_path / "r.txt", ["a"])
    assert main(["score", "slt", "--hyp", str(h), "--ref", str(r)]) == 2
    err = capsys.readouterr().err
    assert "h.txt has 2 lines" in err and "r.txt has 1" in err
    assert main(["score", "slt", "--hyp", str(tmp_path / "missing.txt"), "--ref", str(r)]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    bad = _write(tmp_path / "bad.txt", ["1 2", "3"])
    assert main(["score", "retrieval", "--hyp", str(bad)]) == 2
    assert "bad.txt: rows have different numbers of columns" in capsys.readouterr().err
