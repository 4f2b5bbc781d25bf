"""The sign search service (``signpt serve``): a JSON API and a web page from one FastAPI app.

API (every error is a 4xx with ``{"detail": message}``)::

    GET  /                          the page (search box, results with pose animations, upload)
    GET  /api/info                  the index: clips, checkpoint, corpus
    GET  /api/layout                the k79 skeleton (edges, parts) the page draws
    GET  /api/search?q=TEXT&k=K     text -> clips by m_ij: {"query", "mode": "text", "results": [...]}
    GET  /api/search?id=ID&k=K      clip -> nearest clips (cosine of pooled sign features)
    POST /api/search?k=K            a pose file (multipart field "file", or the raw body with
                                    ?filename=NAME.npz) -> nearest clips
    GET  /api/pose?id=ID            the clip's preview keypoints (see ``signpt.serve.index.preview``)

A result: {"rank", "id", "text", "score", "source", "split", "gloss", "signer", "pose" (URL)}, best first.
Uploads are read into memory up to ``max_upload`` bytes (413 beyond), written under a fresh temporary name
(the client's file name only chooses the reader by its extension) and read without unpickling.
"""
from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from signpt.errors import SignptError
from signpt.serve.search import Searcher

UPLOAD_SUFFIXES = (".pose", ".npz", ".npy", ".json")
STATIC = {"app.js": "text/javascript", "style.css": "text/css"}


def _static(name: str) -> str:
    return resources.files("signpt.serve").joinpath("static", name).read_text(encoding="utf-8")


