"""Text-model coverage of a curated corpus: unknown tokens per spoken language, and the warning naming mBART."""
from __future__ import annotations

import gzip
import pickle

import numpy as np

from curate_helpers import SHARED, needs_shared
from signpt.cli.main import main
from signpt.data.schema import Sample
from signpt.data.store import CorpusWriter, merge_manifests
from signpt.model.text_coverage import (coverage_warnings, load_tokenizer, text_coverage, tokenizer_coverage)

ANN = SHARED / "annotations"


def _texts() -> dict[str, list[str]]:
    zh = [v["text"] for v in pickle.load(gzip.open(ANN / "csl_daily" / "labels.dev", "rb")).values()][:60]
    de = [v["text"].strip() for v in pickle.load(gzip.open(ANN / "phoenix2014t" / "labels.dev", "rb")).values()][:60]
    en = [ln.split("\t")[-1].strip('"') for ln in
          (ANN / "how2sign" / "how2sign_realigned_test.csv").read_text(encoding="utf-8").splitlines()[1:61]]
    return {"zh": zh, "de": de, "en": en}


def _corpus(root, texts):
    with CorpusWriter(root, shard_size=64, prefix="c") as w:
        for lang, items in texts.items():
            for i, t in enumerate(items):
                w.add(Sample(id=f"{lang}/{i}", source=lang, sign_language="x", spoken_language=lang,
                             split="train" if i % 5 else "dev", keypoints=np.zeros((4, 79, 2), np.float32),
                             confidence=np.ones((4, 79), np.float32), fps=25.0, frame_size=(100, 100), text=t))
    merge_manifests(root)
    return root


@needs_shared
def test_minilm_reads_most_chinese_as_unknown(tmp_path):
    texts = _texts()
    tok = load_tokenizer("minilm")
    cov = tokenizer_coverage(tok, texts)
    for lang, items in texts.items():  # independent count: the tokenizer's own token strings
        distinct = list(dict.fromkeys(items))
        pieces = [p for t in distinct for p in tok.tokenize(t)]
        assert cov[lang].tokens == len(pieces) and cov[lang].unknown == pieces.count(tok.unk_token)
        assert cov[lang].texts == len(distinct)
    assert cov["zh"].unknown_share > 0.5 and cov["de"].unknown_share < 0.01 and cov["en"].unknown_share < 0.01
    warnings = coverage_warnings(cov, "minilm")
    assert len(warnings) == 1 and "'zh'" in warnings[0] and "mbart" in warnings[0] and "--preset paper" in warnings[0]


@needs_shared
def test_info_and_pretrain_report_coverage(tmp_path, capsys):
    texts = _texts()
    root = _corpus(tmp_path / "corpus", texts)
    from signpt.data.store import Corpus

    train_only = text_coverage(Corpus(root), "minilm")  # pretrain + train splits: 4 of every 5 texts
    assert train_only["zh"].texts == len(set(t for i, t in enumerate(texts["zh"]) if i % 5))
    assert main(["info", str(root), "--no-hist", "--text-model", "minilm"]) == 0
    err = capsys.readouterr().err
    assert "unknown tokens per spoken language" in err
    assert err.count("WARNING:") == 1 and "'zh' tokens as unknown" in err and "mbart" in err
    from signpt.cli.pretrain import report_text_coverage

    warnings = report_text_coverage(root, "minilm")
    assert len(warnings) == 1 and "WARNING" in capsys.readouterr().err
