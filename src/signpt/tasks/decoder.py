"""Text decoder for gloss-free translation and its decoding (greedy, beam search with length penalty).

``TextDecoder`` is a randomly initialised ``torch.nn.TransformerDecoder`` (3 blocks in the paper) reading the
projected sign features as memory. Decoding functions take a ``step`` callable so that they can be tested on
any toy distribution: ``step(prefix (N, L) int64, memory (N, S, d), memory_pad (N, S) bool) -> (N, V)
log-probabilities of the next token``.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

Step = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


class TextDecoder(nn.Module):
    """Pre-norm transformer decoder with learned positions.

    forward(tokens (B, L) int64, memory (B, S, d_model), memory_pad (B, S) bool True = padding)
    -> logits (B, L, vocab_size); position i sees tokens <= i (causal).
    """

    def __init__(self, vocab_size: int, d_model: int = 256, nhead: int = 4, num_layers: int = 3,
                 dim_feedforward: int = 1024, dropout: float = 0.1, max_len: int = 128, pad_id: int = 0):
        super().__init__()
        self.vocab_size, self.d_model, self.max_len, self.pad_id = vocab_size, d_model, max_len, pad_id
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=pad_id)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.out = nn.Linear(d_model, vocab_size)
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        nn.init.normal_(self.pos.weight, std=0.02)

    def forward(self, tokens: torch.Tensor, memory: torch.Tensor, memory_pad: torch.Tensor) -> torch.Tensor:
        L = tokens.shape[1]
        if L > self.max_len:
            raise ValueError(f"target length {L} exceeds the decoder's max_len {self.max_len}")
        pos = torch.arange(L, device=tokens.device)
        x = self.embed(tokens) * math.sqrt(self.d_model) + self.pos(pos)[None]
        causal = nn.Transformer.generate_square_subsequent_mask(L, device=tokens.device, dtype=x.dtype)
        h = self.layers(x, memory, tgt_mask=causal, tgt_is_causal=True, memory_key_padding_mask=memory_pad)
        return self.out(h)

    def step(self, prefix: torch.Tensor, memory: torch.Tensor, memory_pad: torch.Tensor) -> torch.Tensor:
        """Log-probabilities (N, V) of the token after ``prefix`` (N, L)."""
        return self.forward(prefix, memory, memory_pad)[:, -1].float().log_softmax(-1)


@torch.no_grad()
def greedy_search(step: Step, memory: torch.Tensor, memory_pad: torch.Tensor, *, bos: int, eos: int,
                  max_len: int) -> list[list[int]]:
    """Arg-max token at every step until ``eos`` (excluded from the output) or ``max_len`` tokens."""
    B = memory.shape[0]
    prefix = torch.full((B, 1), bos, dtype=torch.long, device=memory.device)
    done = torch.zeros(B, dtype=torch.bool, device=memory.device)
    for _ in range(max_len):
        nxt = step(prefix, memory, memory_pad).argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, eos), nxt)
        prefix = torch.cat([prefix, nxt[:, None]], 1)
        done |= nxt == eos
        if bool(done.all()):
            break
    out = []
    for row in prefix[:, 1:].tolist():
        out.append(row[: row.index(eos)] if eos in row else row)
    return out


@torch.no_grad()
def beam_search(step: Step, memory: torch.Tensor, memory_pad: torch.Tensor, *, bos: int, eos: int,
                max_len: int, beam_size: int = 4, length_penalty: float = 1.0) -> list[list[int]]:
    """Beam search (fairseq-style bookkeeping) returning the best finished hypothesis per sample.

    At each step the 2K best extensions of the K live beams are ranked by summed log-probability; an
    extension ending in ``eos`` among the top K is finished with score ``logp / len ** length_penalty``
    (len counts the output tokens including ``eos``); the K best other extensions stay live. A sample is done
    once K hypotheses are finished; at ``max_len`` the live beams are finished as they are. With
    ``beam_size=1`` this is exactly greedy search. memory: (B, S, d); memory_pad: (B, S) bool.
    """
    B, K = memory.shape[0], beam_size
    device = memory.device
    mem = memory.repeat_interleave(K, 0)
    pad = memory_pad.repeat_interleave(K, 0)
    prefix = torch.full((B * K, 1), bos, dtype=torch.long, device=device)
    scores = torch.full((B, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # all beams start identical: keep one alive
    finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(B)]
    done = [False] * B
    for t in range(max_len):
        lp = step(prefix, mem, pad).float()  # (B*K, V)
        V = lp.shape[-1]
        cand = (scores.reshape(B * K, 1) + lp).reshape(B, K * V)
        n_cand = min(2 * K, K * V)
        top_s, top_i = cand.topk(n_cand, dim=1)
        top_s, top_i = top_s.tolist(), top_i.tolist()
        new_rows, new_tok, new_scores = [], [], []
        for b in range(B):
            live: list[tuple[float, int, int]] = []
            if not done[b]:
                for rank in range(n_cand):
                    s, idx = top_s[b][rank], top_i[b][rank]
                    if s == float("-inf"):
                        break
                    beam, tok = divmod(idx, V)
                    if tok == eos:
                        if rank < K:
                            toks = prefix[b * K + beam, 1:].tolist()
                            finished[b].append((s / (len(toks) + 1) ** length_penalty, toks))
                    else:
                        live.append((s, beam, tok))
                        if len(live) == K:
                            break
                if len(finished[b]) >= K:
                    done[b] = True
            for k in range(K):
                if k < len(live) and not done[b]:
                    s, beam, tok = live[k]
                    new_rows.append(b * K + beam)
                    new_tok.append(tok)
                    new_scores.append(s)
                else:  # dead slot
                    new_rows.append(b * K)
                    new_tok.append(eos)
                    new_scores.append(float("-inf"))
        if all(done):
            break
        rows = torch.tensor(new_rows, device=device)
        prefix = torch.cat([prefix[rows], torch.tensor(new_tok, device=device)[:, None]], 1)
        scores = torch.tensor(new_scores, device=device).reshape(B, K)
    out = []
    for b in range(B):
        if not done[b]:
            for k in range(K):
                s = float(scores[b, k])
                if s > float("-inf"):
                    toks = prefix[b * K + k, 1:].tolist()
                    finished[b].append((s / max(len(toks), 1) ** length_penalty, toks))
        best = max(finished[b], key=lambda x: x[0]) if finished[b] else (0.0, [])
        out.append(best[1])
    return out
