"""Sign pose encoder ψ_SE (Eq. 1): pose embedding -> manual / non-manual transformer encoders -> F_SE.

F_SE = concat(F^m (B,T,d1), F^n (B,T,d2)) -> (B, T, d1 + d2); either branch can be switched off (Table XV).

Fusion: each branch ends in its own LayerNorm, so the concatenation is of per-branch normalised features and no
extra fusion layer is used. Measured with a supervised probe (benchmarks/probe_embedding.py --diagnose, `tiny`,
linear head on the frame mean of F_SE): after training, the manual branch holds 60% of the clip features'
squared norm, 65% of the loss gradient on them and 75% of the head's weights, i.e. the non-manual branch does
not drown it. What made manual + non-manual lose to manual alone (77.3 vs 87.4 top-1) was the input, not the
fusion: with the confidence channel batch-normalised (the earlier `InputNorm`), its small per-frame
variations became unit-variance noise by which the non-manual branch alone memorised training clips (38% of
them, 0% on unseen signers; seed 0) and the fused model lost (78.2); leaving only that channel raw gives 6%
and 85.7. With `InputNorm` as it is now, both branches together score as manual alone, 86.8 (85.7-87.4) vs
87.4 (86.6-88.2). With the GCN embedding the fused model still lost, 85.2 (84.0-85.7) vs manual alone 88.2
(86.6-89.9), while the non-manual GCN alone is at chance (0.6 (0.0-1.7), fitting 6% of the training set): on
the synthetic corpus the face carries the signer's identity (a signer probe on non-manual features: 100% on
held-out signs; in input coordinates the mean face differs across signers 11x more than the face moves
within a clip, 9x across the real files in ../shared/data/poses) and little lexical information. Hence `clip_centre` (default: the non-manual
part): each face point is centred on its mean position over the clip before the embedding, so the non-manual
branch sees how the face moves (mouthings, brows, head nods and shakes), not the signer's face shape or
where the head sits in the frame. With it, GCN manual + non-manual reaches 88.0 (87.4-89.1), level with
manual alone; branch dropout (`branch_dropout` = 0.3, ModDrop) instead made it worse, 82.4.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from signpt.atomic import atomic_path
from signpt.errors import CheckpointError, ConfigError
from signpt.model.embedding import PoseEmbedding

BRANCHES = {"both": ("manual", "non_manual"), "manual": ("manual",), "non_manual": ("non_manual",)}


@dataclass
class EncoderConfig:
    """Architecture of the sign pose encoder.

    Reading of the paper's sizes (Sec. III-B, Table III): the GCN embeds the manual and the non-manual part of
    each frame to `embed_dim` = 512 each; a linear layer then lifts each part's embedding to its branch width
    (manual d1 = `d_manual`, non-manual d2 = `d_non_manual`; identity when equal to `embed_dim`), and each
    branch is a pre-norm transformer encoder of `num_layers` blocks at that width, so F^m is t x d1 and F^n
    is t x d2 as Eq. 1 states.

    features: "both" | "manual" | "non_manual" (Table XV). embedding: "gcn" | "linear" (Table XIX).
    pos_embedding: "learned" | "sinusoidal", for up to `max_frames` frames (+1 with `cls_token`).
    cls_token: prepend a learnable [CLS] token to each branch's sequence (coarse similarity, Table XVIII).
    gcn_strategy: "spatial" | "uniform" partitioning; gcn_norm: "layer" | "batch"; gcn_readout: "flatten"
    (node features x channels -> Linear -> LayerNorm, keeps which point is which) | "mean" (node mean, ablation).
    input_norm: "batch" (ST-GCN's input BatchNorm over each part's point coordinates, the default) | "none".
    clip_centre: parts ("manual", "non_manual") whose coordinates are centred on each clip's mean position of
    every point before the embedding (`PoseEmbedding`); default the non-manual part (see above), () = off.
    branch_dropout: in training with both branches, the probability that a clip's features of one branch
    (drawn at random) are zeroed (modality dropout, ModDrop); 0 = off.
    """

    features: str = "both"
    embedding: str = "gcn"
    embed_dim: int = 512
    gcn_channels: tuple = (64, 128, 256)
    gcn_strategy: str = "spatial"
    gcn_norm: str = "layer"
    gcn_readout: str = "flatten"
    input_norm: str = "batch"
    clip_centre: tuple = ("non_manual",)
    branch_dropout: float = 0.0
    d_manual: int = 1024
    d_non_manual: int = 1536
    num_layers: int = 8
    num_heads: int = 16
    ffn_ratio: float = 4.0
    dropout: float = 0.1
    pos_embedding: str = "learned"
    max_frames: int = 256
    cls_token: bool = False

    def __post_init__(self):
        self.gcn_channels = tuple(self.gcn_channels)
        self.clip_centre = tuple(self.clip_centre)
        if not 0.0 <= self.branch_dropout < 1.0:
            raise ConfigError(f"branch_dropout must be in [0, 1), got {self.branch_dropout}")
        if set(self.clip_centre) - {"manual", "non_manual"}:
            raise ConfigError(f"clip_centre parts must be 'manual' / 'non_manual', got {self.clip_centre!r}")
        if self.features not in BRANCHES:
            raise ConfigError(f"encoder features must be one of {sorted(BRANCHES)}, got {self.features!r}")
        if self.embedding not in ("gcn", "linear"):
            raise ConfigError(f"encoder embedding must be 'gcn' or 'linear', got {self.embedding!r}")
        if self.gcn_readout not in ("flatten", "mean"):
            raise ConfigError(f"gcn_readout must be 'flatten' or 'mean', got {self.gcn_readout!r}")
        if self.input_norm not in ("batch", "none"):
            raise ConfigError(f"input_norm must be 'batch' or 'none', got {self.input_norm!r}")
        if self.pos_embedding not in ("learned", "sinusoidal"):
            raise ConfigError(f"pos_embedding must be 'learned' or 'sinusoidal', got {self.pos_embedding!r}")
        for name in ("d_manual", "d_non_manual"):
            if getattr(self, name) % self.num_heads:
                raise ConfigError(f"{name}={getattr(self, name)} is not divisible by num_heads={self.num_heads}")

    @property
    def branches(self) -> tuple[str, ...]:
        return BRANCHES[self.features]

    @property
    def out_dim(self) -> int:
        return sum(self.width(b) for b in self.branches)

    def width(self, branch: str) -> int:
        return self.d_manual if branch == "manual" else self.d_non_manual

    @classmethod
    def from_dict(cls, d: dict) -> "EncoderConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown encoder config keys {unknown}; known: {sorted(known)}")
        return cls(**d)


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """(length, dim) float32 Transformer sine/cosine position table."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(pos * div)
    table[:, 1::2] = torch.cos(pos * div)[:, : dim // 2]
    return table


class BranchEncoder(nn.Module):
    """One branch (manual or non-manual): lift embed_dim -> width, [CLS], positions, N pre-norm blocks, LayerNorm.

    forward(x (B,T,embed_dim), frame_mask (B,T) bool) -> (B, T(+1 with CLS), width); padded steps are zeroed.
    """

    def __init__(self, cfg: EncoderConfig, width: int):
        super().__init__()
        self.lift = nn.Identity() if width == cfg.embed_dim else nn.Linear(cfg.embed_dim, width)
        self.cls = nn.Parameter(torch.zeros(1, 1, width)) if cfg.cls_token else None
        if self.cls is not None:
            nn.init.normal_(self.cls, std=0.02)
        n_pos = cfg.max_frames + int(cfg.cls_token)
        if cfg.pos_embedding == "learned":
            self.pos = nn.Parameter(torch.zeros(n_pos, width))
            nn.init.normal_(self.pos, std=0.02)
        else:
            self.register_buffer("pos", sinusoidal_positions(n_pos, width), persistent=False)
        layer = nn.TransformerEncoderLayer(
            width, cfg.num_heads, int(cfg.ffn_ratio * width), cfg.dropout, activation="gelu",
            batch_first=True, norm_first=True,
        )
        self.blocks = nn.TransformerEncoder(layer, cfg.num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        x = self.lift(x)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1).to(x.dtype), x], dim=1)
            frame_mask = torch.cat([frame_mask.new_ones(frame_mask.shape[0], 1), frame_mask], dim=1)
        x = x + self.pos[: x.shape[1]].to(x.dtype)
        x = self.norm(self.blocks(x, src_key_padding_mask=~frame_mask))
        return x * frame_mask.unsqueeze(-1).to(x.dtype)


