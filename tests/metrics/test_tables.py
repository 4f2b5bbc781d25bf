"""Markdown tables laid out like the paper's."""
from signpt.metrics import tables, wer


def test_islr_table_single_group():
    md = tables.islr_table({
        "Scratch": {"per_instance_top1": 50.0, "per_instance_top5": 80.0, "per_class_top1": 45.5, "per_class_top5": 79.123},
        "Pre-trained": {"per_instance_top1": 60.0, "per_instance_top5": 90.0},
    })
    lines = md.strip().splitlines()
    assert lines[0] == "| Method | Per-instance Top-1 | Per-instance Top-5 | Per-class Top-1 | Per-class Top-5 |"
    assert lines[2] == "| Scratch | 50.00 | 80.00 | 45.50 | 79.12 |"
    assert lines[3] == "| Pre-trained | 60.00 | 90.00 | - | - |"


def test_cslr_table_per_split_with_result_objects():
    dev = wer(["A B", "C"], ["B C", "C"])  # D=1 I=1 over N=3
    md = tables.cslr_table({"Pre-trained": {"dev": dev, "test": {"wer": 20.04, "del": 5.55, "ins": 3.21}}})
    lines = md.strip().splitlines()
    assert lines[0] == "| Method | Dev del/ins | Dev WER | Test del/ins | Test WER |"
    assert lines[2] == "| Pre-trained | 33.3/33.3 | 66.7 | 5.5/3.2 | 20.0 |"


def test_slt_and_retrieval_tables():
    md = tables.slt_table({"Scratch": {"dev": {"bleu1": 40, "bleu2": 30.5, "bleu4": 20.25, "rouge": 45.0},
                                       "test": {"bleu1": 41.0}}}, title="Phoenix14-T")
    assert md.startswith("**Phoenix14-T**")
    assert "| Method | Dev B-1 | Dev B-2 | Dev B-4 | Dev ROUGE | Test B-1 | Test B-2 | Test B-4 | Test ROUGE |" in md
    assert "| Scratch | 40 | 30.50 | 20.25 | 45.00 | 41.00 | - | - | - |" in md
    md = tables.retrieval_table({"Ours": {"t2v_r1": 74.5, "t2v_r5": 93.33, "t2v_r10": 95.6, "t2v_medr": 1.0,
                                          "v2t_r1": 75.1, "v2t_r5": 92.1, "v2t_r10": 95.3, "v2t_medr": 1.0}})
    assert "| Method | T2V R@1 | T2V R@5 | T2V R@10 | T2V MedR | V2T R@1 | V2T R@5 | V2T R@10 | V2T MedR |" in md
    assert "| Ours | 74.5 | 93.3 | 95.6 | 1.0 | 75.1 | 92.1 | 95.3 | 1.0 |" in md
