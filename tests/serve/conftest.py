"""A small corpus of sentences, a retrieval checkpoint fine-tuned on it for a few seconds, a pre-training
checkpoint with random weights, an index of the test split, and a running server."""
from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest
import torch

from signpt.data.schema import Sample
from signpt.data.store import Corpus, CorpusWriter

WORDS = ["sun", "rain", "wind", "snow", "cloud", "storm"]


def make_sample(sid, split, words, signer, rng):
    """Each word a distinct periodic motion of the whole upper body (so the tiny model can learn a little)."""
    base = rng.uniform((200, 100), (440, 380), size=(79, 2))
    parts = []
    for w in words:
        g = WORDS.index(w)
        t = np.arange(10 + int(rng.integers(-2, 3))) / 10
        amp = 40.0 * np.sin(2 * np.pi * (1 + g % 3) * t)
        angle = np.pi * g / len(WORDS)
        parts.append(np.stack([amp * np.cos(angle), amp * np.sin(angle)], -1))
    motion = np.concatenate(parts)
    kp = base[None] + motion[:, None, :] + rng.normal(0, 2.0, size=(len(motion), 79, 2))
    conf = np.ones(kp.shape[:2], np.float16)
    conf[::7, 37:58] = 0  # a missing hand now and then
    return Sample(id=sid, source="toy", sign_language="dgs", spoken_language="de", split=split,
                  keypoints=kp.astype(np.float16), confidence=conf, fps=25.0, frame_size=(640, 480),
                  text=" ".join(words), gloss=[w.upper() for w in words], signer=signer)


def write_corpus(root, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    with CorpusWriter(root, shard_size=16) as w:
        n = 0
        for split, count, signers in (("train", 36, ["a", "b"]), ("dev", 6, ["c"]), ("test", 14, ["d"])):
            for i in range(count):
                words = [WORDS[j] for j in rng.integers(0, len(WORDS), size=int(rng.integers(2, 4)))]
                w.add(make_sample(f"clip{n:03d}", split, words, signers[i % len(signers)], rng))
                n += 1
    return Corpus(root)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve_corpus")
    write_corpus(root)
    return root


@pytest.fixture(scope="session")
def retrieval_ckpt(corpus_dir, tmp_path_factory):
    from signpt.model.encoder import EncoderConfig, SignEncoder
    from signpt.tasks import finetune

    torch.manual_seed(0)
    enc = SignEncoder(EncoderConfig(embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=16, num_layers=1,
                                    num_heads=2, dropout=0.0, max_frames=64))
    enc_dir = enc.save_pretrained(tmp_path_factory.mktemp("serve_encoder"))
    return finetune("retrieval", corpus_dir, init=enc_dir, out=tmp_path_factory.mktemp("serve_retrieval"),
                    epochs=6, head={"embed_dim": 16}, train={"batch_size": 8}, progress=False)


@pytest.fixture(scope="session")
def pretrain_ckpt(tmp_path_factory):
    """A pre-training checkpoint (random weights) as ``signpt pretrain`` saves it."""
    from signpt.model.pretrain import PretrainConfig, PretrainModel
    from signpt.train.checkpoint import save

    torch.manual_seed(1)
    cfg = PretrainConfig(embedding="linear", embed_dim=16, gcn_channels=(8,), d_manual=16, d_non_manual=16,
                         num_layers=1, num_heads=2, proj_dim=8, dropout=0.0, max_frames=64, word_temperature=0.1)
    model = PretrainModel(cfg)
    root = tmp_path_factory.mktemp("serve_pretrain") / "checkpoints"
    return save(root, model, step=1, config={"model": cfg.to_dict()})


@pytest.fixture(scope="session")
def index_dir(retrieval_ckpt, corpus_dir, tmp_path_factory):
    from signpt.serve.index import build_index

    return build_index(retrieval_ckpt, corpus_dir, tmp_path_factory.mktemp("serve_index") / "index",
                       split="test", progress=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    return free_port()


@pytest.fixture(scope="session")
def server(index_dir):
    """The app served by uvicorn on a free loopback port (in a thread); yields its base URL."""
    import uvicorn

    from signpt.serve.app import create_app, open_searcher

    searcher = open_searcher(index_dir)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(searcher), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", searcher
    srv.should_exit = True
    thread.join(10)
