import torch

from signpt.model.text import language_token
from signpt.model.text import TextEncoder  # noqa: F401  (fixture type)

MBART_CODES = ["ar_AR", "de_DE", "en_XX", "zh_CN", "fr_XX"]


def test_language_token_mapping():
    assert language_token("en", MBART_CODES) == "en_XX"
    assert language_token("de", MBART_CODES) == "de_DE"
    assert language_token("zh-Hans", MBART_CODES) == "zh_CN"
    assert language_token("de_DE", MBART_CODES) == "de_DE"
    assert language_token("en", []) is None and language_token(None, MBART_CODES) is None
    try:
        language_token("xx", MBART_CODES)
    except ValueError as e:
        assert "xx" in str(e)
    else:
        raise AssertionError("unknown language accepted")


def test_minilm_frozen_offline_and_cached(minilm):
    assert list(minilm.parameters()) == [] and minilm.state_dict() == {}
    assert all(not p.requires_grad for p in minilm.hf_model.parameters())
    minilm.train()
    assert not minilm.hf_model.training
    feats, mask = minilm(["a man signs", "hello there my friend"], ["en", "en"])
    assert feats.shape[0] == 2 and feats.shape[2] == 384 and not feats.requires_grad
    ids = minilm.token_ids("hello there my friend", "en")
    assert mask[1].sum() == len(ids) and ids[0] == minilm.tokenizer.cls_token_id
    assert mask[0].sum() < mask[1].sum() and (feats[0, ~mask[0]] == 0).all()
    # cached features are identical to fresh ones, in any batch order
    again, _ = minilm(["hello there my friend"], ["en"])
    torch.testing.assert_close(again[0, : int(mask[1].sum())], feats[1, : int(mask[1].sum())])
    minilm._cache.clear()
    fresh, _ = minilm(["hello there my friend"], ["en"])
    torch.testing.assert_close(fresh, again)
    # truncation to max_tokens keeps the closing [SEP]
    long_ids = minilm.token_ids("word " * 300, "en")
    assert len(long_ids) == 128 and long_ids[-1] == minilm.tokenizer.sep_token_id


def test_text_features_do_not_depend_on_the_batch(minilm):
    """A text's features are bit-identical whether it is encoded alone, next to a much longer text (which
    pads it) or next to others, fresh or from the cache: what made resumed runs drift at ~1e-7."""
    from signpt.model.text import TextEncoder

    fresh = TextEncoder("minilm", cache_size=0)
    text = "hello thank you"
    n = len(fresh.token_ids(text, "en"))
    alone, _ = fresh([text], ["en"])
    longer = "this is a much longer sentence with many more words in it than the first one"
    for batch in ([text, longer], [longer, "water", text], [text, text, "good morning"]):
        feats, mask = fresh(batch, ["en"] * len(batch))
        i = batch.index(text)
        assert int(mask[i].sum()) == n
        assert torch.equal(feats[i, :n], alone[0]), batch
    cached, _ = minilm([longer, text], ["en", "en"])  # the shared encoder caches them
    again, _ = minilm([text], ["en"])
    assert torch.equal(cached[1, :n], alone[0]) and torch.equal(again[0], alone[0])


def test_missing_model_is_a_clear_config_error(tmp_path):
    import pytest

    from signpt.errors import ConfigError

    with pytest.raises(ConfigError, match="could not be loaded"):
        TextEncoder(str(tmp_path))  # a local directory without a model: no network involved


def test_token_ids_append_eos_and_language_token_for_mbart_like_tokenizers():
    from types import SimpleNamespace

    class Tok:
        eos_token_id = 2
        lang_code_to_id = {"en_XX": 250004, "de_DE": 250003}

        def __call__(self, text, add_special_tokens=True, **kw):
            return {"input_ids": [10 + len(w) for w in text.split()]}

        def convert_tokens_to_ids(self, t):
            return self.lang_code_to_id[t]

    from signpt.model.text import language_codes

    tok = Tok()
    fake = SimpleNamespace(tokenizer=tok, codes=language_codes(tok), max_tokens=4)
    assert TextEncoder.token_ids(fake, "guten tag", "de") == [15, 13, 2, 250003]
    assert TextEncoder.token_ids(fake, "a bb ccc dddd", "en") == [11, 12, 2, 250004]  # words truncated
