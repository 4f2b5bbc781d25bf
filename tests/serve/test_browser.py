"""The page in a real headless browser (Debian's chromium driven by Playwright; nothing is downloaded):
type a query, see the results with animated poses; upload a pose file; see an error message."""
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from signpt.data.store import Corpus
from signpt.pose import PoseSequence, write_pose

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# skipped on a machine without chromium, but never in CI (CI=true), where .ci/run installs it: there a missing
# browser fails the test instead of hiding it
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                   viewport={"width": 1100, "height": 900})
        pg = ctx.new_page()
        pg.goto(server[0] + "/")
        pg.wait_for_selector("body[data-ready='1']", timeout=20000)
        yield pg
        ctx.close()


def _animated(page, n):
    """Wait until each of the n result canvases has drawn several frames; return their pixel sums."""
    page.wait_for_function(
        f"() => {{ const c = [...document.querySelectorAll('#results .result canvas')];"
        f" return c.length === {n} && c.every(x => Number(x.dataset.drawn || 0) >= 4); }}", timeout=20000)
    return page.eval_on_selector_all(
        "#results .result canvas",
        "cs => cs.map(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let ink = 0; for (let i = 3; i < d.length; i += 4) ink += d[i] > 0; return ink; })")


def test_type_a_query_and_see_animated_results(page, server):
    base, searcher = server
    assert searcher.index.ids and "clips" in page.inner_text("#info")
    page.fill("#q", "sun rain storm")
    page.select_option("#k", "5")
    page.press("#q", "Enter")
    page.wait_for_selector("#results .result", timeout=20000)
    ink = _animated(page, 5)
    assert all(v > 200 for v in ink)  # every canvas shows a skeleton
    rows, scores = searcher.search_text("sun rain storm", 5)
    cards = page.query_selector_all("#results .result")
    assert [c.get_attribute("data-id") for c in cards] == [searcher.index.ids[i] for i in rows]
    assert cards[0].query_selector(".text").inner_text() == searcher.index.meta["text"][rows[0]]
    assert f"{scores[0]:.4f}" in cards[0].query_selector(".score").inner_text()
    # the frames move on: a later look shows another frame on the first canvas
    before = page.eval_on_selector("#results .result canvas", "c => c.toDataURL()")
    page.wait_for_timeout(300)
    assert page.eval_on_selector("#results .result canvas", "c => c.toDataURL()") != before
    # "similar clips" of the first result
    cards[0].query_selector("button.similar").click()
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('clips like')")
    _animated(page, 5)
    want = [searcher.index.ids[i] for i in searcher.search_clip(int(rows[0]), 5)[0]]
    assert [c.get_attribute("data-id") for c in page.query_selector_all("#results .result")] == want


def test_upload_a_pose_file(page, server, corpus_dir, tmp_path):
    base, searcher = server
    s = Corpus(corpus_dir).filter(split="test")[6]
    f = tmp_path / "my clip.npz"
    write_pose(PoseSequence(s.keypoints.astype(np.float32), s.confidence.astype(np.float32), s.fps, "k79",
                            s.frame_size), f)
    page.select_option("#k", "10")
    page.set_input_files("#file", str(f))
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('my clip.npz')",
                           timeout=20000)
    _animated(page, 10)
    assert page.query_selector("#results .result").get_attribute("data-id") == s.id


def test_errors_are_shown(page, tmp_path):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip file at all")
    page.set_input_files("#file", str(bad))
    page.wait_for_selector("#status.error", timeout=20000)
    assert "cannot read the uploaded pose file" in page.inner_text("#status")
    assert page.query_selector_all("#results .result") == []
