"""benchmarks/islr_by_signer.py: error counts per signer, by hand."""
import importlib.util
import json
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "islr_by_signer", Path(__file__).parents[2] / "benchmarks" / "islr_by_signer.py")
ibs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ibs)


def test_by_signer_and_examples(tmp_path):
    f = tmp_path / "examples_test.jsonl"
    rows = [{"id": "a", "correct": True}, {"id": "b", "correct": False}, {"id": "c", "correct": False},
            {"id": "d", "correct": True}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    correct = ibs.read_examples(f)
    assert correct == {"a": True, "b": False, "c": False, "d": True}
    assert ibs.by_signer(correct, {"a": "s1", "b": "s1", "c": "s2", "d": "s2"}) == {"s1": (1, 2), "s2": (1, 2)}


def test_handedness_needs_the_generator_record(tmp_path):
    (tmp_path / "corpus").mkdir()
    assert ibs.handedness(["x01"], tmp_path / "corpus") == {}
    (tmp_path / "synth.json").write_text(json.dumps({"preset": "small", "seed": 0, "profile": "wholebody"}))
    hands = ibs.handedness(["alpha15", "alpha16"], tmp_path / "corpus")
    assert set(hands) == {"alpha15", "alpha16"} and set(hands.values()) <= {"left", "right"}
