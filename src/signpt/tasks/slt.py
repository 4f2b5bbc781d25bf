"""Gloss-free sign language translation (GF-SLT): encoder + MLP projector + 3-block transformer decoder.

The decoder and projector start from random weights (as GFSLT-VLP / the paper); the target tokenizer is a
sentencepiece model trained on the training texts (``signpt.tasks.tokenizer``) and saved inside the task
checkpoint. Loss: token cross-entropy with label smoothing. Decoding: beam search (4 beams, length
penalty). Metrics: BLEU-1/2/4 and ROUGE-L as the public SLT code computes them (``signpt.metrics.bleu_rouge``).
"""
from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from signpt.data.batch import PoseBatch
from signpt.errors import CorpusError
from signpt.metrics.bleu_rouge import translation_scores
from signpt.metrics.tables import slt_table
from signpt.tasks.common import reference_prediction_markdown
from signpt.tasks.decoder import TextDecoder, beam_search, greedy_search
from signpt.tasks.tokenizer import BOS, EOS, PAD, Tokenizer, train_tokenizer

TASK = "slt"
PRIMARY_METRIC = ("bleu4", "max")


class SLTModel(nn.Module):
    """forward(batch) -> {"loss", "token_accuracy"}; ``translate(batch)`` -> sentences.

    tokenizer: sentencepiece model bytes (base64 str in the checkpoint spec). max_len counts target tokens
    including <s> and </s>; longer training targets are truncated. lang: metric language ("zh" = characters).
    """

    def __init__(self, encoder: nn.Module, tokenizer: bytes | str, d_model: int = 512, nhead: int = 8,
                 num_layers: int = 3, dim_feedforward: int = 2048, dropout: float = 0.1, max_len: int = 64,
                 label_smoothing: float = 0.1, beam_size: int = 4, length_penalty: float = 1.0, lang: str = "de"):
        super().__init__()
        proto = base64.b64decode(tokenizer) if isinstance(tokenizer, str) else bytes(tokenizer)
        self.tokenizer = Tokenizer(proto)
        self.encoder = encoder
        self.projector = nn.Sequential(nn.Linear(encoder.out_dim, d_model), nn.GELU(), nn.Linear(d_model, d_model))
        self.decoder = TextDecoder(self.tokenizer.vocab_size, d_model, nhead, num_layers, dim_feedforward,
                                   dropout, max_len=max_len, pad_id=PAD)
        self.max_len, self.label_smoothing = max_len, label_smoothing
        self.beam_size, self.length_penalty, self.lang = beam_size, length_penalty, lang
        self._spec = dict(tokenizer=base64.b64encode(proto).decode("ascii"), d_model=d_model, nhead=nhead,
                          num_layers=num_layers, dim_feedforward=dim_feedforward, dropout=dropout, max_len=max_len,
                          label_smoothing=label_smoothing, beam_size=beam_size, length_penalty=length_penalty,
                          lang=lang)

    def spec(self) -> dict:
        return dict(self._spec)

    def memory(self, batch: PoseBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """(projected sign features (B, T, d_model), padding mask (B, T) True = padding)."""
        f = self.encoder(batch.pose, batch.confidence, batch.frame_mask)
        return self.projector(f), ~batch.frame_mask.bool()

    def target_ids(self, texts: list) -> torch.Tensor:
        """(B, L) int64: <s> tokens </s>, right-padded with <pad>; truncated to max_len."""
        rows = []
        for t in texts:
            if not t:
                raise ValueError("SLT training sample without a text")
            rows.append([BOS] + self.tokenizer.encode(t)[: self.max_len - 2] + [EOS])
        out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : len(r)] = torch.tensor(r)
        return out

    def forward(self, batch: PoseBatch) -> dict:
        mem, pad = self.memory(batch)
        ids = self.target_ids(batch.texts).to(mem.device)
        logits = self.decoder(ids[:, :-1], mem, pad).float()
        gold = ids[:, 1:]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1), ignore_index=PAD,
                               label_smoothing=self.label_smoothing)
        real = gold != PAD
        acc = ((logits.argmax(-1) == gold) & real).sum() / real.sum().clamp_min(1)
        return {"loss": loss, "token_accuracy": acc.detach()}

    @torch.no_grad()
    def translate(self, batch: PoseBatch, beam_size: int | None = None, max_len: int | None = None) -> list[str]:
        """Deterministic translation of each sample (beam search; ``beam_size=1`` = greedy)."""
        mem, pad = self.memory(batch)
        k = beam_size or self.beam_size
        n = min(max_len or self.max_len - 1, self.max_len - 1)
        if k == 1:
            ids = greedy_search(self.decoder.step, mem, pad, bos=BOS, eos=EOS, max_len=n)
        else:
            ids = beam_search(self.decoder.step, mem, pad, bos=BOS, eos=EOS, max_len=n, beam_size=k,
                              length_penalty=self.length_penalty)
        return [self.tokenizer.decode(i) for i in ids]

    predict = translate


def build(encoder: nn.Module, train_view, all_view=None, vocab_size: int = 1000, tokenizer_type: str = "unigram",
          **head) -> SLTModel:
    """Train the tokenizer on the training texts; metric language = the most common spoken language."""
    texts = [t for t in train_view.column("text") if t]
    if not texts:
        raise CorpusError(f"{train_view.root}: SLT needs training samples with text; the selected source has none")
    tok = train_tokenizer(texts, vocab_size=vocab_size, model_type=tokenizer_type)
    if "lang" not in head:
        langs = Counter(train_view.column("spoken_language"))
        head["lang"] = langs.most_common(1)[0][0] if langs else "de"
    return SLTModel(encoder, tok.proto, **head)


@torch.no_grad()
def evaluate_model(model: SLTModel, batches: Iterable[PoseBatch], beam_size: int | None = None) -> tuple[dict, list[dict]]:
    """(metrics, examples): BLEU-1/2/4 (+ sacrebleu signature) and ROUGE-L in %; reference/prediction pairs."""
    model.eval()
    refs, hyps, examples = [], [], []
    for batch in batches:
        for sid, ref, hyp in zip(batch.ids, batch.texts, model.translate(batch, beam_size=beam_size)):
            if not ref:
                raise CorpusError(f"SLT evaluation: sample {sid} has no reference text")
            refs.append(ref)
            hyps.append(hyp)
            examples.append({"id": sid, "reference": ref, "prediction": hyp})
    metrics = translation_scores(hyps, refs, lang=model.lang).to_dict()
    metrics["beam_size"] = beam_size or model.beam_size
    metrics["length_penalty"] = model.length_penalty
    return metrics, examples


def table(rows: dict, title: str | None = None) -> str:
    return slt_table(rows, title=title)


def examples_markdown(examples: list[dict], limit: int = 10) -> str:
    """Reference / prediction pairs laid out as Table XX."""
    return reference_prediction_markdown(examples, "Sentence", limit)


MODEL = SLTModel
