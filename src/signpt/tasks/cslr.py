"""Continuous sign language recognition (CSLR): encoder + temporal convolution + BiLSTM + CTC over glosses.

The temporal convolution follows VAC's "K5-P2-K5-P2" (kernel-5 convolutions and stride-2 max-pooling), with
'same' padding so that the output length is ``T // 2 // 2`` (each "P2" halves the length, rounding down);
"K3-P2" is a lighter variant. The gloss vocabulary is index 0 = CTC blank, then the training glosses sorted.
Decoding: best path (``decode="greedy"``) or CTC prefix beam search (``decode="beam"``, flashlight-text,
no language model). Metric: WER with sclite's S/D/I split (``signpt.metrics.wer``).
"""
from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from signpt.data.batch import PoseBatch
from signpt.errors import ConfigError, CorpusError
from signpt.metrics.tables import cslr_table
from signpt.metrics.wer import wer
from signpt.tasks.common import reference_prediction_markdown
from signpt.tasks.ctc import beam_decode, greedy_decode

TASK = "cslr"
PRIMARY_METRIC = ("wer", "min")
BLANK = "<blank>"


def parse_conv_spec(spec: str) -> list[tuple[str, int]]:
    """"K5-P2-K5-P2" -> [("K", 5), ("P", 2), ("K", 5), ("P", 2)]."""
    out = []
    for part in spec.replace(",", "-").split("-"):
        part = part.strip().upper()
        if len(part) < 2 or part[0] not in "KP" or not part[1:].isdigit() or int(part[1:]) < 1:
            raise ConfigError(f"temporal conv spec {spec!r}: bad element {part!r} (use e.g. K5-P2-K5-P2)")
        out.append((part[0], int(part[1:])))
    return out


