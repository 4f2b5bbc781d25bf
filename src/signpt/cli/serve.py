"""``signpt serve``: the sign search web page and JSON API over an index."""
from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve a search page and JSON API over an index (signpt index)",
        description="GET / is the page; GET /api/search?q=TEXT&k=K searches by text (fine-grained "
                    "similarity), GET /api/search?id=ID and POST /api/search (a pose file) by example.",
    )
    p.add_argument("--index", required=True, help="index directory made by signpt index")
    p.add_argument("--checkpoint", help="the checkpoint (default: the one the index records; must match it)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--candidates", type=int, default=1000,
                   help="clips re-scored exactly after the first stage (default: 1000)")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.serve.app import serve

    serve(args.index, host=args.host, port=args.port, checkpoint=args.checkpoint, candidates=args.candidates)
    return 0
