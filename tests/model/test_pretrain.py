import pytest
import torch

from signpt.errors import ConfigError
from signpt.model import PretrainConfig, PretrainModel, get_preset, symmetric_info_nce

SMALL = dict(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=8, num_layers=1, num_heads=2,
             proj_dim=8, dropout=0.0)


def test_presets_and_config_errors():
    paper = get_preset("paper")
    assert (paper.num_layers, paper.d_manual, paper.d_non_manual, paper.proj_dim, paper.window) == \
        (8, 1024, 1536, 512, 4)
    assert paper.embed_dim == 512 and paper.text_model == "mbart" and paper.mask_ratio == 0.4
    assert paper.encoder_config().out_dim == 2560
    assert get_preset("tiny", window=8).window == 8
    with pytest.raises(ConfigError):
        get_preset("huge")
    with pytest.raises(ConfigError):
        PretrainConfig(similarity="medium")
    with pytest.raises(ConfigError):
        PretrainConfig.from_dict({"windw": 3})
    cfg = get_preset("base")
    assert PretrainConfig.from_dict(cfg.to_dict()) == cfg


def test_pr_only_needs_no_text_and_ignores_texts(make_batch):
    model = PretrainModel(get_preset("tiny", pretext="pr", **SMALL))
    assert model.text is None and not hasattr(model, "logit_scale") and not hasattr(model, "contrastive")
    torch.manual_seed(0)
    out = model(make_batch())
    assert out["loss_stc"].item() == 0 and out["loss"].item() == out["loss_pr"].item() > 0
    out["loss"].backward()


@pytest.mark.parametrize("switch", [
    {}, {"similarity": "coarse"}, {"embedding": "linear"}, {"features": "manual"}, {"features": "non_manual"},
    {"pretext": "stc"}, {"pretext": "stc_masked"}, {"mask_ratio": 0.0}, {"window": 1}, {"lambda_stc": 0.5},
])
def test_every_switch_runs_and_backpropagates(minilm, switch, make_batch):
    model = PretrainModel(get_preset("tiny", **{**SMALL, **switch}), text_encoder=minilm)
    torch.manual_seed(0)
    out = model(make_batch(texts=["one", "two words", None, "three more words"]))
    assert set(out) == {"loss", "loss_pr", "loss_stc", "temperature"}
    assert all(torch.isfinite(v) for v in out.values())
    cfg = model.config
    expected = (out["loss_pr"] if cfg.use_pr else 0) + (cfg.lambda_stc * out["loss_stc"] if cfg.use_stc else 0)
    torch.testing.assert_close(out["loss"], torch.as_tensor(expected, dtype=torch.float32))
    out["loss"].backward()
    if cfg.use_stc:
        assert abs(out["temperature"].item() - 0.07) < 1e-6
        assert model.logit_scale.log_scale.grad.abs() > 0  # gradient reaches the temperature
    trainable = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not trainable, trainable


def test_stc_masked_hides_points_from_the_encoder_without_reconstruction(minilm, make_batch):
    """The diagnostic pretext: the encoder sees the masked input as under PR + STC, but there is no decoder
    and no L_PR; plain STC sees every point."""
    visible = {}
    for pretext in ("stc", "stc_masked", "both"):
        model = PretrainModel(get_preset("tiny", pretext=pretext, mask_jitter_prob=0.0, **SMALL),
                              text_encoder=minilm)
        model.encoder.embed.input_norm["manual"].register_forward_hook(
            lambda m, i, o, key=pretext: visible.__setitem__(key, (o[..., 2] > 0).float().mean().item()))
        torch.manual_seed(0)
        out = model(make_batch(texts=["one", "two words", "a b", "three more words"]))
        assert (out["loss_pr"].item() == 0) == (pretext != "both") and out["loss_stc"].item() > 0
        assert (model.decoder is not None) == (pretext == "both")
    assert visible["stc_masked"] == visible["both"] < 0.8 * visible["stc"]


@pytest.mark.parametrize("similarity", ["fine", "coarse"])
def test_unpaired_samples_only_in_pr_and_stc_equals_eq5(minilm, similarity, make_batch):
    model = PretrainModel(get_preset("tiny", pretext="stc", similarity=similarity, **SMALL),
                          text_encoder=minilm).eval()
    texts = ["the cat", None, "a dog runs", "rain tomorrow", None]
    batch = make_batch(b=5, texts=texts)
    loss = model(batch)["loss_stc"]
    with torch.no_grad():
        sign, smask = model.encode_sign(batch)
        keep = [0, 2, 3]
        text, tmask = model.encode_text([texts[i] for i in keep], ["en"] * 3)
        m = model.similarity(sign[keep], smask[keep], text, tmask)
    torch.testing.assert_close(loss, symmetric_info_nce(m, torch.tensor(1 / 0.07)))
    # all unpaired: no contrastive signal at all
    assert model(make_batch(texts=[None] * 4))["loss_stc"].item() == 0.0


def test_masking_hides_only_enabled_parts():
    model = PretrainModel(get_preset("tiny", pretext="pr", features="manual", **SMALL))
    assert model.points.numel() == 53 and 20 not in model.points.tolist()
