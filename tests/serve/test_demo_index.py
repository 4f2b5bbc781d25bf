"""The demo's index stage: builds OUT/index over the test split, reuses it when current, rebuilds it when
the checkpoint changes."""
import shutil

from signpt.data.store import Corpus
from signpt.pipeline.demo import index_stage
from signpt.serve.app import open_searcher


def test_index_stage_builds_and_reuses(retrieval_ckpt, corpus_dir, tmp_path):
    out = tmp_path / "demo"
    shutil.copytree(retrieval_ckpt, out / "finetune" / "retrieval" / "pretrained" / "seed0" / "model")
    target = index_stage(out, corpus_dir, progress=False)
    searcher = open_searcher(target)
    assert searcher.index.ids == Corpus(corpus_dir).filter(split="test").column("id")
    assert len(searcher.search_text("sun rain", 3)[0]) == 3
    stamp = (target / "index.json").stat().st_mtime_ns
    index_stage(out, corpus_dir, progress=False)
    assert (target / "index.json").stat().st_mtime_ns == stamp  # reused
    weights = out / "finetune" / "retrieval" / "pretrained" / "seed0" / "model" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-4:] = b"\x00\x00\x80\x3f"  # another last weight: another checkpoint
    weights.write_bytes(bytes(data))
    index_stage(out, corpus_dir, progress=False)
    assert (target / "index.json").stat().st_mtime_ns != stamp
