"""How much of a corpus's text a text model can read: the share of unknown tokens per spoken language.

The frozen text encoder sees what its tokenizer makes of each sentence. A recipe that mixes English, German and
Chinese (SL-1.5M) with the packaged default text model (English all-MiniLM-L6-v2, a BERT WordPiece vocabulary)
turns a large part of the Chinese text into ``[UNK]``: the contrastive loss would then align signs with unknown
tokens. :func:`text_coverage` measures this and :func:`coverage_warnings` says which languages are poorly
covered and which model covers them (the ``paper`` preset's mBART, ``facebook/mbart-large-cc25``, trained on 25
languages including English, German and Chinese).

unknown share = unknown tokens / all tokens of the language's texts, special tokens ([CLS], </s>, language
codes) not counted; at most ``max_texts`` distinct texts a language are tokenized (the first ones, in corpus
order), which is enough for a percentage and keeps it fast on a 1.5M-sample corpus.
"""
from __future__ import annotations

from dataclasses import dataclass

from signpt.model.text import resolve_text_model

WARN_SHARE = 0.05
"""Warn when more than this share of a language's tokens is unknown."""
COVERING_MODELS = {"en": "mbart", "de": "mbart", "zh": "mbart"}
"""A text model known to cover each spoken language of the SL-1.5M recipe: the paper preset's mBART."""
FALLBACK_MODEL = "mbart"


@dataclass
class LanguageCoverage:
    language: str
    texts: int
    """Distinct texts tokenized."""
    tokens: int
    unknown: int

    @property
    def unknown_share(self) -> float:
        return self.unknown / self.tokens if self.tokens else 0.0

    def to_dict(self) -> dict:
        return {"language": self.language, "texts": self.texts, "tokens": self.tokens, "unknown": self.unknown,
                "unknown_share": self.unknown_share}


def load_tokenizer(text_model: str):
    """The tokenizer of a text model name ("minilm", "mbart", HF id or local folder), as TextEncoder loads it."""
    from transformers import AutoTokenizer

    path, local = resolve_text_model(text_model)
    return AutoTokenizer.from_pretrained(path, local_files_only=local)


def tokenizer_coverage(tokenizer, texts_by_language: dict[str, list[str]], max_texts: int = 2000
                       ) -> dict[str, LanguageCoverage]:
    """{language: texts} -> {language: LanguageCoverage} for one tokenizer."""
    unk = tokenizer.unk_token_id
    out = {}
    for lang, texts in sorted(texts_by_language.items()):
        seen = list(dict.fromkeys(t for t in texts if t and t.strip()))[:max_texts]
        tokens = unknown = 0
        for text in seen:
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            tokens += len(ids)
            unknown += sum(1 for i in ids if i == unk) if unk is not None else 0
        out[lang] = LanguageCoverage(lang, len(seen), tokens, unknown)
    return out


def corpus_texts(corpus, splits=("pretrain", "train")) -> dict[str, list[str]]:
    """{spoken language: texts} of a corpus (or view) in the given splits (None: all), from metadata only."""
    text, lang, split = corpus.column("text"), corpus.column("spoken_language"), corpus.column("split")
    out: dict[str, list[str]] = {}
    for t, lg, sp in zip(text, lang, split):
        if t and (splits is None or sp in splits):
            out.setdefault(str(lg or "unknown"), []).append(str(t))
    return out


def text_coverage(corpus, text_model: str, splits=("pretrain", "train"), max_texts: int = 2000
                  ) -> dict[str, LanguageCoverage]:
    """Unknown-token share of ``text_model`` on each spoken language of ``corpus``."""
    return tokenizer_coverage(load_tokenizer(text_model), corpus_texts(corpus, splits), max_texts)


def coverage_warnings(coverage: dict[str, LanguageCoverage], text_model: str, warn_share: float = WARN_SHARE
                      ) -> list[str]:
    """One warning per language whose unknown share exceeds ``warn_share``, naming a model that covers it."""
    out = []
    for lang, c in coverage.items():
        if c.unknown_share > warn_share:
            better = COVERING_MODELS.get(lang.split("_")[0].lower(), FALLBACK_MODEL)
            hint = (f"use a text model that covers it, e.g. {better!r} (facebook/mbart-large-cc25, the 'paper' "
                    f"preset's; signpt pretrain --preset paper or --set model.text_model={better})"
                    if better != text_model else "no packaged alternative is known for it")
            out.append(f"text model {text_model!r} reads {100 * c.unknown_share:.1f}% of the {lang!r} tokens as "
                       f"unknown ({c.unknown} of {c.tokens} in {c.texts} texts): {hint}")
    return out


def format_coverage(coverage: dict[str, LanguageCoverage], text_model: str) -> str:
    """A small table: language, texts, tokens, unknown %."""
    lines = [f"text model {text_model!r}: unknown tokens per spoken language",
             f"{'language':<10} {'texts':>7} {'tokens':>9} {'unknown':>8}"]
    for lang, c in coverage.items():
        lines.append(f"{lang:<10} {c.texts:>7} {c.tokens:>9} {100 * c.unknown_share:>7.1f}%")
    return "\n".join(lines)
