"""Corpus store: round trip, manifest, validation, views, corruption, resume, merged prefixes."""
from __future__ import annotations

import hashlib
import json
import pickle

import numpy as np
import pyarrow as pa
import pytest

from signpt.data.schema import SCHEMA_VERSION, Sample
from signpt.data.store import Corpus, CorpusWriter, merge_manifests
from signpt.errors import CorpusError


def make_sample(i: int, t: int | None = None, **kw) -> Sample:
    """Deterministic random sample number i (T = 3 + i % 7 frames unless given)."""
    rng = np.random.default_rng(i)
    t = t if t is not None else 3 + i % 7
    fields = dict(
        id=f"s{i:04d}", source=("alpha", "beta")[i % 2], sign_language=("asl", "csl", "gsl")[i % 3],
        spoken_language="en", split=("pretrain", "train", "dev", "test")[i % 4],
        keypoints=(rng.random((t, 79, 2)) * (640, 480)).astype(np.float16),
        confidence=rng.random((t, 79)).astype(np.float16), fps=(25.0, 30.0)[i % 2], frame_size=(640, 480),
        text=None if i % 5 == 0 else f"sentence {i % 11}", gloss=None if i % 3 == 0 else ["A", f"G{i}"],
        label=None if i % 4 == 0 else i % 10, signer=None if i % 6 == 0 else f"p{i % 3}",
        meta={} if i % 2 else {"start": i / 10},
    )
    fields.update(kw)
    return Sample(**fields)


def write(root, samples, **kw):
    with CorpusWriter(root, **kw) as w:
        for s in samples:
            w.add(s)
    return root


def assert_same(a: Sample, b: Sample) -> None:
    assert a.id == b.id
    for name in ("source", "sign_language", "spoken_language", "split", "text", "gloss", "label", "signer",
                 "fps", "meta"):
        assert getattr(a, name) == getattr(b, name), name
    assert tuple(a.frame_size) == tuple(b.frame_size)
    assert b.keypoints.dtype == np.float16 and b.confidence.dtype == np.float16
    assert b.keypoints.shape == a.keypoints.shape and b.confidence.shape == a.confidence.shape
    # bit-exact float16 round trip
    assert np.array_equal(a.keypoints.view(np.uint16), b.keypoints.view(np.uint16))
    assert np.array_equal(a.confidence.view(np.uint16), b.confidence.view(np.uint16))


@pytest.fixture(scope="module")
def samples():
    return [make_sample(i) for i in range(25)]


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory, samples):
    return write(tmp_path_factory.mktemp("corpus"), samples, shard_size=10)


def test_round_trip_every_field(corpus_dir, samples):
    c = Corpus(corpus_dir)
    assert len(c) == 25
    for a, b in zip(samples, c):
        assert_same(a, b)
    assert_same(samples[-1], c[-1])
    assert_same(samples[13], c[13])
    with pytest.raises(IndexError):
        c[25]
    few = Corpus(corpus_dir, max_open_shards=1)  # shards closed and reopened as needed
    for i in (24, 0, 13, 2, 24):
        assert_same(samples[i], few[i])
    b = c[0]
    b.keypoints[0, 0, 0] = 1.0  # a returned sample is a private, writable copy
    assert c[0].keypoints[0, 0, 0] == samples[0].keypoints[0, 0, 0]


def test_manifest_counts_and_checksums(corpus_dir, samples):
    m = json.loads((corpus_dir / "manifest.json").read_text())
    assert m["schema_version"] == SCHEMA_VERSION
    assert m["num_samples"] == 25
    assert [s["num_samples"] for s in m["shards"]] == [10, 10, 5]
    for s in m["shards"]:
        data = (corpus_dir / s["file"]).read_bytes()
        assert s["sha256"] == hashlib.sha256(data).hexdigest() and s["bytes"] == len(data)
    assert m["counts"]["source"] == {"alpha": 13, "beta": 12}
    assert m["counts"]["split"] == {"pretrain": 7, "train": 6, "dev": 6, "test": 6}
    assert m["counts"]["sign_language"] == {"asl": 9, "csl": 8, "gsl": 8}
    assert m["unpaired"] == 5 and m["paired"] == 20  # i % 5 == 0 has no text
    seconds = sum(s.num_frames / s.fps for s in samples)
    assert m["total_frames"] == sum(s.num_frames for s in samples)
    assert m["duration_seconds"] == pytest.approx(seconds)
    assert m["duration_hours"] == pytest.approx(seconds / 3600)
    assert Corpus(corpus_dir).verify() == 3


def test_shards_are_plain_arrow_ipc(corpus_dir, samples):
    table = pa.ipc.open_stream(pa.OSFile(str(corpus_dir / "shard-00001.arrow"))).read_all()
    assert table.num_rows == 10
    row = table.slice(3, 1).to_pylist()[0]
    s = samples[13]
    assert row["id"] == s.id and row["num_frames"] == s.num_frames and row["frame_width"] == 640
    kp = np.frombuffer(row["keypoints"], "<f2").reshape(-1, 79, 2)
    assert np.array_equal(kp, s.keypoints)


