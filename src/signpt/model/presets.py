"""Named pre-training model configurations (training hyper-parameters live in signpt.train)."""
from __future__ import annotations

from dataclasses import replace

from signpt.errors import ConfigError
from signpt.model.pretrain import PretrainConfig

PRESETS = {
    # Table III: N = 8, {d1, d2, d_e, s} = {1024, 1536, 512, 4}, 512-d GCN part embeddings, mBART text
    # encoder (trained with batch 512, lr 1e-4, 100 epochs: see signpt.train presets).
    "paper": PretrainConfig(text_model="mbart"),
    # one GPU / a patient CPU: ~14.1 M trainable parameters (+ the frozen 22.7 M MiniLM)
    "base": PretrainConfig(embed_dim=256, gcn_channels=(64, 128), d_manual=384, d_non_manual=256,
                           num_layers=4, num_heads=8, proj_dim=256),
    # minutes on a 2-core CPU on the synthetic corpus. Deviation: word_temperature 0.1 (the paper's row softmax
    # has none, but on cosines in [-1, 1] it is nearly uniform, so every clip scores the mean of all words and
    # the template words of "This word is X." drown X): 600 steps reach held-out sign->text R@1 0.206 instead
    # of 0.119 (benchmarks/learning_check.py). The GCN embedding (one block of 32 channels, flatten readout) is
    # the paper's; the linear projector is only the Table XIX ablation (benchmarks/probe_embedding.py).
    "tiny": PretrainConfig(embed_dim=64, gcn_channels=(32,), d_manual=64, d_non_manual=64,
                           num_layers=2, num_heads=4, proj_dim=64, dropout=0.0, similarity_chunk=32,
                           word_temperature=0.1),
}


def get_preset(name: str, **overrides) -> PretrainConfig:
    """A fresh copy of preset `name` ("tiny" | "base" | "paper") with `overrides` applied."""
    if name not in PRESETS:
        raise ConfigError(f"unknown model preset {name!r}; choose from {sorted(PRESETS)}")
    try:
        return replace(PRESETS[name], **overrides)
    except TypeError as e:
        raise ConfigError(f"bad override for preset {name!r}: {e}") from e
