import json

import pytest
import torch

from signpt.errors import CheckpointError, ConfigError
from signpt.model import EncoderConfig, PretrainModel, SignEncoder, get_preset

TINY = dict(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=8, num_layers=1, num_heads=2, dropout=0.0,
            max_frames=32)


def _inputs(b=3, t=12):
    g = torch.Generator().manual_seed(0)
    fm = torch.arange(t)[None] < torch.tensor([t, 7, 3])[:b, None]
    return torch.rand(b, t, 79, 2, generator=g), torch.rand(b, t, 79, generator=g), fm


@pytest.mark.parametrize("features,width", [("both", 24), ("manual", 16), ("non_manual", 8)])
@pytest.mark.parametrize("embedding", ["gcn", "linear"])
def test_branch_switches_shapes(features, width, embedding):
    enc = SignEncoder(EncoderConfig(features=features, embedding=embedding, **TINY)).eval()
    pose, conf, fm = _inputs()
    out = enc(pose, conf, fm)
    assert enc.out_dim == width and out.shape == (3, 12, width)
    assert (out[~fm] == 0).all() and out[fm].abs().sum() > 0


@pytest.mark.parametrize("pos", ["learned", "sinusoidal"])
def test_padding_does_not_change_real_frames(pos):
    enc = SignEncoder(EncoderConfig(pos_embedding=pos, **TINY)).eval()
    pose, conf, fm = _inputs()
    out = enc(pose, conf, fm)
    # sample 1 alone with its real 7 frames only
    alone = enc(pose[1:2, :7], conf[1:2, :7], fm[1:2, :7])
    torch.testing.assert_close(alone[0], out[1, :7], atol=1e-5, rtol=1e-5)
    # padded content is ignored
    pose2 = pose.clone()
    pose2[~fm] = 5.0
    torch.testing.assert_close(enc(pose2, conf, fm), out)


def test_cls_token_and_limits():
    enc = SignEncoder(EncoderConfig(cls_token=True, **TINY)).eval()
    pose, conf, fm = _inputs()
    f, cls = enc.encode(pose, conf, fm)
    assert f.shape == (3, 12, 24) and cls.shape == (3, 24)
    with pytest.raises(ValueError, match="max_frames"):
        enc(torch.zeros(1, 33, 79, 2), torch.zeros(1, 33, 79), torch.ones(1, 33, dtype=torch.bool))
    with pytest.raises(ConfigError):
        EncoderConfig(features="hands")


def test_save_from_pretrained_round_trip(tmp_path):
    enc = SignEncoder(EncoderConfig(**TINY)).eval()
    enc.save_pretrained(tmp_path / "enc")
    assert json.loads((tmp_path / "enc" / "config.json").read_text())["config"]["d_non_manual"] == 8
    back = SignEncoder.from_pretrained(tmp_path / "enc").eval()
    assert back.config == enc.config
    pose, conf, fm = _inputs()
    torch.testing.assert_close(back(pose, conf, fm), enc(pose, conf, fm))
    # a `signpt pretrain` output directory holds the encoder under encoder/
    enc.save_pretrained(tmp_path / "run" / "encoder")
    run = SignEncoder.from_pretrained(tmp_path / "run").eval()
    torch.testing.assert_close(run(pose, conf, fm), enc(pose, conf, fm))


def test_from_pretraining_checkpoint(tmp_path):
    from signpt.train import checkpoint

    cfg = get_preset("tiny", pretext="pr", **{k: v for k, v in TINY.items() if k != "max_frames"})
    model = PretrainModel(cfg).eval()
    ckpt = checkpoint.save(tmp_path / "run", model, step=3, config={"model": cfg.to_dict()})
    enc = SignEncoder.from_pretrained(ckpt).eval()
    pose, conf, fm = _inputs()
    torch.testing.assert_close(enc(pose, conf, fm), model.encoder(pose, conf, fm))
    with pytest.raises(CheckpointError):
        SignEncoder.from_pretrained(tmp_path / "nowhere")


# ---- input normalisation (InputNorm): statistics over present points of the unmasked input -----------------

def _with_missing(b=4, t=10, seed=1):
    """Random poses where ~20% of the points are missing: confidence 0 and arbitrary stored coordinates."""
    g = torch.Generator().manual_seed(seed)
    pose = torch.randn(b, t, 79, 2, generator=g) * 0.3 + 0.5
    conf = 0.5 + 0.5 * torch.rand(b, t, 79, generator=g)
    missing = torch.rand(b, t, 79, generator=g) < 0.2
    conf[missing] = 0.0
    pose[missing] = torch.randn(int(missing.sum()), 2, generator=g) * 3  # garbage where missing
    fm = torch.arange(t)[None] < torch.tensor([t, t - 2, 6, 3])[:b, None]
    return pose, conf, fm


