"""Sign-text retrieval (SL-RT): sign encoder + frozen text encoder, each with a projector to the shared
space, trained with the fine-grained contrastive loss (Eq. 4-5): ``signpt.model.losses.SignTextContrastive``,
the same loss module as pre-training, so under torchrun the negatives come from every rank's batch.

Evaluation embeds every test video and text once, builds the whole (texts x videos) similarity matrix with
``signpt.metrics.retrieval.chunked_similarity`` (fixed-size blocks: a score depends only on its own pair,
never on batch composition) and reports T2V / V2T R@1, R@5, R@10 and median rank, ties counted as
CLIP4Clip's / CiCo's ``compute_metrics`` counts them (``signpt.metrics.retrieval``: every position holding
the correct score is an entry), the convention of the published sign-language retrieval figures.
"""
from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from signpt.data.batch import PoseBatch
from signpt.errors import CorpusError
from signpt.metrics.retrieval import chunked_similarity, retrieval_scores
from signpt.metrics.tables import retrieval_table
from signpt.model.losses import SignTextContrastive, legacy_state_dict_hook, rename_legacy_logit_scale
from signpt.model.similarity import avg_pool_time

TASK = "retrieval"
PRIMARY_METRIC = ("t2v_r1", "max")


def mlp(in_dim: int, out_dim: int) -> nn.Sequential:
    """Two-layer projector: Linear -> GELU -> Linear."""
    return nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))


