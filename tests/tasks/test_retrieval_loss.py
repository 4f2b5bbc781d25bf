"""Retrieval fine-tuning uses the pre-training model's word temperature and its contrastive loss module."""
from __future__ import annotations

import pytest
import torch

from signpt.model import PretrainModel, get_preset
from signpt.model.losses import symmetric_info_nce
from signpt.model.similarity import fine_grained_similarity

@pytest.fixture(scope="module")
def minilm():
    from signpt.model.text import TextEncoder

    return TextEncoder("minilm")


@pytest.fixture
def make_batch():
    def make(b=4, t=24, texts=None, seed=0):
        from signpt.data.batch import PoseBatch

        g = torch.Generator().manual_seed(seed)
        lengths = torch.as_tensor([t - 3 * i for i in range(b)])
        frame_mask = torch.arange(t)[None] < lengths[:, None]
        pose = torch.rand(b, t, 79, 2, generator=g) * frame_mask[..., None, None]
        conf = (0.5 + 0.5 * torch.rand(b, t, 79, generator=g)) * frame_mask[..., None]
        return PoseBatch(pose, conf, frame_mask, lengths, torch.full((b,), -1), texts, [None] * b, ["de"] * b,
                         ["dgs"] * b, [str(i) for i in range(b)], ["toy"] * b, ["s0"] * b)
    return make


SMALL = dict(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=8, num_layers=1, num_heads=2,
             proj_dim=8, dropout=0.0, mask_ratio=0.0)


@pytest.fixture(scope="module")
def pretrain_ckpt(tmp_path_factory, minilm):
    """A pre-training checkpoint (tiny preset, word temperature 0.1) as `signpt pretrain` writes it."""
    from signpt.train import checkpoint as ckpt

    torch.manual_seed(0)
    model = PretrainModel(get_preset("tiny", **SMALL), text_encoder=minilm)
    assert model.config.word_temperature == 0.1
    with torch.no_grad():
        model.contrastive.logit_scale.log_scale.fill_(3.0)  # a learned temperature, not the initial one
    return ckpt.save(tmp_path_factory.mktemp("pre") / "checkpoints", model, step=1,
                     config={"model": model.config.to_dict()})


def _toy_view(toy_corpus):
    return toy_corpus.filter(source="toy_sentences", split="train")


def test_build_from_pretraining_uses_its_word_temperature_in_loss_and_similarity(pretrain_ckpt, toy_corpus,
                                                                                  make_batch):
    from signpt.tasks.common import build_encoder
    from signpt.tasks.retrieval import build

    encoder, _ = build_encoder(pretrain_ckpt)
    model = build(encoder, _toy_view(toy_corpus), init=pretrain_ckpt, embed_dim=32, temperature=0.07)
    assert model.spec()["word_temperature"] == 0.1 and model.spec()["embed_dim"] == 8
    assert "contrastive.logit_scale.log_scale" in model.loaded_heads
    assert model.logit_scale.log_scale.item() == 3.0
    model.eval()
    batch = make_batch(b=4, texts=["one", "two words here", "three", "a much longer sentence of words"])
    with torch.no_grad():
        sign, sm = model.sign_embed(batch)
        text, tm = model.text_embed(batch.texts, batch.spoken_languages)
        cold = fine_grained_similarity(sign, sm, text, tm, chunk=None, word_temperature=0.1)
        plain = fine_grained_similarity(sign, sm, text, tm, chunk=None, word_temperature=1.0)
        assert (cold - plain).abs().max() > 1e-3  # the two temperatures do score differently
        # evaluation similarity (texts x videos) and the training loss both run at t_w = 0.1
        torch.testing.assert_close(model.similarity(text, tm, sign, sm), cold.T)
        loss = model(batch)["loss"]
    torch.testing.assert_close(loss, symmetric_info_nce(cold, torch.tensor(3.0).exp()), rtol=1e-5, atol=1e-6)
    # a saved retrieval model rebuilt from its spec keeps the word temperature
    from signpt.tasks.retrieval import RetrievalModel

    again = RetrievalModel(encoder, **model.spec())
    assert again.contrastive.word_temperature == 0.1


def test_checkpoints_with_the_old_temperature_key_still_load(toy_corpus):
    from signpt.model.encoder import EncoderConfig, SignEncoder
    from signpt.tasks.retrieval import RetrievalModel

    enc = SignEncoder(EncoderConfig(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=16, num_layers=1,
                                    num_heads=2, dropout=0.0, max_frames=64))
    model = RetrievalModel(enc, embed_dim=8)
    state = model.state_dict()
    state["logit_scale.log_scale"] = state.pop("contrastive.logit_scale.log_scale") + 1.0
    model.load_state_dict(state)
    assert model.logit_scale.log_scale.item() == pytest.approx(1.0 + torch.log(torch.tensor(1 / 0.07)).item())
