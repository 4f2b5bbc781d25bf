"""Screenshot of the search page for the README (docs/images/search.png), with Debian's headless chromium.

    .venv/bin/python docs/screenshot_search.py --index demo/index --query "..." [--out docs/images/search.png]
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--query", required=True)
    ap.add_argument("--k", default="5")
    ap.add_argument("--out", default="docs/images/search.png")
    ap.add_argument("--port", type=int, default=8123)
    args = ap.parse_args()
    import uvicorn
    from playwright.sync_api import sync_playwright

    from signpt.serve.app import create_app, open_searcher

    srv = uvicorn.Server(uvicorn.Config(create_app(open_searcher(args.index)), host="127.0.0.1", port=args.port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", headless=True,
                                                   args=flags, viewport={"width": 1100, "height": 760})
        page = ctx.new_page()
        page.goto(f"http://127.0.0.1:{args.port}/")
        page.wait_for_selector("body[data-ready='1']")
        page.select_option("#k", args.k)
        page.fill("#q", args.query)
        page.press("#q", "Enter")
        page.wait_for_function("() => [...document.querySelectorAll('#results canvas')].length > 0 && "
                               "[...document.querySelectorAll('#results canvas')].every(c => Number(c.dataset.drawn || 0) > 5)")
        page.screenshot(path=args.out, full_page=True)
        ctx.close()
    srv.should_exit = True
    print(args.out)


if __name__ == "__main__":
    main()