class SignEncoder(nn.Module):
    """ψ_SE: forward(pose (B,T,79,2), confidence (B,T,79), frame_mask (B,T) bool) -> F_SE (B, T, out_dim).

    out_dim = d1 + d2 (or the enabled branch's width). Every sample needs at least one real frame and
    T <= cfg.max_frames (sample longer sequences temporally before batching).
    """

    def __init__(self, cfg: EncoderConfig | None = None):
        super().__init__()
        self.config = cfg = cfg or EncoderConfig()
        self.embed = PoseEmbedding(cfg.branches, cfg.embedding, cfg.embed_dim, cfg.gcn_channels,
                                   cfg.gcn_strategy, cfg.gcn_norm, cfg.dropout, cfg.input_norm, cfg.gcn_readout,
                                   tuple(p for p in cfg.clip_centre if p in cfg.branches))
        self.branches = nn.ModuleDict({b: BranchEncoder(cfg, cfg.width(b)) for b in cfg.branches})

    @property
    def out_dim(self) -> int:
        return self.config.out_dim

    def encode(self, pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor,
               unmasked: tuple[torch.Tensor, torch.Tensor] | None = None):
        """-> (F_SE (B,T,out_dim), cls (B,out_dim) or None when cfg.cls_token is off).

        unmasked: (pose, confidence) of the batch before masking, when `pose` / `confidence` are masked
        (pre-training): the input normalisation takes its statistics from it (`InputNorm`)."""
        b, t = frame_mask.shape
        if pose.shape[:2] != (b, t) or pose.shape[2:] != (79, 2) or confidence.shape != (b, t, 79):
            raise ValueError(f"expected pose (B,T,79,2), confidence (B,T,79), frame_mask (B,T); got "
                             f"{tuple(pose.shape)}, {tuple(confidence.shape)}, {tuple(frame_mask.shape)}")
        if t > self.config.max_frames:
            raise ValueError(f"{t} frames > max_frames={self.config.max_frames}; sample the sequence first")
        frame_mask = frame_mask.bool()
        if not bool(frame_mask.any(1).all()):
            raise ValueError("every sample needs at least one real frame (frame_mask row all False)")
        parts = self.embed(pose, confidence, frame_mask, *(unmasked or (None, None)))
        outs = [self.branches[name](parts[name], frame_mask) for name in self.config.branches]
        if self.training and self.config.branch_dropout > 0 and len(outs) == 2:
            drop = torch.rand(b, 1, 1, device=frame_mask.device) < self.config.branch_dropout  # (B,1,1)
            which = torch.rand(b, 1, 1, device=frame_mask.device) < 0.5  # True: drop the first branch
            outs = [outs[0] * ~(drop & which), outs[1] * ~(drop & ~which)]
        f = torch.cat(outs, dim=-1)
        if self.config.cls_token:
            return f[:, 1:], f[:, 0]
        return f, None

    def forward(self, pose: torch.Tensor, confidence: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        return self.encode(pose, confidence, frame_mask)[0]

    # ---- persistence -------------------------------------------------------------------------------------

    def save_pretrained(self, directory) -> Path:
        """Write `directory`/model.safetensors + config.json (atomically); returns the directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        _atomic(directory / "model.safetensors", lambda p: save_file(state, p, metadata={"format": "pt"}))
        meta = {"model_type": "signpt.SignEncoder", "config": asdict(self.config)}
        _atomic(directory / "config.json", lambda p: Path(p).write_text(json.dumps(meta, indent=2)))
        return directory

    @classmethod
    def from_pretrained(cls, path, map_location="cpu") -> "SignEncoder":
        """Load the encoder alone from a `save_pretrained` directory, a `signpt pretrain` output directory
        (its ``encoder/``), or from a pre-training checkpoint
        directory (weights under the prefix "encoder.", config = a PretrainConfig or EncoderConfig dict found
        at the top level or one level down of its JSON file).
        """
        path = Path(path)
        if path.is_dir() and not any(path.glob("*.safetensors")) and (path / "encoder").is_dir():
            path = path / "encoder"  # a `signpt pretrain` output directory
        directory = path if path.is_dir() else path.parent
        if not directory.exists():
            raise CheckpointError(f"{path}: no such file or directory")
        weights = [path] if path.suffix == ".safetensors" else _weight_files(directory)
        cfg = _find_encoder_config(directory)
        state = {}
        for w in weights:
            try:
                state.update(load_file(str(w), device=str(map_location)))
            except Exception as e:  # noqa: BLE001 - safetensors raises several types
                raise CheckpointError(f"{w}: cannot read safetensors weights ({e})") from e
        state = _encoder_state(state, path)
        model = cls(cfg)
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise CheckpointError(f"{path}: weights do not match the encoder config "
                                  f"(missing {missing[:5]}, unexpected {unexpected[:5]})")
        return model


def _atomic(target: Path, write) -> None:
    with atomic_path(target) as tmp:
        write(str(tmp))


def _weight_files(directory: Path) -> list[Path]:
    preferred = [directory / n for n in ("model.safetensors", "encoder.safetensors")]
    found = [p for p in preferred if p.exists()] or sorted(directory.glob("*.safetensors"))
    found = [p for p in found if "optim" not in p.name]
    if not found:
        raise CheckpointError(f"{directory}: no model .safetensors file")
    return found[:1] if found[0] in preferred else found


def _find_encoder_config(directory: Path) -> EncoderConfig:
    jsons = [directory / "config.json"] if (directory / "config.json").exists() else sorted(directory.glob("*.json"))
    for j in jsons:
        try:
            data = json.loads(j.read_text())
        except (OSError, ValueError) as e:
            raise CheckpointError(f"{j}: unreadable JSON ({e})") from e
        candidates = [data] + [v for v in data.values() if isinstance(v, dict)] if isinstance(data, dict) else []
        for c in candidates:
            if c.get("model_type") == "signpt.SignEncoder" or "config" in c and isinstance(c["config"], dict) \
                    and "d_manual" in c["config"]:
                return EncoderConfig.from_dict(c["config"])
            if "d_manual" in c and "mask_ratio" not in c:
                return EncoderConfig.from_dict(c)
            if "mask_ratio" in c:  # a PretrainConfig
                from signpt.model.pretrain import PretrainConfig

                return PretrainConfig.from_dict(c).encoder_config()
    raise CheckpointError(f"{directory}: no encoder or pre-training config found in {[j.name for j in jsons]}")


def _encoder_state(state: dict, path: Path) -> dict:
    for prefix in ("encoder.", "module.encoder.", "model.encoder.", "_orig_mod.encoder."):
        sub = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if sub:
            return sub
    if any(k.startswith(("embed.", "branches.")) for k in state):
        return state
    raise CheckpointError(f"{path}: no sign-encoder weights (keys starting with 'encoder.') in the checkpoint")
