"""A writer killed with SIGKILL mid-way leaves valid shards; rerunning the job completes without duplicates."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa

from signpt.data.store import Corpus

N, SHARD = 60, 7

JOB = textwrap.dedent(f"""
    import sys, time
    import numpy as np
    from signpt.data.schema import Sample
    from signpt.data.store import CorpusWriter

    def make(i):
        rng = np.random.default_rng(i)
        t = 2 + i % 5
        return Sample(id=f"k{{i:03d}}", source="src", sign_language="asl", spoken_language="en", split="pretrain",
                      keypoints=(rng.random((t, 79, 2)) * 100).astype(np.float16),
                      confidence=rng.random((t, 79)).astype(np.float16), fps=25.0, frame_size=(320, 240),
                      text=f"text {{i}}")

    delay = float(sys.argv[2])
    with CorpusWriter(sys.argv[1], shard_size={SHARD}) as w:
        for i in range({N}):
            if w.has(f"k{{i:03d}}"):
                continue
            w.add(make(i))
            time.sleep(delay)
""")


def expected(i):
    rng = np.random.default_rng(i)
    t = 2 + i % 5
    return (rng.random((t, 79, 2)) * 100).astype(np.float16), rng.random((t, 79)).astype(np.float16)


def test_killed_write_resumes_without_duplicates(tmp_path):
    root = tmp_path / "corpus"
    script = tmp_path / "job.py"
    script.write_text(JOB)
    proc = subprocess.Popen([sys.executable, str(script), str(root), "0.02"])
    try:
        deadline = time.time() + 60
        while len(list(root.glob("shard-*.arrow"))) < 3:  # let three shards finish, then kill mid-way
            assert proc.poll() is None and time.time() < deadline, "writer ended before it was killed"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    finished = sorted(root.glob("shard-*.arrow"))
    assert 3 <= len(finished) < -(-N // SHARD)
    assert not (root / "manifest.json").exists()  # the killed job never indexed itself as complete
    for path in finished:  # every finished shard is complete and readable
        table = pa.ipc.open_stream(pa.OSFile(str(path))).read_all()
        assert table.num_rows == SHARD

    done = subprocess.run([sys.executable, str(script), str(root), "0"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    c = Corpus(root)
    c.verify()
    ids = c.column("id")
    assert len(ids) == len(set(ids)) == N
    assert sorted(ids) == [f"k{i:03d}" for i in range(N)]
    assert not list(root.glob(".*.tmp"))
    for s in c:
        kp, conf = expected(int(s.id[1:]))
        assert np.array_equal(s.keypoints, kp) and np.array_equal(s.confidence, conf)
