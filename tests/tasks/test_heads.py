"""Task heads on random tensors: output shapes, CTC output lengths, masking, loss values."""
import math

import pytest
import torch
from torch import nn

from signpt.data.batch import PoseBatch
from signpt.errors import ConfigError
from signpt.tasks.cslr import BLANK, CSLRModel, TemporalConv, build_vocab, parse_conv_spec
from signpt.tasks.islr import ISLRModel, masked_mean
from signpt.tasks.slt import SLTModel
from signpt.tasks.tokenizer import BOS, EOS, PAD, train_tokenizer


class FrameEncoder(nn.Module):
    """Stand-in encoder: a per-frame linear map of the flattened pose (B, T, 79*2) -> (B, T, out_dim)."""

    def __init__(self, out_dim=8):
        super().__init__()
        self.out_dim = out_dim
        self.lin = nn.Linear(158, out_dim)

    def forward(self, pose, confidence, frame_mask):
        return self.lin(pose.flatten(2)) * frame_mask.unsqueeze(-1)


def batch_of(lengths, texts=None, glosses=None, labels=None):
    B, T = len(lengths), max(lengths)
    mask = torch.arange(T)[None] < torch.tensor(lengths)[:, None]
    g = torch.Generator().manual_seed(0)
    pose = torch.rand(B, T, 79, 2, generator=g) * mask[..., None, None]
    return PoseBatch(pose=pose, confidence=mask[..., None].float().expand(B, T, 79).clone(), frame_mask=mask,
                     lengths=torch.tensor(lengths), labels=torch.tensor(labels or [-1] * B), texts=texts or [None] * B,
                     glosses=glosses or [None] * B, spoken_languages=["de"] * B, sign_languages=["dgs"] * B,
                     ids=[f"s{i}" for i in range(B)], sources=["x"] * B, signers=["p"] * B)


def test_masked_mean_ignores_padding():
    f = torch.tensor([[[1.0], [3.0], [100.0]]])
    assert masked_mean(f, torch.tensor([[True, True, False]])).item() == 2.0


def test_islr_logits_loss_and_prediction():
    torch.manual_seed(0)
    m = ISLRModel(FrameEncoder(), num_classes=7, class_names=[f"c{i}" for i in range(7)], label_smoothing=0.2)
    b = batch_of([32, 20, 5], labels=[0, 3, 6])
    logits = m.logits(b)
    assert logits.shape == (3, 7)
    out = m(b)
    ref = nn.functional.cross_entropy(logits, torch.tensor([0, 3, 6]), label_smoothing=0.2)
    torch.testing.assert_close(out["loss"], ref)
    # label smoothing 0.2 over 7 classes, by hand: (1 - 0.2) * CE + 0.2 * mean_c(-log p_c)
    lp = logits.log_softmax(-1)
    by_hand = (-(0.8 * lp[torch.arange(3), torch.tensor([0, 3, 6])] + 0.2 * lp.mean(-1))).mean()
    torch.testing.assert_close(out["loss"], by_hand)
    top = m.predict(b, k=5)
    assert len(top) == 3 and len(top[0]) == 5
    probs = [p for _, p in top[0]]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6
    with pytest.raises(ValueError):
        m(batch_of([4], labels=[-1]))


@pytest.mark.parametrize("spec,T,expected", [("K5-P2-K5-P2", 37, 9), ("K3-P2", 7, 3), ("K5-P2-K5-P2", 3, 1)])
def test_temporal_conv_lengths(spec, T, expected):
    tc = TemporalConv(8, 16, spec).eval()
    x = torch.randn(2, T, 8)
    y, lengths = tc(x, torch.tensor([T, max(1, T - 2)]))
    assert y.shape == (2, expected, 16)
    assert lengths[0].item() == expected
    assert lengths[1].item() == max(1, max(1, T - 2) // tc.stride)


def test_conv_spec_errors():
    assert parse_conv_spec("K5-P2") == [("K", 5), ("P", 2)]
    with pytest.raises(ConfigError):
        parse_conv_spec("K5-X2")


def test_cslr_emissions_ctc_and_padding_independence():
    torch.manual_seed(0)
    vocab = build_vocab([["A", "B"], ["C"]])
    assert vocab == [BLANK, "A", "B", "C"]
    m = CSLRModel(FrameEncoder(), vocab, conv="K5-P2-K5-P2", hidden=16, lstm_layers=2).eval()
    b = batch_of([40, 23], glosses=[["A", "B", "C"], ["C", "A"]])
    lp, lengths = m.emissions(b)
    assert lp.shape == (2, 10, 4) and lengths.tolist() == [10, 5]
    torch.testing.assert_close(lp.exp().sum(-1), torch.ones(2, 10))
    # the short sample alone gives the same emissions as inside the padded batch (eval mode)
    alone = batch_of([23], glosses=[["C", "A"]])
    alone.pose = b.pose[1:2, :23].clone()
    alone.confidence = b.confidence[1:2, :23].clone()
    lp1, _ = m.emissions(alone)
    torch.testing.assert_close(lp1[0, :5], lp[1, :5], atol=1e-5, rtol=1e-5)
    loss = m(b)["loss"]
    ref = nn.functional.ctc_loss(lp.transpose(0, 1), torch.tensor([1, 2, 3, 3, 1]), lengths, torch.tensor([3, 2]),
                                 blank=0, zero_infinity=True)
    torch.testing.assert_close(loss, ref)
    assert math.isfinite(loss.item())
    assert all(set(s) <= set(vocab[1:]) for s in m.decode(b, mode="greedy") + m.decode(b, mode="beam"))
    with pytest.raises(ValueError, match="not in the CSLR vocabulary"):
        m(batch_of([20], glosses=[["Z"]]))


def test_slt_targets_loss_and_translation():
    torch.manual_seed(0)
    texts = ["regen und wind", "sonne", "wolken am morgen und regen"] * 3
    tok = train_tokenizer(texts, vocab_size=40)
    m = SLTModel(FrameEncoder(), tok.proto, d_model=16, nhead=2, num_layers=3, dim_feedforward=32, max_len=12)
    assert len(m.decoder.layers.layers) == 3
    ids = m.target_ids(texts[:3])
    assert ids[0, 0].item() == BOS and (ids == EOS).sum().item() == 3
    assert ids.shape[1] <= 12 and (ids[1, (ids[1] == EOS).nonzero()[0, 0] + 1:] == PAD).all()
    b = batch_of([10, 6, 8], texts=texts[:3])
    out = m(b)
    assert out["loss"].item() > 0 and 0 <= out["token_accuracy"].item() <= 1
    m.eval()
    hyp1 = m.translate(b, beam_size=1)
    hyp4 = m.translate(b, beam_size=4)
    assert len(hyp1) == len(hyp4) == 3 and all(isinstance(h, str) for h in hyp1 + hyp4)
    # the spec rebuilds the same tokenizer (saved with the checkpoint)
    m2 = SLTModel(FrameEncoder(), **m.spec())
    assert m2.tokenizer.proto == tok.proto