def test_input_norm_statistics_by_hand_over_present_points():
    from signpt.model.embedding import InputNorm

    pose, conf, fm = _with_missing()
    x = torch.cat([pose, conf[..., None]], -1)[fm][:, :5]  # (N, 5, 3): 5 points
    norm = InputNorm(5)
    mean, var, count = norm.statistics(x)
    for v in range(5):
        keep = x[:, v, 2] > 0
        for c in range(2):
            vals = x[keep, v, c].double()
            assert count[2 * v + c] == keep.sum()
            assert abs(float(mean[2 * v + c]) - float(vals.mean())) < 1e-5
            assert abs(float(var[2 * v + c]) - float(vals.var(unbiased=False))) < 1e-5
    y = norm.train()(x).detach()
    absent = x[..., 2] == 0
    assert absent.any() and (y[absent] == 0).all()  # absent points: (0, 0, 0) whatever their stored coordinates
    torch.testing.assert_close(y[..., 2], x[..., 2])  # confidence passes unchanged
    xy = (x[..., :2] - mean.view(5, 2)) / (var.view(5, 2) + norm.eps).sqrt()
    torch.testing.assert_close(y[~absent][:, :2], xy[~absent], atol=1e-5, rtol=1e-5)


def test_masked_and_missing_points_reach_the_embedding_identically():
    """A point hidden by the mask and the same point missing in the data give the same embedding input."""
    from signpt.model.masking import hierarchical_mask

    pose, conf, fm = _with_missing()
    enc = SignEncoder(EncoderConfig(**TINY)).train()
    seen = []
    enc.embed.input_norm["manual"].register_forward_hook(lambda m, i, o: seen.append(o.detach()))
    m = hierarchical_mask(pose, conf, fm, 0.4, jitter_prob=0.0, generator=torch.Generator().manual_seed(0))
    enc.encode(m.pose, m.confidence, fm, unmasked=(pose, conf))
    # the same clips with the hidden points declared missing (conf 0) and garbage stored at them
    pose_missing = torch.where(m.mask[..., None], torch.full_like(pose, 7.0), pose)
    conf_missing = conf.masked_fill(m.mask, 0.0)
    enc.encode(pose_missing, conf_missing, fm, unmasked=(pose, conf))
    torch.testing.assert_close(seen[0], seen[1], atol=0, rtol=0)
    idx = enc.embed.parts["manual"].indices
    hidden = m.mask[fm][:, idx]
    assert hidden.any() and (seen[0][hidden] == 0).all()


def test_pretraining_and_finetuning_batches_normalise_a_clip_identically(make_batch):
    """Same clips: the unmasked points get the same normalised values in a pre-training batch (masked, m=0.4)
    as in a fine-tuning batch (no mask), and the running statistics are the same; fails if the mask's zeros
    (or missing points) enter the statistics."""
    # clip_centre off: a clip-centred part is centred on its clip's mean *after* masking (no hidden value may
    # leak into the visible ones, see test_hidden_points_do_not_reach_the_embedding), so its values differ.
    cfg = get_preset("tiny", pretext="pr", mask_jitter_prob=0.0, clip_centre=(),
                     **{k: v for k, v in TINY.items() if k != "max_frames"})
    pose, conf, fm = _with_missing(t=24)
    batch = make_batch(b=4, t=24, lengths=fm.sum(1).tolist())
    batch.pose, batch.confidence = pose * fm[..., None, None], conf * fm[..., None]
    torch.manual_seed(0)
    model = PretrainModel(cfg).train()
    finetune = SignEncoder(cfg.encoder_config()).train()
    finetune.load_state_dict(model.encoder.state_dict())
    outs = {}
    for name, enc in (("pt", model.encoder), ("ft", finetune)):
        for part in ("manual", "non_manual"):
            enc.embed.input_norm[part].register_forward_hook(
                lambda m, i, o, key=(name, part): outs.__setitem__(key, o.detach()))
    model(batch)  # masks 40% of the present points
    finetune(batch.pose, batch.confidence, batch.frame_mask)
    for part in ("manual", "non_manual"):
        pt, ft = outs["pt", part], outs["ft", part]
        visible = pt[..., 2] > 0
        hidden = (ft[..., 2] > 0) & ~visible
        assert visible.float().mean() > 0.3 and hidden.float().mean() > 0.2  # the mask did hide points
        torch.testing.assert_close(pt[visible], ft[visible], atol=0, rtol=0)
        assert (pt[hidden] == 0).all()
        a, b = model.encoder.embed.input_norm[part], finetune.embed.input_norm[part]
        torch.testing.assert_close(a.running_mean, b.running_mean, atol=0, rtol=0)
        torch.testing.assert_close(a.running_var, b.running_var, atol=0, rtol=0)


