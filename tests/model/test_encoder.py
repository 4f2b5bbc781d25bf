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
