"""The JSON API over a real loopback server: results equal the searcher's, bad requests get a 4xx with a
message and never crash the server or show files, and a concurrent load completes without an error."""
import http.client
import io
import json
import threading
import urllib.parse
from pathlib import Path

import numpy as np

from signpt.data.store import Corpus


def request(base, method, path, body=None, headers=None):
    """(status, parsed JSON or text) over one connection."""
    host = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, data.decode("utf-8", "replace")


def raw_request(base, data: bytes) -> tuple[int, str]:
    """Send `data` over a socket as far as the server reads it, then read its answer: a server may answer
    (and close) before a huge request has been sent."""
    import socket

    host = urllib.parse.urlparse(base)
    with socket.create_connection((host.hostname, host.port), timeout=30) as s:
        try:
            for i in range(0, len(data), 65536):
                s.sendall(data[i: i + 65536])
        except OSError:
            pass
        reply = b""
        try:
            while chunk := s.recv(65536):
                reply += chunk
                head, sep, body = reply.partition(b"\r\n\r\n")
                length = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")]
                if sep and length and len(body) >= length[0]:
                    break
        except OSError:
            pass
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def multipart(filename, data: bytes, field="file"):
    boundary = "----signpttestboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def npz_bytes(sample) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, keypoints=sample.keypoints.astype(np.float32), confidence=sample.confidence.astype(np.float32),
             fps=np.float32(sample.fps), frame_size=np.array(sample.frame_size), layout=np.array("k79"))
    return buf.getvalue()


def test_page_and_text_search(server):
    base, searcher = server
    status, page = request(base, "GET", "/")
    assert status == 200 and "<canvas" not in page and 'id="q"' in page and "/static/app.js" in page
    status, js = request(base, "GET", "/static/app.js")
    assert status == 200 and "getContext" in js
    status, res = request(base, "GET", "/api/search?q=" + urllib.parse.quote("sun rain") + "&k=5")
    assert status == 200 and res["mode"] == "text"
    rows, scores = searcher.search_text("sun rain", 5)
    assert [r["id"] for r in res["results"]] == [searcher.index.ids[i] for i in rows]
    assert [r["score"] for r in res["results"]] == [round(float(s), 6) for s in scores]
    assert [r["rank"] for r in res["results"]] == [1, 2, 3, 4, 5]
    first = res["results"][0]
    assert first["text"] == searcher.index.meta["text"][rows[0]] and first["source"] == "toy"
    status, pose = request(base, "GET", first["pose"])
    assert status == 200 and len(pose["points"]) == pose["frames"] * 79 * 2
    status, info = request(base, "GET", "/api/info")
    assert info["clips"] == len(searcher.index) and not info["corpus"].startswith("/")


def test_search_by_id_and_by_upload(server, corpus_dir):
    base, searcher = server
    status, res = request(base, "GET", "/api/search?id=" + searcher.index.ids[2] + "&k=3")
    assert status == 200 and [r["id"] for r in res["results"]] == [searcher.index.ids[i] for i in searcher.search_clip(2, 3)[0]]
    sample = Corpus(corpus_dir).filter(split="test")[4]
    body, headers = multipart("query.npz", npz_bytes(sample))
    status, res = request(base, "POST", "/api/search?k=3", body, headers)
    assert status == 200 and res["mode"] == "pose" and res["results"][0]["id"] == sample.id
    # the raw body works too
    status, raw = request(base, "POST", "/api/search?k=3&filename=q.npz", npz_bytes(sample))
    assert status == 200 and raw["results"] == res["results"]


