"""The pre-training model of Fig. 4: masked pose -> ψ_SE -> (ψ_SD -> L_PR) and (ψ_FSTS with ψ_TE -> L_STC).

L = L_PR + λ L_STC (Eq. 6). Every ablation of Tables XII-XIX is a field of `PretrainConfig`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

from signpt.errors import ConfigError
from signpt.model.decoder import PoseDecoder
from signpt.model.encoder import BRANCHES, EncoderConfig, SignEncoder
from signpt.model.losses import SignTextContrastive, legacy_state_dict_hook, pose_reconstruction_loss
from signpt.model.masking import hierarchical_mask
from signpt.model.similarity import avg_pool_time, masked_mean
from signpt.pose.layouts.k79 import K79

_CHOICES = {
    "pretext": ("both", "pr", "stc", "stc_masked"),
    "features": tuple(BRANCHES),
    "embedding": ("gcn", "linear"),
    "similarity": ("fine", "coarse"),
}


@dataclass
class PretrainConfig:
    """Pre-training model configuration; defaults are the paper's (Table III) except the text model.

    Ablation switches: pretext "both"|"pr"|"stc" (Table XIV; "stc_masked": STC on the masked input without
    reconstruction, a diagnostic that separates the mask's effect from L_PR's), features "both"|"manual"|"non_manual"
    (Table XV), embedding "gcn"|"linear" (XIX), similarity "fine"|"coarse" (XVIII), lambda_stc λ (XII),
    window s (XVI), mask_ratio m (XVII), data_fraction α (XIII, applied by the data side / trainer).

    Sizes (reading of Sec. III-B + Table III): the GCN embeds each part of a frame to `embed_dim` = 512; a
    linear layer lifts it to the branch width, d1 = `d_manual` = 1024 (manual) and d2 = `d_non_manual` = 1536
    (non-manual); each branch is `num_layers` N = 8 pre-norm transformer blocks at that width, F_SE has
    d1 + d2 = 2560 channels. `proj_dim` = d_e = 512. The projectors are MLPs Linear(in, d_e) -> GELU ->
    Linear(d_e, d_e); the decoder is Linear(F_SE, F_SE) -> GELU -> Linear(F_SE, 79 x 2) (hidden
    `decoder_hidden`, default the F_SE width).

    text_model: "minilm" (packaged, offline; the embedded default), "mbart" (the paper's
    facebook/mbart-large-cc25 encoder), or any HF id / local path. word_temperature: temperature of the
    row softmax of the fine-grained similarity (1 = the paper's plain softmax; the tiny preset uses 0.1).
    input_norm: "batch" = ST-GCN's input BatchNorm over each part's point coordinates before the embedding
    (not in the paper's text; without it the uncentred poses leave the embedding nearly constant and the
    tiny model does not learn; statistics over the present points of the unmasked batch, so pre-training and
    fine-tuning normalise a clip alike, see signpt.model.embedding.InputNorm) | "none".
    gcn_readout: "flatten" (the GCN's node features x channels -> Linear -> LayerNorm) | "mean" (node mean;
    loses which hand is which, see signpt.model.gcn.PartGCN). clip_centre: parts centred on each clip's mean
    pose before the embedding (default the non-manual part: not in the paper's text; without it the face's
    shape, i.e. the signer, drowns its movement, see signpt.model.encoder). branch_dropout: ModDrop, off.
    """

    pretext: str = "both"
    features: str = "both"
    embedding: str = "gcn"
    similarity: str = "fine"
    lambda_stc: float = 1.0
    window: int = 4
    mask_ratio: float = 0.4
    data_fraction: float = 1.0
    # sign encoder
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
    # heads
    decoder_hidden: int | None = None
    proj_dim: int = 512
    # text
    text_model: str = "minilm"
    text_max_tokens: int = 128
    text_cache_size: int = 20000
    # similarity / contrastive
    word_temperature: float = 1.0
    init_temperature: float = 0.07
    max_logit_scale: float = 100.0
    similarity_chunk: int = 64
    # masking details
    mask_level_weights: tuple = (1.0, 1.0, 1.0)
    mask_clip_length: tuple = (4, 8)
    mask_jitter_prob: float = 0.2
    mask_jitter_std: float = 0.05

    def __post_init__(self):
        for name in ("gcn_channels", "mask_level_weights", "mask_clip_length", "clip_centre"):
            setattr(self, name, tuple(getattr(self, name)))
        for name, options in _CHOICES.items():
            if getattr(self, name) not in options:
                raise ConfigError(f"{name} must be one of {options}, got {getattr(self, name)!r}")
        if not 0.0 <= self.mask_ratio < 1.0:
            raise ConfigError(f"mask_ratio must be in [0, 1), got {self.mask_ratio}")
        if not 0.0 < self.data_fraction <= 1.0:
            raise ConfigError(f"data_fraction must be in (0, 1], got {self.data_fraction}")
        if self.window < 1 or self.similarity_chunk < 1:
            raise ConfigError(f"window and similarity_chunk must be >= 1 (got {self.window}, "
                              f"{self.similarity_chunk})")
        if self.lambda_stc < 0:
            raise ConfigError(f"lambda_stc must be >= 0, got {self.lambda_stc}")
        self.encoder_config()  # validates the encoder fields

    @property
    def use_pr(self) -> bool:
        return self.pretext in ("both", "pr")

    @property
    def use_stc(self) -> bool:
        return self.pretext in ("both", "stc", "stc_masked")

    @property
    def use_mask(self) -> bool:
        """Whether the encoder sees the hierarchically masked input (with PR, or the stc_masked diagnostic)."""
        return (self.use_pr or self.pretext == "stc_masked") and self.mask_ratio > 0

    def encoder_config(self) -> EncoderConfig:
        keys = {f.name for f in fields(EncoderConfig)} - {"cls_token"}
        return EncoderConfig(**{k: getattr(self, k) for k in keys}, cls_token=self.similarity == "coarse")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PretrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown pre-training config keys {unknown}; known: {sorted(known)}")
        return cls(**d)


def _mlp(in_dim: int, out_dim: int) -> nn.Module:
    return nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))


class PretrainModel(nn.Module):
    """forward(batch: PoseBatch) -> {"loss", "loss_pr", "loss_stc", "temperature"} scalar tensors.

    Under torch.distributed each rank passes its own batch (same B on every rank); L_STC is
    ``signpt.model.losses.SignTextContrastive`` (``self.contrastive``: temperature, similarity, negatives
    gathered from all ranks with gradient, labels offset by rank); every loss is normalised so that the mean
    over ranks equals the single-process loss of the concatenated batch. Samples without text contribute to
    L_PR only.
    """

    def __init__(self, cfg: PretrainConfig | None = None, text_encoder=None):
        super().__init__()
        self.config = cfg = cfg or PretrainConfig()
        self.encoder = SignEncoder(cfg.encoder_config())
        d_se = self.encoder.out_dim
        self.register_buffer("points", torch.as_tensor(
            sorted(i for b in BRANCHES[cfg.features] for i in K79.parts[b]), dtype=torch.long), persistent=False)
        self.decoder = PoseDecoder(d_se, cfg.decoder_hidden) if cfg.use_pr else None
        self.text = None
        if cfg.use_stc:
            if text_encoder is None:
                from signpt.model.text import TextEncoder

                text_encoder = TextEncoder(cfg.text_model, cfg.text_max_tokens, cfg.text_cache_size)
            self.text = text_encoder
            self.sign_proj = _mlp(d_se, cfg.proj_dim)
            self.text_proj = _mlp(text_encoder.dim, cfg.proj_dim)
            self.contrastive = SignTextContrastive(cfg.similarity, cfg.word_temperature, cfg.init_temperature,
                                                   cfg.max_logit_scale, cfg.similarity_chunk)
            self._register_load_state_dict_pre_hook(legacy_state_dict_hook)

    @property
    def logit_scale(self):
        """The learnable temperature module (``self.contrastive.logit_scale``)."""
        if self.text is None:
            raise AttributeError("a pre-training model without L_STC has no logit_scale")
        return self.contrastive.logit_scale

    @property
    def device(self) -> torch.device:
        return next(self.encoder.parameters()).device

    # ---- features for retrieval / evaluation -------------------------------------------------------------

    def project_sign(self, f_se: torch.Tensor, frame_mask: torch.Tensor, cls: torch.Tensor | None = None):
        """F_SE (B,T,D) -> (F_sign (B,n,d_e), mask (B,n)): MLP(AvgPool(F_SE, s)) (Eq. 4); coarse: MLP(CLS), n=1."""
        if self.config.similarity == "coarse":
            return self.sign_proj(cls).unsqueeze(1), frame_mask.new_ones(cls.shape[0], 1, dtype=torch.bool)
        pooled, mask = avg_pool_time(f_se, frame_mask, self.config.window)
        return self.sign_proj(pooled), mask

    def project_text(self, f_te: torch.Tensor, mask: torch.Tensor):
        """F_TE (B,L,d_t) -> (F_text (B,m,d_e), mask (B,m)): token-wise MLP (Eq. 4); coarse: MLP(mean), m=1."""
        if self.config.similarity == "coarse":
            return self.text_proj(masked_mean(f_te, mask)).unsqueeze(1), mask.any(1, keepdim=True)
        return self.text_proj(f_te), mask

    def encode_sign(self, batch):
        """Unmasked pose batch -> projected sign features (F_sign (B,n,d_e), mask (B,n) bool)."""
        pose, conf, fmask = (x.to(self.device) for x in (batch.pose, batch.confidence, batch.frame_mask))
        f_se, cls = self.encoder.encode(pose, conf, fmask.bool())
        return self.project_sign(f_se, fmask.bool(), cls)

    def encode_text(self, texts, languages=None):
        """Texts -> projected text features (F_text (B,m,d_e), mask (B,m) bool)."""
        feats, mask = self.text(list(texts), None if languages is None else list(languages))
        return self.project_text(feats.to(self.device), mask.to(self.device))

    def similarity(self, sign, sign_mask, text, text_mask) -> torch.Tensor:
        """Similarity matrix M (B1, B2) between projected sign and text features (fine or coarse), as L_STC
        computes it."""
        return self.contrastive.similarity(sign, sign_mask, text, text_mask)

    # ---- training --------------------------------------------------------------------------------------

    def forward(self, batch) -> dict:
        cfg = self.config
        pose, conf, fmask = (x.to(self.device) for x in (batch.pose, batch.confidence, batch.frame_mask))
        fmask = fmask.bool()
        zero = pose.new_zeros(())
        if cfg.use_mask:
            masked = hierarchical_mask(pose, conf, fmask, cfg.mask_ratio, points=self.points.tolist(),
                                       level_weights=cfg.mask_level_weights, clip_length=cfg.mask_clip_length,
                                       jitter_prob=cfg.mask_jitter_prob, jitter_std=cfg.mask_jitter_std)
            inp_pose, inp_conf, mask = masked.pose, masked.confidence, masked.mask
        else:
            inp_pose, inp_conf, mask = pose, conf, None
        # input statistics from the unmasked batch: a clip is normalised as in fine-tuning (InputNorm)
        f_se, cls = self.encoder.encode(inp_pose, inp_conf, fmask, unmasked=(pose, conf))
        out = {}
        loss_pr = zero
        if cfg.use_pr:
            pred = self.decoder(f_se).float()
            if mask is None:  # m = 0: nothing hidden, L_PR is 0 but keeps the decoder in the graph
                mask = torch.zeros_like(conf, dtype=torch.bool)
            loss_pr = pose_reconstruction_loss(pred, pose, mask, conf)
        loss_stc = zero
        if cfg.use_stc:
            loss_stc = self._contrastive(f_se, fmask, cls, batch)
            out["temperature"] = self.contrastive.temperature()
        else:
            out["temperature"] = zero.detach()
        out["loss"] = (loss_pr if cfg.use_pr else zero) + (cfg.lambda_stc * loss_stc if cfg.use_stc else zero)
        out["loss_pr"] = loss_pr
        out["loss_stc"] = loss_stc
        return out

    def _text_features(self, batch, b: int):
        paired = [i for i, t in enumerate(batch.texts) if t is not None]
        langs = batch.spoken_languages if batch.spoken_languages is not None else [None] * b
        if paired:
            feats, mask = self.text([batch.texts[i] for i in paired], [langs[i] for i in paired])
            feats, mask = feats.to(self.device), mask.to(self.device)
        else:
            feats = torch.zeros(0, 1, self.text.dim, device=self.device)
            mask = torch.zeros(0, 1, dtype=torch.bool, device=self.device)
        full = feats.new_zeros(b, max(feats.shape[1], 1), feats.shape[2])
        full_mask = mask.new_zeros(b, full.shape[1])
        idx = torch.as_tensor(paired, dtype=torch.long, device=self.device)
        full[idx, : feats.shape[1]] = feats
        full_mask[idx, : mask.shape[1]] = mask
        valid = torch.zeros(b, dtype=torch.bool, device=self.device)
        valid[idx] = True
        return full, full_mask, valid

    def _contrastive(self, f_se, fmask, cls, batch) -> torch.Tensor:
        b = f_se.shape[0]
        sign, sign_mask = self.project_sign(f_se, fmask, cls)
        f_te, te_mask, valid = self._text_features(batch, b)
        text, text_mask = self.project_text(f_te, te_mask)
        return self.contrastive(sign, sign_mask, text, text_mask, valid)
