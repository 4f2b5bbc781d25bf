"""Top-k classification accuracy for isolated sign recognition (ISLR), per instance and per class.

Definitions (paper section IV-B; SignBERT+/MSASL/WLASL convention):

- per-instance top-k: the share of samples whose true label is among the k highest-scored classes.
- per-class top-k: the top-k accuracy of each class, computed over that class's samples, then averaged
  (unweighted) over the classes *present in the references*. A class that never occurs in the references
  has no accuracy and is left out, even when it is predicted. (torchmetrics' ``average='macro'`` agrees for
  top_k > 1; for top_k = 1 it also averages in a predicted-but-absent class with accuracy 0.)

All figures are percentages (0-100). Tied scores are ordered as ``torch.topk`` orders them.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class AccuracyResult:
    """Top-k accuracies in %: ``per_instance[k]`` and ``per_class[k]`` for each requested k."""

    per_instance: dict[int, float]
    per_class: dict[int, float]
    num_samples: int
    num_classes_present: int
    per_class_detail: dict[int, dict[Hashable, float]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, float | int]:
        """Flat keys as the ISLR tables use them: ``per_instance_top1``, ``per_class_top5``, ..."""
        out: dict[str, float | int] = {}
        for k, v in self.per_instance.items():
            out[f"per_instance_top{k}"] = v
        for k, v in self.per_class.items():
            out[f"per_class_top{k}"] = v
        out["num_samples"] = self.num_samples
        out["num_classes"] = self.num_classes_present
        return out


def _accuracy_from_hits(hits: np.ndarray, labels: Sequence[Hashable], ks: Sequence[int]) -> AccuracyResult:
    """``hits`` (N, K) bool: sample i is a hit at rank <= j+1 (cumulative). ``labels`` gives the classes."""
    n = len(labels)
    if n == 0:
        raise ValueError("accuracy: no samples")
    classes: dict[Hashable, list[int]] = {}
    for i, lab in enumerate(labels):
        classes.setdefault(lab, []).append(i)
    per_instance: dict[int, float] = {}
    per_class: dict[int, float] = {}
    detail: dict[int, dict[Hashable, float]] = {}
    for k in ks:
        hit_k = hits[:, min(k, hits.shape[1]) - 1] if hits.shape[1] else np.zeros(n, dtype=bool)
        per_instance[k] = 100.0 * float(hit_k.mean())
        cls_acc = {c: 100.0 * float(hit_k[idx].mean()) for c, idx in classes.items()}
        detail[k] = cls_acc
        per_class[k] = float(np.mean(list(cls_acc.values())))
    return AccuracyResult(per_instance, per_class, n, len(classes), detail)


def topk_accuracy(
    scores: torch.Tensor | np.ndarray, labels: torch.Tensor | np.ndarray | Sequence[int], ks: Sequence[int] = (1, 5)
) -> AccuracyResult:
    """Per-instance and per-class top-k accuracy from class scores.

    scores: (N, C) logits or probabilities (any monotone score). labels: (N,) int class indices in [0, C).
    A k larger than C is clipped to C (every sample is then a hit).
    """
    s = torch.as_tensor(scores)
    y = torch.as_tensor(labels).long()
    if s.ndim != 2 or y.ndim != 1 or s.shape[0] != y.shape[0]:
        raise ValueError(f"topk_accuracy: expected scores (N, C) and labels (N,), got {tuple(s.shape)} and {tuple(y.shape)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= s.shape[1]):
        raise ValueError(f"topk_accuracy: labels must lie in [0, {s.shape[1]}), got [{int(y.min())}, {int(y.max())}]")
    if any(k < 1 for k in ks):
        raise ValueError(f"topk_accuracy: every k must be >= 1, got {list(ks)}")
    kmax = min(max(ks), s.shape[1])
    top = torch.topk(s.float(), kmax, dim=1).indices  # (N, kmax), best first
    hits = (top == y[:, None]).cumsum(dim=1).bool().numpy()
    return _accuracy_from_hits(hits, y.tolist(), ks)


def topk_accuracy_from_predictions(
    predictions: Sequence[Sequence[Hashable]], references: Sequence[Hashable], ks: Sequence[int] = (1, 5)
) -> AccuracyResult:
    """Per-instance and per-class top-k accuracy from ranked predicted labels (best first).

    predictions[i]: the ranked labels predicted for sample i (any hashable: int or str); references[i]: its
    true label. A sample with fewer than k predictions is judged on those it has.
    """
    if len(predictions) != len(references):
        raise ValueError(f"accuracy: {len(predictions)} predictions but {len(references)} references")
    if any(k < 1 for k in ks):
        raise ValueError(f"accuracy: every k must be >= 1, got {list(ks)}")
    kmax = max(ks)
    hits = np.zeros((len(references), kmax), dtype=bool)
    for i, (pred, ref) in enumerate(zip(predictions, references)):
        for j, p in enumerate(list(pred)[:kmax]):
            if p == ref:
                hits[i, j:] = True
                break
    return _accuracy_from_hits(hits, list(references), ks)
