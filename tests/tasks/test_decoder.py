"""Greedy and beam search for the translation decoder on toy distributions and on the real TextDecoder."""
import math

import torch

from signpt.tasks.decoder import TextDecoder, beam_search, greedy_search

BOS, EOS = 2, 3


def table_step(table: dict[tuple, list[float]], V: int):
    """A step function reading next-token probabilities from {prefix (without bos): probs}."""

    def step(prefix, memory, memory_pad):
        rows = []
        for p in prefix[:, 1:].tolist():
            probs = table.get(tuple(p), [1.0 if i == EOS else 0.0 for i in range(V)])
            rows.append(torch.tensor(probs).clamp_min(1e-12).log())
        return torch.stack(rows)

    return step


def test_beam_finds_the_sequence_greedy_misses_and_length_penalty_matters():
    V = 6
    z = lambda **kw: [kw.get(f"t{i}", 0.0) for i in range(V)]  # noqa: E731
    table = {
        (): z(t4=0.5, t5=0.4, t3=0.1),          # greedy takes 4 ...
        (4,): z(t4=0.3, t5=0.3, t3=0.4),        # ... then ends: p = 0.5 * 0.4 = 0.20
        (5,): z(t3=0.9, t4=0.1),                # 5 then eos: p = 0.4 * 0.9 = 0.36
    }
    step = table_step(table, V)
    mem, pad = torch.zeros(1, 1, 1), torch.zeros(1, 1, dtype=torch.bool)
    assert greedy_search(step, mem, pad, bos=BOS, eos=EOS, max_len=5) == [[4]]
    assert beam_search(step, mem, pad, bos=BOS, eos=EOS, max_len=5, beam_size=1) == [[4]]
    assert beam_search(step, mem, pad, bos=BOS, eos=EOS, max_len=5, beam_size=2, length_penalty=0.0) == [[5]]
    # length penalty: "" has p 0.45 (1 token: eos), "4 4" has p 0.55 * 0.9 * 0.8 = 0.396 (3 tokens)
    table2 = {(): z(t3=0.45, t4=0.55), (4,): z(t4=0.9, t5=0.1), (4, 4): z(t3=0.8, t4=0.2)}
    step2 = table_step(table2, V)
    run = lambda a: beam_search(step2, mem, pad, bos=BOS, eos=EOS, max_len=5, beam_size=2, length_penalty=a)  # noqa: E731
    assert run(0.0) == [[]]  # 0.45 > 0.396
    assert math.log(0.396) / 3 > math.log(0.45) / 1
    assert run(1.0) == [[4, 4]]


def test_beam_width_one_equals_greedy_on_the_real_decoder_and_width_four_is_valid():
    torch.manual_seed(0)
    V = 12
    dec = TextDecoder(V, d_model=16, nhead=2, num_layers=3, dim_feedforward=32, max_len=20).eval()
    mem = torch.randn(5, 7, 16)
    pad = torch.zeros(5, 7, dtype=torch.bool)
    pad[1, 4:] = True
    pad[3, 2:] = True
    greedy = greedy_search(dec.step, mem, pad, bos=BOS, eos=EOS, max_len=15)
    assert beam_search(dec.step, mem, pad, bos=BOS, eos=EOS, max_len=15, beam_size=1) == greedy
    beams = beam_search(dec.step, mem, pad, bos=BOS, eos=EOS, max_len=15, beam_size=4)
    assert len(beams) == 5
    for seq in beams:
        assert len(seq) <= 15 and EOS not in seq and BOS not in seq and all(0 <= t < V for t in seq)


def test_decoder_is_causal_and_ignores_padded_memory():
    torch.manual_seed(0)
    dec = TextDecoder(10, d_model=16, nhead=2, num_layers=2, dim_feedforward=32, max_len=20).eval()
    mem = torch.randn(1, 6, 16)
    pad = torch.tensor([[False] * 4 + [True] * 2])
    tok = torch.tensor([[2, 5, 6, 7]])
    out = dec(tok, mem, pad)
    assert out.shape == (1, 4, 10)
    tok2 = tok.clone()
    tok2[0, 3] = 9
    mem2 = mem.clone()
    mem2[0, 4:] = 100.0
    out2 = dec(tok2, mem2, pad)
    torch.testing.assert_close(out[:, :3], out2[:, :3])
