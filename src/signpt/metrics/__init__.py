"""Evaluation metrics of the four downstream tasks, computed as the public sign-language code does.

- ISLR: ``topk_accuracy`` / ``topk_accuracy_from_predictions`` (per-instance and per-class top-k).
- CSLR: ``wer`` (sclite 4/3/3 alignment, S/D/I), ``clean_phoenix`` (PHOENIX gloss clean-up).
- SLT: ``bleu`` (sacrebleu, BLEU-1/2/4), ``rouge_l`` (COCO formula), ``translation_scores``.
- Retrieval: ``retrieval_scores`` (R@1/5/10, MedR, both directions; ties as CLIP4Clip / CiCo count them),
  ``chunked_similarity``.
- ``tables``: Markdown tables laid out like the paper's.
All scores are percentages.
"""
from signpt.metrics.accuracy import AccuracyResult, topk_accuracy, topk_accuracy_from_predictions
from signpt.metrics.bleu_rouge import BleuResult, TranslationScores, bleu, rouge_l, rouge_l_sentence, translation_scores
from signpt.metrics.phoenix import clean_phoenix
from signpt.metrics.retrieval import (
    RankScores,
    RetrievalScores,
    chunked_similarity,
    rank_entries,
    rank_scores,
    ranks_from_similarity,
    retrieval_scores,
)
from signpt.metrics.wer import LEVENSHTEIN_COSTS, SCLITE_COSTS, AlignmentCosts, WerResult, WerStats, align, wer

__all__ = [
    "AccuracyResult", "topk_accuracy", "topk_accuracy_from_predictions",
    "BleuResult", "TranslationScores", "bleu", "rouge_l", "rouge_l_sentence", "translation_scores",
    "clean_phoenix",
    "RankScores", "RetrievalScores", "chunked_similarity", "rank_entries", "rank_scores", "ranks_from_similarity",
    "retrieval_scores",
    "LEVENSHTEIN_COSTS", "SCLITE_COSTS", "AlignmentCosts", "WerResult", "WerStats", "align", "wer",
]
