"""Sub-word tokenizer for translation targets: sentencepiece trained deterministically on the training texts.

The model is kept as bytes (``Tokenizer.proto``) so that it is saved inside the task checkpoint.
Ids: 0 = <pad>, 1 = <unk>, 2 = <s> (bos), 3 = </s> (eos).
"""
from __future__ import annotations

import io
from pathlib import Path

PAD, UNK, BOS, EOS = 0, 1, 2, 3


class Tokenizer:
    """``encode(text) -> ids`` (no bos/eos), ``decode(ids) -> text``; wraps a sentencepiece model."""

    def __init__(self, proto: bytes):
        import sentencepiece as spm

        self.proto = proto
        self.sp = spm.SentencePieceProcessor(model_proto=proto)

    @property
    def vocab_size(self) -> int:
        return int(self.sp.get_piece_size())

    def encode(self, text: str) -> list[int]:
        return list(self.sp.encode(text, out_type=int))

    def decode(self, ids: list[int]) -> str:
        ids = [i for i in ids if i > EOS]
        return self.sp.decode(ids)

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.proto)

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        return cls(Path(path).read_bytes())


def train_tokenizer(texts: list[str], vocab_size: int = 1000, model_type: str = "unigram") -> Tokenizer:
    """Train a sentencepiece model on ``texts`` (same texts and options -> same model, single thread).

    ``vocab_size`` is an upper bound: small corpora get the largest vocabulary their text supports.
    """
    import sentencepiece as spm

    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("cannot train a tokenizer on no text")
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=buf,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type=model_type,
        character_coverage=1.0,
        pad_id=PAD, unk_id=UNK, bos_id=BOS, eos_id=EOS,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        normalization_rule_name="identity",
        minloglevel=2,
    )
    return Tokenizer(buf.getvalue())
