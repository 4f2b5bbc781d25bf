"""Corpus store benchmark: signpt's Arrow IPC shards beside one pickle file per sample, Parquet and one
``.npy`` memmap, all measured in the same run on the same synthetic samples.

    .venv/bin/python benchmarks/bench_store.py                  # N=2000, mean T = 64 and 160
    .venv/bin/python benchmarks/bench_store.py -n 500 --mean-t 64

Per layout and mean T: bytes per sample (file sizes, and allocated on disk = st_blocks * 512), write samples/s, sequential read samples/s, random read
samples/s. Reads decode the full sample (all metadata + float16 keypoints and confidence as numpy arrays).
Everything runs on one thread, so samples/s are per core. "Cold-ish": every read pass opens the store
afresh (new reader objects, new memory maps) but the OS page cache is warm, because dropping it needs
root; on a cold disk the random-read figures of every layout fall (pickle most, one open() per sample).
"""
from __future__ import annotations

import argparse
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from signpt.data.schema import Sample
from signpt.data.store import SCHEMA, Corpus, CorpusWriter, _samples_to_table

K = 79


def make_samples(n: int, mean_t: int, seed: int = 0) -> list[Sample]:
    """n samples with T ~ uniform(0.5, 1.5) * mean_t, 79 points, pixels in a 1280x720 frame, float16."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = int(rng.integers(max(1, mean_t // 2), mean_t * 3 // 2 + 1))
        kp = (rng.random((t, K, 2)) * (1280, 720)).astype(np.float16)
        conf = rng.random((t, K)).astype(np.float16)
        out.append(Sample(id=f"bench-{i:07d}", source="bench", sign_language="asl", spoken_language="en",
                          split="pretrain", keypoints=kp, confidence=conf, fps=25.0, frame_size=(1280, 720),
                          text=f"sentence number {i}", gloss=["A", "B", "C"], label=i % 100, signer=f"p{i % 9}"))
    return out


def dir_bytes(path: Path) -> tuple[int, int]:
    """(apparent size, allocated size on disk = st_blocks * 512) of all files under `path`."""
    files = [p.stat() for p in path.rglob("*") if p.is_file()]
    return sum(f.st_size for f in files), sum(f.st_blocks * 512 for f in files)


def as_dict(s: Sample) -> dict:
    return {k: getattr(s, k) for k in ("id", "source", "sign_language", "spoken_language", "split", "keypoints",
                                       "confidence", "fps", "frame_size", "text", "gloss", "label", "signer",
                                       "meta")}


# ------------------------------------------------------------------------------------------- layouts
# each: write(samples, dir) ; open(dir) -> (n, get(i) -> Sample-like tuple)

def arrow_write(samples, d):
    with CorpusWriter(d, shard_size=1024) as w:
        for s in samples:
            w.add(s)


def arrow_open(d):
    c = Corpus(d)
    return len(c), c.__getitem__


def pickle_write(samples, d):
    for s in samples:
        with open(d / f"{s.id}.pkl", "wb") as f:
            pickle.dump(as_dict(s), f, protocol=pickle.HIGHEST_PROTOCOL)


def pickle_open(d):
    files = sorted(d.glob("*.pkl"))

    def get(i):
        with open(files[i], "rb") as f:
            return Sample(**pickle.load(f))
    return len(files), get


def mmpose_pickle_write(samples, d):
    """What the public pose-based codebases ship: one pickle per video, MMPose COCO-WholeBody 133 points,
    {'keypoints': T x (1, 133, 2) float32, 'scores': T x (1, 133) float32} (+ the annotations here)."""
    for s in samples:
        t = s.num_frames
        kp = np.zeros((t, 1, 133, 2), np.float32)
        sc = np.zeros((t, 1, 133), np.float32)
        kp[:, 0, :K] = s.keypoints
        sc[:, 0, :K] = s.confidence
        meta = {k: v for k, v in as_dict(s).items() if k not in ("keypoints", "confidence")}
        with open(d / f"{s.id}.pkl", "wb") as f:
            pickle.dump({"keypoints": list(kp), "scores": list(sc), **meta}, f, protocol=pickle.HIGHEST_PROTOCOL)


def mmpose_pickle_open(d):
    files = sorted(d.glob("*.pkl"))

    def get(i):
        with open(files[i], "rb") as f:
            obj = pickle.load(f)
        return obj["id"], np.stack(obj["keypoints"])[:, 0, :K], np.stack(obj["scores"])[:, 0, :K]
    return len(files), get


def parquet_write(samples, d):
    from signpt.data.store import validate_sample
    rows = [(s, *validate_sample(s)) for s in samples]
    table = _samples_to_table(rows)
    pq.write_table(table, d / "corpus.parquet", compression="zstd", row_group_size=64)


def parquet_open(d):
    f = pq.ParquetFile(d / "corpus.parquet")
    rg = f.metadata.row_group(0).num_rows
    cache = {}

    def get(i):
        g = i // rg
        if g not in cache:  # keep only the last decoded row group (sequential reads reuse it)
            cache.clear()
            cache[g] = f.read_row_group(g)
        t = cache[g]
        r = i - g * rg
        row = {n: t.column(n)[r].as_py() for n in SCHEMA.names if n not in ("keypoints", "confidence")}
        n = row["num_frames"]
        kp = np.frombuffer(t.column("keypoints")[r].as_py(), "<f2").reshape(n, K, 2)
        conf = np.frombuffer(t.column("confidence")[r].as_py(), "<f2").reshape(n, K)
        return row["id"], kp, conf
    return f.metadata.num_rows, get


def npy_write(samples, d):
    lengths = np.array([s.num_frames for s in samples], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    arr = np.lib.format.open_memmap(d / "poses.npy", mode="w+", dtype="<f2", shape=(int(offsets[-1]), K, 3))
    for s, o in zip(samples, offsets):
        arr[o:o + s.num_frames, :, :2] = s.keypoints
        arr[o:o + s.num_frames, :, 2] = s.confidence
    arr.flush()
    del arr
    np.save(d / "offsets.npy", offsets)
    meta = [{k: v for k, v in as_dict(s).items() if k not in ("keypoints", "confidence")} for s in samples]
    with open(d / "meta.pkl", "wb") as f:
        pickle.dump(meta, f)


def npy_open(d):
    arr = np.load(d / "poses.npy", mmap_mode="r")
    offsets = np.load(d / "offsets.npy")
    with open(d / "meta.pkl", "rb") as f:
        meta = pickle.load(f)

    def get(i):
        x = np.array(arr[offsets[i]:offsets[i + 1]])
        return meta[i]["id"], x[..., :2], x[..., 2]
    return len(meta), get


LAYOUTS = {
    "pickle per sample (baseline)": (pickle_write, pickle_open),
    "mmpose-style pickle f32 133pts": (mmpose_pickle_write, mmpose_pickle_open),
    "signpt Arrow IPC, mmap": (arrow_write, arrow_open),
    "Parquet zstd (rg=64)": (parquet_write, parquet_open),
    "one .npy memmap + offsets": (npy_write, npy_open),
}


def measure(name, write, open_, samples, work: Path, n_random: int, seed: int) -> dict:
    d = work / name.split()[0].lower().strip(".")
    d.mkdir()
    t0 = time.perf_counter()
    write(samples, d)
    t_write = time.perf_counter() - t0
    size, allocated = dir_bytes(d)

    n, get = open_(d)  # fresh reader for the sequential pass
    t0 = time.perf_counter()
    for i in range(n):
        get(i)
    t_seq = time.perf_counter() - t0

    n, get = open_(d)  # fresh reader for the random pass
    order = np.random.default_rng(seed).integers(0, n, size=n_random)
    t0 = time.perf_counter()
    for i in order:
        get(int(i))
    t_rand = time.perf_counter() - t0
    shutil.rmtree(d)
    return {"layout": name, "bytes": size / len(samples), "disk": allocated / len(samples),
            "write": len(samples) / t_write,
            "seq": n / t_seq, "rand": n_random / t_rand}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=2000, help="number of sequences (default 2000)")
    ap.add_argument("--mean-t", type=int, nargs="+", default=[64, 160], help="mean frames per sequence")
    ap.add_argument("--random-reads", type=int, default=None, help="random reads per layout (default n)")
    ap.add_argument("--only", nargs="*", default=None, help="subset of layouts (first word, e.g. signpt)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dir", default=None, help="scratch directory (default: a temporary one)")
    args = ap.parse_args(argv)
    layouts = {k: v for k, v in LAYOUTS.items()
               if not args.only or k.split()[0].lower() in {o.lower() for o in args.only}}
    print(f"{args.n} sequences, 79 points, float16 keypoints + confidence; one thread; page cache warm")
    header = f"{'mean T':>6}  {'layout':<30} {'bytes/sample':>12} {'on disk':>8} {'write/s':>9} {'seq read/s':>11} {'rand read/s':>11}"
    rows = []
    for mean_t in args.mean_t:
        samples = make_samples(args.n, mean_t, args.seed)
        work = Path(tempfile.mkdtemp(prefix="bench_store_", dir=args.dir))
        try:
            for name, (w, o) in layouts.items():
                r = measure(name, w, o, samples, work, args.random_reads or args.n, args.seed)
                r["mean_t"] = mean_t
                rows.append(r)
                print(f"  ... T={mean_t} {name}: done", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['mean_t']:>6}  {r['layout']:<30} {r['bytes']:>12,.0f} {r['disk']:>8,.0f} {r['write']:>9,.0f} {r['seq']:>11,.0f} "
              f"{r['rand']:>11,.0f}")


if __name__ == "__main__":
    main()
