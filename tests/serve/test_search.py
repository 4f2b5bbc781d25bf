"""Index and search: text ranking equals the model's own evaluation similarity and a hand computation of m_ij,
the first stage keeps the exact top-k, clip queries equal brute-force cosine, the index refuses another
checkpoint and resumes a killed build."""
import json
import shutil

import numpy as np
import pytest
import torch

from signpt.data.store import Corpus
from signpt.errors import CheckpointError, ConfigError
from signpt.serve import index as index_mod
from signpt.serve.app import open_searcher
from signpt.serve.index import Index, build_index, preview
from signpt.serve.search import Searcher
from signpt.tasks import load_task_model
from signpt.tasks.common import TaskConfig, eval_batches
from signpt.tasks.embed import Embedder
from signpt.tasks.retrieval import similarity_matrix

QUERIES = ["sun rain", "snow snow cloud", "storm", "wind sun storm", "cloud rain wind"]


def m_ij_numpy(sign, text, t=1.0):
    """The paper's m_ij by hand: sign (n, d), text (m, d)."""
    s = sign / np.linalg.norm(sign, axis=1, keepdims=True)
    w = text / np.linalg.norm(text, axis=1, keepdims=True)
    z = s @ w.T
    p = np.exp(z / t) / np.exp(z / t).sum(1, keepdims=True)
    return float((p * z).sum(1).mean())


def test_index_contents(index_dir, corpus_dir):
    idx = Index.open(index_dir)
    view = Corpus(corpus_dir).filter(split="test")
    assert idx.ids == view.column("id") and idx.meta["text"] == view.column("text")
    assert idx.meta["gloss"][0] == " ".join(view[0].gloss) and idx.meta["signer"][0] == "d"
    info = json.loads((index_dir / "index.json").read_text())
    assert info["num_clips"] == len(view) and info["split"] == "test" and info["kind"] == "retrieval"
    pose = idx.pose(0)
    assert pose["frames"] == min(view[0].num_frames, index_mod.PREVIEW_FRAMES)
    assert len(pose["points"]) == pose["frames"] * 79 * 2


def test_text_ranking_is_the_models_similarity(index_dir, retrieval_ckpt, corpus_dir):
    searcher = open_searcher(index_dir)
    idx = searcher.index
    model, meta = load_task_model(retrieval_ckpt, "retrieval")
    view = Corpus(corpus_dir).filter(split="test")
    # reference 1: the retrieval evaluation's (texts x videos) matrix; the corpus texts as queries
    ids, texts, sim = similarity_matrix(model, eval_batches(view, TaskConfig.from_dict(meta["task_config"])))
    assert ids == idx.ids
    for qi in range(len(texts)):
        rows, scores = searcher.search_text(texts[qi], k=len(ids), first_stage=False)
        np.testing.assert_allclose(scores, sim[qi, rows].numpy(), atol=1e-5)
        assert np.all(np.diff(scores) <= 0)
        np.testing.assert_allclose(np.sort(scores)[::-1], np.sort(sim[qi].numpy())[::-1], atol=1e-5)
    # reference 2: m_ij by hand from the stored features
    with torch.no_grad():
        t, m = model.text_embed(["sun rain"])
    text = t[0, m[0]].numpy()
    rows, scores = searcher.search_text("sun rain", k=3)
    for r, s in zip(rows, scores):
        assert s == pytest.approx(m_ij_numpy(idx.clip_features(r), text, model.word_temperature), abs=1e-5)


def test_first_stage_keeps_the_exact_top_k(index_dir, retrieval_ckpt):
    emb = Embedder.load(retrieval_ckpt)
    idx = Index.open(index_dir, checkpoint_sha256=emb.fingerprint)
    exact = Searcher(idx, emb)
    for q in QUERIES:
        want = exact.search_text(q, k=5, first_stage=False)
        # every clip a candidate: identical; the stage-1 score is a lower bound of m_ij
        for c in (len(idx), 8):
            got = Searcher(idx, emb, candidates=c).search_text(q, k=5)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_allclose(got[1], want[1], atol=1e-6)