def pad_stack(seqs: list[torch.Tensor], masks: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad (n_i, d) tensors and (n_i,) masks to (N, max n, d) and (N, max n)."""
    n = max(s.shape[0] for s in seqs)
    out = torch.zeros(len(seqs), n, seqs[0].shape[-1])
    mask = torch.zeros(len(seqs), n, dtype=torch.bool)
    for i, (s, m) in enumerate(zip(seqs, masks)):
        out[i, : s.shape[0]] = s
        mask[i, : m.shape[0]] = m
    return out, mask


class RetrievalModel(nn.Module):
    """forward(batch) -> {"loss", "temperature"}; ``sign_embed(batch)``, ``text_embed(texts, languages)``.

    Sign: F_SE -> AvgPool(window s) -> MLP -> (B, n, embed_dim); text: frozen ``TextEncoder`` -> MLP ->
    (B, m, embed_dim). Similarity: fine-grained m_ij with row-softmax temperature `word_temperature` (the
    pre-training model's when built from a pre-training checkpoint), in training and in evaluation; loss:
    ``SignTextContrastive`` (symmetric InfoNCE, learnable τ initialised to `temperature`, negatives gathered
    across ranks under DDP). The frozen text model is not stored in checkpoints (it is rebuilt from
    ``text_model``).
    """

    def __init__(self, encoder: nn.Module, text_model: str = "minilm", embed_dim: int = 512, window: int = 4,
                 temperature: float = 0.07, max_text_tokens: int = 128, word_temperature: float = 1.0):
        super().__init__()
        from signpt.model.text import TextEncoder

        self.encoder = encoder
        self.text_encoder = TextEncoder(text_model, max_tokens=max_text_tokens)
        self.sign_proj = mlp(encoder.out_dim, embed_dim)
        self.text_proj = mlp(self.text_encoder.dim, embed_dim)
        self.contrastive = SignTextContrastive("fine", word_temperature, temperature)
        self._register_load_state_dict_pre_hook(legacy_state_dict_hook)
        self.window = window
        self._spec = dict(text_model=text_model, embed_dim=embed_dim, window=window, temperature=temperature,
                          max_text_tokens=max_text_tokens, word_temperature=float(word_temperature))

    @property
    def logit_scale(self):
        """The learnable temperature module (``self.contrastive.logit_scale``)."""
        return self.contrastive.logit_scale

    @property
    def word_temperature(self) -> float:
        """Temperature of the fine-grained similarity's row softmax (``self.contrastive.word_temperature``)."""
        return self.contrastive.word_temperature

    def spec(self) -> dict:
        return dict(self._spec)

    def sign_embed(self, batch: PoseBatch) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.encoder(batch.pose, batch.confidence, batch.frame_mask)
        pooled, mask = avg_pool_time(f, batch.frame_mask.bool(), self.window)
        return self.sign_proj(pooled), mask

    def text_embed(self, texts: list[str], languages: list | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        feats, mask = self.text_encoder(list(texts), languages)
        dev = self.sign_proj[0].weight.device
        return self.text_proj(feats.to(dev)), mask.to(dev)

    def forward(self, batch: PoseBatch) -> dict:
        if any(t is None for t in batch.texts):
            raise ValueError("retrieval training needs a text for every sample")
        sign, sm = self.sign_embed(batch)
        text, tm = self.text_embed(batch.texts, batch.spoken_languages)
        return {"loss": self.contrastive(sign, sm, text, tm), "temperature": self.contrastive.temperature()}

    def similarity(self, text, text_mask, sign, sign_mask) -> torch.Tensor:
        """(texts, videos) fine-grained similarity of already projected features (the training similarity,
        same word temperature, computed directly without blocks)."""
        return self.contrastive.similarity(sign, sign_mask, text, text_mask, chunk=None).T


@torch.no_grad()
def embed_all(model: RetrievalModel, batches: Iterable[PoseBatch]):
    """Projected sign and text features of every sample: (ids, texts, (sign, sign_mask), (text, text_mask))."""
    model.eval()
    ids, texts, s_list, sm_list, t_list, tm_list = [], [], [], [], [], []
    for batch in batches:
        if any(t is None for t in batch.texts):
            raise CorpusError("retrieval evaluation: every sample needs a text")
        s, sm = model.sign_embed(batch)
        t, tm = model.text_embed(batch.texts, batch.spoken_languages)
        for i in range(len(batch)):
            n, m = int(sm[i].sum()), int(tm[i].sum())
            s_list.append(s[i, :n].float().cpu())
            sm_list.append(sm[i, :n].cpu())
            t_list.append(t[i, :m].float().cpu())
            tm_list.append(tm[i, :m].cpu())
        ids += list(batch.ids)
        texts += list(batch.texts)
    return ids, texts, pad_stack(s_list, sm_list), pad_stack(t_list, tm_list)


@torch.no_grad()
def similarity_matrix(model: RetrievalModel, batches: Iterable[PoseBatch], chunk_size: int = 64):
    """(ids, texts, sim (N texts, N videos)) over all samples; text i describes video i."""
    ids, texts, sign, text = embed_all(model, batches)
    sim = chunked_similarity(text, sign, model.similarity, chunk_size=chunk_size)
    return ids, texts, sim


@torch.no_grad()
def evaluate_model(model: RetrievalModel, batches: Iterable[PoseBatch], chunk_size: int = 64) -> tuple[dict, list[dict]]:
    """(metrics, examples): T2V/V2T R@1/5/10, MedR, MnR; examples: top-5 videos per text query and top-5
    texts per video query (first ones in corpus order come first)."""
    ids, texts, sim = similarity_matrix(model, batches, chunk_size)
    metrics = retrieval_scores(sim).to_dict()
    k = min(5, len(ids))
    examples = []
    t2v = sim.topk(k, dim=1)
    v2t = sim.T.topk(k, dim=1)
    for i in range(len(ids)):
        examples.append({
            "direction": "t2v", "query": texts[i], "id": ids[i], "reference": ids[i],
            "top5": [[ids[j], texts[j], round(float(s), 4)] for s, j in zip(t2v.values[i].tolist(), t2v.indices[i].tolist())],
        })
    for i in range(len(ids)):
        examples.append({
            "direction": "v2t", "query": ids[i], "id": ids[i], "reference": texts[i],
            "top5": [[ids[j], texts[j], round(float(s), 4)] for s, j in zip(v2t.values[i].tolist(), v2t.indices[i].tolist())],
        })
    return metrics, examples


@torch.no_grad()
def rank_texts(model: RetrievalModel, batch: PoseBatch, candidates: list[str], k: int = 5,
               languages: list | None = None) -> list[list[tuple[str, float]]]:
    """Best-matching candidate texts (text, similarity) for each sample of `batch`, best first."""
    if not candidates:
        raise ValueError("retrieval prediction needs candidate texts")
    model.eval()
    s, sm = model.sign_embed(batch)
    t, tm = model.text_embed(candidates, languages)
    sim = model.similarity(t, tm, s, sm).T  # (samples, texts)
    v, i = sim.topk(min(k, len(candidates)), dim=1)
    return [[(candidates[j], float(x)) for x, j in zip(vr, ir)] for vr, ir in zip(v.tolist(), i.tolist())]


TIES_NOTE = ("R@K and median rank with ties counted as CLIP4Clip's / CiCo's compute_metrics counts them "
             "(every position holding the correct score is an entry).")


def table(rows: dict, title: str | None = None) -> str:
    return retrieval_table(rows, title=title) + "\n" + TIES_NOTE + "\n"


def examples_markdown(examples: list[dict], limit: int = 5) -> str:
    """Top-5 per query, T2V then V2T; a hit is marked with *."""
    lines = ["| Direction | Query | Top-5 (similarity) |", "| --- | --- | --- |"]
    for direction in ("t2v", "v2t"):
        for ex in [e for e in examples if e["direction"] == direction][:limit]:
            if direction == "t2v":
                top = "; ".join(f"{'*' if vid == ex['id'] else ''}{vid} ({s:.3f})" for vid, _, s in ex["top5"])
            else:
                top = "; ".join(f"{'*' if vid == ex['id'] else ''}{txt} ({s:.3f})" for vid, txt, s in ex["top5"])
            lines.append(f"| {direction.upper()} | {ex['query']} | {top} |")
    return "\n".join(lines) + "\n"


MODEL = RetrievalModel


def build(encoder: nn.Module, train_view, all_view=None, init=None, **head) -> RetrievalModel:
    """Retrieval model; from a pre-training checkpoint `init`, the projectors and temperature of its
    sign-text contrastive head are loaded too (and its text model, d_e, window and word temperature are
    used for fine-tuning and evaluation), so fine-tuning starts from the pre-trained alignment."""
    from signpt.tasks.common import checkpoint_tensors, pretrain_config_of

    texts = train_view.column("text")
    if not any(texts):
        raise CorpusError(f"{train_view.root}: retrieval needs training samples with text")
    pre = pretrain_config_of(init) if init is not None else None
    if pre is not None and pre.get("pretext", "both") != "pr" and pre.get("similarity", "fine") == "fine":
        head = {**head, "text_model": pre["text_model"], "embed_dim": pre["proj_dim"], "window": pre["window"],
                "word_temperature": float(pre.get("word_temperature", 1.0))}
    model = RetrievalModel(encoder, **head)
    if pre is not None:
        state = rename_legacy_logit_scale(checkpoint_tensors(init, ("sign_proj.", "text_proj.", "logit_scale.",
                                                                    "contrastive.")))
        own = model.state_dict()
        usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        if usable:
            model.load_state_dict(usable, strict=False)
        model.loaded_heads = sorted(usable)
    return model