def test_column_without_keypoints(corpus_dir, samples):
    c = Corpus(corpus_dir)
    assert c.column("id") == [s.id for s in samples]
    assert np.array_equal(c.column("label"), [-1 if s.label is None else s.label for s in samples])
    assert np.array_equal(c.column("num_frames"), [s.num_frames for s in samples])
    assert np.allclose(c.column("duration"), [s.num_frames / s.fps for s in samples])
    assert c.column("gloss") == [s.gloss for s in samples]
    with pytest.raises(KeyError):
        c.column("keypoints")


def test_filter_matches_brute_force(corpus_dir, samples):
    c = Corpus(corpus_dir)
    ids = lambda view: [s.id for s in view]
    assert ids(c.filter(source="alpha")) == [s.id for s in samples if s.source == "alpha"]
    assert ids(c.filter(split=("pretrain", "train"))) == [s.id for s in samples if s.split in ("pretrain", "train")]
    assert ids(c.filter(paired=False)) == [s.id for s in samples if not s.text]
    want = [s.id for s in samples if s.sign_language == "csl" and s.source == "beta" and s.text]
    assert ids(c.filter(sign_language="csl", source="beta", paired=True)) == want
    assert ids(c.filter(ids={"s0003", "s0020", "nope"})) == ["s0003", "s0020"]
    assert ids(c.filter(spoken_language="de")) == []
    # filters compose on views, and a view's column is in view order
    v = c.filter(split="dev").filter(source="beta")
    assert v.column("id") == [s.id for s in samples if s.split == "dev" and s.source == "beta"]


def test_partition_disjoint_and_complete(corpus_dir):
    c = Corpus(corpus_dir).filter(split=("pretrain", "train", "dev"))  # 19 samples
    for world in (1, 2, 3, 4, 7):
        parts = [c.partition(r, world).column("id") for r in range(world)]
        flat = [i for p in parts for i in p]
        assert sorted(flat) == sorted(c.column("id")) and len(flat) == len(set(flat)) == 19
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert c.partition(1, 2).column("id") == Corpus(corpus_dir).filter(split=("pretrain", "train", "dev")).partition(1, 2).column("id")
    with pytest.raises(ValueError):
        c.partition(2, 2)


def test_subset_size_nested_deterministic(corpus_dir):
    c = Corpus(corpus_dir)
    half, quarter = c.subset(0.5, seed=3), c.subset(0.25, seed=3)
    assert len(half) == 12 and len(quarter) == 6  # round(12.5) == 12 (banker's rounding), round(6.25) == 6
    assert set(quarter.column("id")) <= set(half.column("id"))
    assert half.column("id") == sorted(half.column("id"))  # original order kept
    assert half.column("id") == c.subset(0.5, seed=3).column("id")
    assert half.column("id") != c.subset(0.5, seed=4).column("id")
    assert len(c.subset(1.0)) == 25 and len(c.subset(0.0)) == 0


def test_shuffled_is_a_permutation(corpus_dir):
    c = Corpus(corpus_dir)
    a = [s.id for s in c.shuffled(buffer_size=4, seed=1)]
    assert sorted(a) == c.column("id")
    assert a == [s.id for s in c.shuffled(buffer_size=4, seed=1)]
    assert a != c.column("id") and a != [s.id for s in c.shuffled(buffer_size=4, seed=2)]
    v = c.filter(source="beta")
    assert sorted(s.id for s in v.shuffled(buffer_size=100, seed=0)) == v.column("id")


def test_views_pickle(corpus_dir, samples):
    v = Corpus(corpus_dir).filter(source="beta").partition(0, 2)
    w = pickle.loads(pickle.dumps(v))
    assert len(pickle.dumps(v)) < 2000
    assert w.column("id") == v.column("id")
    for a, b in zip(v, w):
        assert_same(a, b)


@pytest.mark.parametrize("bad, message", [
    (dict(keypoints=np.zeros((4, 78, 2), np.float16)), "shape"),
    (dict(keypoints=np.zeros((0, 79, 2), np.float16), confidence=np.zeros((0, 79), np.float16)), "T>=1"),
    (dict(confidence=np.zeros((5, 79), np.float16)), "confidence must have shape"),
    (dict(keypoints=np.full((3, 79, 2), np.nan, np.float32)), "NaN"),
    (dict(keypoints=np.full((3, 79, 2), 1e6, np.float32)), "float16"),
    (dict(confidence=np.full((3, 79), 1.5, np.float32)), "[0, 1]"),
    (dict(split="validation"), "unknown split"),
    (dict(fps=0.0), "fps"),
])
def test_add_rejects_bad_samples_naming_them(tmp_path, bad, message):
    w = CorpusWriter(tmp_path)
    s = make_sample(7, t=3, id="bad-one", **bad)
    with pytest.raises(CorpusError, match="bad-one") as e:
        w.add(s)
    assert message in str(e.value)


