"""signpt embed: features equal the models' own public methods, every output format, determinism, resume,
pose files and folders, texts, pre-training checkpoints."""
import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

import signpt
from signpt.cli.main import main
from signpt.data.batching import PoseDataset, collate
from signpt.data.store import Corpus
from signpt.errors import CheckpointError
from signpt.pose import PoseSequence, write_pose
from signpt.tasks import load_task_model
from signpt.tasks import embed as embed_mod
from signpt.tasks.embed import Embedder, embed, embed_texts, fixed_list_numpy, list_numpy


def _reference(model, view, max_frames=64):
    """Projected sign features and mean F_SE of each sample from RetrievalModel.sign_embed / .encoder."""
    ds = PoseDataset(view, max_frames=max_frames, sampling="uniform")
    feats, fse = [], []
    with torch.no_grad():
        for i in range(len(ds)):
            b = collate([ds[i]])
            s, m = model.sign_embed(b)
            feats.append(s[0, m[0]].numpy())
            fse.append(model.encoder(b.pose, b.confidence, b.frame_mask)[0].mean(0).numpy())
    return feats, fse


def test_corpus_to_parquet_matches_the_model(retrieval_ckpt, corpus_dir, tmp_path):
    out = main(["embed", str(corpus_dir), "--checkpoint", str(retrieval_ckpt), "--split", "test",
                "--out", str(tmp_path / "f.parquet"), "--no-progress", "--batch-size", "5"])
    assert out == 0
    table = pq.read_table(tmp_path / "f.parquet")
    view = Corpus(corpus_dir).filter(split="test")
    assert table.column("id").to_pylist() == view.column("id")
    assert table.column("text").to_pylist() == view.column("text")
    model, _ = load_task_model(retrieval_ckpt, "retrieval")
    ref_feats, ref_fse = _reference(model, view)
    feats = list_numpy(table.column("features"))
    assert [len(f) for f in feats] == [-(-s.num_frames // 4) for s in view]  # one vector per window of 4 frames
    for got, want in zip(feats, ref_feats):
        np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(fixed_list_numpy(table.column("fse")), np.stack(ref_fse), atol=1e-5)
    unit = [f / np.linalg.norm(f, axis=1, keepdims=True) for f in ref_feats]
    np.testing.assert_allclose(fixed_list_numpy(table.column("pooled")), np.stack([u.mean(0) for u in unit]),
                               atol=1e-5)


def test_deterministic_and_independent_of_batch_size(retrieval_ckpt, corpus_dir):
    a = signpt.embed(corpus_dir, retrieval_ckpt, split="dev", batch_size=1, progress=False)
    b = embed(corpus_dir, retrieval_ckpt, split="dev", batch_size=6, progress=False)
    c = embed(corpus_dir, retrieval_ckpt, split="dev", batch_size=6, progress=False)
    assert b.equals(c)
    np.testing.assert_allclose(fixed_list_numpy(a.column("fse")), fixed_list_numpy(b.column("fse")), atol=1e-5)


def test_npy_output(retrieval_ckpt, corpus_dir, tmp_path):
    out = embed(corpus_dir, retrieval_ckpt, tmp_path / "npy", split="dev", progress=False)
    table = embed(corpus_dir, retrieval_ckpt, split="dev", progress=False)
    assert (out / "ids.txt").read_text().split() == table.column("id").to_pylist()
    feats = np.load(out / "features.npy")
    lengths = np.load(out / "lengths.npy")
    for i, f in enumerate(list_numpy(table.column("features"))):
        assert lengths[i] == len(f)
        np.testing.assert_array_equal(feats[i, : len(f)], f)
        assert not feats[i, len(f):].any()
    np.testing.assert_array_equal(np.load(out / "fse.npy"), fixed_list_numpy(table.column("fse")))


def test_resumes_after_a_kill(retrieval_ckpt, corpus_dir, tmp_path, monkeypatch):
    # the uninterrupted run with the same chunks (batches of 8): a clip's float features may differ in the last
    # bit between batch compositions on some CPUs (matmul blocking), never between a run and its resume
    whole = embed(corpus_dir, retrieval_ckpt, split="train", chunk=8, progress=False)
    real = embed_mod.sign_table
    calls = []

    def dying(*a, **kw):
        calls.append(a[3])
        if len(calls) == 3:
            raise KeyboardInterrupt  # killed while embedding the third chunk
        return real(*a, **kw)

    monkeypatch.setattr(embed_mod, "sign_table", dying)
    out = tmp_path / "f.arrow"
    with pytest.raises(KeyboardInterrupt):
        embed(corpus_dir, retrieval_ckpt, out, split="train", chunk=8, progress=False)
    assert not out.exists() and len(list((tmp_path / "f.arrow.parts").glob("part-*.arrow"))) == 2
    calls.clear()
    monkeypatch.setattr(embed_mod, "sign_table", lambda *a, **kw: calls.append(a[3]) or real(*a, **kw))
    embed(corpus_dir, retrieval_ckpt, out, split="train", chunk=8, progress=False)
    assert calls == [16, 24, 32]  # chunks 0-7 and 8-15 were reused
    import pyarrow as pa

    with pa.memory_map(str(out)) as f:
        resumed = pa.ipc.open_file(f).read_all()
    assert resumed.equals(whole)
    assert not (tmp_path / "f.arrow.parts").exists()


def test_pose_files_and_folders(retrieval_ckpt, corpus_dir, tmp_path):
    view = Corpus(corpus_dir).filter(split="test")
    folder = tmp_path / "poses"
    for i in range(3):
        s = view[i]
        write_pose(PoseSequence(s.keypoints.astype(np.float32), s.confidence.astype(np.float32), s.fps, "k79",
                                s.frame_size), folder / f"{s.id}.npz")
    table = embed([folder], retrieval_ckpt, progress=False)
    assert [p.rsplit("/", 1)[-1] for p in table.column("id").to_pylist()] == [f"{view[i].id}.npz" for i in range(3)]
    ref = embed(corpus_dir, retrieval_ckpt, split="test", progress=False)
    np.testing.assert_allclose(fixed_list_numpy(table.column("fse")), fixed_list_numpy(ref.column("fse"))[:3],
                               atol=1e-5)


def test_texts(retrieval_ckpt, tmp_path):
    f = tmp_path / "texts.txt"
    f.write_text("sun rain\n\nsnow cloud storm\n")
    assert main(["embed", "--texts", str(f), "--checkpoint", str(retrieval_ckpt), "--out",
                 str(tmp_path / "t.parquet")]) == 0
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.column("text").to_pylist() == ["sun rain", "snow cloud storm"]
    model, _ = load_task_model(retrieval_ckpt, "retrieval")
    with torch.no_grad():
        t, m = model.text_embed(["sun rain", "snow cloud storm"])
    for i, got in enumerate(list_numpy(table.column("features"))):
        np.testing.assert_allclose(got, t[i, m[i]].numpy(), atol=1e-5)


def test_pretraining_checkpoint(pretrain_ckpt, corpus_dir):
    from signpt.model.pretrain import PretrainConfig, PretrainModel
    from signpt.train.checkpoint import load_weights, read_meta

    emb = Embedder.load(pretrain_ckpt)
    assert emb.kind == "pretrain"
    model = PretrainModel(PretrainConfig.from_dict(read_meta(pretrain_ckpt)["config"]["model"]))
    load_weights(pretrain_ckpt, model)
    model.eval()
    view = Corpus(corpus_dir).filter(split="dev")
    table = embed(corpus_dir, pretrain_ckpt, split="dev", progress=False)
    with torch.no_grad():
        for i, got in enumerate(list_numpy(table.column("features"))):
            s, m = model.encode_sign(collate([view[i]]))
            np.testing.assert_allclose(got, s[0, m[0]].numpy(), atol=1e-5)
        t, m = model.encode_text(["sun rain"])
    got = list_numpy(embed_texts(["sun rain"], pretrain_ckpt).column("features"))[0]
    np.testing.assert_allclose(got, t[0, m[0]].numpy(), atol=1e-5)


def test_bare_encoder_gives_fse_only(corpus_dir, tmp_path):
    from signpt.model.encoder import EncoderConfig, SignEncoder

    enc = SignEncoder(EncoderConfig(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=16, num_layers=1,
                                    num_heads=2, dropout=0.0, max_frames=64)).save_pretrained(tmp_path / "enc")
    table = embed(corpus_dir, enc, split="dev", progress=False)
    assert "features" not in table.column_names and table.column("fse").type.list_size == 32
    with pytest.raises(CheckpointError, match="projection"):
        embed_texts(["sun"], enc)