def test_first_stage_by_hand(retrieval_ckpt):
    """Stage 1 = m_ij on the normalised means of 8 consecutive stretches of each clip's rows, weighted by size."""
    import pyarrow as pa

    from signpt.tasks.embed import pooled, vector_lists, vectors

    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(3, 16)).astype(np.float32), rng.normal(size=(12, 16)).astype(np.float32)]
    idx = Index.from_table(pa.table({"id": ["a", "b"], "features": vector_lists(feats, 16),
                                     "pooled": vectors([pooled(f) for f in feats], 16)}))
    s = Searcher(idx, Embedder.load(retrieval_ckpt))
    t = s.temperature  # the retrieval model's word temperature, as stored with the checkpoint
    assert t == json.loads((retrieval_ckpt / "config.json").read_text())["spec"]["word_temperature"] == 0.1
    text = rng.normal(size=(5, 16)).astype(np.float32)
    got = s.first_stage(text)
    assert got[0] == pytest.approx(m_ij_numpy(feats[0], text, t), abs=1e-5)  # < 8 rows: each its own group
    unit = feats[1] / np.linalg.norm(feats[1], axis=1, keepdims=True)
    stretch = (np.arange(12) * 8) // 12  # 12 rows in 8 stretches: sizes 2,1,2,1,2,1,2,1
    cent = np.stack([unit[stretch == g].mean(0) for g in range(8)])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    w = text / np.linalg.norm(text, axis=1, keepdims=True)
    z = cent @ w.T
    p = np.exp(z / t) / np.exp(z / t).sum(1, keepdims=True)
    sizes = np.bincount(stretch) / 12
    assert got[1] == pytest.approx(float(((p * z).sum(1) * sizes).sum()), abs=1e-5)
    np.testing.assert_allclose(s.exact_scores(text, np.arange(2)),
                               [m_ij_numpy(f, text, t) for f in feats], atol=1e-5)


def test_clip_and_pose_queries(index_dir, corpus_dir):
    searcher = open_searcher(index_dir)
    idx = searcher.index
    unit = idx.pooled / np.linalg.norm(idx.pooled, axis=1, keepdims=True)
    cos = unit @ unit.T
    for r in range(len(idx)):
        rows, scores = searcher.search_clip(r, k=4)
        want = [j for j in np.argsort(-cos[r], kind="stable") if j != r][:4]
        assert list(rows) == want
        np.testing.assert_allclose(scores, cos[r, want], atol=1e-5)
    sample = Corpus(corpus_dir).filter(split="test")[3]
    rows, scores = searcher.search_pose(sample, k=2)
    assert rows[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_refuses_another_checkpoint_and_a_damaged_index(index_dir, pretrain_ckpt, tmp_path):
    with pytest.raises(CheckpointError, match="was built with checkpoint"):
        open_searcher(index_dir, checkpoint=pretrain_ckpt)
    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    with open(copy / "clips.arrow", "r+b") as f:
        f.seek(200)
        f.write(b"\xff\xff\xff")
    with pytest.raises(ConfigError, match="rebuild"):
        Index.open(copy)
    (copy / "index.json").unlink()
    with pytest.raises(ConfigError, match="not a signpt index"):
        Index.open(copy)


def test_build_resumes_after_a_kill(retrieval_ckpt, corpus_dir, index_dir, tmp_path, monkeypatch):
    real = index_mod.sign_table
    calls = []

    def dying(*a, **kw):
        calls.append(a[3])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(index_mod, "sign_table", dying)
    out = tmp_path / "idx"
    with pytest.raises(KeyboardInterrupt):
        build_index(retrieval_ckpt, corpus_dir, out, split="test", chunk=5, progress=False)
    with pytest.raises(ConfigError, match="resume"):
        Index.open(out)
    calls.clear()
    monkeypatch.setattr(index_mod, "sign_table", lambda *a, **kw: calls.append(a[3]) or real(*a, **kw))
    build_index(retrieval_ckpt, corpus_dir, out, split="test", chunk=5, progress=False)
    assert calls == [5, 10]  # the first chunk (clips 0-4) was reused
    # against the uninterrupted build with the same chunks: float features may differ in the last bit between
    # batch compositions on some CPUs (matmul blocking), never between a build and its resume
    monkeypatch.setattr(index_mod, "sign_table", real)
    whole = build_index(retrieval_ckpt, corpus_dir, tmp_path / "whole", split="test", chunk=5, progress=False)
    a, b = Index.open(out), Index.open(whole)
    np.testing.assert_allclose(a.features, Index.open(index_dir).features, atol=1e-5)
    assert a.ids == b.ids
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.offsets, b.offsets)


def test_preview_by_hand():
    kp = np.zeros((3, 79, 2), np.float32)
    kp[:, :, 0] = np.linspace(100, 300, 79)  # x spans 200 px
    kp[:, :, 1] = 50.0                        # y constant: centred
    conf = np.ones((3, 79), np.float32)
    conf[1, 5] = 0
    p = preview(kp, conf)
    assert p.shape == (3, 79, 2) and p.dtype == np.uint8
    assert p[0, 0, 0] == 0 and p[0, 78, 0] == 254 and p[0, 39, 0] == 127
    assert (p[:, :, 1] == 127).sum() == 3 * 79 - 1
    assert tuple(p[1, 5]) == (255, 255)
    assert preview(np.zeros((100, 79, 2)), np.ones((100, 79)), max_frames=10).shape == (10, 79, 2)
