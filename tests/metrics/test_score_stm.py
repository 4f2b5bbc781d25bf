"""`signpt score cslr` on PHOENIX-2014's real ground-truth STM, with CTM and one-sentence-a-line hypotheses."""
import json

import pytest

from pathlib import Path

from signpt.cli.main import main
from signpt.errors import SignptError
from signpt.metrics.sclite_files import read_ctm, read_stm, stm_references

SHARED_DATA = Path(__file__).parents[1].parent.parent / "shared" / "data"
STM = SHARED_DATA / "annotations" / "phoenix2014" / "phoenix2014-groundtruth-dev.stm"
needs_stm = pytest.mark.skipif(not STM.is_file(), reason=f"real PHOENIX-2014 STM not found at {STM}")


def _stm_lines():
    return STM.read_text(encoding="utf-8").split("\n")  # LF, no final newline, as distributed


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _write_ctm(path, sentences: dict[str, list[str]]):
    lines = [f"{k} 1 {0.04 * i:.3f} 0.040 {w}" for k, ws in sentences.items() for i, w in enumerate(ws)]
    path.write_text("\n".join(lines[::-1]) + "\n", encoding="utf-8")  # any line order: words sorted by time
    return path


@needs_stm
def test_read_real_stm():
    segs = read_stm(STM)
    lines = _stm_lines()
    assert len(segs) == len(lines) == 540 and len({s.file for s in segs}) == 540
    f = lines[0].split(" ")
    assert (segs[0].file, segs[0].channel, segs[0].speaker, segs[0].begin, segs[0].end) == (f[0], "1", f[2], 0.0,
                                                                                           1.79769e308)
    assert segs[0].speaker == "signer05" and list(segs[-1].words) == lines[-1].split(" ")[5:]
    assert sum(len(s.words) for s in segs) == sum(len(ln.split(" ")) - 5 for ln in lines)


@needs_stm
def test_stm_against_itself_is_zero_wer(tmp_path, capsys):
    refs = stm_references(STM)
    n = sum(len(v) for v in refs.values())
    ctm = _write_ctm(tmp_path / "h.ctm", refs)
    out = _json(capsys, ["score", "cslr", "--hyp", str(ctm), "--ref", str(STM), "--json", "--no-phoenix-cleanup"])
    assert out["wer"] == 0.0 and out["ref_words"] == n and out["num_sentences"] == 540
    text = tmp_path / "h.txt"
    text.write_text("\n".join(" ".join(v) for v in refs.values()), encoding="utf-8")
    same = _json(capsys, ["score", "cslr", "--hyp", str(text), "--ref", str(STM), "--json", "--no-phoenix-cleanup"])
    assert same["wer"] == 0.0 and same["ref_words"] == n


@needs_stm
def test_stm_scoring_counts_by_hand(tmp_path, capsys):
    refs = stm_references(STM)
    ids = list(refs)
    hyps = {k: list(v) for k, v in refs.items()}
    a, b, c = ids[0], ids[1], ids[2]
    # ids[0]: __ON__ TEMPERATUR WIE-AUSSEHEN MORGEN ... -> drop TEMPERATUR (1 D), MORGEN -> HEUTE (1 S)
    assert refs[a][:4] == ["__ON__", "TEMPERATUR", "WIE-AUSSEHEN", "MORGEN"]
    hyps[a] = ["__ON__", "WIE-AUSSEHEN", "HEUTE"] + refs[a][4:]
    hyps[b] = refs[b] + ["REGEN", "REGEN"]  # 2 I: the official CTM route never merges repeats (one word a line)
    del hyps[c]  # no hypothesis: every word of ids[2] is a deletion
    # the hypothesis cleaned as PHOENIX-2014's evaluation does, word by word: prefixes dropped ("loc-NORD" ->
    # "NORD"), "__EMOTION__" words removed
    hyps[ids[3]] = [("loc-" + w if w == refs[ids[3]][0] else w) for w in refs[ids[3]]]
    hyps[ids[4]] = refs[ids[4]][:1] + ["__EMOTION__"] + refs[ids[4]][1:]
    ctm = _write_ctm(tmp_path / "h.ctm", hyps)
    n = sum(len(v) for v in refs.values())
    raw = _json(capsys, ["score", "cslr", "--hyp", str(ctm), "--ref", str(STM), "--json", "--no-phoenix-cleanup"])
    assert (raw["substitutions"], raw["deletions"], raw["insertions"]) == (2, 1 + len(refs[c]), 3)
    assert raw["wer"] == pytest.approx(100 * (6 + len(refs[c])) / n) and raw["missing_hypotheses"] == 1
    out = _json(capsys, ["score", "cslr", "--hyp", str(ctm), "--ref", str(STM), "--json"])
    assert out["phoenix_cleanup"].startswith("2014 (hypotheses only") and out["ref_words"] == n  # the STM as it is
    # the repeats the STM itself holds (5 in the dev STM, e.g. "MOEGLICH MOEGLICH") stay on both sides and cost
    # nothing: one word a line, the perl repeat rule cannot fire on the CTM
    repeats = sum(r[i] == r[i - 1] for k, r in refs.items() if k not in (a, c) for i in range(1, len(r)))
    assert repeats == 5
    assert (out["substitutions"], out["deletions"], out["insertions"]) == (1, 1 + len(refs[c]), 2)
    # a line-per-sentence hypothesis in the STM's order is scored as its CTM would be
    text = tmp_path / "h.txt"
    text.write_text("\n".join(" ".join(hyps.get(k, [])) for k in refs), encoding="utf-8")
    same = _json(capsys, ["score", "cslr", "--hyp", str(text), "--ref", str(STM), "--json"])
    assert (same["substitutions"], same["deletions"], same["insertions"]) == (1, 1 + len(refs[c]), 2)


@needs_stm
def test_stm_errors_name_the_file(tmp_path, capsys):
    ctm = tmp_path / "h.ctm"
    ctm.write_text("NOT_AN_ID 1 0.0 0.1 WORT\n", encoding="utf-8")
    assert main(["score", "cslr", "--hyp", str(ctm), "--ref", str(STM)]) != 0
    assert "not in" in capsys.readouterr().err
    short = tmp_path / "h.txt"
    short.write_text("A B\n", encoding="utf-8")
    assert main(["score", "cslr", "--hyp", str(short), "--ref", str(STM)]) != 0
    assert "540 file ids" in capsys.readouterr().err
    bad = tmp_path / "bad.stm"
    bad.write_text(";; comment\r\nx 1 spk zero 1.0 A\r\n", encoding="utf-8")
    with pytest.raises(SignptError, match=r"bad.stm:2: begin and end"):
        read_stm(bad)
    broken = tmp_path / "b.ctm"
    broken.write_text("x 1 0.0\n", encoding="utf-8")
    with pytest.raises(SignptError, match=r"b.ctm:1: a CTM line needs"):
        read_ctm(broken)
