import pytest
import torch

from signpt.data.batch import PoseBatch


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2 text encoder, loaded once (offline)."""
    from signpt.model.text import TextEncoder

    return TextEncoder("minilm")


@pytest.fixture
def make_batch():
    """Factory of random PoseBatch objects: make_batch(b, t, texts, lengths, seed)."""
    return _make_batch


def _make_batch(b=4, t=24, texts=None, lengths=None, seed=0) -> PoseBatch:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.as_tensor(lengths if lengths is not None else [t - 3 * i for i in range(b)])
    frame_mask = torch.arange(t)[None] < lengths[:, None]
    pose = torch.rand(b, t, 79, 2, generator=g) * frame_mask[..., None, None]
    conf = (0.5 + 0.5 * torch.rand(b, t, 79, generator=g)) * frame_mask[..., None]
    texts = texts if texts is not None else [f"sentence number {i}" for i in range(b)]
    return PoseBatch(pose, conf, frame_mask, lengths, torch.full((b,), -1), texts, [None] * b, ["en"] * b,
                     ["ase"] * b, [str(i) for i in range(b)], ["synth"] * b, ["s0"] * b)
