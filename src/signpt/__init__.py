"""signpt: multimodal sign-language pre-training on pose data."""


def embed(*args, **kwargs):
    """Encoder features of clips; see ``signpt.tasks.embed.embed``."""
    from signpt.tasks.embed import embed as _embed

    return _embed(*args, **kwargs)
