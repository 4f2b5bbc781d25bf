"""Cross-alphabet letter retrieval on real poses (signpt.pipeline.real_poses) and its demo-report section."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from signpt.errors import PoseFormatError
from signpt.pipeline import real_poses as RP
from signpt.pipeline.report import REAL_POSES_HEADING, real_pose_section

FS = Path(__file__).parents[1].parent.parent / "shared" / "data" / "poses" / "fingerspelling"
needs_data = pytest.mark.skipif(not (FS / "index.csv").is_file(), reason=f"real clips not found at {FS}")


def test_letter_retrieval_hand_computed():
    # alphabet x: letters a, b, c; alphabet y: a, b, d (c has no counterpart, d is a distractor)
    f = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0],          # x: a, b, c
                  [0.9, 0.1], [1.0, 0.2], [0.1, 1.0]])          # y: a, b, d
    al = ["x"] * 3 + ["y"] * 3
    le = ["a", "b", "c", "a", "b", "d"]
    r = RP.letter_retrieval(f, al, le)
    # x->y: queries a, b (c is not in y). a: cos(a, y_a)=0.994 > cos(a, y_b)=0.981 > y_d -> rank 1.
    # b: y_d (0.995) > y_b (0.196) > y_a (0.110) -> rank 2.
    assert r["pairs"]["x->y"] == {"top1": 0.5, "mrr": 0.75, "queries": 2, "gallery": 3}
    # y->x: queries a, b. y_a: x_a (0.994) > x_c (0.781) -> rank 1. y_b: x_a (0.981) > x_c (0.832) > x_b
    # (0.196) -> rank 3.
    assert r["pairs"]["y->x"] == {"top1": 0.5, "mrr": pytest.approx((1 + 1 / 3) / 2), "queries": 2, "gallery": 3}
    assert r["top1"] == 0.5 and r["mrr"] == pytest.approx((0.75 + 2 / 3) / 2)
    assert r["chance"] == pytest.approx(1 / 3)


def test_letter_retrieval_ties_and_errors():
    f = np.ones((4, 3))                                        # every clip alike: ties count for the query
    r = RP.letter_retrieval(f, ["x", "x", "y", "y"], ["a", "b", "a", "b"])
    assert r["top1"] == 1.0
    with pytest.raises(ValueError, match="share"):
        RP.letter_retrieval(f, ["x", "x", "y", "y"], ["a", "b", "c", "d"])


def test_load_letters_errors(tmp_path):
    with pytest.raises(PoseFormatError, match="index.csv"):
        RP.load_letters(tmp_path)
    (tmp_path / "index.csv").write_text("path,words\nx.pose,A\n")
    with pytest.raises(PoseFormatError, match="signed_language"):
        RP.load_letters(tmp_path)


def test_report_section_without_data(tmp_path):
    lines = real_pose_section([], data_dir=tmp_path)
    assert lines[0] == REAL_POSES_HEADING and "Not measured" in lines[2] and "index.csv" in lines[2]


@needs_data
def test_real_clips_and_report_section(tmp_path):
    clips = RP.load_letters(FS)
    assert len(clips) == 56 and {c.alphabet for c in clips} == {"ase", "gsg"}
    assert all(c.pose.shape[1:] == (79, 2) and c.letter == c.letter.lower() for c in clips)
    raw = RP.raw_features(clips)
    assert raw.shape == (56, 158) and RP.raw_features(clips, hands_only=True).shape == (56, 84)
    # a saved random-weight encoder stands in for a pre-trained one
    from signpt.model.presets import get_preset
    enc = RP.random_encoder(get_preset("tiny").encoder_config(), 7)
    enc.save_pretrained(tmp_path / "enc")
    lines = real_pose_section([str(tmp_path / "enc")], data_dir=FS)
    text = "\n".join(lines)
    assert lines[0] == REAL_POSES_HEADING and "Real MediaPipe Holistic poses" in text
    rows = {ln.split(" | ")[0].strip("| "): ln for ln in lines if ln.startswith("| ") and "---" not in ln}
    assert set(rows) == {"Features", "Raw normalised pose", "Raw pose, hands only", "Random-weight encoder",
                         "Pre-trained encoder", "Random-weight encoder, pose embedding of the manual part",
                         "Pre-trained encoder, pose embedding of the manual part"}
    # the saved encoder is the random encoder of seed 7: it scores what evaluate gives it
    s = RP.evaluate(clips, {"e": enc}, embedding=True)
    assert f"| {100 * s['e']['top1']:.1f} |" in rows["Pre-trained encoder"]
    assert f"| {100 * s['e [embedding manual]']['top1']:.1f} |" in rows[
        "Pre-trained encoder, pose embedding of the manual part"]
    cross = RP.real_to_synthetic(clips, RP.synthetic_letters(), lambda c: RP.raw_features(c, hands_only=True))
    assert f"first for {100 * cross['top1']:.1f} % of the queries" in text
    assert f"| {100 * s['raw']['top1']:.1f} |" in rows["Raw normalised pose"]


@needs_data
def test_benchmark_runs(capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location("rt", Path(__file__).parents[2] / "benchmarks" / "real_transfer.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--random-seeds", "0", "--synthetic-control", "--embedding", "--cross-domain"]) == 0
    out = capsys.readouterr().out
    assert "raw |" in out and "random seed 0 |" in out
    assert "synthetic poses: 140 clips, groups signer0, signer1, signer2, signer3" in out
    assert "random seed 0 [embedding manual] |" in out and "# real letter -> synthetic handshape" in out


def test_synthetic_letters_control():
    """Four synthetic signers x every handshape, deterministic per seed, normalised like the corpus; the
    handshapes are what tells the clips apart: the raw hands retrieve the same handshape across signers far
    above chance, and the same retrieval on shuffled labels is near chance."""
    from signpt.data.synth.hand import HANDSHAPES

    a, b = RP.synthetic_letters(seed=3), RP.synthetic_letters(seed=3)
    assert len(a) == 4 * len(HANDSHAPES) and {c.alphabet for c in a} == {f"signer{i}" for i in range(4)}
    assert all(np.array_equal(x.pose, y.pose) for x, y in zip(a, b))
    assert all(c.pose.shape[1:] == (79, 2) and np.isfinite(c.pose).all() for c in a)
    raw = RP.raw_features(a, hands_only=True)
    al, le = [c.alphabet for c in a], [c.letter for c in a]
    hit = RP.letter_retrieval(raw, al, le)
    assert hit["top1"] > 8 * hit["chance"]  # 41-69 % over seeds 0-2 against 2.9 %
    n, rng = len(HANDSHAPES), np.random.default_rng(0)
    shuffled = [x for i in range(4) for x in rng.permutation(le[i * n:(i + 1) * n])]  # per signer
    assert RP.letter_retrieval(raw, al, shuffled)["top1"] < 4 * hit["chance"]


def test_random_encoder_is_seeded_and_leaves_the_global_random_state():
    import torch

    from signpt.model.presets import get_preset
    cfg = get_preset("tiny").encoder_config()
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a, b = RP.random_encoder(cfg, 1), RP.random_encoder(cfg, 1)
    torch.testing.assert_close(torch.rand(3), before)  # as if no encoder had been made
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_encoder_features_branches():
    from signpt.model.presets import get_preset
    cfg = get_preset("tiny").encoder_config()
    enc = RP.random_encoder(cfg, 0)
    rng = np.random.default_rng(0)
    clips = [RP.LetterClip(rng.random((n, 79, 2)).astype(np.float32), np.ones((n, 79), np.float32), "x", "a", "")
             for n in (5, cfg.max_frames + 3)]                    # the second is sampled down to max_frames
    f = RP.encoder_features(clips, enc)
    assert f.shape == (2, enc.out_dim)
    m = RP.encoder_features(clips, enc, branch="manual")
    start = 0 if cfg.branches[0] == "manual" else cfg.width(cfg.branches[0])
    np.testing.assert_allclose(m, f[:, start:start + cfg.width("manual")])
    one = RP.random_encoder(replace(cfg, features="manual"), 0)
    with pytest.raises(ValueError, match="no 'non_manual' branch"):
        RP.encoder_features(clips[:1], one, branch="non_manual")


def test_encoder_features_embedding_layer():
    """layer="embedding": the pose embedding's frame mean before the transformer; its manual channels are
    exactly what a manual-only encoder carrying the same manual embedding weights gives."""
    from signpt.model.presets import get_preset
    cfg = get_preset("tiny").encoder_config()
    enc = RP.random_encoder(cfg, 0).eval()
    rng = np.random.default_rng(1)
    clips = [RP.LetterClip(rng.random((n, 79, 2)).astype(np.float32), np.ones((n, 79), np.float32), "x", "a", "")
             for n in (4, 9)]
    f = RP.encoder_features(clips, enc, layer="embedding")
    assert f.shape == (2, cfg.embed_dim * len(cfg.branches))
    one = RP.random_encoder(replace(cfg, features="manual"), 5)
    own = {k: v for k, v in enc.embed.state_dict().items() if k.startswith(("parts.manual", "input_norm.manual"))}
    missing = one.embed.load_state_dict(own, strict=False)
    assert not missing.unexpected_keys and not [k for k in missing.missing_keys if "manual" in k]
    m = RP.encoder_features(clips, enc, branch="manual", layer="embedding")
    np.testing.assert_allclose(m, RP.encoder_features(clips, one, layer="embedding"), rtol=1e-6, atol=1e-6)
    # and it is not the output layer's manual channels
    assert not np.allclose(m, RP.encoder_features(clips, enc, branch="manual")[:, :m.shape[1]])
    with pytest.raises(ValueError, match="layer"):
        RP.encoder_features(clips, enc, layer="middle")
    import torch

    assert torch.is_grad_enabled()  # the caller's autograd mode is left as it was


def test_real_to_synthetic_hand_computed():
    """Only the pairs real alphabet -> synthetic signer count; letters the inventory lacks are not asked."""
    mk = lambda al, le: RP.LetterClip(np.zeros((1, 79, 2), np.float32), np.ones((1, 79), np.float32), al, le, "")
    real = [mk("ase", "a"), mk("ase", "b"), mk("ase", "j")]             # "j": no synthetic handshape
    synth = [mk("signer0", "a"), mk("signer0", "b"), mk("signer1", "a"), mk("signer1", "b")]
    vec = {("ase", "a"): [1, 0], ("ase", "b"): [1, 0.1], ("ase", "j"): [0, 1],
           ("signer0", "a"): [1, 0], ("signer0", "b"): [0, 1], ("signer1", "a"): [0, 1], ("signer1", "b"): [1, 0.1]}
    feats = lambda clips: np.array([vec[c.alphabet, c.letter] for c in clips], float)
    r = RP.real_to_synthetic(real, synth, feats)
    # ase->signer0: a -> a (rank 1), b -> a first (cos 0.995 vs 0.0995): rank 2; ase->signer1: a -> b first
    # (rank 2), b -> b (rank 1)
    assert set(r["pairs"]) == {"ase->signer0", "ase->signer1"}
    assert r["pairs"]["ase->signer0"] == {"top1": 0.5, "mrr": 0.75, "queries": 2, "gallery": 2}
    assert r["top1"] == 0.5 and r["mrr"] == 0.75 and r["chance"] == 0.5
    with pytest.raises(ValueError, match="different names"):
        RP.real_to_synthetic(real, [mk("ase", "a")], feats)