def test_bad_requests_get_a_4xx_with_a_message(server, tmp_path):
    base, _ = server
    big = "a" * (10 * 1024 * 1024)
    good = npz_bytes(_sample())  # a valid pose file, for the truncation and path tricks
    cases = [
        ("GET", "/api/search?q=", None, None, 400),
        ("GET", "/api/search?q=%20%20", None, None, 400),
        ("GET", "/api/search", None, None, 400),
        ("GET", "/api/search?q=" + "a" * 5000, None, None, 400),
        ("GET", "/api/search?q=sun&k=0", None, None, 422),
        ("GET", "/api/search?q=sun&k=100000", None, None, 422),
        ("GET", "/api/search?q=sun&k=abc", None, None, 422),
        ("GET", "/api/search?q=sun&id=clip000", None, None, 400),
        ("GET", "/api/search?q=%00%01", None, None, 400),
        ("GET", "/api/search?id=no-such-clip", None, None, 404),
        ("GET", "/api/pose?id=../../../../etc/passwd", None, None, 404),
        ("GET", "/api/pose", None, None, 422),
        ("GET", "/static/..%2F..%2Fapp.py", None, None, 404),
        ("GET", "/static/../../../etc/passwd", None, None, 404),
        ("GET", "/../../etc/passwd", None, None, 404),
        ("POST", "/api/search", b"", None, 400),
        ("POST", "/api/search?filename=x.npz", bytes(range(256)) * 100, None, 400),  # binary junk
        ("POST", "/api/search?filename=x.npz", good[: len(good) // 2], None, 400),  # truncated
        ("POST", "/api/search?filename=x.pose", b"\x00" * 5000, None, 400),
        ("POST", "/api/search?filename=x.pkl", b"cos\nsystem\n(S'true'\ntR.", None, 400),  # no unpickling
        ("POST", "/api/search?filename=../../../../etc/passwd", good, None, 400),
        ("POST", "/api/search?filename=x.npy", b"\x93NUMPY" + b"\xff" * 100, None, 400),
        ("POST", "/api/search?filename=x.npz", b"\x00" * (6 * 1024 * 1024), None, 413),  # huge
        ("POST", "/api/search", *multipart("x.npz", b"\x00" * (6 * 1024 * 1024)), 413),
        ("POST", "/api/search", *multipart("../../etc/x.txt", b"hello"), 400),
        ("POST", "/api/search", *multipart("x.npz", good, field="other"), 400),
        ("POST", "/api/search", b"--x\r\nbroken", {"Content-Type": "multipart/form-data; boundary=x"}, 400),
    ]
    for method, path, body, headers, want in cases:
        status, res = request(base, method, path, body, headers)
        assert status == want, (method, path[:80], status, str(res)[:300])
        assert isinstance(res, dict) and res.get("detail"), (path[:80], res)
        text = json.dumps(res)
        assert "/tmp/" not in text and "root:" not in text and "Traceback" not in text, (path[:80], text[:300])
    # 10 MB: in the URL (refused by the HTTP layer), as a body, as an upload; the server lives on
    status, text = raw_request(base, f"GET /api/search?q={big} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status == 400 and text
    status, text = raw_request(base, f"POST /api/search?filename=x.npz HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                     f"{len(big)}\r\n\r\n{big}".encode())
    assert status == 413 and "too large" in text
    body, headers = multipart("x.npz", big.encode())
    status, text = raw_request(base, b"POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                     b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n"
                                     + b"".join(b"%x\r\n%s\r\n" % (len(body[i: i + 65536]), body[i: i + 65536])
                                                for i in range(0, len(body), 65536)) + b"0\r\n\r\n")
    assert status == 413 and "too large" in text  # no Content-Length: counted while reading
    assert not (Path.cwd() / "x.npz").exists() and not Path("/etc/x.txt").exists()
    assert request(base, "GET", "/api/info")[0] == 200


def _sample():
    from signpt.data.schema import Sample

    rng = np.random.default_rng(0)
    kp = rng.uniform(100, 400, (20, 79, 2)).astype(np.float16)
    return Sample(id="x", source="x", sign_language="x", spoken_language="x", split="test", keypoints=kp,
                  confidence=np.ones((20, 79), np.float16), fps=25.0, frame_size=(640, 480))


def test_concurrent_load(server):
    """16 clients x 200 queries (keep-alive), texts and clip ids mixed: every answer 200 and well-formed."""
    base, searcher = server
    host = urllib.parse.urlparse(base)
    words = ["sun", "rain", "wind", "snow", "cloud", "storm"]
    texts = [f"{a} {b}" for a in words for b in words]
    errors, done = [], []

    def client(c):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        try:
            for i in range(200):
                if i % 10 == 9:
                    path = f"/api/search?id={searcher.index.ids[(c + i) % len(searcher.index)]}&k=5"
                else:
                    path = "/api/search?q=" + urllib.parse.quote(texts[(c * 7 + i) % len(texts)]) + "&k=10"
                conn.request("GET", path)
                r = conn.getresponse()
                body = json.loads(r.read())
                if r.status != 200 or len(body["results"]) != (5 if "id=" in path else 10):
                    errors.append((path, r.status))
                done.append(1)
        except Exception as e:  # noqa: BLE001 - collected and reported below
            errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors[:5]
    assert len(done) == 16 * 200