@pytest.mark.parametrize("centre", [(), ("non_manual",), ("manual", "non_manual")])
def test_hidden_points_do_not_reach_the_embedding(centre):
    """Without batch statistics (input_norm "none"), the pre-training embedding of a masked clip does not depend
    on the values of the points the mask hid, clip-centred parts included (fails if the clip mean is taken over
    the unmasked input: the hidden values then shift every visible point)."""
    from signpt.model.embedding import PoseEmbedding
    from signpt.model.masking import hierarchical_mask

    pose, conf, fm = _with_missing()
    emb = PoseEmbedding(kind="linear", dim=16, input_norm="none", clip_centre=centre).train()
    m = hierarchical_mask(pose, conf, fm, 0.4, jitter_prob=0.0, generator=torch.Generator().manual_seed(0))
    other = torch.where(m.mask[..., None], pose + 3.0, pose)  # the hidden points moved far away
    a = emb(m.pose, m.confidence, fm, stats_pose=pose, stats_confidence=conf)
    b = emb(m.pose, m.confidence, fm, stats_pose=other, stats_confidence=conf)
    assert m.mask.any()
    for part in a:
        torch.testing.assert_close(a[part], b[part], atol=0, rtol=0)


def test_masked_batch_statistics_agree_with_unmasked_on_present_points():
    """Statistics over the visible points of a masked input (no unmasked copy given) estimate those of the
    unmasked batch: the mask's zeros are not counted (today's defect shifted the mean by ~0.7 std)."""
    from signpt.model.embedding import InputNorm
    from signpt.model.masking import hierarchical_mask

    pose, conf, fm = _with_missing(b=4, t=64)
    fm[:] = True
    m = hierarchical_mask(pose, conf, fm, 0.4, jitter_prob=0.0, generator=torch.Generator().manual_seed(0))
    norm = InputNorm(79)
    clean = norm.statistics(torch.cat([pose, conf[..., None]], -1)[fm])
    masked = norm.statistics(torch.cat([m.pose, m.confidence[..., None]], -1)[fm])
    assert (masked[2] < 0.75 * clean[2]).all()  # 40% fewer points counted
    # means agree within a few standard errors: std 0.3, >= ~100 points each -> s.e. <= 0.03
    assert (masked[0] - clean[0]).abs().max() < 0.15
    assert ((masked[1] / clean[1]) - 1).abs().median() < 0.2


def test_clip_centre_removes_each_clips_resting_face():
    """With clip_centre=("non_manual",), a constant per-clip shift of every face point (another signer's face
    shape or head position) leaves the features unchanged; without it, it does not."""
    from signpt.pose.layouts.k79 import NON_MANUAL

    pose, conf, fm = _with_missing()
    g = torch.Generator().manual_seed(5)
    shift = torch.zeros(4, 1, 79, 2)
    shift[:, :, list(NON_MANUAL)] = torch.randn(4, 1, len(NON_MANUAL), 2, generator=g) * 0.2
    moved = pose + shift
    for centre, same in (((), False), (("non_manual",), True)):
        enc = SignEncoder(EncoderConfig(clip_centre=centre, **TINY)).eval()
        a, b = enc(pose, conf, fm), enc(moved, conf, fm)
        assert torch.allclose(a, b, atol=1e-5) == same
    with pytest.raises(ConfigError, match="clip_centre"):
        EncoderConfig(clip_centre=("face",))


def test_branch_dropout_zeroes_one_branch_of_some_clips_in_training_only():
    torch.manual_seed(0)
    enc = SignEncoder(EncoderConfig(branch_dropout=0.5, **TINY))
    g = torch.Generator().manual_seed(0)
    pose, conf, fm = torch.rand(400, 3, 79, 2, generator=g), torch.rand(400, 3, 79, generator=g), \
        torch.ones(400, 3, dtype=torch.bool)
    f = enc.train()(pose, conf, fm)
    off_m = (f[..., :16] == 0).all(-1).all(-1)
    off_n = (f[..., 16:] == 0).all(-1).all(-1)
    assert not (off_m & off_n).any()  # never both
    assert 0.2 < off_m.float().mean() < 0.3 and 0.2 < off_n.float().mean() < 0.3  # p / 2 each
    kept = ~(off_m | off_n)
    ref = SignEncoder(EncoderConfig(**TINY))
    ref.load_state_dict(enc.state_dict())
    torch.testing.assert_close(f[kept], ref.train()(pose, conf, fm)[kept])  # the others are untouched
    e = enc.eval()(pose, conf, fm)
    assert not (e[..., :16] == 0).all(-1).all(-1).any() and not (e[..., 16:] == 0).all(-1).all(-1).any()
    with pytest.raises(ConfigError, match="branch_dropout"):
        EncoderConfig(branch_dropout=1.0)
