"""Top-k accuracy against hand-computed values and torchmetrics' MulticlassAccuracy."""
import pytest
import torch
from torchmetrics.classification import MulticlassAccuracy

from signpt.metrics import topk_accuracy, topk_accuracy_from_predictions


def test_hand_computed_small_case():
    # labels: 0 0 0 1 2 ; top-1 predictions 0 1 0 1 0 ; second choices 1 0 2 0 1
    scores = torch.tensor([
        [0.9, 0.1, 0.0],  # top-1 0 (hit)
        [0.3, 0.6, 0.1],  # top-1 1 (miss), top-2 {1, 0} (hit)
        [0.5, 0.2, 0.3],  # top-1 0 (hit)
        [0.2, 0.7, 0.1],  # top-1 1 (hit)
        [0.6, 0.3, 0.1],  # top-1 0 (miss), top-2 {0, 1} (miss)
    ])
    labels = torch.tensor([0, 0, 0, 1, 2])
    r = topk_accuracy(scores, labels, ks=(1, 2))
    # per-instance top-1: 3/5; top-2: 4/5
    assert r.per_instance[1] == pytest.approx(60.0)
    assert r.per_instance[2] == pytest.approx(80.0)
    # per-class top-1: class0 2/3, class1 1/1, class2 0/1 -> mean 5/9
    assert r.per_class[1] == pytest.approx(100 * (2 / 3 + 1 + 0) / 3)
    # per-class top-2: class0 3/3, class1 1/1, class2 0/1 -> 2/3
    assert r.per_class[2] == pytest.approx(100 * 2 / 3)
    d = r.to_dict()
    assert d["per_instance_top1"] == pytest.approx(60.0) and d["per_class_top2"] == pytest.approx(200 / 3)


def test_imbalanced_toy_case_equals_torchmetrics():
    g = torch.Generator().manual_seed(0)
    num_classes = 7
    # imbalanced: class 0 has 20 samples, class 6 has 1
    labels = torch.tensor([0] * 20 + [1] * 9 + [2] * 5 + [3] * 3 + [4] * 2 + [5] * 2 + [6] * 1)
    scores = torch.randn(len(labels), num_classes, generator=g)
    scores[torch.arange(len(labels)), labels] += 0.8  # better than chance, far from perfect
    r = topk_accuracy(scores, labels, ks=(1, 2, 3, 5))
    for k in (1, 2, 3, 5):
        macro = MulticlassAccuracy(num_classes=num_classes, top_k=k, average="macro")(scores, labels)
        micro = MulticlassAccuracy(num_classes=num_classes, top_k=k, average="micro")(scores, labels)
        assert r.per_class[k] == pytest.approx(100 * macro.item(), abs=1e-4), k
        assert r.per_instance[k] == pytest.approx(100 * micro.item(), abs=1e-4), k
    assert r.per_class[1] != pytest.approx(r.per_instance[1])  # imbalance makes them differ


def test_class_absent_from_references_is_left_out():
    # 3 classes; class 2 never occurs in the references but is predicted once.
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.1, 0.8, 0.1]])
    labels = torch.tensor([0, 1, 1])
    r = topk_accuracy(scores, labels, ks=(1,))
    # class0: 1/1, class1: 1/2 -> 75 %; class 2 has no samples and no accuracy
    assert r.per_class[1] == pytest.approx(75.0)
    assert r.num_classes_present == 2
    # torchmetrics' top-1 macro averages in the predicted-but-absent class with 0 (documented difference)
    tm = MulticlassAccuracy(num_classes=3, top_k=1, average="macro")(scores, labels).item()
    assert 100 * tm == pytest.approx(50.0)


def test_from_ranked_label_predictions_matches_scores():
    g = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 6, (40,), generator=g)
    scores = torch.randn(40, 6, generator=g)
    ranked = torch.argsort(scores, dim=1, descending=True)[:, :5].tolist()
    a = topk_accuracy(scores, labels, ks=(1, 5))
    b = topk_accuracy_from_predictions(ranked, labels.tolist(), ks=(1, 5))
    assert a.per_instance == pytest.approx(b.per_instance) and a.per_class == pytest.approx(b.per_class)


def test_string_labels_and_short_prediction_lists():
    preds = [["HAUS", "BAUM"], ["BAUM"], ["AUTO", "HAUS", "BAUM"]]
    refs = ["BAUM", "BAUM", "HAUS"]
    r = topk_accuracy_from_predictions(preds, refs, ks=(1, 5))
    assert r.per_instance[1] == pytest.approx(100 / 3)
    assert r.per_instance[5] == pytest.approx(100.0)
    assert r.per_class[1] == pytest.approx(25.0)  # BAUM 1/2, HAUS 0/1


def test_bad_input():
    with pytest.raises(ValueError, match="labels must lie"):
        topk_accuracy(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="predictions but"):
        topk_accuracy_from_predictions([["a"]], ["a", "b"])