def test_resume_skips_finished_ids(tmp_path, samples):
    with CorpusWriter(tmp_path, shard_size=4) as w:
        assert all(w.add(s) for s in samples[:10])
        assert not w.add(samples[3])  # duplicate in this session
    with CorpusWriter(tmp_path, shard_size=4) as w:
        assert w.has("s0009") and not w.has("s0010")
        added = [w.add(s) for s in samples]
    assert added == [False] * 10 + [True] * 15
    c = Corpus(tmp_path)
    assert c.column("id") == [s.id for s in samples]
    assert [e["file"] for e in c.manifest["shards"]][-1] == "shard-00006.arrow"


def test_reopen_discards_temporaries_and_adopts_renamed_shards(tmp_path, samples):
    write(tmp_path, samples[:8], shard_size=4)  # shard-00000, shard-00001
    part = tmp_path / "shard.shards.json"
    index = json.loads(part.read_text())
    index["shards"] = index["shards"][:1]  # killed after renaming shard-00001, before indexing it
    part.write_text(json.dumps(index))
    own_tmp = tmp_path / ".shard-00002.arrow.abc.tmp"  # killed while writing shard-00002
    other_tmp = tmp_path / ".other-00000.arrow.abc.tmp"  # another job's shard in progress
    own_tmp.write_bytes(b"partial")
    other_tmp.write_bytes(b"partial")
    with CorpusWriter(tmp_path, shard_size=4) as w:
        assert not own_tmp.exists() and other_tmp.exists()
        assert w.has("s0007")  # from the adopted shard
        assert [w.add(s) for s in samples[6:10]] == [False, False, True, True]
    assert Corpus(tmp_path).column("id") == [s.id for s in samples[:10]]


def test_merge_manifests_of_many_prefixes(tmp_path, samples):
    late = CorpusWriter(tmp_path, prefix="late")  # opened while the others have not written yet
    for k, prefix in enumerate(("csl-daily", "csl-daily-1", "csl-daily.s1of3")):  # like `--shard k/3` jobs
        write(tmp_path, samples[k::3], shard_size=3, prefix=prefix)
    m = merge_manifests(tmp_path)
    assert len(m["shards"]) == 3 + 3 + 3 and {"csl-daily-00000.arrow", "csl-daily-1-00000.arrow"} <= {
        e["file"] for e in m["shards"]}
    with CorpusWriter(tmp_path, prefix="csl-daily") as w:  # resumes only its own shard numbers
        assert w._next_index == 3
    c = Corpus(tmp_path)
    assert m["num_samples"] == len(c) == 25
    assert sorted(c.column("id")) == [s.id for s in samples]
    assert m["counts"]["source"] == {"alpha": 13, "beta": 12}
    # a writer skips ids it finds at open time ...
    with CorpusWriter(tmp_path, prefix="again") as w:
        assert not w.add(samples[5])
    # ... and the same id written by two concurrent jobs is caught by the merge
    assert late.add(samples[5])
    with pytest.raises(CorpusError, match="s0005"):
        late.close()
    with pytest.raises(CorpusError, match="s0005"):
        merge_manifests(tmp_path)


def test_missing_or_corrupt_files_are_named(tmp_path, samples):
    root = write(tmp_path / "c", samples[:12], shard_size=5)
    manifest = root / "manifest.json"
    text = manifest.read_text()

    manifest.write_text("{not json")
    with pytest.raises(CorpusError, match="manifest.json"):
        Corpus(root)
    manifest.unlink()
    with pytest.raises(CorpusError, match="manifest.json.*missing"):
        Corpus(root)
    manifest.write_text(text.replace(f'"schema_version": {SCHEMA_VERSION}', '"schema_version": 99'))
    with pytest.raises(CorpusError, match="schema version"):
        Corpus(root)
    manifest.write_text(text)

    shard = root / "shard-00001.arrow"
    data = bytearray(shard.read_bytes())
    # same size, one flipped byte near the end (inside the confidence blobs): opens, verify() catches it
    data[-200] ^= 0xFF
    shard.write_bytes(bytes(data))
    c = Corpus(root)
    assert len(c) == 12
    with pytest.raises(CorpusError, match="shard-00001.arrow.*sha256"):
        c.verify()
    # truncated: caught on open
    shard.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(CorpusError, match="shard-00001.arrow"):
        Corpus(root)
    shard.unlink()
    with pytest.raises(CorpusError, match="shard-00001.arrow.*missing"):
        Corpus(root)


def test_unparseable_shard_named_on_read(tmp_path, samples):
    root = write(tmp_path, samples[:6], shard_size=3)
    shard = root / "shard-00000.arrow"
    shard.write_bytes(b"\0" * shard.stat().st_size)  # same size, garbage
    c = Corpus(root)
    assert c[4].id == "s0004"  # other shard fine
    with pytest.raises(CorpusError, match="shard-00000.arrow"):
        c[0]
