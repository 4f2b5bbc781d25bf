"""CTC decoding: best-path (greedy) and prefix beam search through flashlight-text's lexicon-free decoder.

Both take log-probabilities ``(B, T, V)`` (``log_softmax`` over the vocabulary, blank = index 0 by default)
and the number of valid frames per sample, and return token-index sequences with blanks and repeats collapsed.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


def greedy_decode(log_probs: torch.Tensor, lengths: torch.Tensor, blank: int = 0) -> list[list[int]]:
    """Best path: arg-max per frame, merge repeats, drop blanks.

    log_probs: (B, T, V) float; lengths: (B,) int, valid frames per sample.
    """
    best = log_probs.argmax(-1).cpu()
    out = []
    for b, n in enumerate(lengths.tolist()):
        seq, prev = [], None
        for tok in best[b, : int(n)].tolist():
            if tok != prev and tok != blank:
                seq.append(tok)
            prev = tok
        out.append(seq)
    return out


@dataclass
class BeamHypothesis:
    tokens: list[int]
    score: float
    """Log-probability of the label sequence summed over its alignments (``log_add=True``)."""


def _decoder(vocab_size: int, beam_size: int, blank: int, beam_threshold: float, log_add: bool):
    from flashlight.lib.text.decoder import (
        CriterionType, LexiconFreeDecoder, LexiconFreeDecoderOptions, ZeroLM,
    )

    opts = LexiconFreeDecoderOptions(
        beam_size=beam_size,
        beam_size_token=vocab_size,
        beam_threshold=beam_threshold,
        lm_weight=0.0,
        sil_score=0.0,
        log_add=log_add,
        criterion_type=CriterionType.CTC,
    )
    # No silence token in gloss vocabularies: pointing it at the blank makes the silence score inert.
    return LexiconFreeDecoder(opts, ZeroLM(), blank, blank, [])


def beam_decode(
    log_probs: torch.Tensor,
    lengths: torch.Tensor,
    beam_size: int = 10,
    blank: int = 0,
    nbest: int = 1,
    beam_threshold: float = 50.0,
    log_add: bool = True,
) -> list[list[BeamHypothesis]]:
    """CTC prefix beam search without a language model (flashlight-text ``LexiconFreeDecoder``).

    log_probs: (B, T, V) log-probabilities; lengths: (B,) valid frames. With ``log_add=True`` hypotheses that
    collapse to the same label sequence are merged by log-sum-exp, so a hypothesis' score is the CTC
    log-likelihood of its label sequence (approximately, as far as the beam kept its alignments).
    Returns per sample the ``nbest`` best hypotheses, best first.
    """
    if log_probs.dim() != 3:
        raise ValueError(f"log_probs must be (B, T, V), got {tuple(log_probs.shape)}")
    lp = log_probs.detach().to(torch.float32).cpu().contiguous()
    B, T, V = lp.shape
    decoder = _decoder(V, beam_size, blank, beam_threshold, log_add)
    results = []
    for b in range(B):
        n = int(lengths[b])
        if n <= 0:
            results.append([BeamHypothesis([], 0.0)])
            continue
        em = lp[b, :n].contiguous()
        hyps = decoder.decode(em.data_ptr(), n, V)
        best = []
        for h in hyps[:nbest]:
            toks, prev = [], None
            # flashlight's token path is the frame-level alignment framed by the start and end states
            path = list(h.tokens)
            path = path[1:-1] if len(path) == n + 2 else path
            for t in path:
                if t != prev and t != blank and t >= 0:
                    toks.append(int(t))
                prev = t
            best.append(BeamHypothesis(toks, float(h.score)))
        results.append(best)
    return results
