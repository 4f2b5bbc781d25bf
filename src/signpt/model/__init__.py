"""Sign pose encoder, frozen text encoder and the pre-training model (paper Sec. III-B)."""
from signpt.model.decoder import PoseDecoder
from signpt.model.embedding import PoseEmbedding
from signpt.model.encoder import EncoderConfig, SignEncoder
from signpt.model.gcn import PartGCN, normalized_adjacency
from signpt.model.losses import LogitScale, contrastive_loss, pose_reconstruction_loss, symmetric_info_nce
from signpt.model.masking import MaskedPose, hierarchical_mask
from signpt.model.presets import get_preset
from signpt.model.pretrain import PretrainConfig, PretrainModel
from signpt.model.similarity import avg_pool_time, coarse_similarity, fine_grained_similarity
from signpt.model.text import TextEncoder

__all__ = [
    "EncoderConfig", "SignEncoder", "TextEncoder", "PretrainConfig", "PretrainModel", "get_preset",
    "PoseDecoder", "PoseEmbedding", "PartGCN", "normalized_adjacency", "hierarchical_mask", "MaskedPose",
    "fine_grained_similarity", "coarse_similarity", "avg_pool_time", "pose_reconstruction_loss",
    "contrastive_loss", "symmetric_info_nce", "LogitScale",
]
