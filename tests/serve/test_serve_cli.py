"""`signpt index` and `signpt serve` from the command line: build, serve on loopback, query, stop."""
import json
import subprocess
import sys
import time
import urllib.request

from signpt.cli.main import build_parser, main


def test_index_then_serve(retrieval_ckpt, corpus_dir, tmp_path, port):
    out = tmp_path / "index"
    assert main(["index", "--checkpoint", str(retrieval_ckpt), "--corpus", str(corpus_dir), "--out", str(out),
                 "--split", "dev", "--no-progress"]) == 0
    args = build_parser().parse_args(["serve", "--index", str(out)])
    assert args.host == "127.0.0.1" and args.port == 8000  # loopback unless told otherwise
    proc = subprocess.Popen([sys.executable, "-m", "signpt.cli.main", "serve", "--index", str(out), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=sun+snow&k=3", timeout=5) as r:
                    res = json.loads(r.read())
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise AssertionError(f"server did not answer: {proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.3)
        assert [r["rank"] for r in res["results"]] == [1, 2, 3]
        scores = [r["score"] for r in res["results"]]
        assert scores == sorted(scores, reverse=True)
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_refuses_another_checkpoint(index_dir, pretrain_ckpt, capsys):
    assert main(["serve", "--index", str(index_dir), "--checkpoint", str(pretrain_ckpt)]) == 2
    assert "was built with checkpoint" in capsys.readouterr().err