def create_app(searcher: Searcher, *, max_query_chars: int = 1000, max_k: int = 100,
               max_upload: int = 5 * 1024 * 1024, max_upload_frames: int = 20000):
    """The FastAPI application serving `searcher`."""
    index = searcher.index
    pages = {name: _static(name) for name in STATIC}
    page = _static("index.html")
    app = FastAPI(title="signpt sign search", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(SignptError)
    async def _signpt_error(request, exc):
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    def results(rows, scores) -> list[dict]:
        out = []
        for rank, (r, s) in enumerate(zip(rows.tolist(), scores.tolist()), 1):
            rec = index.record(r)
            out.append({"rank": rank, **rec, "score": round(float(s), 6),
                        "pose": f"/api/pose?id={quote(str(rec['id']), safe='')}"})
        return out

    @app.get("/", response_class=HTMLResponse)
    def home():
        return page

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC:
            raise HTTPException(404, f"no static file {name!r}")
        return Response(pages[name], media_type=STATIC[name])

    @app.get("/api/info")
    def info():
        i = index.info
        return {"clips": len(index), "checkpoint": _short(i.get("checkpoint")), "kind": i.get("kind"),
                "corpus": _short(i.get("corpus")), "split": i.get("split"), "source": i.get("source"),
                "created": i.get("created")}

    @app.get("/api/layout")
    def layout():
        from signpt.pose.layouts.k79 import K79

        return {"points": K79.num_points, "edges": [list(e) for e in K79.edges],
                "parts": {k: list(v) for k, v in K79.parts.items()}, "missing": 255, "scale": 254}

    def check_k(k: int) -> int:
        if not 1 <= k <= max_k:
            raise HTTPException(422, f"k must be between 1 and {max_k}, got {k}")
        return k

    @app.get("/api/search")
    def search(q: str | None = Query(None), id: str | None = Query(None), k: int = Query(10)):
        check_k(k)
        if (q is None) == (id is None):
            raise HTTPException(400, "give exactly one of q (a text) or id (a clip id)")
        if id is not None:
            row = index.row(id)
            if row is None:
                raise HTTPException(404, f"no clip with id {id[:200]!r} in this index")
            rows, scores = searcher.search_clip(row, k)
            return {"query": id, "mode": "clip", "results": results(rows, scores)}
        text = q.strip()
        if not text:
            raise HTTPException(400, "empty query: type a sentence to search for")
        if len(text) > max_query_chars:
            raise HTTPException(400, f"query too long ({len(text)} characters, at most {max_query_chars})")
        if "\x00" in text:
            raise HTTPException(400, "query contains a NUL character")
        rows, scores = searcher.search_text(text, k)
        return {"query": text, "mode": "text", "results": results(rows, scores)}

    @app.post("/api/search")
    async def search_upload(request: Request, k: int = Query(10), filename: str | None = Query(None)):
        check_k(k)
        too_large = HTTPException(413, f"upload too large (at most {max_upload // (1024 * 1024)} MB)")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_upload + 64 * 1024):
            raise too_large
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > max_upload + 64 * 1024:
                raise too_large
        name, data = await _upload(request, bytes(body), filename)
        if len(data) > max_upload:
            raise too_large
        if not data:
            raise HTTPException(400, "empty upload: send a pose file")
        rows, scores = await run_in_threadpool(_search_pose, name, data, k)
        return {"query": name, "mode": "pose", "results": results(rows, scores)}

    async def _upload(request, body: bytes, filename: str | None):
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            from starlette.formparsers import MultiPartException, MultiPartParser

            async def stream():
                yield body

            try:
                form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=4,
                                             max_part_size=64 * 1024).parse()
            except MultiPartException as e:
                raise HTTPException(400, f"bad multipart upload: {e.message}") from None
            f = form.get("file")
            if f is None or isinstance(f, str):
                raise HTTPException(400, "multipart upload without a file field named 'file'")
            data = await f.read()
            return f.filename or "", data
        return filename or "", body

    def _search_pose(name: str, data: bytes, k: int):
        from signpt.pose import read_pose
        from signpt.tasks.api import load_input

        suffix = Path(name.replace("\\", "/")).suffix.lower() if name else ""
        if suffix not in UPLOAD_SUFFIXES:
            raise HTTPException(400, f"unsupported pose file type {suffix or '(none)'!r}; upload one of "
                                     f"{', '.join(UPLOAD_SUFFIXES)}")
        shown = Path(name.replace("\\", "/")).name[:100]
        with tempfile.TemporaryDirectory(prefix="signpt-upload-") as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(data)
            try:
                seq = read_pose(path, frame_size="infer")
                if seq.keypoints.shape[0] > max_upload_frames:
                    raise HTTPException(400, f"{shown}: {seq.keypoints.shape[0]} frames, at most "
                                             f"{max_upload_frames}")
                sample = load_input(seq)
            except HTTPException:
                raise
            except Exception as e:  # noqa: BLE001 - any reader failure is the upload's fault
                msg = str(e).replace(str(path), shown).replace(tmp, "")
                raise HTTPException(400, f"cannot read the uploaded pose file: {msg[:500]}") from None
        return searcher.search_pose(sample, k)

    @app.get("/api/pose")
    def clip_pose(id: str = Query(...)):
        clip_id = id
        row = index.row(clip_id)
        if row is None:
            raise HTTPException(404, f"no clip with id {clip_id[:200]!r} in this index")
        pose = index.pose(row)
        if pose is None:
            raise HTTPException(404, "this index has no pose previews")
        return {"id": clip_id, **pose}

    return app


def _short(path) -> str | None:
    """The last two parts of a path: enough to recognise it, without showing where files live."""
    return None if not path else "/".join(Path(path).parts[-2:])


def open_searcher(index_dir, checkpoint=None, candidates: int = 1000) -> Searcher:
    """Searcher over the index at `index_dir`, with its recorded checkpoint or `checkpoint` (which must have
    the same weights)."""
    import json

    from signpt.errors import ConfigError
    from signpt.serve.index import Index
    from signpt.tasks.embed import Embedder

    info_path = Path(index_dir) / "index.json"
    if checkpoint is None:
        if not info_path.exists():
            raise ConfigError(f"{index_dir}: not a signpt index (no index.json)")
        try:
            checkpoint = json.loads(info_path.read_text())["checkpoint"]
        except (ValueError, KeyError) as e:
            raise ConfigError(f"{info_path}: corrupt index description ({e})") from e
    emb = Embedder.load(checkpoint)
    return Searcher(Index.open(index_dir, checkpoint_sha256=emb.fingerprint), emb, candidates=candidates)


def serve(index_dir, host: str = "127.0.0.1", port: int = 8000, checkpoint=None, candidates: int = 1000) -> None:
    """Run the service until interrupted."""
    import uvicorn

    app = create_app(open_searcher(index_dir, checkpoint, candidates))
    uvicorn.run(app, host=host, port=port, log_level="info")