class TemporalConv(nn.Module):
    """Conv1d(k, 'same') + BatchNorm + ReLU for each "Kk", MaxPool1d(p) for each "Pp".

    Steps past each sample's length are zeroed after every block, so in eval mode a sample's output does not
    depend on how much padding its batch adds.

    forward(x (B, T, D_in), lengths (B,)) -> (y (B, T', hidden), lengths' (B,)); T' = T // prod(p).
    """

    def __init__(self, in_dim: int, hidden: int, spec: str = "K5-P2-K5-P2"):
        super().__init__()
        layers: list[nn.Module] = []
        self.pools: list[int] = []
        dim = in_dim
        for kind, size in parse_conv_spec(spec):
            if kind == "K":
                layers += [nn.Conv1d(dim, hidden, size, padding=size // 2), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
                dim = hidden
            else:
                layers.append(nn.MaxPool1d(size, ceil_mode=False))
                self.pools.append(size)
        self.net = nn.Sequential(*layers)
        self.out_dim = dim
        self.stride = 1
        for p in self.pools:
            self.stride *= p

    def out_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        for p in self.pools:
            lengths = torch.div(lengths, p, rounding_mode="floor")
        return lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[1] < self.stride:  # keep at least one output step
            x = F.pad(x, (0, 0, 0, self.stride - x.shape[1]))
        y = x.transpose(1, 2)
        cur = lengths.to(y.device)
        for layer in self.net:
            y = layer(y)
            if isinstance(layer, nn.MaxPool1d):
                cur = torch.div(cur, layer.kernel_size, rounding_mode="floor")
            if isinstance(layer, (nn.MaxPool1d, nn.ReLU)):  # steps past a sample's end stay 0, like conv padding
                y = y * (torch.arange(y.shape[-1], device=y.device)[None] < cur[:, None]).unsqueeze(1).to(y.dtype)
        return y.transpose(1, 2), self.out_lengths(lengths).clamp_min(1)


class CSLRModel(nn.Module):
    """forward(batch) -> {"loss"} (CTC, blank 0, mean over targets then batch);
    ``emissions(batch)`` -> (log_probs (B, T', V), lengths (B,)); ``decode(batch)`` -> gloss lists."""

    def __init__(self, encoder: nn.Module, vocab: list[str], conv: str = "K5-P2-K5-P2", hidden: int = 512,
                 lstm_layers: int = 2, dropout: float = 0.1, decode: str = "beam", beam_size: int = 10):
        super().__init__()
        if not vocab or vocab[0] != BLANK:
            raise ConfigError(f"CSLR vocabulary must start with {BLANK!r} (the CTC blank)")
        if decode not in ("greedy", "beam"):
            raise ConfigError(f"CSLR decode must be 'greedy' or 'beam', got {decode!r}")
        self.encoder = encoder
        self.vocab = list(vocab)
        self.index = {g: i for i, g in enumerate(self.vocab)}
        self.tconv = TemporalConv(encoder.out_dim, hidden, conv)
        self.lstm = nn.LSTM(hidden, hidden // 2, num_layers=lstm_layers, batch_first=True, bidirectional=True,
                            dropout=dropout if lstm_layers > 1 else 0.0)
        self.classifier = nn.Linear(2 * (hidden // 2), len(self.vocab))
        self.decode_mode, self.beam_size = decode, beam_size
        self._spec = dict(vocab=self.vocab, conv=conv, hidden=hidden, lstm_layers=lstm_layers, dropout=dropout,
                          decode=decode, beam_size=beam_size)

    def spec(self) -> dict:
        return dict(self._spec)

    def emissions(self, batch: PoseBatch) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.encoder(batch.pose, batch.confidence, batch.frame_mask)
        lengths = batch.frame_mask.sum(1).cpu()
        x, out_len = self.tconv(f, lengths)
        packed = pack_padded_sequence(x, out_len, batch_first=True, enforce_sorted=False)
        y, _ = self.lstm(packed)
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        return self.classifier(y).float().log_softmax(-1), out_len

    def targets(self, glosses: list) -> tuple[torch.Tensor, torch.Tensor]:
        ids, lens = [], []
        for g in glosses:
            if not g:
                raise ValueError("CSLR training sample without a gloss sequence")
            unknown = [x for x in g if x not in self.index]
            if unknown:
                raise ValueError(f"glosses {unknown[:5]} are not in the CSLR vocabulary")
            ids += [self.index[x] for x in g]
            lens.append(len(g))
        return torch.tensor(ids, dtype=torch.long), torch.tensor(lens, dtype=torch.long)

    def forward(self, batch: PoseBatch) -> dict:
        log_probs, out_len = self.emissions(batch)
        tgt, tgt_len = self.targets(batch.glosses)
        loss = F.ctc_loss(log_probs.transpose(0, 1), tgt.to(log_probs.device), out_len, tgt_len,
                          blank=0, reduction="mean", zero_infinity=True)
        return {"loss": loss}

    @torch.no_grad()
    def decode(self, batch: PoseBatch, mode: str | None = None, beam_size: int | None = None) -> list[list[str]]:
        """Recognised gloss sequence per sample."""
        log_probs, out_len = self.emissions(batch)
        mode = mode or self.decode_mode
        if mode == "greedy":
            seqs = greedy_decode(log_probs, out_len)
        else:
            seqs = [h[0].tokens for h in beam_decode(log_probs, out_len, beam_size=beam_size or self.beam_size)]
        return [[self.vocab[i] for i in s] for s in seqs]

    predict = decode


def build_vocab(gloss_lists: Iterable) -> list[str]:
    """[BLANK] + the sorted set of glosses."""
    return [BLANK] + sorted({g for gl in gloss_lists if gl for g in gl})


def build(encoder: nn.Module, train_view, all_view=None, **head) -> CSLRModel:
    glosses = train_view.column("gloss")
    missing = sum(1 for g in glosses if not g)
    if missing:
        raise CorpusError(f"{train_view.root}: {missing} of {len(glosses)} CSLR training samples have no gloss")
    return CSLRModel(encoder, build_vocab(glosses), **head)


@torch.no_grad()
def evaluate_model(model: CSLRModel, batches: Iterable[PoseBatch], phoenix_cleanup: str | None = None,
                   mode: str | None = None) -> tuple[dict, list[dict]]:
    """(metrics, examples): corpus WER / del / ins / sub in % (sclite alignment); examples hold
    reference and hypothesis per sample."""
    model.eval()
    refs, hyps, examples = [], [], []
    for batch in batches:
        for sid, ref, hyp in zip(batch.ids, batch.glosses, model.decode(batch, mode=mode)):
            if not ref:
                raise CorpusError(f"CSLR evaluation: sample {sid} has no gloss sequence")
            refs.append(list(ref))
            hyps.append(hyp)
            examples.append({"id": sid, "reference": " ".join(ref), "prediction": " ".join(hyp)})
    result = wer(refs, hyps, phoenix_cleanup=phoenix_cleanup)
    for ex, s in zip(examples, result.sentences):
        ex["errors"] = {"S": s.substitutions, "D": s.deletions, "I": s.insertions}
    metrics = result.to_dict()
    metrics["decode"] = mode or model.decode_mode
    return metrics, examples


def table(rows: dict, title: str | None = None) -> str:
    return cslr_table(rows, title=title)


def examples_markdown(examples: list[dict], limit: int = 10) -> str:
    """Reference / prediction pairs laid out as Table XXI."""
    return reference_prediction_markdown(examples, "Glosses", limit)


MODEL = CSLRModel
