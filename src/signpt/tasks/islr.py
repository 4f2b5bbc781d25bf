"""Isolated sign language recognition (ISLR): sign encoder + one linear layer, cross-entropy with label smoothing.

Training samples 32 frames at random positions, evaluation the centred 32 frames (as SignBERT+); the frame
sampling is set in the task preset (``num_frames``, ``train_sampling``, ``test_sampling``) and done by the
data set. Metrics: per-instance and per-class top-1 / top-5 accuracy (``signpt.metrics.accuracy``).
"""
from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from signpt.data.batch import PoseBatch
from signpt.errors import CorpusError
from signpt.metrics.accuracy import topk_accuracy
from signpt.metrics.tables import islr_table

TASK = "islr"
PRIMARY_METRIC = ("per_instance_top1", "max")


def masked_mean(features: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """Average of (B, T, D) features over the real frames of (B, T) bool mask -> (B, D)."""
    m = frame_mask.to(features.dtype).unsqueeze(-1)
    return (features * m).sum(1) / m.sum(1).clamp_min(1.0)


class ISLRModel(nn.Module):
    """forward(batch) -> {"loss", "accuracy"}; ``logits(batch)`` -> (B, num_classes).

    The encoder's frame features are averaged over real frames and classified by one linear layer.
    class_names: a readable name per class index (shown by ``predict``).
    """

    def __init__(self, encoder: nn.Module, num_classes: int, class_names: list[str] | None = None,
                 label_smoothing: float = 0.2, dropout: float = 0.0):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.out_dim, num_classes)
        self.num_classes = num_classes
        self.class_names = list(class_names) if class_names else [str(i) for i in range(num_classes)]
        self.label_smoothing = label_smoothing
        self._spec = dict(num_classes=num_classes, class_names=self.class_names,
                          label_smoothing=label_smoothing, dropout=dropout)

    def spec(self) -> dict:
        """JSON constructor arguments (all but the encoder)."""
        return dict(self._spec)

    def logits(self, batch: PoseBatch) -> torch.Tensor:
        f = self.encoder(batch.pose, batch.confidence, batch.frame_mask)
        return self.head(self.dropout(masked_mean(f, batch.frame_mask)))

    def forward(self, batch: PoseBatch) -> dict:
        logits = self.logits(batch)
        labels = batch.labels
        if bool((labels < 0).any()) or bool((labels >= self.num_classes).any()):
            raise ValueError(f"ISLR batch has labels outside [0, {self.num_classes}): {labels.tolist()}")
        loss = F.cross_entropy(logits.float(), labels, label_smoothing=self.label_smoothing)
        acc = (logits.argmax(-1) == labels).float().mean()
        return {"loss": loss, "accuracy": acc.detach()}

    @torch.no_grad()
    def predict(self, batch: PoseBatch, k: int = 5) -> list[list[tuple[str, float]]]:
        """Top-k (class name, probability) per sample, best first."""
        probs = self.logits(batch).float().softmax(-1)
        p, i = probs.topk(min(k, self.num_classes), dim=-1)
        return [[(self.class_names[c], float(q)) for c, q in zip(ci, pi)] for ci, pi in zip(i.tolist(), p.tolist())]


def build(encoder: nn.Module, train_view, all_view=None, **head) -> ISLRModel:
    """Head sized from the labels of the task's samples (``all_view``: every split of the source, so that a
    class seen only in test still has an index); class names from the samples' gloss or text."""
    view = all_view if all_view is not None else train_view
    labels = view.column("label")
    if len(labels) == 0 or int(labels.max()) < 0:
        raise CorpusError(f"{train_view.root}: ISLR needs samples with integer labels; the selected source has none")
    train_labels = train_view.column("label")
    if (train_labels < 0).any():
        raise CorpusError(f"{train_view.root}: {int((train_labels < 0).sum())} training samples have no label")
    num_classes = int(labels.max()) + 1
    names: list[str | None] = [None] * num_classes
    for lab, gloss, text in zip(labels.tolist(), view.column("gloss"), view.column("text")):
        if lab >= 0 and names[lab] is None:
            names[lab] = " ".join(gloss) if gloss else (text or None)
    return ISLRModel(encoder, num_classes, [n or str(i) for i, n in enumerate(names)], **head)


def class_map(model: ISLRModel, view) -> tuple[dict[str, int], dict[str, int]]:
    """Classes of another corpus by name: ({sample id: model class}, {unknown label name: samples}).

    A sample's class name is its gloss (joined) or else its text, compared with the model's class names by
    :func:`signpt.data.labels.normalise_label` (case, spaces, ``_``, ``-``, ``%XX``). Samples whose name the
    model does not know are left out and counted; so are names that two model classes share (ambiguous)."""
    from collections import Counter

    from signpt.data.labels import normalise_label

    known: dict[str, int] = {}
    ambiguous = set()
    for i, name in enumerate(model.class_names):
        k = normalise_label(name)
        if k in known:
            ambiguous.add(k)
        known[k] = i
    mapping, unknown = {}, Counter()
    for sid, gloss, text in zip(view.column("id"), view.column("gloss"), view.column("text")):
        name = " ".join(gloss) if gloss else (text or "")
        k = normalise_label(name)
        if k in known and k not in ambiguous:
            mapping[sid] = known[k]
        else:
            unknown[name + (" (ambiguous)" if k in ambiguous else "")] += 1
    return mapping, dict(unknown)


@torch.no_grad()
def evaluate_model(model: ISLRModel, batches: Iterable[PoseBatch],
                   labels_by_id: dict[str, int] | None = None) -> tuple[dict, list[dict]]:
    """(metrics, examples): per-instance/per-class top-1/5 in %; one example per sample (id, reference,
    top-5 predictions). `labels_by_id`: the model's class of each sample (another corpus, see
    :func:`class_map`) instead of the samples' own label indices."""
    model.eval()
    scores, labels, examples = [], [], []
    for batch in batches:
        logits = model.logits(batch).float().cpu()
        scores.append(logits)
        if labels_by_id is not None:
            batch.labels = torch.as_tensor([labels_by_id[i] for i in batch.ids], dtype=torch.long)
        labels.append(batch.labels.cpu())
        probs = logits.softmax(-1)
        p, i = probs.topk(min(5, model.num_classes), dim=-1)
        for sid, lab, ci, pi in zip(batch.ids, batch.labels.tolist(), i.tolist(), p.tolist()):
            examples.append({
                "id": sid, "reference": model.class_names[lab] if 0 <= lab < model.num_classes else str(lab),
                "prediction": model.class_names[ci[0]],
                "top5": [[model.class_names[c], round(float(q), 4)] for c, q in zip(ci, pi)],
                "correct": bool(ci[0] == lab),
            })
    y = torch.cat(labels)
    if bool((y < 0).any()):
        raise CorpusError("ISLR evaluation: some samples have no label")
    metrics = topk_accuracy(torch.cat(scores), y, ks=(1, 5)).to_dict()
    return metrics, examples


def table(rows: dict, title: str | None = None) -> str:
    return islr_table(rows, title=title)


def examples_markdown(examples: list[dict], limit: int = 10) -> str:
    lines = ["| Sample | Reference | Top-5 predictions (probability) |", "| --- | --- | --- |"]
    for ex in examples[:limit]:
        top = ", ".join(f"{n} ({p:.2f})" for n, p in ex["top5"])
        lines.append(f"| {ex['id']} | {ex['reference']} | {top} |")
    return "\n".join(lines) + "\n"


MODEL = ISLRModel
