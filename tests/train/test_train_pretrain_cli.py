"""`signpt pretrain` end to end on a small generated corpus, its config errors, and SIGKILL + --resume with
the real PretrainModel."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from _corpus import make_corpus  # noqa: E402
from test_train_resume import _kill_after_checkpoint  # noqa: E402

from signpt.cli.main import main  # noqa: E402
from signpt.train import checkpoint as ckpt  # noqa: E402
from signpt.train.loop import read_log  # noqa: E402

SMALL = ["--set", "batch_size=8", "--set", "model.num_layers=1", "--set", "model.embed_dim=32",
         "--set", "ckpt_every=2", "--no-progress"]


@pytest.fixture(autouse=True)
def one_thread():
    """Small models on a shared 2-core machine run several times faster on one thread (and the killed child
    process uses one too, so both sides compute identically)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus") / "c", n=24, extra_dev_test=4)


def test_pretrain_tiny_five_steps(corpus, tmp_path, capsys):
    from signpt.model import SignEncoder
    from signpt.train.pretrain import PretrainDataConfig, pretrain_dataset

    out = tmp_path / "run"
    assert main(["pretrain", "--corpus", str(corpus), "--preset", "tiny", "--max-steps", "5", "--out", str(out),
                 *SMALL]) == 0
    rows = read_log(out / "train_log.csv")
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(math.isfinite(r[k]) and r[k] > 0 for r in rows for k in ("loss", "loss_pr", "loss_stc", "lr"))
    assert rows[0]["loss"] == pytest.approx(rows[0]["loss_pr"] + rows[0]["loss_stc"], rel=1e-5)  # λ = 1
    assert "encoder saved" in capsys.readouterr().out
    enc = SignEncoder.from_pretrained(out / "encoder")
    assert enc.config.embed_dim == 32 and enc.config.num_layers == 1
    assert ckpt.latest(out / "checkpoints").name == "step_00000005"
    record = yaml.safe_load((out / "config.yaml").read_text())
    assert record["train"]["max_steps"] == 5 and record["model"]["num_layers"] == 1
    assert record["data"]["splits"] == ["pretrain", "train"]
    ds = pretrain_dataset(corpus, PretrainDataConfig())  # dev/test samples are never read
    assert len(ds) == 24 and set(ds.corpus.column("split")) == {"pretrain", "train"}
    assert len(pretrain_dataset(corpus, PretrainDataConfig(), fraction=0.5)) == 12  # α


@pytest.mark.parametrize("args, message", [
    (["--set", "lrr=1"], "lrr: matches no section"),
    (["--set", "max_frames=10"], "max_frames: is ambiguous"),
    (["--set", "data.splits=[train, dev]"], "pre-training reads only"),
    (["--set", "model.pretext=none"], "pretext must be one of"),
    (["--set", "train.batch_size=ten"], "batch_size: expected an integer"),
])
def test_config_errors_are_clear(corpus, tmp_path, capsys, args, message):
    assert main(["pretrain", "--corpus", str(corpus), "--out", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err


def test_yaml_config_sections(corpus, tmp_path, capsys):
    from signpt.train.pretrain import resolve_config

    cfg = tmp_path / "c.yaml"
    cfg.write_text("train: {lr: 3.0e-4, schedule: cosine}\nmodel: {mask_ratio: 0.5}\nextra: {}\n")
    with pytest.raises(Exception, match="unknown section"):
        resolve_config("tiny", cfg)
    cfg.write_text("train: {lr: 3.0e-4, schedule: cosine}\nmodel: {mask_ratio: 0.5}\n")
    s = resolve_config("tiny", cfg, ["lr=1.0e-3"], max_steps=7)
    assert (s.train.lr, s.train.schedule, s.model.mask_ratio, s.train.max_steps) == (1e-3, "cosine", 0.5, 7)


@pytest.fixture(scope="module")
def varied_corpus(tmp_path_factory):
    """Texts of 1 to 15 words: a batch pads most of its texts, so a text's frozen features would change
    with the batch that first encodes it unless each text is encoded on its own."""
    return make_corpus(tmp_path_factory.mktemp("varied") / "c", n=24, extra_dev_test=4, words=(1, 16))


def test_pretrain_sigkill_and_resume_is_bit_exact(varied_corpus, tmp_path):
    """`signpt pretrain`, SIGKILL after a mid-epoch checkpoint, `--resume`: every logged value and the final
    weights equal those of an uninterrupted run bit for bit (24 samples / batch 8 = 3 steps per epoch, so the
    checkpoint of step 4 lies inside epoch 1)."""
    from safetensors.torch import load_file

    args = ["--corpus", str(varied_corpus), "--preset", "tiny", "--max-steps", "8", *SMALL]
    ref = tmp_path / "ref"
    assert main(["pretrain", *args, "--out", str(ref)]) == 0
    out = tmp_path / "killed"
    killed_at = _kill_after_checkpoint([sys.executable, "-m", "signpt.cli.main", "pretrain", *args, "--out", str(out)],
                                       out / "checkpoints", min_step=4, timeout=300)
    assert 4 <= killed_at < 8
    if killed_at == 4:
        assert ckpt.read_meta(ckpt.latest(out / "checkpoints"))["batch_in_epoch"] == 1  # mid-epoch
    assert main(["pretrain", *args, "--out", str(out), "--resume"]) == 0
    a, b = read_log(out / "train_log.csv"), read_log(ref / "train_log.csv")
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(1, 9))
    for x, y in zip(a, b):
        assert x == y, (x["step"], {k: x[k] - y[k] for k in x if x[k] != y[k]})
    wa = load_file(str(ckpt.latest(out / "checkpoints") / "model.safetensors"))
    wb = load_file(str(ckpt.latest(ref / "checkpoints") / "model.safetensors"))
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k
    # resuming with another model config is refused
    assert main(["pretrain", *args, "--out", str(out), "--resume", "--set", "model.mask_ratio=0.3"]) == 2
